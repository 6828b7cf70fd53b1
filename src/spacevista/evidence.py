"""What the capture showed of each object and of the room: the evidence the gates read.

An object's box is fitted to the points the cameras saw. Its extent along one of its horizontal axes
is measured only when the capture saw a face that spans that axis (a side face along it, or the top
face), with the object whole in that view (not cut by the image border, at most a fifth of its
outline behind something nearer); its height only when a side face was seen so. An object seen
from one side only, or only truncated or occluded, has extents that were never measured, and its
size is the size of the part seen.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from spacevista.geometry.cameras import project
from spacevista.graph import Box3D, CameraPose, GraphObject, SceneGraph

#: a face counts as seen when the direction to the camera is within this angle of its normal
FACE_ANGLE_DEG = 75.0
#: views with more of the outline hidden than this do not show the object whole
MAX_OCCLUDED = 0.2


@dataclass
class Evidence:
    """What the capture showed of one object.

    ``views``: frames it passes the visibility rule in; ``clean_views``: of those, frames that show
    it whole (:meth:`~spacevista.graph.View.clean`); ``faces``: box faces seen in a clean view
    (``+x``, ``-x``, ``+y``, ``-y`` in the box's own axes, ``top``); ``extents``: whether its size
    along box x, y and z was measured; ``azimuth_deg``: the arc of horizontal directions it was seen
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

    @property
    def whole(self) -> bool:
        """Seen whole in at least one view."""
        return self.clean_views > 0

    def measured(self, axes: str = "xyz") -> bool:
        """Every extent named in ``axes`` (any of "x", "y", "z") measured, in a view that shows it whole."""
        return self.whole and all(self.extents["xyz".index(a)] for a in axes)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["extents"] = list(self.extents)
        return d


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


def seen_free(points: np.ndarray, thumbs: list[DepthThumb]) -> np.ndarray:
    """For each world point: did some frame look past it (its depth there lies beyond the point)?"""
    free = np.zeros(len(points), dtype=bool)
    for th in thumbs:
        uv, z = project(points, th.K, th.pose)
        h, w = th.depth.shape
        with np.errstate(invalid="ignore"):
            r = np.floor(uv[:, 1] / th.step).astype(np.int64, copy=False) if len(uv) else np.zeros(0, np.int64)
            c = np.floor(uv[:, 0] / th.step).astype(np.int64, copy=False) if len(uv) else np.zeros(0, np.int64)
        ok = (z > 0) & (r >= 0) & (r < h) & (c >= 0) & (c < w) & np.isfinite(uv).all(axis=1)
        d = np.zeros(len(points))
        d[ok] = th.depth[r[ok], c[ok]]
        free |= ok & (d > z * (1 + FREE_MARGIN))
    return free


def bottom_measured(box: Box3D, support_z: float | None, thumbs: list[DepthThumb] | None,
                    contact: float) -> bool:
    """Whether the box's bottom is where the object ends: it rests on the surface below (within
    ``contact`` metres), or most of the space between it and that surface was seen empty."""
    if support_z is None or thumbs is None:
        return True
    gap = box.bottom - support_z
    if gap <= contact:
        return True
    c, s = np.cos(box.yaw), np.sin(box.yaw)
    offsets = [(0.0, 0.0)] + [(sx * box.size[0] * 0.25, sy * box.size[1] * 0.25) for sx in (-1, 1) for sy in (-1, 1)]
    pts = [[box.center[0] + c * dx - s * dy, box.center[1] + s * dx + c * dy, box.bottom - f * gap]
           for dx, dy in offsets for f in (0.25, 0.5, 0.75)]
    return bool(seen_free(np.array(pts), thumbs).mean() >= 0.6)


def object_evidence(obj: GraphObject, cameras: dict[int, CameraPose], bottom: bool = True) -> Evidence:
    """The evidence of ``obj`` from its views and the cameras that took them; ``bottom`` from
    :func:`bottom_measured`."""
    frames = [f for f in obj.views if f in cameras]
    if not frames:
        return Evidence()
    box = obj.box
    c, s = np.cos(box.yaw), np.sin(box.yaw)
    normals = {"+x": np.array([c, s, 0.0]), "-x": np.array([-c, -s, 0.0]),
               "+y": np.array([-s, c, 0.0]), "-y": np.array([s, -c, 0.0]), "top": np.array([0.0, 0.0, 1.0])}
    half = {"+x": box.size[0] / 2, "-x": box.size[0] / 2, "+y": box.size[1] / 2, "-y": box.size[1] / 2,
            "top": box.size[2] / 2}
    cos_max = np.cos(np.radians(FACE_ANGLE_DEG))
    seen: set[str] = set()
    clean = 0
    azimuths = []
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
        clean += 1
        for name, n in normals.items():
            face_centre = box.center + n * half[name]
            d = eye - face_centre
            dist = float(np.linalg.norm(d))
            if dist > 0 and float(d @ n) / dist >= cos_max:
                seen.add(name)
    sides_x = bool(seen & {"+y", "-y", "top"})  # a face spanning the box's x axis
    sides_y = bool(seen & {"+x", "-x", "top"})
    height = bool(seen & {"+x", "-x", "+y", "-y"}) and bottom
    return Evidence(views=len(frames), clean_views=clean, faces=sorted(seen), extents=(sides_x, sides_y, height),
                    azimuth_deg=round(_arc(np.array(azimuths)), 2),
                    valid_depth=round(valid / weight, 4) if weight else 0.0, bottom=bottom)


def support_below(obj: GraphObject, objects: list[GraphObject], floor_z: float | None) -> float | None:
    """Height of the highest surface under ``obj``'s footprint centre: the floor or the top of
    another object's box (None when neither lies below)."""
    b = obj.box
    below = [floor_z] if floor_z is not None and floor_z <= b.bottom + 1e-9 else []
    for other in objects:
        ob = other.box
        if other.id == obj.id or ob.top > b.bottom + 1e-9:
            continue
        c, s = np.cos(-ob.yaw), np.sin(-ob.yaw)
        d = b.center[:2] - ob.center[:2]
        local = np.array([c * d[0] - s * d[1], s * d[0] + c * d[1]])
        if np.all(np.abs(local) <= ob.size[:2] / 2):
            below.append(ob.top)
    return max(below) if below else None


def attach_evidence(graph: SceneGraph, thumbs: list[DepthThumb] | None = None, contact: float = 0.0) -> None:
    """Store every object's evidence in ``attributes["evidence"]`` (an :class:`Evidence`). With
    ``thumbs`` (the frames' sampled depth) an object floating above the surface below it by more
    than ``contact`` metres has a measured bottom only if the space under it was seen empty."""
    cams = {c.frame: c for c in graph.cameras}
    for o in graph.objects:
        bottom = True
        if thumbs is not None:
            support = support_below(o, graph.objects, graph.floor_z)
            bottom = bottom_measured(o.box, support, thumbs, max(contact, 0.05 * o.box.height))
        o.attributes["evidence"] = object_evidence(o, cams, bottom)


def evidence_of(obj: GraphObject) -> Evidence:
    """The evidence stored on ``obj``; an object without any (a hand-made graph) counts as fully seen."""
    ev = obj.attributes.get("evidence")
    if isinstance(ev, Evidence):
        return ev
    n = len(obj.views)
    return Evidence(views=n, clean_views=n, faces=["+x", "-x", "+y", "-y", "top"], extents=(True, True, True),
                    azimuth_deg=360.0, valid_depth=1.0)


def wall_coverage(points: np.ndarray, floor_z: float, bins: int = 36) -> float:
    """Fraction of horizontal directions, seen from the centre of the background points, in which a
    wall (background points between 0.3 m above the floor and below the ceiling quantile) was seen."""
    rel = points[:, 2] - floor_z
    if len(points) < 100:
        return 0.0
    top = float(np.quantile(rel, 0.995))
    wall = points[(rel > 0.3) & (rel < top - 0.1)]
    if len(wall) < 20:
        return 0.0
    centre = np.median(points[:, :2], axis=0)
    ang = np.arctan2(wall[:, 1] - centre[1], wall[:, 0] - centre[0])
    hit = np.unique(np.floor((ang + np.pi) / (2 * np.pi) * bins).astype(int) % bins)
    return float(len(hit)) / bins
