"""Runners: carry source rows through the build stages, locally in a process pool or on Ray.

Every runner returns one result row per source row, in the order given, so the assembled dataset
does not depend on which runner (or how many workers) did the work.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Callable, Protocol

from spacevista.engine.build.stages import BuildConfig, Progress, Row, Stage


class Runner(Protocol):
    """Runs ``stages`` over ``rows``; calls ``progress(done, total)`` as sources finish."""

    def run(self, rows: list[Row], stages: list[Stage], cfg: BuildConfig,
            progress: Progress | None = None) -> list[Row]: ...


def chain(stages: list[Stage], cfg: BuildConfig) -> Callable[[Row], Row]:
    """The stages composed into one row function; a row that carries an error skips later stages."""
    fns = [s.make(cfg) for s in stages]

    def run(row: Row) -> Row:
        for fn in fns:
            row = {**row, **fn(row)}
            if row.get("error"):
                break
        return row
    return run


_WORKER_FN: Callable[[Row], Row] | None = None
_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this worker when the build process dies (Linux), so a killed build leaves
    no orphan still writing frames while its rerun starts; elsewhere, and if the parent is already
    gone, exit at once rather than work for nobody."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def _init_worker(stages: list[Stage], cfg: BuildConfig, parent: int) -> None:
    global _WORKER_FN  # the pool's per-process pipeline, built once per worker
    _die_with_parent(parent)
    _WORKER_FN = chain(stages, cfg)


def _run_row(row: Row) -> Row:
    assert _WORKER_FN is not None, "worker not initialised"
    return _WORKER_FN(row)


class LocalRunner:
    """A process pool on this machine (``workers=1`` runs in this process)."""

    def __init__(self, workers: int = 1):
        self.workers = max(1, int(workers))

    def run(self, rows: list[Row], stages: list[Stage], cfg: BuildConfig,
            progress: Progress | None = None) -> list[Row]:
        out: list[Row | None] = [None] * len(rows)
        workers = min(self.workers, len(rows), os.cpu_count() or 1) if rows else 1
        if workers <= 1:
            fn = chain(stages, cfg)
            for i, row in enumerate(rows):
                out[i] = fn(row)
                if progress:
                    progress(i + 1, len(rows))
            return out  # type: ignore[return-value]
        with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                                 initargs=(stages, cfg, os.getpid())) as pool:
            futures = {pool.submit(_run_row, row): i for i, row in enumerate(rows)}
            for done, fut in enumerate(as_completed(futures), 1):
                out[futures[fut]] = fut.result()
                if progress:
                    progress(done, len(rows))
        return out  # type: ignore[return-value]


def make_runner(name: str, workers: int = 1, address: str | None = None) -> Runner:
    """``local`` or ``ray`` (Ray is imported only when asked for)."""
    if name == "local":
        return LocalRunner(workers)
    if name == "ray":
        from spacevista.engine.build.ray_runner import RayRunner

        return RayRunner(workers, address)
    raise ValueError(f"unknown runner {name!r}; expected 'local' or 'ray'")
