"""The run report as an analyst's page: developments with their evidence and link, human labels,
relative times, what was sent and what waits (and why), how many reports were held back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newswatch.config import parse_sources
from newswatch.delivery import deliver_pending
from newswatch.developments import record_articles
from newswatch.models import DeliveryReport, EventType, GroupingReport, Modality, SourceOutcome
from newswatch.report import build_summary, relative, render
from newswatch.sinks import SlackSink
from newswatch.store import Store
from tests.builders import analysed, claim, detection

CONFIG = parse_sources(
    """
sources:
  - {name: Caucasus Ledger, url: "https://caucasus-ledger.example/rss"}
alerts:
  channel: "#newswatch"
  routes:
    - {event_types: [arms_transfer], channel: "#arms"}
"""
)
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (NOW - timedelta(seconds=20), "just now"),
        (NOW - timedelta(minutes=12), "12 min ago"),
        (NOW - timedelta(hours=3), "3 h ago"),
        (NOW - timedelta(days=5), "5 d ago"),
        (NOW + timedelta(minutes=10), "in 10 min"),
        (None, ""),
    ],
)
def test_relative_times(when, expected):
    assert relative(when, NOW) == expected


def test_the_page_names_each_development_its_evidence_and_what_happened_to_its_alerts(store, slack):
    boycott = analysed(
        "boycott",
        detection(evidence="The prime minister will not travel to the alliance summit in Minsk."),
        text="The prime minister will not travel to the alliance summit in Minsk. More text.",
    )
    arms = analysed(
        "arms",
        detection(
            EventType.ARMS_TRANSFER,
            actors=("Belarus",),
            target="Azerbaijan",
            modality=Modality.CARRIED_OUT,
            evidence="Belarus delivered rocket launchers to Azerbaijan.",
        ),
    )
    old = analysed(
        "old",
        detection(target="CIS summit, Astana"),
        published=datetime.now(UTC) - timedelta(days=9),
    )
    claim(store, boycott, arms, old)
    grouping = record_articles(store, [boycott, arms, old], CONFIG, "#newswatch")
    # #arms does not exist in the stand-in: its alert stays pending, and the page says why
    delivery = deliver_pending(
        store, SlackSink(slack.state.token, base_url=slack.base_url), sleep=lambda _: None
    )
    assert delivery.blocked_channels == {"#arms": "channel_not_found"}
    outcome = SourceOutcome(
        "Caucasus Ledger", "https://caucasus-ledger.example/rss", "ok", items=3, new=3,
        last_success_at=datetime.now(UTC) - timedelta(hours=3),
    )  # fmt: skip
    summary = build_summary(store, [outcome], [boycott, arms, old], grouping, delivery, [])
    page = render(summary)

    developments = page.split("## Developments")[1].split("\n## ")[0]
    assert (
        "| **Summit boycott: Armenia and Nikol Pashinyan → CSTO summit, Minsk** | announced | new "
        "| 1 | just now | “The prime minister will not travel to the alliance summit in Minsk.” — "
        "[Caucasus Ledger: Headline boycott](https://caucasus-ledger.example/boycott), "
        "published 1 h ago | — "
        "| sent #newswatch |"
    ) in developments
    assert "**Arms transfer: Belarus → Azerbaijan** | carried out | new" in developments
    assert "| held back (too old) #newswatch |" in developments
    assert "summit_boycott" not in developments and "carried_out" not in developments

    alerts = page.split("## Alerts")[1].split("\n## ")[0]
    assert "| #newswatch | new alert | :no_entry_sign: Summit boycott" in alerts
    assert "| pending | Slack refuses the channel: channel_not_found |" in alerts
    assert "**1** held back (too old)" in page
    assert "| Caucasus Ledger | ok | 3 | 3 | 0 | 3 h ago | next run |" in page


def test_a_long_problem_is_cut_in_the_table_and_given_in_full_below():
    problem = "feed refused: " + "x" * 400
    summary_outcome = SourceOutcome("Slow", "https://slow.example/rss", "error", error=problem)
    summary = build_summary_without_store([summary_outcome])
    page = render(summary, now=NOW)
    table_row = next(line for line in page.splitlines() if line.startswith("| Slow |"))
    assert len(table_row) < 300 and table_row.rstrip(" |").endswith("…")
    assert f"- **Slow**: {problem}" in page


def build_summary_without_store(outcomes: list[SourceOutcome]) -> dict:
    store = Store("sqlite://")
    try:
        return build_summary(store, outcomes, [], GroupingReport(), DeliveryReport(), [], now=NOW)
    finally:
        store.dispose()
