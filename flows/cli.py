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
    # Ctrl+C in the first half second, while the imports below still load, would print a
    # KeyboardInterrupt traceback from deep inside some library; leave quietly instead.
    raise SystemExit(130)


signal.signal(signal.SIGINT, _quit_while_importing)

from newswatch import cli  # noqa: E402  (after the handler, which covers this import)


def load_poll() -> Any:
    """The poll flow. Imported late: Prefect reads PREFECT_API_URL when it is first imported,
    and `serve` sets it only once its server is up."""
    from flows.monitor import poll

    return poll


def main(argv: list[str] | None = None) -> int:
    # From here on Ctrl+C is a KeyboardInterrupt again, which the commands handle.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    return cli.main(argv, load_poll=load_poll)


if __name__ == "__main__":
    sys.exit(main())
