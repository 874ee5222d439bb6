"""Prefect's own database and server process, as newswatch prepares and runs them: a fresh
database built once and moved into place, a damaged one set aside and rebuilt, a full disk named
in one line with nothing half-made left behind, and no server outliving a killed newswatch."""

from __future__ import annotations

import logging
import signal
import socket
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newswatch import prefect_server
from newswatch.prefect_server import PrefectServerError, prepare_database
from tests.fixtures.processes import alive, children
from tests.test_cli import NEWSWATCH, REPO, isolated_env


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "prefect-home"
    home.mkdir()
    monkeypatch.setenv("PREFECT_HOME", str(home))
    monkeypatch.delenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", raising=False)
    return home


def _revision(database: Path) -> str:
    with sqlite3.connect(database) as db:
        return db.execute("select version_num from alembic_version").fetchone()[0]


@pytest.mark.slow
def test_a_fresh_database_is_built_once_and_a_damaged_one_is_rebuilt(home: Path, caplog):
    took = prepare_database()
    database = home / "prefect.db"
    assert took > 0 and database.exists()
    head = _revision(database)
    assert (home / "prefect.db.ready").read_text().startswith("prefect ")
    assert not list(home.glob("prefect.db.building*"))
    assert prepare_database() == 0.0  # ready: nothing to do

    # Half-migrated, as a first start that died mid-way leaves it: the recorded revision is
    # older than the tables, so upgrading again fails ("duplicate column name").
    with sqlite3.connect(database) as db:
        db.execute("update alembic_version set version_num = '3c841a1800a1'")  # before a column add
    (home / "prefect.db.ready").unlink()
    with caplog.at_level(logging.WARNING, logger="newswatch.prefect_server"):
        assert prepare_database() > 0
    assert _revision(database) == head
    aside = list(home.glob("prefect.db.broken-*"))
    assert len(aside) == 1
    assert any("set aside" in r.getMessage() for r in caplog.records)


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "tiny"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.slow
def test_a_full_disk_is_named_in_one_line_and_leaves_no_half_made_database(
    tiny_disk: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PREFECT_HOME", str(tiny_disk))
    with pytest.raises(PrefectServerError) as info:
        prepare_database()
    message = str(info.value)
    assert "\n" not in message
    assert f"could not create Prefect's database in {tiny_disk}" in message
    assert "disk is full" in message
    assert not (tiny_disk / "prefect.db").exists()
    assert not list(tiny_disk.glob("prefect.db.building*"))


@pytest.mark.slow
def test_no_prefect_server_outlives_a_killed_poll(tmp_path: Path):
    # A feed that accepts the connection and never answers: the poll is mid-flight when killed.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []
    threading.Thread(target=lambda: held.append(listener.accept()[0]), daemon=True).start()
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f"sources:\n  - {{name: Silent, url: 'http://127.0.0.1:{listener.getsockname()[1]}/x'}}\n"
    )
    env = isolated_env(tmp_path / "data")
    poll = subprocess.Popen(
        [*NEWSWATCH, "run", "--once", "--sources", str(sources)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 240
        while not held and time.monotonic() < deadline:  # the server is up, the poll is fetching
            assert poll.poll() is None
            time.sleep(0.5)
        assert held, "the poll never reached the feed"
        servers = children(poll.pid)
        assert servers, "no Prefect server child found"
        poll.send_signal(signal.SIGKILL)
        poll.wait(timeout=30)
        deadline = time.monotonic() + 60
        while any(alive(pid) for pid in servers) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not any(alive(pid) for pid in servers), "the Prefect server was orphaned"
    finally:
        if poll.poll() is None:
            poll.kill()
        listener.close()
        for conn in held:
            conn.close()


def test_a_port_taken_by_another_program_is_refused_in_one_line(tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PrefectServerError) as info:
            prefect_server.start_server(tmp_path, port, ui=True, scheduler=True)
    assert f"port {port} on 127.0.0.1 is already in use" in str(info.value)
    assert "NEWSWATCH_PREFECT_PORT" in str(info.value)
