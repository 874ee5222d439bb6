"""The fetch stage: deadlines, size caps, retries, redirects and the address guard at connect
time. Pure logic runs against httpx.MockTransport (streamed); timing and the network backend against real
loopback servers (tests/fixtures/hostile_site.py)."""

from __future__ import annotations

import asyncio
import gzip
import time
import zlib
from collections.abc import Iterator

import httpx
import pytest

from newswatch import netguard
from newswatch.fetch import Fetcher, FetchError, FetchLimits, parse_retry_after
from tests.fixtures.hostile_site import HostileSite, RecordingServer, send
from tests.fixtures.mock_transport import StreamingMockTransport

FAST = FetchLimits(
    total_timeout=1.5, connect_timeout=1, read_timeout=1, retries=2, backoff=0.01, max_bytes=10_000
)


def run(coro):
    return asyncio.run(coro)


async def fetch(handler, url="http://news.example/feed", limits=FAST, sleeps=None, **kwargs):
    async def fake_sleep(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)

    transport = StreamingMockTransport(handler)
    async with Fetcher(limits, transport=transport, sleep=fake_sleep) as fetcher:
        return await fetcher.get(url, **kwargs)


def fetch_error(handler, **kwargs) -> FetchError:
    with pytest.raises(FetchError) as info:
        run(fetch(handler, **kwargs))
    return info.value


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileSite]:
    with HostileSite(max_bytes=FAST.max_bytes) as site:
        yield site


# --- status codes, retries, Retry-After ------------------------------------------------------


def test_4xx_is_reported_at_once_with_status_and_url():
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(404)

    error = fetch_error(handler)
    assert (error.reason, error.url) == ("client_error", "http://news.example/feed")
    assert "HTTP 404 Not Found" in str(error) and "http://news.example/feed" in str(error)
    assert len(calls) == 1


def test_5xx_is_retried_then_reported():
    calls, sleeps = [], []

    def handler(request):
        calls.append(request)
        return httpx.Response(503)

    error = fetch_error(handler, sleeps=sleeps)
    assert error.reason == "server_error" and "503" in error.detail
    assert len(calls) == 3  # first attempt + FAST.retries
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0] * 1.0  # exponential back-off


def test_429_waits_retry_after_then_succeeds():
    responses = iter(
        [httpx.Response(429, headers={"Retry-After": "1"}), httpx.Response(200, content=b"ok")]
    )
    sleeps: list[float] = []
    result = run(fetch(lambda r: next(responses), sleeps=sleeps))
    assert result.content == b"ok"
    assert sleeps == [1.0]


def test_429_with_long_retry_after_is_reported_not_waited_for():
    sleeps: list[float] = []
    error = fetch_error(
        lambda r: httpx.Response(429, headers={"Retry-After": "3600"}), sleeps=sleeps
    )
    assert error.reason == "rate_limited"
    assert error.retry_after == 3600.0
    assert "Retry-After 3600s" in str(error)
    assert sleeps == []


def test_retry_after_that_does_not_fit_the_deadline_is_not_waited_for():
    limits = FetchLimits(total_timeout=5, retries=3, max_retry_after=30)
    sleeps: list[float] = []
    error = fetch_error(
        lambda r: httpx.Response(429, headers={"Retry-After": "10"}), limits=limits, sleeps=sleeps
    )
    assert error.reason == "rate_limited" and sleeps == []


def test_parse_retry_after_forms():
    from datetime import UTC, datetime

    now = datetime(2024, 1, 1, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Mon, 01 Jan 2024 00:01:00 GMT", now=now) == 60.0
    assert parse_retry_after("garbage") is None
    assert parse_retry_after(None) is None


# --- redirects ----------------------------------------------------------------------------


def test_redirect_loop_is_named():
    def handler(request):
        other = "/b" if request.url.path == "/a" else "/a"
        return httpx.Response(302, headers={"Location": other})

    error = fetch_error(handler, url="http://news.example/a")
    assert error.reason == "redirect_loop"
    assert error.url == "http://news.example/a"


def test_too_many_redirects():
    def handler(request):
        n = int(request.url.path.strip("/") or 0)
        return httpx.Response(302, headers={"Location": f"/{n + 1}"})

    error = fetch_error(handler, url="http://news.example/0")
    assert error.reason == "too_many_redirects" and "more than 5" in error.detail


def test_redirect_to_another_scheme_is_refused():
    error = fetch_error(lambda r: httpx.Response(301, headers={"Location": "file:///etc/passwd"}))
    assert error.reason == "bad_scheme"


def test_redirect_without_location():
    assert fetch_error(lambda r: httpx.Response(302)).reason == "bad_redirect"


def test_conditional_headers_are_sent_to_the_first_url_only():
    seen: list[tuple[str, str | None]] = []

    def handler(request):
        seen.append((request.url.path, request.headers.get("If-None-Match")))
        if request.url.path == "/old":
            return httpx.Response(301, headers={"Location": "/new"})
        return httpx.Response(304)

    result = run(fetch(handler, url="http://news.example/old", etag='"v1"'))
    assert result.not_modified
    assert seen == [("/old", '"v1"'), ("/new", None)]


def test_a_cookie_set_by_one_response_is_sent_back_to_its_site_only():
    seen: list[tuple[str, str | None]] = []

    def handler(request):
        seen.append((f"{request.url.host}{request.url.path}", request.headers.get("Cookie")))
        if request.url.path == "/consent":
            return httpx.Response(
                302, headers={"Location": "/story", "Set-Cookie": "consent=yes; Path=/"}
            )
        return httpx.Response(200, text="<html>story</html>")

    async def three_requests() -> None:
        transport = StreamingMockTransport(handler)
        async with Fetcher(FAST, transport=transport) as fetcher:
            await fetcher.get("http://news.example/consent")
            await fetcher.get("http://news.example/later")
            await fetcher.get("http://other.example/page")

    run(three_requests())
    assert seen == [
        ("news.example/consent", None),
        ("news.example/story", "consent=yes"),
        ("news.example/later", "consent=yes"),
        ("other.example/page", None),
    ]


def test_every_redirect_hop_is_guarded():
    checked: list[str] = []

    async def guard(url: str) -> None:
        checked.append(url)
        if "internal" in url:
            raise FetchError(url, "blocked_address", "no")

    def handler(request):
        return httpx.Response(302, headers={"Location": "http://internal.example/x"})

    error = fetch_error(handler, guard=guard)
    assert error.reason == "blocked_address"
    assert checked == ["http://news.example/feed", "http://internal.example/x"]


# --- bodies ---------------------------------------------------------------------------------


def test_declared_oversize_body_is_refused_before_reading():
    error = fetch_error(
        lambda r: httpx.Response(200, headers={"Content-Length": "999999999"}, content=b"x")
    )
    assert error.reason == "too_large" and "999999999" in error.detail


def test_gzip_bomb_stops_at_the_cap_after_decompression():
    bomb = gzip.compress(b"\0" * 5_000_000)
    assert len(bomb) < FAST.max_bytes  # small on the wire
    error = fetch_error(
        lambda r: httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=bomb)
    )
    assert error.reason == "too_large" and "gzip" in error.detail


@pytest.mark.parametrize("wrap", ["zlib", "raw", "gzip"])
def test_compressed_bodies_are_decoded_on_the_wire(wrap):
    """Real server, so the bounded inflater (not httpx's) decodes the bytes."""
    text = b"<rss>" + b"news " * 1500 + b"</rss>"
    if wrap == "zlib":
        body, encoding = zlib.compress(text), "deflate"
    elif wrap == "raw":
        c = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        body, encoding = c.compress(text) + c.flush(), "deflate"
    else:
        body, encoding = gzip.compress(text), "gzip"
    route = {"/f": lambda h: send(h, body, headers={"Content-Encoding": encoding})}
    with RecordingServer(route) as server:
        result = run(_real_get(server.url("/f")))
    assert result.content == text


def test_corrupt_gzip_is_a_named_error():
    error = fetch_error(
        lambda r: httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=b"not gzip")
    )
    assert error.reason == "bad_encoding"


def test_unwanted_content_type_is_refused_before_the_body():
    error = fetch_error(
        lambda r: httpx.Response(200, headers={"Content-Type": "application/pdf"}, content=b"%PDF"),
        expect_types={"text/html"},
    )
    assert error.reason == "unwanted_type" and "application/pdf" in error.detail


def test_missing_content_type_is_accepted_when_types_are_expected():
    result = run(
        fetch(lambda r: httpx.Response(200, content=b"<html>"), expect_types={"text/html"})
    )
    assert result.content == b"<html>" and result.content_type == ""


def test_non_http_scheme_is_never_requested():
    called = []
    error = fetch_error(lambda r: called.append(r) or httpx.Response(200), url="ftp://x.example/f")
    assert error.reason == "bad_scheme" and called == []


# --- limits from the environment -------------------------------------------------------------


def test_fetch_limits_from_env():
    limits = FetchLimits.from_env(
        {
            "NEWSWATCH_FETCH_TIMEOUT": "2.5",
            "NEWSWATCH_FETCH_RETRIES": "0",
            "NEWSWATCH_FETCH_MAX_BYTES": "1000",
        }
    )
    assert (limits.total_timeout, limits.retries, limits.max_bytes) == (2.5, 0, 1000)
    assert FetchLimits.from_env({}) == FetchLimits()
    with pytest.raises(ValueError, match="NEWSWATCH_FETCH_TIMEOUT"):
        FetchLimits.from_env({"NEWSWATCH_FETCH_TIMEOUT": "soon"})
    with pytest.raises(ValueError, match="greater than zero"):
        FetchLimits.from_env({"NEWSWATCH_FETCH_TIMEOUT": "0"})


def test_fetcher_reads_limits_from_env(monkeypatch):
    monkeypatch.setenv("NEWSWATCH_FETCH_TIMEOUT", "3")
    assert Fetcher().limits.total_timeout == 3.0


# --- real loopback servers -------------------------------------------------------------------


async def _real_get(url: str, limits: FetchLimits = FAST, **kwargs):
    async with Fetcher(limits) as fetcher:
        return await fetcher.get(url, **kwargs)


def test_slow_drip_body_hits_the_total_deadline(hostile):
    """Every read succeeds within read_timeout; only the total deadline can stop this."""
    started = time.monotonic()
    with pytest.raises(FetchError) as info:
        run(_real_get(hostile.url("/slow-drip.xml")))
    elapsed = time.monotonic() - started
    assert info.value.reason == "timeout"
    assert "1.5s" in info.value.detail
    assert 1.4 <= elapsed < 3.0, elapsed  # deadline covers retries too: no second attempt


def test_silent_server_times_out_within_the_deadline(hostile):
    started = time.monotonic()
    with pytest.raises(FetchError) as info:
        run(_real_get(hostile.url("/silent.xml")))
    assert info.value.reason == "timeout"
    assert time.monotonic() - started < 3.0


def test_connection_refused(hostile):
    with pytest.raises(FetchError) as info:
        run(_real_get(hostile.refused_url))
    assert info.value.reason == "connect_error"
    assert "connection refused" in str(info.value) and hostile.refused_url in str(info.value)


def test_dns_failure_is_named(hostile):
    with pytest.raises(FetchError) as info:
        run(_real_get(hostile.dns_failure_url))
    assert info.value.reason == "dns_error"
    assert hostile.dns_failure_url in str(info.value)


def test_real_gzip_bomb_and_chunked_oversize(hostile):
    for path in ("/gzip-bomb.xml", "/huge-chunked.xml", "/huge.xml"):
        with pytest.raises(FetchError) as info:
            run(_real_get(hostile.url(path)))
        assert info.value.reason == "too_large", path


def test_queueing_for_a_host_slot_does_not_eat_the_deadline():
    """Ten pages of 0.4 s each from one host, two at a time, with a 1.5 s deadline: all arrive,
    because waiting for a per-host slot is not network time."""

    def slow_page(h):
        time.sleep(0.4)
        send(h, b"<html>ok</html>", "text/html")

    with RecordingServer({f"/p{i}": slow_page for i in range(10)}) as server:

        async def main():
            async with Fetcher(FAST) as fetcher:
                return await asyncio.gather(*(fetcher.get(server.url(f"/p{i}")) for i in range(10)))

        results = run(main())
    assert [r.content for r in results] == [b"<html>ok</html>"] * 10


def test_dns_rebinding_is_closed_at_connect_time():
    """The name resolves to a public address when checked and to loopback a moment later: the
    connection is opened to the address the guard vetted, never to a fresh answer."""
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])

    async def rebinding_resolver(host: str) -> list[str]:
        return next(answers)

    with RecordingServer({"/secret": lambda h: send(h, b"secret", "text/plain")}) as internal:
        guard = netguard.HostGuard({"feeds.example"}, resolver=rebinding_resolver)
        url = f"http://rebind.example:{internal.port}/secret"
        with pytest.raises(FetchError) as info:
            run(_real_get(url, guard=guard))
        assert info.value.reason == "blocked_address"
        assert "127.0.0.1" in info.value.detail
        assert internal.requests == []


def test_connection_goes_to_the_vetted_address(monkeypatch):
    """A name the system cannot resolve is reached through the guard's own answer: proof that
    the fetcher connects to what the guard returned, not to a second lookup."""

    async def resolver(host: str) -> list[str]:
        return ["127.0.0.1"]

    monkeypatch.setattr(netguard, "is_public_address", lambda address: True)
    with RecordingServer({"/page": lambda h: send(h, b"hello", "text/html")}) as server:
        guard = netguard.HostGuard(set(), resolver=resolver)
        result = run(_real_get(f"http://unresolvable.invalid:{server.port}/page", guard=guard))
    assert result.content == b"hello"
    assert server.requests == ["/page"]


# --- a source's headers go to its own origin only (#13) --------------------------------------

CANARY = "Bearer canary-7f3a"


def _page(seen: list[tuple[str, str | None]], name: str, body: bytes = b"<html></html>"):
    def handler(h) -> None:
        seen.append((name, h.headers.get("Authorization")))
        send(h, body, "text/html; charset=utf-8")

    return handler


def _redirect(seen: list[tuple[str, str | None]], name: str, to: str):
    def handler(h) -> None:
        seen.append((name, h.headers.get("Authorization")))
        send(h, b"", None, status=302, headers={"Location": to})

    return handler


def test_source_headers_reach_the_feeds_origin_only_never_another_port_or_a_redirect():
    """Two loopback servers: the feed's origin and the same host on another port."""
    seen: list[tuple[str, str | None]] = []
    with RecordingServer() as feed_origin, RecordingServer() as other:
        feed_origin.routes.update(
            {
                "/feed": _page(seen, "feed"),
                "/article": _page(seen, "same-origin article"),
                "/moved": _redirect(seen, "feed redirecting away", other.url("/landing")),
            }
        )
        other.routes.update(
            {
                "/landing": _page(seen, "redirect target"),
                "/article": _page(seen, "article elsewhere"),
                "/back": _redirect(seen, "elsewhere redirecting home", feed_origin.url("/article")),
            }
        )
        creds = {"Authorization": CANARY}

        async def main() -> None:
            async with Fetcher(FAST) as fetcher:
                await fetcher.get(feed_origin.url("/feed"), headers=creds)
                await fetcher.get(feed_origin.url("/moved"), headers=creds)
                for url in (feed_origin.url("/article"), other.url("/article"), other.url("/back")):
                    await fetcher.get(url, headers=creds, headers_origin=feed_origin.url("/feed"))

        run(main())
    assert dict(seen) == {
        "feed": CANARY,
        "feed redirecting away": CANARY,
        "redirect target": None,
        "same-origin article": CANARY,
        "article elsewhere": None,
        "elsewhere redirecting home": None,
    }, seen


def test_origin_compares_scheme_host_and_default_port():
    from newswatch.fetch import origin_of

    assert origin_of("https://News.Example/feed") == origin_of("https://news.example:443/x")
    assert origin_of("http://news.example/feed") != origin_of("https://news.example/feed")
    assert origin_of("https://news.example/feed") != origin_of("https://news.example:8443/")
    assert origin_of("https://news.example/") != origin_of("https://cdn.news.example/")


def test_a_polled_source_sends_its_headers_to_its_feed_and_own_pages_only(tmp_path):
    from datetime import timedelta

    from newswatch.config import parse_sources
    from newswatch.pipeline import poll_source
    from newswatch.store import Store

    seen: list[tuple[str, str | None]] = []
    with RecordingServer() as feed_origin, RecordingServer() as other:
        items = "".join(
            f"<item><title>t{n}</title><link>{url}</link><guid>{url}</guid></item>"
            for n, url in enumerate((feed_origin.url("/own"), other.url("/elsewhere")))
        )
        rss = f'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>{items}</channel></rss>'

        def feed(h) -> None:
            seen.append(("feed", h.headers.get("Authorization")))
            send(h, rss.encode())

        feed_origin.routes.update({"/rss": feed, "/own": _page(seen, "own page")})
        other.routes["/elsewhere"] = _page(seen, "page on another origin")
        config = parse_sources(
            "sources:\n"
            f"  - name: Paywalled\n    url: {feed_origin.url('/rss')}\n"
            f"    headers: {{Authorization: '{CANARY}'}}\n"
        )
        store = Store(f"sqlite:///{tmp_path / 'store.db'}")

        async def main():
            async with Fetcher(FAST) as fetcher:
                return await poll_source(
                    fetcher,
                    store,
                    config.sources[0],
                    None,
                    run_id="t",
                    schedule_interval=timedelta(minutes=10),
                )

        outcome, _jobs = run(main())
    assert outcome.status == "ok", outcome
    assert dict(seen) == {"feed": CANARY, "own page": CANARY, "page on another origin": None}
