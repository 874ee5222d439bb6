"""Pipeline throughput and memory on real pages: the 922 web pages of
../shared/corpus/webpages.tar.gz served on 127.0.0.1 behind generated RSS feeds (50 items each),
then fetch + parse + claim (one shared client), extract + detect (1 and all cores), and grouping.
Prints figures; asserts nothing.  usage: python bench/bench_pipeline.py [--pages N]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tarfile
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CORPUS = REPO.parent / "shared" / "corpus" / "webpages.tar.gz"


def load_pages(limit: int) -> list[bytes]:
    with tarfile.open(CORPUS) as archive:
        members = sorted((m for m in archive.getmembers() if m.isfile()), key=lambda m: m.name)
        return [archive.extractfile(m).read() for m in members[:limit]]  # type: ignore[union-attr]


def serve(pages: list[bytes], per_feed: int) -> tuple[ThreadingHTTPServer, int]:
    feeds = (len(pages) + per_feed - 1) // per_feed

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            port = self.server.server_address[1]
            if self.path.startswith("/feed/"):
                n = int(self.path.rsplit("/", 1)[1])
                items = "".join(
                    f"<item><title>Page {i}</title><link>http://127.0.0.1:{port}/p/{i}</link>"
                    f"<guid>p{i}</guid><description>Item {i}</description></item>"
                    for i in range(n * per_feed, min(len(pages), (n + 1) * per_feed))
                )
                body = f"<rss version='2.0'><channel><title>f{n}</title>{items}</channel></rss>".encode()
                kind = "application/rss+xml"
            else:
                body, kind = pages[int(self.path.rsplit("/", 1)[1])], "text/html; charset=utf-8"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, feeds


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    from newswatch.config import parse_sources
    from newswatch.developments import record_articles
    from newswatch.fetch import Fetcher
    from newswatch.pipeline import analyse_pages, poll_source
    from newswatch.store import Store

    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=922)
    args = parser.parse_args()
    pages = load_pages(args.pages)
    server, feeds = serve(pages, per_feed=50)
    port = server.server_address[1]
    config = parse_sources(
        "sources:\n"
        + "".join(
            f"  - {{name: f{n}, url: 'http://127.0.0.1:{port}/feed/{n}'}}\n" for n in range(feeds)
        )
    )
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/bench.db")

        async def poll_all():
            async with Fetcher() as fetcher:
                return await asyncio.gather(
                    *(
                        poll_source(
                            fetcher,
                            store,
                            s,
                            None,
                            run_id="bench",
                            schedule_interval=config.schedule.interval,
                        )
                        for s in config.sources
                    )
                )

        started = time.perf_counter()
        polled = asyncio.run(poll_all())
        fetch_s = time.perf_counter() - started
        jobs = [job for _, js in polled for job in js]
        mb = sum(len(p) for p in pages) / 1e6
        print(
            f"fetch+parse+claim: {len(jobs)} pages ({mb:.1f} MB) from {feeds} feeds in {fetch_s:.2f} s "
            f"= {len(jobs) / fetch_s:.0f} pages/s"
        )
        for workers in (1, 2):
            started = time.perf_counter()
            analysed = analyse_pages(jobs, workers=workers)
            took = time.perf_counter() - started
            print(
                f"extract+detect, {workers} worker(s): {len(jobs) / took:.1f} pages/s "
                f"({1000 * took / len(jobs):.1f} ms/page), detections: "
                f"{sum(len(a.detections) for a in analysed)}"
            )
        started = time.perf_counter()
        record_articles(store, analysed, config, "#bench")
        took = time.perf_counter() - started
        print(f"store + grouping: {len(analysed) / took:.0f} articles/s")
    print(f"peak RSS of the main process: {peak_rss_mb():.0f} MB")
    server.shutdown()


if __name__ == "__main__":
    main()
