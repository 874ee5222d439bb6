"""`make bench`: every row of issue 14's table as a ratio to its yardstick, measured in the same
run (interleaved, median of 3), with peak RSS of all processes involved.

Rows (see bench/README.md): cold run on real pages vs bare trafilatura; warm polls of 10, 100,
200 and 1,000 feeds answering 304 vs the same plain functions without Prefect; a small poll
with nothing new; the first Slack post after its feed was fetched; peak memory; memory at
1k/5k/10k articles of one run. Everything runs on loopback: the real pages of
../shared/corpus/webpages.tar.gz behind generated feeds, a running local Prefect server, the
Slack stand-in of tests/fixtures. Prints figures; asserts nothing.

    usage: python bench/bench_all.py            # the full run (long: ~30 min on 2 cores)
           BENCH_QUICK=1 python bench/bench_all.py   # small sizes, one repeat: a smoke check
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
PY = sys.executable
# The options newswatch extracts with (newswatch/extract.py), for the bare yardstick.
EXTRACT_OPTIONS = dict(
    include_comments=False, include_tables=False, with_metadata=False, deduplicate=True
)

ROWS: list[tuple[str, str, str, str, str, str]] = []


# --- measuring processes ----------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return found


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return _rss_kb(pid)


def tree_pids(pid: int) -> list[int]:
    """A process and all its descendants, as they are now."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo += _children(p)
    return found


def tree_rss_mb(pid: int) -> float:
    """Memory of a process and all its descendants (the extraction workers, the fork server):
    the sum of their proportional set sizes (PSS), so pages that forked workers share with
    their fork server count once, as they do in the machine's memory; summing RSS would count
    them once per process."""
    return sum(_pss_kb(p) for p in tree_pids(pid)) / 1024


class Sampler:
    """Samples a process tree's RSS every 50 ms; `peak` in MB, `probe` for checkpoints."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self.main_peak = pid, 0.0, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, tree_rss_mb(self.pid))
            self.main_peak = max(self.main_peak, _rss_kb(self.pid) / 1024)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def run_process(code: str, env: dict[str, str], on_tick: Callable[[int], None] | None = None):
    """Run `code` in a fresh interpreter: (seconds, peak RSS of its tree in MB, stdout)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [PY, "-c", textwrap.dedent(code)],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    sampler = Sampler(proc.pid)
    if on_tick is not None:
        while proc.poll() is None:
            on_tick(proc.pid)
            time.sleep(0.05)
    out, _ = proc.communicate()
    took = time.perf_counter() - started
    sampler.stop()
    if proc.returncode != 0:
        raise SystemExit(f"bench: child failed ({proc.returncode}):\n{code}")
    return took, sampler.peak, out


def median_interleaved(repeat: int, *runs: Callable[[], tuple[float, float]]):
    """Run each measurement in turn, `repeat` times: the median seconds and the max peak RSS."""
    times: list[list[float]] = [[] for _ in runs]
    peaks: list[float] = [0.0 for _ in runs]
    for _ in range(repeat):
        for i, run in enumerate(runs):
            took, peak = run()
            times[i].append(took)
            peaks[i] = max(peaks[i], peak)
    return [(statistics.median(t), p) for t, p in zip(times, peaks, strict=True)]


def row(name: str, ours: str, yardstick: str, ratio: float | None, goal: str, rss: str) -> None:
    ROWS.append((name, ours, yardstick, "—" if ratio is None else f"{ratio:.2f}", goal, rss))
    print(f"  {name}: {ours} | {yardstick} | ratio {ROWS[-1][3]} | goal {goal} | {rss}", flush=True)


# --- loopback world ---------------------------------------------------------------------------


class World:
    """Feeds and pages on 127.0.0.1. `feeds[n]` lists page indexes; pages are corpus pages
    (cycled, each URL distinct). Records when each feed was last served."""

    def __init__(self, pages: list[bytes]) -> None:
        self.pages = pages
        self.feeds: dict[int, list[int]] = {}
        self.extra: dict[int, bytes] = {}  # page index -> body overriding the corpus page
        self.feed_served: dict[int, float] = {}
        self.pages_served = 0
        world = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                port = self.server.server_address[1]
                if self.path.startswith("/feed/"):
                    n = int(self.path.rsplit("/", 1)[1])
                    items = "".join(
                        f"<item><title>Report {i}</title>"
                        f"<link>http://127.0.0.1:{port}/p/{n}/{i}</link><guid>p{i}</guid>"
                        f"<description>Item {i} of feed {n}</description></item>"
                        for i in world.feeds.get(n, [])
                    )
                    body = f"<rss version='2.0'><channel><title>f{n}</title>{items}</channel></rss>"
                    data, kind = body.encode(), "application/rss+xml"
                    world.feed_served[n] = time.time()
                else:
                    i = int(self.path.rsplit("/", 1)[1])
                    data = world.extra.get(i) or world.pages[i % len(world.pages)]
                    kind = "text/html; charset=utf-8"
                    world.pages_served += 1
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def sources(self, path: Path, feeds: range, extra: str = "") -> Path:
        port = self.server.server_address[1]
        lines = [extra, "sources:"] + [
            f"  - {{name: f{n:05d}, url: 'http://127.0.0.1:{port}/feed/{n}'}}" for n in feeds
        ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path


def flow_code(sources: Path) -> str:
    return f"""
        import asyncio, logging
        logging.disable(logging.INFO)
        from flows.monitor import poll
        asyncio.run(poll(sources={str(sources)!r}))
        """


def plain_code(sources: Path, database: str) -> str:
    """The yardstick: the stage functions in series, no Prefect, no streaming."""
    return f"""
        import asyncio, logging
        logging.disable(logging.INFO)
        from newswatch.config import load_sources
        from newswatch.delivery import deliver_pending
        from newswatch.developments import record_articles
        from newswatch.fetch import Fetcher, FetchLimits
        from newswatch.pipeline import analyse_pages, poll_source
        from newswatch.sinks import DryRunSink, SlackSink
        from newswatch.settings import Settings
        from newswatch.store import Store
        settings = Settings()
        token = settings.slack_bot_token
        sink = (SlackSink(token.get_secret_value(), base_url=settings.slack_api_url) if token
                else DryRunSink(settings.dry_run_file))
        config = load_sources({str(sources)!r})
        store = Store({database!r})
        states = store.feed_states()
        async def fetch():
            async with Fetcher(FetchLimits.from_env()) as fetcher:
                return await asyncio.gather(*(
                    poll_source(fetcher, store, s, states.get(s.name), run_id="plain",
                                schedule_interval=config.schedule.interval)
                    for s in config.enabled_sources))
        jobs = [j for _, js in asyncio.run(fetch()) for j in js]
        analysed = analyse_pages(jobs)
        record_articles(store, analysed, config, "#bench")
        deliver_pending(store, sink)
        store.dispose()
        """


def bare_code(folder: Path) -> str:
    """The yardstick: the same pages read from files, trafilatura.extract with newswatch's
    options in a 2-process pool (start-up included, as newswatch's figure includes its own)."""
    return f"""
        import sys
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_context
        from pathlib import Path
        sys.path.insert(0, "bench")
        from bench_all import bare_extract
        pages = [p.read_bytes() for p in sorted(Path({str(folder)!r}).iterdir())]
        with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
            list(pool.map(bare_extract, pages, chunksize=4))
        """


def bare_extract(page: bytes) -> int:
    import trafilatura

    return len(trafilatura.extract(page, **EXTRACT_OPTIONS) or "")


def load_pages(limit: int) -> list[bytes]:
    import tarfile

    corpus = REPO.parent / "shared" / "corpus" / "webpages.tar.gz"
    # Read in one pass, in the archive's order, then sorted by name: opening members of a
    # gzipped tar in another order decompresses it from the start again for each one (minutes).
    pages: dict[str, bytes] = {}
    with tarfile.open(corpus, "r|gz") as archive:
        for member in archive:
            if member.isfile():
                pages[member.name] = archive.extractfile(member).read()  # type: ignore[union-attr]
    return [pages[name] for name in sorted(pages)[:limit]]


# --- the rows ---------------------------------------------------------------------------------


def child_env(work: Path, api_url: str, database: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PREFECT_API_URL=api_url,
        NEWSWATCH_DATABASE_URL=database,
        NEWSWATCH_DATA_DIR=str(work / "data"),
        PREFECT_LOGGING_LEVEL="WARNING",
        PYTHONPATH=str(REPO),
        **extra,
    )
    for name in ("SLACK_BOT_TOKEN", "NEWSWATCH_SLACK_API_URL", "NEWSWATCH_SLACK_CHANNEL"):
        if name not in extra:
            env.pop(name, None)
    return env


def cold_run(work: Path, api: str, pages: list[bytes], repeat: int) -> None:
    world = World(pages)
    per_feed = 50
    for n in range(-(-len(pages) // per_feed)):
        world.feeds[n] = list(range(n * per_feed, min(len(pages), (n + 1) * per_feed)))
    sources = world.sources(work / "cold.yaml", range(len(world.feeds)))
    counter = iter(range(1000))

    def ours() -> tuple[float, float]:
        db = f"sqlite:///{work / f'cold-{next(counter)}.db'}"
        took, peak, _ = run_process(flow_code(sources), child_env(work, api, db))
        return took, peak

    folder = work / "pages"
    folder.mkdir(exist_ok=True)
    for i, page in enumerate(pages):
        (folder / f"{i:05d}.html").write_bytes(page)

    def bare() -> tuple[float, float]:
        took, peak, _ = run_process(bare_code(folder), dict(os.environ))
        return took, peak

    (t_ours, p_ours), (t_bare, p_bare) = median_interleaved(repeat, ours, bare)
    n = len(pages)
    row(
        f"cold run, {n} real pages, {len(world.feeds)} feeds (throughput)",
        f"{t_ours:.1f} s ({n / t_ours:.1f} pages/s)",
        f"bare trafilatura, 2 processes: {t_bare:.1f} s ({n / t_bare:.1f} pages/s)",
        t_bare / t_ours,
        "≥ 0.85",
        f"peak {p_ours:.0f} MB vs {p_bare:.0f} MB",
    )
    row(
        f"peak memory, {n} pages (all processes)",
        f"{p_ours:.0f} MB",
        f"bare: {p_bare:.0f} MB",
        p_ours / p_bare,
        "≤ 2",
        "",
    )
    world.server.shutdown()


def warm_polls(work: Path, feed_counts: list[int], repeat: int) -> None:
    from bench_warm_poll import plain_poll, start_hosts, write_sources

    from flows.monitor import poll

    servers, bases = start_hosts()
    for feeds in feed_counts:
        sources = work / f"warm-{feeds}.yaml"
        write_sources(sources, bases, feeds)
        flow_db = f"sqlite:///{work / f'warm-flow-{feeds}.db'}"
        plain_db = f"sqlite:///{work / f'warm-plain-{feeds}.db'}"
        os.environ["NEWSWATCH_DATABASE_URL"] = flow_db
        asyncio.run(poll(sources=str(sources)))  # learns the ETags
        asyncio.run(plain_poll(sources, plain_db))

        def ours(
            sources: Path = sources, db: str = flow_db, feeds: int = feeds
        ) -> tuple[float, float]:
            os.environ["NEWSWATCH_DATABASE_URL"] = db
            started = time.perf_counter()
            summary = asyncio.run(poll(sources=str(sources)))
            bad = [s["name"] for s in summary["sources"] if s["status"] != "not_modified"]
            if bad:
                print(f"    warm {feeds}: not 304: {len(bad)} ({bad[:3]} …)", flush=True)
            return time.perf_counter() - started, tree_rss_mb(os.getpid())

        def plain(sources: Path = sources, db: str = plain_db) -> tuple[float, float]:
            started = time.perf_counter()
            asyncio.run(plain_poll(sources, db))
            return time.perf_counter() - started, tree_rss_mb(os.getpid())

        (t_ours, p_ours), (t_plain, _) = median_interleaved(repeat, ours, plain)
        goal = {1000: "≤ 5 s", 200: "≤ 2 s"}.get(feeds, "—")
        row(
            f"warm poll, {feeds} feeds all 304 (running server)",
            f"{t_ours:.2f} s",
            f"plain functions: {t_plain:.2f} s",
            t_ours / t_plain,
            goal,
            f"bench process {p_ours:.0f} MB",
        )
    for s in servers:
        s.shutdown()


def small_poll(work: Path, api: str, repeat: int) -> None:
    from bench_warm_poll import start_hosts, write_sources

    servers, bases = start_hosts()
    sources = work / "small.yaml"
    write_sources(sources, bases, 20)
    flow_db, plain_db = (f"sqlite:///{work / f'small-{k}.db'}" for k in ("flow", "plain"))
    run_process(flow_code(sources), child_env(work, api, flow_db))  # learn the ETags
    run_process(plain_code(sources, plain_db), child_env(work, api, plain_db))

    def ours() -> tuple[float, float]:
        took, peak, _ = run_process(flow_code(sources), child_env(work, api, flow_db))
        return took, peak

    def plain() -> tuple[float, float]:
        took, peak, _ = run_process(plain_code(sources, plain_db), child_env(work, api, plain_db))
        return took, peak

    (t_ours, p_ours), (t_plain, p_plain) = median_interleaved(repeat, ours, plain)
    row(
        "small poll, 20 quiet feeds, nothing new (a fresh process, as a scheduled run)",
        f"{t_ours:.2f} s",
        f"plain functions: {t_plain:.2f} s",
        t_ours / t_plain,
        "≤ 3 s",
        f"peak {p_ours:.0f} MB vs {p_plain:.0f} MB",
    )
    for s in servers:
        s.shutdown()


def first_post(work: Path, api: str, repeat: int) -> None:
    from newswatch.demo.site import load_sample, render_article
    from tests.fixtures.slack_api import SlackStandIn

    sample = load_sample()
    # 20 feeds, each with one new article: the sample's event articles, repeated as needed
    # (each under its own URL, so each is a new item).
    eventful = [a for a in sample.articles if a["expect"]]
    world = World([b"<html></html>"])
    for n in range(20):
        world.feeds[n] = [n]
        world.extra[n] = render_article(eventful[n % len(eventful)], f"Bench Outlet {n}")
    sources = world.sources(work / "first.yaml", range(20), extra="alerts:\n  max_age: 0")
    counter = iter(range(1000))

    def measure(code: Callable[[str], str]) -> tuple[float, float]:
        db = f"sqlite:///{work / f'first-{next(counter)}.db'}"
        with SlackStandIn() as slack:
            env = child_env(
                work,
                api,
                db,
                SLACK_BOT_TOKEN=slack.state.token,
                NEWSWATCH_SLACK_API_URL=slack.base_url,
                NEWSWATCH_SLACK_CHANNEL="#newswatch",
            )
            world.feed_served.clear()
            posted: list[float] = []

            def tick(_pid: int) -> None:
                if not posted and slack.state.calls_to("chat.postMessage"):
                    posted.append(time.time())

            _, peak, _ = run_process(code(db), env, on_tick=tick)
            posts = slack.state.calls_to("chat.postMessage")
            if not posts or not posted:
                raise SystemExit("bench: no Slack post in the first-post run")
            match = re.search(r"/p/(\d+)/", json.dumps(posts[0].params))
            feed = (
                int(match.group(1)) if match else max(world.feed_served, key=world.feed_served.get)
            )
            return posted[0] - world.feed_served[feed], peak

    (t_ours, p_ours), (t_plain, _) = median_interleaved(
        repeat,
        lambda: measure(lambda db: flow_code(sources)),
        lambda: measure(lambda db: plain_code(sources, db)),
    )
    row(
        "first Slack post after its feed was fetched, 20 feeds × 1 new article",
        f"{t_ours:.2f} s",
        f"plain functions in series: {t_plain:.2f} s",
        t_ours / t_plain,
        "≤ 5 s",
        f"peak {p_ours:.0f} MB",
    )
    world.server.shutdown()


def memory_growth(work: Path, api: str, pages: list[bytes], marks: list[int]) -> None:
    world = World(pages)
    per_feed = 50
    total = marks[-1]
    for n in range(-(-total // per_feed)):
        world.feeds[n] = list(range(n * per_feed, min(total, (n + 1) * per_feed)))
    sources = world.sources(work / "memory.yaml", range(len(world.feeds)))
    seen: dict[int, tuple[float, float]] = {}

    def tick(pid: int) -> None:
        for mark in marks:
            if mark not in seen and world.pages_served >= mark:
                seen[mark] = (_rss_kb(pid) / 1024, tree_rss_mb(pid))

    db = f"sqlite:///{work / 'memory.db'}"
    took, peak, _ = run_process(flow_code(sources), child_env(work, api, db), on_tick=tick)
    first, last = marks[0], marks[-1]
    figures = " / ".join(f"{seen.get(m, (0, 0))[0]:.0f}" for m in marks)
    trees = " / ".join(f"{seen.get(m, (0, 0))[1]:.0f}" for m in marks)
    row(
        f"one run of {total:,} articles: main process MB at "
        + " / ".join(f"{m // 1000}k" for m in marks),
        figures,
        f"at {first // 1000}k: {seen[first][0]:.0f} MB",
        seen[last][0] / seen[first][0] if seen.get(first) and seen.get(last) else None,
        "≤ 1.10 (flat)",
        f"all processes {trees} MB; peak {peak:.0f} MB; {total / took:.1f} articles/s",
    )
    world.server.shutdown()


def bench_workdir(prefix: str) -> Path:
    """A fresh scratch directory, with this process's environment (inherited by every run it
    starts) pointed at it: store and Prefect home inside, no telemetry, quiet Prefect logs."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ.update(
        NEWSWATCH_DATA_DIR=str(work / "data"),
        PREFECT_HOME=str(work / "data" / "prefect"),
        DO_NOT_TRACK="1",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_LOGGING_LEVEL="WARNING",
        PREFECT_LOGGING_LOGGERS_PREFECT_TASK_RUNS_LEVEL="WARNING",
    )
    return work


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", help="rows: cold warm small first memory")
    args = parser.parse_args()
    repeat = 1 if QUICK else 3
    cold_pages = 120 if QUICK else 922
    warm_feeds = [10, 200] if QUICK else [10, 100, 200, 1000]
    marks = [1000, 2000] if QUICK else [1000, 5000, 10000]
    only = set(args.only or ["cold", "warm", "small", "first", "memory"])

    work = bench_workdir("nw-bench-")
    import logging

    logging.disable(logging.INFO)
    from newswatch.prefect_server import free_port, start_server

    server = start_server(work / "data", free_port(), ui=False, scheduler=False)
    os.environ["PREFECT_API_URL"] = server.api_url
    print(f"bench ({'quick' if QUICK else 'full'}), work dir {work}", flush=True)
    try:
        pages = load_pages(max(cold_pages, 922 if "memory" in only else 0))
        if "cold" in only:
            cold_run(work, server.api_url, pages[:cold_pages], repeat)
        if "warm" in only:
            warm_polls(work, warm_feeds, repeat)
        if "small" in only:
            small_poll(work, server.api_url, repeat)
        if "first" in only:
            first_post(work, server.api_url, repeat)
        if "memory" in only:
            memory_growth(work, server.api_url, pages, marks)
    finally:
        server.stop()
    print()
    print("| measurement | newswatch | yardstick (same run) | ratio | goal | memory |")
    print("|---|---|---|---|---|---|")
    for r in ROWS:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
