"""The CPU half of one page: extract its text, then detect developments in it.

This is what the extraction pool's workers run (newswatch.extract.ExtractionPool). It imports
only the extract and detect stages and the value types (models), never the store, grouping
or Prefect, so a worker starts in under a second and stays small; its arguments and result
are plain value types for the same reason (unpickling a pipeline type would import the
pipeline). It never does I/O.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import detectors
from newswatch.extract import extract_article
from newswatch.models import Article, Detection, FeedItem

log = logging.getLogger(__name__)

Analysed = tuple[Article, tuple[Detection, ...]]


def analyse(
    item: FeedItem,
    page: bytes | None,
    content_type: str,
    fetch_problem: str | None,
    language: str | None,
    watchlist: frozenset[str] | None = None,
) -> Analysed:
    """Extract and detect one page. Pure CPU."""
    article = extract_article(
        item, page, content_type=content_type, fetch_problem=fetch_problem, language=language
    )
    published = item.published.date() if item.published else None
    found = detectors.detect(
        article.text,
        title=article.title,
        lang=article.lang,
        published=published,
        watchlist=watchlist,
    )
    if article.lang is None and found:
        article = replace(article, lang=found[0].lang)
    return article, tuple(found)


def analyse_safely(
    item: FeedItem,
    page: bytes | None,
    content_type: str,
    fetch_problem: str | None,
    language: str | None,
    watchlist: frozenset[str] | None = None,
) -> Analysed:
    """`analyse`, with any fault kept to this page: its feed text stands in, flagged."""
    try:
        return analyse(item, page, content_type, fetch_problem, language, watchlist)
    except Exception as error:  # one hostile page must not sink the batch
        log.exception("analysis failed for %s", item.url)
        return extract_article(item, None, fetch_problem=f"analysis failed: {error!r}"), ()


def warm_up() -> None:
    """Load what detection reads (rules, entities, language data) and compile its patterns
    once per worker, at start, rather than on the worker's first article."""
    detectors.default_rules()
    detectors.load_entities()
    for text in (
        "The minister said the country would not attend the summit in the capital next week.",
        "Министр заявил, что страна не будет участвовать в саммите в столице на следующей неделе.",
    ):
        detectors.detect(text, title=text[:40])
