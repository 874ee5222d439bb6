"""The hostile world: every feed and page fault on its own source next to healthy ones, through
the real flow (Prefect, SQLite, Slack stand-in), and a token canary that scans everything a run
leaves behind. The feed-health rules as plain functions are in test_pipeline.py (back-off,
page faults) and test_health.py (one notice down, one notice up)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path

import pytest

from tests.fixtures.hostile_site import HostileSite

FAST_FETCH_ENV = {
    "NEWSWATCH_FETCH_TIMEOUT": "2",
    "NEWSWATCH_FETCH_CONNECT_TIMEOUT": "1",
    "NEWSWATCH_FETCH_READ_TIMEOUT": "1",
    "NEWSWATCH_FETCH_RETRIES": "1",
    "NEWSWATCH_FETCH_BACKOFF": "0.05",
    "NEWSWATCH_FETCH_MAX_BYTES": "1000000",
}


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
