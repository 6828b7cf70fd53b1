import json

import numpy as np
import pytest

from spacevista.errors import SceneError, UnsafePathError
from spacevista.readers import READERS, detect_format, read_source

from .helpers import CX, CY, FX, FY, H, W, backproject_cv, project_cv, random_rigid, rng, write_rgb, write_u16


def _write(root, n=3, seed=0, extra=None, frame_extra=None, downscale_folder=False):
    g = rng(seed)
    frames = []
    for i in range(n):
        write_rgb(root / "images" / f"frame_{i:05d}.png", g)
        if downscale_folder:
            write_rgb(root / "images_2" / f"frame_{i:05d}.png", g, W // 2, H // 2)
        f = {"file_path": f"images/frame_{i:05d}.png", "transform_matrix": random_rigid(g).tolist()}
        f.update((frame_extra or {}).get(i, {}))
        frames.append(f)
    meta = {"camera_model": "OPENCV", "fl_x": FX, "fl_y": FY, "cx": CX, "cy": CY, "w": W, "h": H,
            "k1": 0.01, "k2": -0.002, "p1": 0.0, "p2": 0.0, "frames": frames}
    meta.update(extra or {})
    (root / "transforms.json").write_text(json.dumps(meta))
    return meta


def _project_gl(K, c2w_gl, X):
    """Projection in the NeRF/OpenGL convention, by hand: camera looks along -z, y up."""
    Xc = np.linalg.inv(c2w_gl) @ np.append(X, 1.0)
    depth = -Xc[2]
    return np.array([K[0, 2] + K[0, 0] * Xc[0] / depth, K[1, 2] - K[1, 1] * Xc[1] / depth])


def test_detect_and_read_converts_opengl_to_opencv(tmp_path):
    meta = _write(tmp_path)
    assert detect_format(tmp_path) == "nerfstudio"
    assert "nerfstudio" in READERS.names()
    scene = read_source(tmp_path)
    assert scene.metric is False and len(scene.frames) == 3 and scene.source == "nerfstudio"
    assert scene.metadata["distortion"] == {"k1": 0.01, "k2": -0.002}
    f = scene.frames[1]
    assert f.rgb().shape == (H, W, 3) and f.camera.width == W
    c2w_gl = np.array(meta["frames"][1]["transform_matrix"])
    # a point 2 units in front of the camera (along -z in OpenGL)
    X = (c2w_gl @ np.array([0.3, -0.2, -2.0, 1.0]))[:3]
    uv_src = _project_gl(f.camera.K, c2w_gl, X)
    np.testing.assert_allclose(project_cv(f.camera.K, f.pose, X), uv_src, atol=1e-9)
    # the converted camera looks along +z
    assert np.allclose(f.pose[:3, 2], -c2w_gl[:3, 2]) and np.allclose(f.position, c2w_gl[:3, 3])


def test_depth_backprojects_and_metric_scale(tmp_path):
    meta = _write(tmp_path, n=2, frame_extra={0: {"depth_file_path": "depth/0.png"}})
    write_u16(tmp_path / "depth/0.png", np.full((H, W), 1500))
    scene = read_source(tmp_path, format="nerfstudio", metric_scale=2.0)
    assert scene.metric is True
    f = scene.frames[0]
    c2w_gl = np.array(meta["frames"][0]["transform_matrix"])
    u, v, d = 20, 7, 1.5
    # source convention: pixel (u, v) at depth d in front of an OpenGL camera, poses scaled by 2
    Xc_gl = np.array([(u - CX) / FX * d, -(v - CY) / FY * d, -d, 1.0])
    T = c2w_gl.copy()
    T[:3, 3] *= 2.0
    X = (T @ Xc_gl)[:3]
    depth = f.depth()
    assert depth.dtype == np.float32 and depth[v, u] == pytest.approx(1.5)
    np.testing.assert_allclose(backproject_cv(f.camera.K, f.pose, u, v, float(depth[v, u])), X, atol=1e-6)


def test_downscale_folder_scales_intrinsics(tmp_path):
    _write(tmp_path, downscale_folder=True)
    scene = read_source(tmp_path, downscale=2)
    cam = scene.frames[0].camera
    assert (cam.width, cam.height) == (W // 2, H // 2)
    assert cam.fx == pytest.approx(FX / 2) and cam.cy == pytest.approx(CY / 2)


def test_instant_ngp_camera_angle(tmp_path):
    g = rng(1)
    write_rgb(tmp_path / "r_0.png", g)
    meta = {"camera_angle_x": 1.0, "w": W, "h": H,
            "frames": [{"file_path": "./r_0", "transform_matrix": np.eye(4).tolist()}]}
    (tmp_path / "transforms.json").write_text(json.dumps(meta))
    scene = read_source(tmp_path)
    assert scene.frames[0].camera.fx == pytest.approx(0.5 * W / np.tan(0.5))
    assert scene.frames[0].camera.cx == pytest.approx(W / 2)


def test_bad_inputs_name_file_and_reason(tmp_path):
    meta = _write(tmp_path, frame_extra={1: {"transform_matrix": (np.eye(4) * 2).tolist()}})
    scene = read_source(tmp_path)
    assert scene.metadata["source_frame_indices"] == [0, 2]
    (drop,) = scene.metadata["dropped_frames"]
    assert drop["frame"] == 1 and drop["error"] == "PoseError" and "transforms.json" in drop["file"]
    assert "bottom row must be [0, 0, 0, 1]" in drop["reason"]
    meta["frames"][1]["transform_matrix"] = (np.eye(4) * [1.1, 1.1, 1.1, 1]).tolist()
    (tmp_path / "transforms.json").write_text(json.dumps(meta))
    assert "not a rigid transform" in read_source(tmp_path).metadata["dropped_frames"][0]["reason"]
    meta["frames"][1]["transform_matrix"] = np.eye(4).tolist()
    meta["w"] = 64
    (tmp_path / "transforms.json").write_text(json.dumps(meta))
    with pytest.raises(SceneError, match="intrinsics are for 64x24"):
        read_source(tmp_path)
    meta["w"] = W
    (tmp_path / "transforms.json").write_text(json.dumps(meta))
    (tmp_path / "images/frame_00002.png").unlink()
    (drop,) = read_source(tmp_path).metadata["dropped_frames"]
    assert drop["frame"] == 2 and drop["file"].endswith("frame_00002.png") and "missing image" in drop["reason"]
    for name in ("../../etc/passwd", "/etc/passwd"):
        meta["frames"][0]["file_path"] = name
        (tmp_path / "transforms.json").write_text(json.dumps(meta))
        with pytest.raises(UnsafePathError, match="leaves the scene folder") as e:
            read_source(tmp_path)
        assert e.value.file.endswith("transforms.json")
    meta["frames"][0]["file_path"] = "images/frame_00000.png"
    meta["frames"][0]["depth_file_path"] = "../depth/0.png"
    (tmp_path / "transforms.json").write_text(json.dumps(meta))
    with pytest.raises(UnsafePathError, match="'../depth/0.png' leaves the scene folder"):
        read_source(tmp_path)
    (tmp_path / "transforms.json").write_text("{not json")
    with pytest.raises(SceneError, match="unreadable JSON"):
        read_source(tmp_path)
    with pytest.raises(SceneError, match="unknown reader option"):
        _write(tmp_path)
        read_source(tmp_path, metric_scael=2)
