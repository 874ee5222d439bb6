"""One poll of the sources, as plain functions the Prefect flow (flows/monitor.py) calls.

`poll_source` is the I/O half for one feed (fetch, parse, claim new items, fetch their pages,
keep the feed's health). Its pages stream on at once: `ArticleStream` carries them through a
bounded queue (a full queue slows fetching, so memory stays flat) into the long-lived
extraction pool (newswatch.extract.ExtractionPool) while other feeds are still being fetched,
and hands each analysed article back as soon as it is ready, so grouping and alerting need not
wait for the last feed. `FeedStateWriter` writes feed state in batches in a thread, never one
transaction per feed on the event loop. A fault in one source is caught here, recorded against
that source with its URL, and never reaches the others. Nothing here is per-article Prefect.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import zlib
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime, timedelta
from typing import Any

from newswatch.analysis import Analysed, analyse, analyse_safely, warm_up
from newswatch.config import Source, SourcesConfig
from newswatch.extract import ExtractionPool, extract_article
from newswatch.feeds import FeedParseError, parse_feed_off_loop
from newswatch.fetch import AddressGuard, Fetcher, FetchError
from newswatch.models import AnalysedArticle, FeedItem, PageJob, SourceOutcome
from newswatch.netguard import HostGuard
from newswatch.redact import redact
from newswatch.store import FeedState, Store, StoreError, utcnow

log = logging.getLogger(__name__)

MAX_ITEM_KEY = 700  # store.Item.item_key is VARCHAR(700)
MAX_ITEMS_PER_FEED = 100  # newest first; a feed that suddenly lists 10,000 entries is capped
MAX_BACKOFF = timedelta(hours=6)
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
# Article pages worth downloading; anything else (PDF, images, video) is read from the feed.
PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml"})
PARALLEL_THRESHOLD = 8  # fewer pages than this are analysed in-process (a worker costs ~1 s)
# Pages waiting for a worker. Enough to keep both cores busy while the next pages download,
# few enough that a 10,000-article poll never holds more than a few MB of HTML at once.
STREAM_QUEUE = 32
FEED_STATE_BATCH = 200  # feed states per write; a partial batch is written after FEED_STATE_DELAY
FEED_STATE_DELAY = 0.5  # seconds


def item_key(item: FeedItem) -> str:
    """One key per story: its canonical URL, else the source's own guid. Over-long keys keep a
    readable prefix and a hash, so they fit the store's unique column on every backend."""
    key = item.url or f"{item.source}:{item.item_id}"
    if len(key) <= MAX_ITEM_KEY:
        return key
    return key[:600] + "#sha256=" + hashlib.sha256(key.encode()).hexdigest()


def backoff_after(failures: int, interval: timedelta) -> timedelta:
    """How long after a failed poll the source may be polled again: at once (the next run)
    after the first failure, then 2, 4, 8, … intervals (capped at MAX_BACKOFF): with a run
    every `interval` that skips 0, 1, 3, 7, … runs, so a dead feed costs little, a flaky one
    recovers fast, and a recovered one is back to normal after one successful poll."""
    if failures <= 1:
        return timedelta(0)
    return min(interval * (2 ** min(failures - 1, 16)), MAX_BACKOFF)


def poll_grace(schedule_interval: timedelta) -> timedelta:
    """A source due "at 12:10" is polled by the run that starts at 12:09:58: runs drift by
    seconds, and skipping a whole interval for that would double every wait."""
    return min(schedule_interval / 5, timedelta(minutes=2))


async def poll_source(
    fetcher: Fetcher,
    store: Store,
    source: Source,
    state: FeedState | None,
    *,
    run_id: str,
    schedule_interval: timedelta,
    now: datetime | None = None,
    state_writer: FeedStateWriter | None = None,
    page_sink: ArticleStream | None = None,
) -> tuple[SourceOutcome, list[PageJob]]:
    """Poll one feed. With `state_writer` its state joins the writer's next batch (else it is
    saved now, in a thread); with `page_sink` each fetched page is handed on as soon as it
    arrives and the returned job list is empty (else the jobs are returned)."""
    now = now or utcnow()
    state = state or FeedState(
        source=source.name, url=source.url, consecutive_failures=0, failure_notice_sent=False
    )
    if state.url not in (source.url, redact(source.url)):  # pointed elsewhere: forget validators
        state.url, state.etag, state.last_modified = source.url, None, None
    outcome = SourceOutcome(
        source=source.name,
        url=source.url,
        status="ok",
        consecutive_failures=state.consecutive_failures,
        last_success_at=state.last_success_at,
    )
    if state.next_poll_at and state.next_poll_at > now + poll_grace(schedule_interval):
        outcome.status = "skipped"
        outcome.next_poll_at = state.next_poll_at
        if state.consecutive_failures:
            outcome.warnings.append(
                f"backing off after {state.consecutive_failures} failed polls until "
                f"{state.next_poll_at:%Y-%m-%d %H:%M} UTC; last error: {state.last_error}"
            )
        return outcome, []
    state.last_polled_at = now
    try:
        jobs = await _poll(fetcher, store, source, state, outcome, run_id, page_sink)
    except Exception as error:  # an expected fault or a bug: either way it stays in this source
        if isinstance(error, StoreError):
            # The store failed, not the feed: report it against this source's step, but keep
            # the feed's record (no back-off for the site; the store may not take writes).
            detail = f"store error: {error}"
            log.error("source %r: %s", source.name, detail)
            outcome.status, outcome.error = "error", detail
            return outcome, []
        if isinstance(error, FetchError | FeedParseError):
            detail = str(error) if isinstance(error, FetchError) else f"{error} ({source.url})"
            log.warning("source %r failed: %s", source.name, detail)
        else:
            detail = f"unexpected {type(error).__name__}: {error} ({source.url})"
            log.exception("source %r failed unexpectedly", source.name)
        interval = source.interval or schedule_interval
        _record_failure(state, outcome, detail, now, interval, getattr(error, "retry_after", None))
        await _save_state(store, state, outcome, state_writer)
        return outcome, []
    state.consecutive_failures = 0
    state.failing_since = None
    state.last_success_at = now
    state.next_poll_at = now + source.interval if source.interval else None
    outcome.consecutive_failures = 0
    outcome.last_success_at = now
    await _save_state(store, state, outcome, state_writer)
    log.info(
        "source %r: %s, %d items, %d new", source.name, outcome.status, outcome.items, outcome.new
    )
    return outcome, jobs


async def _save_state(
    store: Store, state: FeedState, outcome: SourceOutcome, writer: FeedStateWriter | None
) -> None:
    """Save the feed's state: in the run's batch writer, or else in a thread (a SQLite
    transaction blocks for milliseconds). A store error here is this source's warning, never
    the run's crash: the items already claimed are still processed, and unsaved validators
    only cost a full fetch next time."""
    if writer is not None:
        writer.add(state)
        return
    try:
        await asyncio.to_thread(store.save_feed_state, state)
    except Exception as error:  # StoreError, or a bug: either way it stays with this source
        outcome.warnings.append(f"feed state not saved: {error}")
        log.error("source %r: feed state not saved: %s", state.source, error)


def _record_failure(
    state: FeedState,
    outcome: SourceOutcome,
    detail: str,
    now: datetime,
    interval: timedelta,
    retry_after: float | None = None,
) -> None:
    state.consecutive_failures = (state.consecutive_failures or 0) + 1
    state.failing_since = state.failing_since or now
    state.last_error, state.last_error_at = detail, now
    state.next_poll_at = now + backoff_after(state.consecutive_failures, interval)
    if retry_after is not None:
        # The site said when to come back (429 Retry-After): never earlier than that.
        wait = timedelta(seconds=min(retry_after, MAX_BACKOFF.total_seconds()))
        state.next_poll_at = max(state.next_poll_at, now + wait)
    outcome.status = "error"
    outcome.error = detail
    outcome.consecutive_failures = state.consecutive_failures
    outcome.next_poll_at = state.next_poll_at


async def _poll(
    fetcher: Fetcher,
    store: Store,
    source: Source,
    state: FeedState,
    outcome: SourceOutcome,
    run_id: str,
    page_sink: ArticleStream | None = None,
) -> list[PageJob]:
    # The feed's own host (and allow_hosts) are trusted; a redirect elsewhere is checked.
    guard = HostGuard({source.host, *source.allow_hosts})
    response = await fetcher.get(
        source.url,
        headers=source.headers,
        etag=state.etag,
        last_modified=state.last_modified,
        accept=FEED_ACCEPT,
        guard=guard,
    )
    if response.not_modified:
        outcome.status = "not_modified"
        # Items a dead run claimed and never finished come back even though the feed has
        # nothing new: they are rebuilt from the store.
        orphans = _take_over_orphans(store, source, outcome, run_id)
        return await _fetch_pages(fetcher, source, guard, outcome, orphans, page_sink)
    parsed = await parse_feed_off_loop(
        response.content, source=source.name, url=response.url, headers=response.headers
    )
    if parsed.warning:
        outcome.warnings.append(parsed.warning)
        log.warning("source %r: %s (%s)", source.name, parsed.warning, source.url)
    if not parsed.items:
        outcome.warnings.append("the feed lists no entries")
    items = sorted(
        parsed.items, key=lambda i: i.published.timestamp() if i.published else 0, reverse=True
    )[:MAX_ITEMS_PER_FEED]
    outcome.items = len(parsed.items)
    keyed = {item_key(item): item for item in items}
    claimed = store.claim_items(
        source.name,
        [
            (
                key,
                {
                    "url": item.url,
                    "title": item.title[:1000],
                    "published_at": item.published,
                    # Kept with the claim, so the item can be finished without the feed.
                    "guid": item.item_id,
                    "summary": item.summary,
                },
            )
            for key, item in keyed.items()
        ],
        run_id,
    )
    outcome.new = len(claimed)
    new_items = [(key, item) for key, item in keyed.items() if key in claimed]
    taken = {key for key, _ in new_items}
    new_items += [
        (k, i) for k, i in _take_over_orphans(store, source, outcome, run_id) if k not in taken
    ]
    # The validators only now: a fault before this point (parse, claim) must not leave the
    # next poll a 304 for items nobody claimed.
    state.etag, state.last_modified = response.etag, response.last_modified
    return await _fetch_pages(fetcher, source, guard, outcome, new_items, page_sink)


def _take_over_orphans(
    store: Store, source: Source, outcome: SourceOutcome, run_id: str
) -> list[tuple[str, FeedItem]]:
    orphans = store.take_over_orphans(source.name, run_id)
    if orphans:
        outcome.new += len(orphans)
        outcome.warnings.append(f"{len(orphans)} items an interrupted run left unfinished resumed")
        log.info("source %r: %d unfinished items resumed", source.name, len(orphans))
    return orphans


async def _fetch_page(
    fetcher: Fetcher,
    source: Source,
    guard: AddressGuard,
    outcome: SourceOutcome,
    key: str,
    item: FeedItem,
) -> PageJob:
    page, content_type, problem = None, "", None
    if not source.fetch_articles:
        problem = "fetch_articles is off for this source"
    elif item.url is None:
        problem = "the feed entry has no link"
    else:
        try:
            result = await fetcher.get(
                item.url,
                headers=source.headers,
                headers_origin=source.url,  # credentials go to the feed's own origin only
                guard=guard,
                accept="text/html,application/xhtml+xml",
                expect_types=PAGE_TYPES,
            )
            page, content_type = result.content, result.content_type
        except FetchError as error:
            problem = f"article not fetched: {error}"
        except Exception as error:  # one page must not fail its whole source
            log.exception("source %r: fetching %s failed unexpectedly", source.name, item.url)
            problem = f"article not fetched: unexpected {type(error).__name__} ({item.url})"
        if problem:
            outcome.warnings.append(problem)
            log.warning("source %r: %s", source.name, problem)
    return PageJob(key, item, page, content_type, problem, source.language, source.tags)


async def _fetch_pages(
    fetcher: Fetcher,
    source: Source,
    guard: AddressGuard,
    outcome: SourceOutcome,
    items: list[tuple[str, FeedItem]],
    page_sink: ArticleStream | None,
) -> list[PageJob]:
    """The items' pages: returned, or passed on to the stream as each arrives (then [])."""
    if page_sink is not None and items:
        page_sink.expect()
    if page_sink is None:
        return list(
            await asyncio.gather(
                *(_fetch_page(fetcher, source, guard, outcome, k, i) for k, i in items)
            )
        )

    async def fetch_and_pass_on(key: str, item: FeedItem) -> None:
        # A page is fetched only when the stream has room for it: fetching slows with
        # extraction, and no more than a stream's worth of pages is ever held in memory.
        async with page_sink.fetch_slot():
            await page_sink.put(await _fetch_page(fetcher, source, guard, outcome, key, item))

    await asyncio.gather(*(fetch_and_pass_on(k, i) for k, i in items))
    return []


def analyse_page(job: PageJob, watchlist: frozenset[str] | None = None) -> AnalysedArticle:
    """Extract and detect one page, here (see newswatch.analysis)."""
    article, found = analyse(*_work(job, watchlist))
    return AnalysedArticle(job.item_key, article, found, job.source_tags)


def _work(job: PageJob, watchlist: frozenset[str] | None) -> tuple[Any, ...]:
    """A job as newswatch.analysis takes it: plain values, cheap to send to a worker."""
    return (job.item, job.page, job.content_type, job.fetch_problem, job.language, watchlist)


def _analyse_safely(job: PageJob, watchlist: frozenset[str] | None) -> AnalysedArticle:
    article, found = analyse_safely(*_work(job, watchlist))
    return AnalysedArticle(job.item_key, article, found, job.source_tags)


_POOL = ExtractionPool(warm_up=warm_up)


def extraction_pool() -> ExtractionPool:
    """The process's extraction pool: started on first use, reused by every later poll."""
    return _POOL


def analyse_pages(
    jobs: Sequence[PageJob], watchlist: frozenset[str] | None = None, workers: int | None = None
) -> list[AnalysedArticle]:
    """Extract and detect a batch of pages (in order); `workers=1` stays in this process."""
    if not jobs:
        return []
    workers = workers or _POOL.workers
    if len(jobs) < PARALLEL_THRESHOLD or workers == 1:
        return [_analyse_safely(job, watchlist) for job in jobs]
    pool = _POOL if workers == _POOL.workers else ExtractionPool(workers, warm_up)
    try:
        chunk = max(1, len(jobs) // (workers * 4))
        executor = pool.executor()
        results = executor.map(
            analyse_safely, *zip(*(_work(j, watchlist) for j in jobs), strict=True), chunksize=chunk
        )
        return [
            AnalysedArticle(job.item_key, article, found, job.source_tags)
            for job, (article, found) in zip(jobs, results, strict=True)
        ]
    finally:
        if pool is not _POOL:
            pool.shutdown()


class FeedStateWriter:
    """Feed state written in batches in one writer thread, off the event loop: a thousand
    feeds answering 304 cost a few transactions, and the loop stays free for fetching (one
    synchronous transaction per feed on the loop took a third of a warm poll's CPU and made
    healthy feeds time out). States are written at most FEED_STATE_DELAY after `add`, and
    everything is written by `close()`."""

    def __init__(
        self, store: Store, *, batch: int = FEED_STATE_BATCH, delay: float = FEED_STATE_DELAY
    ):
        self.store = store
        self.batch, self.delay = batch, delay
        self._pending: list[FeedState] = []
        self._wake = asyncio.Event()
        self._closed = False
        self._task: asyncio.Task[None] | None = None
        self.writes = 0  # transactions so far (for tests and the benchmark)

    def add(self, state: FeedState) -> None:
        if self._closed:
            raise RuntimeError("FeedStateWriter is closed")
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())
        self._pending.append(state)
        if len(self._pending) >= self.batch:
            self._wake.set()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.delay)
            self._wake.clear()
            await self._write()
            if self._closed and not self._pending:
                return

    async def _write(self) -> None:
        batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            await asyncio.to_thread(self.store.save_feed_states, batch)
            self.writes += 1
        except Exception as error:  # StoreError, or a bug: the run goes on (see _save_state)
            names = ", ".join(sorted(state.source for state in batch))
            log.error("feed state of %d sources not saved (%s): %s", len(batch), names, error)

    async def close(self) -> None:
        self._closed = True
        self._wake.set()
        if self._task is not None:
            await self._task
        await self._write()  # anything added before the task started, or after it ended


class ArticleStream:
    """Pages in, analysed articles out, as they come.

    At most `maxsize` pages are being fetched or waiting to be queued (`fetch_slot`), at most
    `maxsize` are queued (`put` waits: back-pressure on fetching), and at most 2 × workers are
    in the pool or waiting to be taken from `results()`, which yields each analysed article as
    soon as a worker returns it, until `close()` was called and everything is done. So a slow
    consumer slows fetching instead of growing memory. The pool starts with the first page."""

    def __init__(
        self,
        watchlist: frozenset[str] | None = None,
        *,
        pool: ExtractionPool | None = None,
        maxsize: int = STREAM_QUEUE,
    ):
        self.watchlist = watchlist
        self.pool = pool or _POOL
        self.maxsize = maxsize
        self._fetching = asyncio.Semaphore(maxsize)
        self._jobs: asyncio.Queue[PageJob | None] = asyncio.Queue(maxsize)
        # (article, from the pool): a pool result frees its in-flight slot once it is taken
        self._results: asyncio.Queue[tuple[AnalysedArticle, bool] | None] = asyncio.Queue()
        self._in_flight = asyncio.Semaphore(2 * self.pool.workers)
        self._runner: asyncio.Task[None] | None = None
        self._prestart: asyncio.Task[None] | None = None
        self._ended = False
        self.submitted = 0

    def expect(self) -> None:
        """Pages will come (a feed claimed new items): start the pool's fork server and a
        worker now, while the pages are still being fetched, instead of with the first page.
        Never called by a poll that finds nothing new, so a quiet poll starts no process."""
        if self._prestart is None and not self.pool.started:
            self._prestart = asyncio.get_running_loop().create_task(self._start_pool())

    async def _start_pool(self) -> None:
        try:
            await asyncio.to_thread(self.pool.prestart)
        except Exception as error:  # the first page's submit tries again, and falls back
            log.warning("extraction pool did not start ahead of the pages: %r", error)

    def fetch_slot(self) -> asyncio.Semaphore:
        """Hold while fetching a page and until it is `put`."""
        return self._fetching

    async def put(self, job: PageJob) -> None:
        if self._runner is None:
            self._start()
        await self._jobs.put(job)

    def _start(self) -> None:
        self._runner = asyncio.get_running_loop().create_task(self._run())

    async def close(self) -> None:
        """No more pages: `results()` ends once those queued are analysed."""
        if self._runner is None:
            self._start()
        await self._jobs.put(None)

    async def _run(self) -> None:
        running: set[asyncio.Future[Analysed]] = set()
        try:
            while (job := await self._jobs.get()) is not None:
                self.submitted += 1
                await self._in_flight.acquire()
                try:
                    future = asyncio.wrap_future(await self._submit(job))
                except Exception as error:  # no worker can be started: this page falls back
                    failed = asyncio.get_running_loop().create_future()
                    failed.set_exception(error)
                    future = failed
                running.add(future)
                future.add_done_callback(lambda f, job=job: self._done(f, job, running))
            while running:
                await asyncio.wait(set(running))
        finally:
            await self._results.put(None)

    async def _submit(self, job: PageJob) -> Future[Analysed]:
        # From a thread while the pool is still starting: a submit that starts the fork server
        # or a worker must not stall the event loop's fetching. Once every worker runs, a
        # submit only queues the call, and a thread per page cost the loop more than the call.
        args = _work(job, self.watchlist)
        if self.pool.full():
            with contextlib.suppress(BrokenProcessPool):  # handled below, as before
                return self.pool.executor().submit(analyse_safely, *args)
        try:
            return await asyncio.to_thread(self.pool.executor().submit, analyse_safely, *args)
        except BrokenProcessPool:  # a worker died earlier (e.g. out of memory): start afresh
            self.pool.discard()
            return await asyncio.to_thread(self.pool.executor().submit, analyse_safely, *args)

    def _done(
        self,
        future: asyncio.Future[Analysed],
        job: PageJob,
        running: set[asyncio.Future[Analysed]],
    ) -> None:
        running.discard(future)
        if future.cancelled():
            self._in_flight.release()
            return
        error = future.exception()
        if error is None:
            article, found = future.result()
            self._results.put_nowait(
                (AnalysedArticle(job.item_key, article, found, job.source_tags), True)
            )
            return
        # A worker that died (BrokenProcessPool) is replaced at the next submit (_submit).
        log.error("analysis failed for %s: %r", job.item.url, error)
        fallback = extract_article(job.item, None, fetch_problem=f"analysis failed: {error!r}")
        analysed = AnalysedArticle(job.item_key, fallback, (), job.source_tags)
        self._results.put_nowait((analysed, True))

    async def get(self) -> AnalysedArticle | None:
        """The next analysed article, or None when the stream is done. Safe to cancel (e.g.
        by `asyncio.wait_for`): nothing is lost."""
        if self._ended:
            return None
        entry = await self._results.get()
        if entry is None:
            self._ended = True
            return None
        analysed, from_pool = entry
        if from_pool:
            self._in_flight.release()
        return analysed

    async def results(self) -> AsyncIterator[AnalysedArticle]:
        while (analysed := await self.get()) is not None:
            yield analysed


def select_sources(
    config: SourcesConfig,
    tags: Sequence[str] | None = None,
    shard: int | None = None,
    shards: int = 1,
) -> list[Source]:
    """The enabled sources this run polls: optionally only those with one of `tags`, and only
    shard `shard` of `shards` (by a stable hash of the name) so several runs split the load."""
    chosen = [s for s in config.enabled_sources if not tags or set(tags) & set(s.tags)]
    if shard is not None and shards > 1:
        chosen = [s for s in chosen if zlib.crc32(s.name.encode()) % shards == shard]
    return chosen
