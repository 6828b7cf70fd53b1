"""The Ray runner: Ray Data maps the build stages over source rows, on this machine or a cluster.

Local mode by default (``ray.init(num_cpus=workers)``, no dashboard); ``address`` joins a running
cluster (``ray start --head`` / ``auto`` / ``ray://host:10001``). Stateless stages run as Ray tasks,
stages marked ``actor`` as an actor pool of ``workers`` actors, each reserving the stage's CPUs and
GPUs. Workers write shards straight into the output folder, so on a cluster that folder must be on
storage every node sees (NFS, a mounted bucket); only small result rows travel back.

A worker that dies (a crash, the OOM killer, a SIGKILL) costs only the scene it held: its block
(one scene) is dropped, the other scenes finish, and the dropped scenes run again in a pass of
their own, ``retries`` times (on fresh workers: a dead actor is restarted); a scene still lost
then gets an error row of stage ``worker``, like any other failed scene.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from pathlib import Path
from typing import Any, Callable, Iterator

from spacevista.engine.build.stages import BuildConfig, Progress, Row, Stage, error_row


#: Ray Data settings for the duration of a build (restored afterwards): no progress bars of its own
#: (the CLI draws one), and no per-operator resource reservation, which on a small machine holds
#: back part of the CPUs from a one-operator pipeline (measured: 8 x 0.5 s sleeps on 2 CPUs take
#: 3.2 s with it, 2.2 s without).
#: Each block is one source row, so a block that failed on every attempt is one scene: let the others
#: go on (``max_errored_blocks``: -1, no limit) and report that scene as failed.
_CONTEXT = {"enable_progress_bars": False, "op_resource_reservation_enabled": False,
            "print_on_execution_start": False, "max_errored_blocks": -1}

#: the Ray Data logger that reports (with a traceback) each block it drops
_DROP_LOGGER = "ray.data._internal.execution.streaming_executor_state"
#: exceptions by which Ray says that the process running a task is gone
_DEATHS = {"WorkerCrashedError", "ActorDiedError", "ActorUnavailableError", "NodeDiedError", "OutOfMemoryError"}


@contextlib.contextmanager
def _remote_args_accepted() -> Iterator[None]:
    """Ray Data deprecates passing Ray remote options through ``map`` but offers no other way to
    set ``max_retries``; keep its warning off the user's terminal."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*ray_remote_args.* is deprecated")
        yield


class _DroppedBlocks(logging.Filter):
    """Collects the exceptions of the blocks Ray Data drops, and keeps their tracebacks off the
    terminal: each dropped block becomes a failed scene in the build's own report instead."""

    def __init__(self) -> None:
        super().__init__()
        self.kinds: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None and "max_errored_blocks" in record.getMessage():
            self.kinds.add(type(record.exc_info[1]).__name__)
            return False
        return True

    def reason(self, attempts: int) -> str:
        what = "worker died" if self.kinds and self.kinds <= _DEATHS else "failed"
        return f"{what} on each of {attempts} attempts (Ray: {', '.join(sorted(self.kinds)) or 'task error'})"


class _StageActor:
    """Holds one stage's row function for the life of an actor (e.g. a loaded specialist model)."""

    def __init__(self, stage: Stage, cfg: BuildConfig):
        self.fn = stage.make(cfg)

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        return _guard(self.fn, row)


def _guard(fn, row: dict[str, Any]) -> dict[str, Any]:
    # a row that already failed passes through later stages untouched
    return row if row.get("error") else {**row, **fn(row)}


def _task_fn(row: dict[str, Any], stage: Stage, cfg: BuildConfig) -> dict[str, Any]:
    return _guard(stage.make(cfg), row)


class RayRunner:
    """Ray Data over the source rows; ``workers`` is the parallelism (and num_cpus in local mode)."""

    def __init__(self, workers: int = 1, address: str | None = None, retries: int = 1):
        self.workers = max(1, int(workers))
        self.address = address
        self.retries = max(0, int(retries))

    def _init(self) -> None:
        import ray

        if ray.is_initialized():
            return
        if self.address:
            ray.init(address=self.address, logging_level=logging.WARNING, log_to_driver=False)
        else:
            ray.init(num_cpus=self.workers, include_dashboard=False, logging_level=logging.WARNING,
                     log_to_driver=False)

    def run(self, rows: list[Row], stages: list[Stage], cfg: BuildConfig,
            progress: Progress | None = None) -> list[Row]:
        if not rows:
            return []
        from ray.data import DataContext

        self._init()
        logging.getLogger("ray.data").setLevel(logging.WARNING)  # no per-dataset execution banners
        ctx = DataContext.get_current()
        saved = {k: getattr(ctx, k) for k in _CONTEXT}
        dropped = _DroppedBlocks()
        logging.getLogger(_DROP_LOGGER).addFilter(dropped)
        try:
            for k, v in _CONTEXT.items():
                setattr(ctx, k, v)
            return self._run(rows, stages, cfg, progress, dropped)
        finally:
            logging.getLogger(_DROP_LOGGER).removeFilter(dropped)
            for k, v in saved.items():
                setattr(ctx, k, v)

    def _run(self, rows: list[Row], stages: list[Stage], cfg: BuildConfig, progress: Progress | None,
             dropped: _DroppedBlocks) -> list[Row]:
        out: list[Row | None] = [None] * len(rows)
        done = 0

        def finished(i: int, row: Row) -> None:
            nonlocal done
            out[i] = row
            done += 1
            if progress:
                progress(done, len(rows))

        todo = list(range(len(rows)))
        # Ray's own retries are off: an actor call retried by Ray may spend its retry waiting for
        # the actor to restart. Instead the scenes a pass lost run again in a pass of their own.
        for _ in range(self.retries + 1):
            if not todo:
                break
            self._pass(rows, todo, stages, cfg, finished)
            todo = [i for i in todo if out[i] is None]
        for i in todo:
            finished(i, error_row(rows[i]["source"], Path(rows[i]["source"]).name, "worker",
                                  dropped.reason(self.retries + 1)))
        return out  # type: ignore[return-value]

    def _pass(self, rows: list[Row], todo: list[int], stages: list[Stage], cfg: BuildConfig,
              finished: Callable[[int, Row], None]) -> None:
        """Run the stages over the rows ``todo`` (one block each); a block whose worker died is
        dropped, and its row simply gets no result."""
        import ray
        from ray.data import ActorPoolStrategy, TaskPoolStrategy

        indexed = [{**rows[i], "index": str(i)} for i in todo]
        ds = ray.data.from_items(indexed, override_num_blocks=len(indexed))
        for stage in stages:
            resources: dict[str, Any] = {"num_cpus": stage.num_cpus}
            if stage.num_gpus:
                resources["num_gpus"] = stage.num_gpus
            with _remote_args_accepted():
                if stage.actor:
                    # a dead actor is restarted for the other scenes; one call at a time per actor,
                    # so that its death takes only the scene it was running
                    ds = ds.map(_StageActor, fn_constructor_args=(stage, cfg),
                                compute=ActorPoolStrategy(size=self.workers, max_tasks_in_flight_per_actor=1),
                                max_restarts=-1, max_task_retries=0, **resources)
                else:
                    ds = ds.map(_task_fn, fn_args=(stage, cfg), compute=TaskPoolStrategy(size=self.workers),
                                max_retries=0, **resources)
        for row in ds.iter_rows():
            i = int(row.pop("index"))
            finished(i, {k: str(v) for k, v in row.items()})

    def shutdown(self) -> None:
        import ray

        if ray.is_initialized() and not self.address:
            ray.shutdown()
