"""The `newswatch` console script: newswatch's CLI, handed the Prefect poll flow.

The packages depend one way (flows -> newswatch, never back), so this is where the two meet:
`newswatch run`, `serve` and `demo` get the flow from here. Everything else the CLI does
(`sources check`, `detect`, `evaluate`, …) is newswatch.cli alone.
"""

from __future__ import annotations

import signal
import sys
from typing import Any


def _quit_while_importing(_signum: int, _frame: object) -> None:
    # Ctrl+C in the first half second, while newswatch's imports still load, would print a
    # KeyboardInterrupt traceback from deep inside some library; leave quietly instead.
    raise SystemExit(130)


try:
    _previous = signal.signal(signal.SIGINT, _quit_while_importing)
except ValueError:  # imported off the main thread, where no Ctrl+C arrives
    _previous = None
try:
    from newswatch import cli
finally:
    if _previous is not None:
        signal.signal(signal.SIGINT, _previous)


def load_poll() -> Any:
    """The poll flow. Imported late: Prefect reads PREFECT_API_URL when it is first imported,
    and `serve` sets it only once its server is up."""
    from flows.monitor import poll

    return poll


def main(argv: list[str] | None = None) -> int:
    return cli.main(argv, load_poll=load_poll)


if __name__ == "__main__":
    sys.exit(main())
