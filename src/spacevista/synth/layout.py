"""Placing objects on support surfaces without interpenetration, and recording their relations.

Objects are placed by rejection sampling against upright oriented boxes (2-D separating axes on
the footprint plus the z interval). Pairs built to nest by construction (a pen in a mug, a ring
around a bolt, a fence around a tree) are exempt from the box test; their meshes are disjoint by
construction, which tests/synth checks on the meshes themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Union

import numpy as np

from spacevista.synth.shapes import Part, rot_z

PartsSource = Union[list[Part], Callable[[], list[Part]]]

#: tolerance (relative to the object size) under which touching boxes do not count as overlapping
_TOUCH = 1e-6


@dataclass
class Placed:
    """An object in the layout: its parts in the local frame, its yaw and the local origin's position."""

    category: str
    parts: list[Part]
    yaw: float = 0.0
    pos: np.ndarray = field(default_factory=lambda: np.zeros(3))
    id: int = 0
    attributes: dict[str, Any] = field(default_factory=dict)
    #: local support surface (x0, y0, x1, y1, z); defaults to the top of the local box
    support: tuple[float, float, float, float, float] | None = None

    def __post_init__(self) -> None:
        v = np.concatenate([p.mesh.vertices for p in self.parts])
        self.lo, self.hi = v.min(axis=0), v.max(axis=0)

    @property
    def transform(self) -> np.ndarray:
        T = rot_z(self.yaw)
        T[:3, 3] = self.pos
        return T

    def world_parts(self) -> list[Part]:
        return [p.transformed(self.transform) for p in self.parts]

    def box(self) -> tuple[np.ndarray, np.ndarray, float]:
        """(center, size, yaw) of the upright box in world coordinates, yaw in [-pi, pi]."""
        c_local = (self.lo + self.hi) / 2
        c, s = np.cos(self.yaw), np.sin(self.yaw)
        center = self.pos + np.array([c * c_local[0] - s * c_local[1], s * c_local[0] + c * c_local[1],
                                      c_local[2]])
        return center, self.hi - self.lo, float(np.arctan2(np.sin(self.yaw), np.cos(self.yaw)))

    def footprint(self) -> np.ndarray:
        """Corners (4, 2) of the box footprint in world xy."""
        x0, y0, x1, y1 = self.lo[0], self.lo[1], self.hi[0], self.hi[1]
        local = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
        return local @ _rot2(self.yaw).T + self.pos[:2]

    @property
    def z_range(self) -> tuple[float, float]:
        return float(self.pos[2] + self.lo[2]), float(self.pos[2] + self.hi[2])

    def support_surface(self) -> tuple[float, float, float, float, float]:
        if self.support is not None:
            return self.support
        return float(self.lo[0]), float(self.lo[1]), float(self.hi[0]), float(self.hi[1]), float(self.hi[2])


def _rot2(yaw: float) -> np.ndarray:
    c, s = np.cos(yaw), np.sin(yaw)
    return np.array([[c, -s], [s, c]])


def rects_overlap(a: np.ndarray, b: np.ndarray, margin: float = 0.0) -> bool:
    """Separating-axis test of two convex quadrilaterals (4, 2); ``margin`` widens the gap required."""
    for poly in (a, b):
        for i in range(4):
            edge = poly[(i + 1) % 4] - poly[i]
            axis = np.array([-edge[1], edge[0]])
            axis /= np.linalg.norm(axis)
            pa, pb = a @ axis, b @ axis
            if pa.max() + margin <= pb.min() or pb.max() + margin <= pa.min():
                return False
    return True


def boxes_overlap(a: Placed, b: Placed, margin: float = 0.0) -> bool:
    """Do the upright boxes of ``a`` and ``b`` share volume (touching does not count)?"""
    za, zb = a.z_range, b.z_range
    eps = _TOUCH * max(za[1] - za[0], zb[1] - zb[0], 1e-3)
    if za[1] <= zb[0] + eps or zb[1] <= za[0] + eps:
        return False
    return rects_overlap(a.footprint(), b.footprint(), margin if margin > 0 else -eps)


def point_in_polygon(pts: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Even-odd test of points (n, 2) against a simple polygon (m, 2)."""
    pts = np.atleast_2d(pts)
    inside = np.zeros(len(pts), dtype=bool)
    x, y = pts[:, 0], pts[:, 1]
    for i in range(len(poly)):
        (x0, y0), (x1, y1) = poly[i], poly[(i + 1) % len(poly)]
        crosses = (y0 > y) != (y1 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            xc = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
        inside ^= crosses & (x < xc)
    return inside


class Layout:
    """Objects placed so far, the free region, keep-out discs and the relations built."""

    def __init__(self, rng: np.random.Generator, region: np.ndarray, margin: float,
                 keepout: np.ndarray | None = None, keepout_radius: float = 0.0):
        self.rng = rng
        self.region = np.asarray(region, dtype=np.float64)
        self.margin = margin
        self.keepout = np.zeros((0, 2)) if keepout is None else np.asarray(keepout, dtype=np.float64)
        self.keepout_radius = keepout_radius
        self.objects: list[Placed] = []
        self.relations: list[dict[str, Any]] = []
        self._exempt: set[frozenset[int]] = set()

    # -------------------------------------------------------------------------- checks
    def fits(self, obj: Placed, ignore: tuple[Placed, ...] = (), in_region: bool = True) -> bool:
        fp = obj.footprint()
        if in_region and not point_in_polygon(fp, self.region).all():
            return False
        if len(self.keepout):
            if _poly_disc_hit(fp, self.keepout, self.keepout_radius):
                return False
        for other in self.objects:
            if other in ignore or frozenset((id(obj), id(other))) in self._exempt:
                continue
            margin = self.margin if _both_on_floor(obj, other) else 0.0
            if boxes_overlap(obj, other, margin):
                return False
        return True

    def add(self, obj: Placed) -> Placed:
        obj.id = len(self.objects) + 1
        self.objects.append(obj)
        return obj

    def undo(self, obj: Placed) -> None:
        """Remove the most recently added object (and the relations naming it)."""
        if not self.objects or self.objects[-1] is not obj:
            raise ValueError("only the last placed object can be removed")
        self.objects.pop()
        self.relations = [r for r in self.relations if obj.id not in (r["a"], r["b"])]

    def relate(self, kind: str, a: Placed, b: Placed | None, **extra: Any) -> None:
        rel = {"type": kind, "a": a.id, "b": 0 if b is None else b.id}
        rel.update(extra)
        self.relations.append(rel)

    def exempt(self, a: Placed, b: Placed) -> None:
        self._exempt.add(frozenset((id(a), id(b))))

    # ----------------------------------------------------------------------- placement
    def place_free(self, category: str, parts: list[Part], z: float, tries: int = 60,
                   yaw: float | None = None,
                   around: tuple[float, float, float, float] | None = None) -> Placed | None:
        """Anywhere in the region standing at height ``z``; origin drawn in ``around`` if given."""
        if around is None:
            lo, hi = self.region.min(axis=0), self.region.max(axis=0)
        else:
            lo, hi = np.array(around[:2]), np.array(around[2:])
        for _ in range(tries):
            obj = Placed(category, parts, self._yaw(yaw),
                         np.array([*self.rng.uniform(lo, hi), z]))
            if self.fits(obj):
                return self.add(obj)
        return None

    def place_on(self, category: str, parts: PartsSource, support: Placed, tries: int = 40,
                 yaw: float | None = None, relation: str = "support") -> Placed | None:
        """On ``support``'s top surface, fully within it; records ``relation`` (support/stacking).

        ``parts`` may be a builder (called again on each try, so a smaller instance can fit).
        """
        x0, y0, x1, y1, ztop = support.support_surface()
        for _ in range(tries):
            obj = Placed(category, parts() if callable(parts) else parts, self._yaw(yaw))
            # the item's footprint about its origin, in the support's frame: sample only origins
            # that keep it on the surface
            fp = obj.footprint() @ _rot2(support.yaw)
            lo, hi = np.array([x0, y0]) - fp.min(axis=0), np.array([x1, y1]) - fp.max(axis=0)
            if (lo > hi).any():
                continue
            local_xy = self.rng.uniform(lo, hi)
            xy = _rot2(support.yaw) @ local_xy + support.pos[:2]
            obj.pos = np.array([xy[0], xy[1], support.pos[2] + ztop - obj.lo[2]])
            local_fp = (obj.footprint() - support.pos[:2]) @ _rot2(support.yaw)
            inside = ((local_fp[:, 0] >= x0) & (local_fp[:, 0] <= x1) &
                      (local_fp[:, 1] >= y0) & (local_fp[:, 1] <= y1)).all()
            if inside and self.fits(obj, ignore=(support,), in_region=False):
                self.add(obj)
                self.relate(relation, obj, support)
                return obj
        return None

    def place_beside(self, category: str, parts: list[Part], anchor: Placed, side: int = 1,
                     align: str = "back") -> Placed | None:
        """Touching ``anchor``'s +x (side=1) or -x side, same yaw (adhesion).

        ``align="back"`` lines up the local -y faces (furniture against a wall); ``"center"`` lines
        up the box centres, so that round objects touch.
        """
        obj = Placed(category, parts, anchor.yaw)
        dx = anchor.hi[0] - obj.lo[0] if side > 0 else anchor.lo[0] - obj.hi[0]
        if align == "back":
            dy = anchor.lo[1] - obj.lo[1]
        else:
            dy = (anchor.lo[1] + anchor.hi[1]) / 2 - (obj.lo[1] + obj.hi[1]) / 2
        obj.pos = anchor.pos + np.array([*(_rot2(anchor.yaw) @ [dx, dy]), anchor.lo[2] - obj.lo[2]])
        # the floor margin does not apply to the anchor: the two are meant to touch
        if self.fits(obj, ignore=(anchor,)) and not boxes_overlap(obj, anchor):
            self.add(obj)
            self.relate("adhesion", obj, anchor)
            return obj
        return None

    def place_inside(self, category: str, parts: list[Part], container: Placed, floor_z: float,
                     offset: float = 0.0) -> Placed:
        """Upright inside a hollow ``container`` whose inner floor is at local ``floor_z`` (plug-in)."""
        a = self.rng.uniform(0, 2 * np.pi)
        obj = Placed(category, parts, self._yaw(None),
                     container.pos + np.array([offset * np.cos(a), offset * np.sin(a), floor_z]))
        self.exempt(obj, container)
        self.add(obj)
        self.relate("plug-in", obj, container)
        return obj

    def place_around(self, category: str, parts: list[Part], center: Placed) -> Placed | None:
        """A ring object centred on ``center``'s axis (encircling)."""
        obj = Placed(category, parts, self._yaw(None), np.array([center.pos[0], center.pos[1], center.pos[2]]))
        self.exempt(obj, center)
        if not self.fits(obj):
            return None
        self.add(obj)
        self.relate("encircling", obj, center)
        return obj

    def place_against_wall(self, category: str, parts: list[Part], z: float = 0.0, tries: int = 40,
                           zmax: float | None = None) -> Placed | None:
        """Back (local -y) against one of the region's walls, facing into the room."""
        n = len(self.region)
        for _ in range(tries):
            i = int(self.rng.integers(n))
            p, q = self.region[i], self.region[(i + 1) % n]
            edge = q - p
            length = np.linalg.norm(edge)
            inward = np.array([-edge[1], edge[0]]) / length
            if not point_in_polygon((p + q) / 2 + 0.01 * inward, self.region)[0]:
                inward = -inward
            yaw = float(np.arctan2(-inward[0], inward[1]))
            obj = Placed(category, parts, yaw)
            t = self.rng.uniform(0.05, 0.95)
            base = p + t * edge - obj.lo[1] * inward
            # lo[1] is the back face; shift so the box's x-centre sits at the sampled point
            zz = z if zmax is None else self.rng.uniform(z, zmax)
            obj.pos = np.array([base[0], base[1], zz])
            if self.fits(obj):
                return self.add(obj)
        return None

    def _yaw(self, yaw: float | None) -> float:
        return float(self.rng.uniform(-np.pi, np.pi)) if yaw is None else float(yaw)


def _both_on_floor(a: Placed, b: Placed) -> bool:
    return abs(a.z_range[0] - b.z_range[0]) < 1e-9


def _poly_disc_hit(poly: np.ndarray, centers: np.ndarray, radius: float) -> bool:
    """Does the convex quadrilateral come within ``radius`` of any centre?"""
    if point_in_polygon(centers, poly).any():
        return True
    for i in range(len(poly)):
        p, q = poly[i], poly[(i + 1) % len(poly)]
        d = q - p
        t = np.clip(((centers - p) @ d) / max(d @ d, 1e-18), 0, 1)
        closest = p + t[:, None] * d
        if (np.linalg.norm(centers - closest, axis=1) < radius).any():
            return True
    return False
