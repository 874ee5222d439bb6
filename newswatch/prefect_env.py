"""Prefect settings newswatch needs before `import prefect` (it reads them at import)."""

from __future__ import annotations

import os
from pathlib import Path


def configure_prefect_env(data_dir: Path) -> None:
    # Prefect's telemetry would try to reach the internet on every start and log an error.
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # Keep Prefect's own database and settings with newswatch's data, never in ~/.prefect.
    os.environ.setdefault("PREFECT_HOME", str((data_dir / "prefect").resolve()))
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "newswatch,detectors")
    # One line per task run ("Finished in state Completed()") drowns the lines an operator
    # needs; task failures still show (WARNING and up), and the UI lists every task run.
    os.environ.setdefault("PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL", "WARNING")
