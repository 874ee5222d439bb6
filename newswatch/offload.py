"""CPU work off the event loop, bounded in time: a few long-lived worker processes.

Feed parsing (feedparser, pure Python) can take a minute on a hostile feed — a 5 MB deeply
nested document. Done on the event loop it stalls every other source's fetch, and their
deadlines run out although their servers answered at once. Here each call runs in a worker
process of its own, so the loop never waits on it; a call that overruns its time limit has its
worker killed (a thread could not be stopped, and would keep a core busy after the source had
been reported) and gets a fresh one next time.

Workers are started lazily with `python -c` (not multiprocessing's spawn, which would import the
parent's `__main__` — the CLI and Prefect — in every worker), read pickled calls from stdin and
answer on stdout. They die with their parent, also after `kill -9` (`watch_parent`).
This module never touches the store, the network or Slack.
"""

from __future__ import annotations

import asyncio
import functools
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

_T = TypeVar("_T")
_HEADER = struct.Struct("!Q")
_WATCH_EVERY = 0.5  # seconds between a worker's looks at its parent


class WorkerTimeout(Exception):
    """The call did not finish within its time limit; its worker was killed."""


class WorkerDied(Exception):
    """The worker process ended during the call (killed, out of memory)."""


def watch_parent(parent: int | None = None) -> None:
    """Make this (child) process die with its parent, whatever the parent dies of.

    Not PR_SET_PDEATHSIG: it fires when the *thread* that started the child ends, and pools
    are started from executor threads that may end long before the process — a long-lived pool
    would lose its workers. A daemon thread checks every half second that the parent is still
    ours instead (after a kill -9 the child is re-parented), on every platform."""
    # Callers pass the parent's pid when they know it: a child that starts slowly may already
    # be re-parented (to init) when it gets here, and would then watch the wrong process.
    parent = parent or os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_WATCH_EVERY)
        os._exit(1)

    if os.getppid() != parent:
        os._exit(1)  # the parent died before we got here
    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def _read_exact(fd: int, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _send(fd: int, payload: Any) -> None:
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def _receive(fd: int) -> Any:
    (size,) = _HEADER.unpack(_read_exact(fd, _HEADER.size))
    return pickle.loads(_read_exact(fd, size))


def serve(parent: int) -> None:
    """A worker's main loop: (function, args, kwargs) in, (ok, result or exception) out."""
    watch_parent(parent)
    inbox, outbox = sys.stdin.fileno(), sys.stdout.fileno()
    sys.stdout = sys.stderr  # a stray print must not corrupt the answer stream
    while True:
        try:
            function, args, kwargs = _receive(inbox)
        except EOFError:
            return
        try:
            answer = (True, function(*args, **kwargs))
        except Exception as error:  # handed back to the caller, who decides
            answer = (False, error)
        try:
            _send(outbox, answer)
        except (pickle.PicklingError, TypeError, AttributeError) as error:
            _send(outbox, (False, RuntimeError(f"unpicklable result: {error}")))


class _Worker:
    def __init__(self) -> None:
        root = str(Path(__file__).resolve().parents[1])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                # Ctrl+C ignored before anything else: it reaches the whole process group,
                # and this worker ends with its parent or its stdin (see `serve`).
                "import signal; signal.signal(signal.SIGINT, signal.SIG_IGN); "
                f"from newswatch.offload import serve; serve({os.getpid()})",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            close_fds=True,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._in = self.process.stdin.fileno()
        self._out = self.process.stdout.fileno()

    def call(self, function: Callable[..., _T], args: tuple, kwargs: dict, timeout: float) -> _T:
        deadline = time.monotonic() + timeout
        try:
            _send(self._in, (function, args, kwargs))
            # poll, not select: a process with a thousand feeds open has fds above 1024.
            waiting = select.poll()
            waiting.register(self._out, select.POLLIN)
            if not waiting.poll(max(0.0, deadline - time.monotonic()) * 1000):
                self.kill()
                raise WorkerTimeout(f"no result within {timeout:g}s")
            ok, value = _receive(self._out)
        except (EOFError, OSError) as error:
            self.kill()
            raise WorkerDied(f"worker process ended ({self.process.returncode})") from error
        if not ok:
            raise value
        return value

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


class WorkerPool:
    """`await pool.run(function, *args, timeout=…)`: `function` (importable by name, pure CPU)
    runs in one of `size` worker processes; at most `size` calls at once, the rest queue."""

    def __init__(self, size: int = 2):
        self.size = size
        self._threads = ThreadPoolExecutor(size, thread_name_prefix="newswatch-offload")
        self._local = threading.local()  # one worker per thread: no sharing, no locks
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()

    async def run(
        self, function: Callable[..., _T], *args: Any, timeout: float, **kwargs: Any
    ) -> _T:
        call = functools.partial(self._call, function, args, kwargs, timeout)
        return await asyncio.get_running_loop().run_in_executor(self._threads, call)

    def _call(self, function: Callable[..., _T], args: tuple, kwargs: dict, timeout: float) -> _T:
        worker: _Worker | None = getattr(self._local, "worker", None)
        if worker is None or not worker.alive:
            worker = _Worker()
            self._local.worker = worker
            with self._lock:
                self._workers = [w for w in self._workers if w.alive] + [worker]
        return worker.call(function, args, kwargs, timeout)

    def pids(self) -> list[int]:
        with self._lock:
            return [w.process.pid for w in self._workers if w.alive]

    def close(self) -> None:
        with self._lock:
            workers, self._workers = self._workers, []
        for worker in workers:
            worker.kill()


_pool: WorkerPool | None = None
_pool_lock = threading.Lock()


def shared_pool() -> WorkerPool:
    """This process's pool (two workers: a slow feed never holds up every other one)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = WorkerPool(size=2)
            import atexit

            atexit.register(_pool.close)
        return _pool
