"""Fetch stage: every HTTP request newswatch makes to a news site goes through `Fetcher`.

It owns one shared `httpx.AsyncClient` per run and enforces, per `get()`: one total deadline
that covers every redirect hop, every retry and every back-off wait (slow-drip bodies included;
time spent queueing for a per-host slot does not count), a body-size cap measured after
decompression (gzip/deflate are inflated here in bounded steps, so a small bomb never
materialises), at most `max_redirects` redirects (a loop is named as one), conditional GET, and
bounded retries with back-off on connection errors, 5xx and 429 (Retry-After honoured when it
fits the deadline). With an address guard, every hop is checked before the request *and* the
address actually connected to is the one the guard vetted, so DNS rebinding cannot slip past it.
Global and per-host concurrency limits keep newswatch polite. It never parses what it fetches.
"""

from __future__ import annotations

import asyncio
import contextvars
import email.utils
import logging
import os
import random
import socket
import zlib
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from newswatch import USER_AGENT
from newswatch.redact import redact

log = logging.getLogger(__name__)

RETRYABLE_REASONS = frozenset({"connect_error", "timeout", "server_error", "transport_error"})


class AddressGuard(Protocol):
    """Decides which hosts a request may reach. `netguard.HostGuard` is the real one.

    Calling it checks a URL before the request (raise FetchError(reason="blocked_address")).
    """

    def __call__(self, url: str) -> Awaitable[None]: ...


@runtime_checkable
class ConnectGuard(Protocol):
    """A guard that also picks the addresses a connection may be opened to (after DNS)."""

    async def addresses_for(self, url: str, host: str) -> list[str]: ...


# The guard of the request being made, read by the network backend when it opens a connection.
# A ContextVar, because one shared client serves many sources with different trusted hosts.
_ACTIVE_GUARD: contextvars.ContextVar[tuple[ConnectGuard, str] | None] = contextvars.ContextVar(
    "newswatch_active_guard", default=None
)

_ENV_PREFIX = "NEWSWATCH_FETCH_"


# host -> an async context manager held around each request to that host
HostGate = Callable[[str], AbstractAsyncContextManager[object]]


@dataclass(frozen=True, slots=True)
class FetchLimits:
    total_timeout: float = 30.0  # whole get(): redirects, body, retries and their waits
    connect_timeout: float = 10.0
    read_timeout: float = 15.0  # silence between two reads
    max_bytes: int = 5 * 1024 * 1024  # after decompression: a gzip bomb stops here too
    max_redirects: int = 5
    retries: int = 2  # extra attempts after the first
    backoff: float = 1.0  # seconds, doubled per attempt, with jitter
    max_retry_after: float = 30.0  # a longer Retry-After is reported instead of waited for
    max_connections: int = 16
    per_host: int = 2

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> FetchLimits:
        """Defaults, each overridable by NEWSWATCH_FETCH_<FIELD> (NEWSWATCH_FETCH_TIMEOUT for
        total_timeout), e.g. to make tests against slow servers quick."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            names = [_ENV_PREFIX + f.name.upper()]
            if f.name == "total_timeout":
                names.insert(0, _ENV_PREFIX + "TIMEOUT")
            raw = next((environ[n] for n in names if environ.get(n)), None)
            if raw is None:
                continue
            kind = int if f.type in ("int", int) else float
            try:
                value = kind(raw)
            except ValueError:
                raise ValueError(f"{names[0]}={raw!r} is not a number") from None
            if value < 0 or (value == 0 and f.name not in ("retries", "max_redirects")):
                raise ValueError(f"{names[0]} must be greater than zero")
            values[f.name] = value
        return cls(**values)


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str  # final URL after redirects
    status: int
    content: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


class FetchError(Exception):
    """A request that gave no usable response. `reason` is a short stable code for reports:

    dns_error, connect_error, timeout, client_error, server_error, rate_limited,
    too_many_redirects, redirect_loop, bad_redirect, bad_scheme, bad_url, blocked_address,
    too_large, bad_encoding, unwanted_type, transport_error.
    """

    def __init__(self, url: str, reason: str, detail: str, *, retry_after: float | None = None):
        self.url = url
        self.reason = reason
        self.detail = detail
        self.retry_after = retry_after
        super().__init__(redact(f"{reason}: {detail} ({url})"))


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class _Budget:
    """What is left of one get()'s total deadline; only network time and waits are charged."""

    def __init__(self, seconds: float):
        self.total = seconds
        self.spent = 0.0

    @property
    def remaining(self) -> float:
        return self.total - self.spent


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Opens TCP connections only to addresses the active guard vetted (closes DNS rebinding:
    the name is resolved once, checked, and that very address is connected to)."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend):
        self._inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        active = _ACTIVE_GUARD.get()
        if active is None:
            return await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        guard, url = active
        addresses = await guard.addresses_for(url, host)
        last_error: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None, "a guard must return at least one address"
        raise last_error

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are never used by newswatch")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _guarded_transport(limits: FetchLimits) -> httpx.AsyncHTTPTransport:
    transport = httpx.AsyncHTTPTransport(
        trust_env=False,
        limits=httpx.Limits(
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.per_host * 4,
        ),
    )
    pool = transport._pool
    # httpx has no public hook for the network backend; fail loudly (never silently unguarded)
    # if a future httpx moves it.
    if not hasattr(pool, "_network_backend"):
        raise RuntimeError("httpx/httpcore internals changed: cannot install the address guard")
    pool._network_backend = _GuardedBackend(pool._network_backend)
    return transport


class _Cookies(httpx.Cookies):
    """httpx's cookie jar, minus its per-response cost when there is nothing to store: httpx
    wraps every response and its request in urllib stand-ins for the jar, which then finds no
    Set-Cookie header in most responses (measured: ~10 % of the CPU of a page fetch)."""

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers or "set-cookie2" in response.headers:
            super().extract_cookies(response)


class _TooLarge(Exception):
    pass


class _Inflater:
    """gzip/deflate decoding in bounded steps: never holds more than `cap` + one read."""

    def __init__(self, encoding: str, cap: int):
        self.cap = cap
        self.size = 0
        self._deflate = encoding == "deflate"
        self._started = False
        wbits = zlib.MAX_WBITS | 16 if encoding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._d = zlib.decompressobj(wbits) if encoding != "identity" else None

    def feed(self, data: bytes) -> bytes:
        if self._d is None:
            self.size += len(data)
            if self.size > self.cap:
                raise _TooLarge
            return data
        if self._deflate and not self._started and data:
            self._started = True
            try:  # "deflate" is zlib-wrapped by the spec, raw by some servers
                zlib.decompressobj().decompress(data[:2])
            except zlib.error:
                self._d = zlib.decompressobj(-zlib.MAX_WBITS)
        out: list[bytes] = []
        while data and not self._d.eof:
            piece = self._d.decompress(data, self.cap + 1 - self.size)
            self.size += len(piece)
            out.append(piece)
            if self.size > self.cap:
                raise _TooLarge
            data = self._d.unconsumed_tail
        return b"".join(out)

    def finish(self) -> bytes:
        if self._d is None:
            return b""
        rest = self._d.flush()
        self.size += len(rest)
        if self.size > self.cap:
            raise _TooLarge
        return rest


def _connect_reason(exc: BaseException) -> tuple[str, str]:
    """Name what went wrong in a connect failure: DNS, refused, or otherwise."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return "dns_error", f"cannot resolve the host name ({seen.strerror or seen})"
        if isinstance(seen, ConnectionRefusedError):
            return "connect_error", "connection refused"
        seen = seen.__cause__ or seen.__context__
    return "connect_error", str(exc) or "connection failed"


def origin_of(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or {"http": 80, "https": 443}.get(scheme)


@dataclass(frozen=True)
class _Credentials:
    """A source's headers and the one origin they may be sent to."""

    headers: dict[str, str]
    origin: tuple[str, str, int | None]

    def for_url(self, url: str, base: dict[str, str]) -> dict[str, str]:
        if self.headers and origin_of(url) == self.origin:
            return {**self.headers, **base}
        return base


class Fetcher:
    """Use as `async with Fetcher(limits) as fetcher: await fetcher.get(url)`."""

    def __init__(
        self,
        limits: FetchLimits | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        host_gate: HostGate | None = None,
    ):
        self.limits = limits or FetchLimits.from_env()
        # Shared across processes and workers (e.g. Prefect global concurrency limits), on top
        # of this process's own per-host semaphores.
        self._host_gate = host_gate
        self._transport = transport
        self._sleep = sleep
        self._client: httpx.AsyncClient | None = None
        self._host_slots: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(self.limits.per_host)
        )

    def _gate(self, host: str) -> AbstractAsyncContextManager[object]:
        return self._host_gate(host) if self._host_gate is not None else nullcontext()

    async def __aenter__(self) -> Fetcher:
        limits = self.limits
        self._client = httpx.AsyncClient(
            transport=self._transport or _guarded_transport(limits),
            follow_redirects=False,  # followed by hand so every hop is checked and counted
            timeout=httpx.Timeout(
                limits.read_timeout, connect=limits.connect_timeout, pool=limits.total_timeout
            ),
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
            trust_env=False,  # a proxy from the environment must not silently see every request
        )
        # No public way to give the client a Cookies subclass (its setter copies into a plain
        # one); if a future httpx moves the attribute, the plain jar stays (slower, not wrong).
        if type(getattr(self._client, "_cookies", None)) is httpx.Cookies:
            self._client._cookies = _Cookies()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        guard: AddressGuard | None = None,
        accept: str | None = None,
        expect_types: Collection[str] | None = None,
        headers_origin: str | None = None,
    ) -> FetchResult:
        """GET with retries. Returns 2xx and 304 responses; raises FetchError for anything else.

        `headers` are a source's own (often credentials): they are sent only to requests whose
        origin (scheme, host, port) is `headers_origin` (default: `url`'s) — never to another
        host, another port or another scheme, whether asked for directly or reached by redirect.
        `expect_types`: content types worth downloading (e.g. HTML for an article page); a
        response declaring another type is refused ("unwanted_type") before its body is read.
        """
        request_headers: dict[str, str] = {}
        if accept and not any(k.lower() == "accept" for k in headers or {}):
            request_headers["Accept"] = accept
        if etag:
            request_headers["If-None-Match"] = etag
        if last_modified:
            request_headers["If-Modified-Since"] = last_modified
        budget = _Budget(self.limits.total_timeout)
        attempt = 0
        while True:
            try:
                return await self._hops(
                    url,
                    request_headers,
                    guard,
                    budget,
                    expect_types,
                    _Credentials(dict(headers or {}), origin_of(headers_origin or url)),
                )
            except FetchError as error:
                if error.url != url:
                    # A fault after a redirect is reported against the URL the caller asked for.
                    error = FetchError(
                        url,
                        error.reason,
                        f"{error.detail} (after a redirect to {error.url})",
                        retry_after=error.retry_after,
                    )
                if not self._should_retry(error, attempt):
                    raise error from None
                delay = self._delay(error, attempt)
                if delay >= budget.remaining:
                    raise  # the wait would not fit the deadline: report now, retry next run
                log.debug("retrying %s in %.1fs after %s", url, delay, error.reason)
                await self._sleep(delay)
                budget.spent += delay
                attempt += 1

    def _should_retry(self, error: FetchError, attempt: int) -> bool:
        if attempt >= self.limits.retries:
            return False
        if error.reason == "rate_limited":
            return error.retry_after is None or error.retry_after <= self.limits.max_retry_after
        return error.reason in RETRYABLE_REASONS

    def _delay(self, error: FetchError, attempt: int) -> float:
        if error.retry_after is not None:
            return error.retry_after
        return self.limits.backoff * (2**attempt) * (0.5 + random.random() / 2)

    async def _hops(
        self,
        url: str,
        headers: dict[str, str],
        guard: AddressGuard | None,
        budget: _Budget,
        expect_types: Collection[str] | None,
        credentials: _Credentials,
    ) -> FetchResult:
        current = url
        seen: set[str] = set()
        loop = asyncio.get_running_loop()
        for _hop in range(self.limits.max_redirects + 1):
            parts = urlsplit(current)
            if parts.scheme not in ("http", "https"):
                raise FetchError(
                    current, "bad_scheme", f"only http(s) is fetched, not {parts.scheme!r}"
                )
            if not parts.hostname:
                raise FetchError(current, "bad_url", "URL has no host")
            if current in seen:
                raise FetchError(url, "redirect_loop", f"redirects lead back to {current}")
            seen.add(current)
            if guard is not None:
                await guard(current)
            # What isinstance(guard, ConnectGuard) checks, without the cost of a runtime
            # protocol check on every hop.
            connects = getattr(guard, "addresses_for", None) is not None
            token = _ACTIVE_GUARD.set((guard, current) if connects else None)
            try:
                async with self._host_slots[parts.hostname], self._gate(parts.hostname):
                    started = loop.time()
                    try:
                        if budget.remaining <= 0:
                            raise TimeoutError
                        async with asyncio.timeout(budget.remaining):
                            result, location = await self._request(
                                current, credentials.for_url(current, headers), expect_types
                            )
                    except TimeoutError:
                        raise FetchError(
                            current,
                            "timeout",
                            f"no complete response within {self.limits.total_timeout:g}s",
                        ) from None
                    finally:
                        budget.spent += loop.time() - started
            finally:
                _ACTIVE_GUARD.reset(token)
            if location is None:
                return result
            current = urljoin(current, location.strip())
            # Conditional headers belong to the first URL only.
            headers = {
                k: v for k, v in headers.items() if k not in ("If-None-Match", "If-Modified-Since")
            }
        raise FetchError(
            url, "too_many_redirects", f"more than {self.limits.max_redirects} redirects"
        )

    async def _request(
        self, url: str, headers: dict[str, str], expect_types: Collection[str] | None
    ) -> tuple[FetchResult, str | None]:
        assert self._client is not None, "Fetcher used outside `async with`"
        try:
            async with self._client.stream("GET", url, headers=headers) as response:
                status = response.status_code
                if status in (301, 302, 303, 307, 308):
                    location = response.headers.get("location")
                    if not location or not location.strip():
                        raise FetchError(url, "bad_redirect", f"HTTP {status} without Location")
                    return FetchResult(url, status, b"", dict(response.headers)), location
                if status == 304:
                    return FetchResult(url, status, b"", dict(response.headers)), None
                if status == 429:
                    retry_after = parse_retry_after(response.headers.get("retry-after"))
                    after = f" (Retry-After {retry_after:g}s)" if retry_after is not None else ""
                    raise FetchError(
                        url, "rate_limited", f"HTTP 429{after}", retry_after=retry_after
                    )
                if status >= 500:
                    raise FetchError(url, "server_error", _status_text(response))
                if status >= 400:
                    raise FetchError(url, "client_error", _status_text(response))
                if status < 200 or status >= 300:
                    raise FetchError(url, "client_error", f"unexpected {_status_text(response)}")
                result = FetchResult(str(response.url), status, b"", dict(response.headers))
                wanted = expect_types is None or not result.content_type
                if not wanted and result.content_type not in expect_types:
                    raise FetchError(url, "unwanted_type", f"{result.content_type} was not wanted")
                body = await self._read_capped(url, response)
                return FetchResult(result.url, status, body, result.headers), None
        except httpx.TimeoutException as exc:
            raise FetchError(url, "timeout", _timeout_text(exc)) from None
        except httpx.ConnectError as exc:
            reason, detail = _connect_reason(exc)
            raise FetchError(url, reason, detail) from None
        except httpx.DecodingError as exc:
            raise FetchError(url, "bad_encoding", f"cannot decode body: {exc}") from None
        except httpx.InvalidURL as exc:
            raise FetchError(url, "bad_url", str(exc)) from None
        except httpx.TransportError as exc:
            raise FetchError(url, "transport_error", str(exc) or type(exc).__name__) from None

    async def _read_capped(self, url: str, response: httpx.Response) -> bytes:
        cap = self.limits.max_bytes
        declared = response.headers.get("content-length", "").strip()
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if declared.isdigit() and int(declared) > cap and encoding in ("", "identity"):
            raise FetchError(url, "too_large", f"Content-Length {declared} > {cap} bytes")
        chunks: list[bytes] = []
        try:
            async for chunk in _decoded(response, encoding, cap):
                chunks.append(chunk)
        except _TooLarge:
            raise FetchError(
                url,
                "too_large",
                f"body larger than {cap} bytes"
                + (f" once {encoding}-decoded" if encoding not in ("", "identity") else ""),
            ) from None
        except zlib.error as exc:
            raise FetchError(url, "bad_encoding", f"cannot decode {encoding} body: {exc}") from None
        return b"".join(chunks)


async def _decoded(response: httpx.Response, encoding: str, cap: int) -> AsyncIterator[bytes]:
    """The body, decompressed here (bounded) for the encodings newswatch asks for."""
    if encoding in ("", "identity", "gzip", "x-gzip", "deflate"):
        inflater = _Inflater(encoding or "identity", cap)
        async for raw in response.aiter_raw():
            yield inflater.feed(raw)
        yield inflater.finish()
        return
    # An encoding we did not ask for (br, zstd, stacked): let httpx decode, cap as it comes.
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > cap:
            raise _TooLarge
        yield chunk


def _status_text(response: httpx.Response) -> str:
    phrase = response.reason_phrase or ""
    return f"HTTP {response.status_code}{' ' + phrase if phrase else ''}"


def _timeout_text(exc: httpx.TimeoutException) -> str:
    return {
        "ConnectTimeout": "connecting timed out",
        "ReadTimeout": "the server stopped sending",
        "WriteTimeout": "sending the request timed out",
        "PoolTimeout": "no free connection in time",
    }.get(type(exc).__name__, type(exc).__name__)
