"""A build killed with SIGKILL at several points and started again ends byte-identical to a clean run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import assert_same_tree

ROOT = Path(__file__).resolve().parents[2]


def _command(src: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "spacevista.cli", "build", str(src), "--out", str(out), "--workers", "1"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env["OMP_NUM_THREADS"] = "1"
    return env


def _finished_shards(out: Path) -> int:
    d = out / "shards"
    return sum(1 for p in d.glob("*.json")) if d.is_dir() else 0


def _run_and_kill(src: Path, out: Path, after_shards: int, timeout: float = 120.0) -> bool:
    """Start a build and SIGKILL it once ``after_shards`` shards exist; False if it ended first."""
    proc = subprocess.Popen(_command(src, out), env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.monotonic()
    try:
        while proc.poll() is None:
            if _finished_shards(out) >= after_shards:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                return True
            if time.monotonic() - t0 > timeout:
                raise AssertionError("build did not reach the kill point in time")
            time.sleep(0.02)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return False


@pytest.mark.timeout(300)
def test_sigkill_at_several_points_then_resume(scene_root, reference_build, tmp_path):
    out = tmp_path / "out"
    kills = 0
    # kill after the first shard, again after the second, then once all shards exist (during assembly)
    for k in (1, 2, 3):
        kills += _run_and_kill(scene_root, out, k)
        assert _finished_shards(out) >= k
    assert kills >= 2, "the build finished before it could be killed"
    done = subprocess.run(_command(scene_root, out), env=_env(), capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 built, 3 reused" in " ".join(done.stdout.split())
    assert_same_tree(reference_build, out)


@pytest.mark.timeout(300)
def test_kill_before_any_shard(scene_root, reference_build, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen(_command(scene_root, out), env=_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    # wait until the first frames are on disk (a scene is half done), then kill
    t0 = time.monotonic()
    while not list((out / "frames").rglob("*.jpg")) and proc.poll() is None and time.monotonic() - t0 < 120:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = subprocess.run(_command(scene_root, out), env=_env(), capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    assert_same_tree(reference_build, out)
