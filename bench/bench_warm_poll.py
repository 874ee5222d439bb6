"""Warm polls at scale: N feeds on loopback hosts (127.0.0.2 … 127.0.0.51), every one answering
304 to the conditional GET, polled by the real flow against a running local Prefect server, side
by side with the same plain functions without Prefect (the yardstick). Interleaved, median of 3.
Prints figures; asserts nothing.   usage: python bench/bench_warm_poll.py [--feeds 200 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench_all import bench_workdir  # noqa: E402  (this folder is on the path of a script)

HOSTS = [f"127.0.0.{i}" for i in range(2, 52)]
EMPTY_FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


class FeedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        etag = '"v1"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(EMPTY_FEED)))
        self.end_headers()
        self.wfile.write(EMPTY_FEED)

    def log_message(self, *args: object) -> None:
        pass


def start_hosts() -> tuple[list[ThreadingHTTPServer], list[str]]:
    servers, bases = [], []
    for host in HOSTS:
        server = ThreadingHTTPServer((host, 0), FeedHandler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        bases.append(f"http://{host}:{server.server_address[1]}")
    return servers, bases


def write_sources(path: Path, bases: list[str], feeds: int) -> None:
    lines = ["sources:"]
    for i in range(feeds):
        lines.append(f"  - {{name: 'feed {i:04d}', url: '{bases[i % len(bases)]}/feed/{i}.xml'}}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


async def plain_poll(sources: Path, database_url: str) -> None:
    """The yardstick: the same stage functions, no Prefect."""
    from newswatch.config import load_sources
    from newswatch.fetch import Fetcher, FetchLimits
    from newswatch.pipeline import poll_source
    from newswatch.store import Store

    config = load_sources(sources)
    store = Store(database_url)
    states = store.feed_states()
    async with Fetcher(FetchLimits.from_env()) as fetcher:
        await asyncio.gather(
            *(
                poll_source(
                    fetcher,
                    store,
                    s,
                    states.get(s.name),
                    run_id="bench",
                    schedule_interval=config.schedule.interval,
                )
                for s in config.enabled_sources
            )
        )
    store.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = bench_workdir("nw-warm-")
    import logging

    logging.disable(logging.INFO)
    from newswatch.prefect_server import free_port, start_server

    servers, bases = start_hosts()
    server = start_server(work / "data", free_port(), ui=False, scheduler=False)
    os.environ["PREFECT_API_URL"] = server.api_url
    try:
        from flows.monitor import poll

        print(f"{'feeds':>6} {'flow warm (s)':>14} {'plain warm (s)':>15} {'ratio':>6}")
        for feeds in args.feeds:
            sources = work / f"sources-{feeds}.yaml"
            write_sources(sources, bases, feeds)
            flow_db = f"sqlite:///{work / f'flow-{feeds}.db'}"
            plain_db = f"sqlite:///{work / f'plain-{feeds}.db'}"
            os.environ["NEWSWATCH_DATABASE_URL"] = flow_db
            asyncio.run(poll(sources=str(sources)))  # cold: learns the ETags
            asyncio.run(plain_poll(sources, plain_db))
            flow_times, plain_times = [], []
            for _ in range(args.repeat):
                started = time.perf_counter()
                os.environ["NEWSWATCH_DATABASE_URL"] = flow_db
                asyncio.run(poll(sources=str(sources)))
                flow_times.append(time.perf_counter() - started)
                started = time.perf_counter()
                asyncio.run(plain_poll(sources, plain_db))
                plain_times.append(time.perf_counter() - started)
            flow, plain = statistics.median(flow_times), statistics.median(plain_times)
            print(f"{feeds:>6} {flow:>14.2f} {plain:>15.2f} {flow / plain:>6.2f}")
    finally:
        server.stop()
        for s in servers:
            s.shutdown()


if __name__ == "__main__":
    main()
