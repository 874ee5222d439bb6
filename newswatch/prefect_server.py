"""The local Prefect server newswatch runs against: its database, its process, and finding it.

Owns three things and nothing else:
- Prefect's SQLite database under the data directory, prepared deliberately before any server
  starts: migrated into a scratch file under a lock and moved into place only when complete, so
  a slow first start never races Prefect's start-up timeout and a full disk never leaves a
  half-migrated database behind (one found from an older install is set aside and rebuilt);
- the `prefect server start` child process: its own process group, killed with newswatch even
  on `kill -9` (parent-death signal), its output in `data/prefect-server.log`, stopped quietly;
- `data/serve.json`, the note `newswatch serve` leaves so that `newswatch run --once` on the
  same data directory uses the running server (and its run shows in that UI).

It never starts a flow run and never touches newswatch's own store.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import importlib.metadata
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

log = logging.getLogger(__name__)

PREFECT = str(Path(sys.executable).with_name("prefect"))
SERVE_NOTE = "serve.json"
_PR_SET_PDEATHSIG = 1
DEFAULT_START_TIMEOUT = float(os.environ.get("NEWSWATCH_PREFECT_START_TIMEOUT", "180"))


class PrefectServerError(RuntimeError):
    """The local Prefect server could not be prepared or started; the message says why and
    where to look, in one line a user can act on."""


def prefect_home() -> Path:
    return Path(os.environ["PREFECT_HOME"])


def api_url_for(port: int) -> str:
    return f"http://127.0.0.1:{port}/api"


def healthy(api_url: str, timeout: float = 2) -> bool:
    try:
        return httpx.get(f"{api_url}/health", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


# --- Prefect's database ------------------------------------------------------------------


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # waits: a concurrent first start finishes first
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _stamp() -> str:
    # importlib, not `import prefect`: Prefect fixes its settings (the API URL) at import.
    return f"prefect {importlib.metadata.version('prefect')}"


def _upgrade(database: Path, timeout: float) -> str | None:
    """Run Prefect's migrations on `database`; None on success, else the error's last line."""
    env = dict(os.environ)
    env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = f"sqlite+aiosqlite:///{database}"
    try:
        done = subprocess.run(
            [PREFECT, "server", "database", "upgrade", "-y"],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=_die_with_parent,
        )
    except subprocess.TimeoutExpired:
        return f"migrations did not finish within {timeout:.0f}s"
    if done.returncode == 0:
        return None
    lines = [line.strip() for line in (done.stderr + done.stdout).splitlines() if line.strip()]
    return lines[-1] if lines else f"exit code {done.returncode}"


def prepare_database(timeout: float = DEFAULT_START_TIMEOUT) -> float:
    """Make sure Prefect's SQLite database under PREFECT_HOME is fully migrated for this Prefect
    version, before any server starts. Returns the seconds it took (0 when already ready).

    Only a database that finished migrating is ever at `prefect.db`: a fresh one is built in a
    scratch file and moved into place; one that fails to upgrade is set aside (Prefect's run
    history only; newswatch's store is elsewhere) and rebuilt."""
    if os.environ.get("PREFECT_SERVER_DATABASE_CONNECTION_URL", "").startswith("postgresql"):
        return 0.0  # a shared PostgreSQL database is migrated by its own server
    home = prefect_home()
    database = home / "prefect.db"
    ready = home / "prefect.db.ready"
    if ready.exists() and database.exists() and ready.read_text().strip() == _stamp():
        return 0.0
    started = time.monotonic()
    with _file_lock(home / ".prepare.lock"):
        if ready.exists() and database.exists() and ready.read_text().strip() == _stamp():
            return 0.0  # another process prepared it while we waited
        ready.unlink(missing_ok=True)
        if database.exists():
            problem = _upgrade(database, timeout)
            if problem is None:
                ready.write_text(_stamp() + "\n")
                return time.monotonic() - started
            aside = database.with_name(f"prefect.db.broken-{datetime.now(UTC):%Y%m%d%H%M%S}")
            log.warning(
                "Prefect's database %s could not be upgraded (%s); set aside as %s and rebuilt",
                database,
                problem,
                aside.name,
            )
            database.rename(aside)
            for suffix in ("-wal", "-shm", "-journal"):
                database.with_name(database.name + suffix).unlink(missing_ok=True)
        scratch = home / "prefect.db.building"
        for leftover in home.glob("prefect.db.building*"):
            leftover.unlink()
        problem = _upgrade(scratch, timeout)
        if problem is not None:
            for leftover in home.glob("prefect.db.building*"):
                leftover.unlink()
            free = shutil.disk_usage(home).free
            hint = " (the disk is full)" if free < 50_000_000 else ""
            raise PrefectServerError(
                f"could not create Prefect's database in {home}: {problem}{hint}"
            )
        os.replace(scratch, database)
        ready.write_text(_stamp() + "\n")
    return time.monotonic() - started


# --- the server process ------------------------------------------------------------------


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when newswatch dies, however it dies (Linux)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class LocalServer:
    """A `prefect server start` child on 127.0.0.1:`port`."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def api_url(self) -> str:
        return api_url_for(self.port)

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self, timeout: float = 20) -> None:
        """Quiet shutdown of the whole process group; never leaves it running."""
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=timeout)


def start_server(
    data_dir: Path,
    port: int,
    *,
    ui: bool,
    scheduler: bool,
    extra_env: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_START_TIMEOUT,
) -> LocalServer:
    """Prepare Prefect's database, start the server, wait until it answers. The UI (when on)
    calls this server's own API, whatever the port."""
    if port_in_use(port):
        raise PrefectServerError(
            f"port {port} on 127.0.0.1 is already in use by another program; "
            "set NEWSWATCH_PREFECT_PORT to a free port"
        )
    took = prepare_database(timeout)
    if took:
        log.info("prepared Prefect's database in %.1fs", took)
    log_path = data_dir / "prefect-server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.pop("PREFECT_API_URL", None)
    env.update(
        PREFECT_UI_API_URL=api_url_for(port),
        PREFECT_SERVER_UI_ENABLED=str(ui).lower(),
        PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED=str(scheduler).lower(),
        PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED=str(scheduler).lower(),
        PREFECT_SERVER_DATABASE_MIGRATE_ON_START="false",  # prepare_database did it
    )
    env.update(extra_env or {})
    with log_path.open("ab") as log_file:
        process = subprocess.Popen(
            [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
    server = LocalServer(process, port, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise PrefectServerError(
                f"the Prefect server exited during start-up (code {process.returncode}); "
                f"see {log_path}"
            )
        if healthy(server.api_url):
            return server
        time.sleep(0.3)
    server.stop()
    raise PrefectServerError(
        f"the Prefect server did not answer within {timeout:.0f}s "
        f"(NEWSWATCH_PREFECT_START_TIMEOUT); see {log_path}"
    )


# --- the note `newswatch serve` leaves -------------------------------------------------------


def write_serve_note(data_dir: Path, api_url: str) -> Path:
    note = data_dir / SERVE_NOTE
    note.write_text(
        json.dumps(
            {"pid": os.getpid(), "api_url": api_url, "since": datetime.now(UTC).isoformat()}
        ),
        encoding="utf-8",
    )
    return note


def running_serve_api(data_dir: Path) -> str | None:
    """The API URL of the `newswatch serve` running on this data directory, if one is."""
    try:
        note = json.loads((data_dir / SERVE_NOTE).read_text(encoding="utf-8"))
        os.kill(int(note["pid"]), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    api_url = str(note["api_url"])
    return api_url if healthy(api_url) else None


@contextlib.contextmanager
def prefect_api(data_dir: Path, ui_port: int) -> Iterator[str]:
    """PREFECT_API_URL for a one-off run: the running `newswatch serve`'s server when there is
    one for this data directory, else a temporary server of our own, stopped on the way out
    (its run's "View at" link then points at `make run`'s UI on `ui_port`, which shows it from
    the same database). Must be entered before Prefect's client is first used."""
    if explicit := os.environ.get("PREFECT_API_URL"):
        yield explicit
        return
    if running := running_serve_api(data_dir):
        os.environ["PREFECT_API_URL"] = running
        try:
            yield running
        finally:
            os.environ.pop("PREFECT_API_URL", None)
        return
    server = start_server(data_dir, free_port(), ui=False, scheduler=False)
    os.environ["PREFECT_API_URL"] = server.api_url
    os.environ.setdefault("PREFECT_UI_URL", f"http://127.0.0.1:{ui_port}")
    try:
        yield server.api_url
    finally:
        _drain_prefect_workers()  # logs and events still queued must reach the server first
        os.environ.pop("PREFECT_API_URL", None)
        server.stop()


def _drain_prefect_workers() -> None:
    if "prefect" not in sys.modules:
        return
    import inspect

    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.utilities.asyncutils import run_coro_as_sync

    async def drain() -> None:
        with contextlib.suppress(RuntimeError):  # never started
            if inspect.isawaitable(result := APILogWorker.instance().drain()):
                await result
        if inspect.isawaitable(result := EventsWorker.drain_all(timeout=15)):
            await result

    run_coro_as_sync(drain())
