"""A structure-from-motion capture gets its metric scale from a depth specialist, or no metric task."""

import dataclasses
import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from spacevista.cli import main
from spacevista.engine.scene.metric_scale import RECOVERY, REFUSAL, recover_metric_scale
from spacevista.perception import SPECIALISTS, fill_scene
from spacevista.readers import read_source
from spacevista.synth.export_sfm import export_sfm
from spacevista.synth.generate import generate_scene
from spacevista.tasks.base import TASKS

S = 0.37
METRIC = {name for name, cls in TASKS.items() if cls.metric}


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    scene = generate_scene("outdoor", 2, n_frames=6, width=96, height=72)
    return export_sfm(scene, tmp_path_factory.mktemp("captures"), S, seed=2)


def _build(src, out, *extra):
    res = CliRunner().invoke(main, ["build", str(src), "--out", str(out), "--format", "colmap",
                                    "--option", "scale=outdoor", *extra])
    records = [json.loads(x) for x in (out / "qa.jsonl").read_text().splitlines()] if (out / "qa.jsonl").exists() else []
    report = json.loads((out / "report.json").read_text()) if (out / "report.json").exists() else {}
    return res, records, report


def test_synthetic_depth_recovers_the_scale_and_metric_tasks_score_against_the_truth(capture, tmp_path):
    res, records, report = _build(capture, tmp_path / "o", "--depth", "synthetic", "--depth-error", "0",
                                  "--tracker", "synthetic")
    assert res.exit_code == 0, res.output
    rec = report["scenes"][capture.name]["metric_scale"]
    assert rec["status"] == "ok" and rec["applied"] and rec["method"] == "sparse_points" and rec["given"] is None
    assert rec["factor"] == pytest.approx(1 / S, rel=1e-3) and rec["sigma"] < 1e-3
    assert rec["units"] == "metres per source unit" and rec["n_frames"] == 6
    metric = [r for r in records if r["task"] in METRIC]
    assert metric, "metric tasks are emitted"
    assert all(r["engine_score"] is not None for r in records)  # the truth beside the capture scores them
    assert np.mean([r["engine_score"] for r in metric]) >= 0.95
    assert records[0]["provenance"]["perception"]["depth"]["model"]["name"] == "synthetic"


def test_without_a_depth_source_metric_tasks_are_refused_with_the_reason(capture, tmp_path):
    res, records, report = _build(capture, tmp_path / "o")
    assert res.exit_code == 0, res.output
    assert records and not [r for r in records if r["task"] in METRIC]
    skipped = {s["task"]: s["reason"] for s in report["scenes"][capture.name]["skipped"]}
    refused = [t for t in METRIC if t in skipped]
    assert refused and all("no metric depth specialist" in skipped[t] for t in refused)
    assert "metric_scale" not in report["scenes"][capture.name]


def test_a_given_metric_scale_wins_and_the_recovered_one_is_reported(capture, tmp_path):
    res, _, report = _build(capture, tmp_path / "o", "--option", "metric_scale=2.5", "--depth", "synthetic",
                            "--depth-error", "0", "--tracker", "synthetic")
    assert res.exit_code == 0, res.output
    rec = report["scenes"][capture.name]["metric_scale"]
    assert rec["given"] == 2.5 and rec["applied"] is False
    assert rec["factor"] == pytest.approx(1 / S, rel=1e-3)


def _filled(capture, **kw):
    scene = read_source(capture, "colmap", scale="outdoor", **kw)
    return fill_scene(scene, depth=SPECIALISTS.get("synthetic")(depth_error=0.0))


def test_frames_that_disagree_leave_the_scene_non_metric(capture):
    scene = _filled(capture)
    # half the frames' depth twice too far: a metric model far outside its training range
    frames = [dataclasses.replace(f, depth_array=f.depth() * (2.0 if i % 2 else 1.0))
              for i, f in enumerate(scene.frames)]
    out = recover_metric_scale(dataclasses.replace(scene, frames=frames))
    assert not out.metric and out.metadata[RECOVERY]["status"] == "inconsistent"
    assert "frames disagree" in out.metadata[REFUSAL]
    assert np.array_equal(out.frames[1].pose, scene.frames[1].pose)


def test_recovered_scale_makes_the_poses_metric(capture):
    scene = _filled(capture)
    out = recover_metric_scale(scene)
    assert out.metric and out.metadata[RECOVERY]["applied"] and REFUSAL not in out.metadata
    moved = np.linalg.norm(out.frames[3].position - out.frames[0].position)
    assert moved == pytest.approx(np.linalg.norm(scene.frames[3].position - scene.frames[0].position) / S, rel=1e-3)


def test_without_points_the_camera_baseline_is_tried(capture, tmp_path):
    copy = tmp_path / capture.name
    shutil.copytree(capture, copy)
    (copy / "sparse" / "0" / "points3D.bin").unlink()
    out = recover_metric_scale(_filled(copy))
    rec = out.metadata[RECOVERY]
    assert rec["method"] == "camera_baseline"
    assert out.metric is (rec["status"] == "ok")  # a scale the frames disagree on is never applied
    if rec["status"] == "ok":
        assert rec["factor"] == pytest.approx(1 / S, rel=0.05)
    else:
        assert "no SfM model with points" in out.metadata[REFUSAL] or "sparse points" in out.metadata[REFUSAL]


def test_depth_error_needs_the_synthetic_specialist(tmp_path):
    res = CliRunner().invoke(main, ["build", str(tmp_path), "--out", str(tmp_path / "o"),
                                    "--depth", "depth-pro=/nowhere", "--depth-error", "0.1"])
    assert res.exit_code != 0 and "--depth synthetic" in res.output


def test_metric_answers_must_hold_under_the_scale_uncertainty(tmp_path):
    from spacevista.engine.scene.gates import holds_under_scale
    from spacevista.engine.scene.pipeline import process_scene

    assert holds_under_scale("m", None) and holds_under_scale("m", 0.05) and not holds_under_scale("m", 0.06)
    assert holds_under_scale("cm", 0.025) and not holds_under_scale("m2", 0.03) and not holds_under_scale("m3", 0.02)
    assert holds_under_scale("", 0.5) and holds_under_scale("deg", 0.5)
    scene = generate_scene("tabletop", 1, n_frames=6, width=96, height=72)
    plain = process_scene(scene, tmp_path / "a", 0)
    scene.metadata[RECOVERY] = {"applied": True, "sigma": 0.2}
    gated = process_scene(scene, tmp_path / "b", 0)
    units = {"mm", "cm", "m", "km", "mm2", "cm2", "m2", "mm3", "cm3", "m3"}
    dropped = [r for r in plain.records if r.unit in units and r.task in METRIC]
    # refused by the gate, as the evidence gates refuse: counted per task, never a plain drop
    refused = sum(n for k, n in gated.dropped.items() if k.startswith("refused:") and k.endswith(":scale_uncertain"))
    assert dropped and refused >= len(dropped) and "scale_uncertain" not in gated.dropped
    assert {k.split(":")[1] for k in gated.dropped if k.endswith(":scale_uncertain")} <= METRIC
    assert not [r for r in gated.records if r.unit in units and r.task in METRIC]
    assert {r.task for r in gated.records} >= {r.task for r in plain.records if r.task not in METRIC}


def test_a_source_whose_own_depth_shares_its_unknown_scale_is_refused_by_name():
    scene = generate_scene("tabletop", 1, n_frames=2, width=32, height=24)
    scene.metric = False  # as CO3D: SfM poses and depth at one unknown scale
    out = recover_metric_scale(scene)
    assert not out.metric and "its own depth shares it" in out.metadata[REFUSAL]
    assert RECOVERY not in out.metadata
