import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from spacevista.readers import read_source
from spacevista.readers.up import resolve_up, up_from_cameras

from .helpers import CX, CY, FX, FY, H, W, rng, write_rgb, write_u16

K = np.array([[FX, 0, CX], [0, FY, CY], [0, 0, 1.0]])


def _camera(yaw, pitch, pos):
    """OpenCV camera-to-world in a z-up world: looking along yaw, tilted down by pitch."""
    f = np.array([np.cos(yaw) * np.cos(pitch), np.sin(yaw) * np.cos(pitch), -np.sin(pitch)])
    r = np.array([np.sin(yaw), -np.cos(yaw), 0.0])
    T = np.eye(4)
    T[:3, :3] = np.stack([r, np.cross(f, r), f], axis=1)
    T[:3, 3] = pos
    return T


def _floor_depth(T):
    """z-depth of the floor z = 0 and of a wall x = 2.5 seen by camera T (z-up world), 0 where none."""
    u, v = np.meshgrid(np.arange(W), np.arange(H))
    rays = np.stack([(u - CX) / FX, (v - CY) / FY, np.ones_like(u, float)], -1) @ T[:3, :3].T
    o = T[:3, 3]
    with np.errstate(divide="ignore", invalid="ignore"):
        t_floor = np.where(rays[..., 2] < -1e-6, -o[2] / rays[..., 2], np.inf)
        t_wall = np.where(rays[..., 0] > 1e-6, (2.5 - o[0]) / rays[..., 0], np.inf)
    t = np.minimum(t_floor, t_wall)
    return np.where(np.isfinite(t) & (t < 10), t, 0.0)


def _write_room(root, Q):
    g = rng(23)
    for i, yaw in enumerate(np.radians([-20, 0, 15, 30, 45])):
        T = _camera(yaw, np.radians(25), [0.1 * i, 0.05 * i, 1.4])
        depth = _floor_depth(T)
        T_rot = np.eye(4)
        T_rot[:3, :3] = Q
        write_rgb(root / f"frame-{i:06d}.color.png", g)
        write_u16(root / f"frame-{i:06d}.depth.png", np.round(depth * 1000))
        np.savetxt(root / f"frame-{i:06d}.pose.txt", T_rot @ T)
    np.savetxt(root / "camera-intrinsics.txt", K)


def _angle(a, b):
    return np.degrees(np.arccos(np.clip(a @ b / np.linalg.norm(a) / np.linalg.norm(b), -1, 1)))


def test_floor_beats_camera_prior_on_metric_depth(tmp_path):
    Q = Rotation.from_rotvec([0.4, -0.3, 1.0]).as_matrix()
    true_up = Q @ [0, 0, 1.0]
    _write_room(tmp_path, Q)
    scene = read_source(tmp_path)  # metric, depth, no gravity file -> floor
    assert scene.up_method == "floor"
    assert _angle(scene.up, true_up) < 1.0
    cams = read_source(tmp_path, up="cameras")
    assert cams.up_method == "cameras" and 10 < _angle(cams.up, true_up) < 30


def test_camera_up_is_exact_for_symmetric_yaws():
    poses = np.stack([_camera(y, np.radians(30), [0, 0, 1]) for y in np.radians([0, 90, 180, 270])])
    np.testing.assert_allclose(up_from_cameras(poses), [0, 0, 1], atol=1e-12)


def test_floor_falls_back_to_cameras_without_horizontal_plane(tmp_path):
    g = rng(29)
    # cameras facing a wall x = 2 straight on: depth sees only a vertical plane
    for i in range(3):
        T = _camera(0.0, 0.0, [0.0, 0.2 * i, 1.0])
        write_rgb(tmp_path / f"frame-{i:06d}.color.png", g)
        u = np.arange(W)[None].repeat(H, 0)
        write_u16(tmp_path / f"frame-{i:06d}.depth.png", np.full((H, W), 2000) + 0 * u)
        np.savetxt(tmp_path / f"frame-{i:06d}.pose.txt", T)
    np.savetxt(tmp_path / "camera-intrinsics.txt", K)
    scene = read_source(tmp_path)
    assert scene.up_method == "cameras" and np.allclose(scene.up, [0, 0, 1])
    assert any(n.startswith("floor:") for n in scene.metadata["up_notes"])


def test_resolve_up_keeps_source_up_and_rejects_unknown_method(tmp_path):
    _write_room(tmp_path, np.eye(3))
    np.savetxt(tmp_path / "gravity-direction.txt", np.array([[0, 0, -1.0]]))
    scene = read_source(tmp_path)
    assert scene.up_method == "gravity"
    resolve_up(scene, "auto")
    assert scene.up_method == "gravity"
    with pytest.raises(ValueError, match="unknown up method"):
        resolve_up(scene, "magic")
