"""Tiny native scenes written once per session, and helpers to compare built datasets byte for byte."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from spacevista.io.native import write_scene
from spacevista.synth.generate import generate_scene

#: scales and seeds of the tiny scenes; each yields QA items at 96x72 with 6 frames
SCENES = (("tabletop", 1), ("outdoor", 2), ("tiny", 3))

DATASET_FILES = ("qa.jsonl", "qa.parquet", "sft.json", "grpo.jsonl", "bench.json", "report.json",
                 "errors.jsonl", "manifest.json")


@pytest.fixture(scope="session")
def scene_root(tmp_path_factory) -> Path:
    """A folder of three native scenes (tabletop, outdoor, tiny)."""
    root = tmp_path_factory.mktemp("scenes")
    for scale, seed in SCENES:
        write_scene(generate_scene(scale, seed, n_frames=6, width=96, height=72), root)
    return root


@pytest.fixture(scope="session")
def reference_build(scene_root, tmp_path_factory) -> Path:
    """An uninterrupted local build (one worker) of ``scene_root``, the reference for byte comparisons."""
    from spacevista.engine.build.run import build

    out = tmp_path_factory.mktemp("reference")
    res = build([scene_root], out, seed=0)
    assert not res.errors and res.report["qa_count"] > 0
    return out


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
