"""Where a cold run's CPU goes: `bench_all.py`'s cold row (same loopback world of real pages,
same bare yardstick), interleaved for one or more checkouts of newswatch, with CPU-seconds per
process kind (the run's main process, the extraction fork server, the extraction workers, the
feed-parsing workers) read from /proc every 20 ms, and when the first extraction worker
appeared. Linux only; prints figures, asserts nothing.

    usage: python bench/cold_split.py [--rounds 3] [--pages 922] [CHECKOUT ...]

A CHECKOUT is another copy of the repository (e.g. `git worktree add /tmp/before main`); by
default only this one is measured. Every checkout runs with this one's virtual environment.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_all as B

TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime
    except (OSError, IndexError):
        return None


def _kind(pid: int, parent_kind: str) -> str:
    if parent_kind == "fork server":
        return "extraction workers"
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            command = f.read().decode(errors="replace")
    except OSError:
        return "other"
    if "forkserver" in command:
        return "fork server"
    if "newswatch.offload" in command:
        return "feed-parsing workers"
    if "spawn_main" in command:
        return "extraction workers"  # the yardstick's pool
    return "other"


def _tree_cpu_seconds(pid: int) -> float:
    return sum(_cpu_seconds(p) or 0.0 for p in B.tree_pids(pid))


def measure(
    code: str, env: dict[str, str], cwd: Path, server_pid: int | None = None
) -> tuple[float, dict[str, float], float]:
    """(seconds, CPU-seconds per process kind, seconds until the first extraction worker).
    Besides the run's own processes: what the Prefect server (`server_pid`'s tree) and this
    process (the loopback page server's threads, and this sampling loop) spent meanwhile, as
    "outside: …" kinds that are not part of the run's tree."""
    before_self = sum(os.times()[:2])
    before_server = _tree_cpu_seconds(server_pid) if server_pid else 0.0
    started = time.perf_counter()
    proc = subprocess.Popen(
        [B.PY, "-c", textwrap.dedent(code)], env=env, cwd=cwd, stdout=subprocess.DEVNULL
    )
    kinds, cpu, first_worker = {proc.pid: "main process"}, {}, 0.0
    while proc.poll() is None:
        todo = [proc.pid]
        while todo:
            pid = todo.pop()
            for child in B._children(pid):
                # Read again while unknown: just after the fork a child still shows the
                # command line of its parent, until it execs its own.
                if kinds.get(child, "other") == "other":
                    kinds[child] = _kind(child, kinds[pid])
                    if kinds[child] == "extraction workers" and not first_worker:
                        first_worker = time.perf_counter() - started
                todo.append(child)
            if (seconds := _cpu_seconds(pid)) is not None:
                cpu[pid] = seconds  # the last reading before the process ends
        time.sleep(0.02)
    took = time.perf_counter() - started
    if proc.returncode:
        raise SystemExit(f"cold_split: run failed ({proc.returncode}) in {cwd}")
    split: dict[str, float] = {}
    for pid, seconds in cpu.items():
        split[kinds[pid]] = split.get(kinds[pid], 0.0) + seconds
    if server_pid:
        split["outside: prefect server"] = _tree_cpu_seconds(server_pid) - before_server
    split["outside: bench (page server, sampling)"] = sum(os.times()[:2]) - before_self
    return took, split, first_worker


def _tree(split: dict[str, float]) -> float:
    return sum(v for k, v in split.items() if not k.startswith("outside"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pages", type=int, default=922)
    parser.add_argument("checkouts", nargs="*", type=Path, default=[B.REPO])
    args = parser.parse_args()
    work = B.bench_workdir("nw-cold-split-")
    from newswatch.prefect_server import free_port, start_server

    server = start_server(work / "data", free_port(), ui=False, scheduler=False)
    pages = B.load_pages(args.pages)
    world = B.World(pages)
    for n in range(-(-len(pages) // 50)):
        world.feeds[n] = list(range(n * 50, min(len(pages), (n + 1) * 50)))
    sources = world.sources(work / "cold.yaml", range(len(world.feeds)))
    folder = work / "pages"
    folder.mkdir()
    for i, page in enumerate(pages):
        (folder / f"{i:05d}.html").write_bytes(page)
    runs: dict[str, list[tuple[float, dict[str, float], float]]] = {}
    try:
        for r in range(args.rounds):
            for n, checkout in enumerate([*args.checkouts, None]):
                name = "bare" if checkout is None else f"{n}:{checkout.resolve().name}"
                load = os.getloadavg()[0]
                if checkout is None:
                    result = measure(
                        B.bare_code(folder), dict(os.environ), B.REPO, server.process.pid
                    )
                else:
                    db = f"sqlite:///{work / f'cold-{n}-{r}.db'}"
                    env = B.child_env(work, server.api_url, db)
                    env["PYTHONPATH"] = str(checkout)
                    result = measure(B.flow_code(sources), env, checkout, server.process.pid)
                runs.setdefault(name, []).append(result)
                took, split, first = result
                cpu = " ".join(f"{k} {v:.2f}" for k, v in sorted(split.items()))
                print(
                    f"round {r} {name}: {took:.2f} s (load {load:.1f}); first worker at "
                    f"{first:.1f} s; CPU-s {cpu}; tree {_tree(split):.2f}",
                    flush=True,
                )
    finally:
        server.stop()
        world.server.shutdown()
    bare = statistics.median(t for t, _, _ in runs["bare"])
    print(f"\nmedians of {args.rounds} (ratio = bare / this):")
    for name, results in runs.items():
        took = statistics.median(t for t, _, _ in results)
        kinds = sorted({k for _, split, _ in results for k in split})
        cpu = " · ".join(
            f"{k} {statistics.median(s.get(k, 0.0) for _, s, _ in results):.2f}" for k in kinds
        )
        tree = statistics.median(_tree(s) for _, s, _ in results)
        print(f"  {name}: {took:.2f} s, ratio {bare / took:.2f}; CPU-s {cpu}; tree {tree:.2f}")


if __name__ == "__main__":
    main()
