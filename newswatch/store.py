"""The store: feed state, seen items, articles, detections, developments and the alert outbox.

SQLite by default, PostgreSQL for several workers; the same guarantees on both come from the
database itself, never from in-process locks:
- an item is claimed by `INSERT … ON CONFLICT DO NOTHING` on its unique key, so exactly one run
  processes it. A claim belongs to a live run: every poll keeps a row in `runs` (a heartbeat,
  its host and pid), and the claims of a run that finished, stopped beating or whose process is
  gone are taken over by the next run at once — also without the feed (`take_over_orphans`),
  which keeps the item's guid and feed text for exactly that. Claims of runs that never
  registered fall back to the `STALE_CLAIM` clock;
- an alert is written before any Slack call and leased by a conditional UPDATE before sending,
  so exactly one sender owns it at a time (the outbox's writes and leases: newswatch.outbox);
- grouping (read developments, then write) is serialised: `BEGIN IMMEDIATE` on SQLite, a
  transaction-scoped advisory lock (`lock_grouping`) on PostgreSQL.
On PostgreSQL every transaction runs at READ COMMITTED on purpose: each statement after a lock
sees what the previous lock holder committed (REPEATABLE READ would keep the older snapshot).
Schema changes go through alembic (newswatch/migrations); `Store(url)` upgrades on start, under
an advisory lock on PostgreSQL so several workers starting at once migrate exactly once.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

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
    delete,
    event,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    sessionmaker,
)

from newswatch.models import Article, Detection, EventType, FeedItem, Headline, Modality, Report
from newswatch.redact import redact

STALE_CLAIM = timedelta(minutes=30)  # a claim of an unregistered run older than this is dead
HEARTBEAT_EVERY = 15.0  # seconds between a run's liveness writes
RUN_SILENT_AFTER = timedelta(minutes=2)  # a run that has not beaten for this long is dead
ORPHAN_CHECK_EVERY = 30.0  # seconds a Store trusts its list of sources with unfinished claims
TRANSIENT_TRIES = 3  # attempts for a store write that is safe to repeat
# pg_advisory_xact_lock keys (bigint, per database). GROUPING_LOCK is the value
# developments.py has used since the first release: keep it, or old and new workers would
# group without excluding each other during a rolling upgrade.
GROUPING_LOCK = 724311
MIGRATION_LOCK = 724312
FEED_STATE_CHUNK = 200  # rows per upsert statement (~15 columns: under SQLite's 32,766 parameters)

log = logging.getLogger(__name__)


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
    status: Mapped[str] = mapped_column(String(16), default="claimed", index=True)  # claimed|done
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str] = mapped_column(String(100), default="")
    # What processing the item needs besides the feed, so a claim a dead run left behind is
    # finished from the store even when the feed answers 304 from then on.
    guid: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)

    def feed_item(self) -> FeedItem:
        return FeedItem(
            source=self.source,
            item_id=self.guid or self.url or self.item_key,
            url=self.url,
            title=self.title or "",
            summary=self.summary or "",
            published=self.published_at,
        )


class RunRow(Base):
    """One poll while it runs: who it is (host, pid and the pid's start time, so a reused pid is
    not mistaken for it) and its heartbeat. Claims whose run is dead are taken over at once."""

    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    host: Mapped[str] = mapped_column(String(300))
    pid: Mapped[int] = mapped_column(Integer)
    pid_started: Mapped[str | None] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


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

    @classmethod
    def from_article(
        cls, article: Article, *, item_id: int, stored_at: datetime, minhash: bytes | None
    ) -> ArticleRow:
        return cls(**cls.values_of(article, item_id=item_id, stored_at=stored_at, minhash=minhash))

    @staticmethod
    def values_of(
        article: Article, *, item_id: int, stored_at: datetime, minhash: bytes | None
    ) -> dict[str, Any]:
        """The row's columns (all but `id`), for inserting many rows in one statement."""
        return {
            "item_id": item_id,
            "source": article.item.source,
            "url": article.item.url,
            "title": article.title,
            "text": article.text,
            "lang": article.lang,
            "text_from": article.text_from,
            "fallback_reason": article.fallback_reason,
            "published_at": article.item.published,
            "stored_at": stored_at,
            "minhash": minhash,
        }

    def report(self, evidence: str) -> Report:
        """This article's report of a development, quoting `evidence`, as an alert shows it."""
        return Report(
            source=self.source,
            title=self.title,
            url=self.url,
            published=self.published_at,
            evidence=evidence,
            text_from=self.text_from,
            fallback_reason=self.fallback_reason,
            lang=self.lang,
        )


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
    # Unused: an escalation is linked through its alert (payload "escalates_alert_id"). The
    # column stays mapped because the schema has it and the models must mirror the migrations
    # (test_postgres); dropping it takes a migration of its own.
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

    @classmethod
    def from_detection(cls, detection: Detection, *, article_id: int) -> DetectionRow:
        return cls(
            article_id=article_id,
            type=detection.type.value,
            modality=detection.modality.value,
            actors=list(detection.actors),
            target=detection.target,
            evidence=detection.evidence,
            evidence_start=detection.evidence_start,
            evidence_end=detection.evidence_end,
            rule=detection.rule,
            confidence=detection.confidence,
            reason=detection.reason,
            lang=detection.lang,
        )

    def headline(self) -> Headline:
        """The development as a top-level message describes it, from this report."""
        return Headline(
            type=EventType(self.type),
            modality=Modality(self.modality),
            actors=tuple(self.actors),
            target=self.target,
            reason=self.reason,
            rule=self.rule,
            confidence=self.confidence,
        )


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


class StoreError(Exception):
    """A store operation that failed, after retrying where that is safe. The message is one
    line naming the database (without its password) and the cause."""


_T = TypeVar("_T")


class Store:
    """A database handle. Short transactions via `with store.session() as s:`."""

    def __init__(self, url: str, *, create: bool = True):
        self.url = url
        self.engine: Engine = _make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._heartbeats: dict[str, threading.Event] = {}
        self._claimed_sources: tuple[float, frozenset[str]] | None = None
        if create:
            with named_store_errors(url):
                migrate(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def describe(self) -> str:
        """The database for messages: a SQLite file's path, else the URL without secrets."""
        return describe_store(self.url)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def retrying(self, what: str, operation: Callable[[], _T]) -> _T:
        """Run one transaction that is safe to repeat, again after a database error (a
        PostgreSQL backend terminated, SQLite busy); raise StoreError naming `what`, the
        database and the cause when it keeps failing (a full disk, a read-only file)."""
        for attempt in range(TRANSIENT_TRIES):
            try:
                return operation()
            except DBAPIError as error:
                if attempt + 1 >= TRANSIENT_TRIES or not _may_retry(error):
                    raise StoreError(f"{what}: {_cause(error)} ({self.describe()})") from error
                log.warning("%s failed (%s); retrying", what, _cause(error))
                time.sleep(0.2 * 2**attempt)
        raise AssertionError("unreachable")

    def _insert(self, table: Any) -> Any:
        dialect = postgresql if self.dialect == "postgresql" else sqlite
        return dialect.insert(table)

    def insert_ignore(self, table: Any) -> Any:
        """INSERT … ON CONFLICT DO NOTHING for this backend."""
        return self._insert(table).on_conflict_do_nothing()

    # --- runs ------------------------------------------------------------------------------

    def start_run(self, run_id: str) -> None:
        """Register a live run and keep its heartbeat until `finish_run`: its claims are its
        own while it lives, and the next run takes them over as soon as it does not."""
        now = utcnow()
        values = {
            "id": run_id,
            "host": this_host(),
            "pid": os.getpid(),
            "pid_started": process_token(os.getpid()),
            "started_at": now,
            "heartbeat_at": now,
            "finished_at": None,
        }
        statement = self._insert(RunRow.__table__).values(values)
        statement = statement.on_conflict_do_update(
            index_elements=[RunRow.id],
            set_={k: statement.excluded[k] for k in values if k not in ("id", "started_at")},
        )

        def register() -> None:
            with self.session() as s:
                s.execute(statement)

        self.retrying(f"registering run {run_id}", register)
        stop = threading.Event()
        self._heartbeats[run_id] = stop
        threading.Thread(
            target=self._beat, args=(run_id, stop), name=f"heartbeat {run_id}", daemon=True
        ).start()

    def _beat(self, run_id: str, stop: threading.Event) -> None:
        while not stop.wait(HEARTBEAT_EVERY):
            try:
                with self.session() as s:
                    s.execute(
                        update(RunRow).where(RunRow.id == run_id).values(heartbeat_at=utcnow())
                    )
            except Exception as error:  # a missed beat is retried; the run goes on
                log.warning("run %s: heartbeat not written: %s", run_id, _cause(error))

    def finish_run(self, run_id: str) -> None:
        """Mark the run finished (its unfinished claims are then free at once). Never raises:
        a run ending on a broken store still ends, and its claims fall free when it exits."""
        if stop := self._heartbeats.pop(run_id, None):
            stop.set()
        now = utcnow()
        try:
            with self.session() as s:
                s.execute(update(RunRow).where(RunRow.id == run_id).values(finished_at=now))
                # Old finished runs hold nothing (their claims are taken over or done).
                s.execute(delete(RunRow).where(RunRow.finished_at < now - timedelta(days=7)))
        except Exception as error:
            log.warning("run %s: not marked finished: %s", run_id, _cause(error))

    def _takeable(self, session: Session, candidates: Sequence[Any], now: datetime) -> list[int]:
        """Of the claimed rows in `candidates`, those whose run is dead (see `run_is_dead`);
        claims of runs that never registered only after STALE_CLAIM."""
        owners = {c.claimed_by for c in candidates}
        rows = session.scalars(select(RunRow).where(RunRow.id.in_(owners))).all() if owners else []
        registered = {row.id for row in rows}
        dead = {row.id for row in rows if run_is_dead(row, now)}
        return [
            c.id
            for c in candidates
            if c.claimed_by in dead
            or (c.claimed_by not in registered and c.claimed_at < now - STALE_CLAIM)
        ]

    # --- items -------------------------------------------------------------------------

    def claim_items(
        self, source: str, keyed: Sequence[tuple[str, dict[str, Any]]], run_id: str
    ) -> set[str]:
        """Claim the keys no one has; returns the keys this run now owns (new, or taken over
        from a dead run). Retried after a database error: a claim is safe to repeat."""
        if not keyed:
            return set()
        return self.retrying(
            f"claiming items of {source!r}", lambda: self._claim(source, keyed, run_id)
        )

    def _claim(
        self, source: str, keyed: Sequence[tuple[str, dict[str, Any]]], run_id: str
    ) -> set[str]:
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
            # The rows as executemany parameters, not .values(rows): the statement is then
            # compiled once per process and cached (SQLAlchemy still sends one multi-row
            # INSERT … RETURNING), where a statement holding the rows was compiled afresh for
            # every feed (~5 ms of the event loop each).
            inserted = (
                s.execute(self.insert_ignore(Item.__table__).returning(Item.item_key), rows)
                .scalars()
                .all()
            )
            # A dead run's claim is taken over by one run only: rows another run is taking over
            # (or finishing) right now are locked, and skipped rather than waited for.
            candidates = s.execute(
                select(Item.id, Item.claimed_by, Item.claimed_at)
                .where(
                    Item.item_key.in_(keys),
                    Item.status == "claimed",
                    Item.claimed_by != run_id,
                )
                .order_by(Item.item_key)
                .with_for_update(skip_locked=True)
            ).all()
            takeable = self._takeable(s, candidates, now)
            taken_over = (
                s.execute(
                    update(Item)
                    .where(Item.id.in_(takeable), Item.status == "claimed")
                    .values(claimed_at=now, claimed_by=run_id)
                    .returning(Item.item_key)
                )
                .scalars()
                .all()
                if takeable
                else []
            )
        return set(inserted) | set(taken_over)

    def take_over_orphans(
        self, source: str, run_id: str, limit: int = 100
    ) -> list[tuple[str, FeedItem]]:
        """Take over the items of `source` that a dead run claimed and never finished, and
        return them (key, item) rebuilt from the store — the feed may never list them again,
        or answer 304 for ever. One cheap query per ORPHAN_CHECK_EVERY seconds when none are."""
        if source not in self._sources_with_claims():
            return []

        def take() -> list[tuple[str, FeedItem]]:
            now = utcnow()
            with self.session() as s:
                candidates = s.execute(
                    select(Item.id, Item.claimed_by, Item.claimed_at)
                    .where(
                        Item.source == source,
                        Item.status == "claimed",
                        Item.claimed_by != run_id,
                    )
                    .order_by(Item.id)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                ).all()
                takeable = self._takeable(s, candidates, now)
                if not takeable:
                    return []
                s.execute(
                    update(Item)
                    .where(Item.id.in_(takeable), Item.status == "claimed")
                    .values(claimed_at=now, claimed_by=run_id)
                )
                items = s.scalars(
                    select(Item)
                    .where(Item.id.in_(takeable), Item.claimed_by == run_id)
                    .order_by(Item.id)
                ).all()
                return [(item.item_key, item.feed_item()) for item in items]

        return self.retrying(f"taking over unfinished items of {source!r}", take)

    def _sources_with_claims(self) -> frozenset[str]:
        cached = self._claimed_sources
        if cached is not None and time.monotonic() - cached[0] < ORPHAN_CHECK_EVERY:
            return cached[1]
        with self.session() as s:
            sources = frozenset(
                s.scalars(select(Item.source).where(Item.status == "claimed").distinct())
            )
        self._claimed_sources = (time.monotonic(), sources)
        return sources

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
            # A credential in the feed URL (or an error quoting it) never reaches the store.
            values["url"], values["last_error"] = (
                redact(values["url"]),
                redact(values["last_error"]),
            )
            rows[state.source] = values
        if not rows:
            return
        # Sorted by source, so two runs upserting overlapping batches lock rows in the same
        # order; chunked to stay under the backends' bound-parameter limits.
        ordered = [rows[name] for name in sorted(rows)]

        def save() -> None:
            with self.session() as s:
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

        what = (
            f"source {ordered[0]['source']!r}" if len(ordered) == 1 else f"{len(ordered)} sources"
        )
        self.retrying(f"saving the state of {what}", save)

    # --- locks ---------------------------------------------------------------------------

    def lock_grouping(self, session: Session) -> None:
        """Serialise development grouping across processes until `session` commits.
        Must be the transaction's first statement (READ COMMITTED then shows it everything the
        previous holder wrote). SQLite needs nothing: its transactions are BEGIN IMMEDIATE."""
        if self.dialect == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": GROUPING_LOCK})

    def dispose(self) -> None:
        self.engine.dispose()


def this_host() -> str:
    """This machine, for telling a run's pid apart from the same pid elsewhere: the host name
    and, on Linux, the boot id (a container's hostname may repeat; a boot id does not)."""
    boot = ""
    with suppress(OSError):
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    return f"{socket.gethostname()}/{boot}"[:300]


def process_token(pid: int) -> str | None:
    """The process's start time (Linux clock ticks since boot): the same pid with another
    start time is another process. None where /proc does not say."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: count from its last ")".
    return stat.rsplit(")", 1)[1].split()[19]


def process_alive(pid: int, token: str | None) -> bool:
    if token is not None and Path("/proc/self/stat").exists():
        return process_token(pid) == token
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_is_dead(run: RunRow, now: datetime) -> bool:
    """A run whose claims are free: it finished, its heartbeat stopped, or it ran on this host
    and its process is gone (kill -9: taken over at once, not after a clock runs out)."""
    if run.finished_at is not None or run.heartbeat_at < now - RUN_SILENT_AFTER:
        return True
    return run.host == this_host() and not process_alive(run.pid, run.pid_started)


def _may_retry(error: DBAPIError) -> bool:
    # A dropped connection, a terminated backend, a busy or locked SQLite file: worth another
    # try. A constraint violation or a programming error will fail the same way again.
    return error.connection_invalidated or isinstance(error, OperationalError)


def _cause(error: BaseException) -> str:
    cause = getattr(error, "orig", None) or error
    text = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {text[0] if text else ''}".rstrip(": ")


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest alembic revision (creates it on an empty database).

    Safe when several processes start at once: on PostgreSQL the upgrade runs in one
    transaction holding an advisory lock, so the first process migrates and the others, once
    the lock is theirs, find the schema at head (DDL is transactional there); on SQLite the
    transaction is BEGIN IMMEDIATE, which serialises the same way. A database already at head —
    every start but the first after an upgrade — is recognised without taking the lock, and
    without importing alembic (~0.2 s of every scheduled run's start).
    """
    if _at_head(engine):
        return
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


MIGRATIONS = Path(__file__).parent / "migrations" / "versions"
# `revision = "0004"` / `down_revision = "0003"` (or None), as the script template writes them
_REVISION_LINE = re.compile(
    r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(?:\"([^\"]+)\"|'([^']+)'|(None))\s*$", re.M
)


@cache
def _script_head() -> str | None:
    """The newest revision of the migration scripts, read from their `revision` and
    `down_revision` lines; None when any script is not that simple (a merge, another layout):
    alembic then decides."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in MIGRATIONS.glob("*.py"):
        found = {
            m.group(1): m.group(2) or m.group(3)
            for m in _REVISION_LINE.finditer(script.read_text())
        }
        if "revision" not in found or "down_revision" not in found or not found["revision"]:
            return None
        revisions.add(found["revision"])
        if found["down_revision"]:
            parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _at_head(engine: Engine) -> bool:
    """Whether the database's alembic version is the scripts' single head (read without
    alembic; anything unexpected answers False and alembic checks properly)."""
    head = _script_head()
    if head is None:
        return False
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return False
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    return [v for (v,) in versions] == [head]


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


# --- a store that cannot be used at all -----------------------------------------------------


class StoreUnavailable(Exception):
    """The store cannot be written or reached at all (read-only, full, gone, unreachable). Its
    message is the one line an operator needs: which store, and why."""


_STORE_ERRNOS = frozenset({errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EIO})
# (words in the driver's message, what it means for the operator)
_STORE_FAULTS = (
    (("readonly database", "read-only file system"), "is read-only"),
    (("database or disk is full", "no space left", "could not extend file"), "is full"),
    (("disk i/o error", "input/output error"), "cannot be written (I/O error: is the disk full?)"),
    (("unable to open database file",), "cannot be opened"),
    (("permission denied",), "is not writable (permission denied)"),
    (
        ("connection refused", "could not connect", "server closed the connection", "timeout"),
        "cannot be reached",
    ),
)


def store_problem(error: BaseException, url: str) -> StoreUnavailable | None:
    """The one-line StoreUnavailable for `error` if it says the store itself is unusable;
    None for anything else (a bug, a constraint, a lock timeout), which keeps its traceback."""
    if isinstance(error, StoreUnavailable):
        return error
    if isinstance(error, StoreError) and error.__cause__ is not None:
        error = error.__cause__  # a write that failed after its retries: judge its cause
    if isinstance(error, SQLAlchemyError):
        cause: BaseException = getattr(error, "orig", None) or error
    elif isinstance(error, OSError) and not error.filename and error.errno in _STORE_ERRNOS:
        cause = error  # e.g. the poll lock beside the store could not be written
    else:
        return None
    text = str(cause).lower()
    for needles, meaning in _STORE_FAULTS:
        if any(n in text for n in needles):
            detail = str(cause).strip().splitlines()[0] if str(cause).strip() else meaning
            return StoreUnavailable(f"the store {describe_store(url)} {meaning} ({detail})")
    return None


def describe_store(url: str) -> str:
    """A SQLite store by its file, any other by its URL without credentials."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        return str(Path(path).resolve()) if path and path != ":memory:" else url
    return redact(url)


@contextmanager
def named_store_errors(url: str) -> Iterator[None]:
    """Turn an error that means "this store is unusable" into StoreUnavailable (one line)."""
    try:
        yield
    except Exception as error:
        problem = store_problem(error, url)
        if problem is None or problem is error:
            raise
        raise problem from None
