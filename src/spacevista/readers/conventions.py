"""Camera-convention conversions into the project's one convention (OpenCV axes, camera-to-world).

Every function here is pure numpy; the readers call them on the way in and nowhere else.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

#: Flips camera y and z: OpenGL/NeRF camera axes (x right, y up, looking along -z) <-> OpenCV.
FLIP_YZ = np.diag([1.0, -1.0, -1.0, 1.0])


def opengl_to_opencv(c2w_gl: np.ndarray) -> np.ndarray:
    """Camera-to-world in OpenGL camera axes -> camera-to-world in OpenCV camera axes.

    The world frame is untouched; only the camera's own axes change (right-multiplication).
    """
    return np.asarray(c2w_gl, dtype=np.float64) @ FLIP_YZ


def invert_rigid(T: np.ndarray) -> np.ndarray:
    """Inverse of a 4x4 rigid transform, exact for rotations (R^T, -R^T t)."""
    T = np.asarray(T, dtype=np.float64)
    out = np.eye(4)
    R = T[:3, :3]
    out[:3, :3] = R.T
    out[:3, 3] = -R.T @ T[:3, 3]
    return out


def qvec_to_rotmat(qvec: np.ndarray) -> np.ndarray:
    """Unit quaternion (w, x, y, z), Hamilton convention as COLMAP writes it -> 3x3 rotation."""
    w, x, y, z = np.asarray(qvec, dtype=np.float64) / np.linalg.norm(qvec)
    return Rotation.from_quat([x, y, z, w]).as_matrix()


def rotmat_to_qvec(R: np.ndarray) -> np.ndarray:
    """3x3 rotation -> quaternion (w, x, y, z) with w >= 0."""
    x, y, z, w = Rotation.from_matrix(R).as_quat()
    q = np.array([w, x, y, z])
    return q if q[0] >= 0 else -q


def world_to_camera_to_c2w(R_w2c: np.ndarray, t_w2c: np.ndarray) -> np.ndarray:
    """x_cam = R x_world + t  ->  camera-to-world 4x4."""
    T = np.eye(4)
    T[:3, :3] = R_w2c
    T[:3, 3] = t_w2c
    return invert_rigid(T)


def axis_angle_to_rotmat(rvec: np.ndarray) -> np.ndarray:
    """Rodrigues vector (axis * angle, radians) -> 3x3 rotation."""
    return Rotation.from_rotvec(np.asarray(rvec, dtype=np.float64)).as_matrix()


#: PyTorch3D camera axes (+x left, +y up, +z forward) <-> OpenCV (x right, y down, z forward).
P3D_TO_CV = np.diag([-1.0, -1.0, 1.0])


def pytorch3d_to_c2w(R: np.ndarray, T: np.ndarray) -> np.ndarray:
    """PyTorch3D extrinsics (row-vector convention ``X_cam = X_world @ R + T``) -> OpenCV camera-to-world.

    In column vectors ``X_cam = R^T X_world + T`` in PyTorch3D camera axes; flipping x and y gives
    the OpenCV camera axes: ``X_cv = F R^T X_world + F T`` with ``F = diag(-1, -1, 1)``.
    """
    R = np.asarray(R, dtype=np.float64).reshape(3, 3)
    T = np.asarray(T, dtype=np.float64).reshape(3)
    return world_to_camera_to_c2w(P3D_TO_CV @ R.T, P3D_TO_CV @ T)


def pytorch3d_ndc_to_pixels(focal_length: np.ndarray, principal_point: np.ndarray, width: int, height: int,
                            intrinsics_format: str = "ndc_norm_image_bounds") -> np.ndarray:
    """CO3D's NDC focal length / principal point -> 3x3 K in pixels (OpenCV axes).

    ``ndc_norm_image_bounds``: NDC spans [-1, 1] along both image axes, so each axis is rescaled by
    its own half size; ``ndc_isotropic``: both axes use the smaller half size. NDC +x/+y point left/up
    while pixel u/v grow right/down, hence ``c_px = half_size - p_ndc * rescale``.
    """
    half = np.array([width, height], dtype=np.float64) / 2.0
    fmt = intrinsics_format.lower()
    if fmt == "ndc_norm_image_bounds":
        rescale = half
    elif fmt == "ndc_isotropic":
        rescale = np.array([half.min(), half.min()])
    else:
        raise ValueError(f"unknown intrinsics_format {intrinsics_format!r}")
    f = np.asarray(focal_length, dtype=np.float64).reshape(-1)
    if f.size == 1:
        f = np.array([f[0], f[0]])
    p = np.asarray(principal_point, dtype=np.float64).reshape(2)
    fx, fy = f * rescale
    cx, cy = half - p * rescale
    return np.array([[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]])


def project_opencv(K: np.ndarray, c2w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Pixel (u, v) of world point ``X`` seen by an OpenCV camera (used by checks and tests)."""
    w2c = invert_rigid(c2w)
    Xc = w2c[:3, :3] @ np.asarray(X, dtype=np.float64) + w2c[:3, 3]
    uvw = np.asarray(K) @ Xc
    return uvw[:2] / uvw[2]
