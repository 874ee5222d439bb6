"""The outbox: the one owner of every write to the alerts table and every change of its state.

An alert row is written before any Slack call (in the same transaction as the development it
announces), then moves pending -> sending (leased) -> sent; a failed attempt puts it back to
pending; an update Slack can never apply, a superseded count update or a muted alert ends as
skipped. Grouping, health notices and the digest enqueue here; delivery leases and marks here.

Exactly once rests on the lease: a sender owns an alert only while `lease_until` still holds
the value its own lease (or renewal) wrote. Every renewal is conditional on that value, so a
sender whose lease ran out and was taken over learns it before its next Slack call and never
posts the alert again.

This module never talks to Slack and never decides *whether* to send (delivery.py does).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from newswatch.store import AlertRow, Store, utcnow

ALERT_LEASE = timedelta(minutes=2)  # a sender holds an alert at most this long between renewals
UNSENT = ("pending", "sending")


# --- enqueue --------------------------------------------------------------------------------


def enqueue(
    session: Session,
    dedupe_key: str,
    kind: str,
    channel: str,
    payload: dict[str, Any],
    *,
    development_id: int | None = None,
    thread_alert_id: int | None = None,
    update_alert_id: int | None = None,
    skipped_reason: str | None = None,
) -> AlertRow:
    """Add one alert inside the caller's transaction and return it with its id.

    The dedupe key is unique: a second enqueue of the same key fails the transaction, which is
    what grouping wants (it runs under the grouping lock, so a duplicate is a bug).
    `skipped_reason`: the alert is kept on record but never sent (e.g. a mute)."""
    alert = AlertRow(
        dedupe_key=dedupe_key,
        kind=kind,
        development_id=development_id,
        channel=channel,
        payload=payload,
        thread_alert_id=thread_alert_id,
        update_alert_id=update_alert_id,
        status="skipped" if skipped_reason else "pending",
        last_error=skipped_reason,
        attempts=0,
        created_at=utcnow(),
    )
    session.add(alert)
    session.flush()
    return alert


def enqueue_once(
    session: Session, dedupe_key: str, kind: str, channel: str, payload: dict[str, Any]
) -> bool:
    """Add an alert unless one with this key exists (INSERT … ON CONFLICT DO NOTHING); True
    when this call added it. For notices and digests that several runs may write at once."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(AlertRow.__table__)
        .values(
            dedupe_key=dedupe_key,
            kind=kind,
            channel=channel,
            payload=payload,
            status="pending",
            attempts=0,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing()
    )
    return session.execute(statement).rowcount == 1


def has(session: Session, dedupe_key: str) -> bool:
    return (
        session.scalars(select(AlertRow.id).where(AlertRow.dedupe_key == dedupe_key)).first()
        is not None
    )


# --- leases ---------------------------------------------------------------------------------


def lease_next(
    store: Store,
    *,
    exclude_ids: Iterable[int] = (),
    exclude_developments: Iterable[int] = (),
    exclude_channels: Iterable[str] = (),
    lease: timedelta = ALERT_LEASE,
) -> AlertRow | None:
    """Lease the oldest due alert (pending, or its sender's lease ran out) and return it,
    or None when nothing is due.

    Only the oldest unsent alert of a development is ever due, so several senders keep a
    development's order (its top-level message, then replies and chat.updates in the order
    they were written) — a sender never posts a reply, or an older source count, past
    another sender. On PostgreSQL the candidate row is locked `FOR UPDATE SKIP LOCKED`:
    concurrent senders pass over each other's candidates instead of queueing behind them;
    the conditional UPDATE keeps the lease exclusive on SQLite too.
    """
    now = utcnow()
    earlier = aliased(AlertRow)
    due = or_(
        AlertRow.status == "pending",
        and_(AlertRow.status == "sending", AlertRow.lease_until < now),
    )
    blocked_by_earlier = exists().where(
        earlier.development_id == AlertRow.development_id,
        earlier.id < AlertRow.id,
        earlier.status.not_in(("sent", "skipped")),  # skipped: an update given up on
    )
    query = select(AlertRow.id).where(due, ~blocked_by_earlier)
    if ids := list(exclude_ids):
        query = query.where(AlertRow.id.not_in(ids))
    if developments := list(exclude_developments):
        query = query.where(
            or_(AlertRow.development_id.is_(None), AlertRow.development_id.not_in(developments))
        )
    if channels := list(exclude_channels):
        query = query.where(AlertRow.channel.not_in(channels))
    query = query.order_by(AlertRow.id).limit(1).with_for_update(skip_locked=True, of=AlertRow)
    until = now + lease
    with store.session() as s:
        alert_id = s.execute(query).scalar()
        if alert_id is None:
            return None
        leased = s.execute(
            update(AlertRow)
            .where(AlertRow.id == alert_id, due)
            .values(status="sending", lease_until=until)
        ).rowcount
        if leased != 1:
            return None
        alert = s.get(AlertRow, alert_id)
        assert alert is not None
        alert.lease_until = until  # our token: renewals are conditional on it
        return alert


def renew_lease(store: Store, alert: AlertRow, hold: timedelta = ALERT_LEASE) -> bool:
    """Extend this sender's lease to now + `hold`; False when the lease is no longer ours
    (it ran out and another sender took the alert, or the alert was finished elsewhere)."""
    until = utcnow() + hold
    with store.session() as s:
        renewed = s.execute(
            update(AlertRow)
            .where(
                AlertRow.id == alert.id,
                AlertRow.status == "sending",
                AlertRow.lease_until == alert.lease_until,
            )
            .values(lease_until=until)
        ).rowcount
    if renewed == 1:
        alert.lease_until = until
    return renewed == 1


def release(store: Store, alert: AlertRow) -> None:
    """Give a leased alert back (pending) after a failed attempt; a lease already lost is not
    touched, so a sender never undoes another sender's work."""
    with store.session() as s:
        s.execute(
            update(AlertRow)
            .where(
                AlertRow.id == alert.id,
                AlertRow.status == "sending",
                AlertRow.lease_until == alert.lease_until,
            )
            .values(status="pending", lease_until=None)
        )


# --- state changes --------------------------------------------------------------------------


def mark_attempted(store: Store, alert: AlertRow) -> None:
    """Record the first attempt's time (it bounds the history search after a lost answer)."""
    now = utcnow()
    alert.attempted_at = now
    with store.session() as s:
        s.execute(update(AlertRow).where(AlertRow.id == alert.id).values(attempted_at=now))


def record_error(store: Store, alert: AlertRow, code: str) -> None:
    alert.last_error = code
    with store.session() as s:
        s.execute(
            update(AlertRow)
            .where(AlertRow.id == alert.id)
            .values(last_error=code, attempts=AlertRow.attempts + 1)
        )


def mark_sent(store: Store, alert: AlertRow, channel_id: str, ts: str | None) -> None:
    """Slack has the message (it said ok, or its history shows it): sent, whatever the lease."""
    with store.session() as s:
        s.execute(
            update(AlertRow)
            .where(AlertRow.id == alert.id)
            .values(
                status="sent",
                sent_at=utcnow(),
                slack_channel_id=channel_id,
                slack_ts=ts,
                lease_until=None,
                last_error=None,
            )
        )


def mark_skipped(store: Store, alert: AlertRow, code: str) -> None:
    """Never to be sent (an update Slack cannot apply, or one a newer update supersedes)."""
    with store.session() as s:
        s.execute(
            update(AlertRow)
            .where(AlertRow.id == alert.id)
            .values(status="skipped", lease_until=None, last_error=code)
        )


# --- reads ----------------------------------------------------------------------------------


def get(store: Store, alert_id: int) -> AlertRow | None:
    with store.session() as s:
        return s.get(AlertRow, alert_id)


def newer_update_waiting(store: Store, alert: AlertRow) -> bool:
    """Is a later, unsent chat.update of the same message, asked for by the same feed, queued?
    Each update re-renders the whole message, so only the newest of them needs sending."""
    source = alert.payload.get("counted_from")
    if source is None:
        return False
    with store.session() as s:
        newer = s.scalars(
            select(AlertRow.payload).where(
                AlertRow.kind == "update",
                AlertRow.update_alert_id == alert.update_alert_id,
                AlertRow.id > alert.id,
                AlertRow.status.in_(UNSENT),
            )
        ).all()
    return any(payload.get("counted_from") == source for payload in newer)


def pending_count(store: Store) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).where(AlertRow.status.in_(UNSENT))) or 0
