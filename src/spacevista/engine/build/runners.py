"""Runners: carry source rows through the build stages, locally in a process pool or on Ray.

Every runner returns one result row per source row, in the order given, so the assembled dataset
does not depend on which runner (or how many workers) did the work.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Callable, Protocol

from spacevista.engine.build.pool import Failure, WorkerPool
from spacevista.engine.build.stages import BuildConfig, Progress, Row, Stage, error_row


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


class LocalRunner:
    """A process pool on this machine (``workers=1`` runs in this process).

    A worker that dies (a crash, the OOM killer, a SIGKILL) loses only the scene it held: that
    scene is retried ``retries`` times in a fresh worker, then becomes an error row of stage
    ``worker`` whose reason names the signal, like any other failed scene; the others finish.
    """

    def __init__(self, workers: int = 1, retries: int = 1):
        self.workers = max(1, int(workers))
        self.retries = max(0, int(retries))

    def run(self, rows: list[Row], stages: list[Stage], cfg: BuildConfig,
            progress: Progress | None = None) -> list[Row]:
        workers = min(self.workers, len(rows), os.cpu_count() or 1) if rows else 1
        if workers <= 1:
            out: list[Row] = []
            fn = chain(stages, cfg)
            for i, row in enumerate(rows):
                out.append(fn(row))
                if progress:
                    progress(i + 1, len(rows))
            return out
        pool: WorkerPool[Row, Row] = WorkerPool(functools.partial(chain, stages, cfg), workers, self.retries)
        results = pool.map(rows, progress)
        return [worker_error_row(row, r) if isinstance(r, Failure) else r for row, r in zip(rows, results)]


def worker_error_row(row: Row, failure: Failure) -> Row:
    """The error row of a source whose worker died (or raised) on every attempt."""
    source = row["source"]
    return error_row(source, Path(source).name, "worker", failure.reason)


def make_runner(name: str, workers: int = 1, address: str | None = None) -> Runner:
    """``local`` or ``ray`` (Ray is imported only when asked for)."""
    if name == "local":
        return LocalRunner(workers)
    if name == "ray":
        from spacevista.engine.build.ray_runner import RayRunner

        return RayRunner(workers, address)
    raise ValueError(f"unknown runner {name!r}; expected 'local' or 'ray'")
