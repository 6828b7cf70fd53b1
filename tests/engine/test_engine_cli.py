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
    victim = sorted((path / "rgb").iterdir())[1]
    victim.unlink()
    res = CliRunner().invoke(main, ["inspect", str(path)])
    assert res.exit_code != 0
    assert scene.id in res.output and victim.name in res.output


def test_ls_lists_tasks():
    res = CliRunner().invoke(main, ["ls", "task"])
    assert res.exit_code == 0
    for name in ("object_size", "route_planning", "spatial_relation", "room_size"):
        assert name in res.output
