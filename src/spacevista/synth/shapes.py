"""Primitive parts (trimesh meshes with a material) from which synthetic objects are composed.

Every builder works in the object's local frame: metres, +z up, the object standing on z = 0 and
roughly centred on the z axis. Placement later applies one yaw rotation and one translation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import trimesh
from trimesh import creation

#: procedural texture kinds understood by the renderer
PLAIN, CHECKER, STRIPES, NOISE, WOOD = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class Material:
    """Base colour (linear 0..1 RGB) modulated by a procedural texture of period ``scale`` metres."""

    color: tuple[float, float, float]
    texture: int = PLAIN
    scale: float = 0.05


@dataclass
class Part:
    """One watertight primitive mesh with its material."""

    mesh: trimesh.Trimesh
    material: Material

    def transformed(self, matrix: np.ndarray) -> "Part":
        m = self.mesh.copy()
        m.apply_transform(matrix)
        return Part(m, self.material)


def _translate(mesh: trimesh.Trimesh, xyz) -> trimesh.Trimesh:
    mesh.apply_translation(np.asarray(xyz, dtype=np.float64))
    return mesh


def rot_x(angle: float) -> np.ndarray:
    return trimesh.transformations.rotation_matrix(angle, [1, 0, 0])


def rot_y(angle: float) -> np.ndarray:
    return trimesh.transformations.rotation_matrix(angle, [0, 1, 0])


def rot_z(angle: float) -> np.ndarray:
    return trimesh.transformations.rotation_matrix(angle, [0, 0, 1])


def box(size, center, mat: Material, rotation: np.ndarray | None = None) -> Part:
    """Axis-aligned box of ``size`` centred at ``center`` (optionally rotated about its centre)."""
    m = creation.box(extents=np.asarray(size, dtype=np.float64))
    if rotation is not None:
        m.apply_transform(rotation)
    return Part(_translate(m, center), mat)


def cylinder(radius: float, height: float, base, mat: Material, sections: int = 24,
             axis: str = "z") -> Part:
    """Cylinder whose axis is ``axis``; ``base`` is the centre of its low end (z) or its centre (x/y)."""
    m = creation.cylinder(radius=radius, height=height, sections=sections)
    if axis == "z":
        m.apply_translation([0, 0, height / 2])
    elif axis == "x":
        m.apply_transform(rot_y(np.pi / 2))
    elif axis == "y":
        m.apply_transform(rot_x(np.pi / 2))
    return Part(_translate(m, base), mat)


def tube(r_in: float, r_out: float, height: float, base, mat: Material, sections: int = 24) -> Part:
    """Open vertical tube (annulus) standing on ``base``."""
    m = creation.annulus(r_min=r_in, r_max=r_out, height=height, sections=sections)
    m.apply_translation([0, 0, height / 2])
    return Part(_translate(m, base), mat)


def sphere(radius: float, center, mat: Material, subdivisions: int = 2) -> Part:
    m = creation.icosphere(subdivisions=subdivisions, radius=radius)
    return Part(_translate(m, center), mat)


def ellipsoid(radii, center, mat: Material) -> Part:
    m = creation.icosphere(subdivisions=2, radius=1.0)
    m.apply_scale(np.asarray(radii, dtype=np.float64))
    return Part(_translate(m, center), mat)


def cone(radius: float, height: float, base, mat: Material, sections: int = 24,
         flip: bool = False) -> Part:
    """Cone standing on ``base`` with its tip up (or down when ``flip``)."""
    m = creation.cone(radius=radius, height=height, sections=sections)
    if flip:
        m.apply_transform(rot_x(np.pi))
        m.apply_translation([0, 0, height])
    return Part(_translate(m, base), mat)


def capsule(radius: float, length: float, center, mat: Material, axis: str = "x") -> Part:
    """Capsule of total ``length`` (caps included) centred at ``center``."""
    m = creation.capsule(height=max(length - 2 * radius, 1e-6), radius=radius, count=[16, 16])
    m.apply_translation(-m.bounds.mean(axis=0))
    if axis == "x":
        m.apply_transform(rot_y(np.pi / 2))
    return Part(_translate(m, center), mat)


def torus(major: float, minor: float, center, mat: Material, rotation: np.ndarray | None = None) -> Part:
    """Torus around local z (lying flat) unless rotated."""
    m = creation.torus(major_radius=major, minor_radius=minor, major_sections=32, minor_sections=12)
    if rotation is not None:
        m.apply_transform(rotation)
    return Part(_translate(m, center), mat)


def beam(p0, p1, thickness: float, mat: Material) -> Part:
    """Square bar from ``p0`` to ``p1`` (used for frames, rails and bicycle tubes)."""
    p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
    d = p1 - p0
    length = float(np.linalg.norm(d))
    m = creation.box(extents=[thickness, thickness, length])
    T = trimesh.geometry.align_vectors([0, 0, 1], d / length)
    m.apply_transform(T)
    return Part(_translate(m, (p0 + p1) / 2), mat)
