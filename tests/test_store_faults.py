"""Broken storage says so in one line and heals: an unusable store (full, unopenable) ends the
run with one line naming it and the cause, no traceback; the dry-run file survives a torn last
line and an unwritable file is named."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text

from newswatch.config import parse_sources
from newswatch.delivery import deliver_pending
from newswatch.developments import record_articles
from newswatch.sinks import DryRunSink
from newswatch.store import Store, StoreUnavailable, named_store_errors, store_problem
from tests.builders import analysed, claim, detection
from tests.test_cli import isolated_env

REPO = Path(__file__).resolve().parents[1]
CONFIG = parse_sources('sources:\n  - {name: A, url: "https://a.example/rss"}\n')


def test_a_full_sqlite_store_is_named_with_its_cause(tmp_path: Path):
    path = tmp_path / "full.db"
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _tiny(dbapi_connection, _record) -> None:
        dbapi_connection.execute("PRAGMA max_page_count=8")  # SQLite's own "disk is full"

    with (
        pytest.raises(StoreUnavailable) as info,
        named_store_errors(f"sqlite:///{path}"),
        engine.begin() as connection,
    ):
        connection.execute(text("CREATE TABLE t (x TEXT)"))
        for _ in range(100):
            connection.execute(text("INSERT INTO t VALUES (:x)"), {"x": "x" * 4000})
    message = str(info.value)
    assert message == f"the store {path} is full (database or disk is full)"
    assert "\n" not in message


def test_other_errors_are_not_mistaken_for_a_broken_store():
    assert store_problem(ValueError("timeout while parsing"), "sqlite:///x.db") is None
    assert (
        store_problem(ConnectionRefusedError(111, "Connection refused"), "sqlite:///x.db") is None
    )


def test_a_store_that_cannot_be_opened_ends_run_once_with_one_line(tmp_path: Path):
    """The store's file is a directory: SQLite cannot open it. The CLI says so in one line,
    with the path and the cause, and no traceback from Prefect or anyone else."""
    store = tmp_path / "store.db"
    store.mkdir()
    sources = tmp_path / "sources.yaml"
    sources.write_text('sources:\n  - {name: A, url: "http://127.0.0.1:9/rss"}\n', encoding="utf-8")
    env = isolated_env(
        tmp_path / "data",
        PREFECT_HOME=str(tmp_path / "prefect"),
        NEWSWATCH_DATABASE_URL=f"sqlite:///{store}",
    )
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", "--once", "--sources", str(sources)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    last = done.stderr.strip().splitlines()[-1]
    assert last == (
        f"newswatch: the poll failed: the store {store} cannot be opened "
        "(unable to open database file)"
    ), output[-3000:]


# --- the dry-run file -------------------------------------------------------------------------


def _one_alert(tmp_path: Path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    entry = analysed("only", detection(), source="A")
    claim(store, entry)
    record_articles(store, [entry], CONFIG, "#newswatch")
    return store


def test_the_dry_run_file_survives_a_torn_last_line(tmp_path: Path):
    path = tmp_path / "alerts.jsonl"
    earlier = json.dumps({"action": "post", "alert_id": 999, "channel": "#x", "ts": "dry-999"})
    path.write_text(earlier + "\n" + '{"action": "post", "alert_id": 5, "chan', encoding="utf-8")
    store = _one_alert(tmp_path)
    sink = DryRunSink(path, out=open("/dev/null", "w"))  # noqa: SIM115

    report = deliver_pending(store, sink, sleep=lambda _: None)
    again = deliver_pending(store, sink, sleep=lambda _: None)

    assert len(report.sent) == 1 and report.errors == [] and again.sent == []
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith('{"action": "post", "alert_id": 5, "chan')  # kept, not parsed
    posted = [json.loads(line) for line in lines[2:]]
    assert [p["alert_id"] for p in posted] == report.sent
    assert sink.find_posted("#newswatch", report.sent[0], since=None) is not None  # type: ignore[arg-type]


def test_an_unwritable_dry_run_file_is_named_and_the_alert_waits(tmp_path: Path):
    path = tmp_path / "alerts.jsonl"
    path.mkdir()  # cannot be opened for writing
    store = _one_alert(tmp_path)
    report = deliver_pending(store, DryRunSink(path), sleep=lambda _: None)
    assert report.sent == [] and report.pending == 1
    [(channel, error)] = report.blocked_channels.items()
    assert error.startswith(f"cannot write {path}: ") and channel == "#newswatch"
