"""Chaos (issue #13, item 8): `newswatch run --once` killed with SIGKILL at random points —
seeded and bounded — while articles appear on the loopback sites over time, then clean runs.
Afterwards: every item finished, every outbox row delivered, every Slack message posted once,
every development the world holds alerted, no process left behind by a killed run.

The kill points are random but observable, never a bare clock: a run is killed a random moment
after its first feed request, or right after its first Slack post. The seed is printed with
every failure (`NEWSWATCH_CHAOS_SEED` replays one). All runs share one Prefect server, so a run
costs its imports and its work, not a server start.

Slack drops the connection after storing a seeded share of the posts (the answer is lost, the
message is there): a re-post would be a duplicate. `NEWSWATCH_CHAOS_SLACK_DROPS=0` leaves that
fault out when replaying a failure that is about kills alone.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from newswatch.demo.site import SampleWorld, load_sample
from newswatch.store import AlertRow, Item, Store, utcnow
from tests.fixtures.prefect_server import start_server
from tests.fixtures.processes import alive, cmdline, descendants
from tests.test_cli import isolated_env

REPO = Path(__file__).resolve().parents[1]
SEED = int(os.environ.get("NEWSWATCH_CHAOS_SEED") or 1313)
KILLS = 4  # killed runs; each is bounded by RUN_TIMEOUT, the whole test by BUDGET
RUN_TIMEOUT = 90.0
BUDGET = 420.0  # seconds, a hard stop for a machine far slower than CI's
SLACK_DROPS_AFTER_STORING = os.environ.get("NEWSWATCH_CHAOS_SLACK_DROPS", "1") == "1"
CHAOS_FETCH = {
    "NEWSWATCH_FETCH_TIMEOUT": "10",
    "NEWSWATCH_FETCH_RETRIES": "1",
    "NEWSWATCH_FETCH_BACKOFF": "0.05",
}


def _world_until(world: SampleWorld, count: int) -> SampleWorld:
    """The world as it stood when its first `count` articles (oldest first) were out."""
    ordered = sorted(world.articles, key=lambda a: a["published"])
    return SampleWorld(world.feeds, tuple(ordered[:count]))


class Runner:
    def __init__(self, env: dict[str, str], sources: Path, site: Any, slack: Any, log: Path):
        self.env, self.sources, self.site, self.slack, self.log = env, sources, site, slack, log
        self.history: list[str] = []  # one line per run, for failure messages

    def start(self) -> subprocess.Popen:
        log = self.log.open("ab")
        log.write(f"\n===== run {len(self.history) + 1} =====\n".encode())
        log.flush()
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flows.cli",
                "run",
                "--once",
                "--sources",
                str(self.sources),
            ],
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def clean(self) -> int:
        began = time.monotonic()
        process = self.start()
        code = process.wait(timeout=RUN_TIMEOUT * 2)
        self.history.append(f"clean run: exit {code} after {time.monotonic() - began:.1f}s")
        return code

    def killed(self, rng: random.Random, point: str) -> set[int]:
        """Start a run and kill -9 it at a random moment of `point`; return the processes it
        had started (which must all end with it). `fetching`: up to 1 s after its first feed
        request; `analysing`: 1–6 s after it (extraction, grouping); `delivering`: right after
        its first Slack post (a run with nothing to post ends on its own)."""
        requests, posts = len(self.site.requests), len(self.slack.state.messages)
        delay = rng.uniform(0.0, 1.0) if point == "fetching" else rng.uniform(1.0, 6.0)
        began = time.monotonic()
        process = self.start()
        deadline = time.monotonic() + RUN_TIMEOUT
        triggered_at = None
        while process.poll() is None and time.monotonic() < deadline:
            if triggered_at is None:
                if point != "delivering" and len(self.site.requests) > requests:
                    triggered_at = time.monotonic() + delay
                elif point == "delivering" and len(self.slack.state.messages) > posts:
                    triggered_at = time.monotonic()
            if triggered_at is not None and time.monotonic() >= triggered_at:
                break
            time.sleep(0.02)
        children = descendants(process.pid)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        code = process.wait()
        self.history.append(
            f"run killed while {point} (+{delay:.2f}s): exit {code} after "
            f"{time.monotonic() - began:.1f}s, "
            f"{len(self.site.requests) - requests} site requests, "
            f"{len(self.slack.state.messages) - posts} Slack posts"
        )
        return children


@pytest.mark.slow
def test_kill_9_at_random_points_then_a_clean_run_loses_and_repeats_nothing(
    sample_site, slack, tmp_path: Path
):
    rng = random.Random(SEED)
    started = time.monotonic()
    full = load_sample()
    total = len(full.articles)
    shown = rng.randint(total // 4, total // 2)
    sample_site.world = _world_until(full, shown)
    if SLACK_DROPS_AFTER_STORING:
        slack.drop_after_storing(rate=0.3, seed=rng.randrange(1 << 30))

    server, api_url = start_server(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'prefect.db'}")
    server_up = time.monotonic() - started
    try:
        data = tmp_path / "data"
        sources = tmp_path / "sources.yaml"
        sources.write_text(sample_site.sources_yaml(), encoding="utf-8")
        env = isolated_env(
            data,
            PREFECT_API_URL=api_url,
            PREFECT_HOME=str(tmp_path / "prefect-home"),
            SLACK_BOT_TOKEN=slack.state.token,
            NEWSWATCH_SLACK_API_URL=slack.base_url,
            NEWSWATCH_SLACK_CHANNEL="#newswatch",
            **CHAOS_FETCH,
        )
        runner = Runner(env, sources, sample_site, slack, tmp_path / "runs.log")
        orphans: dict[int, str] = {}
        # Every kind of point at least once, in a seeded order.
        points = ["fetching", "analysing", "delivering"]
        points += [rng.choice(points) for _ in range(KILLS - len(points))]
        rng.shuffle(points)
        for point in points:
            if time.monotonic() - started > BUDGET:
                break
            children = runner.killed(rng, point)
            # Articles keep appearing between runs, as on a real news day.
            shown = min(total, shown + rng.randint(1, max(1, total // KILLS)))
            sample_site.world = _world_until(full, shown)
            # Nothing a killed run started may outlive it (extraction, parsing workers).
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and any(alive(p) for p in children):
                time.sleep(0.2)
            orphans.update({p: cmdline(p) for p in children if alive(p)})
        sample_site.world = full

        runner.history.insert(0, f"Prefect server up after {server_up:.1f}s")
        context = f"seed {SEED}; runs:\n" + "\n".join(runner.history)
        assert runner.clean() == 0, context + "\n" + runner.log.read_text()[-4000:]
        store = Store(f"sqlite:///{data / 'newswatch.db'}")
        try:
            # An alert a killed sender had leased stays its own until the lease runs out
            # (ALERT_LEASE, 2 minutes): move the lease's clock on instead of waiting it out.
            with store.session() as s:
                leased = s.execute(
                    update(AlertRow)
                    .where(AlertRow.status == "sending")
                    .values(lease_until=utcnow())
                ).rowcount
            if leased:
                runner.history.append(f"{leased} leases of killed senders expired")
                assert runner.clean() == 0, context + "\n" + runner.log.read_text()[-4000:]
            context = f"seed {SEED}; runs:\n" + "\n".join(runner.history)

            with store.session() as s:
                unfinished = s.scalars(select(Item.item_key).where(Item.status != "done")).all()
                alerts = s.execute(select(AlertRow.id, AlertRow.kind, AlertRow.status)).all()
            # Nothing stranded: every item is finished, every alert delivered.
            assert not unfinished, context
            assert {status for _, _, status in alerts} <= {"sent", "skipped"}, (alerts, context)
            # Nothing twice: each outbox row is at most one Slack message.
            posted = Counter(
                ((m.metadata or {}).get("event_payload") or {}).get("alert_id")
                for m in slack.state.messages
            )
            twice = {alert_id: n for alert_id, n in posted.items() if n > 1}
            assert not twice, (twice, context)
            sent = {i for i, kind, status in alerts if status == "sent" and kind != "update"}
            assert set(posted) == sent, (set(posted) ^ sent, context)
        finally:
            store.dispose()

        # Nothing lost: every development of the world is in a top-level message.
        top_level = [m.text for m in slack.state.top_level()]
        for (development, event_type), articles in full.expected_developments().items():
            links = [f"/articles/{a['slug']}.html" for a in articles]
            assert any(link in text for text in top_level for link in links), (
                f"{development} ({event_type}) never alerted; {context}"
            )
        assert not orphans, f"processes outlived a killed run: {orphans}; {context}"
        assert time.monotonic() - started < BUDGET + 2 * RUN_TIMEOUT, context
        print(context)  # shown with -s: what the seed did, and how long each run took
    finally:
        server.stop()
