"""The leakage filter removes exactly the scenes a benchmark holds, by scene id and by frame pixels."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PIL import Image

from spacevista.engine.build.run import build
from spacevista.engine.dataset.leakage import array_sha256, image_sha256, load_bench_index
from spacevista.io.jsonl import read_jsonl

from .conftest import copy_scene


@pytest.fixture(scope="module")
def bench_of_first(scene_root, tmp_path_factory):
    """An engine build of the first scene alone: its bench.json and qa.jsonl serve as benchmarks."""
    first = sorted(p for p in scene_root.iterdir() if p.is_dir())[0]
    out = tmp_path_factory.mktemp("bench")
    build([first], out, seed=5)
    return first, out


def _expected_without(reference_build, scene_id):
    return [r.to_json() for r in read_jsonl(reference_build / "qa.jsonl") if r.scene_id != scene_id]


@pytest.mark.parametrize("bench_file", ["bench.json", "qa.jsonl"])
def test_removes_exactly_the_benchmark_scene(scene_root, reference_build, bench_of_first, tmp_path, bench_file):
    first, bench_dir = bench_of_first
    res = build([scene_root], tmp_path, seed=0, exclude_bench=[bench_dir / bench_file])
    leaked = res.report["removed"]["leakage"]["scenes"]
    assert [x["scene"] for x in leaked] == [first.name]
    assert "scene id" in leaked[0]["reason"]
    kept = [r.to_json() for r in read_jsonl(tmp_path / "qa.jsonl")]
    assert kept == _expected_without(reference_build, first.name)
    n_first = sum(1 for r in read_jsonl(reference_build / "qa.jsonl") if r.scene_id == first.name)
    assert res.report["removed"]["leakage"]["records"] == n_first > 0


def test_renamed_copy_caught_by_frame_pixels(scene_root, reference_build, bench_of_first, tmp_path):
    first, bench_dir = bench_of_first
    src = tmp_path / "src"
    src.mkdir()
    for p in sorted(scene_root.iterdir()):
        if p.is_dir() and p != first:
            shutil.copytree(p, src / p.name)
    copy_scene(first, src / "renamed", new_id="renamed-scene")
    res = build([src], tmp_path / "out", seed=0, exclude_bench=[bench_dir / "bench.json"])
    leaked = res.report["removed"]["leakage"]["scenes"]
    assert [x["scene"] for x in leaked] == ["renamed-scene"]
    assert "pixels" in leaked[0]["reason"]
    kept = [r.to_json() for r in read_jsonl(tmp_path / "out" / "qa.jsonl")]
    assert kept == _expected_without(reference_build, first.name)


def test_bench_json_scene_id_from_metadata(scene_root, tmp_path):
    second = sorted(p for p in scene_root.iterdir() if p.is_dir())[1]
    bench = tmp_path / "b.json"
    bench.write_text(json.dumps([{"id": "q1", "question": "?", "answer": "A", "videos": [["gone/00000.jpg"]],
                                  "metadata": {"scene_id": second.name}}]))
    index = load_bench_index([bench])
    assert index.missing_frames == 1 and set(index.scene_ids) == {second.name}
    assert index.match(second.name, []) and index.match("other", ["0" * 64]) is None


def test_pixel_hash_ignores_container(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 256, (8, 9, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(tmp_path / "a.png")
    Image.fromarray(rgb).save(tmp_path / "b.png", compress_level=1)
    assert image_sha256(tmp_path / "a.png") == image_sha256(tmp_path / "b.png") == array_sha256(rgb)
    assert array_sha256(rgb[:, :8]) != array_sha256(rgb[:, 1:])


def test_missing_bench_file_is_an_error(scene_root, tmp_path):
    with pytest.raises(ValueError, match="benchmark file not found"):
        build([scene_root], tmp_path, exclude_bench=[tmp_path / "nope.json"])
