"""Tiny native scenes written once per session, and helpers to compare built datasets byte for byte."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest

from spacevista.engine.build.stages import BuildConfig, Row, SceneStage
from spacevista.io.native import write_scene
from spacevista.synth.generate import generate_scene

#: scales and seeds of the tiny scenes; each yields QA items at 96x72 with 6 frames
SCENES = (("tabletop", 1), ("outdoor", 2), ("tiny", 3))
#: six tiny scenes, for the worker-death tests: those three and three more
SIX = SCENES + (("tabletop", 4), ("outdoor", 5), ("tiny", 6))

DATASET_FILES = ("qa.jsonl", "qa.parquet", "sft.json", "grpo.jsonl", "bench.json", "report.json",
                 "errors.jsonl", "manifest.json")


def _scenes(tmp_path_factory, name: str, specs) -> Path:
    """A new folder holding one tiny native scene per (scale, seed) of ``specs``."""
    root = tmp_path_factory.mktemp(name)
    for scale, seed in specs:
        write_scene(generate_scene(scale, seed, n_frames=6, width=96, height=72), root)
    return root


def _clean_build(root: Path, tmp_path_factory, name: str) -> Path:
    """An uninterrupted local build (one worker) of ``root``; it must build every scene."""
    from spacevista.engine.build.run import build

    out = tmp_path_factory.mktemp(name)
    res = build([root], out, seed=0)
    assert not res.errors and res.report["qa_count"] > 0
    return out


@pytest.fixture(scope="session")
def scene_root(tmp_path_factory) -> Path:
    """A folder of three native scenes (tabletop, outdoor, tiny)."""
    return _scenes(tmp_path_factory, "scenes", SCENES)


@pytest.fixture(scope="session")
def reference_build(scene_root, tmp_path_factory) -> Path:
    """An uninterrupted local build of ``scene_root``, the reference for byte comparisons."""
    return _clean_build(scene_root, tmp_path_factory, "reference")


@pytest.fixture(scope="session")
def six_scenes(tmp_path_factory) -> Path:
    """A folder of six native scenes (``SIX``)."""
    return _scenes(tmp_path_factory, "six", SIX)


@pytest.fixture(scope="session")
def six_clean(six_scenes, tmp_path_factory) -> Path:
    """An uninterrupted local build of ``six_scenes``."""
    return _clean_build(six_scenes, tmp_path_factory, "six-clean")


class KillingStage:
    """The scene stage, but its worker SIGKILLs itself on ``once``'s first attempt and on every
    attempt at ``always``; each attempt is appended to ``log`` first (one scene name a line)."""

    def __init__(self, cfg: BuildConfig, log: Path, once: str, always: str):
        self.inner = SceneStage(cfg)
        self.log, self.once, self.always = Path(log), once, always

    def __call__(self, row: Row) -> Row:
        scene = Path(row["source"]).name
        first = scene not in (self.log.read_text().splitlines() if self.log.exists() else [])
        with open(self.log, "a") as f:
            f.write(scene + "\n")
        if scene == self.always or (scene == self.once and first):
            os.kill(os.getpid(), signal.SIGKILL)
        return self.inner(row)


def assert_killed_build(out: Path, clean: Path, src: Path, log: Path, once: str, always: str,
                        reason: str) -> None:
    """A build of ``src`` with a :class:`KillingStage`: ``once`` ran twice and finished, ``always``
    ran twice and is the one error (``reason``), every other scene ran once, and the finished
    scenes' records, shards and frames are exactly those of the clean build ``clean``."""
    import json

    attempts = log.read_text().splitlines()
    assert attempts.count(once) == 2 and attempts.count(always) == 2, attempts
    assert all(attempts.count(p.name) == 1 for p in src.iterdir() if p.name not in (once, always)), attempts
    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text().splitlines()]
    assert errors == [{"scene": always, "source": str(src / always), "stage": "worker", "reason": reason}]
    assert json.loads((out / "report.json").read_text())["failed_scenes"] == [always]
    want = [line for line in (clean / "qa.jsonl").read_text().splitlines() if json.loads(line)["scene_id"] != always]
    assert (out / "qa.jsonl").read_text().splitlines() == want
    got, ref = tree_bytes(out), tree_bytes(clean)
    parts = ("shards/", "frames/", "masks/")
    assert {k: v for k, v in got.items() if k.startswith(parts)} == {
        k: v for k, v in ref.items() if k.startswith(parts) and always not in k}


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative path -> bytes)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def assert_same_tree(a: Path, b: Path) -> None:
    ta, tb = tree_bytes(a), tree_bytes(b)
    assert sorted(ta) == sorted(tb), f"file lists differ: {sorted(set(ta) ^ set(tb))}"
    differ = [k for k in ta if ta[k] != tb[k]]
    assert not differ, f"files differ: {differ}"


def copy_scene(src: Path, dst: Path, new_id: str | None = None) -> Path:
    """Copy a native scene folder; with ``new_id`` rewrite the id in its header."""
    import json

    shutil.copytree(src, dst)
    if new_id:
        header = json.loads((dst / "scene.json").read_text())
        header["id"] = new_id
        (dst / "scene.json").write_text(json.dumps(header))
    return dst
