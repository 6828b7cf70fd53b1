"""Rigid poses: inversion, validation, look-at cameras, relative poses and angles.

Poses are camera-to-world 4x4 matrices with OpenCV camera axes (x right, y down, z forward);
the world has +z up.
"""

from __future__ import annotations

import math

import numpy as np

from spacevista.geometry.vectors import unit_vector

__all__ = [
    "invert_pose",
    "is_rigid",
    "check_rigid",
    "nearest_rotation",
    "make_pose",
    "look_at",
    "relative_pose",
    "rotation_angle_deg",
    "yaw_pitch_of_camera",
]

_WORLD_UP = np.array([0.0, 0.0, 1.0])


def make_pose(R: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Assemble a 4x4 pose from a 3x3 rotation and a translation (3,)."""
    T = np.eye(4)
    T[:3, :3] = np.asarray(R, dtype=np.float64).reshape(3, 3)
    T[:3, 3] = np.asarray(t, dtype=np.float64).reshape(3)
    return T


def invert_pose(T: np.ndarray) -> np.ndarray:
    """Inverse of a rigid 4x4 transform (or a stack (N, 4, 4)), using R^T rather than a general inverse."""
    T = np.asarray(T, dtype=np.float64)
    if T.shape[-2:] != (4, 4):
        raise ValueError(f"pose must be 4x4 (or N x 4 x 4), got shape {T.shape}")
    R = T[..., :3, :3]
    t = T[..., :3, 3]
    Rt = np.swapaxes(R, -1, -2)
    out = np.zeros_like(T)
    out[..., :3, :3] = Rt
    out[..., :3, 3] = -np.einsum("...ij,...j->...i", Rt, t)
    out[..., 3, 3] = 1.0
    return out


def _rigid_problem(T: np.ndarray, tol: float) -> str | None:
    """The first reason ``T`` is not a rigid 4x4 transform, or None when it is."""
    T = np.asarray(T)
    if T.shape != (4, 4):
        return f"pose must be 4x4, got shape {T.shape}"
    if not np.issubdtype(T.dtype, np.number):
        return f"pose must be numeric, got dtype {T.dtype}"
    T = T.astype(np.float64)
    if not np.all(np.isfinite(T)):
        return "pose has non-finite entries"
    if not np.allclose(T[3], [0.0, 0.0, 0.0, 1.0], atol=tol, rtol=0.0):
        return f"pose bottom row must be [0, 0, 0, 1], got {T[3].tolist()}"
    R = T[:3, :3]
    err = float(np.abs(R.T @ R - np.eye(3)).max())
    if err > tol:
        return f"rotation block is not orthonormal (max |R^T R - I| = {err:.3g})"
    det = float(np.linalg.det(R))
    if abs(det - 1.0) > tol:
        return f"rotation block has determinant {det:.6g}, expected +1 (a reflection?)"
    return None


def is_rigid(T: np.ndarray, tol: float = 1e-5) -> bool:
    """True when ``T`` is a finite 4x4 rotation + translation with bottom row [0, 0, 0, 1]."""
    return _rigid_problem(T, tol) is None


def check_rigid(T: np.ndarray, tol: float = 1e-5) -> None:
    """Raise ValueError naming the reason when ``T`` is not a rigid 4x4 transform.

    Reasons: not 4x4, non-finite entries, bottom row not [0, 0, 0, 1], rotation block not
    orthonormal, determinant not +1.
    """
    problem = _rigid_problem(T, tol)
    if problem is not None:
        raise ValueError(problem)


def nearest_rotation(R: np.ndarray) -> np.ndarray:
    """The rotation (orthonormal, det +1) closest to the 3x3 ``R`` in the Frobenius norm.

    From the SVD ``R = U S V^T`` it is ``U V^T``, with the sign of the last singular direction
    flipped when that product would be a reflection. Meant for matrices that are rotations up to
    rounding (poses written with few decimals); it does not judge how far ``R`` was from one.
    """
    R = np.asarray(R, dtype=np.float64)
    if R.shape != (3, 3):
        raise ValueError(f"expected a 3x3 matrix, got shape {R.shape}")
    if not np.all(np.isfinite(R)):
        raise ValueError("matrix has non-finite entries")
    U, _, Vt = np.linalg.svd(R)
    if np.linalg.det(U @ Vt) < 0:
        U[:, -1] = -U[:, -1]
    return U @ Vt


def _perpendicular_reference(up: np.ndarray) -> np.ndarray:
    """A fixed unit vector perpendicular to ``up``: world +y if possible, else +x (then +z).

    Used where a direction is parallel to ``up``; for up = +z a camera looking straight down then
    has world +y at the top of its image and world +x to its right (a map view, north up).
    """
    for axis in (np.array([0.0, 1.0, 0.0]), np.array([1.0, 0.0, 0.0]), np.array([0.0, 0.0, 1.0])):
        if abs(float(axis @ up)) < 0.9:
            ref = axis - (axis @ up) * up
            return ref / np.linalg.norm(ref)
    raise AssertionError("unreachable: one of three orthogonal axes is always < 0.9 aligned")


def look_at(eye: np.ndarray, target: np.ndarray, up: np.ndarray = (0.0, 0.0, 1.0)) -> np.ndarray:
    """Camera-to-world pose (OpenCV axes) at ``eye`` looking at ``target``, upright w.r.t. ``up``.

    The optical axis (+z) points from eye to target, image right (+x) is horizontal and image down
    (+y) points as much against ``up`` as possible. When the view direction is parallel to ``up``
    (eye directly above or below the target) the image top is taken towards world +y (for
    up = +z; see ``_perpendicular_reference``), so the result is always defined.
    """
    eye = np.asarray(eye, dtype=np.float64).reshape(3)
    target = np.asarray(target, dtype=np.float64).reshape(3)
    up = unit_vector(up, "up")
    forward = target - eye
    if float(np.linalg.norm(forward)) < 1e-12:
        raise ValueError("look_at needs eye != target")
    z = forward / np.linalg.norm(forward)
    x = np.cross(z, up)
    nx = float(np.linalg.norm(x))
    if nx < 1e-9:
        # Looking along +-up: image "up" (-y) is the fixed horizontal reference.
        image_up = _perpendicular_reference(up)
        x = np.cross(z, image_up)
        nx = float(np.linalg.norm(x))
    x /= nx
    y = np.cross(z, x)
    R = np.stack([x, y, z], axis=1)
    return make_pose(R, eye)


def relative_pose(T_a: np.ndarray, T_b: np.ndarray) -> np.ndarray:
    """Pose of camera b expressed in camera a's frame: ``inv(T_a) @ T_b``.

    Its translation is b's centre in a's camera coordinates (x right, y down, z forward).
    """
    return invert_pose(T_a) @ np.asarray(T_b, dtype=np.float64)


def _rotation_block(R: np.ndarray) -> np.ndarray:
    R = np.asarray(R, dtype=np.float64)
    if R.shape == (4, 4):
        return R[:3, :3]
    if R.shape == (3, 3):
        return R
    raise ValueError(f"expected a 3x3 rotation or 4x4 pose, got shape {R.shape}")


def rotation_angle_deg(R_a: np.ndarray, R_b: np.ndarray) -> float:
    """Geodesic angle in degrees, in [0, 180], between two rotations (3x3, or 4x4 poses).

    Uses atan2 of the sine (from the skew part) and cosine (from the trace) of ``R_a^T R_b``,
    which stays accurate near 0 and 180 degrees where ``arccos`` of the trace does not.
    """
    R = _rotation_block(R_a).T @ _rotation_block(R_b)
    cos = (np.trace(R) - 1.0) / 2.0
    skew = np.array([R[2, 1] - R[1, 2], R[0, 2] - R[2, 0], R[1, 0] - R[0, 1]])
    sin = np.linalg.norm(skew) / 2.0
    return float(np.degrees(np.arctan2(sin, cos)))


def yaw_pitch_of_camera(T: np.ndarray, up: np.ndarray = (0.0, 0.0, 1.0),
                        degrees: bool = True) -> tuple[float, float]:
    """Heading (yaw) and elevation (pitch) of a camera's optical axis.

    Pitch is the angle of the optical axis above the horizontal plane (positive looking up, in
    [-90, 90]). Yaw is the azimuth of the optical axis projected on the horizontal plane,
    counter-clockwise seen from above; for up = +z it is ``atan2(f_y, f_x)`` (0 = looking along
    world +x, 90 = along +y), in (-180, 180]. For another ``up`` the zero direction is the
    projection of world +x (or +y, see ``_perpendicular_reference``). For a camera looking straight
    up or down the yaw is taken from the image-up direction (-y axis) instead.

    Returns degrees by default, radians with ``degrees=False``.
    """
    R = _rotation_block(T)
    up = unit_vector(up, "up")
    forward = R[:, 2]
    pitch = math.asin(float(np.clip(forward @ up, -1.0, 1.0)))
    if np.allclose(up, _WORLD_UP):
        e1, e2 = np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])
    else:
        e1 = np.array([1.0, 0.0, 0.0]) - up[0] * up
        if np.linalg.norm(e1) < 0.1:
            e1 = _perpendicular_reference(up)
        e1 /= np.linalg.norm(e1)
        e2 = np.cross(up, e1)
    heading = forward - (forward @ up) * up
    if np.linalg.norm(heading) < 1e-9:
        heading = -R[:, 1] - (-R[:, 1] @ up) * up
    yaw = math.atan2(float(heading @ e2), float(heading @ e1))
    if degrees:
        return math.degrees(yaw), math.degrees(pitch)
    return yaw, pitch
