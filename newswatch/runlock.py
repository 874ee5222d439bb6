"""One poll at a time per embedded (SQLite) store, whoever starts it.

A scheduled run, `newswatch run --once` and `newswatch demo` all take the same lock file beside
the store before polling. The holder writes who it is and since when, so a poll that finds the
lock taken can say in one line what it is waiting on instead of racing it. The lock is an
operating-system lock (flock): it is released when its holder exits, even on `kill -9`, so a
dead poll never blocks the next one.

PostgreSQL stores take no lock here: several workers poll shards of one store at once by
design, and the store's own claims and leases keep them apart.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

EXIT_BUSY = 75  # EX_TEMPFAIL: try again later


@dataclass(frozen=True)
class Holder:
    pid: int
    who: str
    since: str

    def describe(self) -> str:
        try:
            since = datetime.fromisoformat(self.since).strftime("%Y-%m-%d %H:%M:%S UTC")
        except ValueError:
            since = self.since
        return f"{self.who} (pid {self.pid}) since {since}"


class PollBusy(Exception):
    """Another poll holds the store; `holder` says which."""

    def __init__(self, lock_path: Path, holder: Holder | None):
        self.lock_path = lock_path
        self.holder = holder
        running = holder.describe() if holder else "another process"
        super().__init__(f"a poll is already running on this store: {running}")


def lock_path_for(database_url: str) -> Path | None:
    """The lock file for a SQLite store (beside its file); None for other databases."""
    prefix = "sqlite:///"
    if not database_url.startswith(prefix):
        return None
    return Path(database_url.removeprefix(prefix)).with_suffix(".poll.lock")


# Locks this process holds, so a flow run inside `run --once` (same process) re-enters the
# lock its command already took instead of refusing itself.
_held: dict[Path, int] = {}


def _read_holder(handle: TextIO) -> Holder | None:
    handle.seek(0)
    try:
        raw = json.loads(handle.read() or "null")
        return Holder(int(raw["pid"]), str(raw["who"]), str(raw["since"]))
    except (ValueError, KeyError, TypeError):
        return None


@contextlib.contextmanager
def poll_lock(database_url: str, who: str) -> Iterator[None]:
    """Hold the store's poll lock for the block; raise PollBusy at once if another holds it."""
    path = lock_path_for(database_url)
    if path is None:
        yield
        return
    path = path.resolve()
    if path in _held:
        _held[path] += 1
        try:
            yield
        finally:
            _held[path] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PollBusy(path, _read_holder(handle)) from None
        handle.seek(0)
        handle.truncate()
        holder = {"pid": os.getpid(), "who": who, "since": datetime.now(UTC).isoformat()}
        handle.write(json.dumps(holder))
        handle.flush()
        _held[path] = 1
        try:
            yield
        finally:
            del _held[path]
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
