"""One poll of the sources, as plain functions the Prefect flow (flows/monitor.py) calls.

`poll_source` is the I/O half for one feed (fetch, parse, claim new items, fetch their pages,
keep the feed's health); `analyse_pages` is the CPU half (extract + detect) spread over the
machine's cores in worker processes, one batch per run, never one task per article.
A fault in one source is caught here, recorded against that source with its URL, and never
reaches the others.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import zlib
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta
from multiprocessing import get_context

import detectors
from newswatch.config import Source, SourcesConfig
from newswatch.extract import extract_article, init_worker
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
) -> tuple[SourceOutcome, list[PageJob]]:
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
        jobs = await _poll(fetcher, store, source, state, outcome, run_id)
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
        _save_state(store, state, outcome)
        return outcome, []
    state.consecutive_failures = 0
    state.failing_since = None
    state.last_success_at = now
    state.next_poll_at = now + source.interval if source.interval else None
    outcome.consecutive_failures = 0
    outcome.last_success_at = now
    _save_state(store, state, outcome)
    log.info(
        "source %r: %s, %d items, %d new", source.name, outcome.status, outcome.items, outcome.new
    )
    return outcome, jobs


def _save_state(store: Store, state: FeedState, outcome: SourceOutcome) -> None:
    """Save the feed's state; a store error here is this source's warning, never the run's
    crash (the items already claimed are still processed; unsaved validators only cost a
    full fetch next time)."""
    try:
        store.save_feed_state(state)
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
        return list(
            await asyncio.gather(
                *(_fetch_page(fetcher, source, guard, outcome, k, i) for k, i in orphans)
            )
        )
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
    return list(
        await asyncio.gather(
            *(_fetch_page(fetcher, source, guard, outcome, k, i) for k, i in new_items)
        )
    )


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


def analyse_page(job: PageJob, watchlist: frozenset[str] | None = None) -> AnalysedArticle:
    """Extract and detect one page. Pure CPU: runs in a worker process."""
    article = extract_article(
        job.item,
        job.page,
        content_type=job.content_type,
        fetch_problem=job.fetch_problem,
        language=job.language,
    )
    published = job.item.published.date() if job.item.published else None
    found = detectors.detect(
        article.text,
        title=article.title,
        lang=article.lang,
        published=published,
        watchlist=watchlist,
    )
    if article.lang is None and found:
        article = replace(article, lang=found[0].lang)
    return AnalysedArticle(job.item_key, article, tuple(found), job.source_tags)


def _analyse_safely(job: PageJob, watchlist: frozenset[str] | None) -> AnalysedArticle:
    try:
        return analyse_page(job, watchlist)
    except Exception as error:  # one hostile page must not sink the batch
        log.exception("analysis failed for %s", job.item.url)
        fallback = extract_article(job.item, None, fetch_problem=f"analysis failed: {error!r}")
        return AnalysedArticle(job.item_key, fallback, (), job.source_tags)


def analyse_pages(
    jobs: Sequence[PageJob], watchlist: frozenset[str] | None = None, workers: int | None = None
) -> list[AnalysedArticle]:
    if not jobs:
        return []
    workers = workers or os.cpu_count() or 1
    if len(jobs) < PARALLEL_THRESHOLD or workers == 1:
        return [_analyse_safely(job, watchlist) for job in jobs]
    # spawn, not fork: the parent runs threads (Prefect, httpx) that fork would copy mid-state.
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=get_context("spawn"), initializer=init_worker
    ) as pool:
        chunk = max(1, len(jobs) // (workers * 4))
        return list(pool.map(_analyse_safely, jobs, [watchlist] * len(jobs), chunksize=chunk))


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
