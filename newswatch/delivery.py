"""Outbox delivery: pending alert rows -> a Sink (Slack or dry run), each exactly once.

Exactly once, through any crash, rests on three things:
1. an alert is leased by a conditional UPDATE (pending -> sending) before the Slack call, so two
   senders never hold the same alert;
2. it is marked sent only on Slack's ok;
3. an alert that was attempted before (a crash after the call, a 5xx, a timeout: Slack may have
   posted it) is first looked up in the channel by the outbox id carried in the message's
   metadata, and only re-posted if Slack does not have it.
Order holds per development: an alert waits until every earlier alert of its development is sent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from newswatch.alerts import AUTH_ERRORS, CHANNEL_ERRORS, Posted, Sink, SinkError, may_have_posted
from newswatch.feedback import redraw_with_note
from newswatch.models import ESCALATION_PLACEHOLDER, DeliveryReport
from newswatch.store import AlertRow, Store, utcnow

log = logging.getLogger(__name__)


def deliver_pending(
    store: Store,
    sink: Sink,
    *,
    attempts_per_run: int = 3,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryReport:
    report = DeliveryReport()
    waiting_developments: set[int] = set()  # an alert failed: its later ones wait (order)
    unavailable: set[str] = set()  # channels that kept failing transiently: try next run
    tried: set[int] = set()
    while True:
        alert = store.lease_next_alert(
            exclude_ids=tried,
            exclude_developments=waiting_developments,
            exclude_channels={*report.blocked_channels, *unavailable},
        )
        if alert is None:
            break
        tried.add(alert.id)
        error = _deliver_with_retries(store, sink, alert, attempts_per_run, backoff, sleep)
        if error is None:
            report.sent.append(alert.id)
            continue
        if alert.kind == "update" and not error.transient and error.code not in CHANNEL_ERRORS:
            # A source count Slack cannot apply (message gone, edits not allowed) is cosmetic:
            # it must not hold back the development's later alerts. The next update redraws it.
            _mark_skipped(store, alert.id, error.code)
            log.warning("update %s to %s skipped: %s", alert.id, alert.channel, error.code)
            continue
        _release(store, alert.id)
        if alert.development_id is not None:
            waiting_developments.add(alert.development_id)
        report.errors.append(f"alert {alert.id} ({alert.channel}): {error.code}")
        if error.permanent:
            report.blocked_channels[alert.channel] = error.code
            log.error(
                "Slack refuses alerts for %s: %s; alerts stay pending until fixed",
                alert.channel,
                error.code,
            )
            if error.code in AUTH_ERRORS:
                break  # the token is bad: no channel will work
        else:
            unavailable.add(alert.channel)
    with store.session() as s:
        report.pending = len(
            s.scalars(select(AlertRow.id).where(AlertRow.status.in_(("pending", "sending")))).all()
        )
    return report


def _deliver_with_retries(
    store: Store,
    sink: Sink,
    alert: AlertRow,
    attempts: int,
    backoff: float,
    sleep: Callable[[float], None],
) -> SinkError | None:
    """Send one leased alert; None when sent, else the last error (permanent ones at once)."""
    for attempt in range(attempts):
        try:
            _send(store, sink, alert)
            return None
        except SinkError as error:
            _record_error(store, alert, error.code)
            if not error.transient or attempt + 1 == attempts:
                return error  # Slack said no (or kept failing): retrying now will not help
            log.warning(
                "alert %s to %s failed (%s), attempt %d",
                alert.id,
                alert.channel,
                error.code,
                attempt + 1,
            )
            sleep(backoff * 2**attempt)
    raise AssertionError("unreachable")


def _mark_skipped(store: Store, alert_id: int, code: str) -> None:
    with store.session() as s:
        s.execute(
            update(AlertRow)
            .where(AlertRow.id == alert_id)
            .values(status="skipped", lease_until=None, last_error=code)
        )


def _release(store: Store, alert_id: int) -> None:
    with store.session() as s:
        s.execute(
            update(AlertRow)
            .where(AlertRow.id == alert_id, AlertRow.status == "sending")
            .values(status="pending", lease_until=None)
        )


def _record_error(store: Store, alert: AlertRow, code: str) -> None:
    alert.last_error = code
    with store.session() as s:
        s.execute(
            update(AlertRow)
            .where(AlertRow.id == alert.id)
            .values(last_error=code, attempts=AlertRow.attempts + 1)
        )


def _parent(store: Store, alert_id: int | None) -> AlertRow | None:
    if alert_id is None:
        return None
    with store.session() as s:
        parent = s.get(AlertRow, alert_id)
    # Leasing only the oldest unsent alert of a development guarantees its parent was sent.
    assert parent is not None and parent.status == "sent", f"alert {alert_id} not sent yet"
    return parent


def _send(store: Store, sink: Sink, alert: AlertRow) -> None:
    if alert.kind == "update":
        parent = _parent(store, alert.update_alert_id)
        if not (parent and parent.slack_channel_id and parent.slack_ts):
            raise SinkError("parent_message_has_no_ts")  # Slack gave no ts to edit
        sink.update(parent.slack_channel_id, parent.slack_ts, _payload(store, sink, alert))
        _mark_sent(store, alert, Posted(parent.slack_channel_id, parent.slack_ts))
        return
    thread = _parent(store, alert.thread_alert_id)
    thread_ts = thread.slack_ts if thread else None
    # A crash after the attempt (no error recorded) or an unanswered/5xx call may have posted.
    if alert.attempted_at is not None and (
        alert.last_error is None or may_have_posted(alert.last_error)
    ):
        posted = _already_posted(sink, alert, thread_ts)
        if posted is not None:
            log.info("alert %s was already posted (found by its metadata); not again", alert.id)
            _mark_sent(store, alert, posted)
            return
    if alert.attempted_at is None:
        _mark_attempted(store, alert)  # the first attempt's time bounds the history search
    posted = sink.post(
        alert.channel, _payload(store, sink, alert), alert_id=alert.id, thread_ts=thread_ts
    )
    _mark_sent(store, alert, posted)


def _already_posted(sink: Sink, alert: AlertRow, thread_ts: str | None) -> Posted | None:
    assert alert.attempted_at is not None
    try:
        return sink.find_posted(
            alert.channel, alert.id, since=alert.attempted_at, thread_ts=thread_ts
        )
    except SinkError as error:
        if error.transient:
            raise  # Slack is down: the alert waits, and is looked up again next time
        # The history cannot be read at all (missing scope, a server without the method): a
        # possible duplicate is better than an alert that is never delivered.
        log.warning(
            "cannot check whether alert %s reached %s before (%s); posting it again, "
            "a duplicate is possible",
            alert.id,
            alert.channel,
            error.code,
        )
        return None


def _payload(store: Store, sink: Sink, alert: AlertRow) -> dict[str, Any]:
    payload = {"text": alert.payload["text"], "blocks": alert.payload["blocks"]}
    if alert.kind == "update":  # feedback hook (#12): a redraw keeps the analysts' answers
        payload["blocks"] = redraw_with_note(store, alert.update_alert_id, payload["blocks"])
    earlier_id = alert.payload.get("escalates_alert_id")
    if earlier_id is None:
        return payload
    with store.session() as s:
        earlier = s.get(AlertRow, earlier_id)
    link = None
    if earlier is not None and earlier.slack_ts and earlier.slack_channel_id:
        link = sink.permalink(earlier.slack_channel_id, earlier.slack_ts)
    replacement = f"<{link}|earlier alert>" if link else f"earlier alert of {_when(earlier)}"
    return _replace_in(payload, ESCALATION_PLACEHOLDER, replacement)


def _when(alert: AlertRow | None) -> str:
    return alert.created_at.strftime("%Y-%m-%d %H:%M UTC") if alert else "an earlier run"


def _replace_in(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [_replace_in(v, old, new) for v in value]
    if isinstance(value, dict):
        return {k: _replace_in(v, old, new) for k, v in value.items()}
    return value


def _mark_attempted(store: Store, alert: AlertRow) -> None:
    now = utcnow()
    alert.attempted_at = now
    with store.session() as s:
        s.execute(update(AlertRow).where(AlertRow.id == alert.id).values(attempted_at=now))


def _mark_sent(store: Store, alert: AlertRow, posted: Posted) -> None:
    now: datetime = utcnow()
    with store.session() as s:
        s.execute(
            update(AlertRow)
            .where(AlertRow.id == alert.id)
            .values(
                status="sent",
                sent_at=now,
                slack_channel_id=posted.channel_id,
                slack_ts=posted.ts,
                lease_until=None,
                last_error=None,
            )
        )
