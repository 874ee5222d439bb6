"""The digest (newswatch/digest.py): one summary per channel and period, of the developments
first alerted in the previous complete period, delivered through the loopback Slack."""

from __future__ import annotations

from datetime import timedelta

from newswatch.delivery import deliver_pending
from newswatch.models import EventType, Modality
from tests.builders import analysed, detection, record


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
