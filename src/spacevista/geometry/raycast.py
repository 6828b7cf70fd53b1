"""Ray casting a triangle mesh through a pinhole camera: which triangle each pixel sees, and how far.

Embree (through trimesh) finds the first triangle along each ray in single precision; the hit is then
recomputed in float64 as the intersection of the ray with that triangle's plane, so depth stays exact
at every scale. Pixel (row r, col c) is cast through its centre ``(c + 0.5, r + 0.5)``, as everywhere
in ``spacevista.geometry``.
"""

from __future__ import annotations

import numpy as np
import trimesh
from trimesh.ray.ray_pyembree import RayMeshIntersector

from spacevista.geometry.cameras import pixel_rays, ray_to_z_depth


class MeshCaster:
    """First hits of rays on one triangle mesh (vertices (V, 3), faces (F, 3) indices)."""

    def __init__(self, vertices: np.ndarray, faces: np.ndarray):
        V = np.asarray(vertices, dtype=np.float64)
        F = np.asarray(faces, dtype=np.int64)
        if V.ndim != 2 or V.shape[1] != 3 or F.ndim != 2 or F.shape[1] != 3 or len(F) == 0:
            raise ValueError(f"need vertices (V, 3) and at least one face (F, 3), got {V.shape} and {F.shape}")
        if F.min() < 0 or F.max() >= len(V):
            raise ValueError("faces index vertices out of range")
        self.mesh = trimesh.Trimesh(V, F, process=False)
        self.normals = np.asarray(self.mesh.face_normals, dtype=np.float64)
        # plane of each triangle: n . x = d
        self._plane_d = np.einsum("ij,ij->i", self.normals, V[F[:, 0]])
        self._intersector = RayMeshIntersector(self.mesh)
        self._ray_cache: dict[tuple[bytes, int, int], np.ndarray] = {}

    @property
    def n_triangles(self) -> int:
        return len(self.mesh.faces)

    def cast(self, origins: np.ndarray, dirs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """First-hit triangle per ray (-1 on a miss) and the ray parameter t of the hit (float64).

        ``origins`` is (N, 3) or one shared (3,) origin; ``dirs`` need not be unit length: t is
        measured in units of the given direction.
        """
        origins = np.asarray(origins, dtype=np.float64)
        tri = np.array(self._intersector.intersects_first(np.broadcast_to(origins, dirs.shape), dirs),
                       dtype=np.int64)
        idx = np.flatnonzero(tri >= 0)
        t = np.zeros(len(dirs))
        t[idx] = self._plane_t(tri[idx], np.broadcast_to(origins, dirs.shape)[idx], dirs[idx])
        tri[idx[t[idx] <= 0]] = -1
        return tri, t

    def _plane_t(self, tri: np.ndarray, origins: np.ndarray, dirs: np.ndarray) -> np.ndarray:
        """Ray parameter of the hit on each triangle's plane, in float64 (0 where degenerate)."""
        n = self.normals[tri]
        denom = np.einsum("ij,ij->i", n, dirs)
        num = self._plane_d[tri] - np.einsum("ij,ij->i", n, origins)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = num / denom
        t[~np.isfinite(t) | (t <= 0)] = 0.0
        return t

    def camera_rays(self, K: np.ndarray, width: int, height: int) -> np.ndarray:
        """Unit pixel-centre rays (H*W, 3) of a camera in its own frame, cached per camera."""
        key = (np.asarray(K, dtype=np.float64).tobytes(), int(width), int(height))
        if key not in self._ray_cache:
            self._ray_cache[key] = pixel_rays(K, width, height, np.eye(4))[1]
        return self._ray_cache[key]

    def render(self, K: np.ndarray, width: int, height: int,
               pose: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(triangle, depth)`` images (H, W): the triangle each pixel sees (-1: none) and its
        z-depth along the optical axis in metres (0 where nothing is hit); ``pose`` is
        camera-to-world with OpenCV axes."""
        pose = np.asarray(pose, dtype=np.float64)
        dirs = self.camera_rays(K, width, height) @ pose[:3, :3].T
        tri, t = self.cast(pose[:3, 3], dirs)
        idx = np.flatnonzero(tri >= 0)
        depth = np.zeros(len(tri), dtype=np.float32)
        depth[idx] = ray_to_z_depth(t[idx], dirs[idx], pose)
        return tri.reshape(height, width), depth.reshape(height, width)
