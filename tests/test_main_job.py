"""The main job as a user meets it: `newswatch serve` on a fresh data directory, polls started
by Prefect's scheduler (never by hand), the UI on a non-default port in a real headless browser,
and `newswatch run --once` started three times at once on one store.

Real processes only: the newswatch CLI, Prefect's server, the sample site and Slack stand-in on
127.0.0.1, Debian's Chromium driven by Playwright.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fixtures.prefect_server import free_port
from tests.fixtures.processes import alive, children, cmdline, descendants
from tests.test_cli import NEWSWATCH, REPO, isolated_env, run_cli

CHROMIUM = Path("/usr/bin/chromium")


class Served:
    """`newswatch serve` as a child process in its own process group."""

    def __init__(self, workdir: Path, sources: Path, port: int, interval: str):
        self.data = workdir / "data"
        self.api = f"http://127.0.0.1:{port}/api"
        self.ui = f"http://127.0.0.1:{port}"
        self.output = workdir / "serve.out"
        env = isolated_env(self.data)
        env.update(NEWSWATCH_PREFECT_PORT=str(port), NEWSWATCH_MIN_INTERVAL="10s")
        with self.output.open("wb") as out:
            self.process = subprocess.Popen(
                [*NEWSWATCH, "serve", "--sources", str(sources), "--interval", interval],
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def tail(self) -> str:
        text = self.output.read_text(errors="replace") if self.output.exists() else ""
        server_log = self.data / "prefect-server.log"
        server = server_log.read_text(errors="replace") if server_log.exists() else ""
        return f"--- serve ---\n{text[-3000:]}\n--- server ---\n{server[-3000:]}"

    def completed_flow_runs(self) -> list[dict]:
        query = {"flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}, "limit": 50}
        response = httpx.post(f"{self.api}/flow_runs/filter", json=query, timeout=10)
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)  # Ctrl+C, as a user stops it
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    from newswatch.demo.site import SampleSite

    workdir = tmp_path_factory.mktemp("served")
    with SampleSite() as site:
        sources = workdir / "sources.yaml"
        sources.write_text(site.sources_yaml(), encoding="utf-8")
        port = free_port()
        while port == 4200:  # the point is a port other than Prefect's default
            port = free_port()
        instance = Served(workdir, sources, port, interval="20s")
        try:
            yield instance
        finally:
            instance.stop()


def _wait_for_scheduled_completed_run(served: Served, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert served.process.poll() is None, "newswatch serve exited\n" + served.tail()
        try:
            runs = served.completed_flow_runs()
        except httpx.HTTPError:
            runs = []
        for run in runs:
            if run["auto_scheduled"]:
                return run
        time.sleep(2)
    raise AssertionError(f"no scheduled run completed within {timeout:.0f}s\n" + served.tail())


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_scheduler_starts_a_poll_by_itself_with_no_server_error(served: Served):
    run = _wait_for_scheduled_completed_run(served, timeout=300)
    assert run["deployment_id"], run  # the served deployment's run, created by the scheduler
    assert "sources ok" in (run["state"]["message"] or ""), run["state"]
    server_log = (served.data / "prefect-server.log").read_text(errors="replace")
    errors = [line for line in server_log.splitlines() if "ERROR" in line]
    assert not errors, "\n".join(errors[:20])
    # Prefect's database was prepared in the data directory, not in ~/.prefect.
    assert (served.data / "prefect" / "prefect.db").exists()


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_ui_on_a_non_default_port_shows_the_runs_and_the_run_report(
    served: Served, tmp_path: Path
):
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (see Makefile)")
    from playwright.sync_api import sync_playwright

    run = _wait_for_scheduled_completed_run(served, timeout=300)
    artifacts = httpx.post(
        f"{served.api}/artifacts/filter",
        json={"artifacts": {"key": {"any_": ["newswatch-run-report"]}}, "limit": 5},
        timeout=10,
    ).json()
    assert artifacts, "the run left no newswatch-run-report artifact"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        failed_api_calls: list[str] = []
        page.on(
            "requestfailed",
            lambda request: (
                failed_api_calls.append(request.url) if "/api/" in request.url else None
            ),
        )

        page.goto(f"{served.ui}/dashboard", wait_until="networkidle")
        page.wait_for_timeout(2000)
        page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        body = page.inner_text("body")
        assert "Can't connect to Server API" not in body, body[:2000]
        assert not any(":4200/" in url for url in failed_api_calls), failed_api_calls

        page.goto(f"{served.ui}/runs", wait_until="networkidle")
        page.get_by_text(run["name"]).first.wait_for(timeout=30_000)
        page.screenshot(path=str(tmp_path / "runs.png"), full_page=True)

        page.goto(f"{served.ui}/artifacts/artifact/{artifacts[0]['id']}", wait_until="networkidle")
        page.get_by_text("Sources", exact=True).first.wait_for(timeout=30_000)
        page.screenshot(path=str(tmp_path / "run-report.png"), full_page=True)
        report = page.inner_text("body")
        for name in ("Caucasus Ledger", "Meridian Wire", "Восточный вестник"):
            assert name in report, report[:3000]
        assert not failed_api_calls, failed_api_calls
        browser.close()
    for shot in ("dashboard.png", "runs.png", "run-report.png"):
        assert (tmp_path / shot).stat().st_size > 10_000


def _run_processes(served: Served) -> list[str]:
    """What of `serve`'s process tree belongs to flow runs: the spawned run process and its
    extraction fork server and workers. Not Prefect's server, and not the resource tracker
    that `serve` itself starts with its first run process and keeps."""
    own_tracker = {
        pid for pid in children(served.process.pid) if "resource_tracker" in cmdline(pid)
    }
    return [
        f"{pid}: {cmdline(pid)}"
        for pid in descendants(served.process.pid) - own_tracker
        if "multiprocessing" in cmdline(pid)
    ]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_scheduled_run_leaves_no_process_behind(served: Served):
    # A scheduled run is a child process of `serve` that starts extraction workers; it must
    # end with its run. (It once waited for its workers at exit while they waited for it to
    # end: one hung run process and three workers more with every poll.)
    _wait_for_scheduled_completed_run(served, timeout=300)
    deadline = time.monotonic() + 120  # polls come every 20 s: a quiet moment comes between
    left = _run_processes(served)
    while left and time.monotonic() < deadline:
        time.sleep(0.5)
        left = _run_processes(served)
    assert not left, "\n".join(left) + "\n" + served.tail()


def _wait_for_a_running_poll(served: Served, timeout: float) -> None:
    query = {"flow_runs": {"state": {"type": {"any_": ["RUNNING"]}}}, "limit": 1}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert served.process.poll() is None, "newswatch serve exited\n" + served.tail()
        try:
            if httpx.post(f"{served.api}/flow_runs/filter", json=query, timeout=5).json():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"no poll started within {timeout:.0f}s\n" + served.tail())


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_ctrl_c_during_a_scheduled_poll_stops_everything_without_a_traceback(tmp_path: Path):
    # Ctrl+C reaches the whole process group: serve, the run process, the extraction fork
    # server and its workers, the feed-parsing workers. Each of those used to print a
    # KeyboardInterrupt traceback of its own when the poll was interrupted mid-way.
    from newswatch.demo.site import SampleSite

    with SampleSite() as site:
        sources = tmp_path / "sources.yaml"
        sources.write_text(site.sources_yaml(), encoding="utf-8")
        served = Served(tmp_path, sources, free_port(), interval="20s")
        try:
            _wait_for_a_running_poll(served, timeout=300)
            time.sleep(0.5)  # the run's process is starting its workers and fetching
            tree = descendants(served.process.pid)
            os.killpg(served.process.pid, signal.SIGINT)
            served.process.wait(timeout=90)
        finally:
            served.stop()
    output = served.output.read_text(errors="replace")
    assert "Traceback" not in output and "KeyboardInterrupt\n" not in output, output[-4000:]
    deadline = time.monotonic() + 10  # orphans look at their parent twice a second
    while (left := [pid for pid in tree if alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, [cmdline(pid) for pid in left]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_poll_now_goes_through_the_running_server_and_shows_in_its_ui(served: Served):
    _wait_for_scheduled_completed_run(served, timeout=300)
    env = isolated_env(served.data)
    sources = served.data.parent / "sources.yaml"
    for _ in range(5):  # a scheduled poll may hold the store for a moment: exit 75, try again
        result = run_cli("run", "--once", "--sources", str(sources), env=env)
        if result.returncode != 75:
            break
        time.sleep(3)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    by_hand = [r for r in served.completed_flow_runs() if not r["auto_scheduled"]]
    assert len(by_hand) == 1, by_hand
    # Its link is serve's UI port: a temporary server would have pointed at the default 4200.
    assert f"{served.ui}/runs/flow-run/{by_hand[0]['id']}" in result.stderr, result.stderr[-2000:]


@pytest.mark.slow
def test_three_polls_at_once_on_one_store_alert_each_development_once(
    sample_site, slack, tmp_path: Path
):
    sources = tmp_path / "sources.yaml"
    sources.write_text(sample_site.sources_yaml(), encoding="utf-8")
    env = isolated_env(tmp_path / "data")
    env.update(
        SLACK_BOT_TOKEN=slack.state.token,
        NEWSWATCH_SLACK_API_URL=slack.base_url,
        NEWSWATCH_SLACK_CHANNEL="#newswatch",
    )
    argv = [*NEWSWATCH, "run", "--once", "--sources", str(sources)]
    runs = [
        subprocess.Popen(
            argv, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    results = [(r.wait(timeout=400), *r.communicate()) for r in runs]
    for code, _, err in results:
        assert "Traceback" not in err, err[-3000:]
        assert code in (0, 75), err[-3000:]
        if code == 75:  # the later ones say, in one line, which poll is running
            busy = [line for line in err.splitlines() if "already running" in line]
            assert len(busy) == 1 and "newswatch run --once (pid " in busy[0], err
    assert sum(code == 0 for code, _, _ in results) >= 1

    # Whatever ran, each development was alerted exactly once.
    expected = sample_site.world.expected_developments()
    top_level = [
        c for c in slack.state.calls_to("chat.postMessage") if not c.params.get("thread_ts")
    ]
    assert len(top_level) == len(expected), [c.params["text"][:80] for c in top_level]

    # A poll afterwards completes normally and posts nothing new.
    calls = len(slack.state.calls)
    again = run_cli("run", "--once", "--sources", str(sources), env=env)
    assert again.returncode == 0, again.stderr[-3000:]
    assert not [c for c in slack.state.calls[calls:] if c.method == "chat.postMessage"]


@pytest.mark.slow
def test_a_run_whose_sources_all_fail_is_not_green(tmp_path: Path):
    sources = tmp_path / "sources.yaml"
    closed = free_port()  # nothing listens there
    sources.write_text(
        "sources:\n"
        f"  - {{name: Gone A, url: 'http://127.0.0.1:{closed}/a.xml'}}\n"
        f"  - {{name: Gone B, url: 'http://127.0.0.1:{closed}/b.xml'}}\n"
    )
    env = isolated_env(tmp_path / "data")
    result = run_cli("run", "--once", "--sources", str(sources), env=env)
    assert result.returncode == 1, result.stdout + result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert "the poll failed: no source could be polled — 0/2 sources ok, 2 failing" in result.stderr
    assert "(0 ok, 2 failing, 0 skipped while backing off)" in result.stdout
