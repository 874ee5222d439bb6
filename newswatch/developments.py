"""Group stage: detections -> developments, and the outbox rows each change calls for.

A development is one real-world event: the same event type, the same principal actor and a
compatible target, reported within a window (default 7 days). The first report opens it (a
top-level alert); a further report adds a thread reply and updates the parent's source count;
a syndicated copy (near-identical text under another URL, found with MinHash) only updates the
count; a report that moves the modality up (threatened -> announced) opens a new top-level
alert that links the earlier one. Everything for one article is written in one transaction,
together with the alert rows, so a crash never leaves a detection without its alerts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from datasketch import MinHash
from sqlalchemy import select
from sqlalchemy.orm import Session

from newswatch.alerts import Headline, Report, render_alert, render_reply
from newswatch.config import SourcesConfig
from newswatch.feedback import mute_reason
from newswatch.models import MODALITY_RANK, Article, Detection, EventType, Modality
from newswatch.store import (
    AlertRow,
    ArticleRow,
    DetectionRow,
    DevelopmentRow,
    Item,
    Store,
    utcnow,
)

MINHASH_PERMUTATIONS = 64
MINHASH_SCHEME = "affine32"  # stored signatures are only comparable under the same scheme
COPY_SIMILARITY = 0.8  # estimated Jaccard of word 5-grams above which two texts are one copy
_WORD = re.compile(r"\w+", re.UNICODE)
_TARGET_STOPWORDS = frozenset(
    {
        "the",
        "of",
        "and",
        "summit",
        "session",
        "meeting",
        "declaration",
        "statement",
        "embassy",
        "relations",
        "ties",
        "in",
        "on",
        "at",
    }
)


@dataclass(frozen=True)
class AnalysedArticle:
    """One claimed item after extraction and detection."""

    item_key: str
    article: Article
    detections: tuple[Detection, ...]
    source_tags: tuple[str, ...] = ()


@dataclass
class GroupingReport:
    new: list[int] = field(default_factory=list)  # development ids opened
    updated: list[int] = field(default_factory=list)  # development ids that got a report
    escalated: list[int] = field(default_factory=list)
    detections: list[tuple[str, str, str]] = field(default_factory=list)  # (source, type, title)


def minhash_of(text: str) -> MinHash:
    words = _WORD.findall(text.lower())
    shingles = {" ".join(words[i : i + 5]) for i in range(max(1, len(words) - 4))}
    signature = MinHash(num_perm=MINHASH_PERMUTATIONS, scheme=MINHASH_SCHEME)
    signature.update_batch([s.encode("utf-8") for s in shingles])
    return signature


def _minhash_from_bytes(raw: bytes) -> MinHash:
    return MinHash(
        num_perm=MINHASH_PERMUTATIONS,
        hashvalues=np.frombuffer(raw, dtype=np.uint64),
        scheme=MINHASH_SCHEME,
    )


def _target_words(target: str | None) -> set[str]:
    return {w for w in _WORD.findall((target or "").lower()) if w not in _TARGET_STOPWORDS}


def same_development(
    dev_type: str, dev_actors: Sequence[str], dev_target: str | None, detection: Detection
) -> bool:
    """Whether a detection reports the development (of the same type) already known.

    Same principal actor (either side's first actor appears on the other side) and compatible
    targets (one missing, or sharing a significant word). A report that names no actor ("the
    jets were delivered to Ukraine") joins on its target alone. A rupture is the same seen from
    either capital: Armenia ↔ Belarus matches Belarus ↔ Armenia."""
    if dev_type != detection.type.value:
        return False
    if detection.type == EventType.DIPLOMATIC_RUPTURE and dev_actors and detection.actors:
        pair = {dev_actors[0], dev_target} - {None}
        if pair == {detection.actors[0], detection.target} - {None} and len(pair) == 2:
            return True
    targets_match = _targets_compatible(dev_target, detection.target)
    if not dev_actors or not detection.actors:
        return bool(dev_target and detection.target) and targets_match
    actors_match = dev_actors[0] in detection.actors or detection.actors[0] in dev_actors
    return actors_match and targets_match


def _targets_compatible(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return True
    return a.lower() == b.lower() or bool(_target_words(a) & _target_words(b))


def record_articles(
    store: Store,
    analysed: Iterable[AnalysedArticle],
    config: SourcesConfig,
    default_channel: str,
    *,
    now: datetime | None = None,
) -> GroupingReport:
    report = GroupingReport()
    for entry in analysed:
        with store.session() as session:
            store.lock_grouping(session)  # grouping reads then writes: one worker at a time
            _record_one(session, entry, config, default_channel, now or utcnow(), report)
    return report


def _record_one(
    session: Session,
    entry: AnalysedArticle,
    config: SourcesConfig,
    default_channel: str,
    now: datetime,
    report: GroupingReport,
) -> None:
    item = session.scalars(select(Item).where(Item.item_key == entry.item_key)).one()
    if item.status == "done":
        return  # another run finished it between our claim and now
    article = entry.article
    signature = minhash_of(article.text)
    article_row = ArticleRow(
        item_id=item.id,
        source=article.item.source,
        url=article.item.url,
        title=article.title,
        text=article.text,
        lang=article.lang,
        text_from=article.text_from,
        fallback_reason=article.fallback_reason,
        published_at=article.item.published,
        minhash=signature.hashvalues.astype(np.uint64).tobytes(),
    )
    session.add(article_row)
    session.flush()
    # The window runs on newswatch's clock (when reports were seen), sliding from the latest
    # report: publication dates of one story's reports are often a week or more apart (an
    # announcement, then the summit-day report), and some feeds date entries wrongly.
    event_time = now
    for detection in entry.detections:
        det_row = DetectionRow(
            article_id=article_row.id,
            type=detection.type.value,
            modality=detection.modality.value,
            actors=list(detection.actors),
            target=detection.target,
            evidence=detection.evidence,
            evidence_start=detection.evidence_start,
            evidence_end=detection.evidence_end,
            rule=detection.rule,
            confidence=detection.confidence,
            reason=detection.reason,
            lang=detection.lang,
        )
        session.add(det_row)
        session.flush()
        report.detections.append((article.item.source, detection.type.value, article.title))
        window = config.developments.window
        candidates = session.scalars(
            select(DevelopmentRow)
            .where(DevelopmentRow.type == detection.type.value)
            .where(DevelopmentRow.last_seen_at >= event_time - window)
            .where(DevelopmentRow.first_seen_at <= event_time + window)
            .order_by(DevelopmentRow.id.desc())
        ).all()
        development = next(
            (d for d in candidates if same_development(d.type, d.actors, d.target, detection)), None
        )
        if development is None:
            channel = config.alerts.channels_for(
                detection.type.value, entry.source_tags, default_channel
            )
            _open_development(session, det_row, article_row, channel, event_time)
            report.new.append(det_row.development_id or 0)
            continue
        det_row.development_id = development.id
        development.report_count += 1
        development.last_seen_at = max(development.last_seen_at, event_time)
        if MODALITY_RANK[detection.modality] > MODALITY_RANK[Modality(development.modality)]:
            _escalate(session, development, det_row, article_row)
            report.escalated.append(development.id)
        elif _is_copy(session, development.id, article_row.id, signature):
            det_row.role = "copy"
            _enqueue_parent_update(session, development, det_row)
        else:
            det_row.role = "report"
            _enqueue(
                session,
                f"det:{det_row.id}:reply",
                "reply",
                development,
                development.channel,
                render_reply(_report(det_row, article_row)),
                thread_alert_id=development.parent_alert_id,
            )
            _enqueue_parent_update(session, development, det_row)
        report.updated.append(development.id)
    item.status = "done"


def _open_development(
    session: Session,
    det_row: DetectionRow,
    article_row: ArticleRow,
    channel: str,
    event_time: datetime,
) -> DevelopmentRow:
    development = DevelopmentRow(
        type=det_row.type,
        actors=list(det_row.actors),
        target=det_row.target,
        modality=det_row.modality,
        channel=channel,
        first_seen_at=event_time,
        last_seen_at=event_time,
        report_count=1,
    )
    session.add(development)
    session.flush()
    det_row.development_id = development.id
    det_row.role = "first"
    alert = _enqueue(
        session,
        f"dev:{development.id}:new",
        "new",
        development,
        channel,
        render_alert(_headline(det_row), _report(det_row, article_row)),
    )
    development.parent_alert_id = alert.id
    return development


def _escalate(
    session: Session, development: DevelopmentRow, det_row: DetectionRow, article_row: ArticleRow
) -> None:
    earlier_alert_id = development.parent_alert_id
    det_row.role = "escalation"
    development.modality = det_row.modality
    payload = render_alert(
        _headline(det_row), _report(det_row, article_row), escalates=ESCALATION_PLACEHOLDER
    )
    payload["escalates_alert_id"] = earlier_alert_id
    alert = _enqueue(
        session,
        f"det:{det_row.id}:escalation",
        "escalation",
        development,
        development.channel,
        payload,
    )
    development.parent_alert_id = alert.id


ESCALATION_PLACEHOLDER = (
    "(earlier alert)"  # replaced by the earlier message's permalink on delivery
)


def _is_copy(session: Session, development_id: int, article_id: int, signature: MinHash) -> bool:
    others = session.scalars(
        select(ArticleRow.minhash)
        .join(DetectionRow, DetectionRow.article_id == ArticleRow.id)
        .where(DetectionRow.development_id == development_id, ArticleRow.id != article_id)
    ).all()
    return any(
        raw and signature.jaccard(_minhash_from_bytes(raw)) >= COPY_SIMILARITY for raw in others
    )


def _enqueue_parent_update(
    session: Session, development: DevelopmentRow, det_row: DetectionRow
) -> None:
    """Re-render the development's top-level message with every source that reported it."""
    rows = session.execute(
        select(DetectionRow, ArticleRow)
        .join(ArticleRow, DetectionRow.article_id == ArticleRow.id)
        .where(DetectionRow.development_id == development.id)
        .order_by(DetectionRow.id)
    ).all()
    # The top-level message is the latest "first" or "escalation" report.
    head, head_article = [(d, a) for d, a in rows if d.role in ("first", "escalation")][-1]
    parent = session.get(AlertRow, development.parent_alert_id)
    earlier_alert_id = parent.payload.get("escalates_alert_id") if parent else None
    payload = render_alert(
        _headline(head),
        _report(head, head_article),
        also_reported=[_report(d, a) for d, a in rows if d.id != head.id],
        escalates=ESCALATION_PLACEHOLDER if earlier_alert_id else None,
    )
    if earlier_alert_id:
        payload["escalates_alert_id"] = earlier_alert_id
    _enqueue(
        session,
        f"det:{det_row.id}:update",
        "update",
        development,
        development.channel,
        payload,
        update_alert_id=development.parent_alert_id,
    )


def _enqueue(
    session: Session,
    dedupe_key: str,
    kind: str,
    development: DevelopmentRow | None,
    channel: str,
    payload: dict,
    *,
    thread_alert_id: int | None = None,
    update_alert_id: int | None = None,
) -> AlertRow:
    alert = AlertRow(
        dedupe_key=dedupe_key,
        kind=kind,
        development_id=development.id if development else None,
        channel=channel,
        payload=payload,
        thread_alert_id=thread_alert_id,
        update_alert_id=update_alert_id,
        status="pending",
        created_at=utcnow(),
    )
    # feedback hook (#12): held back by a mute -> on record as skipped, never sent
    if reason := mute_reason(session, kind, development, thread_alert_id or update_alert_id):
        alert.status, alert.last_error = "skipped", reason
    session.add(alert)
    session.flush()
    return alert


def _headline(row: DetectionRow) -> Headline:
    return Headline(
        type=EventType(row.type),
        modality=Modality(row.modality),
        actors=tuple(row.actors),
        target=row.target,
        reason=row.reason,
        rule=row.rule,
        confidence=row.confidence,
    )


def _report(det: DetectionRow, art: ArticleRow) -> Report:
    return Report(
        source=art.source,
        title=art.title,
        url=art.url,
        published=art.published_at,
        evidence=det.evidence,
        text_from=art.text_from,
        fallback_reason=art.fallback_reason,
    )
