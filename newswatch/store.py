"""The store: feed state, seen items, articles, detections, developments and the alert outbox.

SQLite by default, PostgreSQL for several workers; the same guarantees on both come from the
database itself, never from in-process locks:
- an item is claimed by `INSERT … ON CONFLICT DO NOTHING` on its unique key, so exactly one run
  processes it (a claim left by a crashed run is taken over after `STALE_CLAIM`);
- an alert is written before any Slack call and leased by a conditional UPDATE before sending,
  so exactly one sender owns it at a time; it is marked sent only on Slack's ok;
- grouping (read developments, then write) is serialised: `BEGIN IMMEDIATE` on SQLite, a
  transaction-scoped advisory lock (`lock_grouping`) on PostgreSQL.
On PostgreSQL every transaction runs at READ COMMITTED on purpose: each statement after a lock
sees what the previous lock holder committed (REPEATABLE READ would keep the older snapshot).
Schema changes go through alembic (newswatch/migrations); `Store(url)` upgrades on start, under
an advisory lock on PostgreSQL so several workers starting at once migrate exactly once.
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
    and_,
    create_engine,
    event,
    exists,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    aliased,
    mapped_column,
    sessionmaker,
)

STALE_CLAIM = timedelta(minutes=30)  # a claim older than this belongs to a run that died
ALERT_LEASE = timedelta(minutes=2)  # a sender holds an alert at most this long per attempt
# pg_advisory_xact_lock keys (bigint, per database). GROUPING_LOCK is the value
# developments.py has used since the first release: keep it, or old and new workers would
# group without excluding each other during a rolling upgrade.
GROUPING_LOCK = 724311
MIGRATION_LOCK = 724312
FEED_STATE_CHUNK = 200  # rows per upsert statement (~15 columns: under SQLite's 32,766 parameters)


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
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        # PostgreSQL answers in the session's TimeZone: normalise, so strftime(... "UTC") and
        # dedupe keys built from these values are the same whichever server answered.
        return value.astimezone(UTC)


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
    pending -> sending (leased) -> sent, or back to pending on a failed attempt; an update
    Slack can never apply ends as skipped."""

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

    def _insert(self, table: Any) -> Any:
        dialect = postgresql if self.dialect == "postgresql" else sqlite
        return dialect.insert(table)

    def insert_ignore(self, table: Any) -> Any:
        """INSERT … ON CONFLICT DO NOTHING for this backend."""
        return self._insert(table).on_conflict_do_nothing()

    # --- items -------------------------------------------------------------------------

    def claim_items(
        self, source: str, keyed: Sequence[tuple[str, dict[str, Any]]], run_id: str
    ) -> set[str]:
        """Claim the keys no one has; returns the keys this run now owns (new or stale)."""
        if not keyed:
            return set()
        # Sorted, so two runs inserting overlapping batches take the unique-index locks in the
        # same order: on PostgreSQL the later one waits for the earlier and then skips its keys,
        # where opposite orders would deadlock (and abort one run's whole claim).
        keyed = sorted(dict(keyed).items())
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
            # A stale claim is taken over by one run only: rows another run is taking over (or
            # finishing) right now are locked, and skipped rather than waited for.
            stale = (
                s.execute(
                    select(Item.id)
                    .where(
                        Item.item_key.in_(keys),
                        Item.status == "claimed",
                        Item.claimed_at < now - STALE_CLAIM,
                    )
                    .order_by(Item.item_key)
                    .with_for_update(skip_locked=True)
                )
                .scalars()
                .all()
            )
            taken_over = (
                s.execute(
                    update(Item)
                    .where(Item.id.in_(stale))
                    .values(claimed_at=now, claimed_by=run_id)
                    .returning(Item.item_key)
                )
                .scalars()
                .all()
                if stale
                else []
            )
        return set(inserted) | set(taken_over)

    # --- feed state ----------------------------------------------------------------------

    def feed_states(self) -> dict[str, FeedState]:
        with self.session() as s:
            return {row.source: row for row in s.scalars(select(FeedState))}

    def save_feed_state(self, state: FeedState) -> None:
        """Upsert one source's state (see `save_feed_states`)."""
        self.save_feed_states([state])

    def save_feed_states(self, states: Iterable[FeedState]) -> None:
        """Upsert many sources' states in one transaction: a thousand feeds answering 304 are
        one write, not a thousand. (A SELECT-then-INSERT merge fails with a duplicate key when
        two runs poll a new source at once.) `failure_notice_sent` belongs to the health
        notices (newswatch.health): it is set on insert but never overwritten from here."""
        rows: dict[str, dict[str, Any]] = {}
        for state in states:  # the last state of a source wins, as a series of saves would
            values: dict[str, Any] = {}
            for column in FeedState.__table__.columns:
                value = getattr(state, column.key)
                if value is None and column.default is not None:
                    value = column.default.arg
                values[column.key] = value
            rows[state.source] = values
        if not rows:
            return
        with self.session() as s:
            # Sorted by source, so two runs upserting overlapping batches lock rows in the same
            # order; chunked to stay under the backends' bound-parameter limits.
            ordered = [rows[name] for name in sorted(rows)]
            for start in range(0, len(ordered), FEED_STATE_CHUNK):
                statement = self._insert(FeedState.__table__).values(
                    ordered[start : start + FEED_STATE_CHUNK]
                )
                statement = statement.on_conflict_do_update(
                    index_elements=[FeedState.source],
                    set_={
                        key: statement.excluded[key]
                        for key in ordered[0]
                        if key not in ("source", "failure_notice_sent")
                    },
                )
                s.execute(statement)

    # --- alerts --------------------------------------------------------------------------

    def lease_next_alert(
        self,
        *,
        exclude_ids: Iterable[int] = (),
        exclude_developments: Iterable[int] = (),
        exclude_channels: Iterable[str] = (),
        lease: timedelta = ALERT_LEASE,
    ) -> AlertRow | None:
        """Lease the oldest due alert (pending, or its sender's lease ran out) and return it,
        or None when nothing is due.

        Only the oldest unsent alert of a development is ever due, so several senders keep a
        development's order (its top-level message, then replies and chat.updates in the order
        they were written) — a sender never posts a reply, or an older source count, past
        another sender. On PostgreSQL the candidate row is locked `FOR UPDATE SKIP LOCKED`:
        concurrent senders pass over each other's candidates instead of queueing behind them;
        the conditional UPDATE keeps the lease exclusive on SQLite too.
        """
        now = utcnow()
        earlier = aliased(AlertRow)
        due = or_(
            AlertRow.status == "pending",
            and_(AlertRow.status == "sending", AlertRow.lease_until < now),
        )
        blocked_by_earlier = exists().where(
            earlier.development_id == AlertRow.development_id,
            earlier.id < AlertRow.id,
            earlier.status.not_in(("sent", "skipped")),  # skipped: an update given up on
        )
        query = select(AlertRow.id).where(due, ~blocked_by_earlier)
        if ids := list(exclude_ids):
            query = query.where(AlertRow.id.not_in(ids))
        if developments := list(exclude_developments):
            query = query.where(
                or_(AlertRow.development_id.is_(None), AlertRow.development_id.not_in(developments))
            )
        if channels := list(exclude_channels):
            query = query.where(AlertRow.channel.not_in(channels))
        query = query.order_by(AlertRow.id).limit(1).with_for_update(skip_locked=True, of=AlertRow)
        with self.session() as s:
            alert_id = s.execute(query).scalar()
            if alert_id is None:
                return None
            leased = s.execute(
                update(AlertRow)
                .where(AlertRow.id == alert_id, due)
                .values(status="sending", lease_until=now + lease)
            ).rowcount
            return s.get(AlertRow, alert_id) if leased == 1 else None

    # --- locks ---------------------------------------------------------------------------

    def lock_grouping(self, session: Session) -> None:
        """Serialise development grouping across processes until `session` commits.
        Must be the transaction's first statement (READ COMMITTED then shows it everything the
        previous holder wrote). SQLite needs nothing: its transactions are BEGIN IMMEDIATE."""
        if self.dialect == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": GROUPING_LOCK})

    def dispose(self) -> None:
        self.engine.dispose()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest alembic revision (creates it on an empty database).

    Safe when several processes start at once: on PostgreSQL the upgrade runs in one
    transaction holding an advisory lock, so the first process migrates and the others, once
    the lock is theirs, find the schema at head (DDL is transactional there); on SQLite the
    transaction is BEGIN IMMEDIATE, which serialises the same way. A database already at head —
    every start but the first after an upgrade — is recognised without taking the lock.
    """
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    head = ScriptDirectory.from_config(config).get_current_head()
    with engine.connect() as connection:
        if MigrationContext.configure(connection).get_current_revision() == head:
            return
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
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
    if url.startswith(("postgres://", "postgresql://")):
        # A bare URL would pick psycopg2, which newswatch does not install.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    options: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        # The claims, leases and grouping lock above are written for READ COMMITTED; say so
        # rather than inherit whatever default_transaction_isolation the server was given.
        options["isolation_level"] = "READ COMMITTED"
    if url.startswith("postgresql+psycopg"):
        options["connect_args"] = {"connect_timeout": 10, "options": "-c timezone=UTC"}
    return create_engine(url, **options)
