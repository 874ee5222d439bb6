"""One source's poll as plain functions (newswatch/pipeline.py): back-off after failures,
Retry-After, and page faults that stay with their item. Fetches go through httpx.MockTransport
(streamed); the whole flow against real servers is in test_hostile_world.py."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from newswatch.config import parse_sources
from newswatch.fetch import Fetcher, FetchLimits
from newswatch.pipeline import MAX_BACKOFF, backoff_after, poll_source
from newswatch.store import FeedState, Store
from tests.fixtures.hostile_site import item, rss
from tests.fixtures.mock_transport import StreamingMockTransport, Switch

INTERVAL = timedelta(minutes=10)
T0 = datetime(2024, 11, 5, 12, 0, tzinfo=UTC)


def test_backoff_grows_and_is_capped():
    assert [backoff_after(n, INTERVAL) for n in (1, 2, 3, 4)] == [
        timedelta(0),
        2 * INTERVAL,
        4 * INTERVAL,
        8 * INTERVAL,
    ]
    assert backoff_after(40, INTERVAL) == MAX_BACKOFF


def _poll(store: Store, source, fetcher: Fetcher, now: datetime):
    state = store.feed_states().get(source.name)
    outcome, _ = asyncio.run(
        poll_source(fetcher, store, source, state, run_id="r", schedule_interval=INTERVAL, now=now)
    )
    return outcome


def test_skipped_source_reports_why(tmp_path: Path):
    store = Store(f"sqlite:///{tmp_path / 'nw.db'}")
    source = parse_sources("sources:\n  - name: Down\n    url: https://down.example/rss\n").sources[
        0
    ]
    store.save_feed_state(
        FeedState(
            source="Down",
            url=source.url,
            consecutive_failures=3,
            failure_notice_sent=True,
            last_error="timeout: no complete response within 30s (https://down.example/rss)",
            next_poll_at=T0 + timedelta(hours=1),
        )
    )
    outcome = _poll(store, source, Fetcher(transport=StreamingMockTransport(Switch())), T0)
    assert outcome.status == "skipped"
    assert outcome.warnings == [
        "backing off after 3 failed polls until 2024-11-05 13:00 UTC; last error: "
        "timeout: no complete response within 30s (https://down.example/rss)"
    ]


def test_retry_after_postpones_the_next_poll(tmp_path: Path):
    store = Store(f"sqlite:///{tmp_path / 'nw.db'}")
    source = parse_sources("sources:\n  - name: Busy\n    url: https://busy.example/rss\n").sources[
        0
    ]
    transport = StreamingMockTransport(
        lambda r: httpx.Response(429, headers={"Retry-After": "7200"})
    )

    async def one():
        async with Fetcher(FetchLimits(retries=0), transport=transport) as fetcher:
            return await poll_source(
                fetcher, store, source, None, run_id="r", schedule_interval=INTERVAL, now=T0
            )

    outcome, _ = asyncio.run(one())
    assert outcome.status == "error" and "HTTP 429 (Retry-After 7200s)" in (outcome.error or "")
    assert outcome.next_poll_at == T0 + timedelta(hours=2)


def test_page_faults_stay_with_their_item(tmp_path: Path):
    """A feed whose items link to metadata, loopback and PDFs still succeeds; each item says
    why its page was not read."""
    store = Store(f"sqlite:///{tmp_path / 'nw.db'}")
    source = parse_sources(
        "sources:\n  - name: Mixed\n    url: https://mixed.example/rss\n"
    ).sources[0]
    feed = rss(
        item("Meta", "http://169.254.169.254/latest/meta-data/", "1")
        + item("Loop", "http://127.0.0.1:8080/admin", "2")
        + item("Pdf", "https://mixed.example/report.pdf", "3")
        + item("Fine", "https://mixed.example/story.html", "4")
        + item("No link", None, "5")
    )
    requested: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        if request.url.path == "/rss":
            return httpx.Response(
                200, headers={"Content-Type": "application/rss+xml"}, content=feed
            )
        if request.url.path.endswith(".pdf"):
            return httpx.Response(200, headers={"Content-Type": "application/pdf"}, content=b"%PDF")
        return httpx.Response(200, headers={"Content-Type": "text/html"}, content=b"<html>x</html>")

    async def one():
        async with Fetcher(FetchLimits(retries=0), transport=StreamingMockTransport(handler)) as f:
            return await poll_source(
                f, store, source, None, run_id="r", schedule_interval=INTERVAL, now=T0
            )

    outcome, jobs = asyncio.run(one())
    assert outcome.status == "ok" and outcome.new == 5
    problems = {job.item.title: job.fetch_problem for job in jobs}
    assert "blocked_address" in problems["Meta"] and "169.254.169.254" in problems["Meta"]
    assert "blocked_address" in problems["Loop"]
    assert "unwanted_type: application/pdf" in problems["Pdf"]
    assert problems["Fine"] is None
    assert problems["No link"] == "the feed entry has no link"
    assert not any("169.254" in u or "127.0.0.1" in u for u in requested)
    assert len(outcome.warnings) == 3
