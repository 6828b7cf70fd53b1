"""Real numerics through `spacevista build`: rounded poses corrected and reported, bad frames dropped
and reported, poses beyond rounding and impossible cameras refused with named errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from spacevista.errors import IntrinsicsError, TooFewFramesError
from spacevista.io.native import write_scene
from spacevista.readers import read_source
from spacevista.synth.generate import generate_scene
from tests.readers.helpers import write_seven_scenes

N = 10


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    """One `spacevista build` over five sources: 7-Scenes folders with 4-decimal poses (clean, one
    pose scaled by 1.1, one corrupt colour image, every pose scaled by 1.1) and a native scene whose
    principal point lies far outside its 320-pixel-wide frames."""
    from spacevista.cli import main

    root = tmp_path_factory.mktemp("numerics")
    scene = generate_scene("indoor", 1, n_frames=N, width=96, height=72)
    rounded = write_seven_scenes(scene, root / "src" / "rounded")
    one_scaled = write_seven_scenes(scene, root / "src" / "one_scaled")
    _scale_pose(one_scaled / "frame-000003.pose.txt")
    corrupt = write_seven_scenes(scene, root / "src" / "corrupt_image")
    (corrupt / "frame-000004.color.png").write_bytes(b"\x89PNG\r\n\x1a\n but not an image")
    all_scaled = write_seven_scenes(scene, root / "src" / "all_scaled")
    for p in sorted(all_scaled.glob("*.pose.txt")):
        _scale_pose(p)
    native = write_scene(generate_scene("tabletop", 1, n_frames=3, width=320, height=240), root / "src")
    header = json.loads((native / "scene.json").read_text())
    for f in header["frames"]:
        f["camera"]["cx"] = 10000.0
    (native / "scene.json").write_text(json.dumps(header))
    sources = {"rounded": rounded, "one_scaled": one_scaled, "corrupt_image": corrupt, "all_scaled": all_scaled,
               "native": native}
    out = root / "out"
    res = CliRunner().invoke(main, ["build", *map(str, sources.values()), "--out", str(out)])
    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text().splitlines()]
    return {"exit": res.exit_code, "output": res.output, "report": json.loads((out / "report.json").read_text()),
            "errors": {Path(e["source"]).name: e for e in errors}, "sources": sources, "scene": scene}


def _scale_pose(path: Path) -> None:
    T = np.loadtxt(path)
    T[:3, :3] *= 1.1
    np.savetxt(path, T, fmt="%.4f")


def test_four_decimal_poses_build_and_their_corrections_reach_the_report(built):
    scene = built["scene"]
    rounded = [np.round(f.pose[:3, :3], 4) for f in scene.frames]
    # the premise: rounding to 4 decimals leaves the rotations off orthonormality by about 1e-4
    assert max(np.abs(R.T @ R - np.eye(3)).max() for R in rounded) > 1e-4
    entry = built["report"]["scenes"]["rounded"]
    assert entry["qa_count"] > 0 and entry["dropped_frames"] == []
    pc = entry["pose_corrections"]
    assert pc["corrected"] == N and 1e-5 < pc["max_correction"] < 1e-4
    assert "rounded: 10 pose(s) re-orthonormalised" in built["output"]
    back = read_source(built["sources"]["rounded"])
    for f, g in zip(back.frames, scene.frames):
        np.testing.assert_allclose(f.pose[:3, :3].T @ f.pose[:3, :3], np.eye(3), atol=1e-12)
        np.testing.assert_allclose(f.pose, g.pose, atol=1e-4)


def test_a_pose_scaled_by_1_1_is_refused_with_a_named_error(built):
    entry = built["report"]["scenes"]["one_scaled"]
    (drop,) = entry["dropped_frames"]
    assert drop["frame"] == "000003" and drop["error"] == "PoseError"
    assert drop["file"].endswith("frame-000003.pose.txt") and "not a rigid transform" in drop["reason"]
    assert entry["qa_count"] > 0 and entry["pose_corrections"]["corrected"] == N - 1
    # scaled everywhere it is no rounding: the scene is refused and the error names why
    err = built["errors"]["all_scaled"]
    assert err["stage"] == "open" and err["reason"].startswith("TooFewFramesError: ")
    assert "10 of 10 frames dropped" in err["reason"] and "frame 000000: PoseError: pose is not a rigid" in err["reason"]
    assert "all_scaled" in built["report"]["failed_scenes"] and built["exit"] == 1


def test_native_scene_with_the_principal_point_outside_is_refused_naming_the_frame(built):
    native = built["sources"]["native"]
    err = built["errors"][native.name]
    assert err["stage"] == "open"
    assert "frame 0: IntrinsicsError: principal point (10000, 120) lies outside the 320x240 image" in err["reason"]
    with pytest.raises(TooFewFramesError) as e:
        read_source(native)
    assert e.value.dropped[0]["frame"] == 0 and e.value.dropped[0]["error"] == IntrinsicsError.__name__


def test_one_corrupt_image_among_ten_drops_that_frame_and_the_scene_builds(built):
    entry = built["report"]["scenes"]["corrupt_image"]
    assert entry["qa_count"] > 0
    (drop,) = entry["dropped_frames"]
    assert drop["frame"] == "000004" and drop["file"].endswith("frame-000004.color.png")
    assert "unreadable image" in drop["reason"]
    assert "corrupt_image: 1 frame(s) dropped, e.g. frame 000004" in built["output"]
    scene = read_source(built["sources"]["corrupt_image"])
    assert len(scene.frames) == N - 1 and "000004" not in scene.metadata["source_frame_ids"]
