"""Ray-cast rendering of synthetic scenes: exact z-depth, instance ids and shaded, textured RGB.

All parts are concatenated into one mesh and cast against with Embree (through trimesh). Embree
only reports which triangle a ray hits first; the hit point is then recomputed in float64 as the
intersection of the ray with that triangle's plane, so depth stays exact at every scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import trimesh
from trimesh.ray.ray_pyembree import RayMeshIntersector

from spacevista.scene import Camera
from spacevista.geometry.cameras import pixel_rays, ray_to_z_depth
from spacevista.synth.shapes import CHECKER, NOISE, STRIPES, WOOD, Part


@dataclass(frozen=True)
class Lighting:
    """A directional sun plus ambient light, and the sky colour for rays that hit nothing."""

    direction: tuple[float, float, float] = (0.35, 0.25, 0.9)
    ambient: float = 0.35
    diffuse: float = 0.75
    sky_horizon: tuple[float, float, float] = (0.80, 0.86, 0.95)
    sky_zenith: tuple[float, float, float] = (0.35, 0.55, 0.85)


class Renderer:
    """Renders (rgb uint8 HxWx3, depth float32 HxW metres, instances int32 HxW) for any pose."""

    def __init__(self, parts: list[tuple[Part, int]], lighting: Lighting | None = None):
        if not parts:
            raise ValueError("nothing to render: no parts")
        self.lighting = lighting or Lighting()
        verts, faces, inst, color, tex, tex_scale = [], [], [], [], [], []
        offset = 0
        for part, instance in parts:
            m = part.mesh
            verts.append(np.asarray(m.vertices, dtype=np.float64))
            faces.append(np.asarray(m.faces, dtype=np.int64) + offset)
            offset += len(m.vertices)
            nf = len(m.faces)
            inst.append(np.full(nf, instance, dtype=np.int32))
            color.append(np.tile(np.asarray(part.material.color, dtype=np.float64), (nf, 1)))
            tex.append(np.full(nf, part.material.texture, dtype=np.int8))
            tex_scale.append(np.full(nf, part.material.scale, dtype=np.float64))
        self.mesh = trimesh.Trimesh(np.concatenate(verts), np.concatenate(faces), process=False)
        self.face_instance = np.concatenate(inst)
        self.face_color = np.concatenate(color)
        self.face_texture = np.concatenate(tex)
        self.face_tex_scale = np.concatenate(tex_scale)
        self._normals = np.asarray(self.mesh.face_normals, dtype=np.float64)
        self._p0 = np.asarray(self.mesh.triangles[:, 0, :], dtype=np.float64)
        self._intersector = RayMeshIntersector(self.mesh)

    @property
    def n_triangles(self) -> int:
        return len(self.mesh.faces)

    def cast(self, origins: np.ndarray, dirs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """First-hit triangle per ray (-1 on a miss) and the ray parameter t of the hit (float64).

        ``dirs`` need not be unit length: t is measured in units of the given direction.
        """
        tri = self._intersector.intersects_first(origins, dirs)
        t = np.zeros(len(dirs))
        hit = tri >= 0
        n = self._normals[tri[hit]]
        denom = np.einsum("ij,ij->i", n, dirs[hit])
        num = np.einsum("ij,ij->i", n, self._p0[tri[hit]] - origins[hit])
        with np.errstate(divide="ignore", invalid="ignore"):
            th = num / denom
        bad = ~np.isfinite(th) | (th <= 0)
        th[bad] = 0.0
        t[hit] = th
        tri = tri.copy()
        idx = np.flatnonzero(hit)
        tri[idx[bad]] = -1
        return tri, t

    def render(self, camera: Camera, pose: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        origins, dirs = pixel_rays(camera.K, camera.width, camera.height, pose)
        tri, t = self.cast(origins, dirs)
        hit = tri >= 0
        h, w = camera.height, camera.width
        # t is the distance along unit rays; depth maps hold z-depth (along the optical axis)
        depth = np.where(hit, ray_to_z_depth(t, dirs, pose), 0.0).astype(np.float32).reshape(h, w)
        inst = np.zeros(len(tri), dtype=np.int32)
        inst[hit] = self.face_instance[tri[hit]]
        rgb = self._shade(origins, dirs, tri, t, hit)
        return rgb.reshape(h, w, 3), depth, inst.reshape(h, w)

    def _shade(self, origins, dirs, tri, t, hit) -> np.ndarray:
        lt = self.lighting
        out = np.empty((len(tri), 3), dtype=np.float32)
        miss = ~hit
        if miss.any():  # sky gradient by the ray's elevation
            d = dirs[miss]
            up = np.clip(d[:, 2] / np.sqrt(np.einsum("ij,ij->i", d, d)), 0.0, 1.0)[:, None]
            out[miss] = (1 - up) * np.asarray(lt.sky_horizon) + up * np.asarray(lt.sky_zenith)
        th = tri[hit]
        dh = dirs[hit]
        p = origins[hit] + t[hit, None] * dh
        n = self._normals[th]
        # two-sided surfaces: light the side that faces the camera
        flip = np.where(np.einsum("ij,ij->i", n, dh) > 0, -1.0, 1.0)
        light = np.asarray(lt.direction, dtype=np.float64)
        light /= np.linalg.norm(light)
        lambert = np.clip((n @ light) * flip, 0.0, 1.0)
        gain = (lt.ambient + lt.diffuse * lambert) * _texture(p, self.face_texture[th], self.face_tex_scale[th])
        out[hit] = self.face_color[th] * gain[:, None]
        idx = (np.clip(out, 0.0, 1.0) * (_LUT_SIZE - 1) + 0.5).astype(np.int32)
        return _SRGB_LUT[idx]


_LUT_SIZE = 4096
#: linear -> display (gamma 2.2) as uint8; a table is much faster than a power per pixel
_SRGB_LUT = np.round((np.arange(_LUT_SIZE) / (_LUT_SIZE - 1)) ** (1 / 2.2) * 255).astype(np.uint8)


def _hash3(i: np.ndarray, j: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Deterministic integer hash of lattice cells to [0, 1)."""
    h = (i * 73856093) ^ (j * 19349663) ^ (k * 83492791)
    h = (h ^ (h >> 13)) * 1274126177
    h = h ^ (h >> 16)
    return (h & 0xFFFF).astype(np.float64) / 65536.0


def _texture(p: np.ndarray, kind: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Brightness factor of each hit point for its procedural texture (world coordinates)."""
    f = np.ones(len(p))
    q = p / scale[:, None]
    cells = np.floor(q).astype(np.int64)
    m = kind == CHECKER
    if m.any():
        f[m] = np.where(cells[m].sum(axis=1) % 2 == 0, 1.0, 0.72)
    m = kind == STRIPES
    if m.any():
        f[m] = np.where(np.floor(q[m, 2] + 0.5 * (q[m, 0] + q[m, 1])).astype(np.int64) % 2 == 0, 1.0, 0.75)
    m = kind == NOISE
    if m.any():
        c, c2 = cells[m], np.floor(q[m] * 4).astype(np.int64)
        f[m] = 0.7 + 0.2 * _hash3(c[:, 0], c[:, 1], c[:, 2]) + 0.1 * _hash3(c2[:, 0], c2[:, 1], c2[:, 2])
    m = kind == WOOD
    if m.any():
        c = np.floor(q[m] * 3).astype(np.int64)
        grain = _hash3(c[:, 0] * 0, c[:, 1], c[:, 2])
        f[m] = 0.8 + 0.2 * np.sin(2 * np.pi * (q[m, 0] + q[m, 1] + 0.5 * grain))
    return f
