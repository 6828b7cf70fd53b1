"""A process pool that survives its workers: a worker that dies takes only its own item with it.

``concurrent.futures.ProcessPoolExecutor`` breaks as a whole when one worker dies (a crash, the
OOM killer, a SIGKILL): every pending future fails with ``BrokenProcessPool`` and nothing says
which item was to blame. Here each worker holds one item at a time, so the parent knows which
item a dead worker held. That item is given to a fresh worker up to ``retries`` more times and
then reported as a :class:`Failure` naming the signal or exit code; the other items go on. An
exception raised by the function is a failure too (not retried: it would raise again).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Failure:
    """An item that has no result: ``reason`` says why (e.g. ``worker died (SIGKILL)``)."""

    reason: str
    attempts: int = 1


def exit_reason(exitcode: int | None) -> str:
    """``worker died (SIGKILL)`` for a process killed by a signal, ``worker died (exit code 3)`` else."""
    if exitcode is not None and exitcode < 0:
        try:
            what = signal.Signals(-exitcode).name
        except ValueError:
            what = f"signal {-exitcode}"
    else:
        what = f"exit code {exitcode}"
    return f"worker died ({what})"


def die_with_parent(parent: int) -> None:
    """Have the kernel kill this worker when the parent dies (Linux), so a killed build leaves no
    orphan still writing frames while its rerun starts; elsewhere, and if the parent is already
    gone, exit at once rather than work for nobody."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def _serve(conn: Connection, make: Callable[[], Callable[[Any], Any]], parent: int) -> None:
    """A worker's life: build the function once, then answer ``(index, item)`` until told to stop."""
    die_with_parent(parent)
    # Ctrl+C reaches the whole process group; the parent decides what happens to the workers
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    fn = make()
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        i, item = msg
        try:
            out: tuple[str, Any] = ("ok", fn(item))
        except Exception as e:  # noqa: BLE001 - reported as this item's failure
            out = ("error", f"{type(e).__name__}: {e}")
        try:
            conn.send((i, out))
        except OSError:  # the parent is gone
            return
        except Exception as e:  # noqa: BLE001 - a result that does not pickle fails before any byte is sent
            conn.send((i, ("error", f"result could not be sent back ({type(e).__name__}: {e})")))


class _Worker:
    def __init__(self, ctx: Any, make: Callable[[], Callable[[Any], Any]]):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, make, os.getpid()), name="spacevista-worker")
        self.proc.start()
        child.close()
        self.item: int | None = None

    def stop(self) -> None:
        """Ask an idle worker to exit; one still busy (the run was interrupted) is killed."""
        if self.item is not None:
            self.proc.kill()
            return
        try:
            self.conn.send(None)
        except OSError:
            pass

    def close(self, timeout: float) -> None:
        self.proc.join(timeout)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()


class WorkerPool(Generic[T, R]):
    """``workers`` processes, each running ``make()``'s function over one item at a time."""

    def __init__(self, make: Callable[[], Callable[[T], R]], workers: int, retries: int = 1,
                 context: Any = None):
        self.make = make
        self.workers = max(1, int(workers))
        self.retries = max(0, int(retries))
        self.ctx = context or multiprocessing.get_context()

    def map(self, items: list[T], progress: Callable[[int, int], None] | None = None) -> list[R | Failure]:
        """One result per item, in order; an item whose worker died ``retries + 1`` times, or whose
        function raised, gets a :class:`Failure`. ``progress(done, total)`` follows completion."""
        n = len(items)
        results: list[R | Failure | None] = [None] * n
        attempts = [0] * n
        todo = deque(range(n))
        done = 0
        pool: list[_Worker] = []

        def give(w: _Worker, i: int) -> None:
            attempts[i] += 1
            w.item = i
            try:
                w.conn.send((i, items[i]))
            except OSError:
                pass  # the worker is already gone: its death is handled like any other

        def finish(i: int, value: R | Failure) -> None:
            nonlocal done
            results[i] = value
            done += 1
            if progress:
                progress(done, n)

        try:
            for _ in range(min(self.workers, n)):
                w = _Worker(self.ctx, self.make)
                pool.append(w)
                give(w, todo.popleft())
            while done < n:
                busy = [w for w in pool if w.item is not None]
                ready = set(wait([w.conn for w in busy] + [w.proc.sentinel for w in busy]))
                for w in busy:
                    if w.conn not in ready and w.proc.sentinel not in ready:
                        continue
                    msg = None
                    try:
                        if w.conn.poll():  # a reply sent just before an exit still counts
                            msg = w.conn.recv()
                    except (EOFError, OSError):
                        msg = None
                    i = w.item
                    assert i is not None
                    if msg is not None:
                        _, (kind, value) = msg
                        finish(i, value if kind == "ok" else Failure(value, attempts[i]))
                        w.item = None
                        if w.proc.is_alive():
                            if todo:
                                give(w, todo.popleft())
                            continue
                    else:
                        w.proc.join(5)
                        if attempts[i] > self.retries:
                            finish(i, Failure(exit_reason(w.proc.exitcode), attempts[i]))
                        else:
                            todo.appendleft(i)  # the retry goes to the fresh worker started next
                    pool.remove(w)
                    w.close(0)
                    if todo:
                        fresh = _Worker(self.ctx, self.make)
                        pool.append(fresh)
                        give(fresh, todo.popleft())
        finally:
            for w in pool:
                w.stop()
            for w in pool:
                w.close(timeout=5)
        return results  # type: ignore[return-value]
