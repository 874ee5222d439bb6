"""The hall: every typed value passed between the pipeline stages.

sources.yaml -> config -> fetch -> feeds (`FeedItem`) -> pipeline (`PageJob`, `SourceOutcome`)
-> extract (`Article`) -> detectors (`Detection`, re-exported from `detectors.types`, which owns
the detection types) -> `AnalysedArticle` -> developments (`GroupingReport`, `HeldBack`; an
alert's content: `Headline`, `Report`, `Part`) -> outbox -> delivery (`DeliveryReport`) -> the
run report. Each stage takes and returns these values and imports them from here, never from
another stage. None of them knows about Prefect, the database or Slack; a development and an
alert as stored are rows of `newswatch.store` (`DevelopmentRow`, `AlertRow`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from detectors.types import MODALITY_RANK, Detection, EventType, Modality

# The detection types are re-exported on first use, not imported with this module: importing
# detectors.types loads the whole detectors package (its language model and numpy), which a
# feed-parsing worker, handed only `FeedItem`s, would otherwise pay on every start.
_DETECTION_TYPES = frozenset({"MODALITY_RANK", "Detection", "EventType", "Modality"})


def __getattr__(name: str) -> Any:
    if name in _DETECTION_TYPES:
        import detectors.types

        value = getattr(detectors.types, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ESCALATION_PLACEHOLDER",
    "MODALITY_RANK",
    "AnalysedArticle",
    "Article",
    "DeliveryReport",
    "Detection",
    "EventType",
    "FeedItem",
    "GroupingReport",
    "Headline",
    "HeldBack",
    "Modality",
    "PageJob",
    "Part",
    "Report",
    "SourceOutcome",
    "StreamReport",
]


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One entry of a feed, normalised."""

    source: str
    item_id: str  # the feed's guid, else the canonical link, else a hash of title+summary
    url: (
        str | None
    )  # canonical article URL (tracking parameters removed), None if the entry has none
    title: str
    summary: str  # the feed's own text for the entry (content or summary), as plain text
    published: datetime | None = None  # timezone-aware (UTC) when the feed gives a date


@dataclass(frozen=True, slots=True)
class Article:
    """The text newswatch reads for one feed item."""

    item: FeedItem
    title: str
    text: str
    lang: str | None = None
    text_from: str = "page"  # "page": extracted from the article HTML; "feed": the feed's own text
    fallback_reason: str | None = None  # why the feed text was used, when it was


# --- fetch and extract: one source's poll ----------------------------------------------------


@dataclass(frozen=True)
class PageJob:
    """A claimed item and what was fetched for it, ready for extraction and detection."""

    item_key: str
    item: FeedItem
    page: bytes | None
    content_type: str
    fetch_problem: str | None
    language: str | None
    source_tags: tuple[str, ...]


@dataclass
class SourceOutcome:
    """How one source's poll went: its status for the run report and the health notices."""

    source: str
    url: str
    status: str  # ok | not_modified | skipped | error
    items: int = 0
    new: int = 0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    consecutive_failures: int = 0
    last_success_at: datetime | None = None
    next_poll_at: datetime | None = None


@dataclass(frozen=True)
class AnalysedArticle:
    """One claimed item after extraction and detection."""

    item_key: str
    article: Article
    detections: tuple[Detection, ...]
    source_tags: tuple[str, ...] = ()

    def without_text(self) -> AnalysedArticle:
        """What the run report needs of the article, without the texts that would keep a
        run's memory growing with its number of articles."""
        item = replace(self.article.item, summary="")
        return replace(self, article=replace(self.article, item=item, text=""))


# --- developments: what grouping did ---------------------------------------------------------


@dataclass(frozen=True)
class HeldBack:
    """A report stored and grouped but not alerted, and why."""

    development_id: int
    source: str
    type: str
    title: str
    reason: str


@dataclass
class GroupingReport:
    new: list[int] = field(default_factory=list)  # development ids opened
    updated: list[int] = field(default_factory=list)  # development ids that got a report
    escalated: list[int] = field(default_factory=list)
    detections: list[tuple[str, str, str]] = field(default_factory=list)  # (source, type, title)
    held_back: list[HeldBack] = field(default_factory=list)

    def add(self, part: GroupingReport) -> None:
        """Add what a later batch of the same run did."""
        self.new += part.new
        self.updated += part.updated
        self.escalated += part.escalated
        self.detections += part.detections
        self.held_back += part.held_back


# --- alerts: what a message says -------------------------------------------------------------

# Stands in an escalation's text for the earlier message's permalink, which delivery fills in
# once that message is posted.
ESCALATION_PLACEHOLDER = "(earlier alert)"


@dataclass(frozen=True)
class Report:
    """One article's report of a development, as an alert shows it."""

    source: str
    title: str
    url: str | None
    published: datetime | None
    evidence: str  # a sentence of the article body (developments.body_quote)
    text_from: str = "page"
    fallback_reason: str | None = None
    lang: str | None = None


@dataclass(frozen=True)
class Headline:
    """The development as the top-level message describes it."""

    type: EventType
    modality: Modality
    actors: tuple[str, ...]
    target: str | None
    reason: str | None
    rule: str
    confidence: float


@dataclass(frozen=True)
class Part:
    """This development's place among the developments one article reports."""

    index: int  # 1-based
    total: int
    others: tuple[EventType, ...]


# --- delivery: what a delivery pass did -------------------------------------------------------


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    pending: int = 0
    errors: list[str] = field(default_factory=list)
    blocked_channels: dict[str, str] = field(default_factory=dict)  # channel -> permanent error


@dataclass
class StreamReport:
    """What one run's stream of pages came to: its articles (without their text), what
    grouping did, and the alerts already sent on the way."""

    analysed: list[AnalysedArticle] = field(default_factory=list)
    grouping: GroupingReport = field(default_factory=GroupingReport)
    delivery: DeliveryReport = field(default_factory=DeliveryReport)
