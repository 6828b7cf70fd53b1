"""Fixture writers shared by the reader tests: tiny images, poses and the geometric checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from scipy.spatial.transform import Rotation

W, H = 32, 24
FX, FY, CX, CY = 30.0, 28.0, 15.5, 11.5


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def random_rigid(g: np.random.Generator, t_scale: float = 1.0) -> np.ndarray:
    """A random 4x4 rigid transform."""
    T = np.eye(4)
    T[:3, :3] = Rotation.from_rotvec(g.normal(size=3) * 0.6).as_matrix()
    T[:3, 3] = g.normal(size=3) * t_scale
    return T


def write_rgb(path: Path, g: np.random.Generator, w: int = W, h: int = H) -> np.ndarray:
    path.parent.mkdir(parents=True, exist_ok=True)
    img = g.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
    Image.fromarray(img).save(path)
    return img


def write_u16(path: Path, arr: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(arr, dtype=np.uint16)).save(path)


def project_cv(K: np.ndarray, c2w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Pixel of world point X through an OpenCV camera-to-world pose (the Scene convention)."""
    w2c = np.linalg.inv(c2w)
    Xc = w2c[:3, :3] @ X + w2c[:3, 3]
    return (K @ Xc)[:2] / Xc[2]


def backproject_cv(K: np.ndarray, c2w: np.ndarray, u: float, v: float, z: float) -> np.ndarray:
    """World point of pixel (u, v) at z-depth z through an OpenCV camera (the Scene convention)."""
    Xc = np.array([(u - K[0, 2]) / K[0, 0] * z, (v - K[1, 2]) / K[1, 1] * z, z])
    return c2w[:3, :3] @ Xc + c2w[:3, 3]


def write_seven_scenes(scene, root: Path, pose_fmt: str = "%.4f") -> Path:
    """A 7-Scenes-layout folder (rgbd_folder reader) holding ``scene``'s frames: colour PNGs, uint16
    millimetre depth, camera-to-world pose text written with ``pose_fmt`` (real exports round to 4
    decimals), the colour intrinsics and the gravity direction (synthetic worlds are z-up)."""
    root.mkdir(parents=True, exist_ok=True)
    for f in scene.frames:
        stem = root / f"frame-{f.index:06d}"
        Image.fromarray(f.rgb()).save(f"{stem}.color.png")
        depth = np.asarray(f.depth(), dtype=np.float64)
        mm = np.where(np.isfinite(depth) & (depth > 0), np.clip(np.round(depth * 1000), 1, 65534), 0)
        write_u16(Path(f"{stem}.depth.png"), mm)
        np.savetxt(f"{stem}.pose.txt", f.pose, fmt=pose_fmt)
    np.savetxt(root / "camera-intrinsics.txt", scene.frames[0].camera.K, fmt="%.6f")
    np.savetxt(root / "gravity-direction.txt", [[0.0, 0.0, -1.0]], fmt="%.1f")
    return root
