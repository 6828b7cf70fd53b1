"""spacevista synth --as colmap: an SfM capture whose poses and points are the truth scaled and moved,
read back by the COLMAP and nerfstudio readers, with its truth beside it."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from spacevista.cli.synth import synth
from spacevista.geometry.scale.metric import sample_depth
from spacevista.io.sfm_truth import aligned_truth, find_link
from spacevista.readers import detect_format, read_source
from spacevista.readers.colmap import sparse_observations

S = 0.37


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    out = tmp_path_factory.mktemp("sfm")
    res = CliRunner().invoke(synth, ["--scale", "outdoor", "--out", str(out), "--seed", "4", "--frames", "5",
                                     "--capture", "clip", "--width", "96", "--height", "72", "--as", "colmap", "--sfm-scale", str(S)])
    assert res.exit_code == 0, res.output
    return out / "synth-outdoor-0004"


def test_capture_layout_has_no_depth_and_a_truth_link(capture):
    assert sorted(p.name for p in capture.iterdir()) == ["images", "sparse", "transforms.json", "truth"]
    assert sorted(p.name for p in (capture / "sparse" / "0").iterdir()) == ["cameras.bin", "images.bin",
                                                                             "points3D.bin"]
    link = find_link(capture)
    assert link.sfm_scale == S and link.images == {f"{i:05d}.png": i for i in range(5)}
    assert (link.folder / "scene.json").is_file()
    meta = json.loads((capture / "transforms.json").read_text())
    assert "depth_file_path" not in meta["frames"][0]


@pytest.mark.parametrize("fmt", ["colmap", "nerfstudio"])
def test_poses_are_the_truth_scaled_and_moved_rigidly(capture, fmt):
    scene = read_source(capture, fmt, scale="outdoor")
    truth = aligned_truth(scene)
    assert not scene.metric and not scene.has_depth
    assert [f.index for f in truth.frames] == [f.index for f in scene.frames]
    for i, j in ((0, 1), (1, 4), (3, 2)):
        rel = np.linalg.inv(scene.frames[i].pose) @ scene.frames[j].pose
        rel[:3, 3] /= S
        np.testing.assert_allclose(rel, np.linalg.inv(truth.frames[i].pose) @ truth.frames[j].pose, atol=1e-9)
    # the capture's world is not the truth's: a random rotation and translation apart
    assert np.abs(scene.frames[0].pose[:3, :3] - truth.frames[0].pose[:3, :3]).max() > 0.1


@pytest.mark.parametrize("fmt", ["colmap", "nerfstudio"])
def test_sparse_points_are_seen_where_the_truth_depth_says(capture, fmt):
    """Metric depth at an observed pixel over the point's depth in the capture is 1 / S for nearly all
    points (a few are badly triangulated on purpose, and keypoint noise can cross a depth edge)."""
    scene = read_source(capture, fmt, scale="outdoor")
    truth = aligned_truth(scene)
    obs = sparse_observations(scene)
    assert len(obs) == 5 and all(o is not None and len(o[1]) > 20 for o in obs)
    ratios = np.concatenate([sample_depth(t.depth(), uv) / z for t, (uv, z) in zip(truth.frames, obs)])
    close = np.abs(ratios * S - 1) < 0.03
    assert close.mean() > 0.9
    assert np.median(ratios) == pytest.approx(1 / S, rel=2e-3)


def test_detection_prefers_nerfstudio_and_both_readers_find_the_model(capture):
    assert detect_format(capture) == "nerfstudio"
    ns = read_source(capture, "nerfstudio")
    assert ns.metadata["model"].endswith("sparse/0") and ns.metadata["source_image_names"][0] == "00000.png"


def test_sfm_scale_needs_colmap_layout(tmp_path):
    for layout in ("native", "scannet"):
        res = CliRunner().invoke(synth, ["--scale", "tiny", "--out", str(tmp_path), "--sfm-scale", "2",
                                         "--as", layout])
        assert res.exit_code != 0 and "--as colmap" in res.output


def test_an_sfm_export_is_a_handheld_capture_unless_told(tmp_path):
    """SfM reconstructs videos: without --capture, --as colmap writes the handheld capture and every
    other layout the clip."""
    res = CliRunner().invoke(synth, ["--scale", "indoor", "--out", str(tmp_path), "--frames", "12",
                                     "--width", "48", "--height", "36", "--as", "colmap"])
    assert res.exit_code == 0, res.output
    truth = aligned_truth(read_source(tmp_path / "synth-indoor-0000", "colmap"))
    assert truth.metadata["capture"]["mode"] == "handheld"
    res = CliRunner().invoke(synth, ["--scale", "indoor", "--out", str(tmp_path / "native"), "--frames", "3",
                                     "--width", "48", "--height", "36"])
    assert res.exit_code == 0, res.output
    assert read_source(tmp_path / "native" / "synth-indoor-0000", "native").metadata["capture"]["mode"] == "clip"


def test_a_handheld_capture_exports_as_sfm_with_every_frame(tmp_path):
    res = CliRunner().invoke(synth, ["--scale", "indoor", "--out", str(tmp_path), "--capture", "handheld",
                                     "--frames", "12", "--width", "48", "--height", "36", "--as", "colmap",
                                     "--sfm-scale", "0.5"])
    assert res.exit_code == 0, res.output
    scene = read_source(tmp_path / "synth-indoor-0000", "colmap")
    assert len(scene.frames) == 12 and not scene.has_depth and not scene.metric


def test_nerfstudio_poses_in_other_units_than_the_model(capture, tmp_path):
    """transforms.json may be a similarity of the COLMAP model (another scale and frame): the points'
    depths follow the poses' units, found from the cameras' spread."""
    import shutil

    copy = tmp_path / capture.name
    shutil.copytree(capture, copy)
    meta = json.loads((copy / "transforms.json").read_text())
    R = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    for f in meta["frames"]:
        T = np.asarray(f["transform_matrix"])
        T[:3, :3] = R @ T[:3, :3]
        T[:3, 3] = 2.0 * (R @ T[:3, 3]) + [5.0, -3.0, 1.0]
        f["transform_matrix"] = T.tolist()
    (copy / "transforms.json").write_text(json.dumps(meta))
    base = sparse_observations(read_source(capture, "colmap"))
    moved = sparse_observations(read_source(copy, "nerfstudio"))
    for (uv0, z0), (uv1, z1) in zip(base, moved):
        np.testing.assert_allclose(uv1, uv0)
        np.testing.assert_allclose(z1, 2.0 * z0, rtol=1e-9)
