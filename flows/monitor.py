"""The Prefect flow: one poll of the sources, from sources.yaml to Slack.

Thin wrappers only: each task calls one plain function of newswatch.pipeline / developments /
delivery. One task per feed (I/O, concurrent on one shared httpx client) and one task per
batch for the CPU work, never one per article. The run's artifact shows every source's health,
the developments found and what was delivered.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AbstractAsyncContextManager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_client, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE
from prefect.concurrency.asyncio import concurrency
from prefect.runtime import flow_run
from sqlalchemy import select

from newswatch.alerts import DryRunSink, Sink, SlackSink
from newswatch.config import ConfigError, Source, SourcesConfig, load_sources, parse_sources
from newswatch.delivery import DeliveryReport, deliver_pending
from newswatch.developments import AnalysedArticle, GroupingReport, record_articles
from newswatch.digest import enqueue_digest
from newswatch.feedback import report_lines, run_summary
from newswatch.fetch import Fetcher, FetchLimits, HostGate
from newswatch.health import enqueue_health_notices
from newswatch.pipeline import PageJob, SourceOutcome, analyse_pages, poll_source, select_sources
from newswatch.settings import Settings
from newswatch.store import DevelopmentRow, FeedState, Store

DEFAULT_CHANNEL = "#newswatch"


@task(name="poll-feed", task_run_name="poll {source.name}", cache_policy=NONE)
async def poll_feed(
    fetcher: Fetcher,
    store: Store,
    source: Source,
    state: FeedState | None,
    config: SourcesConfig,
    run_id: str,
) -> tuple[SourceOutcome, list[PageJob]]:
    return await poll_source(
        fetcher, store, source, state, run_id=run_id, schedule_interval=config.schedule.interval
    )


@task(
    name="extract-and-detect",
    task_run_name="extract and detect {count} articles",
    cache_policy=NONE,
)
async def extract_and_detect(
    jobs: list[PageJob], watchlist: frozenset[str] | None, count: int
) -> list[AnalysedArticle]:
    return await asyncio.to_thread(analyse_pages, jobs, watchlist)


# Grouping and delivery are idempotent (finished items are skipped, alerts are leased), so a
# retry after a transient failure such as a locked database is always safe.
@task(name="group-developments", cache_policy=NONE, retries=2, retry_delay_seconds=5)
async def group_developments(
    store: Store, analysed: list[AnalysedArticle], config: SourcesConfig, channel: str
) -> GroupingReport:
    return await asyncio.to_thread(record_articles, store, analysed, config, channel)


@task(name="deliver-alerts", cache_policy=NONE, retries=2, retry_delay_seconds=5)
async def deliver_alerts(store: Store, sink: Sink) -> DeliveryReport:
    return await asyncio.to_thread(deliver_pending, store, sink)


def load_config(
    path: Path, data_dir: Path, logger: logging.Logger | logging.LoggerAdapter
) -> tuple[SourcesConfig, str | None]:
    """The sources file, or, if it is broken now, the last good copy and why (said loudly)."""
    last_good = data_dir / "sources.last-good.yaml"
    try:
        config = load_sources(path)
    except ConfigError as error:
        if not last_good.exists():
            raise
        logger.error(
            "%s is broken; using the last good copy (%s) until it is fixed:\n%s",
            path,
            last_good,
            error,
        )
        fallback = f"{path} is broken; this run used the last good copy. {error}"
        return parse_sources(
            last_good.read_text(encoding="utf-8"), filename=str(last_good)
        ), fallback
    last_good.parent.mkdir(parents=True, exist_ok=True)
    last_good.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return config, None


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
) -> dict[str, Any]:
    """Poll every enabled source once, detect new developments and deliver their alerts."""
    logger = get_run_logger()
    started = datetime.now(UTC)  # feedback hook (#12): what a mute held back in this run
    settings = Settings()
    config, config_fallback = load_config(
        Path(sources) if sources else settings.sources, settings.data_dir, logger
    )
    channel = settings.slack_channel or config.alerts.channel or DEFAULT_CHANNEL
    store = Store(settings.resolved_database_url)
    try:
        run_id = str(flow_run.get_id() or _run_name())
        chosen = select_sources(config, tags, shard, shards)
        states = store.feed_states()
        limits = FetchLimits.from_env()
        host_gate = await prefect_host_gate(lease_seconds=max(60.0, 2 * limits.total_timeout))
        async with Fetcher(limits, host_gate=host_gate) as fetcher:
            polled = await asyncio.gather(
                *(
                    poll_feed(fetcher, store, source, states.get(source.name), config, run_id)
                    for source in chosen
                )
            )
        outcomes = [outcome for outcome, _ in polled]
        jobs = [job for _, source_jobs in polled for job in source_jobs]
        watchlist = frozenset(config.watchlist) or None
        analysed = await extract_and_detect(jobs, watchlist, len(jobs)) if jobs else []
        grouping = await group_developments(store, analysed, config, channel)
        notices = enqueue_health_notices(
            store, outcomes, channel=channel, notice_after=config.alerts.source_failure_notice_after
        )
        if config.alerts.digest is not None:
            enqueue_digest(store, config.alerts.digest, channel)
        delivery = await deliver_alerts(store, make_sink(settings))
        for name, error in delivery.blocked_channels.items():
            logger.error(
                "Slack refused alerts for %s (%s): they stay pending until this is fixed",
                name,
                error,
            )
        summary = _summary(outcomes, analysed, grouping, delivery, notices)
        summary["config_fallback"] = config_fallback
        summary["developments"] = _developments(store, grouping)
        summary["feedback"] = run_summary(store, started)  # feedback hook (#12)
        await create_markdown_artifact(
            key="newswatch-run-report",
            markdown=_report(summary),
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
        store.dispose()  # a PostgreSQL pool must not outlive the run


def _summary(
    outcomes: list[SourceOutcome],
    analysed: list[AnalysedArticle],
    grouping: GroupingReport,
    delivery: DeliveryReport,
    notices: list[str],
) -> dict[str, Any]:
    return {
        "sources": [
            {
                "name": o.source,
                "url": o.url,
                "status": o.status,
                "items": o.items,
                "new": o.new,
                "error": o.error,
                "warnings": o.warnings,
                "consecutive_failures": o.consecutive_failures,
                "last_success_at": o.last_success_at.isoformat() if o.last_success_at else None,
                "next_poll_at": o.next_poll_at.isoformat() if o.next_poll_at else None,
            }
            for o in outcomes
        ],
        "articles": len(analysed),
        "fallbacks": sum(1 for a in analysed if a.article.text_from == "feed"),
        "detections": [list(d) for d in grouping.detections],
        "developments_new": sorted(set(grouping.new)),
        "developments_updated": sorted(set(grouping.updated)),
        "developments_escalated": sorted(set(grouping.escalated)),
        "alerts_sent": len(delivery.sent),
        "alerts_pending": delivery.pending,
        "alert_errors": delivery.errors,
        "blocked_channels": delivery.blocked_channels,
        "notices": notices,
    }


def _developments(store: Store, grouping: GroupingReport) -> list[dict[str, Any]]:
    """The developments this run opened or added to, for the run's artifact."""
    changed = {*grouping.new, *grouping.updated}
    if not changed:
        return []
    with store.session() as s:
        rows = s.scalars(select(DevelopmentRow).where(DevelopmentRow.id.in_(changed))).all()
    return [
        {
            "id": d.id,
            "type": d.type,
            "modality": d.modality,
            "actors": d.actors,
            "target": d.target,
            "reports": d.report_count,
            "channel": d.channel,
            "change": "escalated"
            if d.id in grouping.escalated
            else ("new" if d.id in grouping.new else "updated"),
        }
        for d in sorted(rows, key=lambda d: d.id)
    ]


def _cell(value: Any) -> str:
    return str(value if value is not None else "").replace("|", "\\|").replace("\n", " ")[:300]


def _report(summary: dict[str, Any]) -> str:
    lines = [
        "# newswatch run",
        "",
        f"**{summary['articles']}** new articles ({summary['fallbacks']} read from feed text), "
        f"**{len(summary['detections'])}** detections, developments: "
        f"**{len(summary['developments_new'])}** new, **{len(summary['developments_updated'])}** "
        f"updated, **{len(summary['developments_escalated'])}** escalated. "
        f"Alerts: **{summary['alerts_sent']}** sent, **{summary['alerts_pending']}** pending, "
        f"**{len(summary['alert_errors'])}** failed this run.",
        "",
    ]
    if summary.get("config_fallback"):
        lines += [f"> :warning: {_cell(summary['config_fallback'])}", ""]
    if summary["blocked_channels"]:
        lines += ["## Slack refuses these channels (alerts kept pending)", ""]
        lines += [f"- `{c}`: **{e}**" for c, e in summary["blocked_channels"].items()] + [""]
    lines += [
        "## Sources",
        "",
        "| source | status | items | new | failures in a row | last success | next poll "
        "| error / warnings |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in summary["sources"]:
        problems = "; ".join(filter(None, [s["error"], *s["warnings"]]))
        lines.append(
            f"| {_cell(s['name'])} | {s['status']} | {s['items']} | {s['new']} | "
            f"{s['consecutive_failures']} | {_cell(s['last_success_at'])} | "
            f"{_cell(s['next_poll_at'] or 'next run')} | {_cell(problems)} |"
        )
    if summary.get("developments"):
        lines += [
            "",
            "## Developments",
            "",
            "| # | change | type | who → whom | modality | reports | channel |",
            "|---|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {d['id']} | {d['change']} | {d['type']} | "
            f"{_cell(', '.join(d['actors']) + (' → ' + d['target'] if d['target'] else ''))} | "
            f"{d['modality']} | {d['reports']} | {_cell(d['channel'])} |"
            for d in summary["developments"]
        ]
    if summary["detections"]:
        lines += ["", "## Detections", "", "| source | type | article |", "|---|---|---|"]
        lines += [
            f"| {_cell(src)} | {typ} | {_cell(title)} |"
            for src, typ, title in summary["detections"]
        ]
    if summary["alert_errors"]:
        lines += ["", "## Alert errors", ""] + [f"- {_cell(e)}" for e in summary["alert_errors"]]
    if summary["notices"]:
        lines += ["", "## Source notices", ""] + [f"- {_cell(n)}" for n in summary["notices"]]
    lines += report_lines(summary.get("feedback"))  # feedback hook (#12)
    return "\n".join(lines) + "\n"
