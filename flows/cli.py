"""The `newswatch` console script: newswatch's CLI, handed the Prefect poll flow.

The packages depend one way (flows -> newswatch, never back), so this is where the two meet:
`newswatch run`, `serve` and `demo` get the flow from here. Everything else the CLI does
(`sources check`, `detect`, `evaluate`, …) is newswatch.cli alone.
"""

from __future__ import annotations

import sys
from typing import Any

from newswatch import cli


def load_poll() -> Any:
    """The poll flow. Imported late: Prefect reads PREFECT_API_URL when it is first imported,
    and `serve` sets it only once its server is up."""
    from flows.monitor import poll

    return poll


def main(argv: list[str] | None = None) -> int:
    return cli.main(argv, load_poll=load_poll)


if __name__ == "__main__":
    sys.exit(main())
