"""Builders for pipeline values, so tests state only what matters to them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newswatch.config import parse_sources
from newswatch.developments import record_articles
from newswatch.models import (
    AnalysedArticle,
    Article,
    Detection,
    EventType,
    FeedItem,
    GroupingReport,
    Modality,
)
from newswatch.store import Store


def detection(
    event_type: EventType = EventType.SUMMIT_BOYCOTT,
    *,
    actors: tuple[str, ...] = ("Armenia", "Nikol Pashinyan"),
    target: str | None = "CSTO summit, Minsk",
    modality: Modality = Modality.ANNOUNCED,
    evidence: str = "The prime minister will not travel to the alliance summit in Minsk.",
) -> Detection:
    return Detection(
        type=event_type,
        modality=modality,
        actors=actors,
        target=target,
        evidence=evidence,
        evidence_start=0,
        evidence_end=len(evidence),
        rule="test.rule",
        confidence=0.9,
    )


def analysed(
    slug: str,
    *detections: Detection,
    source: str = "Caucasus Ledger",
    text: str | None = None,
    published: datetime | None = None,
    tags: tuple[str, ...] = (),
) -> AnalysedArticle:
    """An article that was claimed (its item key is its URL) and analysed."""
    url = f"https://{source.lower().replace(' ', '-')}.example/{slug}"
    item = FeedItem(
        source=source,
        item_id=url,
        url=url,
        title=f"Headline {slug}",
        summary="",
        # Fresh by default: older than alerts.max_age (72 h) would be held back, not alerted.
        published=published or datetime.now(UTC) - timedelta(hours=1),
    )
    body = (
        text
        if text is not None
        else f"Story {slug}. " + " ".join(f"word{i}{slug}" for i in range(80))
    )
    article = Article(item=item, title=item.title, text=body, lang="en")
    return AnalysedArticle(
        item_key=url, article=article, detections=tuple(detections), source_tags=tags
    )


def claim(store: Store, *articles: AnalysedArticle) -> None:
    for entry in articles:
        store.claim_items(
            entry.article.item.source, [(entry.item_key, {"url": entry.item_key})], "test"
        )


# One source; arms transfers and Central Asia routed to channels of their own.
ROUTED_CONFIG = parse_sources(
    """
sources:
  - {name: Caucasus Ledger, url: "https://caucasus-ledger.example/rss", tags: [caucasus]}
alerts:
  channel: "#newswatch"
  routes:
    - {event_types: [arms_transfer], channel: "#arms"}
    - {tags: [central-asia], channel: "#central-asia"}
"""
)


def record(store: Store, *articles: AnalysedArticle) -> GroupingReport:
    """Claim the articles' items as a poll would, then group them under ROUTED_CONFIG."""
    claim(store, *articles)
    return record_articles(store, articles, ROUTED_CONFIG, "#newswatch")
