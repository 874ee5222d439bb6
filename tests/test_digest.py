"""The digest (newswatch/digest.py): one summary per channel and period, of the developments
first alerted in the previous complete period, delivered through the loopback Slack."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from newswatch.config import parse_sources
from newswatch.delivery import deliver_pending
from newswatch.developments import record_articles
from newswatch.models import EventType, Modality
from newswatch.sinks import SlackSink
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
