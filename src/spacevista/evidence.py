"""What the capture showed of each object and of the room: the evidence the gates read.

An object's box is fitted to the points the cameras saw, so each extent is a lower bound; how far
the true extent may reach beyond it depends on how the object was seen. Only views that show the
object whole count (not cut by the image border, at most a fifth of its outline behind something
nearer):

- horizontally, views from directions spanning at least 90 degrees, or one from above (45 degrees or
  steeper), measure both extents; views from one side only measure the extent across the viewing
  direction, and leave the extent along it unmeasured: seen from one side, a round or deep object
  may reach up to twice as far back as its visible part;
- vertically, the top is seen when three views that show the object whole (or all of them, when
  fewer) have at most a tenth of its upper outline behind something nearer (a tree whose top half
  is hidden by another tree's crown has most of its outline free, since a hidden part has no outline
  of its own; its height is then not measured, and it may reach up to twice the box); the bottom is
  measured when the object rests on the surface below it or the space between them was seen empty;
  otherwise the object may reach down to that surface. Seen only from below, a top may also rise
  beyond the highest point seen, as far as the grazing ray climbs over the object's depth along
  the view (:func:`above_top_hidden`; a tree's crown from the street: 6.07 m lifted on exact depth,
  6.44 m true), less from farther away, nothing from above.

``Evidence.reach`` holds, per box axis, the factor by which the true extent may exceed the box
(1: measured).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from spacevista.geometry.cameras import project
from spacevista.geometry.room import support_height
from spacevista.geometry.relations import base_fits_inside, rests_on_surface
from spacevista.graph import Box3D, CameraPose, GraphObject, SceneGraph

#: a face counts as seen when the direction to the camera is within this angle of its normal
FACE_ANGLE_DEG = 75.0
#: views with more of the outline hidden than this do not show the object whole
MAX_OCCLUDED = 0.2
#: a view shows the object's top when at most this much of its upper outline is behind something
#: nearer (stricter than the whole outline's rule: a crown's apex hides in a small part of it)
MAX_TOP_OCCLUDED = 0.1
#: views (or every clean view, when fewer) that must show the top for the height to be measured
TOP_VIEWS = 3
#: views from directions spanning this arc measure both horizontal extents
FULL_ARC_DEG = 90.0
#: a view from above the object's top at least this steep sees its whole top face: both horizontal extents
TOP_VIEW_DEG = 30.0
#: how far back an object seen from one side only may reach, as a multiple of its visible depth
ONE_SIDED_REACH = 2.0


@dataclass
class Evidence:
    """What the capture showed of one object.

    ``views``: frames it passes the visibility rule in; ``clean_views``: of those, frames that show
    it whole (:meth:`~spacevista.graph.View.clean`); ``faces``: box faces seen in a clean view
    (``+x``, ``-x``, ``+y``, ``-y`` in the box's own axes, ``top``); ``extents``: whether its size
    along box x, y and z was measured as far as the views showed it (a top seen from below only may
    still rise beyond it: ``reach``); ``azimuth_deg``: the arc of horizontal directions it was seen
    from; ``valid_depth``: pixel-weighted fraction of its pixels with depth.
    """

    views: int = 0
    clean_views: int = 0
    faces: list[str] = field(default_factory=list)
    extents: tuple[bool, bool, bool] = (False, False, False)
    azimuth_deg: float = 0.0
    valid_depth: float = 0.0
    #: its bottom rests on a surface, or the space between it and the surface below was seen empty
    #: (a tree crown seen from above, whose trunk stays hidden, has no measured bottom)
    bottom: bool = True
    #: per box axis, the factor by which the true extent may exceed the box's (1.0: measured)
    reach: tuple[float, float, float] = (1.0, 1.0, 1.0)
    #: relative error of a measured extent: mask outlines off by a few pixels on an object a few
    #: dozen pixels wide, plus what depth alignment leaves of the depth error (0 for exact input)
    error: float = 0.0
    #: how far (metres) its measured surfaces may sit from the true ones: the residual depth error at
    #: the depth it was seen from, plus the mask error in pixels at that depth (0 for exact input)
    position_error: float = 0.0
    #: the mask error's share of ``position_error`` (metres): what an outline a few pixels off moves
    #: its surfaces by on its own; where two surfaces meet in the same pixels (a mug on a book) the
    #: depth error moves both alike and this is what is left between them
    outline_error: float = 0.0
    #: the relative depth error left after alignment (``position_error`` less ``outline_error``, per
    #: metre of the depth it was seen from)
    depth_residual: float = 0.0
    #: per box axis, how much (metres) depth errors along the rays that measured it may have added
    #: to the extent: a box spans the scatter of its points, so noise only ever widens it, most on
    #: an axis seen end-on (a coin's or a parking lot's height, seen from above, is mostly noise)
    axis_noise: tuple[float, float, float] = (0.0, 0.0, 0.0)
    #: its points spread no higher than the ground around it does (:func:`ground_thickness`): a
    #: parking lot or a field seen from a drone, whose lifted height is the ground's depth noise; its
    #: height may then be near 0
    thin: bool = False
    #: how far (metres) the ground seen around it (:func:`ground_around`) lies above its box's
    #: bottom, with estimated depth: a box run down to the scene's one support plane, which depth
    #: errors may put off under a given spot (metres on a drone capture), may be that much too tall
    base_offset: float = 0.0
    #: the horizontal direction (unit x, y) away from the cameras, in which the unseen back of an
    #: object seen from one side may reach (``reach``); None: any direction (never seen whole) or none
    hidden_side: tuple[float, float] | None = None
    #: relative difference between its extents measured frame by frame and the box fitted to its
    #: fused points, beyond what depth noise adds to the fused box, largest over the measured axes
    #: (:func:`extent_disagreement`; part of ``error``, 0 when only one measure was taken)
    disagreement: float = 0.0

    @property
    def whole(self) -> bool:
        """Seen whole in at least one view."""
        return self.clean_views > 0

    def measured(self, axes: str = "xyz") -> bool:
        """Every extent named in ``axes`` (any of "x", "y", "z") measured, in a view that shows it whole."""
        return self.whole and all(self.extents["xyz".index(a)] for a in axes)

    def bounds(self, size: np.ndarray, with_error: bool = True,
               with_noise: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(lowest, highest) possible extents (3,) of an object whose box has ``size``: what unseen
        parts could add above, and (``with_error``) its measurement error both ways and, on the
        lowest height, ``base_offset``; the lowest also less what depth noise along the rays may
        have added (``axis_noise``; ``with_noise``, by default as ``with_error``)."""
        size = np.asarray(size, dtype=np.float64)
        e = self.error if with_error else 0.0
        lo = size * (1.0 - e)
        if with_error:
            lo[2] = max(lo[2] - self.base_offset, 0.0)
        noise = with_error if with_noise is None else with_noise
        if noise:
            lo = np.maximum(lo - np.asarray(self.axis_noise), 0.0)
            if self.thin:
                lo[2] = 0.0
        return lo, size * np.asarray(self.reach) * (1.0 + e)


def extent_bounds(obj: GraphObject, with_error: bool = True,
                  with_noise: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(lowest, highest) possible box extents (3,) of ``obj`` given what the capture showed (and,
    ``with_error``, how well it measured what it showed; ``with_noise``, see :meth:`Evidence.bounds`)."""
    return evidence_of(obj).bounds(obj.box.size, with_error, with_noise)


#: box measures by name, from the box's extents (3,)
MEASURES = {"longest": lambda s: float(np.max(s)), "height": lambda s: float(s[2]),
            "width": lambda s: float(max(s[0], s[1])), "volume": lambda s: float(np.prod(s)),
            "footprint": lambda s: float(s[0] * s[1])}


def measure_bounds(obj: GraphObject, measure: str, with_error: bool = True) -> tuple[float, float]:
    """(lowest, highest) possible value of a box measure (:data:`MEASURES`): "longest", "height",
    "width" (longest horizontal side), "volume" or "footprint" (horizontal area)."""
    lo, hi = extent_bounds(obj, with_error)
    f = MEASURES[measure]
    return f(lo), f(hi)


def gap_slack(obj: GraphObject, other: GraphObject, gap: float | None = None) -> tuple[float, float]:
    """How much nearer and how much farther (metres) a surface of ``obj`` may truly lie from
    ``other`` than its measured points say: nearer by its position error and by what its unseen
    parts could add towards ``other`` (the back of an object seen from one side reaches away from
    the cameras, ``Evidence.hidden_side``; a hidden top or bottom up or down; an object never seen
    whole in any direction; with ``gap``, the measured gap between the two, a side face no view
    showed, out to :func:`unseen_facing_gap`); farther by its position error and the depth noise
    along its rays (noise scatters points outward, so the closest measured point sits nearer than
    the surface)."""
    ev = evidence_of(obj)
    extra = np.asarray(obj.box.size, dtype=np.float64) * (np.asarray(ev.reach, dtype=np.float64) - 1.0)
    sideways, up = float(np.hypot(extra[0], extra[1])), float(extra[2])
    hidden = 0.0
    if sideways > 0 or up > 0:
        # the direction from obj's centre to the nearest point of other's bounds
        lo, hi = other.bounds
        to = np.clip(obj.box.center, lo, hi) - obj.box.center
        n = float(np.linalg.norm(to))
        if n == 0.0:
            hidden = sideways + up
        else:
            to = to / n
            side = 1.0 if ev.hidden_side is None else max(0.0, float(np.dot(ev.hidden_side, to[:2])))
            hidden = sideways * side + up * abs(float(to[2]))
    if gap is not None:
        facing = unseen_facing_gap(obj, other)
        if facing is not None:
            hidden = max(hidden, gap - facing)
    return ev.position_error + hidden, ev.position_error + float(max(ev.axis_noise))


#: samples per side of the grid laid on each side face of a box that no clean view showed
HIDDEN_GRID = 8


def hidden_surface(box: Box3D, faces: list[str], thumbs: list[DepthThumb]) -> np.ndarray:
    """Points (k, 3) on the side faces of ``box`` that no clean view showed (not in ``faces``) where
    no frame looked past either (:func:`seen_free`): the object's unseen surface may reach out to
    them. The box spans its measured extents, but a face never in view is not among its points: a
    building seen from the other sides has its near wall somewhere between its box and the points
    seen, while under a tree's crown, which side views look through, the face's space is free."""
    c, s = np.cos(box.yaw), np.sin(box.yaw)
    ex, ey = np.array([c, s, 0.0]), np.array([-s, c, 0.0])
    t = (np.arange(HIDDEN_GRID) + 0.5) / HIDDEN_GRID - 0.5
    out = []
    for name, normal, along, half, width in (("+x", ex, ey, box.size[0] / 2, box.size[1]),
                                             ("-x", -ex, ey, box.size[0] / 2, box.size[1]),
                                             ("+y", ey, ex, box.size[1] / 2, box.size[0]),
                                             ("-y", -ey, ex, box.size[1] / 2, box.size[0])):
        if name in faces:
            continue
        u, v = np.meshgrid(t * width, t * box.size[2], indexing="ij")
        # just inside the face, so that the face's own surface, where it is there, hides the sample
        pts = (box.center + normal * 0.99 * half + u.reshape(-1, 1) * along
               + v.reshape(-1, 1) * np.array([0.0, 0.0, 1.0]))
        out.append(pts[~seen_free(pts, thumbs)])
    return np.concatenate(out) if out else np.zeros((0, 3))


def unseen_facing_gap(obj: GraphObject, other: GraphObject) -> float | None:
    """The gap between ``other``'s points and ``obj``'s hidden surface (``attributes
    ["hidden_surface"]``, :func:`hidden_surface`), the nearest its unseen faces may come; None when
    it has none."""
    hidden = obj.attributes.get("hidden_surface")
    if hidden is None or len(hidden) == 0 or len(other.points) == 0:
        return None
    # the other object's tree is built once per graph; the hidden samples are a few hundred
    d, _ = other.tree.query(np.asarray(hidden, dtype=np.float64))
    return float(d.min())


def centre_shift(obj: GraphObject) -> float:
    """How far (metres) the true centre of ``obj`` may lie from its box centre: half of what its
    unseen parts could add along each axis, plus how far its measured surfaces may be off."""
    lo, hi = extent_bounds(obj, with_error=False)
    return float(np.linalg.norm((hi - lo) / 2)) + evidence_of(obj).position_error


def spread(bounds: tuple[float, float]) -> float:
    """Relative spread of a (lowest, highest) pair: 0 when the value is determined."""
    lo, hi = bounds
    return float(hi / lo - 1.0) if lo > 0 else float("inf")


def _arc(angles: np.ndarray) -> float:
    """Smallest arc (degrees) holding every angle (radians): 360 minus the largest gap."""
    if angles.size == 0:
        return 0.0
    a = np.sort(np.mod(angles, 2 * np.pi))
    gaps = np.diff(np.concatenate([a, [a[0] + 2 * np.pi]]))
    return float(np.degrees(2 * np.pi - gaps.max()))


@dataclass
class DepthThumb:
    """A frame's depth sampled every ``step`` pixels, kept to test free space after lifting."""

    K: np.ndarray
    pose: np.ndarray
    depth: np.ndarray  # (ceil(H / step), ceil(W / step)) z-depth, 0 where invalid
    step: int


#: a sampled depth beyond a point by this fraction sees past it (the point is empty space)
FREE_MARGIN = 0.05


def seen_free(points: np.ndarray, thumbs: list[DepthThumb], radius: int = 0) -> np.ndarray:
    """For each world point: did some frame look past it (its depth there lies beyond the point)?
    With ``radius``, every sample within that many samples of the point's must lie beyond it: a
    part a few pixels thin (a stem) next to where the point projects still fills the space."""
    free = np.zeros(len(points), dtype=bool)
    for th in thumbs:
        uv, z = project(points, th.K, th.pose)
        h, w = th.depth.shape
        with np.errstate(invalid="ignore"):
            r = np.floor(uv[:, 1] / th.step).astype(np.int64, copy=False) if len(uv) else np.zeros(0, np.int64)
            c = np.floor(uv[:, 0] / th.step).astype(np.int64, copy=False) if len(uv) else np.zeros(0, np.int64)
        ok = (z > 0) & (r >= radius) & (r < h - radius) & (c >= radius) & (c < w - radius) & np.isfinite(uv).all(axis=1)
        d = np.full(len(points), np.inf)
        for dr in range(-radius, radius + 1):
            for dc in range(-radius, radius + 1):
                d[ok] = np.minimum(d[ok], th.depth[r[ok] + dr, c[ok] + dc])
        d[~ok] = 0.0
        free |= ok & (d > z * (1 + FREE_MARGIN))
    return free


#: with full-resolution depth, the samples around a point that must all lie beyond it (pixels): the
#: point stands under the centre of a box fitted to estimated masks, whose outlines may sit a few
#: pixels off (``gates.MASK_ERROR_PX``), and a thin part need not stand under its object's centre
FINE_RADIUS = 4


def bottom_measured(box: Box3D, support_z: float | None, thumbs: list[DepthThumb] | None,
                    contact: float, fine: bool = False) -> bool:
    """Whether the box's bottom is where the object ends: it rests on the surface below (within
    ``contact`` metres), or most of the space between it and that surface was seen empty. With
    ``fine`` (``thumbs`` at full resolution), a point is empty only when no depth within
    :data:`FINE_RADIUS` pixels reaches it: the thin part an object rests on (a stem in a vase)
    is lost to the outline filters, but not to the depth map."""
    if support_z is None or thumbs is None:
        return True
    gap = box.bottom - support_z
    if gap <= contact:
        return True
    c, s = np.cos(box.yaw), np.sin(box.yaw)
    offsets = [(0.0, 0.0)] + [(sx * box.size[0] * 0.25, sy * box.size[1] * 0.25) for sx in (-1, 1) for sy in (-1, 1)]
    pts = [[box.center[0] + c * dx - s * dy, box.center[1] + s * dx + c * dy, box.bottom - f * gap]
           for dx, dy in offsets for f in (0.25, 0.5, 0.75)]
    free = seen_free(np.array(pts), thumbs, FINE_RADIUS if fine else 0)
    # the column under the centre must be empty too: a trunk or a stem there is part of the object
    return bool(free.mean() >= 0.6 and free[:3].all())


def bottom_inside(obj: GraphObject, objects: list[GraphObject]) -> bool:
    """Whether ``obj``'s bottom lies inside another object's box (a stem in a vase): what continues
    below it there is hidden by that object. An object whose base stands on the other's surface
    (``relations.rests_on_surface``), or is wider than the other's footprint, ends there."""
    b = obj.box
    for other in objects:
        ob = other.box
        if other.id == obj.id or not (ob.bottom + 1e-9 < b.bottom < ob.top - 0.02 * ob.height):
            continue
        if rests_on_surface(b, obj.points, ob, other.points) or not base_fits_inside(b, obj.points, ob):
            continue  # a mug on a book, a book on a narrower book, sunk into it by depth noise
        c, s = np.cos(-ob.yaw), np.sin(-ob.yaw)
        d = b.center[:2] - ob.center[:2]
        local = np.array([c * d[0] - s * d[1], s * d[0] + c * d[1]])
        if np.all(np.abs(local) <= ob.size[:2] / 2):
            return True
    return False


def room_behind(box: Box3D, direction: float, background: np.ndarray | None) -> float | None:
    """Distance from the box centre, along the horizontal ``direction`` (radians, pointing away from
    the cameras), to the nearest background surface (a wall) behind it at its heights and within its
    width; None when nothing was seen there. An object cannot reach through a wall seen behind it."""
    if background is None or not len(background):
        return None
    d = np.array([np.cos(direction), np.sin(direction)])
    rel = background[:, :2] - box.center[:2]
    along = rel @ d
    across = np.abs(rel @ np.array([-d[1], d[0]]))
    half_width = 0.5 * abs(box.size[0] * np.sin(direction - box.yaw)) + 0.5 * abs(box.size[1] * np.cos(direction - box.yaw))
    z = background[:, 2]
    near = (along > 0) & (across <= half_width) & (z > box.bottom + 0.1 * box.height) & (z < box.top - 0.1 * box.height)
    return float(along[near].min()) if near.any() else None


def extent_disagreement(size: np.ndarray, fitted: np.ndarray, axis_noise: np.ndarray,
                        measured: np.ndarray) -> float:
    """How far two measures of an object's extents disagree, relative to ``size``, largest over the
    ``measured`` axes: ``size`` measured frame by frame (``engine/scene/extents.py``), ``fitted`` the
    box of the points of every frame fused.

    Each measure fails its own way: a single frame sees only part of a curved surface (a sphere seen
    at a slant, a mug whose handle hides behind its body) and the median of such frames falls short;
    the fused points grow by every frame's depth noise along the rays (``axis_noise``, which is
    therefore forgiven where the fused box is the larger) and by whatever bled past the filters.
    Where they differ, one of them is off by the difference, and nothing tells which."""
    size, fitted = np.asarray(size, dtype=np.float64), np.asarray(fitted, dtype=np.float64)
    excess = np.where(fitted >= size, np.maximum(fitted - size - np.asarray(axis_noise), 0.0), size - fitted)
    rel = excess / np.maximum(size, 1e-9)
    measured = np.asarray(measured, dtype=bool)
    return float(rel[measured].max()) if measured.any() else 0.0


def above_top_hidden(box: Box3D, eye: np.ndarray) -> float:
    """How much higher (metres) than ``box`` an object may reach unseen from a camera at ``eye``
    below its top: looking up, the highest point seen is where a ray grazes the object, and a
    rounded top (a tree's crown, a lamp's shade) rises beyond it, hidden behind the near side, as
    far as that ray climbs over the object's depth along the view; 0 from above its top."""
    rise = float(box.top - eye[2])
    if rise <= 0:
        return 0.0
    to = np.asarray(box.center[:2], dtype=np.float64) - np.asarray(eye[:2], dtype=np.float64)
    dist = float(np.hypot(to[0], to[1]))
    if dist == 0.0:
        return np.inf  # right under it
    c, s = np.cos(box.yaw), np.sin(box.yaw)
    u = to / dist
    depth = abs(u[0] * c + u[1] * s) * float(box.size[0]) + abs(-u[0] * s + u[1] * c) * float(box.size[1])
    near = dist - depth / 2
    if near <= 0:
        return np.inf
    return depth * rise / near


def object_evidence(obj: GraphObject, cameras: dict[int, CameraPose], bottom: bool = True,
                    drop: float | None = None, background: np.ndarray | None = None,
                    mask_px: float = 0.0, depth_error: float = 0.0) -> Evidence:
    """The evidence of ``obj`` from its views and the cameras that took them; ``bottom`` from
    :func:`bottom_measured`; ``drop`` the height between its bottom and the surface below, which an
    object with a hidden bottom may reach down to; ``background`` the scene's background points, whose
    walls bound how far an object seen from one side may reach back. An object whose extents were
    measured frame by frame carries the box fitted to its fused points in
    ``attributes["fitted_size"]``; the two measures' disagreement adds to its error."""
    frames = [f for f in obj.views if f in cameras]
    if not frames:
        return Evidence(reach=(ONE_SIDED_REACH,) * 3)
    box = obj.box
    c, s = np.cos(box.yaw), np.sin(box.yaw)
    normals = {"+x": np.array([c, s, 0.0]), "-x": np.array([-c, -s, 0.0]),
               "+y": np.array([-s, c, 0.0]), "-y": np.array([s, -c, 0.0]), "top": np.array([0.0, 0.0, 1.0])}
    half = {"+x": box.size[0] / 2, "-x": box.size[0] / 2, "+y": box.size[1] / 2, "-y": box.size[1] / 2,
            "top": box.size[2] / 2}
    cos_max = np.cos(np.radians(FACE_ANGLE_DEG))
    seen: set[str] = set()
    azimuths, clean_az, steep, top_views = [], [], False, 0
    top_hidden = np.inf  # how much higher than its box the top may be: seen from below only
    weight = valid = 0.0
    for f in frames:
        v = obj.views[f]
        eye = cameras[f].position
        to_cam = eye - box.center
        azimuths.append(np.arctan2(to_cam[1], to_cam[0]))
        weight += v.pixels
        valid += v.pixels * v.valid_depth
        if not v.clean(MAX_OCCLUDED):
            continue
        clean_az.append(azimuths[-1])
        if v.occluded_top <= MAX_TOP_OCCLUDED:
            top_views += 1
            top_hidden = min(top_hidden, above_top_hidden(box, eye))
        above = eye[2] - box.top
        steep |= above > 0 and np.degrees(np.arctan2(above, np.hypot(to_cam[0], to_cam[1]))) >= TOP_VIEW_DEG
        for name, n in normals.items():
            d = eye - (box.center + n * half[name])
            dist = float(np.linalg.norm(d))
            if dist > 0 and float(d @ n) / dist >= cos_max:
                seen.add(name)
    hidden_side = None
    if not clean_az:
        reach_xy = (ONE_SIDED_REACH, ONE_SIDED_REACH)
    elif steep or _arc(np.array(clean_az)) >= FULL_ARC_DEG:
        reach_xy = (1.0, 1.0)
    else:
        mean = np.arctan2(np.mean(np.sin(clean_az)), np.mean(np.cos(clean_az)))  # towards the cameras
        along = [abs(np.cos(mean - box.yaw)), abs(np.sin(mean - box.yaw))]  # view direction vs box x, y
        depth = along[0] * box.size[0] + along[1] * box.size[1]  # visible extent along the view
        most = ONE_SIDED_REACH
        wall = room_behind(box, mean + np.pi, background)
        if wall is not None and depth > 0:
            most = min(most, max(1.0, 1.0 + (wall - depth / 2) / depth))
        reach_xy = tuple(1.0 + (most - 1.0) * a for a in along)
        hidden_side = (round(float(-np.cos(mean)), 6), round(float(-np.sin(mean)), 6))
    if clean_az and top_views < min(TOP_VIEWS, len(clean_az)):
        # its top hidden behind something nearer in every view that shows it whole
        reach_z = ONE_SIDED_REACH
    elif bottom and clean_az:
        reach_z = 1.0
    elif drop is not None and box.height > 0:
        reach_z = max(1.0, (box.height + drop) / box.height)
    else:
        reach_z = ONE_SIDED_REACH
    # measured as far as what was seen goes; a top seen only from below may still rise beyond it
    measured = (reach_xy[0] <= 1.0 + 1e-9, reach_xy[1] <= 1.0 + 1e-9, reach_z <= 1.0 + 1e-9)
    if reach_z < ONE_SIDED_REACH and np.isfinite(top_hidden) and box.height > 0:
        reach_z = min(ONE_SIDED_REACH, reach_z + top_hidden / box.height)
    reach = (round(float(reach_xy[0]), 4), round(float(reach_xy[1]), 4), round(float(reach_z), 4))
    seen_from = [obj.views[f].median_depth for f in frames
                 if obj.views[f].clean(MAX_OCCLUDED) and np.isfinite(obj.views[f].median_depth)]
    if not seen_from:
        # never seen clean: its surfaces are still placed by depth, at the depth of the views it has
        seen_from = [obj.views[f].median_depth for f in frames if np.isfinite(obj.views[f].median_depth)]
    depth = float(np.median(seen_from)) if seen_from else 0.0
    axis_noise = (0.0, 0.0, 0.0)
    if depth_error > 0 and depth > 0:
        rays = [cameras[f].position - box.center for f in frames if obj.views[f].clean(MAX_OCCLUDED)] \
            or [cameras[f].position - box.center for f in frames]
        rays = np.array([r / n for r in rays if (n := float(np.linalg.norm(r))) > 0]).reshape(-1, 3)
        axes = np.array([normals["+x"], normals["+y"], normals["top"]])
        if len(rays):
            # both faces of the extent may be off by the residual depth error, by the share of the
            # axis that lies along the rays
            along = np.median(np.abs(rays @ axes.T), axis=0)
            axis_noise = tuple(round(float(2.0 * depth_error * depth * a), 6) for a in along)
    focal = float(np.median([cameras[f].camera.fx for f in frames]))
    outline_error = 2.0 * mask_px * depth / focal if focal > 0 else 0.0
    position_error = depth_error * depth + outline_error
    error = depth_error
    if mask_px > 0:
        clean_px = [max(obj.views[f].bbox[2] - obj.views[f].bbox[0], obj.views[f].bbox[3] - obj.views[f].bbox[1])
                    for f in frames if obj.views[f].clean(MAX_OCCLUDED)]
        error += 2.0 * mask_px / max(max(clean_px, default=1), 1)
    disagreement = 0.0
    fitted = obj.attributes.get("fitted_size")
    if fitted is not None and (depth_error > 0 or mask_px > 0):
        disagreement = extent_disagreement(box.size, fitted, np.array(axis_noise), np.array(measured))
        error += disagreement
    return Evidence(error=round(float(error), 4), disagreement=round(disagreement, 4),
                    position_error=round(float(position_error), 6), outline_error=round(float(outline_error), 6),
                    depth_residual=float(depth_error),
                    axis_noise=axis_noise, views=len(frames), clean_views=len(clean_az), faces=sorted(seen),
                    extents=measured, azimuth_deg=round(_arc(np.array(azimuths)), 2),
                    valid_depth=round(valid / weight, 4) if weight else 0.0, bottom=bottom, reach=reach,
                    hidden_side=hidden_side)


def support_below(obj: GraphObject, objects: list[GraphObject], floor_z: float | None,
                  sink: Callable[[GraphObject], float] | None = None) -> float | None:
    """Height of the highest surface under ``obj``'s footprint centre: the floor or the top of
    another object's box (None when neither lies below). With ``sink`` (metres, per other object),
    a box whose top rises above ``obj``'s bottom by at most that much is the surface it rests on,
    at ``obj``'s bottom: depth noise widens both boxes, and a mug resting on a book comes out
    sunk into it. The caller gives 0 for a box ``obj`` does not rest on
    (``relations.rests_on_surface``): a pen's visible part ends at its mug's rim as well."""
    b = obj.box
    below = [floor_z] if floor_z is not None and floor_z <= b.bottom + 1e-9 else []
    for other in objects:
        ob = other.box
        if other.id == obj.id:
            continue
        sunk = ob.top > b.bottom + 1e-9
        if sunk and (sink is None or ob.top > b.bottom + sink(other)):
            continue
        c, s = np.cos(-ob.yaw), np.sin(-ob.yaw)
        d = b.center[:2] - ob.center[:2]
        local = np.array([c * d[0] - s * d[1], s * d[0] + c * d[1]])
        if np.all(np.abs(local) <= ob.size[:2] / 2):
            below.append(min(ob.top, b.bottom))
    return max(below) if below else None


def box_noise_sink(a: Evidence, b: Evidence) -> float:
    """How far (metres) depth noise may sink one box into the box it rests on: the bottom face of
    the upper and the top face of the lower each pushed outward by up to half their axis's noise."""
    return 0.5 * (a.axis_noise[2] + b.axis_noise[2])


def ground_around(box: Box3D, background: np.ndarray) -> tuple[float, np.ndarray] | None:
    """The ground around ``box`` as lifting left it: the height of the background points in a ring
    around its footprint, as wide as half its longer side, where they are densest
    (``geometry.room.support_height`` between their 1st and 99th percentile; walls beside an object
    spread over their whole height, the floor piles up at one), and the ring's heights. None when
    fewer than 50 points lie there."""
    c, s = np.cos(-box.yaw), np.sin(-box.yaw)
    d = background[:, :2] - box.center[:2]
    local = np.abs(np.column_stack([c * d[:, 0] - s * d[:, 1], s * d[:, 0] + c * d[:, 1]]))
    half = np.asarray(box.size[:2]) / 2
    ring = np.all(local <= half + half.max(), axis=1) & ~np.all(local <= half, axis=1)
    if ring.sum() < 50:
        return None
    z = background[ring, 2]
    lo, hi = np.quantile(z, [0.01, 0.99])
    if hi <= lo:
        return float(lo), z
    core = z[(z >= lo) & (z <= hi)]
    ground = support_height(core, hi, (hi - lo) / GROUND_BINS)
    return None if ground is None else (float(ground), z)


def ground_thickness(around: tuple[float, np.ndarray] | None) -> float | None:
    """How thick (metres) the ground around a box came out of lifting, from what
    :func:`ground_around` returned: twice the distance from the ground down to the 20th percentile
    of the ring's points below it (above it stand walls and other unlabelled things; below it only
    depth errors put points). None when the ground is unknown or fewer than 25 points lie below it."""
    if around is None:
        return None
    ground, z = around
    lo, hi = np.quantile(z, [0.01, 0.99])
    if hi <= lo:
        return 0.0
    below = z[z < ground]
    if len(below) < 25:
        return None
    return float(2.0 * (ground - np.quantile(below, 0.2)))


#: height bins between the ring's 1st and 99th percentile in which the ground is the densest
GROUND_BINS = 50


#: the height quantiles between which an object's points must spread above the ground's thickness
#: to have a height of their own (a few stray points do not count)
THIN_QUANTILES = (0.1, 0.9)
#: ... by this factor: the thickness read from one ring scatters by a third from place to place
#: (around the flat objects of one drone capture at 5% depth error, 3.0 to 5.0 m), and calling a
#: standing object thin only refuses what its height decides, never answers it wrongly
THIN_MARGIN = 1.5


def attach_evidence(graph: SceneGraph, thumbs: list[DepthThumb] | None = None, contact: float = 0.0,
                    background: np.ndarray | None = None, mask_px: float = 0.0, depth_error: float = 0.0,
                    fine: list[DepthThumb] | None = None) -> None:
    """Store every object's evidence in ``attributes["evidence"]`` (an :class:`Evidence`). With
    ``thumbs`` (the frames' sampled depth) an object floating above the surface below it by more
    than ``contact`` metres has a measured bottom only if the space under it was seen empty; with
    ``fine`` (the frames' depth at full resolution) that space is tested there instead. With
    ``depth_error`` (estimated depth) and ``background``, an object whose points spread vertically no
    more than the ground around it does (:func:`ground_thickness`, with ``THIN_MARGIN``) is ``thin``."""
    cams = {c.frame: c for c in graph.cameras}
    noise: dict[int, Evidence] = {}

    def noise_of(o: GraphObject) -> Evidence:
        """Its box's depth noise, from evidence taken before its bottom is known (once, when asked)."""
        if o.id not in noise:
            noise[o.id] = object_evidence(o, cams, True, None, background, mask_px, depth_error)
        return noise[o.id]

    for o in graph.objects:
        bottom, drop = True, None
        if thumbs is not None:
            inside = bottom_inside(o, graph.objects)
            sink = None
            if depth_error > 0 and not inside:
                def sink(other: GraphObject, o: GraphObject = o) -> float:
                    # only onto a surface: a pen's visible part may end at its mug's rim
                    if not rests_on_surface(o.box, o.points, other.box, other.points):
                        return 0.0
                    return box_noise_sink(noise_of(o), noise_of(other))
            support = support_below(o, graph.objects, graph.floor_z, sink)
            bottom = not inside and bottom_measured(o.box, support, fine or thumbs,
                                                    max(contact, 0.05 * o.box.height), fine=bool(fine))
            drop = None if support is None else max(0.0, o.box.bottom - support)
        ev = object_evidence(o, cams, bottom, drop, background, mask_px, depth_error)
        if thumbs is not None:
            o.attributes["hidden_surface"] = hidden_surface(o.box, ev.faces, thumbs)
        if depth_error > 0 and background is not None and len(background) and len(o.points) >= 10:
            around = ground_around(o.box, background)
            thickness = ground_thickness(around)
            lo, hi = np.quantile(o.points[:, 2], THIN_QUANTILES)
            ev.thin = thickness is not None and bool(hi - lo <= THIN_MARGIN * thickness)
            if around is not None:
                ev.base_offset = round(max(0.0, around[0] - o.box.bottom), 6)
        o.attributes["evidence"] = ev


def evidence_of(obj: GraphObject) -> Evidence:
    """The evidence stored on ``obj``; an object without any (a hand-made graph) counts as fully seen."""
    ev = obj.attributes.get("evidence")
    if isinstance(ev, Evidence):
        return ev
    n = len(obj.views)
    return Evidence(views=n, clean_views=n, faces=["+x", "-x", "+y", "-y", "top"], extents=(True, True, True),
                    azimuth_deg=360.0, valid_depth=1.0, reach=(1.0, 1.0, 1.0))
