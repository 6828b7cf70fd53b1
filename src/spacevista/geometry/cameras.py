"""Pinhole camera maths: projection, back-projection and per-pixel rays.

Conventions
-----------
- Camera axes are OpenCV's: x right, y down, z forward.
- ``pose`` is camera-to-world, 4x4 (``X_world = R @ X_cam + t``).
- ``K`` is the 3x3 intrinsic matrix in pixels.
- Pixel-centre rule: the pixel at row ``r``, column ``c`` covers the continuous image square
  ``[c, c+1) x [r, r+1)``; its centre is ``(u, v) = (c + 0.5, r + 0.5)``. ``project`` returns
  continuous coordinates in that same system, so the pixel that contains a projected point is
  ``(floor(v), floor(u))``, and projecting a back-projected pixel gives back its centre.
  (``Camera.from_fov`` puts the principal point at ``(W/2, H/2)``, the centre of the image in
  this system.)
- Depth maps hold z-depth (distance along the optical axis) in metres. A depth value is invalid
  when it is 0, negative, NaN or infinite; invalid pixels are skipped, never lifted.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "world_to_camera",
    "camera_to_world",
    "project",
    "backproject",
    "pixel_rays",
    "ray_to_z_depth",
    "valid_depth_mask",
    "in_image",
]


def _as_pose(pose: np.ndarray) -> np.ndarray:
    pose = np.asarray(pose, dtype=np.float64)
    if pose.shape != (4, 4):
        raise ValueError(f"pose must be 4x4 camera-to-world, got shape {pose.shape}")
    return pose


def _as_K(K: np.ndarray) -> np.ndarray:
    K = np.asarray(K, dtype=np.float64)
    if K.shape != (3, 3):
        raise ValueError(f"intrinsics K must be 3x3, got shape {K.shape}")
    if K[0, 0] == 0 or K[1, 1] == 0 or K[2, 2] == 0:
        raise ValueError("intrinsics K has a zero focal length or K[2,2] == 0")
    return K


def _as_points(points: np.ndarray) -> np.ndarray:
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 3:
        raise ValueError(f"points must have shape (N, 3), got {points.shape}")
    return points


def world_to_camera(points: np.ndarray, pose: np.ndarray) -> np.ndarray:
    """World points (N, 3) -> the camera frame of ``pose`` (camera-to-world 4x4)."""
    points = _as_points(points)
    pose = _as_pose(pose)
    R, t = pose[:3, :3], pose[:3, 3]
    # (X - t) @ R == (R^T (X - t))^T row by row: the inverse of a rigid transform.
    return (points - t) @ R


def camera_to_world(points: np.ndarray, pose: np.ndarray) -> np.ndarray:
    """Camera-frame points (N, 3) -> world coordinates with ``pose`` (camera-to-world 4x4)."""
    points = _as_points(points)
    pose = _as_pose(pose)
    return points @ pose[:3, :3].T + pose[:3, 3]


def project(points: np.ndarray, K: np.ndarray, pose: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project world points into the image of a camera.

    Args:
        points: (N, 3) world points, metres.
        K: 3x3 intrinsics, pixels.
        pose: 4x4 camera-to-world pose.

    Returns:
        ``(uv, z)``: ``uv`` (N, 2) continuous pixel coordinates ``[u, v]`` (u along image x /
        columns, v along image y / rows; pixel centres at ``c + 0.5, r + 0.5``) and ``z`` (N,) the
        depth along the optical axis. Points with ``z <= 0`` are behind the camera; their ``uv``
        is meaningless (inf or NaN when ``z == 0``) and callers filter on ``z``.
    """
    K = _as_K(K)
    cam = world_to_camera(points, pose)
    z = cam[:, 2]
    p = cam @ K.T
    with np.errstate(divide="ignore", invalid="ignore"):
        uv = p[:, :2] / p[:, 2:3]
    return uv, z.copy()


def in_image(uv: np.ndarray, z: np.ndarray, width: int, height: int) -> np.ndarray:
    """Boolean mask of projections that fall inside a ``width`` x ``height`` image, in front."""
    uv = np.asarray(uv, dtype=np.float64)
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return ((z > 0) & (uv[:, 0] >= 0) & (uv[:, 0] < width)
                & (uv[:, 1] >= 0) & (uv[:, 1] < height))


def valid_depth_mask(depth: np.ndarray) -> np.ndarray:
    """True where a depth value is usable: finite and strictly positive."""
    depth = np.asarray(depth)
    with np.errstate(invalid="ignore"):
        return np.isfinite(depth) & (depth > 0)


def _camera_rays_unnormalised(K: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Camera-frame directions with z == 1 through continuous pixel coordinates (u, v)."""
    fx, s, cx = K[0]
    fy, cy = K[1, 1], K[1, 2]
    y = (v - cy) / fy
    x = (u - cx - s * y) / fx
    return np.stack([x, y, np.ones_like(x)], axis=-1)


def backproject(depth: np.ndarray, K: np.ndarray, pose: np.ndarray, mask: np.ndarray | None = None,
                stride: int = 1) -> np.ndarray:
    """Lift a z-depth map to world points at pixel centres.

    Args:
        depth: (H, W) z-depth in metres; 0, negative, NaN and inf are skipped.
        K: 3x3 intrinsics, pixels.
        pose: 4x4 camera-to-world pose.
        mask: optional (H, W) boolean; only True pixels are lifted.
        stride: keep every ``stride``-th row and column (rows/cols 0, stride, 2*stride, ...).

    Returns:
        (N, 3) world points in row-major pixel order.
    """
    depth = np.asarray(depth)
    if depth.ndim != 2:
        raise ValueError(f"depth must be (H, W), got shape {depth.shape}")
    if int(stride) < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    stride = int(stride)
    K = _as_K(K)
    pose = _as_pose(pose)
    sub = depth[::stride, ::stride]
    keep = valid_depth_mask(sub)
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != depth.shape:
            raise ValueError(f"mask shape {mask.shape} differs from depth shape {depth.shape}")
        keep &= mask[::stride, ::stride]
    rows, cols = np.nonzero(keep)
    z = sub[rows, cols].astype(np.float64)
    u = cols * stride + 0.5
    v = rows * stride + 0.5
    cam = _camera_rays_unnormalised(K, u, v) * z[:, None]
    return cam @ pose[:3, :3].T + pose[:3, 3]


def pixel_rays(K: np.ndarray, width: int, height: int, pose: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """World-space rays through every pixel centre, row-major.

    Ray ``i`` goes through pixel ``(r, c) = divmod(i, width)`` at ``(c + 0.5, r + 0.5)``.

    Returns:
        ``(origins, directions)``, both (H*W, 3) float64; origins are all the camera centre and
        directions are unit vectors in world coordinates.
    """
    K = _as_K(K)
    pose = _as_pose(pose)
    width, height = int(width), int(height)
    if width < 1 or height < 1:
        raise ValueError(f"image size must be positive, got {width}x{height}")
    u = np.arange(width, dtype=np.float64) + 0.5
    v = np.arange(height, dtype=np.float64) + 0.5
    uu, vv = np.meshgrid(u, v)
    cam = _camera_rays_unnormalised(K, uu.ravel(), vv.ravel())
    cam /= np.linalg.norm(cam, axis=1, keepdims=True)
    directions = cam @ pose[:3, :3].T
    # Rotating unit vectors keeps them unit up to rounding; renormalise so callers can rely on it.
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    origins = np.repeat(pose[None, :3, 3], width * height, axis=0)
    return origins, directions


def ray_to_z_depth(t: np.ndarray, directions: np.ndarray, pose: np.ndarray) -> np.ndarray:
    """Convert hit distances along world rays into z-depth of the camera ``pose``.

    ``t`` is the distance along each unit ``direction`` (as given by ``pixel_rays``); the z-depth
    is ``t`` times the cosine between the ray and the optical axis. Non-finite ``t`` (misses) stay
    non-finite. The result has the shape of ``t`` (e.g. (H*W,) or (H, W)).
    """
    pose = _as_pose(pose)
    t = np.asarray(t, dtype=np.float64)
    directions = np.asarray(directions, dtype=np.float64)
    if directions.ndim != 2 or directions.shape[1] != 3 or directions.shape[0] != t.size:
        raise ValueError(f"directions must be ({t.size}, 3), got {directions.shape}")
    axis = pose[:3, 2]
    return (t.reshape(-1) * (directions @ axis)).reshape(t.shape)
