"""Fetch stage: every HTTP request newswatch makes to a news site goes through `Fetcher`.

It owns one shared `httpx.AsyncClient` per run and enforces, per request: a total deadline
(slow-drip bodies included), a body-size cap measured after decompression, at most
`max_redirects` redirects (each hop checked by the address guard), conditional GET, and bounded
retries with back-off on connection errors, 5xx and 429 (Retry-After honoured up to a cap).
Global and per-host concurrency limits keep newswatch polite. It never parses what it fetches.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import httpx

from newswatch import USER_AGENT

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})

AddressGuard = Callable[[str], Awaitable[None]]  # raises FetchError(reason="blocked_address")


@dataclass(frozen=True, slots=True)
class FetchLimits:
    total_timeout: float = 30.0  # whole request incl. redirects and body, per attempt
    connect_timeout: float = 10.0
    read_timeout: float = 15.0
    max_bytes: int = 5 * 1024 * 1024  # after decompression: a gzip bomb stops here too
    max_redirects: int = 5
    retries: int = 2  # extra attempts after the first
    backoff: float = 1.0  # seconds, doubled per attempt, with jitter
    max_retry_after: float = 30.0  # a longer Retry-After is reported instead of waited for
    max_connections: int = 16
    per_host: int = 2


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
    """A request that gave no usable response. `reason` is a short stable code for reports."""

    def __init__(self, url: str, reason: str, detail: str, *, retry_after: float | None = None):
        self.url = url
        self.reason = reason
        self.detail = detail
        self.retry_after = retry_after
        super().__init__(f"{reason}: {detail} ({url})")


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class Fetcher:
    """Use as `async with Fetcher(limits) as fetcher: await fetcher.get(url)`."""

    def __init__(
        self,
        limits: FetchLimits | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.limits = limits or FetchLimits()
        self._transport = transport
        self._sleep = sleep
        self._client: httpx.AsyncClient | None = None
        self._host_slots: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(self.limits.per_host)
        )

    async def __aenter__(self) -> Fetcher:
        limits = self.limits
        self._client = httpx.AsyncClient(
            transport=self._transport,
            follow_redirects=False,  # followed by hand so every hop is checked and counted
            timeout=httpx.Timeout(
                limits.read_timeout, connect=limits.connect_timeout, pool=limits.total_timeout
            ),
            limits=httpx.Limits(
                max_connections=limits.max_connections,
                max_keepalive_connections=limits.per_host * 4,
            ),
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
            trust_env=False,  # a proxy from the environment must not silently see every request
        )
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
    ) -> FetchResult:
        """GET with retries. Returns 2xx and 304 responses; raises FetchError for anything else."""
        request_headers = dict(headers or {})
        if accept:
            request_headers.setdefault("Accept", accept)
        if etag:
            request_headers["If-None-Match"] = etag
        if last_modified:
            request_headers["If-Modified-Since"] = last_modified
        attempt = 0
        while True:
            try:
                return await self._get_once(url, request_headers, guard)
            except FetchError as error:
                if not self._should_retry(error, attempt):
                    raise
                delay = self._delay(error, attempt)
                log.debug("retrying %s in %.1fs after %s", url, delay, error.reason)
                await self._sleep(delay)
                attempt += 1

    def _should_retry(self, error: FetchError, attempt: int) -> bool:
        if attempt >= self.limits.retries:
            return False
        if error.reason == "rate_limited":
            return error.retry_after is None or error.retry_after <= self.limits.max_retry_after
        return error.reason in {"connect_error", "timeout", "server_error"}

    def _delay(self, error: FetchError, attempt: int) -> float:
        if error.retry_after is not None:
            return error.retry_after
        return self.limits.backoff * (2**attempt) * (0.5 + random.random() / 2)

    async def _get_once(
        self, url: str, headers: dict[str, str], guard: AddressGuard | None
    ) -> FetchResult:
        assert self._client is not None, "Fetcher used outside `async with`"
        try:
            async with asyncio.timeout(self.limits.total_timeout):
                return await self._follow(url, headers, guard)
        except TimeoutError:
            raise FetchError(
                url, "timeout", f"no complete response within {self.limits.total_timeout:g}s"
            ) from None

    async def _follow(
        self, url: str, headers: dict[str, str], guard: AddressGuard | None
    ) -> FetchResult:
        current = url
        for _hop in range(self.limits.max_redirects + 1):
            scheme = urlsplit(current).scheme
            if scheme not in ("http", "https"):
                raise FetchError(current, "bad_scheme", f"only http(s) is fetched, not {scheme!r}")
            if guard is not None:
                await guard(current)
            host = urlsplit(current).hostname or ""
            async with self._host_slots[host]:
                result, location = await self._request(current, headers)
            if location is None:
                return result
            current = urljoin(current, location)
            # Conditional headers belong to the first URL only.
            headers = {
                k: v for k, v in headers.items() if k not in ("If-None-Match", "If-Modified-Since")
            }
        raise FetchError(
            url, "too_many_redirects", f"more than {self.limits.max_redirects} redirects"
        )

    async def _request(self, url: str, headers: dict[str, str]) -> tuple[FetchResult, str | None]:
        assert self._client is not None
        try:
            async with self._client.stream("GET", url, headers=headers) as response:
                status = response.status_code
                if status in (301, 302, 303, 307, 308):
                    location = response.headers.get("location")
                    if not location:
                        raise FetchError(url, "bad_redirect", f"HTTP {status} without Location")
                    return FetchResult(url, status, b"", dict(response.headers)), location
                if status == 304:
                    return FetchResult(url, status, b"", dict(response.headers)), None
                if status == 429:
                    retry_after = parse_retry_after(response.headers.get("retry-after"))
                    raise FetchError(url, "rate_limited", "HTTP 429", retry_after=retry_after)
                if status >= 500:
                    raise FetchError(url, "server_error", f"HTTP {status}")
                if status >= 400:
                    raise FetchError(url, "client_error", f"HTTP {status}")
                body = await self._read_capped(url, response)
                return FetchResult(str(response.url), status, body, dict(response.headers)), None
        except httpx.TimeoutException as exc:
            raise FetchError(url, "timeout", type(exc).__name__) from None
        except httpx.ConnectError as exc:
            raise FetchError(url, "connect_error", str(exc) or "connection failed") from None
        except httpx.DecodingError as exc:
            raise FetchError(url, "bad_encoding", f"cannot decode body: {exc}") from None
        except httpx.TransportError as exc:
            raise FetchError(url, "transport_error", str(exc) or type(exc).__name__) from None

    async def _read_capped(self, url: str, response: httpx.Response) -> bytes:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.limits.max_bytes:
            raise FetchError(
                url, "too_large", f"Content-Length {declared} > {self.limits.max_bytes}"
            )
        chunks: list[bytes] = []
        size = 0
        # aiter_bytes yields decompressed bytes, so a small gzip that inflates is capped too.
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self.limits.max_bytes:
                raise FetchError(
                    url, "too_large", f"body larger than {self.limits.max_bytes} bytes"
                )
            chunks.append(chunk)
        return b"".join(chunks)
