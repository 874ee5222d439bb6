"""The store on PostgreSQL: the same guarantees as on SQLite when several processes share it.

Each test gets its own throwaway database on the local server (tests/fixtures/postgres.py) and
races real threads, each with its own engine and connections, as separate workers would.
"""

from __future__ import annotations

import random
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, func, inspect, select, text, update

from newswatch import outbox
from newswatch.config import parse_sources
from newswatch.delivery import deliver_pending
from newswatch.developments import record_articles
from newswatch.models import EventType
from newswatch.sinks import SlackSink
from newswatch.store import (
    STALE_CLAIM,
    AlertRow,
    Base,
    DevelopmentRow,
    FeedState,
    Item,
    Store,
    migrate,
    utcnow,
)
from tests.builders import analysed, claim, detection
from tests.fixtures.postgres import throwaway_database

CONFIG = parse_sources(
    """
sources:
  - {name: Caucasus Ledger, url: "https://caucasus-ledger.example/rss"}
alerts: {channel: "#newswatch"}
"""
)
TABLES = {"alembic_version", "feed_state", "items", "articles", "developments", "detections"}


@pytest.fixture
def pg_url() -> Iterator[str]:
    with throwaway_database() as url:
        yield url


@pytest.fixture
def store(pg_url: str) -> Iterator[Store]:
    store = Store(pg_url)
    yield store
    store.dispose()


def race(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run work(0..count-1) on threads released at the same instant; re-raise any error."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    return results


# --- migrations ------------------------------------------------------------------------------


def test_migrations_create_the_models_schema_on_an_empty_database(pg_url):
    store = Store(pg_url)
    try:
        with store.engine.connect() as connection:
            assert TABLES | {"alerts"} <= set(inspect(connection).get_table_names())
            # The migrations and the models agree, types included (timestamptz, bytea, json).
            diff = compare_metadata(
                MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
            )
            assert diff == []
            types = dict(
                connection.execute(
                    text(
                        "SELECT column_name, data_type FROM information_schema.columns "
                        "WHERE table_name IN ('articles', 'alerts', 'items')"
                    )
                ).all()
            )
        assert types["minhash"] == "bytea"
        assert types["payload"] == "json"
        assert types["claimed_at"] == "timestamp with time zone"
        migrate(store.engine)  # at head already: a no-op
    finally:
        store.dispose()


def test_workers_starting_at_once_migrate_exactly_once(pg_url):
    """Six processes' worth of engines open the same empty database at the same instant."""
    stores = race(6, lambda _: Store(pg_url))
    try:
        with stores[0].engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        assert len(versions) == 1
    finally:
        for store in stores:
            store.dispose()


def test_datetimes_come_back_in_utc_whatever_the_server_timezone(pg_url):
    engine = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        database = connection.execute(text("SELECT current_database()")).scalar()
        connection.execute(text(f"ALTER DATABASE \"{database}\" SET timezone TO 'Asia/Tokyo'"))
    engine.dispose()
    store = Store(pg_url)
    try:
        when = datetime(2024, 6, 14, 8, 15, tzinfo=UTC)
        store.save_feed_state(
            FeedState(source="s", url="https://s.example/rss", last_success_at=when)
        )
        got = store.feed_states()["s"].last_success_at
        assert got == when and got.utcoffset() == timedelta(0)
    finally:
        store.dispose()


# --- items -------------------------------------------------------------------------------------


def test_overlapping_claims_give_every_item_exactly_one_owner(pg_url):
    """Eight runs claim overlapping, differently ordered batches of one feed at the same time
    (as overlapping shards or a manual run beside the schedule would)."""
    keys = [f"https://outlet.example/story-{i}" for i in range(300)]
    stores = [Store(pg_url) for _ in range(8)]

    def claim_batch(index: int) -> set[str]:
        batch = random.Random(index).sample(keys, 200)  # overlapping, shuffled
        return stores[index].claim_items(
            "Outlet", [(k, {"title": k}) for k in batch], f"run-{index}"
        )

    try:
        claimed = race(8, claim_batch)
        owners = Counter(key for run in claimed for key in run)
        assert set(owners) == set.union(*claimed)
        assert max(owners.values()) == 1  # nobody's key was claimed twice
        with stores[0].session() as s:
            rows = dict(s.execute(select(Item.item_key, Item.claimed_by)).all())
        for index, run in enumerate(claimed):
            assert all(rows[key] == f"run-{index}" for key in run)
        assert set(rows) == set(owners)  # and every claimed key has its row
    finally:
        for store in stores:
            store.dispose()


def test_a_stale_claim_is_taken_over_by_one_run_only(pg_url):
    stores = [Store(pg_url) for _ in range(4)]
    keys = [f"k{i}" for i in range(20)]
    try:
        stores[0].claim_items("Outlet", [(k, {}) for k in keys], "crashed-run")
        with stores[0].session() as s:
            s.execute(update(Item).values(claimed_at=utcnow() - STALE_CLAIM - timedelta(minutes=1)))
        claimed = race(
            4,
            lambda i: stores[i].claim_items("Outlet", [(k, {}) for k in keys], f"run-{i}"),
        )
        assert sorted(k for run in claimed for k in run) == sorted(keys)
    finally:
        for store in stores:
            store.dispose()


def test_concurrent_first_polls_of_a_source_save_its_state_without_conflict(pg_url):
    stores = [Store(pg_url) for _ in range(4)]
    try:
        race(
            4,
            lambda i: stores[i].save_feed_state(
                FeedState(source="New feed", url="https://new.example/rss", etag=f'"{i}"')
            ),
        )
        state = stores[0].feed_states()["New feed"]
        assert state.etag in {f'"{i}"' for i in range(4)}
        assert state.consecutive_failures == 0 and state.failure_notice_sent is False
    finally:
        for store in stores:
            store.dispose()


# --- developments ------------------------------------------------------------------------------


def test_two_workers_grouping_reports_of_one_event_open_one_development(pg_url):
    """Two workers record different outlets' reports of one boycott at the same instant: the
    grouping lock makes one of them the development's first report and the other a reply."""
    stores = [Store(pg_url) for _ in range(2)]
    reports = [analysed(f"report-{i}", detection(), source=f"Outlet {i}") for i in range(2)]
    try:
        for store, report in zip(stores, reports, strict=True):
            claim(store, report)
        race(2, lambda i: record_articles(stores[i], [reports[i]], CONFIG, "#newswatch"))
        with stores[0].session() as s:
            assert s.scalar(select(func.count()).select_from(DevelopmentRow)) == 1
            kinds = Counter(s.scalars(select(AlertRow.kind)).all())
        assert kinds == {"new": 1, "reply": 1, "update": 1}
    finally:
        for store in stores:
            store.dispose()


# --- delivery ----------------------------------------------------------------------------------


def _outbox(store: Store, developments: int = 4, reports: int = 3) -> int:
    """Developments with several reports each: top-level alerts, replies and count updates."""
    types = list(EventType)
    articles = [
        analysed(
            f"d{d}-r{r}",
            detection(types[d % len(types)], actors=(f"Actor {d}",), target=None),
            source=f"Outlet {r}",
        )
        for d in range(developments)
        for r in range(reports)
    ]
    claim(store, *articles)
    record_articles(store, articles, CONFIG, "#newswatch")
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(AlertRow)) or 0


def test_two_deliverers_over_the_same_outbox_post_each_alert_once(pg_url, slack):
    stores = [Store(pg_url) for _ in range(2)]
    try:
        total = _outbox(stores[0])
        sinks = [SlackSink(slack.state.token, base_url=slack.base_url) for _ in range(2)]
        reports = race(2, lambda i: deliver_pending(stores[i], sinks[i], sleep=lambda _: None))
        # Slack's 'ok' for one sender is not lost on the other: drain what was left waiting
        # for a parent the other sender posted.
        deliver_pending(stores[0], sinks[0], sleep=lambda _: None)

        posts = slack.state.calls_to("chat.postMessage")
        posted_ids = Counter(c.params["metadata"]["event_payload"]["alert_id"] for c in posts)
        assert posted_ids and max(posted_ids.values()) == 1, posted_ids
        with stores[0].session() as s:
            statuses = Counter(s.scalars(select(AlertRow.status)).all())
            updates = s.scalar(select(func.count()).where(AlertRow.kind == "update"))
        assert statuses == {"sent": total}
        assert len(posts) + len(slack.state.calls_to("chat.update")) == total
        assert len(posts) == total - updates
        assert not any(r.errors for r in reports)
    finally:
        for store in stores:
            store.dispose()


def test_leased_alerts_keep_each_developments_order_across_senders(pg_url):
    """Four senders lease from one outbox until it is empty: no alert is leased twice, and a
    development's alerts are sent strictly one after another, in the order they were written."""
    stores = [Store(pg_url) for _ in range(4)]
    sent: list[tuple[int, int | None]] = []
    in_flight: dict[int, int] = defaultdict(int)
    lock = threading.Lock()
    overlaps: list[int] = []

    def sender(index: int) -> None:
        store = stores[index]
        while (alert := outbox.lease_next(store)) is not None:
            with lock:
                if alert.development_id is not None:
                    in_flight[alert.development_id] += 1
                    if in_flight[alert.development_id] > 1:
                        overlaps.append(alert.development_id)
            threading.Event().wait(random.uniform(0, 0.003))  # the Slack call
            with lock:
                sent.append((alert.id, alert.development_id))
                if alert.development_id is not None:
                    in_flight[alert.development_id] -= 1
            with store.session() as s:  # marked sent before the lease is dropped, as delivery does
                s.execute(
                    update(AlertRow)
                    .where(AlertRow.id == alert.id)
                    .values(status="sent", lease_until=None)
                )

    try:
        total = _outbox(stores[0], developments=5, reports=4)
        race(4, sender)
        ids = [alert_id for alert_id, _ in sent]
        assert sorted(ids) == list(range(1, total + 1)) or len(set(ids)) == len(ids) == total
        assert not overlaps
        per_development: dict[int | None, list[int]] = defaultdict(list)
        for alert_id, development in sent:
            per_development[development].append(alert_id)
        for development, order in per_development.items():
            assert order == sorted(order), (development, order)
    finally:
        for store in stores:
            store.dispose()


def test_an_expired_lease_is_due_again_and_a_live_one_is_not(store):
    _outbox(store, developments=1, reports=1)
    first = outbox.lease_next(store)
    assert first is not None
    assert outbox.lease_next(store) is None  # its development's only alert is held
    with store.session() as s:
        s.execute(
            update(AlertRow)
            .where(AlertRow.id == first.id)
            .values(lease_until=datetime.now(UTC) - timedelta(seconds=1))
        )
    again = outbox.lease_next(store)
    assert again is not None and again.id == first.id
    assert outbox.lease_next(store, exclude_ids=[first.id]) is None
