"""The streaming poll (newswatch.pipeline): pages flow from fetching into the extraction pool
while other feeds are still being fetched, the queue between them is bounded, the workers are
pre-loaded, and feed state is written in batches. Speed itself is measured by bench/, not here."""

from __future__ import annotations

import asyncio
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from newswatch.analysis import warm_up
from newswatch.extract import ExtractionPool
from newswatch.models import FeedItem
from newswatch.pipeline import (
    ArticleStream,
    FeedStateWriter,
    PageJob,
    poll_source,
)
from newswatch.store import FeedState, Store
from tests.fixtures.hostile_site import send


def _job(n: int) -> PageJob:
    item = FeedItem(
        source="Quiet Gazette",
        item_id=f"q{n}",
        url=f"http://127.0.0.1/q/{n}",
        title=f"Allotment show number {n}",
        summary="Marrows and runner beans were judged on the village green.",
    )
    return PageJob(f"k{n}", item, None, "", "fetch_articles is off for this source", "en", ())


def _probe() -> tuple[int, int, int]:
    """Run in a worker before it has seen any article: what it has already loaded."""
    from trafilatura import external

    import detectors.entities
    import detectors.rules

    return (
        detectors.rules.default_rules.cache_info().currsize,
        detectors.entities.load_entities.cache_info().currsize,
        len(external.JT_STOPLIST),  # the stop words of trafilatura's jusText fallback
    )


def test_workers_load_rules_and_language_data_before_their_first_article():
    pool = ExtractionPool(workers=1, warm_up=warm_up)
    try:
        rules_loaded, entities_loaded, stop_words = (
            pool.executor().submit(_probe).result(timeout=120)
        )
    finally:
        pool.shutdown()
    assert rules_loaded == 1
    assert entities_loaded >= 1
    assert stop_words > 1000


def test_the_stream_is_bounded_and_a_slow_consumer_slows_the_producer():
    maxsize, workers = 3, 1
    pool = ExtractionPool(workers=workers, warm_up=warm_up)

    async def run() -> tuple[int, list[str]]:
        stream = ArticleStream(pool=pool, maxsize=maxsize)
        put = 0
        most_outstanding = 0
        consumed: list[str] = []

        async def produce() -> None:
            nonlocal put
            for n in range(40):
                await stream.put(_job(n))
                put += 1
            await stream.close()

        producer = asyncio.create_task(produce())
        async for analysed in stream.results():
            most_outstanding = max(most_outstanding, put - len(consumed))
            consumed.append(analysed.item_key)
            await asyncio.sleep(0.02)  # a slow grouping step
        await producer
        return most_outstanding, consumed

    try:
        most_outstanding, consumed = asyncio.run(run())
    finally:
        pool.shutdown()
    assert sorted(consumed) == sorted(f"k{n}" for n in range(40))
    # queued + the one the stream holds while it waits for a slot + the pool's slots
    assert most_outstanding <= maxsize + 1 + 2 * workers, most_outstanding


def test_pages_are_fetched_only_as_fast_as_they_are_analysed(tmp_path: Path):
    """A feed of 40 items whose results nobody takes yet: only a stream's worth of pages is
    downloaded (and held); the rest follow once results are taken."""
    from newswatch.config import parse_sources
    from newswatch.fetch import Fetcher

    served: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            port = self.server.server_address[1]
            if self.path == "/feed.xml":
                items = "".join(
                    f"<item><title>Allotment show {i}</title><guid>g{i}</guid>"
                    f"<link>http://127.0.0.1:{port}/p/{i}</link></item>"
                    for i in range(40)
                )
                body = f"<rss version='2.0'><channel><title>t</title>{items}</channel></rss>"
                data, kind = body.encode(), "application/rss+xml"
            else:
                served.append(self.path)
                words = "Marrows and runner beans were judged on the green. " * 40
                data, kind = f"<html><body><p>{words}</p></body></html>".encode(), "text/html"
            send(self, data, kind)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    config = parse_sources(
        f"sources:\n  - {{name: Gazette, url: 'http://127.0.0.1:{port}/feed.xml'}}\n"
    )
    store = Store(f"sqlite:///{tmp_path / 'nw.db'}")
    maxsize, workers = 2, 1
    pool = ExtractionPool(workers=workers, warm_up=warm_up)

    async def run() -> tuple[int, int, int]:
        stream = ArticleStream(pool=pool, maxsize=maxsize)
        async with Fetcher() as fetcher:
            polling = asyncio.create_task(
                poll_source(
                    fetcher,
                    store,
                    config.sources[0],
                    None,
                    run_id="r",
                    schedule_interval=config.schedule.interval,
                    page_sink=stream,
                )
            )
            await asyncio.sleep(8)  # time to start the pool and analyse what it may
            before = len(served)
            results = stream.results()
            taken = [await anext(results) for _ in range(5)]

            async def take_the_rest() -> None:
                taken.extend([a async for a in results])

            rest = asyncio.create_task(take_the_rest())
            outcome, jobs = await polling
            await stream.close()
            await rest
        return before, len(taken), outcome.new + len(jobs)

    try:
        before, taken, new = asyncio.run(run())
    finally:
        pool.shutdown()
        server.shutdown()
        store.dispose()
    # being fetched or waiting + queued + the one the stream holds + the pool's slots
    assert before <= 2 * maxsize + 1 + 2 * workers, before
    assert taken == 40 and new == 40 and len(served) == 40


def test_the_pool_starts_while_the_first_page_is_fetched_and_never_for_nothing(tmp_path: Path):
    """A feed that claims new items starts the extraction pool at once (its ~2 s start then
    overlaps the page downloads); a poll that claims nothing starts no process."""
    from newswatch.config import parse_sources
    from newswatch.fetch import Fetcher

    release = threading.Event()
    items = {"/busy.xml": 1, "/quiet.xml": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            port = self.server.server_address[1]
            if self.path in items:
                entries = "".join(
                    f"<item><title>Pumpkin weigh-in {i}</title><guid>w{i}</guid>"
                    f"<link>http://127.0.0.1:{port}/p/{i}</link></item>"
                    for i in range(items[self.path])
                )
                body = f"<rss version='2.0'><channel><title>t</title>{entries}</channel></rss>"
                data, kind = body.encode(), "application/rss+xml"
            else:
                release.wait(30)  # the page is slow: the pool must not wait for it
                data, kind = (
                    b"<html><body><p>The heaviest pumpkin won.</p></body></html>",
                    "text/html",
                )
            send(self, data, kind)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    config = parse_sources(
        "sources:\n"
        f"  - {{name: Busy, url: 'http://127.0.0.1:{port}/busy.xml'}}\n"
        f"  - {{name: Quiet, url: 'http://127.0.0.1:{port}/quiet.xml'}}\n"
    )
    store = Store(f"sqlite:///{tmp_path / 'nw.db'}")
    busy_pool = ExtractionPool(workers=1, warm_up=warm_up)
    quiet_pool = ExtractionPool(workers=1, warm_up=warm_up)

    async def poll(source_index: int, pool: ExtractionPool) -> tuple[bool, int]:
        stream = ArticleStream(pool=pool)
        async with Fetcher() as fetcher:
            polling = asyncio.create_task(
                poll_source(
                    fetcher,
                    store,
                    config.sources[source_index],
                    None,
                    run_id="r",
                    schedule_interval=config.schedule.interval,
                    page_sink=stream,
                )
            )
            for _ in range(200):  # until the pool started or the poll ended
                if pool.started or polling.done():
                    break
                await asyncio.sleep(0.05)
            started_early = pool.started and not release.is_set()
            release.set()
            outcome, _ = await polling
            await stream.close()
            _ = [a async for a in stream.results()]
        return started_early, outcome.new

    try:
        busy_started, busy_new = asyncio.run(poll(0, busy_pool))
        quiet_started, quiet_new = asyncio.run(poll(1, quiet_pool))
    finally:
        release.set()
        busy_pool.shutdown()
        quiet_pool.shutdown()
        server.shutdown()
        store.dispose()
    assert (busy_new, busy_started) == (1, True)
    assert (quiet_new, quiet_started, quiet_pool.started) == (0, False, False)


def test_feed_states_are_written_in_batches(tmp_path: Path):
    store = Store(f"sqlite:///{tmp_path / 'nw.db'}")

    async def run() -> int:
        writer = FeedStateWriter(store, batch=200, delay=0.05)
        for n in range(450):
            writer.add(FeedState(source=f"feed {n:03d}", url=f"http://127.0.0.1/{n}", etag='"e"'))
        await writer.close()
        return writer.writes

    writes = asyncio.run(run())
    states = store.feed_states()
    assert len(states) == 450 and states["feed 449"].etag == '"e"'
    assert 1 <= writes <= 3  # one transaction per batch, not one per feed
    # a second round updates the same rows (the upsert), and keeps the notice flag
    store.save_feed_states([FeedState(source="feed 000", url="http://127.0.0.1/0", etag='"f"')])
    assert store.feed_states()["feed 000"].etag == '"f"'
    store.dispose()


class _HeldFeed:
    """A feed that answers only once Slack has received a post (or after `patience` s)."""

    def __init__(self, slack_state, patience: float = 45.0) -> None:
        self.saw_post_first: bool | None = None
        holder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                deadline = time.monotonic() + patience
                while time.monotonic() < deadline and not slack_state.calls_to("chat.postMessage"):
                    time.sleep(0.05)
                holder.saw_post_first = bool(slack_state.calls_to("chat.postMessage"))
                body = b"<rss version='2.0'><channel><title>late</title></channel></rss>"
                send(self, body, "application/rss+xml")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/late.xml"


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_first_alert_is_sent_before_the_last_feed_has_been_fetched(
    sample_site, slack_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from flows.monitor import poll

    monkeypatch.setenv("NEWSWATCH_FETCH_TIMEOUT", "60")
    monkeypatch.setenv("NEWSWATCH_FETCH_READ_TIMEOUT", "60")
    held = _HeldFeed(slack_env.state)
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        sample_site.sources_yaml() + f"  - name: Late Feed\n    url: {held.url}\n",
        encoding="utf-8",
    )
    try:
        summary = asyncio.run(poll(sources=str(sources)))
    finally:
        held.server.shutdown()
    assert held.saw_post_first is True, "no alert was sent while a feed was still being fetched"
    late = next(s for s in summary["sources"] if s["name"] == "Late Feed")
    assert late["status"] == "ok"
    calls = slack_env.state.calls_to("chat.postMessage") + slack_env.state.calls_to("chat.update")
    assert summary["alerts_sent"] == len(calls)
