import math

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from spacevista.geometry.poses import (check_rigid, invert_pose, is_rigid, look_at, make_pose, nearest_rotation,
                                       relative_pose, rotation_angle_deg, yaw_pitch_of_camera)


def rot_z(deg):
    a = math.radians(deg)
    return np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])


def rot_x(deg):
    a = math.radians(deg)
    return np.array([[1, 0, 0], [0, math.cos(a), -math.sin(a)], [0, math.sin(a), math.cos(a)]])


def test_invert_pose():
    T = make_pose(rot_z(30) @ rot_x(20), [1.0, -2.0, 3.0])
    np.testing.assert_allclose(invert_pose(T) @ T, np.eye(4), atol=1e-12)
    stack = np.stack([T, np.eye(4)])
    inv = invert_pose(stack)
    np.testing.assert_allclose(inv[0], np.linalg.inv(T), atol=1e-12)
    np.testing.assert_allclose(inv[1], np.eye(4))


@pytest.mark.parametrize("bad, reason", [
    (np.eye(3), "4x4"),
    (np.full((4, 4), np.nan), "non-finite"),
    (np.diag([1.0, 1.0, -1.0, 1.0]), "determinant"),
    (np.diag([2.0, 1.0, 1.0, 1.0]), "orthonormal"),
    (np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 1, 1]], float), "bottom row"),
])
def test_check_rigid_reasons(bad, reason):
    assert not is_rigid(bad)
    with pytest.raises(ValueError, match=reason):
        check_rigid(bad)


def test_rigid_accepts_good_pose():
    T = make_pose(rot_z(77), [4, 5, 6])
    assert is_rigid(T)
    check_rigid(T)


def test_look_at_axes():
    T = look_at([0, 0, 0], [1, 0, 0])
    check_rigid(T)
    R = T[:3, :3]
    np.testing.assert_allclose(R[:, 2], [1, 0, 0], atol=1e-12)   # forward
    np.testing.assert_allclose(R[:, 0], [0, -1, 0], atol=1e-12)  # right
    np.testing.assert_allclose(R[:, 1], [0, 0, -1], atol=1e-12)  # down
    np.testing.assert_allclose(T[:3, 3], [0, 0, 0])


def test_look_at_oblique_is_upright():
    T = look_at([3, -2, 4], [0, 1, 0.5])
    check_rigid(T)
    R = T[:3, :3]
    assert abs(R[2, 0]) < 1e-12  # image x horizontal
    assert R[2, 1] < 0  # image down points downwards
    f = np.array([-3, 3, -3.5]) / np.linalg.norm([-3, 3, -3.5])
    np.testing.assert_allclose(R[:, 2], f, atol=1e-12)


@pytest.mark.parametrize("eye", [[0, 0, 5], [0, 0, -5]])
def test_look_at_straight_down_or_up(eye):
    T = look_at(eye, [0, 0, 0])
    check_rigid(T)
    R = T[:3, :3]
    np.testing.assert_allclose(R[:, 2], -np.sign(eye[2]) * np.array([0, 0, 1.0]), atol=1e-12)
    # Image top (-y) is world +y in both cases.
    np.testing.assert_allclose(-R[:, 1], [0, 1, 0], atol=1e-12)


def test_look_at_rejects_same_points():
    with pytest.raises(ValueError):
        look_at([1, 1, 1], [1, 1, 1])


def test_relative_pose():
    Ta = look_at([0, 0, 1], [1, 0, 1])
    Tb = look_at([0, 2, 1], [1, 2, 1])  # 2 m to a's left
    rel = relative_pose(Ta, Tb)
    np.testing.assert_allclose(rel[:3, 3], [-2, 0, 0], atol=1e-12)
    np.testing.assert_allclose(rel[:3, :3], np.eye(3), atol=1e-12)
    np.testing.assert_allclose(Ta @ rel, Tb, atol=1e-12)


@pytest.mark.parametrize("deg", [0.0, 1e-4, 30.0, 90.0, 179.9, 180.0])
def test_rotation_angle(deg):
    Ra = rot_x(15) @ rot_z(40)
    axis_rot = rot_z(deg)
    Rb = Ra @ axis_rot
    assert rotation_angle_deg(Ra, Rb) == pytest.approx(deg, abs=1e-7)
    assert rotation_angle_deg(make_pose(Ra, [1, 2, 3]), make_pose(Rb, [0, 0, 0])) == pytest.approx(deg, abs=1e-7)


def test_yaw_pitch():
    yaw, pitch = yaw_pitch_of_camera(look_at([0, 0, 0], [0, 1, 0]))
    assert yaw == pytest.approx(90.0) and pitch == pytest.approx(0.0, abs=1e-12)
    yaw, pitch = yaw_pitch_of_camera(look_at([0, 0, 0], [-1, 0, -1]))
    assert yaw == pytest.approx(180.0) and pitch == pytest.approx(-45.0)
    yaw, pitch = yaw_pitch_of_camera(look_at([0, 0, 0], [1, 1, math.sqrt(2)]), degrees=False)
    assert yaw == pytest.approx(math.pi / 4) and pitch == pytest.approx(math.pi / 4)
    # Straight down: yaw from image-up, which look_at makes world +y.
    yaw, pitch = yaw_pitch_of_camera(look_at([0, 0, 3], [0, 0, 0]))
    assert pitch == pytest.approx(-90.0) and yaw == pytest.approx(90.0)


def test_nearest_rotation_undoes_rounding_and_keeps_det_plus_one():
    R = Rotation.from_rotvec([0.3, -1.1, 0.7]).as_matrix()
    rounded = np.round(R, 4)
    assert np.abs(rounded.T @ rounded - np.eye(3)).max() > 1e-6  # rounding broke orthonormality
    fixed = nearest_rotation(rounded)
    np.testing.assert_allclose(fixed.T @ fixed, np.eye(3), atol=1e-12)
    assert np.linalg.det(fixed) == pytest.approx(1.0)
    assert np.abs(fixed - R).max() < 1e-4  # back to (almost) the rotation that was rounded
    np.testing.assert_allclose(nearest_rotation(R), R, atol=1e-12)  # a rotation is its own nearest
    assert np.linalg.det(nearest_rotation(np.diag([1.0, 1.0, -1.0]))) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="non-finite"):
        nearest_rotation(np.full((3, 3), np.nan))
