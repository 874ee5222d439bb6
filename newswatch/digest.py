"""The optional digest: one summary message per channel per hour or day, listing the
developments first alerted in the previous complete period. One per period, whichever run or
worker gets there first (the outbox's unique key), and none for an empty period."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from newswatch import outbox
from newswatch.config import Digest
from newswatch.models import EventType, Modality
from newswatch.render import (
    MODALITY_WORDS,
    TYPE_EMOJI,
    development_label,
    escape,
    plural,
    render_notice,
)
from newswatch.store import AlertRow, DevelopmentRow, Store, utcnow


def previous_period(now: datetime, every: str) -> tuple[datetime, datetime]:
    """The last complete UTC hour or day before `now`."""
    if every == "hourly":
        end = now.replace(minute=0, second=0, microsecond=0)
        return end - timedelta(hours=1), end
    end = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return end - timedelta(days=1), end


def enqueue_digest(
    store: Store, digest: Digest, default_channel: str, now: datetime | None = None
) -> bool:
    """Write the digest of the previous period to the outbox if it is due; True if written."""
    channel = digest.channel or default_channel
    start, end = previous_period(now or utcnow(), digest.every)
    key = f"digest:{channel}:{start.isoformat()}"
    with store.session() as s:
        if outbox.has(s, key):
            return False
        rows = s.execute(
            select(DevelopmentRow, AlertRow)
            .join(AlertRow, AlertRow.development_id == DevelopmentRow.id)
            .where(AlertRow.kind.in_(("new", "escalation")))
            .where(AlertRow.created_at >= start, AlertRow.created_at < end)
            .order_by(AlertRow.id)
        ).all()
        if not rows:
            return False
        label = (
            f"{start:%Y-%m-%d %H:00}–{end:%H:00} UTC"
            if digest.every == "hourly"
            else f"{start:%Y-%m-%d}"
        )
        lines = [f":bookmark_tabs: *newswatch digest, {label}*: {plural(len(rows), 'development')}"]
        for development, _alert in rows:
            event_type = EventType(development.type)
            what = development_label(event_type, development.actors, development.target)
            lines.append(
                f"{TYPE_EMOJI[event_type]} *{escape(what)}* "
                f"({MODALITY_WORDS[Modality(development.modality)]}) — "
                f"{plural(development.report_count, 'report')}"
            )
        # Two workers may get here at once: the second one's insert is ignored.
        return outbox.enqueue_once(s, key, "digest", channel, render_notice("\n".join(lines)))
