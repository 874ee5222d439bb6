"""`newswatch serve`: a Prefect server for the UI (started here unless PREFECT_API_URL points
to one) and the polling deployment served on its schedule from this process."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx

from newswatch.settings import Settings

log = logging.getLogger(__name__)


def _healthy(api_url: str) -> bool:
    try:
        return httpx.get(f"{api_url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def local_api_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/api"


def start_local_server(
    settings: Settings, port: int, timeout: float = 90
) -> subprocess.Popen | None:
    """Start `prefect server start` on 127.0.0.1:`port` (SQLite under the data directory) unless
    one already answers there. Returns the process we started, if any."""
    api_url = local_api_url(port)
    if _healthy(api_url):
        log.info("using the Prefect server already running at %s", api_url)
        return None
    log_path = settings.data_dir / "prefect-server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    prefect = Path(sys.executable).with_name("prefect")
    process = subprocess.Popen(
        [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log_path.open("ab"),
        stderr=subprocess.STDOUT,
        env=os.environ.copy(),
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Prefect server exited with {process.returncode}; see {log_path}")
        if _healthy(api_url):
            log.info("Prefect UI: http://127.0.0.1:%d (server log: %s)", port, log_path)
            return process
        time.sleep(0.5)
    process.terminate()
    raise RuntimeError(f"Prefect server did not answer within {timeout:.0f}s; see {log_path}")


def serve(settings: Settings, *, sources: Path, interval: timedelta, tags: list[str] | None) -> int:
    server = None
    if not os.environ.get("PREFECT_API_URL"):
        server = start_local_server(settings, settings.prefect_port)
        os.environ["PREFECT_API_URL"] = local_api_url(settings.prefect_port)
    from flows.monitor import poll  # after PREFECT_API_URL is set: prefect reads it at import

    try:
        poll.serve(
            name="newswatch",
            interval=interval,
            parameters={"sources": str(sources.resolve()), "tags": tags},
            description="Poll every enabled source in sources.yaml and alert on new developments.",
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    return 0
