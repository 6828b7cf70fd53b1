"""One frame with depth in the wrong unit: the frame is dropped by name, the scene and its neighbours
build, and nothing grows without bound."""

from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner

from spacevista.cli import main


def test_millimetres_read_as_metres_drop_the_frame_and_the_build_finishes(tmp_path):
    src = tmp_path / "scenes"
    res = CliRunner().invoke(main, ["synth", "--scale", "indoor", "--n", "2", "--frames", "8", "--width", "96",
                                    "--height", "72", "--out", str(src)])
    assert res.exit_code == 0, res.output
    bad = sorted(p for p in src.iterdir() if p.is_dir())[0]
    depth_file = sorted((bad / "depth").iterdir())[3]
    with np.load(depth_file) as z:
        depth = z["depth"]
    np.savez_compressed(depth_file, depth=(depth * 1000).astype(np.float32))  # millimetres, stored as metres
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["build", str(src), "--out", str(out)])
    assert res.exit_code == 0, res.output
    report = json.loads((out / "report.json").read_text())
    assert report["scene_count"] == 2 and not report["errors"]
    dropped = report["scenes"][json.loads((bad / "scene.json").read_text())["id"]]["dropped_frames"]
    reasons = [d["reason"] for d in dropped if d.get("stage") == "lift"]
    assert len(reasons) == 1 and "millimetres read as metres" in reasons[0], reasons
