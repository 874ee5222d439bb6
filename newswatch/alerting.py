"""Grouping and alerting as a run's pages come in.

`group_and_alert` takes the analysed articles from the run's `ArticleStream` (newswatch.pipeline)
as workers return them, groups them into developments in small batches (newswatch.developments)
and sends the alerts a batch opens at once (newswatch.delivery), so the first alert of a long
poll goes out within seconds, not at its end. It owns only that timing: what a development is,
what an alert says and how it is sent belong to those modules, and it never writes the outbox.
"""

from __future__ import annotations

import asyncio
import logging

from newswatch.config import SourcesConfig
from newswatch.delivery import deliver_pending
from newswatch.developments import record_articles
from newswatch.models import AnalysedArticle, GroupingReport, StreamReport
from newswatch.pipeline import ArticleStream
from newswatch.sinks import Sink
from newswatch.store import Store, StoreUnavailable, named_store_errors

log = logging.getLogger(__name__)

GROUP_BATCH = 200  # articles without detections are stored this many at a time
# Detections are grouped in small batches: when the run's pages are all analysed, or this many
# seconds after the first detection of the batch, whichever is first. Within a batch the
# furthest-along and oldest reports come first (developments._batch_order), so the reports a
# poll finds at once still open one alert with the earliest report on top, while a long poll
# sends its first alerts within seconds instead of at its end.
GROUP_WAIT = 3.0
GROUP_ATTEMPTS, GROUP_RETRY_DELAY = 3, 5.0


async def group_and_alert(
    stream: ArticleStream, store: Store, config: SourcesConfig, channel: str, sink: Sink
) -> StreamReport:
    """Every analysed page of the run, as it arrives: grouped, and its new alerts sent."""
    report = StreamReport()
    pending: list[AnalysedArticle] = []
    deliver_now = True  # until a delivery meets an error: the run's last pass handles those

    async def flush() -> None:
        nonlocal deliver_now
        batch = pending.copy()
        pending.clear()
        grouping = await _group(store, batch, config, channel)
        report.grouping.add(grouping)
        if deliver_now and (grouping.new or grouping.updated):
            try:
                with named_store_errors(store.url):
                    delivery = await asyncio.to_thread(deliver_pending, store, sink)
            except Exception:  # the run's last delivery pass retries
                log.warning("early delivery failed", exc_info=True)
                deliver_now = False
                return
            report.delivery.sent += delivery.sent
            if delivery.errors or delivery.blocked_channels:
                deliver_now = False
                report.delivery.errors += delivery.errors

    loop = asyncio.get_running_loop()
    deadline: float | None = None  # when the detections waiting now are grouped
    while True:
        wait = None if deadline is None else max(0.0, deadline - loop.time())
        try:
            analysed = await asyncio.wait_for(stream.get(), wait)
        except TimeoutError:
            await flush()
            deadline = None
            continue
        if analysed is None:
            break
        pending.append(analysed)
        report.analysed.append(analysed.without_text())
        if analysed.detections and deadline is None:
            deadline = loop.time() + GROUP_WAIT
        elif deadline is None and len(pending) >= GROUP_BATCH:
            await flush()
    if pending:
        await flush()
    return report


async def _group(
    store: Store, batch: list[AnalysedArticle], config: SourcesConfig, channel: str
) -> GroupingReport:
    # Idempotent (finished items are skipped), so a retry after e.g. a locked database is safe.
    for attempt in range(GROUP_ATTEMPTS):
        try:
            with named_store_errors(store.url):
                return await asyncio.to_thread(record_articles, store, batch, config, channel)
        except StoreUnavailable:
            raise  # full, read-only or gone: a retry cannot help
        except Exception:
            if attempt + 1 == GROUP_ATTEMPTS:
                raise
            log.warning("grouping failed; retrying", exc_info=True)
            await asyncio.sleep(GROUP_RETRY_DELAY)
    raise AssertionError("unreachable")
