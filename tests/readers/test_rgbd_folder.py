import numpy as np
import pytest

from spacevista.errors import SceneError, TooFewFramesError
from spacevista.readers import detect_format, read_source

from .helpers import CX, CY, FX, FY, H, W, backproject_cv, project_cv, random_rigid, rng, write_rgb, write_u16

K = np.array([[FX, 0, CX], [0, FY, CY], [0, 0, 1.0]])


def _write(root, n=3, depth_size=(W, H), depth_mm=None, gravity=None):
    g = rng(3)
    poses = []
    for i in range(n):
        stem = root / f"frame-{i:06d}"
        write_rgb(root / f"frame-{i:06d}.color.png", g)
        d = depth_mm if depth_mm is not None else g.integers(500, 4000, size=depth_size[::-1])
        write_u16(root / f"frame-{i:06d}.depth.png", d)
        T = random_rigid(g)
        np.savetxt(f"{stem}.pose.txt", T)
        poses.append(T)
    np.savetxt(root / "camera-intrinsics.txt", K)
    if gravity is not None:
        np.savetxt(root / "gravity-direction.txt", np.asarray(gravity)[None])
    return poses


def test_read_projects_and_backprojects(tmp_path):
    poses = _write(tmp_path, gravity=[0, -1, 0])
    assert detect_format(tmp_path) == "rgbd_folder"
    scene = read_source(tmp_path)
    assert scene.metric and scene.has_depth and len(scene.frames) == 3
    assert scene.up_method == "gravity" and np.allclose(scene.up, [0, 1, 0])
    f = scene.frames[2]
    # source convention is OpenCV already: hand projection x = K [R|t]^-1 X
    X = (poses[2] @ np.array([0.2, -0.1, 1.7, 1.0]))[:3]
    Xc = np.linalg.inv(poses[2]) @ np.append(X, 1)
    uv = np.array([FX * Xc[0] / Xc[2] + CX, FY * Xc[1] / Xc[2] + CY])
    np.testing.assert_allclose(project_cv(f.camera.K, f.pose, X), uv, atol=1e-9)
    depth = f.depth()
    u, v = 9, 17
    z = depth[v, u]
    assert depth.dtype == np.float32 and 0.5 <= z <= 4.0
    Xs = (poses[2] @ np.array([(u - CX) / FX * z, (v - CY) / FY * z, z, 1.0]))[:3]
    np.testing.assert_allclose(backproject_cv(f.camera.K, f.pose, u, v, z), Xs, atol=1e-6)


def test_invalid_depth_and_lower_resolution_depth(tmp_path):
    d = np.full((H // 2, W // 2), 2000, dtype=np.uint16)
    d[0, 0] = 65535
    d[5, 7] = 1234
    _write(tmp_path, n=1, depth_mm=d)
    scene = read_source(tmp_path, up="cameras")
    assert scene.up_method == "cameras"
    depth = scene.frames[0].depth()
    assert depth.shape == (H, W)
    assert depth[0, 0] == 0.0  # 65535 -> invalid
    # colour pixel (u, v) sees depth pixel K_d K_c^-1 (u, v): with K_d = K/2 that is ~((u-CX)/2 + CX/2)
    assert depth[10, 14] == pytest.approx(1.234)


def test_skips_nonfinite_pose_and_samples(tmp_path):
    _write(tmp_path, n=5)
    bad = np.full((4, 4), -np.inf)
    np.savetxt(tmp_path / "frame-000001.pose.txt", bad)
    scene = read_source(tmp_path)
    assert len(scene.frames) == 4 and scene.metadata["source_frame_ids"] == ["000000", "000002", "000003", "000004"]
    (drop,) = scene.metadata["dropped_frames"]
    assert drop["frame"] == "000001" and drop["error"] == "PoseError"
    assert drop["reason"] == "pose has non-finite values" and drop["file"].endswith("frame-000001.pose.txt")
    sub = read_source(tmp_path, num_frames=2)
    assert sub.metadata["source_frame_ids"] == ["000000", "000004"]


def test_errors(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SceneError, match="empty"):
        read_source(empty)
    with pytest.raises(SceneError, match="no frame"):
        read_source(empty, format="rgbd_folder")
    with pytest.raises(SceneError, match="unknown format"):
        (tmp_path / "junk.txt").write_text("x")
        read_source(tmp_path / "junk.txt")
    with pytest.raises(SceneError, match="does not exist"):
        read_source(tmp_path / "nope")
    seq = tmp_path / "seq"
    seq.mkdir()
    _write(seq)
    np.savetxt(seq / "frame-000002.pose.txt", np.diag([1.0, 1.0, -1.0, 1.0]))
    (drop,) = read_source(seq).metadata["dropped_frames"]
    assert drop["file"].endswith("frame-000002.pose.txt") and "determinant -1 (a reflection" in drop["reason"]
    np.savetxt(seq / "frame-000001.pose.txt", np.diag([1.0, 1.0, -1.0, 1.0]))
    with pytest.raises(TooFewFramesError, match="not a rigid") as e:
        read_source(seq)
    assert e.value.file.endswith("frame-000001.pose.txt") and e.value.scene == "seq"
    np.savetxt(seq / "frame-000001.pose.txt", np.eye(4))
    np.savetxt(seq / "frame-000002.pose.txt", np.eye(4))
    np.savetxt(seq / "camera-intrinsics.txt", np.array([[FX, 0, 100], [0, FY, CY], [0, 0, 1]]))
    with pytest.raises(SceneError, match="outside the 32x24 image"):
        read_source(seq)
    (seq / "camera-intrinsics.txt").unlink()
    with pytest.raises(SceneError, match="missing camera intrinsics"):
        read_source(seq)
    np.savetxt(seq / "camera-intrinsics.txt", K)
    (seq / "frame-000001.color.png").write_bytes(b"not a png")
    (drop,) = read_source(seq).metadata["dropped_frames"]
    assert drop["file"].endswith("frame-000001.color.png") and "unreadable image" in drop["reason"]
