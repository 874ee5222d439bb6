"""The hostile world: every feed and page fault on its own source next to healthy ones, through
the real flow (Prefect, SQLite, Slack stand-in) — plus the feed-health rules (back-off, one
notice down, one notice up) as plain-function tests, and a token canary that scans everything
a run leaves behind."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from newswatch.config import parse_sources
from newswatch.fetch import Fetcher, FetchLimits
from newswatch.health import enqueue_health_notices
from newswatch.pipeline import MAX_BACKOFF, backoff_after, poll_source
from newswatch.store import AlertRow, FeedState, Store
from tests.fixtures.hostile_site import HostileSite, item, rss
from tests.fixtures.mock_transport import StreamingMockTransport

INTERVAL = timedelta(minutes=10)
T0 = datetime(2024, 11, 5, 12, 0, tzinfo=UTC)

FAST_FETCH_ENV = {
    "NEWSWATCH_FETCH_TIMEOUT": "2",
    "NEWSWATCH_FETCH_CONNECT_TIMEOUT": "1",
    "NEWSWATCH_FETCH_READ_TIMEOUT": "1",
    "NEWSWATCH_FETCH_RETRIES": "1",
    "NEWSWATCH_FETCH_BACKOFF": "0.05",
    "NEWSWATCH_FETCH_MAX_BYTES": "1000000",
}


# --- feed health as plain functions -----------------------------------------------------------


def test_backoff_grows_and_is_capped():
    assert [backoff_after(n, INTERVAL) for n in (1, 2, 3, 4)] == [
        timedelta(0),
        2 * INTERVAL,
        4 * INTERVAL,
        8 * INTERVAL,
    ]
    assert backoff_after(40, INTERVAL) == MAX_BACKOFF


class Switch:
    """A feed that fails (HTTP 503) until `up` is set."""

    def __init__(self) -> None:
        self.up = False
        self.requests = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if not self.up:
            return httpx.Response(503)
        return httpx.Response(200, content=rss(item("Fine", "/a", "1")))


def _poll(store: Store, source, fetcher: Fetcher, now: datetime):
    state = store.feed_states().get(source.name)
    outcome, _ = asyncio.run(
        poll_source(fetcher, store, source, state, run_id="r", schedule_interval=INTERVAL, now=now)
    )
    return outcome


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


def test_skipped_source_reports_why(tmp_path: Path):
    store = Store(f"sqlite:///{tmp_path / 'nw.db'}")
    source = parse_sources("sources:\n  - name: Down\n    url: https://down.example/rss\n").sources[
        0
    ]
    store.save_feed_state(
        FeedState(
            source="Down",
            url=source.url,
            consecutive_failures=3,
            failure_notice_sent=True,
            last_error="timeout: no complete response within 30s (https://down.example/rss)",
            next_poll_at=T0 + timedelta(hours=1),
        )
    )
    outcome = _poll(store, source, Fetcher(transport=StreamingMockTransport(Switch())), T0)
    assert outcome.status == "skipped"
    assert outcome.warnings == [
        "backing off after 3 failed polls until 2024-11-05 13:00 UTC; last error: "
        "timeout: no complete response within 30s (https://down.example/rss)"
    ]


def test_retry_after_postpones_the_next_poll(tmp_path: Path):
    store = Store(f"sqlite:///{tmp_path / 'nw.db'}")
    source = parse_sources("sources:\n  - name: Busy\n    url: https://busy.example/rss\n").sources[
        0
    ]
    transport = StreamingMockTransport(
        lambda r: httpx.Response(429, headers={"Retry-After": "7200"})
    )

    async def one():
        async with Fetcher(FetchLimits(retries=0), transport=transport) as fetcher:
            return await poll_source(
                fetcher, store, source, None, run_id="r", schedule_interval=INTERVAL, now=T0
            )

    outcome, _ = asyncio.run(one())
    assert outcome.status == "error" and "HTTP 429 (Retry-After 7200s)" in (outcome.error or "")
    assert outcome.next_poll_at == T0 + timedelta(hours=2)


def test_page_faults_stay_with_their_item(tmp_path: Path):
    """A feed whose items link to metadata, loopback and PDFs still succeeds; each item says
    why its page was not read."""
    store = Store(f"sqlite:///{tmp_path / 'nw.db'}")
    source = parse_sources(
        "sources:\n  - name: Mixed\n    url: https://mixed.example/rss\n"
    ).sources[0]
    feed = rss(
        item("Meta", "http://169.254.169.254/latest/meta-data/", "1")
        + item("Loop", "http://127.0.0.1:8080/admin", "2")
        + item("Pdf", "https://mixed.example/report.pdf", "3")
        + item("Fine", "https://mixed.example/story.html", "4")
        + item("No link", None, "5")
    )
    requested: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        if request.url.path == "/rss":
            return httpx.Response(
                200, headers={"Content-Type": "application/rss+xml"}, content=feed
            )
        if request.url.path.endswith(".pdf"):
            return httpx.Response(200, headers={"Content-Type": "application/pdf"}, content=b"%PDF")
        return httpx.Response(200, headers={"Content-Type": "text/html"}, content=b"<html>x</html>")

    async def one():
        async with Fetcher(FetchLimits(retries=0), transport=StreamingMockTransport(handler)) as f:
            return await poll_source(
                f, store, source, None, run_id="r", schedule_interval=INTERVAL, now=T0
            )

    outcome, jobs = asyncio.run(one())
    assert outcome.status == "ok" and outcome.new == 5
    problems = {job.item.title: job.fetch_problem for job in jobs}
    assert "blocked_address" in problems["Meta"] and "169.254.169.254" in problems["Meta"]
    assert "blocked_address" in problems["Loop"]
    assert "unwanted_type: application/pdf" in problems["Pdf"]
    assert problems["Fine"] is None
    assert problems["No link"] == "the feed entry has no link"
    assert not any("169.254" in u or "127.0.0.1" in u for u in requested)
    assert len(outcome.warnings) == 3


# --- the whole flow against the hostile site -------------------------------------------------


@pytest.fixture
def fast_fetch(monkeypatch):
    for name, value in FAST_FETCH_ENV.items():
        monkeypatch.setenv(name, value)


def _sources_yaml(hostile: HostileSite, sample_site, notice_after: int = 2) -> str:
    sample_items = sample_site.sources_yaml().split("sources:\n", 1)[1]
    return hostile.sources_yaml(extra=sample_items.rstrip("\n"), notice_after=notice_after)


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness", "fast_fetch")
def test_hostile_world_twice(sample_site, slack_env, tmp_path: Path):
    from flows.monitor import poll

    with HostileSite() as hostile:
        sources = tmp_path / "sources.yaml"
        sources.write_text(_sources_yaml(hostile, sample_site), encoding="utf-8")

        started = time.monotonic()
        first = asyncio.run(poll(sources=str(sources)))
        first_took = time.monotonic() - started
        started = time.monotonic()
        second = asyncio.run(poll(sources=str(sources)))
        second_took = time.monotonic() - started
        third = asyncio.run(poll(sources=str(sources)))

    # Nothing ever reached the internal service, under any name or through any redirect.
    assert hostile.internal.requests == []
    # The deadline holds: slow sources cost their 2 s, concurrently, not a minute each.
    assert first_took < 45 and second_took < 30, (first_took, second_took)

    by_name = {s["name"]: s for s in first["sources"]}
    assert len(by_name) == len(hostile.FEED_FAULTS) + len(hostile.FEED_WARNINGS) + 2 + 4
    for path, cause in hostile.FEED_FAULTS.items():
        report = by_name[f"hostile {path}"]
        assert report["status"] == "error", (path, report)
        assert cause in report["error"], (path, report["error"])
        assert hostile.url(path).split("?")[0].rsplit("/", 1)[0] in report["error"], report
    assert by_name["refused"]["status"] == "error"
    assert "connection refused" in by_name["refused"]["error"]
    assert hostile.refused_url in by_name["refused"]["error"]
    assert by_name["dns failure"]["error"].startswith("dns_error: ")
    for path, warning in hostile.FEED_WARNINGS.items():
        report = by_name[f"hostile {path}"]
        assert report["status"] == "ok", (path, report)
        if warning:
            assert any(warning in w for w in report["warnings"]), (path, report["warnings"])
    odd = by_name["hostile /odd-items.xml"]
    odd_warnings = "\n".join(odd["warnings"])
    assert odd["items"] == 12  # 13 entries, one duplicate guid
    for fault in (
        "169.254.169.254 is a non-public address",
        f"localhost resolves to non-public address 127.0.0.1; add the host to the source's "
        f"allow_hosts if this is intended ({hostile.internal_url})",
        "unwanted_type: application/pdf",
        "unwanted_type: image/png",
    ):
        assert fault in odd_warnings, (fault, odd_warnings)
    # Healthy sources are untouched by their neighbours.
    sample_names = [f["title"] for f in sample_site.world.feeds]
    assert all(
        by_name[name]["status"] == "ok" and by_name[name]["new"] > 0 for name in sample_names
    )
    assert first["fallbacks"] >= 8  # the odd items were read from their feed text, flagged

    # Second run: failures count up; the healthy feeds answer 304; one notice per failing
    # source. The rate-limited one is left alone: it asked for an hour's peace (Retry-After).
    second_by_name = {s["name"]: s for s in second["sources"]}
    failing = {name for name, s in by_name.items() if s["status"] == "error"}
    rate_limited = "hostile /rate-limited.xml"
    assert rate_limited in failing
    failing_again = failing - {rate_limited}
    assert {n for n, s in second_by_name.items() if s["status"] == "error"} == failing_again
    assert all(second_by_name[n]["consecutive_failures"] == 2 for n in failing_again)
    assert second_by_name[rate_limited]["status"] == "skipped"
    assert "backing off after 1 failed polls" in second_by_name[rate_limited]["warnings"][0]
    assert all(second_by_name[n]["status"] == "not_modified" for n in sample_names)
    assert len(second["notices"]) == len(failing_again)
    assert all("polls in a row" in n for n in second["notices"])
    notice_posts = [
        c
        for c in slack_env.state.calls_to("chat.postMessage")
        if "polls in a row" in c.params["text"]
    ]
    assert len(notice_posts) == len(failing_again)

    # Third run: the failing sources back off (reported, not polled) and nobody is told again.
    third_by_name = {s["name"]: s for s in third["sources"]}
    assert all(third_by_name[n]["status"] == "skipped" for n in failing)
    assert all(
        "backing off after 2 failed polls" in third_by_name[n]["warnings"][0] for n in failing_again
    )
    assert third["notices"] == []


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness", "fast_fetch")
def test_tokens_never_leave_a_trace(
    sample_site, newswatch_env: Path, tmp_path: Path, monkeypatch, capfd
):
    from prefect.client.orchestration import get_client
    from prefect.logging.handlers import APILogHandler

    from flows.monitor import poll
    from tests.fixtures.slack_api import SlackStandIn

    slack_token = "xoxb-CANARY-5lack-t0ken-93f1e2"
    feed_token = "CANARY-feed-key-77ab01"
    with SlackStandIn(token=slack_token) as slack, HostileSite() as hostile:
        monkeypatch.setenv("SLACK_BOT_TOKEN", slack_token)
        monkeypatch.setenv("NEWSWATCH_SLACK_API_URL", slack.base_url)
        monkeypatch.setenv("NEWSWATCH_SLACK_CHANNEL", "#newswatch")
        header = f'    headers: {{Authorization: "Bearer {feed_token}"}}'
        sample_items = sample_site.sources_yaml().split("sources:\n", 1)[1].rstrip("\n")
        yaml_text = "\n".join(
            [
                "sources:",
                sample_items,
                '  - name: "refused"',
                f"    url: {hostile.refused_url}",
                header,
                '  - name: "not found"',
                f"    url: {hostile.url('/status/404.xml')}",
                header,
                '  - name: "odd"',
                f"    url: {hostile.url('/odd-items.xml')}",
                header,
                "alerts:",
                "  source_failure_notice_after: 1",
            ]
        )
        sources = tmp_path / "sources.yaml"
        sources.write_text(yaml_text + "\n", encoding="utf-8")
        # Every log record at every level, straight from the root logger (Prefect's logging
        # set-up replaces pytest's capture handler, so keep our own).
        records: list[logging.LogRecord] = []
        keep = logging.Handler(logging.DEBUG)
        keep.emit = records.append  # type: ignore[method-assign]
        root = logging.getLogger()
        old_level = root.level
        root.addHandler(keep)
        root.setLevel(logging.DEBUG)
        try:
            summary = asyncio.run(poll(sources=str(sources)))
        finally:
            root.removeHandler(keep)
            root.setLevel(old_level)
        APILogHandler().flush()  # ship every log line to the API before reading them back
        assert slack.state.calls, "the run must have talked to Slack for this test to mean much"
        assert len(summary["notices"]) == 2  # the failing sources were announced

    async def from_prefect() -> str:
        async with get_client() as client:
            logs = await client.read_logs()
            artifacts = await client.read_artifacts()
            runs = await client.read_flow_runs()
        return "\n".join(
            [*(log.message for log in logs), *(str(a.data) for a in artifacts)]
            + [json.dumps(r.parameters, default=str) for r in runs]
        )

    prefect_text = asyncio.run(from_prefect())
    assert "newswatch run" in prefect_text  # the artifact is there to be scanned
    captured = capfd.readouterr()
    files = [
        p
        for p in newswatch_env.rglob("*")
        if p.is_file() and p.name != "sources.last-good.yaml"  # the user's own file, copied
    ]
    everything = {
        "stdout": captured.out,
        "stderr": captured.err,
        "log records": "\n".join(f"{r.getMessage()} {r.exc_info!r} {r.args!r}" for r in records),
        "prefect logs, artifacts, parameters": prefect_text,
        "return value": json.dumps(summary, default=str),
        "data files": "\n".join(p.read_bytes().decode("utf-8", "replace") for p in files),
    }
    assert any(r.name.startswith("slack_sdk") for r in records)  # debug logs were captured
    for where, text in everything.items():
        for token in (slack_token, feed_token, "CANARY"):
            assert token not in text, f"{token} leaked into {where}"
