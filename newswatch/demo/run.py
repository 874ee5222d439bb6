"""`newswatch demo`: serve the sample world, run one poll with dry-run alerts, show them.

It keeps its own data directory (data/demo) so it never mixes with real monitoring, and reuses
it between runs: a second demo finds nothing new and alerts on nothing.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from newswatch.demo.site import SampleSite
from newswatch.prefect_env import configure_prefect_env
from newswatch.prefect_server import prefect_api
from newswatch.runlock import poll_lock
from newswatch.serve import PollLoader
from newswatch.settings import Settings


def run_demo(load_poll: PollLoader, port: int = 8765) -> int:
    data_dir = Path(os.environ.get("NEWSWATCH_DEMO_DATA_DIR", "data/demo"))
    data_dir.mkdir(parents=True, exist_ok=True)
    # The demo never posts to Slack, whatever the environment says.
    os.environ.pop("SLACK_BOT_TOKEN", None)
    os.environ["NEWSWATCH_DATA_DIR"] = str(data_dir)
    os.environ["NEWSWATCH_DATABASE_URL"] = f"sqlite:///{(data_dir / 'newswatch.db').resolve()}"
    configure_prefect_env(data_dir)
    try:
        site = SampleSite(port=port)
    except OSError as error:
        print(
            f"newswatch demo: cannot listen on 127.0.0.1:{port} ({error}); "
            "set NEWSWATCH_DEMO_PORT to a free port",
            file=sys.stderr,
        )
        return 1
    with site:
        sources = data_dir / "sources.yaml"
        sources.write_text(site.sources_yaml(), encoding="utf-8")
        print(
            f"newswatch demo: sample feeds at {site.base_url}/feeds/ ; alerts go to the terminal "
            f"and {data_dir / 'alerts.jsonl'}"
        )
        database_url = os.environ["NEWSWATCH_DATABASE_URL"]
        with (
            poll_lock(database_url, "newswatch demo"),
            prefect_api(data_dir, Settings().prefect_port),
        ):
            summary = asyncio.run(load_poll()(sources=str(sources)))
    print(
        f"\nnewswatch demo: {summary['articles']} new articles read, "
        f"{len(summary['detections'])} detections, {len(summary['developments_new'])} new "
        f"developments, {summary['alerts_sent']} alert messages posted (dry run)."
    )
    if summary["articles"] == 0:
        print(
            "Nothing new since the last demo run: no alerts. "
            f"Delete {data_dir} to start the demo afresh."
        )
    return 0
