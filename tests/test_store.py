"""The store on SQLite (the default): claims, feed-state upserts, alert leases, migrations.
The same behaviour on PostgreSQL, under real concurrency, is in test_postgres.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text, update

from newswatch import outbox
from newswatch.store import AlertRow, FeedState, Item, Store, migrate


def _alert(store: Store, key: str, development_id: int | None = None) -> int:
    with store.session() as s:
        row = AlertRow(
            dedupe_key=key,
            kind="notice",
            development_id=development_id,
            channel="#newswatch",
            payload={"text": key, "blocks": []},
            status="pending",
            created_at=datetime.now(UTC),
        )
        s.add(row)
        s.flush()
        return row.id


def test_a_key_is_claimed_once_whatever_the_batch_order(store):
    first = store.claim_items("Outlet", [("b", {}), ("a", {})], "run-1")
    second = store.claim_items("Outlet", [("c", {}), ("a", {}), ("b", {})], "run-2")
    assert first == {"a", "b"} and second == {"c"}
    with store.session() as s:
        owners = dict(s.execute(select(Item.item_key, Item.claimed_by)).all())
    assert owners == {"a": "run-1", "b": "run-1", "c": "run-2"}


def test_saving_feed_state_upserts_and_leaves_the_notice_flag_to_health(store):
    store.save_feed_state(FeedState(source="Outlet", url="https://o.example/rss"))
    with store.session() as s:
        s.get(FeedState, "Outlet").failure_notice_sent = True  # health.py announced it
    stale = FeedState(source="Outlet", url="https://o.example/rss", etag='"2"')
    stale.failure_notice_sent = False  # the pipeline's copy, loaded before the notice
    store.save_feed_state(stale)
    state = store.feed_states()["Outlet"]
    assert state.etag == '"2"' and state.failure_notice_sent is True
    assert state.consecutive_failures == 0


def test_only_the_oldest_unsent_alert_of_a_development_is_leased(store):
    with store.session() as s:
        s.execute(
            text(
                "INSERT INTO developments (id, type, actors, modality, channel, first_seen_at,"
                " last_seen_at, report_count) VALUES (1, 'summit_boycott', '[]', 'announced',"
                " '#newswatch', '2024-01-01', '2024-01-01', 1)"
            )
        )
    parent, reply = _alert(store, "new", 1), _alert(store, "reply", 1)
    notice = _alert(store, "notice")
    leased = outbox.lease_next(store)
    assert leased is not None and leased.id == parent and leased.status == "sending"
    # The reply waits for its parent; the unrelated notice does not.
    following = outbox.lease_next(store)
    assert following is not None and following.id == notice
    assert outbox.lease_next(store) is None
    with store.session() as s:
        s.execute(update(AlertRow).where(AlertRow.id == parent).values(status="sent"))
    last = outbox.lease_next(store)
    assert last is not None and last.id == reply


def test_lease_skips_excluded_alerts_channels_and_developments(store):
    first, second = _alert(store, "one"), _alert(store, "two")
    assert outbox.lease_next(store, exclude_ids=[first]).id == second
    assert outbox.lease_next(store, exclude_channels=["#newswatch"]) is None
    with store.session() as s:
        s.execute(
            update(AlertRow)
            .where(AlertRow.id == second)
            .values(lease_until=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert outbox.lease_next(store).id == first
    assert outbox.lease_next(store).id == second  # its sender's lease ran out


def test_the_quick_head_check_agrees_with_alembic(store):
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from newswatch.store import MIGRATIONS, _at_head, _script_head

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS.parent))
    assert _script_head() == ScriptDirectory.from_config(config).get_current_head()
    assert _at_head(store.engine)
    from alembic import command

    with store.engine.begin() as connection:  # one revision behind: alembic must run
        config.attributes["connection"] = connection
        command.downgrade(config, "-1")
    assert not _at_head(store.engine)
    migrate(store.engine)
    assert _at_head(store.engine)


def test_migrate_twice_is_a_no_op(store):
    migrate(store.engine)
    with store.engine.connect() as connection:
        assert len(connection.execute(text("SELECT * FROM alembic_version")).all()) == 1
