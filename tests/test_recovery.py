"""Nothing stranded (issue #13): a poll killed or faulted at a chosen point leaves items that the
next poll finishes — at once, not after a clock runs out, and even when every feed then answers
304; a store fault stays in its source's step; feed parsing never stalls the event loop; no
worker process outlives a killed run.

The broken polls run in child processes (tests/fixtures/crash_poll.py) that really die
(SIGKILL) or really meet a full filesystem (a 16 MB tmpfs) or a terminated PostgreSQL backend.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from newswatch.config import parse_sources
from newswatch.store import (
    AlertRow,
    FeedState,
    Item,
    RunRow,
    Store,
    process_token,
    this_host,
    utcnow,
)
from tests.fixtures.crash_poll import fetch_all, poll_once
from tests.fixtures.hostile_site import RecordingServer, article_html, item, rss, send
from tests.fixtures.processes import alive, cmdline, descendants

REPO = Path(__file__).resolve().parents[1]


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSWATCH_", "SLACK_"))}
    env["PYTHONPATH"] = str(REPO)
    return env


def crash_poll(db_url: str, sources: Path, run_id: str, point: str, *extra: str):
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.fixtures.crash_poll",
            db_url,
            str(sources),
            run_id,
            point,
            *extra,
        ],
        cwd=REPO,
        env=_child_env(),
        capture_output=True,
        text=True,
        timeout=240,
    )


def _items(store: Store) -> dict[str, tuple[str, str]]:
    with store.session() as s:
        rows = s.execute(select(Item.item_key, Item.status, Item.claimed_by)).all()
    return {key: (status, owner) for key, status, owner in rows}


def _top_level_alerts(store: Store) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).where(AlertRow.kind.in_(("new", "escalation"))))  # type: ignore[return-value]


@pytest.fixture
def world(sample_site, tmp_path: Path) -> tuple[Path, int]:
    """sources.yaml for the sample world, and how many developments it must alert."""
    sources = tmp_path / "sources.yaml"
    sources.write_text(sample_site.sources_yaml(), encoding="utf-8")
    return sources, len(sample_site.world.expected_developments())


def _assert_finished(store: Store, sources: Path, expected: int, run_id: str) -> None:
    """The next poll completes every item and alerts every development once."""
    config = parse_sources(sources.read_text(encoding="utf-8"))
    poll_once(store, config, run_id)
    items = _items(store)
    assert items and all(status == "done" for status, _ in items.values()), items
    assert _top_level_alerts(store) == expected


# --- claims belong to live runs -----------------------------------------------------------------


def test_claims_of_live_runs_are_kept_and_of_dead_runs_taken_over_at_once(tmp_path: Path):
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    now = utcnow()

    def run(run_id: str, pid: int, **values) -> None:
        with store.session() as s:
            s.add(
                RunRow(
                    id=run_id,
                    host=values.pop("host", None) or this_host(),
                    pid=pid,
                    pid_started=values.pop("pid_started", None),
                    started_at=now,
                    heartbeat_at=values.pop("heartbeat_at", now),
                    finished_at=values.pop("finished_at", None),
                )
            )

    run("alive", os.getpid(), pid_started=process_token(os.getpid()))
    run("killed", dead.pid)  # kill -9: its process is gone, its heartbeat still fresh
    run("finished", os.getpid(), finished_at=now)
    run("silent", os.getpid(), host="another-host/boot", heartbeat_at=now - timedelta(minutes=5))
    run("elsewhere", 1, host="another-host/boot")  # alive on another machine, as far as we know
    owners = ["alive", "killed", "finished", "silent", "elsewhere", "unregistered"]
    for owner in owners:
        store.claim_items("Outlet", [(f"{owner}-story", {"title": owner})], owner)

    taken = store.claim_items("Outlet", [(f"{o}-story", {}) for o in owners], "next")
    assert taken == {"killed-story", "finished-story", "silent-story"}

    # An unregistered claim (an older newswatch) still falls to the 30-minute clock.
    with store.session() as s:
        s.execute(
            update(Item)
            .where(Item.claimed_by == "unregistered")
            .values(claimed_at=now - timedelta(minutes=31))
        )
    assert store.claim_items("Outlet", [("unregistered-story", {})], "next") == {
        "unregistered-story"
    }
    store.dispose()


def test_an_unfinished_item_comes_back_from_the_store_when_the_feed_says_304(tmp_path: Path):
    """Claimed, validators saved, run gone: the feed answers 304 for ever, the item still
    comes back — rebuilt from the store with its feed text."""
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    with RecordingServer() as site:
        body = rss(item("Quiet talks", site.url("/pages/quiet.html"), "quiet-1"))
        site.routes["/feed.xml"] = lambda h: (
            send(h, b"", status=304, headers={"ETag": '"v1"'})
            if h.headers.get("If-None-Match") == '"v1"'
            else send(h, body, headers={"ETag": '"v1"'})
        )
        site.routes["/pages/quiet.html"] = lambda h: send(
            h, article_html("Quiet talks"), "text/html"
        )
        config = parse_sources(f"sources:\n  - {{name: Outlet, url: '{site.url('/feed.xml')}'}}\n")
        store.start_run("first")
        polled = asyncio.run(fetch_all(store, config, "first"))
        assert polled[0][0].new == 1
        assert store.feed_states()["Outlet"].etag == '"v1"'
        store.finish_run("first")  # ended without finishing its item (a fault, a crash)

        store.start_run("second")
        ((outcome, jobs),) = asyncio.run(fetch_all(store, config, "second"))
        store.finish_run("second")
    assert outcome.status == "not_modified"
    assert [job.item.title for job in jobs] == ["Quiet talks"]
    assert "Feed text of Quiet talks" in jobs[0].item.summary
    assert jobs[0].page is not None and b"Quiet talks" in jobs[0].page
    assert _items(store)[jobs[0].item_key] == ("claimed", "second")
    store.dispose()


# --- killed at chosen points -------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("point", ["after_claim", "after_validators"])
def test_a_poll_killed_mid_way_is_finished_by_the_next_one(world, tmp_path: Path, point: str):
    sources, expected = world
    db_url = f"sqlite:///{tmp_path / 'store.db'}"
    killed = crash_poll(db_url, sources, "killed-run", point)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]

    store = Store(db_url)
    stranded = [k for k, (status, _) in _items(store).items() if status == "claimed"]
    assert stranded  # the kill left claimed items behind
    if point == "after_validators":  # and every feed will answer 304 from now on
        assert all(state.etag for state in store.feed_states().values())
    _assert_finished(store, sources, expected, "next-run")
    store.dispose()


# --- store faults ------------------------------------------------------------------------------


@pytest.fixture
def tiny_filesystem(tmp_path: Path) -> Iterator[Path]:
    """A 16 MB tmpfs: a real full disk, not a simulated one (mounting needs root, or sudo
    without a password, as `make test` uses for its browser)."""
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    mount = tmp_path / "tiny"
    mount.mkdir()
    mounted = subprocess.run(
        [*sudo, "mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.fail(f"this test mounts a 16 MB tmpfs and needs root: {mounted.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run([*sudo, "umount", "-l", str(mount)], check=False)


@pytest.mark.slow
def test_a_full_disk_mid_poll_stays_in_its_step_and_the_next_poll_finishes(
    world, tiny_filesystem: Path
):
    sources, expected = world
    database = tiny_filesystem / "store.db"
    db_url = f"sqlite:///{database}"
    Store(db_url).dispose()  # the schema, while there is room

    faulted = crash_poll(db_url, sources, "faulted-run", "disk_full", str(database))
    assert faulted.returncode == 0, faulted.stderr[-3000:]
    assert "Fetcher used outside" not in faulted.stdout + faulted.stderr
    assert "Traceback" not in faulted.stderr, faulted.stderr[-3000:]
    report = json.loads(faulted.stdout.strip().splitlines()[-1])
    errors = [s["error"] for s in report["sources"].values() if s["status"] == "error"]
    assert errors, report  # the sources after the fault failed their step ...
    for error in errors:  # ... each with one line naming the store and the cause
        assert error.startswith("store error:") and str(database) in error, error
        assert "full" in error, error
        assert "\n" not in error

    (tiny_filesystem / "filler").unlink()  # space again
    store = Store(db_url)
    _assert_finished(store, sources, expected, "next-run")
    store.dispose()


@pytest.mark.slow
def test_a_terminated_postgresql_backend_is_retried_not_lost(world):
    from tests.fixtures.postgres import throwaway_database

    sources, expected = world
    with throwaway_database() as db_url:
        faulted = crash_poll(db_url, sources, "faulted-run", "pg_terminate")
        assert faulted.returncode == 0, faulted.stderr[-3000:]
        report = json.loads(faulted.stdout.strip().splitlines()[-1])
        assert "failed" not in report, report
        assert all(s["status"] == "ok" for s in report["sources"].values()), report
        store = Store(db_url)
        try:
            assert all(status == "done" for status, _ in _items(store).values())
            assert _top_level_alerts(store) == expected
        finally:
            store.dispose()


def test_a_store_error_in_one_source_never_reaches_the_others(tmp_path: Path, monkeypatch):
    """The shared HTTP client stays open for every other source (it used to be closed under
    them: 88 × "Fetcher used outside `async with`")."""
    from sqlalchemy.exc import OperationalError

    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    real_claim = Store._claim

    def failing_claim(self, source, keyed, run_id):
        if source == "Broken 0":
            raise OperationalError("INSERT", {}, Exception("database or disk is full"))
        return real_claim(self, source, keyed, run_id)

    monkeypatch.setattr(Store, "_claim", failing_claim)
    with RecordingServer() as site:
        lines = ["sources:"]
        for name in ["Broken 0", *(f"Fine {i}" for i in range(6))]:
            slug = name.replace(" ", "-")
            body = rss(item(f"Story of {name}", site.url(f"/pages/{slug}.html"), slug))
            site.routes[f"/{slug}.xml"] = lambda h, body=body: send(h, body)
            site.routes[f"/pages/{slug}.html"] = lambda h, name=name: (
                time.sleep(0.3),  # pages still in flight when the broken source fails
                send(h, article_html(name), "text/html"),
            )
            lines.append(f"  - {{name: {name}, url: '{site.url(f'/{slug}.xml')}'}}")
        config = parse_sources("\n".join(lines) + "\n")
        polled = asyncio.run(fetch_all(store, config, "run"))
    outcomes = {outcome.source: (outcome, jobs) for outcome, jobs in polled}
    broken, _ = outcomes.pop("Broken 0")
    assert broken.status == "error" and broken.error.startswith("store error:"), broken.error
    assert "database or disk is full" in broken.error
    assert store.feed_states().get("Broken 0") is None  # no validators: the next poll refetches
    for outcome, jobs in outcomes.values():
        assert outcome.status == "ok", outcome.error
        assert not outcome.warnings, outcome.warnings
        assert len(jobs) == 1 and jobs[0].page is not None
    store.dispose()


def test_store_writes_are_retried_once_the_database_answers_again(tmp_path: Path, monkeypatch):
    from sqlalchemy.exc import OperationalError

    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    real_claim = Store._claim
    failures = [OperationalError("INSERT", {}, Exception("server closed the connection"))]

    def flaky_claim(self, *args):
        if failures:
            raise failures.pop()
        return real_claim(self, *args)

    monkeypatch.setattr(Store, "_claim", flaky_claim)
    assert store.claim_items("Outlet", [("a", {})], "run") == {"a"}
    assert not failures
    store.save_feed_state(FeedState(source="Outlet", url="https://o.example/rss"))
    store.dispose()


# --- parsing off the loop ----------------------------------------------------------------------

NESTED_DEPTH = 400_000  # ~4.4 MB: under the 5 MB cap, seconds to parse


@pytest.mark.slow
def test_a_slow_feed_is_bounded_and_never_makes_healthy_ones_time_out(tmp_path: Path, monkeypatch):
    import newswatch.feeds

    monkeypatch.setattr(newswatch.feeds, "PARSE_TIMEOUT", 2.0)
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    nested = "<div>" * NESTED_DEPTH + "deep" + "</div>" * NESTED_DEPTH
    deep_feed = rss(
        f"<item><title>Deep</title><description><![CDATA[{nested}]]></description></item>"
    )
    assert 3_000_000 < len(deep_feed) < 5 * 1024 * 1024

    def huge(h) -> None:  # 50 MB, chunked: no length to refuse it by
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        chunk = b"<!-- padding -->" * 65536
        for _ in range(50):
            h.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        h.wfile.write(b"0\r\n\r\n")

    with RecordingServer() as site:
        site.routes["/deep.xml"] = lambda h: send(h, deep_feed)
        site.routes["/huge.xml"] = huge
        lines = [
            "sources:",
            f"  - {{name: Deep, url: '{site.url('/deep.xml')}', fetch_articles: false}}",
            f"  - {{name: Huge, url: '{site.url('/huge.xml')}'}}",
        ]
        for i in range(8):
            body = rss(item(f"Healthy {i}", site.url(f"/pages/{i}.html"), f"h{i}"))
            site.routes[f"/ok{i}.xml"] = lambda h, body=body: send(h, body)
            site.routes[f"/pages/{i}.html"] = lambda h, i=i: send(
                h, article_html(f"Healthy {i}"), "text/html"
            )
            lines.append(f"  - {{name: Ok {i}, url: '{site.url(f'/ok{i}.xml')}'}}")
        config = parse_sources("\n".join(lines) + "\n")
        monkeypatch.setenv("NEWSWATCH_FETCH_TIMEOUT", "10")

        async def poll_and_watch_the_loop() -> tuple[list, float]:
            lag, stop = 0.0, False

            async def ticker() -> None:
                nonlocal lag
                loop = asyncio.get_running_loop()
                while not stop:
                    before = loop.time()
                    await asyncio.sleep(0.05)
                    lag = max(lag, loop.time() - before - 0.05)

            watcher = asyncio.create_task(ticker())
            try:
                return await fetch_all(store, config, "run"), lag
            finally:
                stop = True
                await watcher

        started = time.monotonic()
        polled, lag = asyncio.run(poll_and_watch_the_loop())
        took = time.monotonic() - started
    outcomes = {outcome.source: outcome for outcome, _ in polled}
    assert outcomes["Deep"].status == "error"
    assert "parsing took longer than 2s" in outcomes["Deep"].error, outcomes["Deep"].error
    assert outcomes["Huge"].status == "error"
    assert outcomes["Huge"].error.startswith("too_large:"), outcomes["Huge"].error
    for i in range(8):
        assert outcomes[f"Ok {i}"].status == "ok", outcomes[f"Ok {i}"].error
    # Generous bounds for a loaded machine; parsing the deep feed on the loop took far longer.
    assert lag < 2.0, f"the event loop stalled {lag:.1f}s"
    assert took < 30, took
    store.dispose()


# --- no orphaned workers -----------------------------------------------------------------------

WORKERS_SCRIPT = """
import json, os, sys, time
import asyncio
from newswatch.extract import ExtractionPool
from newswatch.offload import shared_pool

pool = ExtractionPool(2).executor()  # the poll's own pool: fork server and forked workers
pids = {f.result() for f in [pool.submit(os.getpid) for _ in range(8)]}
pids.add(asyncio.run(shared_pool().run(os.getpid, timeout=60)))
print(json.dumps(sorted(pids)), flush=True)
time.sleep(600)
"""


def test_no_worker_outlives_a_killed_process():
    parent = subprocess.Popen(
        [sys.executable, "-c", WORKERS_SCRIPT],
        cwd=REPO,
        env=_child_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout is not None
        workers = set(json.loads(parent.stdout.readline()))
        assert len(workers) >= 2  # extraction workers and a parse worker
        everything = descendants(parent.pid) | workers
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 30  # workers look every 0.5 s; a loaded machine is slow
        while time.monotonic() < deadline and any(alive(p) for p in everything):
            time.sleep(0.2)
        survivors = {p: cmdline(p) for p in everything if alive(p)}
        assert not survivors, f"orphans survived the kill -9: {survivors}"
    finally:
        if parent.poll() is None:
            parent.kill()
