"""Grouping and alerting as the run's pages come in (newswatch/alerting.py), on a real SQLite
store and the Slack stand-in. The stream is a queue standing in for the run's ArticleStream:
group_and_alert only ever asks it for the next analysed article."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from newswatch import alerting
from newswatch.models import AnalysedArticle
from newswatch.store import Item
from tests.builders import ROUTED_CONFIG, analysed, claim, detection


class QueueStream:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[AnalysedArticle | None] = asyncio.Queue()

    async def get(self) -> AnalysedArticle | None:
        return await self.queue.get()


def test_a_detection_is_alerted_while_the_stream_is_still_open(store, sink, slack, monkeypatch):
    monkeypatch.setattr(alerting, "GROUP_WAIT", 0.2)
    report_with_detection = analysed("r1", detection())
    quiet = analysed("r2")
    claim(store, report_with_detection, quiet)

    async def run():
        stream = QueueStream()
        task = asyncio.create_task(
            alerting.group_and_alert(stream, store, ROUTED_CONFIG, "#newswatch", sink)
        )
        await stream.queue.put(report_with_detection)
        await stream.queue.put(quiet)
        for _ in range(200):  # up to 20 s on a loaded machine; GROUP_WAIT is 0.2 s
            if slack.state.calls_to("chat.postMessage"):
                break
            await asyncio.sleep(0.1)
        posted_before_close = len(slack.state.calls_to("chat.postMessage"))
        await stream.queue.put(None)  # the run's last page
        return posted_before_close, await task

    posted_before_close, report = asyncio.run(run())
    assert posted_before_close == 1
    assert len(report.grouping.new) == 1 and len(report.delivery.sent) == 1
    # The run report keeps every article, without the texts (memory stays flat).
    assert [a.item_key for a in report.analysed] == [
        report_with_detection.item_key,
        quiet.item_key,
    ]
    assert all(a.article.text == "" and a.article.item.summary == "" for a in report.analysed)


def test_articles_without_detections_wait_for_a_full_batch_or_the_end(store, sink, slack):
    reports = [analysed(f"q{i}") for i in range(3)]
    claim(store, *reports)

    async def run():
        stream = QueueStream()
        for entry in [*reports, None]:
            await stream.queue.put(entry)
        return await alerting.group_and_alert(stream, store, ROUTED_CONFIG, "#newswatch", sink)

    report = asyncio.run(run())
    assert report.grouping.new == [] and report.delivery.sent == []
    assert not slack.state.calls_to("chat.postMessage")
    with store.session() as session:  # stored and finished, though nothing was alerted
        assert set(session.scalars(select(Item.status))) == {"done"}
