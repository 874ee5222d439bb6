"""`newswatch serve`: the main job. A local Prefect server with its UI (unless PREFECT_API_URL
points to a shared one) and the polling deployment served on its schedule from this process.

It leaves a note in the data directory while it runs, so `newswatch run --once` on the same
data directory polls through this server (the run shows in this UI) instead of starting its own.
"""

from __future__ import annotations

import os
import signal
import sys
import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from newswatch.prefect_server import running_serve_api, start_server, write_serve_note
from newswatch.runlock import EXIT_BUSY
from newswatch.settings import Settings

FIRST_POLL_AFTER = timedelta(seconds=20)  # time for the runner to be listening

# Returns the Prefect poll flow (flows.monitor.poll), handed over by the console script
# (flows/cli.py): newswatch never imports flows. A loader rather than the flow itself, because
# Prefect must be imported only once the command has chosen its API server.
PollLoader = Callable[[], Any]


def serve(
    settings: Settings,
    load_poll: PollLoader,
    *,
    sources: Path,
    interval: timedelta,
    tags: list[str] | None,
) -> int:
    server = note = None
    if not os.environ.get("PREFECT_API_URL"):
        if running := running_serve_api(settings.data_dir):
            print(
                f"newswatch serve: already serving {settings.data_dir} (API {running}); "
                "stop that one first, or poll now with `newswatch run --once`",
                file=sys.stderr,
            )
            return EXIT_BUSY
        server = start_server(settings.data_dir, settings.prefect_port, ui=True, scheduler=True)
        os.environ["PREFECT_API_URL"] = server.api_url
        note = write_serve_note(settings.data_dir, server.api_url)
    from prefect.schedules import Interval

    from newswatch.listener import start_listener

    poll = load_poll()  # after PREFECT_API_URL is set: prefect reads it at import

    # Analysts' answers from Slack buttons, beside the server, when SLACK_APP_TOKEN is set.
    listener = start_listener(settings)

    first = datetime.now(UTC) + FIRST_POLL_AFTER
    where = server.ui_url if server else os.environ["PREFECT_API_URL"]
    print(
        f"newswatch: serving {sources} — first poll at {first:%H:%M:%S} UTC, then every "
        f"{interval}.\n  Prefect UI: {where}   (server log: "
        f"{server.log_path if server else 'shared server'})\n"
        "  Poll now: newswatch run --once (in another terminal; it shows in this UI)\n"
        "  Stop: Ctrl+C",
        flush=True,
    )
    # `kill` (SIGTERM) stops it as Ctrl+C does: the server and the note go with it.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    # Prefect's runner puts its own SIGTERM handler in, which calls its async stop without
    # awaiting it: the runner still stops cleanly, but Python would print a "never awaited"
    # warning and a tracemalloc hint on every `kill`.
    warnings.filterwarnings(
        "ignore", message="coroutine 'Runner.astop' was never awaited", category=RuntimeWarning
    )
    try:
        poll.serve(
            name="newswatch",
            schedules=[Interval(interval, anchor_date=first)],
            parameters={"sources": str(sources.resolve()), "tags": tags},
            description="Poll every enabled source in sources.yaml and alert on new developments.",
            print_starting_message=False,
        )
    finally:
        if listener is not None:
            listener.stop()
        if note is not None:
            note.unlink(missing_ok=True)
        if server is not None:
            server.stop()
    return 0
