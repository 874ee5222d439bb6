"""The outbox (newswatch/outbox.py): enqueue with and without ignore-duplicate, leases that a
sender renews only while they are still its own, release, pending count."""

from __future__ import annotations

from datetime import timedelta

from newswatch import outbox
from newswatch.store import AlertRow, Store, utcnow


def _payload(text: str) -> dict:
    return {"text": text, "blocks": []}


def test_enqueue_once_ignores_a_duplicate_key(store: Store):
    with store.session() as s:
        assert outbox.enqueue_once(s, "health:A:down", "notice", "#ops", _payload("down"))
    with store.session() as s:
        assert not outbox.enqueue_once(s, "health:A:down", "notice", "#ops", _payload("again"))
        assert outbox.has(s, "health:A:down") and not outbox.has(s, "health:B:down")
    assert outbox.pending_count(store) == 1
    leased = outbox.lease_next(store)
    assert leased is not None and leased.payload["text"] == "down"


def test_a_muted_alert_is_enqueued_as_skipped(store: Store):
    with store.session() as s:
        alert = outbox.enqueue(s, "dev:1:new", "new", "#n", _payload("x"), skipped_reason="muted")
        assert alert.id is not None and alert.status == "skipped"
    assert outbox.pending_count(store) == 0 and outbox.lease_next(store) is None


def test_a_lease_is_renewed_only_while_it_is_still_ours(store: Store, monkeypatch):
    with store.session() as s:
        outbox.enqueue(s, "k", "notice", "#n", _payload("x"))
    mine = outbox.lease_next(store, lease=timedelta(minutes=2))
    assert mine is not None
    assert outbox.renew_lease(store, mine, timedelta(minutes=2))  # still ours

    # Our process stalls past the lease; another sender takes the alert.
    later = utcnow() + timedelta(minutes=10)
    monkeypatch.setattr(outbox, "utcnow", lambda: later)
    theirs = outbox.lease_next(store)
    assert theirs is not None and theirs.id == mine.id

    assert not outbox.renew_lease(store, mine)  # the lease is theirs now
    outbox.release(store, mine)  # and ours cannot give it back
    with store.session() as s:
        row = s.get(AlertRow, mine.id)
        assert row.status == "sending" and row.lease_until == theirs.lease_until
    outbox.release(store, theirs)
    assert outbox.pending_count(store) == 1
    with store.session() as s:
        assert s.get(AlertRow, mine.id).status == "pending"
