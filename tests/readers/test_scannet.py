import json

import numpy as np
import pytest

from spacevista.errors import SceneError
from spacevista.readers import detect_format, read_source

from .helpers import CX, CY, FX, FY, H, W, project_cv, random_rigid, rng, write_rgb, write_u16

KC = np.array([[FX, 0, CX], [0, FY, CY], [0, 0, 1.0]])
KD = np.diag([0.5, 0.5, 1.0]) @ KC


def _k4(K):
    out = np.eye(4)
    out[:3, :3] = K
    return out


def _write(root, n=3, align=True, instances=True):
    g = rng(7)
    (root / "intrinsic").mkdir(parents=True)
    np.savetxt(root / "intrinsic/intrinsic_color.txt", _k4(KC))
    np.savetxt(root / "intrinsic/intrinsic_depth.txt", _k4(KD))
    np.savetxt(root / "intrinsic/extrinsic_color.txt", np.eye(4))
    np.savetxt(root / "intrinsic/extrinsic_depth.txt", np.eye(4))
    poses, depths = [], []
    for i in range(n):
        write_rgb(root / "color" / f"{i}.jpg", g)
        d = g.integers(500, 3000, size=(H // 2, W // 2))
        write_u16(root / "depth" / f"{i}.png", d)
        depths.append(d)
        T = random_rigid(g)
        (root / "pose").mkdir(exist_ok=True)
        np.savetxt(root / "pose" / f"{i}.txt", T)
        poses.append(T)
        if instances:
            inst = np.zeros((H, W), np.uint16)
            inst[2:10, 4:12] = 1
            inst[12:20, 16:30] = 5
            write_u16(root / "instance-filt" / f"{i}.png", inst)
    A = random_rigid(g)
    if align:
        (root / f"{root.name}.txt").write_text(
            "colorHeight = 968\naxisAlignment = " + " ".join(f"{x:.17g}" for x in A.reshape(-1)) + "\nnumDepthFrames = 3\n")
    if instances:
        (root / f"{root.name}.aggregation.json").write_text(json.dumps({
            "sceneId": f"scannet.{root.name}", "appId": "Aggregator.v2",
            "segGroups": [{"id": 0, "objectId": 0, "segments": [1, 2], "label": "chair"},
                          {"id": 4, "objectId": 4, "segments": [3], "label": "table"}],
            "segmentsFile": f"scannet.{root.name}_vh_clean_2.0.010000.segs.json"}))
    return poses, depths, A


def test_read_aligned_with_instances(tmp_path):
    root = tmp_path / "scene0000_00"
    poses, depths, A = _write(root)
    np.savetxt(root / "pose/1.txt", np.full((4, 4), -np.inf))
    assert detect_format(root) == "scannet"
    scene = read_source(root)
    assert scene.metric and scene.up_method == "axis_alignment" and np.allclose(scene.up, [0, 0, 1])
    assert len(scene.frames) == 2 and "tracking lost" in scene.metadata["skipped"][0]["reason"]
    assert scene.metadata["categories"] == {1: "chair", 5: "table"}
    f = scene.frames[1]  # source frame 2
    # ScanNet convention by hand: aligned world = A @ pose @ camera; pixel = K x_cam / z
    X = np.array([0.1, 0.3, -0.2])
    Xc = np.linalg.inv(A @ poses[2]) @ np.append(X, 1)
    uv = (KC @ Xc[:3])[:2] / Xc[2]
    np.testing.assert_allclose(project_cv(f.camera.K, f.pose, X), uv, atol=1e-8)
    # colour pixel (u, v) looks along the same ray as depth pixel (u/2, v/2): back-project both
    u, v = 12, 8
    depth = f.depth()
    assert depth.shape == (H, W)
    z = depths[2][v // 2, u // 2] / 1000.0
    assert depth[v, u] == pytest.approx(z)
    Xd = A @ poses[2] @ np.append(np.linalg.inv(KD) @ np.array([u / 2, v / 2, 1.0]) * z, 1.0)
    Xs = f.pose @ np.append(np.linalg.inv(f.camera.K) @ np.array([u, v, 1.0]) * depth[v, u], 1.0)
    np.testing.assert_allclose(Xs, Xd, atol=1e-6)
    inst = f.instances()
    assert inst.dtype == np.int32 and inst[5, 6] == 1 and inst[15, 20] == 5 and inst[0, 0] == 0


def test_depth_resolution_and_no_alignment(tmp_path):
    root = tmp_path / "scene0001_00"
    poses, depths, _ = _write(root, align=False)
    scene = read_source(root, resolution="depth", up="cameras")
    f = scene.frames[0]
    assert (f.camera.width, f.camera.height) == (W // 2, H // 2) and scene.up_method == "cameras"
    assert f.rgb().shape == (H // 2, W // 2, 3)
    assert f.depth()[3, 4] == pytest.approx(depths[0][3, 4] / 1000.0)
    assert f.instances().shape == (H // 2, W // 2)
    np.testing.assert_allclose(f.pose, poses[0])


def test_errors(tmp_path):
    root = tmp_path / "scene0002_00"
    _write(root)
    (root / "intrinsic/intrinsic_color.txt").write_text("1 2 3")
    with pytest.raises(SceneError, match="expected 4x4 numbers") as e:
        read_source(root)
    assert e.value.file.endswith("intrinsic_color.txt")
    np.savetxt(root / "intrinsic/intrinsic_color.txt", _k4(KC))
    (root / f"{root.name}.aggregation.json").write_text("{}")
    with pytest.raises(SceneError, match="bad aggregation"):
        read_source(root)


def test_annotated_only_and_lifting_runs_on_the_scan(tmp_path):
    from spacevista.engine.scene.lift import LiftConfig, lift_scene

    root = tmp_path / "scene0003_00"
    _write(root, n=3)
    (root / "instance-filt/1.png").unlink()
    scene = read_source(root)
    assert len(scene.frames) == 2 and scene.metadata["skipped"][0]["reason"] == "no instance annotation"
    assert len(read_source(root, annotated_only=False).frames) == 3
    graph = lift_scene(scene, LiftConfig(min_mask_px=8))  # the fixture's masks are 8 px tall
    assert {o.category for o in graph.objects} == {"chair", "table"}


def test_nan_pose_is_dropped_and_rounded_poses_corrected(tmp_path):
    root = tmp_path / "scene0002_00"
    poses, _, _ = _write(root, n=4, align=False, instances=False)
    for i, T in enumerate(poses):
        np.savetxt(root / "pose" / f"{i}.txt", T, fmt="%.4f")
    np.savetxt(root / "pose" / "2.txt", np.full((4, 4), np.nan))
    scene = read_source(root)
    assert scene.metadata["source_frame_ids"] == [0, 1, 3]
    (drop,) = scene.metadata["dropped_frames"]
    assert drop["frame"] == 2 and drop["reason"] == "pose has non-finite values"
    assert scene.metadata["skipped"] == [] and scene.metadata["pose_corrections"]["corrected"] == 3
