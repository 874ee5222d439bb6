"""Source health notices (newswatch/health.py): one notice when a source keeps failing, one
when it recovers, and quiet in between, with the back-off of the poll (pipeline) around them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from newswatch.config import parse_sources
from newswatch.fetch import Fetcher, FetchLimits
from newswatch.health import enqueue_health_notices
from newswatch.pipeline import backoff_after, poll_source
from newswatch.store import AlertRow, Store
from tests.fixtures.mock_transport import StreamingMockTransport, Switch

INTERVAL = timedelta(minutes=10)
T0 = datetime(2024, 11, 5, 12, 0, tzinfo=UTC)


def _notices(store: Store) -> list[str]:
    with store.session() as s:
        rows = s.scalars(select(AlertRow).where(AlertRow.kind == "notice").order_by(AlertRow.id))
        return [row.payload["text"] for row in rows]


def test_failing_source_backs_off_recovers_and_notifies_once_each_way(tmp_path: Path):
    store = Store(f"sqlite:///{tmp_path / 'nw.db'}")
    config = parse_sources(
        "sources:\n  - name: Flaky <!channel>\n    url: https://flaky.example/rss\n"
        "    fetch_articles: false\n"
    )
    source = config.sources[0]
    switch = Switch()
    limits = FetchLimits(retries=0)
    # Runs every INTERVAL, each a few seconds late or early: the grace absorbs the drift.
    schedule = [T0 + n * INTERVAL + timedelta(seconds=(-3) ** n % 7) for n in range(12)]

    def poll_at(now):
        """One run at `now`: poll the flaky source and let health notices follow."""

        async def one():
            async with Fetcher(limits, transport=StreamingMockTransport(switch)) as fetcher:
                state = store.feed_states().get(source.name)
                return await poll_source(
                    fetcher, store, source, state, run_id="r", schedule_interval=INTERVAL, now=now
                )

        outcome, _ = asyncio.run(one())
        enqueue_health_notices(store, [outcome], notice_after=2, channel="#ops")
        return outcome

    seen = []
    for n, now in enumerate(schedule):
        if n == 8:
            switch.up = True
        outcome = poll_at(now)
        seen.append((outcome.status, outcome.consecutive_failures, len(_notices(store))))

    assert seen == [
        ("error", 1, 0),  # run 0: first failure, polled again next run
        ("error", 2, 1),  # run 1: second failure -> one notice; back off 2 intervals
        ("skipped", 2, 1),  # run 2
        ("error", 3, 1),  # run 3: still failing, no second notice; back off 4 intervals
        ("skipped", 3, 1),
        ("skipped", 3, 1),
        ("skipped", 3, 1),
        ("error", 4, 1),  # run 7; back off 8 intervals
        ("skipped", 4, 1),  # run 8: the site is back, but we do not know yet
        *[("skipped", 4, 1)] * 3,
    ]
    assert switch.requests == 4
    down = _notices(store)[0]
    assert "has failed 2 polls in a row" in down and "HTTP 503" in down
    assert "<!channel>" not in down and "&lt;!channel&gt;" in down  # source names are escaped
    state = store.feed_states()[source.name]
    assert state.last_error and "https://flaky.example/rss" in state.last_error
    assert state.last_success_at is None

    # Recovery: the first poll after the back-off succeeds, one notice says so, and then quiet.
    later = schedule[7] + backoff_after(4, INTERVAL)
    for now in (later, later + INTERVAL, later + 2 * INTERVAL):
        outcome = poll_at(now)
        assert outcome.status == "ok" and outcome.consecutive_failures == 0
    notices = _notices(store)
    assert len(notices) == 2 and "is working again" in notices[1]
    state = store.feed_states()[source.name]
    assert (state.consecutive_failures, state.last_success_at) == (0, later + 2 * INTERVAL)
    assert state.next_poll_at is None and state.failing_since is None
