"""The deploy/ topology with real processes: PostgreSQL, a Prefect server on it, a process work
pool, two workers, and the monitoring deployment triggered several times at once against the
loopback world (sample feeds on 127.0.0.1, the Slack stand-in). Whatever runs overlap, every
development is alerted exactly once.

Also checks that deploy/prefect.yaml and deploy/docker-compose.yml say what deploy/README.md
says they do (no Docker engine here: the compose file is checked as data).
"""

from __future__ import annotations

import re
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fixtures.postgres import throwaway_database, with_driver
from tests.fixtures.prefect_server import PREFECT, Child, prefect_env, start_server, start_worker

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"
POOL = "newswatch-test"
FLOW = "newswatch-poll"
DEPLOYMENT = "workers-test"
BUDGET = 150  # seconds for the flow runs, after the server is up
WORKERS = {"worker-a", "worker-b"}


# --- the deploy files ------------------------------------------------------------------------


def test_prefect_yaml_declares_one_limited_deployment_per_shard():
    from prefect.cli.deploy._models import PrefectYamlModel

    project = PrefectYamlModel.model_validate(
        yaml.safe_load((DEPLOY / "prefect.yaml").read_text(encoding="utf-8"))
    )
    shards = {d.parameters["shard"] for d in project.deployments}
    counts = {d.parameters["shards"] for d in project.deployments}
    assert counts == {len(project.deployments)} and shards == set(range(len(shards)))
    for deployment in project.deployments:
        assert deployment.entrypoint == "flows/monitor.py:poll"
        assert set(deployment.parameters) == {"sources", "tags", "shard", "shards"}
        assert deployment.work_pool and deployment.work_pool.name == "newswatch"
        assert deployment.schedules and deployment.schedules[0].interval
        limit = deployment.concurrency_limit
        assert limit is not None and not isinstance(limit, int)
        assert (limit.limit, limit.collision_strategy) == (1, "CANCEL_NEW")
    assert (REPO / "flows" / "monitor.py").exists()


def test_compose_file_wires_database_server_services_and_workers():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"postgres", "redis", "prefect-server", "prefect-services", "worker"} <= set(services)
    assert "--no-services" in services["prefect-server"]["command"]
    assert services["prefect-services"]["command"][-3:] == ["server", "services", "start"]
    worker = services["worker"]
    assert worker["command"][:5] == ["prefect", "worker", "start", "--pool", "newswatch"]
    assert worker["environment"]["NEWSWATCH_DATABASE_URL"].startswith("postgresql+psycopg://")
    server_env = services["prefect-server"]["environment"]
    assert server_env["PREFECT_SERVER_DATABASE_CONNECTION_URL"].startswith("postgresql+asyncpg://")
    for name in ("postgres", "redis", "prefect-server", "worker"):
        assert "healthcheck" in services[name], name
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert "FROM python:3.11-slim" in dockerfile and "-c constraints.txt ." in dockerfile


# --- several workers, one store --------------------------------------------------------------


@pytest.mark.slow
def test_two_workers_alert_every_development_exactly_once(tmp_path, sample_site, slack):
    """Four flow runs of one deployment (two over every source, two over one shard each) start
    at the same moment on two workers, all overlapping; then the next scheduled run comes."""
    sources = tmp_path / "sources.yaml"
    sources.write_text(sample_site.sources_yaml(), encoding="utf-8")
    expected = sample_site.world.expected_developments()
    children: list[Child] = []
    started = time.monotonic()
    with (
        throwaway_database("newswatch_test_store") as store_url,
        throwaway_database("newswatch_test_prefect") as prefect_db,
    ):
        try:
            server, api_url = start_server(tmp_path, with_driver(prefect_db, "asyncpg"))
            children.append(server)
            _create_pool(tmp_path, api_url)
            newswatch_env = {
                "NEWSWATCH_DATABASE_URL": store_url,
                "SLACK_BOT_TOKEN": slack.state.token,
                "NEWSWATCH_SLACK_API_URL": slack.base_url,
                "NEWSWATCH_SLACK_CHANNEL": "#newswatch",
            }
            for name in sorted(WORKERS):
                env = {**newswatch_env, "NEWSWATCH_DATA_DIR": str(tmp_path / name / "data")}
                children.append(start_worker(tmp_path, name, api_url, POOL, env, limit=1))
            after_burst, flow_runs, submitted_by = _run_burst_then_next_tick(
                api_url, sources, store_url
            )
            # Alerts a burst run left pending (a reply whose parent another run was posting
            # at that moment) go out with the next run.
            print(
                f"workers test: {time.monotonic() - started:.0f}s, {len(flow_runs)} flow runs, "
                f"alerts after the burst: {dict(after_burst)}"
            )

            # Every flow run completed, on real infrastructure, and both workers took some.
            bad = {r.name: r.state.type.value for r in flow_runs if not r.state.is_completed()}
            assert not bad, f"flow runs did not complete: {bad}\n" + _errors(children)
            assert len({r.infrastructure_pid for r in flow_runs}) == len(flow_runs)
            assert set(submitted_by.values()) == WORKERS, submitted_by
            assert set(submitted_by) == {str(r.id) for r in flow_runs}

            # Slack: one top-level message per (development, type), a reply per further
            # report, and not one message posted twice.
            _assert_alerted_exactly_once(slack.state, expected)
            _assert_store_settled(store_url)
        except BaseException:
            for child in children:
                print(child.tail())
            raise
        finally:
            for child in reversed(children):
                child.stop()
    assert time.monotonic() - started < 180


def _errors(children: list[Child], limit: int = 40) -> str:
    """The ERROR lines the processes logged (flow-run failures show up in the workers' logs)."""
    lines = [
        f"{child.name}: {line}"
        for child in children
        for line in child.log.read_text(encoding="utf-8", errors="replace").splitlines()
        if "ERROR" in line
    ]
    return "\n".join(lines[:limit])


def _create_pool(workdir: Path, api_url: str) -> None:
    env = prefect_env(workdir / "cli-home", PREFECT_API_URL=api_url)
    subprocess.run(
        [PREFECT, "--no-prompt", "work-pool", "create", POOL, "--type", "process"],
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )


def _run_burst_then_next_tick(
    api_url: str, sources: Path, store_url: str
) -> tuple[Counter, list[Any], dict]:
    from prefect import Flow
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}):
        # Deployed from the checkout itself: no image, the workers run flows/monitor.py here.
        flow = Flow.from_source(source=str(REPO), entrypoint="flows/monitor.py:poll")
        flow.deploy(
            name=DEPLOYMENT,
            work_pool_name=POOL,
            parameters={"sources": str(sources)},
            print_next_steps=False,
            ignore_warnings=True,
        )
        deadline = time.monotonic() + BUDGET
        # Both workers polling before the burst: on a busy machine one may take many seconds
        # to start, and the other (limit 1) would then run every flow run by itself.
        with get_client(sync_client=True) as client:
            while {w.name for w in client.read_workers_for_work_pool(POOL)} < WORKERS:
                assert time.monotonic() < deadline, "the workers never came online"
                time.sleep(0.5)
        burst = [{}, {}, {"shard": 0, "shards": 2}, {"shard": 1, "shards": 2}]
        ids = [run_deployment(f"{FLOW}/{DEPLOYMENT}", parameters=p, timeout=0).id for p in burst]
        _wait(ids, deadline)
        after_burst = _alert_statuses(store_url)
        # The schedule's next tick: finds nothing new, and delivers whatever a race left.
        ids.append(run_deployment(f"{FLOW}/{DEPLOYMENT}", timeout=0).id)
        flow_runs = _wait(ids, deadline)
        with get_client(sync_client=True) as client:
            logs = client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=ids)), limit=200
            )
    submitted_by: dict[str, str] = {}
    for log in logs:
        if match := re.match(r"Worker '([^']+)' submitting flow run '([^']+)'", log.message):
            submitted_by[match[2]] = match[1]
    return after_burst, flow_runs, submitted_by


def _alert_statuses(store_url: str) -> Counter:
    from sqlalchemy import select

    from newswatch.store import AlertRow, Store

    store = Store(store_url)
    try:
        with store.session() as s:
            return Counter(s.scalars(select(AlertRow.status)).all())
    finally:
        store.dispose()


def _wait(ids: list, deadline: float) -> list[Any]:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        while True:
            runs = [client.read_flow_run(i) for i in ids]
            if all(r.state and r.state.is_final() for r in runs):
                return runs
            if time.monotonic() > deadline:
                states = {r.name: r.state.type.value if r.state else None for r in runs}
                raise AssertionError(f"flow runs not finished within {BUDGET}s: {states}")
            time.sleep(1)


def _assert_alerted_exactly_once(state, expected: dict[tuple[str, str], list[dict]]) -> None:
    from newswatch.render import TYPE_TITLES

    posts = state.calls_to("chat.postMessage")
    ok_posts = [c for c in posts if c.status == 200]
    alert_ids = Counter(c.params["metadata"]["event_payload"]["alert_id"] for c in ok_posts)
    assert not [i for i, n in alert_ids.items() if n > 1], f"posted twice: {alert_ids}"
    top_level = [c for c in ok_posts if not c.params.get("thread_ts")]
    replies = [c for c in ok_posts if c.params.get("thread_ts")]
    # headers read ":emoji: Type title: who → whom"
    headline = {
        id(c): c.params["blocks"][0]["text"]["text"].split(" ", 1)[1].split(":")[0]
        for c in top_level
    }
    per_development = {
        key: sum(
            1
            for c in top_level
            if articles[0]["slug"] in c.params["text"] and headline[id(c)] == TYPE_TITLES[key[1]]
        )
        for key, articles in expected.items()
    }
    assert per_development == dict.fromkeys(expected, 1), (
        per_development,
        [c.params["text"] for c in top_level],
    )
    assert len(top_level) == len(expected), [c.params["text"] for c in top_level]
    assert len(replies) == sum(len(a) - 1 for a in expected.values())
    assert len(state.calls_to("chat.update")) == len(replies)


def _assert_store_settled(store_url: str) -> None:
    from sqlalchemy import select

    from newswatch.store import Item, Store

    store = Store(store_url)
    try:
        with store.session() as s:
            items = Counter(s.scalars(select(Item.status)).all())
    finally:
        store.dispose()
    assert set(_alert_statuses(store_url)) <= {"sent"}
    assert set(items) == {"done"}, items
