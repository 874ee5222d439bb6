"""The Prefect flow: one poll of the sources, from sources.yaml to Slack.

Thin wrappers only: each task calls plain functions of newswatch.pipeline / alerting /
delivery. One task per feed, or per batch of feeds when there are many (I/O, concurrent on one
shared httpx client), and one task that takes the run's pages as they stream in, extracts and
detects them in the worker pool, groups them and sends alerts as they come: never one task
per article. The run's artifact shows every source's health, the developments found and what
was delivered.
"""

# ruff: noqa: E402  (the collector is switched off before the imports below)
from __future__ import annotations

import gc

# Off while Prefect and newswatch load (a scheduled run imports them in a fresh process): its
# passes walked the growing heap again and again, ~0.2 s of the ~1 s this module takes to
# import. On again, with that heap frozen, at the end of this module.
_collecting = gc.isenabled()
gc.disable()

import asyncio
import logging
from contextlib import AbstractAsyncContextManager, nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from prefect import flow, get_client, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE
from prefect.concurrency.asyncio import concurrency
from prefect.runtime import flow_run
from prefect.states import Completed, Failed, State

from newswatch.alerting import group_and_alert
from newswatch.config import AlertsConfig, Source, SourcesConfig, load_config
from newswatch.delivery import deliver_pending
from newswatch.digest import enqueue_digest
from newswatch.feedback import run_summary
from newswatch.fetch import Fetcher, FetchLimits, HostGate
from newswatch.health import enqueue_health_notices
from newswatch.models import DeliveryReport, SourceOutcome, StreamReport
from newswatch.pipeline import ArticleStream, FeedStateWriter, poll_source, select_sources
from newswatch.report import build_summary
from newswatch.report import render as render_report
from newswatch.runlock import PollBusy, poll_lock
from newswatch.settings import Settings, SettingsError, load_settings
from newswatch.sinks import DryRunSink, Sink, SlackSink
from newswatch.store import FeedState, Store, StoreUnavailable, named_store_errors

DEFAULT_CHANNEL = "#newswatch"


MAX_FEED_TASKS = 20  # above this many feeds, feeds share tasks (measured: bench_warm_poll.py)


@task(name="poll-feeds", task_run_name="poll {label}", cache_policy=NONE)
async def poll_feeds(
    fetcher: Fetcher,
    store: Store,
    sources: list[Source],
    states: list[FeedState | None],
    interval: timedelta,
    run_id: str,
    label: str,
    state_writer: FeedStateWriter,
    stream: ArticleStream,
) -> list[SourceOutcome]:
    # Only what these feeds need: Prefect walks every task input, so handing the whole config
    # to each of N tasks made a poll cost grow with N².
    polled = await asyncio.gather(
        *(
            poll_source(
                fetcher,
                store,
                s,
                state,
                run_id=run_id,
                schedule_interval=interval,
                state_writer=state_writer,
                page_sink=stream,
            )
            for s, state in zip(sources, states, strict=True)
        )
    )
    return [outcome for outcome, _ in polled]


def feed_batches(sources: list[Source]) -> list[list[Source]]:
    """One task per feed while there are few (the UI shows each), else at most MAX_FEED_TASKS
    tasks of neighbouring hosts: a task run costs ~10 ms of Prefect overhead, so a thousand
    feeds in a thousand tasks cost more than the polling itself. Per-feed status stays in the
    log and the run report either way."""
    if len(sources) <= MAX_FEED_TASKS:
        return [[s] for s in sources]
    ordered = sorted(sources, key=lambda s: (s.host, s.name))
    size = -(-len(ordered) // MAX_FEED_TASKS)
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def _batch_label(batch: list[Source]) -> str:
    return batch[0].name if len(batch) == 1 else f"{len(batch)} feeds ({batch[0].host} …)"


def _unless_store_unavailable(task: Any, task_run: Any, state: State) -> bool:
    """Retry a failed task, except when the store itself is unusable (full, read-only, gone):
    a retry cannot help, and the run should end with that one line at once."""
    return not isinstance(getattr(state, "data", None), StoreUnavailable)


class _StoreFaultsInOneLine(logging.Filter):
    """An unusable store is a user-causable fault: Prefect's run loggers say it in one line,
    without the traceback they attach to every other exception."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], StoreUnavailable):
            record.exc_info, record.exc_text = None, None
        return True


for _name in ("prefect.task_runs", "prefect.flow_runs"):
    logging.getLogger(_name).addFilter(_StoreFaultsInOneLine())


@task(name="analyse-and-alert", cache_policy=NONE)
async def analyse_and_alert(
    stream: ArticleStream, store: Store, config: SourcesConfig, channel: str, sink: Sink
) -> StreamReport:
    """Every page of the run, as it arrives: extract + detect in the worker pool, group, and
    send the alerts that opens at once, while other feeds are still being fetched."""
    return await group_and_alert(stream, store, config, channel, sink)


@task(
    name="queue-notices",
    cache_policy=NONE,
    retries=2,
    retry_delay_seconds=5,
    retry_condition_fn=_unless_store_unavailable,
)
async def queue_notices(
    store: Store, outcomes: list[SourceOutcome], alerts: AlertsConfig, channel: str
) -> list[str]:
    """Source-health notices and the digest, if one is due (both enqueue idempotently)."""

    def enqueue() -> list[str]:
        notices = enqueue_health_notices(
            store, outcomes, channel=channel, notice_after=alerts.source_failure_notice_after
        )
        if alerts.digest is not None:
            enqueue_digest(store, alerts.digest, channel)
        return notices

    with named_store_errors(store.url):
        return await asyncio.to_thread(enqueue)


@task(
    name="deliver-alerts",
    cache_policy=NONE,
    retries=2,
    retry_delay_seconds=5,
    retry_condition_fn=_unless_store_unavailable,
)
async def deliver_alerts(store: Store, sink: Sink) -> DeliveryReport:
    with named_store_errors(store.url):
        return await asyncio.to_thread(deliver_pending, store, sink)


def make_sink(settings: Settings) -> Sink:
    if settings.slack_bot_token is None:
        return DryRunSink(settings.dry_run_file)
    return SlackSink(settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url)


async def prefect_host_gate(lease_seconds: float) -> HostGate | None:
    """Per-host politeness across every worker: hosts with an active Prefect global concurrency
    limit named `host:<hostname>` (e.g. `prefect gcl create host:tass.com --limit 2`) get a
    slot per request. Looked up once per run, so unlimited hosts cost no API call at all."""
    limited: set[str] = set()
    async with get_client() as client:
        offset = 0
        while page := await client.read_global_concurrency_limits(limit=200, offset=offset):
            limited |= {
                gcl.name.removeprefix("host:")
                for gcl in page
                if gcl.name.startswith("host:") and gcl.active
            }
            offset += len(page)
    if not limited:
        return None

    def gate(host: str) -> AbstractAsyncContextManager[object]:
        if host not in limited:
            return nullcontext()
        return concurrency(f"host:{host}", occupy=1, lease_duration=lease_seconds)

    return gate


def _run_name() -> str:
    return f"poll-{datetime.now(UTC):%Y%m%d-%H%M%S}"


@flow(name="newswatch-poll", flow_run_name=_run_name)
async def poll(
    sources: str | None = None,
    tags: list[str] | None = None,
    shard: int | None = None,
    shards: int = 1,
) -> State:
    """Poll every enabled source once, detect new developments and deliver their alerts.

    Ends Failed (with the cause as the state's message) when no source could be polled, when
    it ran on the last good copy of a broken sources.yaml, or when Slack refused alerts for
    good; otherwise Completed with a one-line account. A poll that finds another one running on
    the same embedded store ends at once as "Skipped", naming the running one."""
    logger = get_run_logger()
    try:
        settings = load_settings()
    except SettingsError as bad:  # a worker's environment: say which variable, no traceback
        logger.error("bad setting: %s", bad)
        return Failed(message=f"bad setting: {bad}")
    who = f"flow run {flow_run.get_name() or _run_name()}"
    try:
        with (
            named_store_errors(settings.resolved_database_url),
            poll_lock(settings.resolved_database_url, who),
        ):
            summary = await _poll(settings, sources, tags, shard, shards)
    except PollBusy as busy:
        logger.warning("%s; this run does nothing", busy)
        return Completed(name="Skipped", message=str(busy), data={"skipped": str(busy)})
    except StoreUnavailable as fault:
        logger.error("%s", fault)  # one line: which store, and why; no traceback
        return Failed(message=str(fault))
    state = run_state(summary)
    (logger.error if state.is_failed() else logger.info)("%s", state.message)
    return state


def run_state(summary: dict[str, Any]) -> State:
    """The run's final state from its summary: Failed with the cause, or Completed."""
    sources = summary["sources"]
    ok = sum(1 for s in sources if s["status"] in ("ok", "not_modified"))
    failing = sum(1 for s in sources if s["status"] == "error")
    backing_off = sum(1 for s in sources if s["status"] == "skipped")
    parts = [f"{ok}/{len(sources)} sources ok"]
    if failing:
        parts[0] += f", {failing} failing"
    if backing_off:
        parts[0] += f", {backing_off} backing off"
    parts.append(f"{summary['alerts_sent']} alert{'' if summary['alerts_sent'] == 1 else 's'} sent")
    if summary["alerts_pending"]:
        parts.append(f"{summary['alerts_pending']} pending")
    causes = []
    if sources and ok == 0:
        causes.append("no source could be polled")
    if summary.get("config_fallback"):
        causes.append("sources.yaml is broken; ran on its last good copy")
    if summary["blocked_channels"]:
        refused = ", ".join(f"{c} ({e})" for c, e in summary["blocked_channels"].items())
        causes.append(f"Slack refuses alerts for {refused}")
    message = " · ".join(parts)
    if causes:
        return Failed(message="; ".join(causes) + " — " + message, data=summary)
    return Completed(message=message, data=summary)


async def _poll(
    settings: Settings,
    sources: str | None,
    tags: list[str] | None,
    shard: int | None,
    shards: int,
) -> dict[str, Any]:
    logger = get_run_logger()
    started = datetime.now(UTC)  # feedback hook (#12): what a mute held back in this run
    config, config_fallback = load_config(
        Path(sources) if sources else settings.sources, settings.data_dir, logger
    )
    channel = settings.slack_channel or config.alerts.channel or DEFAULT_CHANNEL
    store = Store(settings.resolved_database_url)
    run_id = str(flow_run.get_id() or _run_name())
    store.start_run(run_id)  # its claims are its own while it lives (heartbeat, pid)
    try:
        chosen = select_sources(config, tags, shard, shards)
        states = store.feed_states()
        stream = ArticleStream(frozenset(config.watchlist) or None)
        if any(s.name not in states for s in chosen):
            # A feed never polled before lists only new items: start the pool's warm-up (~1.5
            # s of the other core) now, before anything else, instead of once its items are
            # claimed: until it is done no page can be extracted.
            stream.expect()
        limits = FetchLimits.from_env()
        host_gate = await prefect_host_gate(lease_seconds=max(60.0, 2 * limits.total_timeout))
        interval = config.schedule.interval
        sink = make_sink(settings)
        state_writer = FeedStateWriter(store)
        async with Fetcher(limits, host_gate=host_gate) as fetcher:

            async def fetch_all() -> list[list[SourceOutcome]]:
                try:
                    return await asyncio.gather(
                        *(
                            poll_feeds(
                                fetcher,
                                store,
                                batch,
                                [states.get(s.name) for s in batch],
                                interval,
                                run_id,
                                _batch_label(batch),
                                state_writer,
                                stream,
                            )
                            for batch in feed_batches(chosen)
                        )
                    )
                finally:
                    await state_writer.close()
                    await stream.close()

            # A TaskGroup: if grouping fails for good, fetching stops too (its pages would
            # wait for the full stream forever). Its first fault is the run's (a store fault
            # stays the one line the flow makes of it).
            try:
                async with asyncio.TaskGroup() as group:
                    fetching = group.create_task(fetch_all())
                    analysing = group.create_task(
                        analyse_and_alert(stream, store, config, channel, sink)
                    )
            except BaseExceptionGroup as failed:
                raise failed.exceptions[0] from None
            batches, streamed = fetching.result(), analysing.result()
        outcomes = [outcome for batch in batches for outcome in batch]
        analysed, grouping = streamed.analysed, streamed.grouping
        notices = await queue_notices(store, outcomes, config.alerts, channel)
        delivery = await deliver_alerts(store, sink)
        delivery.sent = streamed.delivery.sent + delivery.sent
        delivery.errors = list(dict.fromkeys(streamed.delivery.errors + delivery.errors))
        for name, error in delivery.blocked_channels.items():
            logger.error(
                "Slack refused alerts for %s (%s): they stay pending until this is fixed",
                name,
                error,
            )
        summary = build_summary(store, outcomes, analysed, grouping, delivery, notices)
        summary["config_fallback"] = config_fallback
        summary["feedback"] = run_summary(store, started)  # feedback hook (#12)
        await create_markdown_artifact(
            key="newswatch-run-report",
            markdown=render_report(summary),
            description="newswatch: sources, developments and alerts of this run",
        )
        logger.info(
            "run done: %d sources, %d new articles, %d detections, %d alerts sent, %d pending",
            len(outcomes),
            len(analysed),
            len(grouping.detections),
            len(delivery.sent),
            delivery.pending,
        )
        return summary
    finally:
        store.finish_run(run_id)  # whatever it left unfinished is free for the next run at once
        store.dispose()  # a PostgreSQL pool must not outlive the run


# A scheduled run is a fresh process (`python -m prefect.engine`) that imports Prefect and
# newswatch, polls once and exits. Everything imported by now lives as long as the process:
# moved out of the collector's reach, later collections skip it and the interpreter's exit no
# longer walks it (measured: ~0.3 s of a quiet run's ~3 s). Not collected first: a full pass
# costs ~0.1 s, for ~5,600 leftovers of the imports (~2 MB, once per process).
gc.freeze()
if _collecting:
    gc.enable()
