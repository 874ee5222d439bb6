"""The store: feed state, seen items, articles, detections, developments and the alert outbox.

SQLite by default, PostgreSQL for several workers; the same guarantees on both come from the
database itself, never from in-process locks:
- an item is claimed by `INSERT … ON CONFLICT DO NOTHING` on its unique key, so exactly one run
  processes it (a claim left by a crashed run is taken over after `STALE_CLAIM`);
- an alert is written before any Slack call and leased by a conditional UPDATE before sending,
  so exactly one sender owns it at a time; it is marked sent only on Slack's ok.
Schema changes go through alembic (newswatch/migrations); `open_store` upgrades on start.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

STALE_CLAIM = timedelta(minutes=30)  # a claim older than this belongs to a run that died
ALERT_LEASE = timedelta(minutes=2)  # a sender holds an alert at most this long per attempt


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    pass


class FeedState(Base):
    __tablename__ = "feed_state"

    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failure_notice_sent: Mapped[bool] = mapped_column(Boolean, default=False)


class Item(Base):
    """A feed entry seen once. `item_key` is the canonical URL (else source + guid)."""

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_key: Mapped[str] = mapped_column(String(700), unique=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="claimed")  # claimed | done
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str] = mapped_column(String(100), default="")


class ArticleRow(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), unique=True)
    source: Mapped[str] = mapped_column(String(100))
    url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(String(8))
    text_from: Mapped[str] = mapped_column(String(8))
    fallback_reason: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)  # for syndicated-copy detection


class DevelopmentRow(Base):
    __tablename__ = "developments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(40), index=True)
    actors: Mapped[list[str]] = mapped_column(JSON)
    target: Mapped[str | None] = mapped_column(Text)
    modality: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(100))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    report_count: Mapped[int] = mapped_column(Integer, default=1)
    parent_alert_id: Mapped[int | None] = mapped_column(
        Integer
    )  # the top-level message to thread on
    escalated_from_id: Mapped[int | None] = mapped_column(ForeignKey("developments.id"))


class DetectionRow(Base):
    __tablename__ = "detections"
    __table_args__ = (UniqueConstraint("article_id", "type", name="uq_detection_article_type"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    type: Mapped[str] = mapped_column(String(40))
    modality: Mapped[str] = mapped_column(String(20))
    actors: Mapped[list[str]] = mapped_column(JSON)
    target: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text)
    evidence_start: Mapped[int] = mapped_column(Integer)
    evidence_end: Mapped[int] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(String(200))
    confidence: Mapped[float] = mapped_column(Float)
    reason: Mapped[str | None] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8))
    development_id: Mapped[int | None] = mapped_column(ForeignKey("developments.id"), index=True)
    role: Mapped[str | None] = mapped_column(String(16))  # first | report | copy | escalation
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AlertRow(Base):
    """The outbox. Rows are written before any Slack call; `status` moves
    pending -> sending (leased) -> sent, or back to pending on a failed attempt."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # new|reply|update|escalation|notice|digest
    development_id: Mapped[int | None] = mapped_column(ForeignKey("developments.id"), index=True)
    channel: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    thread_alert_id: Mapped[int | None] = mapped_column(Integer)  # reply in this alert's thread
    update_alert_id: Mapped[int | None] = mapped_column(Integer)  # chat.update this alert's message
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    slack_channel_id: Mapped[str | None] = mapped_column(String(40))
    slack_ts: Mapped[str | None] = mapped_column(String(40))


class Store:
    """A database handle. Short transactions via `with store.session() as s:`."""

    def __init__(self, url: str, *, create: bool = True):
        self.url = url
        self.engine: Engine = _make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if create:
            migrate(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def insert_ignore(self, table: Any) -> Any:
        """INSERT … ON CONFLICT DO NOTHING for this backend."""
        dialect = postgresql if self.dialect == "postgresql" else sqlite
        return dialect.insert(table).on_conflict_do_nothing()

    # --- items -------------------------------------------------------------------------

    def claim_items(
        self, source: str, keyed: Sequence[tuple[str, dict[str, Any]]], run_id: str
    ) -> set[str]:
        """Claim the keys no one has; returns the keys this run now owns (new or stale)."""
        if not keyed:
            return set()
        now = utcnow()
        rows = [
            {
                "item_key": key,
                "source": source,
                "claimed_by": run_id,
                "claimed_at": now,
                "first_seen_at": now,
                "status": "claimed",
                **values,
            }
            for key, values in keyed
        ]
        keys = [key for key, _ in keyed]
        with self.session() as s:
            inserted = (
                s.execute(self.insert_ignore(Item.__table__).values(rows).returning(Item.item_key))
                .scalars()
                .all()
            )
            taken_over = (
                s.execute(
                    update(Item)
                    .where(
                        Item.item_key.in_(keys),
                        Item.status == "claimed",
                        Item.claimed_at < now - STALE_CLAIM,
                    )
                    .values(claimed_at=now, claimed_by=run_id)
                    .returning(Item.item_key)
                )
                .scalars()
                .all()
            )
        return set(inserted) | set(taken_over)

    def item_ids(self, keys: Iterable[str]) -> dict[str, int]:
        keys = list(keys)
        if not keys:
            return {}
        with self.session() as s:
            rows = s.execute(select(Item.item_key, Item.id).where(Item.item_key.in_(keys))).all()
        return {key: item_id for key, item_id in rows}

    # --- feed state ----------------------------------------------------------------------

    def feed_states(self) -> dict[str, FeedState]:
        with self.session() as s:
            return {row.source: row for row in s.scalars(select(FeedState))}

    def save_feed_state(self, state: FeedState) -> None:
        with self.session() as s:
            s.merge(state)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest alembic revision (creates it on an empty database)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, open transactions, so each one can be IMMEDIATE:
            # two processes then serialise read-modify-write (claims, grouping) instead of racing.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True)
