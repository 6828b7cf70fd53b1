"""A build worker that dies (SIGKILL, a crash) costs only its own scene, after one retry in a fresh
worker; the run records it in errors.jsonl, finishes the others and exits with the failed-scene code."""

from __future__ import annotations

import functools
import os
import signal
from pathlib import Path

import pytest
from click.testing import CliRunner

from spacevista.engine.build.pool import Failure, WorkerPool, exit_reason
from spacevista.engine.build.stages import Stage

from .conftest import KillingStage, assert_killed_build


def _square_or_die(x: int) -> int:
    if x == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    if x == 4:
        os._exit(7)
    if x == 5:
        raise ValueError("five is right out")
    return x * x


def test_pool_outlives_its_workers():
    seen: list[tuple[int, int]] = []
    pool: WorkerPool[int, int] = WorkerPool(lambda: _square_or_die, workers=2, retries=1)
    out = pool.map(list(range(8)), progress=lambda d, t: seen.append((d, t)))
    assert out[3] == Failure("worker died (SIGKILL)", 2)
    assert out[4] == Failure("worker died (exit code 7)", 2)
    assert out[5] == Failure("ValueError: five is right out", 1)  # an exception is not retried
    assert [out[i] for i in (0, 1, 2, 6, 7)] == [0, 1, 4, 36, 49]
    assert seen == [(d, 8) for d in range(1, 9)]


def test_exit_reasons():
    assert exit_reason(-signal.SIGSEGV) == "worker died (SIGSEGV)"
    assert exit_reason(1) == "worker died (exit code 1)"


@pytest.mark.timeout(300)
def test_build_survives_a_killed_worker(six_scenes: Path, six_clean: Path, tmp_path: Path, monkeypatch):
    from spacevista.cli import main
    from spacevista.engine.build import run as build_run

    scenes = sorted(p.name for p in six_scenes.iterdir())
    once, always = scenes[1], scenes[4]

    log = tmp_path / "attempts.log"
    killing = Stage("scene", functools.partial(KillingStage, log=log, once=once, always=always))
    monkeypatch.setattr(build_run, "default_stages", lambda perception=None: [killing])
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["build", str(six_scenes), "--out", str(out), "--workers", "2"])

    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output and "BrokenProcessPool" not in res.output
    assert "worker died (SIGKILL)" in res.output
    assert_killed_build(out, six_clean, six_scenes, log, once, always, "worker died (SIGKILL)")
