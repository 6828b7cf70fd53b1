"""Spatial-relation predicates on upright boxes and surface point clouds.

Each predicate returns a :class:`Verdict` whose ``margin`` is signed and normalised: positive when
the relation holds, negative when it does not, and its magnitude (clipped to [-1, 1]) says how far
the configuration is from the border of the predicate. Every tolerance is relative to the objects'
own sizes, so the same thresholds serve a 5 mm screw and a 50 m building. Task generators ask only
about pairs whose margin is clearly away from zero, so that a small estimation error cannot flip
the answer.

A box is anything with ``center`` (3,), ``size`` (3,) and ``yaw`` (radians about +z): an upright
oriented box in a gravity-aligned world (+z up). Points are world-frame surface samples (n, 3).
Nothing here imports the rest of the project.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Protocol

import numpy as np

from spacevista.geometry.boxes import box_footprint
from spacevista.geometry.distances import closest_distance  # noqa: F401  (re-exported for callers)
from spacevista.geometry.polygons import clip_convex, polygon_area

#: angular bins used to measure how completely one object surrounds a vertical axis
COVERAGE_BINS = 36


class BoxLike(Protocol):
    center: np.ndarray
    size: np.ndarray
    yaw: float


@dataclass(frozen=True)
class Verdict:
    """Outcome of one predicate: signed normalised margin (> 0 holds) and the quantities behind it."""

    margin: float
    details: dict[str, float] = field(default_factory=dict)

    @property
    def holds(self) -> bool:
        return self.margin > 0


def vertical_scale(box: BoxLike) -> float:
    """Normaliser for vertical offsets: the height, but never under 5% of the longest side, so that
    flat things (a coin, a field, a road) are not judged on the thickness of their boxes alone."""
    return max(float(box.size[2]), 0.05 * float(np.max(box.size)), 1e-12)


def is_flat(box: BoxLike) -> bool:
    """Thinner than 3% of its longest side: a marking on the ground rather than a standing object."""
    return float(box.size[2]) < 0.03 * float(np.max(box.size))


def _lin(value: float, border: float, full: float) -> float:
    """0 at ``border``, 1 at ``full`` (either direction), linear between, clipped to [-1, 1]."""
    return float(np.clip((value - border) / (full - border), -1.0, 1.0))


# ------------------------------------------------------------------------------ box geometry

def footprint(box: BoxLike) -> np.ndarray:
    """Ground-plane corners (4, 2) of an upright box, counter-clockwise (read-only array)."""
    return _footprint(*_key(box))


def _key(box: BoxLike) -> tuple[bytes, bytes, bytes]:
    """What a footprint depends on, as exact bytes: the key of the footprint caches."""
    return (np.asarray(box.center, float)[:2].tobytes(), np.asarray(box.size, float)[:2].tobytes(),
            np.float64(box.yaw).tobytes())


# Pair predicates ask for the same boxes' footprints thousands of times per scene; the corners are
# a pure function of centre, size and yaw, so they are kept by value (their exact bytes, so that
# even -0.0 and 0.0 stay apart), never by box.
@lru_cache(maxsize=8192)
def _footprint(center: bytes, size: bytes, yaw: bytes) -> np.ndarray:
    out = box_footprint(np.frombuffer(center), np.frombuffer(size), float(np.frombuffer(yaw)[0]))
    out.setflags(write=False)
    return out


def box_footprint_area(box: BoxLike) -> float:
    """Area of the box's ground footprint, ``polygon_area(footprint(box))``, kept by value like the
    footprint."""
    return _box_footprint_area(*_key(box))


@lru_cache(maxsize=8192)
def _box_footprint_area(center: bytes, size: bytes, yaw: bytes) -> float:
    return polygon_area(_footprint(center, size, yaw))


def bottom(box: BoxLike) -> float:
    return float(box.center[2] - box.size[2] / 2)


def top(box: BoxLike) -> float:
    return float(box.center[2] + box.size[2] / 2)


def footprint_overlap(a: BoxLike, b: BoxLike) -> float:
    """Area shared by the two boxes' ground-plane footprints."""
    ka, kb = _key(a), _key(b)
    # footprints whose bounds are clearly apart share nothing: skip the polygon clipping (its
    # result would be empty, area 0.0); the slack dwarfs any rounding in the corners
    (ax0, ay0, ax1, ay1, am), (bx0, by0, bx1, by1, bm) = _footprint_bounds(*ka), _footprint_bounds(*kb)
    slack = 1e-9 * (am + bm) + 1e-12
    if ax0 > bx1 + slack or ay0 > by1 + slack or bx0 > ax1 + slack or by0 > ay1 + slack:
        return 0.0
    return polygon_area(clip_convex(_footprint(*ka), _footprint(*kb)))


@lru_cache(maxsize=8192)
def _footprint_bounds(center: bytes, size: bytes, yaw: bytes) -> tuple[float, float, float, float, float]:
    """x min, y min, x max, y max and largest absolute coordinate of a footprint's corners."""
    f = _footprint(center, size, yaw)
    lo, hi = f.min(0), f.max(0)
    return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]), float(np.abs(f).max())


def z_overlap(a: BoxLike, b: BoxLike) -> float:
    """Length of the shared height interval of the two boxes (0 when disjoint)."""
    return max(0.0, min(top(a), top(b)) - max(bottom(a), bottom(b)))


def inside_fraction(a: BoxLike, b: BoxLike) -> float:
    """Fraction of box ``a``'s volume that lies inside box ``b``."""
    vol = float(np.prod(a.size))
    if vol <= 0:
        return 0.0
    return footprint_overlap(a, b) * z_overlap(a, b) / vol


def to_local_xy(box: BoxLike, xy: np.ndarray) -> np.ndarray:
    """World ground-plane points (n, 2) in the box's own horizontal axes, origin at its centre."""
    c, s = np.cos(box.yaw), np.sin(box.yaw)
    d = np.atleast_2d(xy) - np.asarray(box.center, float)[:2]
    return d @ np.array([[c, -s], [s, c]])


def in_footprint(box: BoxLike, points: np.ndarray, grow: float = 0.0) -> np.ndarray:
    """Mask of points (n, >=2) whose ground-plane position lies in the footprint grown by ``grow``."""
    if len(points) == 0:
        return np.zeros(0, dtype=bool)
    loc = to_local_xy(box, points[:, :2])
    half = np.asarray(box.size, float)[:2] / 2 + grow
    return (np.abs(loc[:, 0]) <= half[0]) & (np.abs(loc[:, 1]) <= half[1])


def footprint_bounds(box: BoxLike, grow: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Ground-plane bounds (lo (2,), hi (2,)) of the footprint grown by ``grow``, padded so that
    no point outside them can pass :func:`in_footprint` whatever the rounding."""
    c, s = abs(np.cos(box.yaw)), abs(np.sin(box.yaw))
    hx, hy = np.asarray(box.size, float)[:2] / 2 + grow
    ext = np.array([c * hx + s * hy, s * hx + c * hy])
    ctr = np.asarray(box.center, float)[:2]
    pad = 1e-9 * (float(np.abs(ctr).max()) + float(ext.max())) + 1e-12
    return ctr - ext - pad, ctr + ext + pad


def may_reach_footprint(box: BoxLike, lo: np.ndarray, hi: np.ndarray, grow: float = 0.0) -> bool:
    """False when a cloud whose ground-plane bounds are ``lo``..``hi`` (each at least (2,)) has no
    point in the footprint grown by ``grow``: then every :func:`in_footprint` mask of it is empty."""
    flo, fhi = footprint_bounds(box, grow)
    return not (np.any(np.asarray(lo)[:2] > fhi) or np.any(np.asarray(hi)[:2] < flo))


def angular_coverage(xy: np.ndarray, center: np.ndarray, bins: int = COVERAGE_BINS) -> float:
    """Fraction of directions around ``center`` (ground plane) in which some point of ``xy`` lies."""
    if len(xy) == 0:
        return 0.0
    d = np.atleast_2d(xy) - np.asarray(center, float)[:2]
    ang = np.arctan2(d[:, 1], d[:, 0])
    idx = np.floor((ang + np.pi) / (2 * np.pi) * bins).astype(int) % bins
    return float(len(np.unique(idx)) / bins)



#: share of an object's height, from its lowest points, whose points form the base it stands on
BASE_BAND = 0.15
#: how high up the other object (share of its height) a base must stand to rest on its top
RESTS_ABOVE = 0.6
#: share of the directions around a base in which the surface under it must be seen
RESTS_COVERAGE = 0.5


def base(a: BoxLike, pa: np.ndarray) -> tuple[np.ndarray, np.ndarray, float] | None:
    """The base ``a`` stands on, from its points: the centre (x, y) and half sizes of the
    world-axis footprint of its lowest ``BASE_BAND`` of height, and the height of its lowest points;
    None when too few points. The box's bottom may lie below the lowest points (extents measured
    frame by frame), and quantiles keep flying pixels at the outline out."""
    if len(pa) < 3:
        return None
    z = float(np.quantile(pa[:, 2], 0.02))
    low = pa[pa[:, 2] <= z + BASE_BAND * float(a.size[2])]
    if len(low) < 3:
        return None
    lo, hi = np.quantile(low[:, :2], 0.05, axis=0), np.quantile(low[:, :2], 0.95, axis=0)
    return (lo + hi) / 2, (hi - lo) / 2, z


def base_fits_inside(a: BoxLike, pa: np.ndarray, b: BoxLike) -> bool:
    """Whether ``a``'s base is narrower than ``b``'s footprint, as what stands inside ``b`` must be;
    a book on a narrower book is not in it (True when the base is unknown)."""
    found = base(a, pa)
    return found is None or float(2 * np.max(found[1])) < float(np.min(np.asarray(b.size, float)[:2]))


def rests_on_surface(a: BoxLike, pa: np.ndarray, b: BoxLike, pb: np.ndarray) -> bool:
    """Whether ``a`` stands on a surface of ``b`` high up on it (a mug on a book, a nut on a coin)
    rather than in an opening of it (a pen in a mug, a flower in a vase), when estimated boxes of
    the two overlap. Depth noise sinks a mug resting on a book as far into the book as a stem
    reaches into a vase, so the boxes cannot tell; what can is the surface right around the
    object's base (:func:`base`): a resting object has ``b``'s points there, at its base's
    height, in at least ``RESTS_COVERAGE`` of the directions, while a container's rim stands away
    from what it holds, around an opening with nothing at that height."""
    h_b = max(float(b.size[2]), 1e-9)
    found = base(a, pa)
    if found is None or not len(pb):
        return False
    centre, half, z = found
    if (z - bottom(b)) / h_b < RESTS_ABOVE:
        return False
    ring = half + 0.25 * float(2 * np.max(half))
    d = np.abs(pb[:, :2] - centre)
    tol = support_tolerance(a, b)
    near = pb[np.all(d <= ring, axis=1) & np.any(d > half, axis=1) & (np.abs(pb[:, 2] - z) <= tol)]
    return angular_coverage(near[:, :2], centre) >= RESTS_COVERAGE


# ------------------------------------------------------------------------------ predicates

def support_tolerance(a: BoxLike, b: BoxLike) -> float:
    """How far (metres) ``a``'s bottom may stand from ``b``'s surface and still rest on it: 15% of
    a's height, at least 2% of b's (a thin object on a tall one)."""
    return max(0.15 * float(a.size[2]), 0.02 * float(b.size[2]), 1e-6)


def support(a: BoxLike, pa: np.ndarray, b: BoxLike, pb: np.ndarray) -> Verdict:
    """``a`` rests on the top of ``b``: most of a's footprint lies over b, b has surface at a's
    bottom height around a (looked for in a ring around a's footprint, since the surface right under
    a is hidden by a itself), and that surface is well above b's own base (not two objects side by
    side on the floor)."""
    area_a = box_footprint_area(a)
    over = footprint_overlap(a, b) / area_a if area_a > 0 else 0.0
    t_over = _lin(over, 0.5, 0.9)
    a_bot = bottom(a)
    tol = support_tolerance(a, b)
    ring = 0.25 * float(np.max(a.size[:2]))
    near = pb[in_footprint(a, pb, grow=ring)] if len(pb) else pb
    below = near[near[:, 2] <= a_bot + tol] if len(near) else near
    if len(below) == 0:
        return Verdict(-1.0, {"overlap": over})
    h = float(below[:, 2].max())
    gap = a_bot - h
    t_gap = float(np.clip(1.0 - abs(gap) / tol, -1.0, 1.0))
    rise = (h - bottom(b)) / max(float(b.size[2]), 1e-9)
    t_rise = _lin(rise, 0.1, 0.3)
    # and a stands well up on b, not level with its base (a track lying round a field)
    above = (a_bot - bottom(b)) / max(float(b.size[2]), 1e-9)
    t_above = _lin(above, 0.3, 0.6)
    return Verdict(min(t_over, t_gap, t_rise, t_above),
                   {"overlap": over, "gap": gap, "surface_z": h, "rise": rise, "above": above})


def stacking(a: BoxLike, pa: np.ndarray, b: BoxLike, pb: np.ndarray, same_kind: bool) -> Verdict:
    """Support between like objects (``same_kind``: the caller's judgement, e.g. same category)."""
    v = support(a, pa, b, pb)
    if not same_kind:
        return Verdict(-1.0, dict(v.details))
    return v


def on_floor(a: BoxLike, floor_z: float) -> Verdict:
    """``a`` stands on the support plane: its bottom within a tenth of its vertical scale (height,
    at least 5% of its longest side) of ``floor_z``."""
    e = abs(bottom(a) - floor_z) / vertical_scale(a)
    return Verdict(float(np.clip(1.0 - e / 0.1, -1.0, 1.0)), {"height_above_floor": bottom(a) - floor_z})


def hanging(a: BoxLike, pa: np.ndarray, floor_z: float, others: list[np.ndarray]) -> Verdict:
    """``a`` is held above the floor with nothing under it that could bear it: its bottom is at least
    half its longest side above ``floor_z``, and no other object's surface lies within a quarter
    of its height below its bottom, in or just around its footprint (a picture on a wall, a ceiling
    lamp). Walls are not objects here, so "attached" is not tested: whatever is held up with nothing
    beneath it counts as hanging."""
    h = max(float(a.size[2]), 1e-9)
    a_bot = bottom(a)
    # elevation against the object's longest side: a coin lifted by a floor-plane error of a few
    # millimetres, or a tree whose trunk a drone never sees, is not hanging
    elev = (a_bot - floor_z) / max(float(np.max(a.size)), 1e-9)
    t_elev = _lin(elev, 0.5, 1.0)
    under = -np.inf
    # look in a ring around the footprint too: a lifted cloud never sees the surface right under a
    ring = 0.25 * float(np.max(a.size[:2]))
    for pts in others:
        if len(pts) == 0:
            continue
        inner = in_footprint(a, pts)
        around = in_footprint(a, pts, grow=ring)
        # an object rising past a's bottom beside it (the post a banner hangs from, a bookcase
        # next to a picture) is a neighbour, not a base; only what is directly under a, or ends
        # below a, can bear it
        beside = bool((pts[around & ~inner, 2] > a_bot + 0.05 * h).any())
        m = (inner | (around & (not beside))) & (pts[:, 2] < a_bot + 0.05 * h)
        if m.any():
            under = max(under, float(pts[m, 2].max()))
    clearance = (a_bot - max(under, floor_z)) / h
    t_clear = _lin(clearance, 0.25, 0.75)
    return Verdict(min(t_elev, t_clear), {"elevation": elev, "clearance": clearance})


def adhesion(a: BoxLike, pa: np.ndarray, b: BoxLike, pb: np.ndarray, distance: float | None = None) -> Verdict:
    """``a`` touches ``b`` side by side: surfaces within 5% of the smaller object's size, heights
    largely shared, footprints barely overlapping (so not one on or in the other). ``distance``,
    when given, must be ``closest_distance(pa, pb)`` (e.g. from cached KD-trees)."""
    tol = 0.05 * min(float(np.max(a.size)), float(np.max(b.size)))
    d = closest_distance(pa, pb) if distance is None else float(distance)
    t_touch = float(np.clip(1.0 - d / max(tol, 1e-12), -1.0, 1.0))
    zov = z_overlap(a, b) / max(min(float(a.size[2]), float(b.size[2])), 1e-12)
    t_side = _lin(zov, 0.3, 0.7)
    small = min(box_footprint_area(a), box_footprint_area(b))
    fo = footprint_overlap(a, b) / small if small > 0 else 1.0
    t_apart = _lin(-fo, -0.3, -0.05)
    return Verdict(min(t_touch, t_side, t_apart), {"distance": d, "height_overlap": zov, "footprint_overlap": fo})


def core(b: BoxLike, pb: np.ndarray, z0: float, z1: float) -> tuple[np.ndarray, np.ndarray] | None:
    """Cross-section of ``b`` between heights z0 and z1 (a tree's trunk, not its canopy): its
    centre (2,) and half-extents (2,) along b's own horizontal axes; None when b has no surface there."""
    band = pb[(pb[:, 2] >= z0) & (pb[:, 2] <= z1)] if len(pb) else pb
    if len(band) < 3:
        return None
    c, s = np.cos(b.yaw), np.sin(b.yaw)
    R = np.array([[c, -s], [s, c]])
    loc = band[:, :2] @ R
    lo, hi = np.percentile(loc, 2, axis=0), np.percentile(loc, 98, axis=0)
    return R @ ((lo + hi) / 2), (hi - lo) / 2


def encircling(a: BoxLike, pa: np.ndarray, b: BoxLike, pb: np.ndarray) -> Verdict:
    """``a`` surrounds ``b`` in the ground plane (a fence ring around a tree, a ring on a bolt, a
    track around a field): b's cross-section at a's heights sits near the middle of a's footprint,
    a's surface lies in nearly every direction around it, and b reaches down to a's base (an object
    dropped into a container from above is plug-in, the reverse relation)."""
    # b's cross-section at a's heights, above the plane a stands on
    cs = core(b, pb, bottom(a) + 0.1 * float(a.size[2]), top(a))
    if cs is None:
        return Verdict(-1.0, {"coverage": 0.0})
    c, half_core = cs
    loc = to_local_xy(a, c[None, :])[0]
    half = np.maximum(np.asarray(a.size, float)[:2] / 2, 1e-12)
    r = float(np.max(np.abs(loc) / half))
    t_centre = _lin(-r, -0.8, -0.4)
    if len(pa):
        cb, sb = np.cos(b.yaw), np.sin(b.yaw)
        rel_xy = (pa[:, :2] - c) @ np.array([[cb, -sb], [sb, cb]])
        ring = pa[np.any(np.abs(rel_xy) > half_core, axis=1)]
    else:
        ring = pa
    cov = angular_coverage(ring[:, :2], c) if len(ring) else 0.0
    t_cov = _lin(cov, 0.75, 0.95)
    low = (bottom(b) - bottom(a)) / vertical_scale(a)
    t_low = _lin(-low, -0.5, -0.2)
    return Verdict(min(t_centre, t_cov, t_low),
                   {"centre_offset": r, "coverage": cov, "base_offset": low})


def plug_in(a: BoxLike, pa: np.ndarray, b: BoxLike, pb: np.ndarray) -> Verdict:
    """``a`` is plugged into ``b``: at least half of a's box inside b's, b's surface surrounds a's
    axis at a's heights (a container, not a shelf open on one side), and b has a floor under a."""
    f = inside_fraction(a, b)
    t_in = _lin(f, 0.5, 0.8)
    # skip the lowest tenth of a: the surface a stands on is not a wall around it
    z0 = bottom(a) + 0.1 * float(a.size[2])
    if len(pb):
        band = pb[(pb[:, 2] >= z0) & (pb[:, 2] <= top(a)) & ~in_footprint(a, pb)]
    else:
        band = pb
    cov = angular_coverage(band[:, :2], a.center[:2]) if len(band) else 0.0
    t_cov = _lin(cov, 0.7, 0.9)
    # a container has a floor: b's surface under the middle of a (the central half of its
    # footprint), below a's bottom tenth; a ring or a running track around a field has none
    if len(pb):
        loc = to_local_xy(a, pb[:, :2])
        mid = np.all(np.abs(loc) <= np.asarray(a.size, float)[:2] / 4, axis=1)
        n_floor = int((mid & (pb[:, 2] <= z0)).sum())
    else:
        n_floor = 0
    t_floor = 1.0 if n_floor >= 2 else -1.0
    return Verdict(min(t_in, t_cov, t_floor), {"inside_fraction": f, "coverage": cov, "floor_points": n_floor})


# ------------------------------------------------------------------------------ margins alone
# The predicates' margins are the minimum of several terms, each clipped to [-1, 1]: once a cheap
# term is at -1 the margin is -1.0 whatever the others, so the costly point-cloud terms need not be
# computed. These give exactly the margin of the full predicate, without its details.

def support_margin(a: BoxLike, pa: np.ndarray, b: BoxLike, pb: np.ndarray) -> float:
    """``support(a, pa, b, pb).margin``."""
    area_a = box_footprint_area(a)
    over = footprint_overlap(a, b) / area_a if area_a > 0 else 0.0
    if _lin(over, 0.5, 0.9) <= -1.0:
        return -1.0
    return support(a, pa, b, pb).margin


def plug_in_margin(a: BoxLike, pa: np.ndarray, b: BoxLike, pb: np.ndarray) -> float:
    """``plug_in(a, pa, b, pb).margin``."""
    if z_overlap(a, b) <= 0.0 or _lin(inside_fraction(a, b), 0.5, 0.8) <= -1.0:
        return -1.0
    return plug_in(a, pa, b, pb).margin


def encircling_margin(a: BoxLike, pa: np.ndarray, b: BoxLike, pb: np.ndarray) -> float:
    """``encircling(a, pa, b, pb).margin``."""
    low = (bottom(b) - bottom(a)) / vertical_scale(a)
    if _lin(-low, -0.5, -0.2) <= -1.0:
        return -1.0
    return encircling(a, pa, b, pb).margin


def adhesion_margin(a: BoxLike, pa: np.ndarray, b: BoxLike, pb: np.ndarray,
                    distance: Callable[[], float] | None = None, distance_floor: float = 0.0) -> float:
    """``adhesion(a, pa, b, pb).margin``; ``distance`` (optional) returns ``closest_distance(pa, pb)``
    exactly (e.g. from cached KD-trees) and is called only when the distance matters;
    ``distance_floor`` is a lower bound of that distance (e.g. the gap between the clouds' bounds)."""
    zov = z_overlap(a, b) / max(min(float(a.size[2]), float(b.size[2])), 1e-12)
    if _lin(zov, 0.3, 0.7) <= -1.0:
        return -1.0
    small = min(box_footprint_area(a), box_footprint_area(b))
    fo = footprint_overlap(a, b) / small if small > 0 else 1.0
    if _lin(-fo, -0.3, -0.05) <= -1.0:
        return -1.0
    # the touching term is -1 once the distance reaches twice the tolerance; the floor, padded
    # well beyond rounding, proves that without the closest-point search
    tol = 0.05 * min(float(np.max(a.size)), float(np.max(b.size)))
    if distance_floor > 2.0 * max(tol, 1e-12) * (1 + 1e-6):
        return -1.0
    return adhesion(a, pa, b, pb, None if distance is None else distance()).margin


#: labels of the ordered pair relations, in the order ties are broken
PAIR_RELATIONS = ("plug-in", "encircling", "stacking", "support", "adhesion")


def pair_margins(a: BoxLike, pa: np.ndarray, b: BoxLike, pb: np.ndarray, same_kind: bool,
                 distance: Callable[[], float] | None = None, distance_floor: float = 0.0,
                 margin: Callable[[str, Any, Any], float] | None = None) -> dict[str, float]:
    """Margin of every ordered pair relation of ``a`` with respect to ``b``.

    ``distance`` and ``distance_floor`` as in :func:`adhesion_margin`. ``margin(name, x, y)``
    (optional) gives the margin of predicate ``name`` ("support" or "plug_in") of x with respect
    to y, where (x, y) is (a, b) or (b, a): a caller that caches margins passes it; left out, they
    are computed here.
    """
    pts = {id(a): pa, id(b): pb}

    def m(name: str, x: Any, y: Any) -> float:
        if margin is not None:
            return margin(name, x, y)
        fn = support_margin if name == "support" else plug_in_margin
        return fn(x, pts[id(x)], y, pts[id(y)])

    sup = m("support", a, b)
    # a container also surrounds what is plugged into it; that pair is plug-in read backwards
    back = -m("plug_in", b, a)
    enc = -1.0 if back <= -1.0 else min(encircling_margin(a, pa, b, pb), back)
    return {"plug-in": m("plug_in", a, b),
            "encircling": enc,
            "stacking": sup if same_kind else -1.0,
            "support": -1.0 if same_kind else sup,
            "adhesion": adhesion_margin(a, pa, b, pb, distance, distance_floor)}


def classify_pair(margins: dict[str, float]) -> str:
    """The relation with the largest positive margin, or "none"."""
    best = max(PAIR_RELATIONS, key=lambda k: (margins[k], -PAIR_RELATIONS.index(k)))
    return best if margins[best] > 0 else "none"


def clear_label(margins: dict[str, float], border: float) -> str | None:
    """The single relation that holds by at least ``border`` while every other fails by at least
    ``border``; None when the pair sits near the border of some predicate."""
    held = [k for k, m in margins.items() if m >= border]
    if len(held) != 1:
        return None
    if any(-border < m < border for m in margins.values()):
        return None
    return held[0]
