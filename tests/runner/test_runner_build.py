"""The sharded build: layout, cache reuse, worker-count independence, failure isolation, dedup."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from spacevista.engine.build.run import build
from spacevista.engine.build.runners import LocalRunner
from spacevista.engine.build.stages import BuildConfig, SceneStage
from spacevista.io.jsonl import read_jsonl

from .conftest import DATASET_FILES, SCENES, assert_same_tree, copy_scene


def test_layout_manifest_and_report(reference_build):
    out = reference_build
    for f in DATASET_FILES:
        assert (out / f).is_file(), f
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["records_sha256"] == hashlib.sha256((out / "qa.jsonl").read_bytes()).hexdigest()
    assert len(manifest["shards"]) == len(SCENES)
    for s in manifest["shards"]:
        assert hashlib.sha256((out / s["file"]).read_bytes()).hexdigest() == s["sha256"]
    records = list(read_jsonl(out / "qa.jsonl"))
    assert [(r.scene_id, r.id) for r in records] == sorted((r.scene_id, r.id) for r in records)
    assert manifest["counts"]["records"] == len(records) == sum(s["records"] for s in manifest["shards"])
    report = json.loads((out / "report.json").read_text())
    assert report["qa_count"] == len(records)
    assert set(report["scenes"]) == {r.scene_id for r in records}
    for sid, sc in report["scenes"].items():
        assert sc["qa_count"] == sum(1 for r in records if r.scene_id == sid)
        assert sum(sum(v.values()) for v in sc["task_scale"].values()) == sc["qa_count"]
        assert all({"task", "reason"} <= set(s) for s in sc["skipped"])
    assert (out / "errors.jsonl").read_text() == ""
    for r in records:
        assert all((out / f).is_file() for f in r.frames)


def test_rerun_reuses_shards_and_keeps_bytes(scene_root, reference_build, tmp_path):
    out = tmp_path / "b"
    shutil.copytree(reference_build, out)
    res = build([scene_root], out, seed=0)
    assert (res.scenes_built, res.scenes_cached) == (0, len(SCENES))
    assert_same_tree(reference_build, out)


def test_two_workers_same_bytes(scene_root, reference_build, tmp_path):
    res = build([scene_root], tmp_path, seed=0, runner=LocalRunner(2))
    assert res.scenes_built == len(SCENES)
    assert_same_tree(reference_build, tmp_path)


def test_cache_key_changes_rebuild(scene_root, reference_build, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(scene_root, src)
    out = tmp_path / "out"
    build([src], out, seed=0)
    # a changed frame rebuilds that scene only
    one = sorted(p for p in src.iterdir() if p.is_dir())[0]
    frame = sorted((one / "rgb").iterdir())[0]
    frame.write_bytes(frame.read_bytes() + b"\0")
    res = build([src], out, seed=0)
    assert (res.scenes_built, res.scenes_cached) == (1, len(SCENES) - 1)
    # another seed rebuilds everything
    res = build([src], out, seed=1)
    assert res.scenes_built == len(SCENES)


def test_broken_scenes_are_isolated(scene_root, reference_build, tmp_path):
    src = tmp_path / "mixed"
    shutil.copytree(scene_root, src)
    (src / "garbage").mkdir()
    (src / "garbage" / "notes.txt").write_text("not a scene")
    bad_header = copy_scene(src / sorted(p.name for p in scene_root.iterdir())[0], src / "bad_header")
    (bad_header / "scene.json").write_text("{not json")
    bad_frame = copy_scene(src / sorted(p.name for p in scene_root.iterdir())[1], src / "bad_frame",
                           new_id="bad-frame")
    # one truncated image would only drop its frame (test_runner_numerics); with most of them
    # truncated too few frames remain and the scene fails
    for image in sorted((bad_frame / "rgb").iterdir())[:4]:
        image.write_bytes(image.read_bytes()[:40])
    out = tmp_path / "out"
    result = CliRunner().invoke(_cli(), ["build", str(src), "--out", str(out), "--workers", "2"])
    assert result.exit_code == 1, result.output
    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text().splitlines()]
    assert sorted(Path(e["source"]).name for e in errors) == ["bad_frame", "bad_header", "garbage"]
    for e in errors:
        assert e["stage"] == "open" and e["reason"] and e["scene"]
        assert f"scene {e['scene']} failed" in result.output
    # every good scene is there, with exactly the records of a clean build
    assert (out / "qa.jsonl").read_bytes() == (reference_build / "qa.jsonl").read_bytes()


def test_empty_result_is_an_error(scene_root, tmp_path):
    tiny = next(p for p in scene_root.iterdir() if "tiny" in p.name)
    stage = SceneStage(BuildConfig(out=str(tmp_path), seed=0, tasks=("room_size",)))
    row = stage({"source": str(tiny), "shard": "x.json"})
    err = json.loads(row["error"])
    assert err["stage"] == "generate" and err["scene"] == "synth-tiny-0003"
    assert "no QA items" in err["reason"]
    assert not (tmp_path / "shards" / "x.json").exists()


def test_duplicate_scene_is_deduplicated(scene_root, reference_build, tmp_path):
    one = sorted(p for p in scene_root.iterdir() if p.is_dir())[0]
    twin = copy_scene(one, tmp_path / "twin" / one.name)
    out = tmp_path / "out"
    res = build([scene_root, twin.parent], out, seed=0)
    assert not res.errors
    n_twin = sum(1 for r in read_jsonl(reference_build / "qa.jsonl") if r.scene_id == one.name)
    assert res.report["removed"]["duplicates"] == n_twin
    total = res.report["qa_count"] + n_twin
    assert res.report["removed"]["duplicate_rate"] == round(n_twin / total, 6)
    assert (out / "qa.jsonl").read_bytes() == (reference_build / "qa.jsonl").read_bytes()


def test_same_id_other_content_is_an_error(scene_root, reference_build, tmp_path):
    one, two = sorted(p for p in scene_root.iterdir() if p.is_dir())[:2]
    impostor = copy_scene(two, tmp_path / "imp" / "impostor", new_id=one.name)
    res = build([scene_root, impostor], tmp_path / "out", seed=0)
    assert [(e["stage"], Path(e["source"]).name) for e in res.errors] == [("assemble", "impostor")]


def _cli():
    from spacevista.cli import main

    return main


def test_source_without_depth_gets_camera_tasks_only(scene_root, tmp_path):
    one = sorted(p for p in scene_root.iterdir() if p.is_dir())[0]
    cam = copy_scene(one, tmp_path / "src" / "camera_only", new_id="camera-only")
    header = json.loads((cam / "scene.json").read_text())
    for f in header["frames"]:
        f.pop("depth"), f.pop("instances")
    header.pop("objects")  # a real camera-only source has no ground-truth objects either
    (cam / "scene.json").write_text(json.dumps(header))
    (cam / "objects.json").unlink()
    shutil.rmtree(cam / "depth")
    shutil.rmtree(cam / "instances")
    res = build([cam], tmp_path / "out", seed=0)
    assert not res.errors
    scene = res.report["scenes"]["camera-only"]
    assert set(scene["tasks"]) <= {"rotation_estimation", "view_change"} and scene["qa_count"] > 0
    needs = [s for s in scene["skipped"] if "depth and instance masks" in s["reason"]]
    assert {s["task"] for s in needs} >= {"object_size", "object_counting"}


def test_sources_sharing_an_id_run_in_later_rounds(scene_root, tmp_path):
    from spacevista.engine.build.discover import predicted_scene_id, rounds_by_scene_id

    one, two = sorted(p for p in scene_root.iterdir() if p.is_dir())[:2]
    a = copy_scene(one, tmp_path / "a" / "x")
    b = copy_scene(two, tmp_path / "b" / "y", new_id=one.name)
    c = tmp_path / "c" / "z"
    c.mkdir(parents=True)
    assert predicted_scene_id(b) == one.name and predicted_scene_id(c) == "z"
    assert predicted_scene_id(c, {"scene_id": "given"}) == "given"
    srcs = [str(one), str(two), str(a), str(b), str(c)]
    same = sorted([str(one), str(a), str(b)])  # all three will be scene `one.name`
    assert rounds_by_scene_id(srcs) == [sorted([same[0], str(two), str(c)]), [same[1]], [same[2]]]
