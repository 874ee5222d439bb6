"""Extract stage: article HTML -> the `Article` text newswatch reads.

trafilatura finds the main text (navigation, comments and boilerplate excluded) and the page's
metadata. When the page was not fetched, is not HTML, or extracts to too little text, the feed's
own text is used instead and the fallback is recorded on the Article, so an alert can say so.
This module is CPU-bound and pure: it never does I/O, so it can run in worker processes.
"""

from __future__ import annotations

import logging

import trafilatura

from newswatch.models import Article, FeedItem
from newswatch.sniff import looks_like_html, sniff_binary

log = logging.getLogger(__name__)

# Less text than this from a page means extraction failed (a paywall stub, an image page, …).
MIN_PAGE_TEXT = 200
HTML_TYPES = ("text/html", "application/xhtml+xml", "")  # "" : the server did not say
_LABELLED_GENERIC = ("application/octet-stream", "text/plain", "binary/octet-stream")


def init_worker() -> None:
    """Initializer of extraction worker processes: they die with the process that started them,
    also after its kill -9, instead of lingering as orphans (see offload.watch_parent)."""
    import multiprocessing

    from newswatch.offload import watch_parent

    # The pid the pool was started from, not getppid(): a worker still starting up when its
    # parent was killed is already re-parented by the time it gets here.
    parent = multiprocessing.parent_process()
    watch_parent(parent.pid if parent is not None else None)


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
    try:
        document = trafilatura.bare_extraction(
            page,
            url=item.url,
            include_comments=False,
            include_tables=False,
            with_metadata=True,
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
