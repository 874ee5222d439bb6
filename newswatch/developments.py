"""Group stage: detections -> developments, and the outbox rows each change calls for.

A development is one real-world event: the same event type, the same principal actor and the
same thing acted on (`EventKey`: the organisation, treaty, document's organisation or
recipient; for a meeting also its kind, venue and month when stated — the words for these are
data in identity.yaml). Reports join a development within two windows: newswatch's clock
(`developments.window`, sliding from the latest report) and the publication dates (at least
`MIN_PUBLICATION_WINDOW`), so a first poll keeps apart events published months apart.

The first report opens it (a top-level alert); a further report adds a thread reply and
updates the parent's source count; a syndicated copy (near-identical text under another URL,
found with MinHash) only updates the count; a report that moves the event on (threatened ->
announced -> carried out) opens a new top-level alert that links the earlier one. Several
developments in one article are separate messages, each saying which of them it is. A report
published more than `alerts.max_age` before the poll is stored, grouped and reported but
never alerted ("held"); a later fresh report of its development opens the alert.
Everything for one article is written in one transaction, together with the alert rows, so a
crash never leaves a detection without its alerts. This module never calls Slack.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from sqlalchemy import insert, select
from sqlalchemy.exc import NoResultFound
from sqlalchemy.orm import Session

from detectors.entities import load_entities
from newswatch import outbox
from newswatch.config import SourcesConfig
from newswatch.feedback import mute_reason
from newswatch.models import (
    ESCALATION_PLACEHOLDER,
    MODALITY_RANK,
    AnalysedArticle,
    Detection,
    EventType,
    GroupingReport,
    HeldBack,
    Modality,
    Part,
    Report,
)
from newswatch.render import render_alert, render_reply
from newswatch.store import (
    AlertRow,
    ArticleRow,
    DetectionRow,
    DevelopmentRow,
    Item,
    Store,
    utcnow,
)

if TYPE_CHECKING:
    from datasketch import MinHash

MINHASH_PERMUTATIONS = 64
MINHASH_SCHEME = "affine32"  # stored signatures are only comparable under the same scheme
COPY_SIMILARITY = 0.8  # estimated Jaccard of word 5-grams above which two texts are one copy
MIN_PUBLICATION_WINDOW = timedelta(days=21)
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


# datasketch and numpy are imported when a report is first compared, not with this module:
# datasketch pulls in scipy (~0.3 s), and a poll that finds nothing new never needs them.


def minhash_of(text: str) -> MinHash:
    from datasketch import MinHash

    words = _WORD.findall(text.lower())
    shingles = {" ".join(words[i : i + 5]) for i in range(max(1, len(words) - 4))}
    signature = MinHash(num_perm=MINHASH_PERMUTATIONS, scheme=MINHASH_SCHEME)
    signature.update_batch([s.encode("utf-8") for s in shingles])
    return signature


def _minhash_from_bytes(raw: bytes) -> MinHash:
    import numpy as np
    from datasketch import MinHash

    return MinHash(
        num_perm=MINHASH_PERMUTATIONS,
        hashvalues=np.frombuffer(raw, dtype=np.uint64),
        scheme=MINHASH_SCHEME,
    )


def _minhash_bytes(signature: MinHash) -> bytes:
    import numpy as np

    return signature.hashvalues.astype(np.uint64).tobytes()


def _target_words(target: str | None) -> set[str]:
    return {w for w in _WORD.findall((target or "").lower()) if w not in _TARGET_STOPWORDS}


def same_development(
    dev_type: str,
    dev_actors: Sequence[str],
    dev_target: str | None,
    detection: Detection,
    *,
    dev_key: EventKey | None = None,
    key: EventKey | None = None,
) -> bool:
    """Whether a detection reports the development (of the same type) already known.

    Same principal actor (either side's first actor appears on the other side) and the same
    thing acted on: compatible event keys (`EventKey`: organisation, meeting kind, venue and
    month, document, recipient — each only compared when both sides state it). A report that
    names no actor ("the jets were delivered to Ukraine") joins on its target alone. A rupture
    is the same seen from either capital: Armenia ↔ Belarus matches Belarus ↔ Armenia.
    `dev_key` is what every report of the development said so far (else read from its target);
    `key` what this report says (else read from the detection).
    """
    if dev_type != detection.type.value:
        return False
    if detection.type == EventType.DIPLOMATIC_RUPTURE and dev_actors and detection.actors:
        sides = {dev_actors[0], dev_target} - {None}
        theirs = {detection.actors[0], detection.target} - {None}
        if len(sides) == 2 and theirs <= sides:  # "Iran expels …" joins Australia ↔ Iran
            return True
    known = dev_key or event_key(dev_type, dev_target)
    key = key or event_key(dev_type, detection.target, detection.evidence)
    targets_match = known.compatible(key)
    if not dev_actors or not detection.actors:
        return bool(dev_target and detection.target) and targets_match
    theirs = _speaking_for(detection.actors)
    ours = _speaking_for(dev_actors)
    actors_match = ours[0] in theirs or theirs[0] in ours
    return actors_match and targets_match


def _speaking_for(actors: Sequence[str]) -> list[str]:
    """Actors as the states they speak for: "Nikol Pashinyan skips …" and "Armenia skips …"
    have one principal actor. Organisations and unknown names stay as they are."""
    table = load_entities()
    return [table.state_of(a) or a for a in actors]


def record_articles(
    store: Store,
    analysed: Iterable[AnalysedArticle],
    config: SourcesConfig,
    default_channel: str,
    *,
    now: datetime | None = None,
) -> GroupingReport:
    report = GroupingReport()
    ordered = sorted(analysed, key=_batch_order)
    quiet = [entry for entry in ordered if not entry.detections]
    if quiet:  # nothing to group: stored in one transaction, without the grouping lock
        with store.session() as session:
            _record_quiet(session, quiet, now)
    for entry in ordered:
        if entry.detections:
            with store.session() as session:
                store.lock_grouping(session)  # grouping reads then writes: one worker at a time
                _record_one(session, entry, config, default_channel, now or utcnow(), report)
    return report


QUIET_LOOKUP = 500  # item keys per query when storing articles without detections


def _record_quiet(
    session: Session, entries: Sequence[AnalysedArticle], now: datetime | None
) -> None:
    """Articles without detections: stored, and their items marked done, as `_record_one`
    does, but in a few statements for the whole batch (one query per QUIET_LOOKUP items, one
    multi-row insert, one executemany update) instead of a query and an insert per article:
    nothing reads their rows back in this transaction."""
    keys = list(dict.fromkeys(entry.item_key for entry in entries))
    items: dict[str, Item] = {}
    for start in range(0, len(keys), QUIET_LOOKUP):
        chunk = keys[start : start + QUIET_LOOKUP]
        items.update(
            (item.item_key, item)
            for item in session.scalars(select(Item).where(Item.item_key.in_(chunk)))
        )
    rows = []
    for entry in entries:
        item = items.get(entry.item_key)
        if item is None:
            raise NoResultFound(f"no claimed item {entry.item_key!r}")
        if item.status == "done":
            continue  # another run finished it between our claim and now (or a repeat)
        rows.append(
            ArticleRow.values_of(
                entry.article, item_id=item.id, stored_at=now or utcnow(), minhash=None
            )
        )
        item.status = "done"  # written with the session's flush, for all items at once
    if rows:
        session.execute(insert(ArticleRow), rows)


def _batch_order(entry: AnalysedArticle) -> tuple[int, float]:
    """Within one poll, the furthest-along reports first, then the oldest first: a batch that
    holds both "will not attend" and "stayed away" opens one alert at "carried out" (with the
    other as a reply) instead of two top-level messages a second apart. A development moves
    on with a new top-level alert only when the later stage arrives in a later poll."""
    furthest = max((MODALITY_RANK[d.modality] for d in entry.detections), default=0)
    published = entry.article.item.published
    return -furthest, published.timestamp() if published else float("inf")


def held_back_reason(published: datetime | None, now: datetime, max_age: timedelta) -> str | None:
    """Why a report is stored but not alerted: published longer than `alerts.max_age` before
    this poll (a new installation or a new source must not alert on a feed's whole archive).
    None when it is alerted: fresh, undated (nothing to judge by), or the limit is off (0)."""
    if not max_age or published is None or published >= now - max_age:
        return None
    hours = max_age.total_seconds() / 3600
    limit = f"{hours / 24:g} days" if hours >= 48 and hours % 24 == 0 else f"{hours:g} h"
    return f"published {published:%Y-%m-%d %H:%M} UTC, more than {limit} before this poll"


def publication_window(config: SourcesConfig) -> timedelta:
    # Reports of one event are published up to two weeks or more apart (the announcement, then
    # the summit-day report): never bound them tighter than that, whatever the clock window.
    return max(config.developments.window, MIN_PUBLICATION_WINDOW)


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
    # Only reports grouped into a development are ever compared as copies (_is_copy); the
    # articles without detections went through _record_quiet without one.
    signature = minhash_of(article.text)
    article_row = ArticleRow.from_article(
        article,
        item_id=item.id,
        stored_at=now,  # the grouping clock (tests and replays pass their own)
        minhash=_minhash_bytes(signature),
    )
    session.add(article_row)
    session.flush()
    # Two clocks bound a development. newswatch's own (when reports were seen) slides from the
    # latest report; but on a first poll everything is "now", so the publication dates bound it
    # too: reports published months apart are different events even when polled together.
    # A date in the future (a feed dating entries wrongly) counts as now.
    published = min(article.item.published, now) if article.item.published else now
    held = held_back_reason(article.item.published, now, config.alerts.max_age)
    # Several developments of one article are posted in the order the article tells them,
    # each saying which of them it is ("2 of 3 developments in this article").
    detections = sorted(entry.detections, key=lambda d: d.evidence_start)
    types = [d.type for d in detections]
    for detection in detections:
        det_row = DetectionRow.from_detection(detection, article_id=article_row.id)
        session.add(det_row)
        session.flush()
        report.detections.append((article.item.source, detection.type.value, article.title))
        development = _find_development(session, detection, article.title, config, now, published)
        part = _part(types, detection.type)
        if development is None:
            channel = config.alerts.channels_for(
                detection.type.value, entry.source_tags, default_channel
            )
            development = _new_development(session, det_row, channel, now)
            if held:
                det_row.role = "held"
            else:
                _open_alert(session, development, det_row, article_row, part)
            report.new.append(development.id)
        else:
            det_row.development_id = development.id
            development.report_count += 1
            development.last_seen_at = max(development.last_seen_at, now)
            report.updated.append(development.id)
            if held:
                det_row.role = "held"  # counted, shown in the report, never alerted
            elif development.parent_alert_id is None:
                # Every earlier report was held back: this fresh one is the first alert.
                development.modality = det_row.modality
                _open_alert(session, development, det_row, article_row, part)
            elif MODALITY_RANK[detection.modality] > MODALITY_RANK[Modality(development.modality)]:
                _escalate(session, development, det_row, article_row, part)
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
        if held:
            report.held_back.append(
                HeldBack(
                    development.id, article.item.source, detection.type.value, article.title, held
                )
            )
    item.status = "done"


def _find_development(
    session: Session,
    detection: Detection,
    title: str,
    config: SourcesConfig,
    now: datetime,
    published: datetime,
) -> DevelopmentRow | None:
    """The known development this detection reports, if any: the same event (see
    `same_development`) seen within the clock window, with publication dates within the
    publication window; the closest in publication time when several qualify."""
    window = config.developments.window
    candidates = session.scalars(
        select(DevelopmentRow)
        .where(DevelopmentRow.type == detection.type.value)
        .where(DevelopmentRow.last_seen_at >= now - window)
        .where(DevelopmentRow.first_seen_at <= now + window)
        .order_by(DevelopmentRow.id.desc())
    ).all()
    if not candidates:
        return None
    reports = session.execute(
        select(
            DetectionRow.development_id,
            DetectionRow.target,
            DetectionRow.evidence,
            ArticleRow.title,
            ArticleRow.published_at,
            ArticleRow.stored_at,
        )
        .join(ArticleRow, DetectionRow.article_id == ArticleRow.id)
        .where(DetectionRow.development_id.in_([d.id for d in candidates]))
    ).all()
    keys: dict[int, EventKey] = {}
    dates: dict[int, list[datetime]] = defaultdict(list)
    for dev_id, target, evidence, their_title, published_at, stored_at in reports:
        said = event_key(detection.type.value, target, evidence, their_title)
        keys[dev_id] = keys[dev_id].merge(said) if dev_id in keys else said
        dates[dev_id].append(min(published_at, stored_at) if published_at else stored_at)
    span = publication_window(config)
    key = event_key(detection.type.value, detection.target, detection.evidence, title)
    best: tuple[timedelta, DevelopmentRow] | None = None
    for development in candidates:
        when = dates.get(development.id) or [development.first_seen_at]
        distance = max(timedelta(0), min(when) - published, published - max(when))
        if distance > span:
            continue
        if not same_development(
            development.type,
            development.actors,
            development.target,
            detection,
            dev_key=keys.get(development.id),
            key=key,
        ):
            continue
        if best is None or distance < best[0]:
            best = (distance, development)
    return best[1] if best else None


def _part(types: Sequence[EventType], own: EventType) -> Part | None:
    """Where this development sits among the article's developments ("1 of 3")."""
    if len(types) < 2:
        return None
    return Part(
        index=types.index(own) + 1,
        total=len(types),
        others=tuple(t for t in types if t != own),
    )


def _new_development(
    session: Session, det_row: DetectionRow, channel: str, now: datetime
) -> DevelopmentRow:
    development = DevelopmentRow(
        type=det_row.type,
        actors=list(det_row.actors),
        target=det_row.target,
        modality=det_row.modality,
        channel=channel,
        first_seen_at=now,
        last_seen_at=now,
        report_count=1,
    )
    session.add(development)
    session.flush()
    det_row.development_id = development.id
    return development


def _open_alert(
    session: Session,
    development: DevelopmentRow,
    det_row: DetectionRow,
    article_row: ArticleRow,
    part: Part | None,
) -> None:
    """The development's top-level message, from this report."""
    det_row.role = "first"
    alert = _enqueue(
        session,
        f"dev:{development.id}:new",
        "new",
        development,
        development.channel,
        render_alert(det_row.headline(), _report(det_row, article_row), part=part),
    )
    development.parent_alert_id = alert.id


def _escalate(
    session: Session,
    development: DevelopmentRow,
    det_row: DetectionRow,
    article_row: ArticleRow,
    part: Part | None,
) -> None:
    earlier_alert_id = development.parent_alert_id
    det_row.role = "escalation"
    development.modality = det_row.modality
    payload = render_alert(
        det_row.headline(),
        _report(det_row, article_row),
        escalates=ESCALATION_PLACEHOLDER,
        part=part,
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
    article_types = session.scalars(
        select(DetectionRow.type)
        .where(DetectionRow.article_id == head.article_id)
        .order_by(DetectionRow.id)
    ).all()
    payload = render_alert(
        head.headline(),
        _report(head, head_article),
        also_reported=[_report(d, a) for d, a in rows if d.id != head.id],
        escalates=ESCALATION_PLACEHOLDER if earlier_alert_id else None,
        part=_part([EventType(t) for t in article_types], EventType(head.type)),
    )
    if earlier_alert_id:
        payload["escalates_alert_id"] = earlier_alert_id
    # Which feed's report asked for this redraw: delivery sends one count update per message
    # per feed per run (a feed listing 100 copies of one story must not cost 100 chat.updates).
    this_report = next((a for d, a in rows if d.id == det_row.id), None)
    payload["counted_from"] = this_report.source if this_report else None
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
    # feedback hook (#12): held back by a mute -> on record as skipped, never sent
    return outbox.enqueue(
        session,
        dedupe_key,
        kind,
        channel,
        payload,
        development_id=development.id if development else None,
        thread_alert_id=thread_alert_id,
        update_alert_id=update_alert_id,
        skipped_reason=mute_reason(session, kind, development, thread_alert_id or update_alert_id),
    )


def _report(det: DetectionRow, art: ArticleRow) -> Report:
    return art.report(body_quote(det.evidence, art.title, art.text))


# --- identity: what the event is -------------------------------------------------------------

_IDENTITY_FILE = Path(__file__).with_name("identity.yaml")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_CLAUSE_END = re.compile(r"[,;:()\u2013\u2014]")


@dataclass(frozen=True)
class _Vocabulary:
    kinds: tuple[tuple[str, re.Pattern[str]], ...]
    venue: re.Pattern[str]
    months: tuple[tuple[int, re.Pattern[str]], ...]
    meeting_word: re.Pattern[str]


def _any_of(patterns: Iterable[str]) -> str:
    return "(?:" + "|".join(patterns) + ")"


@cache
def _vocabulary() -> _Vocabulary:
    data = yaml.safe_load(_IDENTITY_FILE.read_text(encoding="utf-8"))
    return _Vocabulary(
        kinds=tuple(
            (kind, re.compile(_any_of(words), re.I))
            for kind, words in data["meeting_kinds"].items()
        ),
        # A capitalised word after a preposition of place: "in Almaty", "в Алматы".
        venue=re.compile(
            r"(?<!\w)(?i:" + "|".join(data["venue_prepositions"]) + r")\s+([A-ZА-ЯЁ][\w-]+)"
        ),
        months=tuple(
            (int(month), re.compile(r"(?<!\w)" + _any_of(words) + r"(?!\w)"))
            for month, words in data["months"].items()
        ),
        meeting_word=re.compile(r"(?<!\w)" + _any_of(data["meeting_words"]), re.I),
    )


@dataclass(frozen=True)
class EventKey:
    """What a development is about, normalised across outlets and languages.

    `entities`: canonical organisations, treaties, states named as the thing acted on (the
    alliance left, the recipient, the summit or document's organisation); `kind`: the meeting's
    kind (summit, ministers, parliament; outlets call one document a declaration, a statement
    or a communiqué, so a document's word is not compared); `venue`: the
    meeting's place (a state, "@Belarus", for a capital; else the word as written); `month`:
    the meeting's month when stated. None means "not stated": it matches anything."""

    entities: frozenset[str] = frozenset()
    kind: str | None = None
    venue: str | None = None
    month: int | None = None
    words: frozenset[str] = frozenset()  # the target's own words: the last resort

    def merge(self, other: EventKey) -> EventKey:
        """What several reports of one development state together."""
        return EventKey(
            entities=self.entities | other.entities,
            kind=self.kind or other.kind,
            venue=self.venue or other.venue,
            month=self.month or other.month,
            words=self.words | other.words,
        )

    def compatible(self, other: EventKey) -> bool:
        same_meeting = (
            self.venue is not None
            and other.venue is not None
            and self.kind is not None
            and self.kind == other.kind
            and _same_venue(self.venue, other.venue)
        )
        # Outlets name one meeting's organiser differently ("the EU summit in Warsaw", "the
        # Eastern Partnership summit in Warsaw"): the same kind at the same place is enough.
        disjoint = bool(self.entities and other.entities and not self.entities & other.entities)
        if disjoint and not same_meeting:
            return False
        if self.kind and other.kind and self.kind != other.kind:
            return False
        if self.month and other.month and self.month != other.month:
            return False
        if self.venue and other.venue and not _same_venue(self.venue, other.venue):
            return False
        if not self.entities and not other.entities and self.words and other.words:
            return bool(self.words & other.words)
        return True


def _same_venue(a: str, b: str) -> bool:
    # A place outside the alias table is compared as written, so only within one script:
    # "Almaty" and "Алматы" are not evidence of two meetings.
    if a.startswith("@") or b.startswith("@") or _script(a) == _script(b):
        return a == b
    return True


def _script(text: str) -> str:
    return "cyrillic" if re.search(r"[а-яё]", text, re.I) else "latin"


@lru_cache(maxsize=4096)  # every candidate's reports are keyed again for each new report
def event_key(event_type: str, target: str | None, evidence: str = "", title: str = "") -> EventKey:
    """The identity facets of one report: read from the detector's target first, then from
    the evidence sentence, then from the headline, where the target is silent (or generic: a
    detector that cannot tell the kind of a meeting calls it a summit)."""
    vocab = _vocabulary()
    table = load_entities()
    target = target or ""
    head, _, rest = target.partition(",")
    entities: set[str] = set()
    venue: str | None = None
    for mention in table.find(target):
        if mention.via == "capital" or (
            mention.start > len(head) and mention.entity.kind == "state"
        ):
            venue = venue or f"@{mention.entity.state or mention.entity.name}"
        elif mention.entity.kind != "person":
            entities.add(mention.entity.name)
    if venue is None and rest.strip():
        place = rest.split(",")[0].strip()
        if place and not _month_in(place):
            venue = place.casefold()
    month = _month_in(target)
    words = _target_words(target)
    kind: str | None = None
    if event_type == EventType.SUMMIT_BOYCOTT.value:
        target_kind = _first_kind(vocab.kinds, target)
        if target_kind in (None, "summit"):
            stated = _first_kind(vocab.kinds, evidence) or _first_kind(vocab.kinds, title)
            kind = stated or target_kind
        else:
            kind = target_kind
        venue = venue or _venue_in(target) or _venue_in(evidence) or _venue_in(title)
        month = month or _meeting_month(evidence) or _meeting_month(title)
    return EventKey(frozenset(entities), kind, venue, month, frozenset(words))


def _first_kind(kinds: Sequence[tuple[str, re.Pattern[str]]], text: str) -> str | None:
    found = [(m.start(), kind) for kind, pattern in kinds if (m := pattern.search(text))]
    return min(found)[1] if found else None


def _month_in(text: str) -> int | None:
    found = [(m.start(), month) for month, p in _vocabulary().months if (m := p.search(text))]
    return min(found)[1] if found else None


def _meeting_month(text: str) -> int | None:
    """A month written within a few words of a meeting word ("the November 22-23 sessions")."""
    for meeting in _vocabulary().meeting_word.finditer(text):
        around = text[max(0, meeting.start() - 25) : meeting.end() + 25]
        if (month := _month_in(around)) is not None:
            return month
    return None


def _venue_in(evidence: str) -> str | None:
    """The meeting's place in the evidence: a place after a preposition right behind a meeting
    word, in the same clause ("the summit in Minsk", "the Council of Foreign Ministers in
    Almaty", "саммите ЕАЭС в Москве"). A capital counts as its state. A place elsewhere in the
    sentence is more often where someone spoke ("speaking in Yerevan, he said …") than where
    the meeting is, so it is not taken."""
    table = load_entities()
    vocab = _vocabulary()
    for meeting in vocab.meeting_word.finditer(evidence):
        clause = _CLAUSE_END.split(evidence[meeting.end() : meeting.end() + 60], maxsplit=1)[0]
        for place in vocab.venue.finditer(clause):
            name = place.group(1)
            known = table.find(name)
            if not known:
                return name.casefold()
            if known[0].entity.kind == "state":
                return f"@{known[0].entity.state or known[0].entity.name}"
    return None


def body_quote(evidence: str, title: str, text: str) -> str:
    """The evidence to quote: a sentence of the body, never the headline again. When the
    detector's proof was the headline, the body sentence that shares most words with it."""
    if _norm(evidence) != _norm(title) and evidence.strip() in text:
        return evidence
    wanted = _target_words(evidence)
    sentences = [s for s in _SENTENCE_END.split(text.strip()) if s and _norm(s) != _norm(title)]
    if not sentences:
        return evidence
    return max(sentences[:40], key=lambda s: len(_target_words(s) & wanted))


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))
