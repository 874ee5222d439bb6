"""Delivery: the sending policy that takes outbox rows to a Sink (Slack or dry run), each exactly once.

Exactly once, through any crash, lost answer or slow Slack, rests on four things:
1. an alert is leased (newswatch.outbox) before the Slack call, so two senders never hold the
   same alert; the lease is renewed before every write and before every wait, and a sender that
   finds its lease gone (it ran out and another sender took the alert) stops without posting;
2. it is marked sent only on Slack's ok (or when Slack's history shows it);
3. an alert that may have been posted before (a crash after the call, a 5xx, a dropped
   connection) is first looked up in the channel by the outbox id carried in the message's
   metadata, and only re-posted if Slack does not have it — the sinks never retry a write
   themselves;
4. a 429 is waited out here, not inside slack-sdk, so the wait is covered by the lease.
Order holds per development: an alert waits until every earlier alert of its development is
sent. A count update that a newer update of the same message from the same feed supersedes is
skipped, so one feed's many reports cost at most one chat.update per message per run.

Every outbox write goes through newswatch.outbox; this module only decides what to send, when
to wait and when to give up.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from newswatch import outbox
from newswatch.feedback import redraw_with_note
from newswatch.models import ESCALATION_PLACEHOLDER, DeliveryReport
from newswatch.redact import redact
from newswatch.sinks import AUTH_ERRORS, CHANNEL_ERRORS, Posted, Sink, SinkError, may_have_posted
from newswatch.store import AlertRow, Store

log = logging.getLogger(__name__)

MAX_WAIT = 120.0  # seconds: a longer Retry-After is not waited out; the alert waits for next run


class LeaseLost(Exception):
    """Another sender owns the alert now: this one must not touch Slack for it."""


def deliver_pending(
    store: Store,
    sink: Sink,
    *,
    attempts_per_run: int = 3,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    max_wait: float = MAX_WAIT,
    lease: timedelta = outbox.ALERT_LEASE,
) -> DeliveryReport:
    report = DeliveryReport()
    waiting_developments: set[int] = set()  # an alert failed: its later ones wait (order)
    unavailable: set[str] = set()  # channels that kept failing transiently: try next run
    tried: set[int] = set()
    policy = _Policy(store, sink, attempts_per_run, backoff, sleep, max_wait, lease)
    while True:
        alert = outbox.lease_next(
            store,
            exclude_ids=tried,
            exclude_developments=waiting_developments,
            exclude_channels={*report.blocked_channels, *unavailable},
            lease=lease,
        )
        if alert is None:
            break
        tried.add(alert.id)
        if alert.kind == "update" and outbox.newer_update_waiting(store, alert):
            outbox.mark_skipped(store, alert, "superseded")  # the newer one redraws it all
            continue
        try:
            error = policy.deliver(alert)
        except LeaseLost:
            log.warning(
                "alert %s to %s: its lease passed to another sender; this run does not send it",
                alert.id,
                alert.channel,
            )
            if alert.development_id is not None:
                waiting_developments.add(alert.development_id)
            continue
        if error is None:
            report.sent.append(alert.id)
            continue
        if alert.kind == "update" and not error.transient and error.code not in CHANNEL_ERRORS:
            # A source count Slack cannot apply (message gone, edits not allowed) is cosmetic:
            # it must not hold back the development's later alerts. The next update redraws it.
            outbox.mark_skipped(store, alert, error.code)
            log.warning("update %s to %s skipped: %s", alert.id, alert.channel, error.code)
            continue
        outbox.release(store, alert)
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
    report.pending = outbox.pending_count(store)
    return report


@dataclass
class _Policy:
    store: Store
    sink: Sink
    attempts: int
    backoff: float
    sleep: Callable[[float], None]
    max_wait: float
    lease: timedelta

    def deliver(self, alert: AlertRow) -> SinkError | None:
        """Send one leased alert; None when sent, else the last error (permanent ones at once).
        Raises LeaseLost when the lease passed to another sender."""
        failures = 0
        rate_limited = 0
        while True:
            try:
                self._send(alert)
                return None
            except SinkError as error:
                _record_error(self.store, alert, error.code)
                if error.code == "ratelimited":
                    # Slack did not process the call: waiting does not use up an attempt.
                    rate_limited += 1
                    delay = error.retry_after
                    if delay is None:
                        delay = self.backoff * 2 ** (rate_limited - 1)
                    if rate_limited > self.attempts or delay > self.max_wait:
                        return error
                else:
                    failures += 1
                    if not error.transient or failures == self.attempts:
                        return error  # Slack said no (or kept failing): retrying now won't help
                    delay = self.backoff * 2 ** (failures - 1)
                log.warning(
                    "alert %s to %s failed (%s); trying again in %.0fs",
                    alert.id,
                    alert.channel,
                    error.code,
                    delay,
                )
                self._hold(alert, delay)
                self.sleep(delay)

    def _hold(self, alert: AlertRow, seconds: float = 0.0) -> None:
        """Renew the lease to cover `seconds` of waiting plus one more call, or give up."""
        if not outbox.renew_lease(self.store, alert, timedelta(seconds=seconds) + self.lease):
            raise LeaseLost(alert.id)

    def _send(self, alert: AlertRow) -> None:
        store, sink = self.store, self.sink
        if alert.kind == "update":
            parent = _parent(store, alert.update_alert_id)
            if not (parent and parent.slack_channel_id and parent.slack_ts):
                raise SinkError("parent_message_has_no_ts")  # Slack gave no ts to edit
            payload = _payload(store, sink, alert)
            self._hold(alert)
            sink.update(parent.slack_channel_id, parent.slack_ts, payload)
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
        payload = _payload(store, sink, alert)
        self._hold(alert)  # the lease is ours right now and lasts past this call
        if alert.attempted_at is None:
            outbox.mark_attempted(store, alert)  # the first attempt's time bounds the history
        posted = sink.post(alert.channel, payload, alert_id=alert.id, thread_ts=thread_ts)
        _mark_sent(store, alert, posted)


def _record_error(store: Store, alert: AlertRow, code: str) -> None:
    # "May have posted" sticks until a history check or an ok clears it: a 429 after a lost
    # answer must not make the next attempt skip the history check.
    if may_have_posted(alert.last_error) and not may_have_posted(code):
        code = f"{str(alert.last_error).split('; then ')[0]}; then {code}"
    outbox.record_error(store, alert, code)


def _mark_sent(store: Store, alert: AlertRow, posted: Posted) -> None:
    outbox.mark_sent(store, alert, posted.channel_id, posted.ts)
    # One line per alert for operators: which channel, what (type, who → whom) and the link.
    log.info("alert %s (%s) sent to %s: %s", alert.id, alert.kind, alert.channel, _summary(alert))


def _summary(alert: AlertRow) -> str:
    text = " ".join(str(alert.payload.get("text") or "").split())
    return redact(text if len(text) <= 300 else text[:299] + "…")


def _parent(store: Store, alert_id: int | None) -> AlertRow | None:
    if alert_id is None:
        return None
    parent = outbox.get(store, alert_id)
    # Leasing only the oldest unsent alert of a development guarantees its parent was sent.
    assert parent is not None and parent.status == "sent", f"alert {alert_id} not sent yet"
    return parent


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
    earlier = outbox.get(store, earlier_id)
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
