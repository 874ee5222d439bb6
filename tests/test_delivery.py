"""Exactly-once delivery from the outbox, against the loopback Slack: rate limits, 5xx, lost
responses, an outage, permanent errors, and processes killed mid-delivery."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from newswatch.config import parse_sources
from newswatch.delivery import deliver_pending
from newswatch.developments import record_articles
from newswatch.models import EventType
from newswatch.sinks import SlackSink
from newswatch.store import AlertRow, Store, utcnow
from tests.builders import analysed, claim, detection

REPO = Path(__file__).resolve().parents[1]
NO_SLEEP = {"sleep": lambda _: None}
CONFIG = parse_sources('sources:\n  - {name: A, url: "https://a.example/rss"}\n')


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


def three_developments(store: Store) -> None:
    """Three developments; the first reported twice (a reply and a count update follow it)."""
    entries = [
        analysed("boycott-1", detection(), source="A"),
        analysed("boycott-2", detection(), source="B"),
        analysed(
            "arms", detection(EventType.ARMS_TRANSFER, actors=("Belarus",), target="Azerbaijan")
        ),
        analysed(
            "ties", detection(EventType.DIPLOMATIC_RUPTURE, actors=("Armenia",), target="Belarus")
        ),
    ]
    claim(store, *entries)
    record_articles(store, entries, CONFIG, "#newswatch")


def posts_per_alert(slack) -> Counter:
    return Counter(m.metadata["event_payload"]["alert_id"] for m in slack.state.messages)


def all_sent(store: Store) -> bool:
    with store.session() as s:
        return {a.status for a in s.scalars(select(AlertRow))} == {"sent"}


def test_rate_limits_server_errors_and_a_lost_response_still_deliver_each_alert_once(db_url, slack):
    store = Store(db_url)
    three_developments(store)
    slack.fail("chat.postMessage", ("429", 1), ("http", 500), ("post_then_500",), ("http", 503))
    sink = SlackSink(slack.state.token, base_url=slack.base_url)

    first = deliver_pending(store, sink, **NO_SLEEP)
    second = deliver_pending(store, sink, **NO_SLEEP)

    assert all_sent(store), (first, second)
    counts = posts_per_alert(slack)
    assert set(counts.values()) == {1} and len(counts) == 4  # 3 top-level + 1 reply, none twice
    statuses = [c.status for c in slack.state.calls_to("chat.postMessage")]
    assert statuses[:3] == [429, 500, 500]  # delivery waited out the 429 (Retry-After)
    assert statuses.count(200) == 3  # the 4th message was stored by Slack despite its 500
    assert slack.state.calls_to("conversations.history"), (
        "a lost response must be checked, not re-posted"
    )


def test_an_outage_keeps_alerts_pending_and_the_next_run_delivers_them_once(db_url, slack):
    store = Store(db_url)
    three_developments(store)
    slack.fail("chat.postMessage", *[("http", 503)] * 100)
    sink = SlackSink(slack.state.token, base_url=slack.base_url)

    during = deliver_pending(store, sink, **NO_SLEEP)
    assert during.sent == [] and during.pending == 5
    # Transient failures stop the run's attempts on that channel: a dead Slack costs 3 calls.
    assert len(slack.state.calls_to("chat.postMessage")) == 3

    slack.state.failures.clear()
    after = deliver_pending(store, sink, **NO_SLEEP)
    assert after.pending == 0 and all_sent(store)
    assert set(posts_per_alert(slack).values()) == {1}


def test_permanent_errors_stop_the_channel_and_keep_alerts_pending_until_fixed(db_url, slack):
    store = Store(db_url)
    three_developments(store)
    del slack.state.channels["C0NEWS0001"]
    sink = SlackSink(slack.state.token, base_url=slack.base_url)

    broken = deliver_pending(store, sink, **NO_SLEEP)
    assert broken.blocked_channels == {"#newswatch": "channel_not_found"}
    assert len(slack.state.calls_to("chat.postMessage")) == 1  # no retry storm
    assert broken.pending == 5

    slack.state.channels["C0NEWS0001"] = "newswatch"
    fixed = deliver_pending(store, sink, **NO_SLEEP)
    assert fixed.pending == 0 and set(posts_per_alert(slack).values()) == {1}


def test_invalid_token_blocks_every_channel(db_url, slack):
    store = Store(db_url)
    three_developments(store)
    report = deliver_pending(store, SlackSink("xoxb-wrong", base_url=slack.base_url), **NO_SLEEP)
    assert report.blocked_channels == {"#newswatch": "invalid_auth"} and report.pending == 5
    assert len(slack.state.calls) == 1


@pytest.mark.parametrize("crash_point", ["before_post", "after_post"])
def test_a_process_killed_mid_delivery_delivers_once_after_restart(db_url, slack, crash_point):
    store = Store(db_url)
    three_developments(store)
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.fixtures.crash_delivery",
            db_url,
            slack.base_url,
            slack.state.token,
            crash_point,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 9, child.stderr
    assert len(slack.state.messages) == (1 if crash_point == "after_post" else 0)
    with store.session() as s:
        crashed = s.scalars(select(AlertRow).where(AlertRow.status == "sending")).one()
    # A restarted sender waits out the dead one's lease; pretend that time has passed.
    with store.session() as s:
        s.execute(
            update(AlertRow)
            .where(AlertRow.id == crashed.id)
            .values(lease_until=utcnow() - timedelta(seconds=1))
        )

    report = deliver_pending(
        store, SlackSink(slack.state.token, base_url=slack.base_url), **NO_SLEEP
    )

    assert report.pending == 0 and all_sent(store)
    assert set(posts_per_alert(slack).values()) == {1}
    assert len(posts_per_alert(slack)) == 4


def test_a_live_lease_is_not_stolen(db_url, slack):
    store = Store(db_url)
    three_developments(store)
    with store.session() as s:
        s.execute(
            update(AlertRow).values(status="sending", lease_until=utcnow() + timedelta(minutes=1))
        )
    report = deliver_pending(
        store, SlackSink(slack.state.token, base_url=slack.base_url), **NO_SLEEP
    )
    assert report.sent == [] and slack.state.messages == []


def test_a_server_without_history_still_gets_every_alert_after_a_5xx(db_url, slack):
    """A Slack-compatible server that cannot answer conversations.history: after a 500 the
    alert cannot be looked up, so it is posted again (this server had not stored it)."""
    store = Store(db_url)
    three_developments(store)
    slack.fail("chat.postMessage", ("http", 500))
    slack.fail("conversations.history", *[("error", "unknown_method")] * 10)
    report = deliver_pending(
        store, SlackSink(slack.state.token, base_url=slack.base_url), **NO_SLEEP
    )
    assert report.pending == 0 and all_sent(store)
    assert set(posts_per_alert(slack).values()) == {1} and len(posts_per_alert(slack)) == 4


def test_an_update_slack_cannot_apply_is_skipped_and_does_not_hold_back_the_thread(db_url, slack):
    store = Store(db_url)
    entries = [analysed(f"r{i}", detection(), source=f"Outlet {i}") for i in range(3)]
    claim(store, *entries)
    record_articles(store, entries, CONFIG, "#newswatch")
    slack.fail("chat.update", ("error", "cant_update_message"))
    report = deliver_pending(
        store, SlackSink(slack.state.token, base_url=slack.base_url), **NO_SLEEP
    )
    assert report.pending == 0
    top = slack.state.top_level()
    assert len(top) == 1 and len(slack.state.replies(top[0].ts)) == 2  # both replies went out
    assert top[0].edits == 1  # the second update redrew the count
    with store.session() as s:
        assert sorted(a.status for a in s.scalars(select(AlertRow))) == ["sent"] * 4 + ["skipped"]


def test_a_server_that_answers_only_ok_gets_each_alert_once(db_url, slack):
    store = Store(db_url)
    three_developments(store)
    slack.state.minimal = True  # no channel, no ts in the answer: nothing to thread or edit
    report = deliver_pending(
        store, SlackSink(slack.state.token, base_url=slack.base_url), **NO_SLEEP
    )
    assert report.pending == 0
    assert set(posts_per_alert(slack).values()) == {1} and len(posts_per_alert(slack)) == 4


# --- real transports: lost answers, long rate limits, overlapping senders (#13) ---------------


def test_a_post_stored_by_slack_whose_connection_dropped_is_not_posted_twice(db_url, slack):
    """Slack stores the message and the connection closes unanswered. slack-sdk's default
    connection-error handler would re-post it; delivery must look it up instead."""
    store = Store(db_url)
    three_developments(store)
    slack.fail("chat.postMessage", ("post_then_drop",), ("post_then_drop",))
    sink = SlackSink(slack.state.token, base_url=slack.base_url)

    report = deliver_pending(store, sink, **NO_SLEEP)

    assert report.pending == 0 and all_sent(store), report
    counts = posts_per_alert(slack)
    assert len(counts) == 4 and set(counts.values()) == {1}, counts
    # exactly the two dropped calls plus one per other alert: nothing re-posted blindly
    assert len(slack.state.calls_to("chat.postMessage")) == 4
    assert slack.state.calls_to("conversations.history") or slack.state.calls_to(
        "conversations.replies"
    )


class FakeClock:
    """The outbox's clock, moved by the senders' sleeps instead of by waiting."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def one_development(store: Store) -> None:
    entry = analysed("only", detection(), source="A")
    claim(store, entry)
    record_articles(store, [entry], CONFIG, "#newswatch")


def test_a_long_retry_after_with_an_overlapping_run_posts_once(db_url, slack, monkeypatch):
    """Three 429s with Retry-After 50 s: the first sender waits 150 s in all, past a 2-minute
    lease. A second run starting meanwhile must find the alert still leased."""
    from newswatch import outbox

    clock = FakeClock()
    monkeypatch.setattr(outbox, "utcnow", clock)
    store = Store(db_url)
    one_development(store)
    slack.fail("chat.postMessage", ("429", 50), ("429", 50), ("429", 50))
    second_runs = []

    def first_sleeps(seconds: float) -> None:
        clock.advance(seconds)
        if clock.now - start > timedelta(minutes=2) and not second_runs:
            sink = SlackSink(slack.state.token, base_url=slack.base_url)
            second_runs.append(deliver_pending(store, sink, sleep=clock.advance))

    start = clock.now
    first = deliver_pending(
        store, SlackSink(slack.state.token, base_url=slack.base_url), sleep=first_sleeps
    )

    assert second_runs and second_runs[0].sent == [], "the second run stole a live lease"
    assert len(first.sent) == 1 and all_sent(store)
    assert len(slack.state.messages) == 1
    assert [c.status for c in slack.state.calls_to("chat.postMessage")] == [429, 429, 429, 200]


def test_a_sender_whose_lease_passed_to_another_never_posts_the_alert(db_url, slack, monkeypatch):
    """The first sender is frozen past its lease (a stopped process, a stalled VM) while it
    waits out a 429; another run takes the alert and posts it. The first must not post again."""
    from newswatch import outbox

    clock = FakeClock()
    monkeypatch.setattr(outbox, "utcnow", clock)
    store = Store(db_url)
    one_development(store)
    slack.fail("chat.postMessage", ("429", 5))
    others = []

    def frozen(seconds: float) -> None:
        clock.advance(seconds + 600)  # far past any lease it renewed
        sink = SlackSink(slack.state.token, base_url=slack.base_url)
        others.append(deliver_pending(store, sink, sleep=clock.advance))

    first = deliver_pending(
        store, SlackSink(slack.state.token, base_url=slack.base_url), sleep=frozen
    )

    assert len(others[0].sent) == 1 and first.sent == []
    assert len(slack.state.messages) == 1 and all_sent(store)


def test_a_retry_after_longer_than_the_wait_allowed_leaves_the_alert_for_the_next_run(
    db_url, slack
):
    store = Store(db_url)
    one_development(store)
    slack.fail("chat.postMessage", ("429", 3600))
    waits: list[float] = []
    report = deliver_pending(
        store, SlackSink(slack.state.token, base_url=slack.base_url), sleep=waits.append
    )
    assert waits == [] and report.sent == [] and report.pending == 1
    again = deliver_pending(store, SlackSink(slack.state.token, base_url=slack.base_url))
    assert len(again.sent) == 1 and len(slack.state.messages) == 1


def test_a_429_after_a_lost_answer_still_checks_the_history_first(db_url, slack):
    """A lost answer, then a rate limit on the next attempt: the one after that must still
    look the message up (the 429 says nothing about the first attempt)."""
    store = Store(db_url)
    one_development(store)
    slack.fail("chat.postMessage", ("post_then_drop",))
    slack.fail("conversations.history", *[("429", 0)] * 4)  # slack-sdk retries reads 3 times
    report = deliver_pending(
        store, SlackSink(slack.state.token, base_url=slack.base_url), **NO_SLEEP
    )
    assert len(slack.state.messages) == 1
    assert report.pending == 0 and all_sent(store)


def test_one_feeds_many_reports_cost_one_count_update_per_message_per_run(db_url, slack):
    """One feed listing 40 reports of one development: 39 replies, but one chat.update."""
    store = Store(db_url)
    entries = [analysed(f"copy{i}", detection(), source="Big Feed") for i in range(40)]
    claim(store, *entries)
    record_articles(store, entries, CONFIG, "#newswatch")

    report = deliver_pending(
        store, SlackSink(slack.state.token, base_url=slack.base_url), **NO_SLEEP
    )

    assert report.pending == 0
    assert len(slack.state.calls_to("chat.update")) == 1
    [top] = slack.state.top_level()
    assert len(slack.state.replies(top.ts)) == 39
    context = " ".join(
        e["text"] for b in top.blocks if b["type"] == "context" for e in b["elements"]
    )
    assert "40 reports" in context  # the one update carries the final count
    with store.session() as s:
        skipped = s.scalars(select(AlertRow).where(AlertRow.status == "skipped")).all()
    assert len(skipped) == 38 and {a.last_error for a in skipped} == {"superseded"}
