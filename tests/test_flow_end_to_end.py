"""The whole flow, twice, against the loopback world: sample feeds and pages on 127.0.0.1, the
Slack stand-in, real SQLite, real Prefect."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]


def test_two_runs_alert_once_per_development_and_then_nothing(
    sample_site, slack_env, tmp_path: Path
):
    from flows.monitor import poll

    sources = tmp_path / "sources.yaml"
    sources.write_text(sample_site.sources_yaml(), encoding="utf-8")
    expected = sample_site.world.expected_developments()

    first = asyncio.run(poll(sources=str(sources)))

    state = slack_env.state
    posts = state.calls_to("chat.postMessage")
    top_level = [c for c in posts if not c.params.get("thread_ts")]
    replies = [c for c in posts if c.params.get("thread_ts")]
    assert len(top_level) == len(expected), [c.params["text"] for c in top_level]
    assert len(replies) == sum(len(a) - 1 for a in expected.values())
    assert len(state.calls_to("chat.update")) == len(replies)
    # Every top-level alert names its type and carries the first report's link.
    texts = sorted(c.params["text"] for c in top_level)
    for (development, event_type), articles in expected.items():
        slug = articles[0]["slug"]
        assert any(slug in text for text in texts), (development, event_type, texts)
    from newswatch.render import TYPE_TITLES

    wanted_titles = sorted(TYPE_TITLES[t] for _, t in expected)
    # headers read ":emoji: Type title: who → whom"
    got_titles = sorted(
        c.params["blocks"][0]["text"]["text"].split(" ", 1)[1].split(":")[0] for c in top_level
    )
    assert got_titles == wanted_titles
    # Every message carries its outbox id, so a lost response can be checked against Slack.
    assert all(c.params["metadata"]["event_type"] == "newswatch_alert" for c in posts)
    assert first["alerts_pending"] == 0
    assert sorted(d["type"] for d in first["developments"]) == sorted(t for _, t in expected)
    assert {d["change"] for d in first["developments"]} == {"new"}
    from prefect.client.orchestration import get_client

    async def artifact() -> str:
        async with get_client() as client:
            return (await client.read_latest_artifacts())[0].data  # type: ignore[union-attr]

    report = asyncio.run(artifact())
    assert "## Developments" in report and "## Sources" in report
    assert all(s["status"] == "ok" for s in first["sources"])

    calls_before = len(state.calls)
    second = asyncio.run(poll(sources=str(sources)))
    assert len(state.calls) == calls_before, [c.method for c in state.calls[calls_before:]]
    assert second["articles"] == 0
    assert {s["status"] for s in second["sources"]} == {"not_modified"}


@pytest.mark.parametrize("host_limit", [None, 1])
def test_per_host_politeness_follows_prefect_global_concurrency_limits(
    host_limit, newswatch_env, tmp_path: Path
):
    from prefect import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate

    from flows.monitor import poll
    from newswatch.demo.site import SampleSite

    async def set_limit(limit: int | None) -> None:
        async with get_client() as client:
            for gcl in await client.read_global_concurrency_limits(limit=100):
                await client.delete_global_concurrency_limit_by_name(gcl.name)
            if limit is not None:
                await client.create_global_concurrency_limit(
                    GlobalConcurrencyLimitCreate(name="host:127.0.0.1", limit=limit)
                )

    asyncio.run(set_limit(host_limit))
    try:
        with SampleSite(delay=0.05) as site:
            sources = tmp_path / "sources.yaml"
            sources.write_text(site.sources_yaml(), encoding="utf-8")
            summary = asyncio.run(poll(sources=str(sources)))
    finally:
        asyncio.run(set_limit(None))  # the harness is shared by the whole session
    assert {s["status"] for s in summary["sources"]} == {"ok"}, summary["sources"]
    # Without a limit this process allows 2 requests per host at once; with one, Prefect does.
    assert site.max_in_flight == (host_limit or 2)
