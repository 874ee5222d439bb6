"""Grouping into developments and delivery through the loopback Slack: one top-level message
per development, thread replies and count updates for the rest, syndicated copies counted
without a reply, escalations as new top-level alerts that link the earlier one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newswatch.alerts import SlackSink
from newswatch.config import parse_sources
from newswatch.delivery import deliver_pending
from newswatch.developments import record_articles, same_development
from newswatch.models import EventType, Modality
from newswatch.store import Store
from tests.builders import analysed, claim, detection

CONFIG = parse_sources(
    """
sources:
  - {name: Caucasus Ledger, url: "https://caucasus-ledger.example/rss", tags: [caucasus]}
alerts:
  channel: "#newswatch"
  routes:
    - {event_types: [arms_transfer], channel: "#arms"}
    - {tags: [central-asia], channel: "#central-asia"}
"""
)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'store.db'}")


@pytest.fixture
def sink(slack) -> SlackSink:
    slack.state.channels.update({"C0ARMS0001": "arms", "C0CASI0001": "central-asia"})
    return SlackSink(slack.state.token, base_url=slack.base_url)


def record(store: Store, *articles):
    claim(store, *articles)
    return record_articles(store, articles, CONFIG, "#newswatch")


def test_three_reports_one_top_level_two_replies_and_count_updates(store, sink, slack):
    reports = [analysed(f"r{i}", detection(), source=f"Outlet {i}") for i in range(3)]
    grouping = record(store, *reports)
    assert len(set(grouping.new)) == 1 and len(grouping.updated) == 2

    delivery = deliver_pending(store, sink, sleep=lambda _: None)

    state = slack.state
    assert len(state.top_level()) == 1
    parent = state.top_level()[0]
    assert [m.text for m in state.replies(parent.ts)] == [
        "Also reported by Outlet 1: Headline r1 — https://outlet-1.example/r1",
        "Also reported by Outlet 2: Headline r2 — https://outlet-2.example/r2",
    ]
    assert parent.edits == 2
    context = " ".join(
        e["text"] for b in parent.blocks if b["type"] == "context" for e in b["elements"]
    )
    assert "Reported by 3 sources (also Outlet 1 and Outlet 2) · 3 reports" in context
    assert delivery.pending == 0 and len(delivery.sent) == 5


def test_syndicated_copy_is_counted_without_a_reply(store, sink, slack):
    text = "Wire copy. " + " ".join(f"token{i}" for i in range(200))
    original = analysed("orig", detection(), source="Wire A", text=text)
    copy = analysed("copy", detection(), source="Paper B", text=text + " Share this post.")
    record(store, original, copy)
    deliver_pending(store, sink, sleep=lambda _: None)
    assert len(slack.state.top_level()) == 1
    assert slack.state.replies(slack.state.top_level()[0].ts) == []
    assert slack.state.top_level()[0].edits == 1  # the count still grows


def test_escalation_posts_a_new_top_level_alert_linking_the_earlier(store, sink, slack):
    threat = detection(
        EventType.WITHDRAWAL_STATEMENT,
        target="CSTO",
        modality=Modality.THREATENED,
        evidence="Armenia could leave the alliance, the prime minister warned.",
    )
    announced = detection(
        EventType.WITHDRAWAL_STATEMENT,
        target="CSTO",
        modality=Modality.ANNOUNCED,
        evidence="Armenia will leave the alliance, the prime minister said.",
    )
    record(store, analysed("threat", threat))
    record(store, analysed("announce", announced, source="Other Outlet"))
    deliver_pending(store, sink, sleep=lambda _: None)
    top = slack.state.top_level()
    assert len(top) == 2
    escalation_text = " ".join(
        b.get("text", {}).get("text", "") for b in top[1].blocks if b["type"] == "section"
    )
    assert (
        "Moved on" in escalation_text and "https://example.slack.test/archives/" in escalation_text
    )
    assert "Announced  ·  threatened → *announced* → carried out" in escalation_text


def test_routes_by_event_type_and_source_tag(store, sink, slack):
    arms = detection(
        EventType.ARMS_TRANSFER,
        actors=("Belarus",),
        target="Azerbaijan",
        modality=Modality.REPORTED,
    )
    kyrgyz = detection(EventType.SUMMIT_BOYCOTT, actors=("Kyrgyzstan",), target="CIS summit")
    record(store, analysed("arms", arms), analysed("kg", kyrgyz, tags=("central-asia",)))
    deliver_pending(store, sink, sleep=lambda _: None)
    assert sorted(m.channel for m in slack.state.top_level()) == ["C0ARMS0001", "C0CASI0001"]


def test_reports_outside_the_window_open_a_new_development(store, sink, slack):
    start = datetime(2023, 11, 14, tzinfo=UTC)
    first, later = analysed("a", detection()), analysed("b", detection())
    claim(store, first, later)
    record_articles(store, [first], CONFIG, "#newswatch", now=start)
    record_articles(store, [later], CONFIG, "#newswatch", now=start + timedelta(days=6))
    third = analysed("c", detection())
    claim(store, third)
    record_articles(store, [third], CONFIG, "#newswatch", now=start + timedelta(days=14))
    deliver_pending(store, sink, sleep=lambda _: None)
    assert len(slack.state.top_level()) == 2  # a, b together (6 days); c 8 days after b
    assert len(slack.state.replies(slack.state.top_level()[0].ts)) == 1


def test_rerecording_a_finished_item_changes_nothing(store):
    entry = analysed("a", detection())
    record(store, entry)
    again = record_articles(store, [entry], CONFIG, "#newswatch")
    assert again.new == [] and again.updated == []


@pytest.mark.parametrize(
    ("event_type", "dev_actors", "dev_target", "actors", "target", "same"),
    [
        (
            EventType.SUMMIT_BOYCOTT,
            ["Armenia"],
            "CSTO summit, Minsk",
            ("Armenia", "Nikol Pashinyan"),
            "CSTO",
            True,
        ),
        (EventType.SUMMIT_BOYCOTT, ["Armenia"], "CSTO", ("Belarus",), "CSTO", False),
        (
            EventType.WITHDRAWAL_STATEMENT,
            ["Armenia"],
            "CSTO",
            ("Armenia",),
            "Eurasian Economic Union",
            False,
        ),
        (EventType.WITHDRAWAL_STATEMENT, ["Armenia"], None, ("Armenia",), "CSTO", True),
        # a report that names no supplier joins on the recipient
        (EventType.ARMS_TRANSFER, ["Denmark"], "Ukraine", (), "Ukraine", True),
        (EventType.ARMS_TRANSFER, [], "Ukraine", (), "Taiwan", False),
        (EventType.ARMS_TRANSFER, [], None, (), None, False),
        # a rupture is the same seen from either side
        (EventType.DIPLOMATIC_RUPTURE, ["Armenia"], "Belarus", ("Belarus",), "Armenia", True),
        (EventType.DIPLOMATIC_RUPTURE, ["Armenia"], "Belarus", ("Belarus",), "Lithuania", False),
    ],
)
def test_same_development(event_type, dev_actors, dev_target, actors, target, same):
    found = detection(event_type, actors=actors, target=target)
    assert same_development(event_type.value, dev_actors, dev_target, found) is same
    assert not same_development("declaration_refusal", dev_actors, dev_target, found)


def test_digest_lists_the_previous_periods_developments_once(store, sink, slack):
    from newswatch.config import Digest
    from newswatch.digest import enqueue_digest
    from newswatch.store import utcnow

    record(
        store,
        analysed("a", detection()),
        analysed(
            "b",
            detection(
                EventType.ARMS_TRANSFER,
                actors=("Belarus",),
                target="Azerbaijan",
                modality=Modality.REPORTED,
            ),
        ),
    )
    tomorrow = utcnow() + timedelta(days=1)
    digest = Digest(every="daily", channel="#newswatch")
    assert enqueue_digest(store, digest, "#newswatch", now=tomorrow) is True
    assert enqueue_digest(store, digest, "#newswatch", now=tomorrow) is False  # once per period
    assert (
        enqueue_digest(store, digest, "#newswatch", now=tomorrow + timedelta(days=1)) is False
    )  # empty
    deliver_pending(store, sink, sleep=lambda _: None)
    digest_text = slack.state.top_level()[-1].text
    assert "2 developments" in digest_text
    assert "Summit boycott" in digest_text and "Belarus → Azerbaijan" in digest_text
