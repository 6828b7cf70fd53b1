"""Ray-cast rendering of synthetic scenes: exact z-depth, instance ids and shaded, textured RGB.

All parts are concatenated into one mesh and cast against with ``geometry.raycast.MeshCaster``
(Embree through trimesh, hits refined in float64 on each triangle's plane), so depth stays exact at
every scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spacevista.geometry.cameras import ray_to_z_depth
from spacevista.geometry.raycast import MeshCaster
from spacevista.scene import Camera
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
        self.caster = MeshCaster(np.concatenate(verts), np.concatenate(faces))
        self.mesh = self.caster.mesh
        self.face_instance = np.concatenate(inst)
        self.face_color = np.concatenate(color)
        self.face_texture = np.concatenate(tex)
        self.face_tex_scale = np.concatenate(tex_scale)
        self._face_attr = np.concatenate([
            self.caster.normals, self.face_color, self.face_texture[:, None], self.face_tex_scale[:, None]],
            axis=1).astype(np.float32)

    @property
    def n_triangles(self) -> int:
        return self.caster.n_triangles

    def cast(self, origins: np.ndarray, dirs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """First-hit triangle per ray (-1 on a miss) and the ray parameter t of the hit (float64);
        see :meth:`~spacevista.geometry.raycast.MeshCaster.cast`."""
        return self.caster.cast(origins, dirs)

    def render(self, camera: Camera, pose: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        dirs = self.caster.camera_rays(camera.K, camera.width, camera.height) @ pose[:3, :3].T
        tri, t = self.cast(pose[:3, 3], dirs)
        h, w = camera.height, camera.width
        idx = np.flatnonzero(tri >= 0)
        # t is the distance along unit rays; depth maps hold z-depth (along the optical axis)
        depth = np.zeros(len(tri), dtype=np.float32)
        depth[idx] = ray_to_z_depth(t[idx], dirs[idx], pose)
        inst = np.zeros(len(tri), dtype=np.int32)
        th = tri[idx]
        inst[idx] = self.face_instance[th]
        rgb = self._shade(pose[:3, 3], dirs, idx, th, t[idx])
        return rgb.reshape(h, w, 3), depth.reshape(h, w), inst.reshape(h, w)

    def _shade(self, eye: np.ndarray, dirs: np.ndarray, idx: np.ndarray, th: np.ndarray,
               t: np.ndarray) -> np.ndarray:
        """Display RGB of every ray; ``idx`` are the rays that hit, ``th``/``t`` their triangles/distances."""
        lt = self.lighting
        n_rays = len(dirs)
        out = np.empty((n_rays, 3), dtype=np.float32)
        miss = np.ones(n_rays, dtype=bool)
        miss[idx] = False
        if miss.any():  # sky gradient by the ray's elevation (directions are unit length)
            up = np.clip(dirs[miss, 2], 0.0, 1.0).astype(np.float32)[:, None]
            out[miss] = (1 - up) * np.asarray(lt.sky_horizon, np.float32) + up * np.asarray(lt.sky_zenith, np.float32)
        d = dirs[idx].astype(np.float32)
        attr = self._face_attr[th]  # one gather: normal (3), colour (3), texture kind, texture scale
        n = attr[:, 0:3]
        p = (eye.astype(np.float32) + t.astype(np.float32)[:, None] * d)
        light = np.asarray(lt.direction, dtype=np.float32)
        light /= np.linalg.norm(light)
        # two-sided surfaces: light the side that faces the camera
        nl = n @ light
        nl = np.where(np.einsum("ij,ij->i", n, d) > 0, -nl, nl)
        gain = (lt.ambient + lt.diffuse * np.clip(nl, 0.0, 1.0)) * _texture(p, attr[:, 6], attr[:, 7])
        out[idx] = attr[:, 3:6] * gain[:, None]
        lut_idx = (np.clip(out, 0.0, 1.0) * (_LUT_SIZE - 1) + 0.5).astype(np.int32)
        return _SRGB_LUT[lut_idx]


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
    f = np.ones(len(p), dtype=np.float32)
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
