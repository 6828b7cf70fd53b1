"""The engine's commands through click: inspect (JSON), ls, and a clear error on a bad scene."""

import json

import numpy as np
from click.testing import CliRunner

from spacevista.cli import main
from spacevista.io.native import write_scene
from spacevista.synth.generate import generate_scene


def test_inspect_json_matches_ground_truth(tmp_path):
    scene = generate_scene("tabletop", seed=3, n_frames=6, width=160, height=120)
    path = write_scene(scene, tmp_path / scene.id)
    res = CliRunner().invoke(main, ["inspect", str(path), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["up"] == [0.0, 0.0, 1.0]
    assert out["objects"]
    truth = {o.id: o for o in scene.objects}
    for o in out["objects"]:
        assert set(o) >= {"id", "category", "center", "size", "yaw", "points", "frames"}
        gt = truth[o["id"]]
        assert o["category"] == gt.category
        assert o["points"] > 0 and o["frames"]
        # lifted box centre within a third of the object's size of the true centre
        assert np.linalg.norm(np.array(o["center"]) - gt.center) < 0.34 * gt.size.max() + 0.01


def test_inspect_names_missing_frame(tmp_path):
    scene = generate_scene("indoor", seed=1, n_frames=4, width=96, height=72)
    path = write_scene(scene, tmp_path / scene.id)
    victim, *others = sorted((path / "rgb").iterdir())[1:]
    victim.unlink()
    res = CliRunner(env={"COLUMNS": "300"}).invoke(main, ["inspect", str(path)])
    assert res.exit_code == 0, res.output  # one frame of four is dropped, named, and the scene read
    assert "dropped frame 1" in res.output and victim.name in res.output and "missing frame file" in res.output
    for other in others:
        other.unlink()
    res = CliRunner().invoke(main, ["inspect", str(path)])
    assert res.exit_code != 0
    assert scene.id in res.output and victim.name in res.output and "TooFewFramesError" in res.output


def test_ls_lists_tasks():
    res = CliRunner().invoke(main, ["ls", "task"])
    assert res.exit_code == 0
    for name in ("object_size", "route_planning", "spatial_relation", "room_size"):
        assert name in res.output


def test_ground_truth_without_depth_keeps_camera_tasks(tmp_path):
    from spacevista.engine.scene.pipeline import process_scene

    scene = generate_scene("indoor", seed=2, n_frames=5, width=96, height=72)
    for f in scene.frames:
        f.depth_array = None
        f.instance_array = None
    res = process_scene(scene, tmp_path, seed=0)
    assert res.records
    assert {r.task for r in res.records} <= {"rotation_estimation", "view_change"}
    assert all(r.engine_score is not None for r in res.records)


def test_exports_leave_out_items_rejected_in_review(tmp_path):
    from spacevista.engine.scene.pipeline import process_scene
    from spacevista.engine.dataset.writers import write_dataset
    from spacevista.io.rejected import write_rejected

    scene = generate_scene("indoor", seed=5, n_frames=5, width=96, height=72)
    records = process_scene(scene, tmp_path, seed=0).records
    assert len(records) > 2
    write_rejected(tmp_path, [records[0].id, records[1].id])
    write_dataset(records, tmp_path)
    assert len((tmp_path / "qa.jsonl").read_text().splitlines()) == len(records)
    sft = json.loads((tmp_path / "sft.json").read_text())
    bench = json.loads((tmp_path / "bench.json").read_text())
    kept = {e["id"] for e in sft}
    assert len(sft) == len(bench) == len(records) - 2
    assert records[0].id not in kept and records[2].id in kept


def test_export_command_after_review(tmp_path):
    from spacevista.engine.scene.pipeline import process_scene
    from spacevista.engine.dataset.writers import write_dataset
    from spacevista.io.rejected import write_rejected

    scene = generate_scene("outdoor", seed=6, n_frames=5, width=96, height=72)
    records = process_scene(scene, tmp_path, seed=0).records
    write_dataset(records, tmp_path)
    write_rejected(tmp_path, [records[-1].id])
    res = CliRunner().invoke(main, ["export", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "1 rejected in review left out" in res.output
    grpo = (tmp_path / "grpo.jsonl").read_text().splitlines()
    assert len(grpo) == len(records) - 1
    bad = CliRunner().invoke(main, ["export", str(tmp_path / "frames")])
    assert bad.exit_code != 0 and "qa.jsonl" in bad.output
