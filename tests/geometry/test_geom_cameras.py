import numpy as np
import pytest

from spacevista.geometry.cameras import (backproject, camera_to_world, in_image, pixel_rays, project,
                                         ray_to_z_depth, world_to_camera)
from spacevista.geometry.poses import look_at, make_pose

K = np.array([[500.0, 0.0, 320.0], [0.0, 400.0, 240.0], [0.0, 0.0, 1.0]])


def test_project_identity_pose_known_pixel():
    # Camera at the origin with identity rotation: world == camera frame.
    pts = np.array([[0.0, 0.0, 2.0], [1.0, 0.5, 2.0], [-0.4, -0.3, 4.0]])
    uv, z = project(pts, K, np.eye(4))
    np.testing.assert_allclose(z, [2.0, 2.0, 4.0])
    np.testing.assert_allclose(uv[0], [320.0, 240.0])
    np.testing.assert_allclose(uv[1], [320 + 500 * 0.5, 240 + 400 * 0.25])
    np.testing.assert_allclose(uv[2], [320 - 500 * 0.1, 240 - 400 * 0.075])


def test_project_with_look_at_pose():
    # Camera 5 m along -y from the origin looking at it with +z up: world +x is image right,
    # world +z is image up.
    pose = look_at([0.0, -5.0, 0.0], [0.0, 0.0, 0.0])
    uv, z = project(np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]), K, pose)
    np.testing.assert_allclose(z, [5.0, 5.0, 5.0])
    np.testing.assert_allclose(uv[0], [320 + 100.0, 240.0])
    np.testing.assert_allclose(uv[1], [320.0, 240 - 80.0])
    np.testing.assert_allclose(uv[2], [320.0, 240.0])


def test_points_behind_camera_have_negative_z():
    uv, z = project(np.array([[0.0, 0.0, -1.0]]), K, np.eye(4))
    assert z[0] == -1.0
    assert not in_image(uv, z, 640, 480)[0]


def test_world_camera_round_trip():
    rng = np.random.default_rng(0)
    pose = look_at([1.0, 2.0, 3.0], [0.3, -1.0, 0.5])
    pts = rng.normal(size=(50, 3))
    np.testing.assert_allclose(camera_to_world(world_to_camera(pts, pose), pose), pts, atol=1e-12)


def test_backproject_then_project_gives_pixel_centres():
    rng = np.random.default_rng(1)
    H, W = 6, 8
    depth = rng.uniform(1.0, 3.0, size=(H, W))
    pose = look_at([0.5, -2.0, 1.5], [0.0, 0.0, 0.5])
    Ks = np.array([[7.0, 0.0, 4.0], [0.0, 6.0, 3.0], [0.0, 0.0, 1.0]])
    pts = backproject(depth, Ks, pose)
    assert pts.shape == (H * W, 3)
    uv, z = project(pts, Ks, pose)
    rr, cc = np.mgrid[0:H, 0:W]
    np.testing.assert_allclose(uv[:, 0], cc.ravel() + 0.5, atol=1e-9)
    np.testing.assert_allclose(uv[:, 1], rr.ravel() + 0.5, atol=1e-9)
    np.testing.assert_allclose(z, depth.ravel(), atol=1e-9)


def test_backproject_known_point():
    depth = np.zeros((480, 640))
    depth[240, 320] = 2.0  # pixel centre (320.5, 240.5)
    pts = backproject(depth, K, np.eye(4))
    np.testing.assert_allclose(pts, [[0.5 / 500 * 2.0, 0.5 / 400 * 2.0, 2.0]])


def test_backproject_ignores_invalid_depth_and_honours_mask_and_stride():
    depth = np.ones((4, 4))
    depth[0, 0] = 0.0
    depth[0, 1] = -1.0
    depth[0, 2] = np.nan
    depth[0, 3] = np.inf
    pts = backproject(depth, K, np.eye(4))
    assert pts.shape == (12, 3)
    assert np.all(np.isfinite(pts))
    mask = np.zeros((4, 4), bool)
    mask[1, 1] = mask[2, 2] = True
    assert backproject(depth, K, np.eye(4), mask=mask).shape == (2, 3)
    # stride 2 keeps rows/cols 0 and 2; row 0 entries there are invalid.
    sub = backproject(depth, K, np.eye(4), stride=2)
    assert sub.shape == (2, 3)
    uv, _ = project(sub, K, np.eye(4))
    np.testing.assert_allclose(uv, [[0.5, 2.5], [2.5, 2.5]])
    with pytest.raises(ValueError):
        backproject(depth, K, np.eye(4), stride=0)
    with pytest.raises(ValueError):
        backproject(depth, K, np.eye(4), mask=np.ones((3, 3), bool))


def test_pixel_rays_unit_and_through_pixel_centres():
    Ks = np.array([[7.0, 0.0, 4.0], [0.0, 6.0, 3.0], [0.0, 0.0, 1.0]])
    pose = look_at([1.0, 1.0, 2.0], [0.0, 0.0, 0.0])
    W, H = 8, 6
    o, d = pixel_rays(Ks, W, H, pose)
    assert o.shape == d.shape == (H * W, 3)
    np.testing.assert_allclose(np.linalg.norm(d, axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(o, np.broadcast_to(pose[:3, 3], o.shape))
    t = np.linspace(1.0, 2.0, H * W)
    hits = o + d * t[:, None]
    uv, z = project(hits, Ks, pose)
    i = np.arange(H * W)
    np.testing.assert_allclose(uv[:, 0], i % W + 0.5, atol=1e-9)
    np.testing.assert_allclose(uv[:, 1], i // W + 0.5, atol=1e-9)
    np.testing.assert_allclose(ray_to_z_depth(t, d, pose), z, atol=1e-12)
    # Depth map built from ray hits lifts back to the same points.
    depth = ray_to_z_depth(t, d, pose).reshape(H, W)
    np.testing.assert_allclose(backproject(depth, Ks, pose), hits, atol=1e-9)


def test_ray_to_z_depth_keeps_shape_and_misses():
    pose = make_pose(np.eye(3), [0, 0, 0])
    d = np.array([[0.0, 0.0, 1.0], [0.6, 0.0, 0.8]])
    np.testing.assert_allclose(ray_to_z_depth(np.array([2.0, 5.0]), d, pose), [2.0, 4.0])
    out = ray_to_z_depth(np.array([[np.inf, 1.0]]), d, pose)
    assert out.shape == (1, 2) and np.isinf(out[0, 0])


def test_valid_depth_mask_and_in_image():
    from spacevista.geometry.cameras import valid_depth_mask

    d = np.array([0.0, -1.0, np.nan, np.inf, -np.inf, 0.5])
    assert valid_depth_mask(d).tolist() == [False, False, False, False, False, True]
    uv = np.array([[0.0, 0.0], [639.99, 479.99], [640.0, 10.0], [-0.01, 5.0], [10.0, 10.0]])
    z = np.array([1.0, 1.0, 1.0, 1.0, -1.0])
    assert in_image(uv, z, 640, 480).tolist() == [True, True, False, False, False]
