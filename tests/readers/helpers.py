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


def write_ply(path: Path, vertices: np.ndarray, faces: np.ndarray, alpha: bool = True) -> None:
    """A binary little-endian PLY as ScanNet and ScanNet++ ship them: float x y z, uchar colour
    (with alpha for ScanNet's ``_vh_clean_2.ply``), faces as ``list uchar int vertex_indices``."""
    V = np.asarray(vertices, dtype="<f4")
    F = np.asarray(faces, dtype="<i4")
    props = ["x", "y", "z"]
    colour = ["red", "green", "blue"] + (["alpha"] if alpha else [])
    header = ["ply", "format binary_little_endian 1.0", "comment VCGLIB generated", f"element vertex {len(V)}"]
    header += [f"property float {p}" for p in props] + [f"property uchar {c}" for c in colour]
    header += [f"element face {len(F)}", "property list uchar int vertex_indices", "end_header"]
    vdt = np.dtype([(p, "<f4") for p in props] + [(c, "u1") for c in colour])
    vrec = np.zeros(len(V), dtype=vdt)
    for k, p in enumerate(props):
        vrec[p] = V[:, k]
    for c in colour:
        vrec[c] = 200
    frec = np.zeros(len(F), dtype=np.dtype([("n", "u1"), ("i", "<i4", (3,))]))
    frec["n"] = 3
    frec["i"] = F
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join(header) + "\n").encode("ascii") + vrec.tobytes() + frec.tobytes())


def box_mesh(center, size) -> tuple[np.ndarray, np.ndarray]:
    """Vertices (8, 3) and triangles (12, 3) of an axis-aligned box."""
    c, h = np.asarray(center, float), np.asarray(size, float) / 2
    V = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)]) * h + c
    F = np.array([[0, 1, 3], [0, 3, 2], [4, 6, 7], [4, 7, 5], [0, 4, 5], [0, 5, 1],
                  [2, 3, 7], [2, 7, 6], [0, 2, 6], [0, 6, 4], [1, 5, 7], [1, 7, 3]])
    return V, F


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
