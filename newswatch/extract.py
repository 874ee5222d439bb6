"""Extract stage: article HTML -> the `Article` text newswatch reads.

trafilatura finds the main text (navigation, comments and boilerplate excluded) and the page's
metadata. When the page was not fetched, is not HTML, or extracts to too little text, the feed's
own text is used instead and the fallback is recorded on the Article, so an alert can say so.
This module is CPU-bound and pure: it never does I/O, so it can run in worker processes.
`ExtractionPool` owns those processes: started once per process (lazily, on the first page),
each worker imports and warms up trafilatura and the caller's later stages (detection rules,
language data) before its first article, and the pool is reused by every later poll in the
same process. It never decides what to extract; callers submit plain functions.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context, util
from multiprocessing.connection import wait

from newswatch.models import Article, FeedItem
from newswatch.sniff import looks_like_html, sniff_binary

log = logging.getLogger(__name__)

# Less text than this from a page means extraction failed (a paywall stub, an image page, …).
MIN_PAGE_TEXT = 200
HTML_TYPES = ("text/html", "application/xhtml+xml", "")  # "" : the server did not say
_LABELLED_GENERIC = ("application/octet-stream", "text/plain", "binary/octet-stream")


def extract_article(
    item: FeedItem,
    page: bytes | None,
    *,
    content_type: str = "text/html",
    fetch_problem: str | None = None,
    language: str | None = None,
) -> Article:
    """The best text for `item`: the page's main text, else the feed's text (flagged)."""
    if page is None:
        return _from_feed(item, fetch_problem or "article page not fetched", language)
    content_type = (content_type or "").split(";")[0].strip().lower()
    if content_type not in HTML_TYPES and not (
        content_type in _LABELLED_GENERIC and looks_like_html(page)
    ):
        return _from_feed(item, f"article is {content_type}, not HTML", language)
    if not page.strip():
        return _from_feed(item, "article page is empty", language)
    if binary := sniff_binary(page):
        return _from_feed(item, f"article is {binary}, not HTML", language)
    # Imported here, not with the module: the process that only polls (a quiet run, the flow's
    # own process when workers extract) never pays its ~0.15 s; workers have it preloaded.
    import trafilatura

    try:
        document = trafilatura.bare_extraction(
            page,
            url=item.url,
            include_comments=False,
            include_tables=False,
            # The metadata pass costs ~30% of extraction and gives the same text; only the
            # page's title is used from it, and only when the feed entry has none.
            with_metadata=not item.title,
            deduplicate=True,
        )
    except Exception as exc:  # trafilatura raises many kinds on hostile markup
        log.warning("extraction failed for %s: %s", item.url, exc)
        return _from_feed(item, f"extraction failed: {type(exc).__name__}", language)
    text = (document.text or "").strip() if document is not None else ""
    if not text or (len(text) < MIN_PAGE_TEXT and len(text) < len(item.summary)):
        return _from_feed(item, "page yielded no article text", language)
    title = item.title or (document.title or "" if document is not None else "")
    return Article(item=item, title=title, text=text, lang=language, text_from="page")


def _from_feed(item: FeedItem, reason: str, language: str | None) -> Article:
    return Article(
        item=item,
        title=item.title,
        text=item.summary,
        lang=language,
        text_from="feed",
        fallback_reason=reason,
    )


# A small page in our own words: extracting it once in each worker compiles trafilatura's
# XPath expressions and loads its language data before the first real article arrives.
_WARM_UP_PAGE = (
    b"<html><head><title>Warm-up</title></head><body><nav>Home | News</nav><article>"
    b"<h1>Harbour council meets</h1>"
    + b"<p>The harbour council met on Tuesday to discuss the new ferry timetable.</p>" * 12
    + b"</article><footer>Contact</footer></body></html>"
)


def warm_up_extraction() -> None:
    item = FeedItem(source="warm-up", item_id="warm-up", url=None, title="", summary="")
    extract_article(item, _WARM_UP_PAGE)  # no title: the metadata pass is warmed up too
    # jusText's stop words of every language, which trafilatura gathers (~0.15 s, from ~100
    # files) the first time a page needs its jusText fallback, which a well-formed page like
    # the one above never does: gathered here, in the fork server, they are every worker's.
    from trafilatura import external

    gather = getattr(external, "jt_stoplist_init", None)  # gone in another trafilatura: skip
    if gather is not None and not getattr(external, "JT_STOPLIST", None):
        gather()


def _init_worker(warm_up: Callable[[], None] | None) -> None:
    """Runs once in each worker process before its first task (quick when the fork server
    has preloaded everything: then it only touches what is already cached)."""
    _die_with_poll()
    warm_up_extraction()
    if warm_up is not None:
        warm_up()


def _die_with_poll() -> None:
    """A worker ends when the process that started the pool ends, also after its kill -9,
    instead of lingering as an orphan. Its parent is the fork server, not that process, so
    getppid() cannot tell; multiprocessing hands each worker a sentinel of the starting
    process that becomes ready when it is gone, and a daemon thread waits on it."""
    poll = multiprocessing.parent_process()
    if poll is None:
        return

    def watch() -> None:
        wait([poll.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="watch-poll", daemon=True).start()


class ExtractionPool:
    """A long-lived pool of pre-loaded worker processes for the CPU half of a poll.

    `executor()` starts the workers on first use and returns the same pool afterwards, so a
    process that polls many times (tests, `serve` with in-process runs) pays the start-up
    once; a flow run in its own process pays it once per run, overlapped with fetching."""

    def __init__(
        self,
        workers: int | None = None,
        warm_up: Callable[[], None] | None = None,
        preload: tuple[str, ...] = ("newswatch.pool_preload",),
    ):
        self.workers = workers or os.cpu_count() or 1
        self._warm_up = warm_up
        self._preload = list(preload)
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                # forkserver, not fork: the parent runs threads (Prefect, httpx) that fork
                # would copy mid-state. Not spawn either: a spawned worker re-imports the
                # parent's main module (under `serve` that is prefect.engine: seconds and
                # ~100 MB per worker). The fork server imports only `preload` (the extract
                # and detect stages), once; workers fork from it in milliseconds and share
                # those pages.
                context = get_context("forkserver")
                context.set_forkserver_preload(self._preload)
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=context,
                    initializer=_init_worker,
                    initargs=(self._warm_up,),
                )
                # Shut down when the process ends. Not with atexit: in a multiprocessing
                # child (a Prefect flow run under `serve`) exit joins every child first, and
                # the workers only end when told to or when this process is gone, so the run
                # would wait for them forever. Finalizers run before that join; a priority
                # above the call queue's own (10) so the queue still carries the stop signals.
                util.Finalize(None, self.shutdown, exitpriority=100)
            return self._executor

    def prestart(self) -> None:
        """Start a worker now rather than with the first page: blocks until the fork server
        has loaded the stages and forked it (about 2 s of one core), so call it from a thread
        as soon as pages are known to come. The other workers follow with the next pages, in
        milliseconds once the fork server is ready."""
        self.executor().submit(os.getpid).result()

    @property
    def started(self) -> bool:
        return self._executor is not None

    def full(self) -> bool:
        """Whether all the workers have been started: from then on a submit never waits (it
        only queues the call), so it can be made from the event loop, without a thread. Before,
        a submit may start a worker, which waits for the fork server to load (seconds)."""
        executor = self._executor
        processes = getattr(executor, "_processes", None)  # None: unknown, never "full"
        return processes is not None and len(processes) >= self.workers

    def discard(self) -> None:
        """Forget a broken pool (a worker died): the next `executor()` starts a fresh one."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    def shutdown(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
