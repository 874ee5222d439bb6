"""Analysts' answers from Slack (issue #12): judgements and mutes, and what they feed.

Owns two tables: `feedback` (one row per distinct answer: who, when, which alert, what) and
`mutes` (a development, or a principal actor by canonical name, until lifted or expired).
Offers what the rest of newswatch asks of them:
- `record` stores one click, idempotently (the same user giving the same answer to the same
  alert twice is one row), and only for a top-level alert this installation posted;
- `mute_reason` tells grouping whether an alert must be held back (developments.py writes it to
  the outbox as `skipped` with the reason, so it is on record but never sent);
- `export_corpus` writes every judged article as a labelled corpus line `newswatch evaluate`
  reads; `run_summary`/`report_lines` give the run report its "muted" section and the last
  30 days' precision.
Never talks to Slack (newswatch.listener does) and never changes an alert already queued.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, and_, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from newswatch.feedback_blocks import (
    ACTOR_MUTE_DAYS,
    FALSE_ALARM,
    MUTE_ACTOR,
    MUTE_DEVELOPMENT,
    NOT_AN_EVENT,
    WRONG_TYPE,
    WRONG_TYPE_VALUES,
    type_title,
    with_note,
)
from newswatch.store import (
    AlertRow,
    ArticleRow,
    Base,
    DetectionRow,
    DevelopmentRow,
    Store,
    UTCDateTime,
    utcnow,
)

MUTED_PREFIX = "muted: "  # AlertRow.last_error of an alert held back by a mute
TOP_LEVEL_KINDS = ("new", "escalation")  # the messages that carry the buttons
JUDGEMENTS = (FALSE_ALARM, WRONG_TYPE)  # answers that say the alert was wrong
PRECISION_WINDOW = timedelta(days=30)


class FeedbackRow(Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(300), unique=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    development_id: Mapped[int | None] = mapped_column(ForeignKey("developments.id"))
    detection_id: Mapped[int | None] = mapped_column(ForeignKey("detections.id"))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    value: Mapped[str | None] = mapped_column(String(40))
    user_id: Mapped[str] = mapped_column(String(40))
    user_name: Mapped[str] = mapped_column(String(200))
    acted_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MuteRow(Base):
    __tablename__ = "mutes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # development | actor
    development_id: Mapped[int | None] = mapped_column(ForeignKey("developments.id"), index=True)
    actor: Mapped[str | None] = mapped_column(Text, index=True)  # canonical name
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by: Mapped[str | None] = mapped_column(String(200))
    feedback_id: Mapped[int | None] = mapped_column(ForeignKey("feedback.id"))


class NotOurAlert(Exception):
    """An action for a message this installation did not post (or not a top-level alert)."""


@dataclass(frozen=True)
class Click:
    """One analyst's answer, as the listener read it from a `block_actions` payload."""

    action: str  # one of feedback_blocks.ACTIONS
    value: str | None  # the chosen type for WRONG_TYPE
    user_id: str
    user_name: str
    channel_id: str
    message_ts: str
    alert_id: int | None  # from the message metadata, when Slack includes it
    acted_at: datetime


@dataclass(frozen=True)
class Recorded:
    alert_id: int
    duplicate: bool  # the same answer was stored before: nothing new happened
    note: str  # the context line the message should show now


def _active(now: datetime) -> Any:
    return and_(
        MuteRow.lifted_at.is_(None), or_(MuteRow.expires_at.is_(None), MuteRow.expires_at > now)
    )


def _find_alert(session: Session, click: Click) -> AlertRow:
    """The top-level alert the click was on; only one this installation sent to that very
    message (channel and ts recorded when Slack accepted it) qualifies."""
    query = select(AlertRow).where(
        AlertRow.slack_channel_id == click.channel_id,
        AlertRow.slack_ts == click.message_ts,
        AlertRow.kind.in_(TOP_LEVEL_KINDS),
        AlertRow.status == "sent",
    )
    if click.alert_id is not None:
        query = query.where(AlertRow.id == click.alert_id)
    alert = session.scalars(query.order_by(AlertRow.id)).first()
    if alert is None:
        raise NotOurAlert(
            f"no alert {click.alert_id if click.alert_id is not None else ''} of this "
            f"installation at {click.channel_id}/{click.message_ts}".replace("  ", " ")
        )
    return alert


def _head_detection(session: Session, alert: AlertRow) -> DetectionRow | None:
    """The detection whose report the alert shows (its article is the one judged)."""
    if alert.kind == "escalation":
        detection_id = int(alert.dedupe_key.split(":")[1])  # "det:<id>:escalation"
        return session.get(DetectionRow, detection_id)
    return session.scalars(
        select(DetectionRow).where(
            DetectionRow.development_id == alert.development_id, DetectionRow.role == "first"
        )
    ).first()


def record(store: Store, click: Click, *, now: datetime | None = None) -> Recorded:
    """Store one answer (once), apply a mute it asks for, and return the message's new note."""
    if click.action == WRONG_TYPE and click.value not in WRONG_TYPE_VALUES:
        raise NotOurAlert(f"unknown type {click.value!r} in a wrong-type answer")
    now = now or utcnow()
    with store.session() as s:
        alert = _find_alert(s, click)
        development = s.get(DevelopmentRow, alert.development_id)
        detection = _head_detection(s, alert)
        value = click.value if click.action == WRONG_TYPE else None
        row = {
            "dedupe_key": f"{alert.id}:{click.user_id}:{click.action}:{value or ''}",
            "alert_id": alert.id,
            "development_id": alert.development_id,
            "detection_id": detection.id if detection else None,
            "article_id": detection.article_id if detection else None,
            "action": click.action,
            "value": value,
            "user_id": click.user_id,
            "user_name": click.user_name,
            "acted_at": click.acted_at,
            "received_at": now,
        }
        feedback_id = s.execute(
            store.insert_ignore(FeedbackRow.__table__).values(row).returning(FeedbackRow.id)
        ).scalar()
        if feedback_id is not None and development is not None:
            _apply_mute(s, click, development, feedback_id, now)
        return Recorded(alert.id, feedback_id is None, _note(s, alert.id, now))


def _apply_mute(
    s: Session, click: Click, development: DevelopmentRow, feedback_id: int, now: datetime
) -> None:
    if click.action == MUTE_DEVELOPMENT:
        active = s.scalars(
            select(MuteRow).where(
                MuteRow.kind == "development",
                MuteRow.development_id == development.id,
                _active(now),
            )
        ).first()
        if active is None:
            s.add(
                MuteRow(
                    kind="development",
                    development_id=development.id,
                    created_by=click.user_name,
                    created_at=now,
                    feedback_id=feedback_id,
                )
            )
    elif click.action == MUTE_ACTOR and development.actors:
        # The canonical name the detector gave the development, never text from the payload.
        actor = development.actors[0]
        until = now + timedelta(days=ACTOR_MUTE_DAYS)
        active = s.scalars(
            select(MuteRow).where(MuteRow.kind == "actor", MuteRow.actor == actor, _active(now))
        ).first()
        if active is None:
            s.add(
                MuteRow(
                    kind="actor",
                    actor=actor,
                    created_by=click.user_name,
                    created_at=now,
                    expires_at=until,
                    feedback_id=feedback_id,
                )
            )
        elif active.expires_at is not None and active.expires_at < until:
            active.expires_at = until


def _note(s: Session, alert_id: int, now: datetime) -> str:
    """Every answer given to the alert, for its context line (rebuilt from the store each time,
    so a repeated or late click can never show something the store does not hold)."""
    rows = s.scalars(
        select(FeedbackRow).where(FeedbackRow.alert_id == alert_id).order_by(FeedbackRow.id)
    ).all()
    parts: list[str] = []
    for row in rows:
        who = "@" + row.user_name
        if row.action == FALSE_ALARM:
            parts.append(f"marked false alarm by {who}")
        elif row.action == WRONG_TYPE and row.value == NOT_AN_EVENT:
            parts.append(f"marked not an event by {who}")
        elif row.action == WRONG_TYPE:
            parts.append(f"type corrected to {type_title(row.value or '')} by {who}")
        elif row.action == MUTE_DEVELOPMENT:
            parts.append(f"development muted by {who}")
        elif row.action == MUTE_ACTOR:
            mute = s.scalars(select(MuteRow).where(MuteRow.feedback_id == row.id)).first()
            if mute is None:  # another mute of the same actor was active (and was extended)
                dev = s.get(DevelopmentRow, row.development_id)
                actor = dev.actors[0] if dev and dev.actors else None
                mute = (
                    s.scalars(
                        select(MuteRow)
                        .where(MuteRow.kind == "actor", MuteRow.actor == actor)
                        .order_by(MuteRow.id.desc())
                    ).first()
                    if actor
                    else None
                )
            if mute is None:
                parts.append(f"actor mute asked by {who}, but the alert names no actor")
                continue
            until = f" until {mute.expires_at:%Y-%m-%d}" if mute.expires_at else ""
            parts.append(f"{mute.actor} muted{until} by {who}")
    return " · ".join(parts)


def redraw_with_note(store: Store, alert_id: int | None, blocks: list[dict[str, Any]]) -> list:
    """`blocks` of a top-level alert being redrawn (a new source count), with the analysts'
    answers kept on it: otherwise the next report would wipe "marked false alarm by @…"."""
    if alert_id is None:
        return blocks
    with store.session() as s:
        note = _note(s, alert_id, utcnow())
    return with_note(blocks, note) if note else blocks


# --- the pipeline's side -------------------------------------------------------------------


def mute_reason(
    session: Session,
    kind: str,
    development: DevelopmentRow | None,
    target_alert_id: int | None,
    *,
    now: datetime | None = None,
) -> str | None:
    """Why an alert about to be queued must not be sent, or None.

    A muted development gets no replies, count updates or escalations; a muted actor (the
    development's principal actor, by canonical name) gets no new top-level alerts until the
    mute expires; and a reply or update to a top-level alert that was itself held back stays
    quiet too (there is no message to thread on or edit)."""
    if development is None:
        return None
    now = now or utcnow()
    mute = session.scalars(
        select(MuteRow).where(
            MuteRow.kind == "development", MuteRow.development_id == development.id, _active(now)
        )
    ).first()
    if mute is not None:
        return f"{MUTED_PREFIX}development {development.id} muted by @{mute.created_by}"
    if kind in TOP_LEVEL_KINDS and development.actors:
        mute = session.scalars(
            select(MuteRow).where(
                MuteRow.kind == "actor", MuteRow.actor == development.actors[0], _active(now)
            )
        ).first()
        if mute is not None:
            until = f"{mute.expires_at:%Y-%m-%d %H:%M} UTC" if mute.expires_at else "lifted"
            return f"{MUTED_PREFIX}actor {mute.actor} muted by @{mute.created_by} until {until}"
    if kind not in TOP_LEVEL_KINDS and target_alert_id is not None:
        target = session.get(AlertRow, target_alert_id)
        if target is not None and (target.last_error or "").startswith(MUTED_PREFIX):
            return f"{MUTED_PREFIX}its top-level alert {target.id} was muted"
    return None


# --- mutes, for `newswatch mutes` -------------------------------------------------------------


def list_mutes(store: Store, *, now: datetime | None = None) -> list[MuteRow]:
    now = now or utcnow()
    with store.session() as s:
        return list(s.scalars(select(MuteRow).where(_active(now)).order_by(MuteRow.id)))


def lift_mute(store: Store, mute_id: int, *, by: str, now: datetime | None = None) -> bool:
    """Lift an active mute; False when there is no such active mute."""
    now = now or utcnow()
    with store.session() as s:
        lifted = s.execute(
            update(MuteRow)
            .where(MuteRow.id == mute_id, _active(now))
            .values(lifted_at=now, lifted_by=by)
        ).rowcount
    return lifted == 1


def describe_mute(mute: MuteRow, store: Store) -> str:
    if mute.kind == "actor":
        what = f"actor {mute.actor}"
    else:
        with store.session() as s:
            dev = s.get(DevelopmentRow, mute.development_id)
        who = ", ".join(dev.actors) if dev else "?"
        target = f" → {dev.target}" if dev and dev.target else ""
        what = f"development {mute.development_id} ({dev.type if dev else '?'}: {who}{target})"
    until = f"until {mute.expires_at:%Y-%m-%d %H:%M} UTC" if mute.expires_at else "until lifted"
    return f"{mute.id}\t{what}\t{until}\tby @{mute.created_by} at {mute.created_at:%Y-%m-%d %H:%M}"


# --- feedback as evaluation data --------------------------------------------------------------


def export_corpus(store: Store, path: Path) -> int:
    """Write each judged article as one corpus line (`id`, `title`, `text`, `lang`, `labels`,
    `notes`, …) for `newswatch evaluate`; returns the number of articles written.

    `labels` are the types the detector found in the article, corrected by the analysts: a
    false alarm removes the alert's type, a wrong-type answer replaces it (or, "not an event",
    clears every label); the latest answer about a detection wins. A mute says nothing against
    the alert, so a muted-only article keeps the detector's labels."""
    with store.session() as s:
        rows = s.scalars(
            select(FeedbackRow)
            .where(FeedbackRow.article_id.is_not(None))
            .order_by(FeedbackRow.acted_at, FeedbackRow.id)
        ).all()
        by_article: dict[int, list[FeedbackRow]] = defaultdict(list)
        for row in rows:
            by_article[row.article_id or 0].append(row)
        records = []
        for article_id, answers in sorted(by_article.items()):
            article = s.get(ArticleRow, article_id)
            if article is None:
                continue
            detections = {
                d.id: d.type
                for d in s.scalars(
                    select(DetectionRow).where(DetectionRow.article_id == article_id)
                )
            }
            records.append(_corpus_record(article, detections, answers))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8") as handle:
        for record_ in records:
            handle.write(json.dumps(record_, ensure_ascii=False) + "\n")
    os.replace(partial, path)  # a reader never sees half a file
    return len(records)


def _corpus_record(
    article: ArticleRow, detections: dict[int, str], answers: list[FeedbackRow]
) -> dict[str, Any]:
    verdict: dict[int, FeedbackRow] = {}  # detection id -> latest judgement
    for answer in answers:
        if answer.action in JUDGEMENTS and answer.detection_id is not None:
            verdict[answer.detection_id] = answer
    labels = set(detections.values())
    not_an_event = False
    for detection_id, answer in verdict.items():
        labels.discard(detections.get(detection_id, ""))
        if answer.action == WRONG_TYPE and answer.value == NOT_AN_EVENT:
            not_an_event = True
        elif answer.action == WRONG_TYPE and answer.value:
            labels.add(answer.value)
    if not_an_event:
        labels = set()
    notes = "; ".join(
        f"{a.action}{'=' + a.value if a.value else ''} on {detections.get(a.detection_id or 0, '?')}"
        f" by @{a.user_name} ({a.user_id}) at {a.acted_at:%Y-%m-%d %H:%M} UTC"
        for a in answers
    )
    return {
        "id": f"feedback-{article.id}",
        "outlet": article.source,
        "url": article.url,
        "date": article.published_at.date().isoformat() if article.published_at else None,
        "lang": article.lang,
        "title": article.title,
        "text": article.text,
        "labels": sorted(labels),
        "detected": sorted(set(detections.values())),
        "notes": f"Judged in Slack: {notes}",
    }


# --- the run report ---------------------------------------------------------------------------


def precision(store: Store, *, now: datetime | None = None) -> tuple[int, int]:
    """(alerts marked false alarm or wrong type, alerts judged) over the last 30 days."""
    now = now or utcnow()
    with store.session() as s:
        rows = s.execute(
            select(FeedbackRow.alert_id, FeedbackRow.action).where(
                FeedbackRow.acted_at >= now - PRECISION_WINDOW
            )
        ).all()
    judged = {alert_id for alert_id, _ in rows}
    false = {alert_id for alert_id, action in rows if action in JUDGEMENTS}
    return len(false), len(judged)


def run_summary(store: Store, since: datetime) -> dict[str, Any]:
    """The alerts a mute held back since `since` (this run) and the 30-day precision."""
    with store.session() as s:
        muted = s.execute(
            select(AlertRow, DevelopmentRow)
            .join(DevelopmentRow, AlertRow.development_id == DevelopmentRow.id)
            .where(AlertRow.created_at >= since, AlertRow.last_error.startswith(MUTED_PREFIX))
            .order_by(AlertRow.id)
        ).all()
    false, judged = precision(store)
    return {
        "muted": [
            {
                "alert": a.id,
                "kind": a.kind,
                "development": d.id,
                "type": d.type,
                "actors": d.actors,
                "target": d.target,
                "reason": (a.last_error or "").removeprefix(MUTED_PREFIX),
            }
            for a, d in muted
        ],
        "judged_30d": judged,
        "false_30d": false,
    }


def report_lines(summary: dict[str, Any] | None) -> list[str]:
    """Markdown for the run report: what a mute held back, and precision from feedback."""
    if not summary:
        return []
    lines: list[str] = []
    if summary["muted"]:
        lines += [
            "",
            "## Muted (detected and stored, not sent)",
            "",
            "| development | alert | type | who → whom | why |",
            "|---|---|---|---|---|",
        ]
        for m in summary["muted"]:
            who = ", ".join(m["actors"]) + (f" → {m['target']}" if m["target"] else "")
            lines.append(
                f"| {m['development']} | {m['kind']} | {m['type']} | "
                f"{_cell(who)} | muted: {_cell(m['reason'])} |"
            )
    judged, false = summary["judged_30d"], summary["false_30d"]
    lines += ["", "## Feedback (last 30 days)", ""]
    if judged:
        lines.append(
            f"Precision from feedback: **{(judged - false) / judged:.2f}** "
            f"({false} of {judged} judged alerts marked false alarm or wrong type)."
        )
    else:
        lines.append("No alert was judged in Slack in the last 30 days.")
    return lines


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")[:300]


# --- `newswatch mutes` and `newswatch feedback export` ----------------------------------------


def mutes_command(database_url: str, action: str, mute_id: int | None) -> int:
    """`newswatch mutes [list]` / `newswatch mutes lift ID`: exit status 0, 1 (no such mute) or
    2 (usage)."""
    store = Store(database_url)
    try:
        if action == "lift":
            if mute_id is None:
                print(
                    "newswatch mutes lift: give the ID of a mute (see `newswatch mutes`)",
                    file=sys.stderr,
                )
                return 2
            if not lift_mute(store, mute_id, by=getpass.getuser() or "cli"):
                print(f"newswatch mutes: no active mute with ID {mute_id}", file=sys.stderr)
                return 1
            print(f"mute {mute_id} lifted")
            return 0
        active = list_mutes(store)
        if not active:
            print("no active mutes")
        for mute in active:
            print(describe_mute(mute, store))
        return 0
    finally:
        store.dispose()


def export_command(database_url: str, path: Path) -> int:
    store = Store(database_url)
    try:
        count = export_corpus(store, path)
    except OSError as error:
        print(f"newswatch feedback export: cannot write {path}: {error.strerror}", file=sys.stderr)
        return 2
    finally:
        store.dispose()
    print(f"{path}: {count} judged articles (score them with `newswatch evaluate {path}`)")
    return 0
