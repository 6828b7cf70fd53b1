"""Where things are and go on a table, in the reference camera's ground frame.

Shared by the tabletop tasks (object, destination and obstacles location, manipulation planning).

The *ground frame* of frame k has axes u = the camera's right direction projected on the ground
plane, v = up x u (the camera's forward direction on the ground: away from the viewer) and w = world
up. Every object is replaced by its axis-aligned box in that frame (the bounds of its surface
points in that frame), so "left/right" is -u/+u, "behind / farther" is +v, "in front / closer" is -v, and
boxes line up with the moves a question states.

Destination of "place A <relation> B" (A's centre, in the ground frame):
- left / right: beside B's -u / +u face with a gap of ``GAP`` x A's extent along u (at least
  ``CLEARANCE`` of the scale), centred on B
  along v, at A's current height;
- front / behind: beside B's -v / +v face (front = the side facing the camera), same gap, centred
  on B along u, at A's current height;
- top: above B's top centre, resting on it: B's top + half A's height.

Only objects the video shows (``seen``) count as obstacles or occupants.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from spacevista.geometry import relations as rel
from spacevista.graph import GraphObject, SceneGraph
from spacevista.scene import Scale
from spacevista.tasks.base import Question, Task, Unanswerable

#: clearance between A and B at a side destination, as a fraction of A's extent along that axis,
#: and at least ``CLEARANCE`` of the scale
GAP = 0.25
#: a clearance that estimated boxes are expected to keep (about a tenth of a typical object)
CLEARANCE = {Scale.TINY: 0.002, Scale.TABLETOP: 0.01, Scale.INDOOR: 0.05, Scale.OUTDOOR: 0.2, Scale.DRONE: 2.0}
#: the scales the tabletop tasks are asked at
TABLETOP_SCALES = (Scale.TINY, Scale.TABLETOP)
RELATIONS = ("left", "right", "front", "behind", "top")
#: how a question words "place A <relation> B" (and a side of B)
RELATION_WORDS = {"left": "to the left of", "right": "to the right of", "front": "in front of",
                  "behind": "behind", "top": "on top of"}
#: eight ground directions, counter-clockwise from +u (right), as angles in the u-v plane
DIRECTIONS = ("right", "behind-right", "behind", "behind-left", "left", "front-left", "front", "front-right")
#: the same directions as moves of an object (forward = away from the camera)
MOVE_WORDS = {"right": "right", "behind-right": "forward and to the right", "behind": "forward (away from the camera)",
              "behind-left": "forward and to the left", "left": "left", "front-left": "back and to the left",
              "front": "back (towards the camera)", "front-right": "back and to the right"}
PLACE_WORDS = {"right": "to the right of", "behind-right": "behind and to the right of", "behind": "behind",
               "behind-left": "behind and to the left of", "left": "to the left of",
               "front-left": "in front of and to the left of", "front": "in front of",
               "front-right": "in front of and to the right of"}
#: directions within this many degrees of a sector border are ambiguous
BORDER_DEG = 10.0


def ground_frame(graph: SceneGraph, frame: int) -> np.ndarray:
    """Rows u, v, w (3, 3) of the ground frame of ``frame`` (see the module docstring)."""
    try:
        pose = graph.camera(frame).pose
    except KeyError as e:
        raise Unanswerable(str(e)) from e
    up = np.asarray(graph.up, dtype=np.float64)
    up = up / np.linalg.norm(up)
    x = pose[:3, 0] - (pose[:3, 0] @ up) * up
    if np.linalg.norm(x) < 1e-6:
        raise Unanswerable(f"frame {frame}: camera roll makes left/right undefined")
    u = x / np.linalg.norm(x)
    v = np.cross(up, u)
    return np.stack([u, v, up])


@dataclass(frozen=True)
class LocalBox:
    """An axis-aligned box in a ground frame: centre (3,) and half extents (3,)."""

    center: np.ndarray
    half: np.ndarray

    @property
    def lo(self) -> np.ndarray:
        return self.center - self.half

    @property
    def hi(self) -> np.ndarray:
        return self.center + self.half


def local_box(obj: GraphObject, R: np.ndarray) -> LocalBox:
    """The object's axis-aligned box in the ground frame ``R``: the bounds of its surface points
    (of its upright box's corners when it has fewer than ten points). Points, not the box, because
    the yaw of a round object's box is arbitrary and turns its ground-frame bounds by up to 41%."""
    pts = obj.points if obj.points is not None and len(obj.points) >= 10 else obj.box.corners()
    c = np.asarray(pts, dtype=np.float64) @ R.T
    lo, hi = c.min(axis=0), c.max(axis=0)
    return LocalBox((lo + hi) / 2, (hi - lo) / 2)


class BoxMemo:
    """``local_box`` remembered per (object, ground frame) while one graph is being proposed on;
    bounding thousands of surface points again for every candidate question is the slow part."""

    def __init__(self) -> None:
        self._boxes: dict[tuple[int, bytes], LocalBox] = {}

    def __call__(self, obj: GraphObject, R: np.ndarray) -> LocalBox:
        key = (obj.id, R.tobytes())
        if key not in self._boxes:
            self._boxes[key] = local_box(obj, R)
        return self._boxes[key]


def destination(a: LocalBox, b: LocalBox, relation: str, min_gap: float = 0.0) -> np.ndarray:
    """A's centre after "place A <relation> B" (module docstring), in the ground frame."""
    d = a.center.copy()
    if relation == "top":
        d[0], d[1], d[2] = b.center[0], b.center[1], b.hi[2] + a.half[2]
        return d
    axis, sign = {"left": (0, -1), "right": (0, 1), "front": (1, -1), "behind": (1, 1)}[relation]
    other = 1 - axis
    d[other] = b.center[other]
    face = b.hi[axis] if sign > 0 else b.lo[axis]
    d[axis] = face + sign * (a.half[axis] + max(2 * GAP * a.half[axis], min_gap))
    return d


def direction_angle(vec: np.ndarray) -> float:
    """Angle in degrees of a ground-frame vector in the u-v plane (0 = right, 90 = behind)."""
    return math.degrees(math.atan2(float(vec[1]), float(vec[0])))


def direction_label(vec: np.ndarray) -> tuple[str, float]:
    """The nearest of the eight directions and how far (degrees) the vector is from a sector border."""
    ang = direction_angle(vec) % 360.0
    k = int(round(ang / 45.0)) % 8
    off = abs(((ang - 45.0 * k) + 180.0) % 360.0 - 180.0)
    return DIRECTIONS[k], 22.5 - off


def wrong_directions(label: str, rng: np.random.Generator) -> list[str]:
    """The opposite and the two perpendicular directions of ``label``, in random order: each one
    clearly wrong."""
    k = DIRECTIONS.index(label)
    picks = [DIRECTIONS[(k + 4) % 8], DIRECTIONS[(k + 2) % 8], DIRECTIONS[(k + 6) % 8]]
    rng.shuffle(picks)
    return picks


def seen(graph: SceneGraph) -> list[GraphObject]:
    """The objects the video shows (visible in at least one frame). Obstacles and occupants are
    taken from these only, on every graph: an object hidden for the whole video (a pen inside a
    mug) is not part of what a question about the video can expect anyone to avoid."""
    return [o for o in graph.objects if o.views]


def occupied(graph: SceneGraph, R: np.ndarray, a_id: int, dest: np.ndarray, half: np.ndarray,
             box=local_box) -> list[int]:
    """Objects whose ground-frame boxes overlap A's box placed at ``dest`` (touching is free)."""
    others = [o for o in seen(graph) if o.id != a_id]
    if not others:
        return []
    boxes = [box(o, R) for o in others]
    centers = np.stack([bx.center for bx in boxes])
    halves = np.stack([bx.half for bx in boxes]) + half
    inside = np.all(np.abs(centers - dest) < halves - 1e-9, axis=1)
    return [o.id for o, hit in zip(others, inside) if hit]


def resting(a: GraphObject, b: GraphObject) -> bool:
    """Whether ``a`` stands on a surface of ``b`` (``relations.rests_on_surface``)."""
    return rel.rests_on_surface(a.box, a.points, b.box, b.points)


def nested(graph: SceneGraph, ids: list[int]) -> bool:
    """Whether any of ``ids`` stands inside another seen object's footprint or holds one (a flower in
    a vase, a pen in a mug): the inner object's estimated box is cut by the container, and moving
    the container carries the inner one, so questions about such objects are not asked. An object
    whose base rests on a surface of the other (a mug on a book, which estimated boxes sink into
    the book) or that the other rests on, and one whose base is wider than the other's footprint
    (a book under a book), are not nested."""
    objs = seen(graph)
    for i in ids:
        o = graph.object(i)
        for other in objs:
            if other.id == i:
                continue
            for inner, outer in ((o, other), (other, o)):
                c = inner.box.center[:2] - outer.box.center[:2]
                cy, sy = np.cos(outer.box.yaw), np.sin(outer.box.yaw)
                local = np.array([cy * c[0] + sy * c[1], -sy * c[0] + cy * c[1]])
                inside = np.all(np.abs(local) < outer.box.size[:2] / 2)
                overlap_z = min(inner.box.top, outer.box.top) - max(inner.box.bottom, outer.box.bottom)
                if inside and overlap_z > 0 and inner.box.width < outer.box.width \
                        and rel.base_fits_inside(inner.box, inner.points, outer.box) \
                        and not resting(inner, outer) and not resting(outer, inner):
                    return True
    return False


def common_frame(graph: SceneGraph, ids: list[int], rng: np.random.Generator) -> int | None:
    """A frame where every object in ``ids`` is visible (random among them), or None."""
    sets = [set(graph.object(i).views) for i in ids]
    frames = sorted(set.intersection(*sets)) if sets else []
    if not frames:
        return None
    return frames[int(rng.integers(len(frames)))]


def require(graph: SceneGraph, ids: list[int]) -> None:
    for i in ids:
        if not graph.has(i):
            raise Unanswerable(f"object {i} not in scene {graph.scene_id}")


def object_pairs(graph: SceneGraph, rng: np.random.Generator, tries: int | None, dropped: Counter
                 ) -> Iterator[tuple[GraphObject, GraphObject, int]]:
    """Ordered pairs (A, B) of askable objects for "move A relative to B" questions, in random order
    (``tries`` pairs at most; None: all), with a random frame that shows both. Pairs of one category
    (ambiguous names), nested objects and pairs never seen together are counted in ``dropped``."""
    from spacevista.tasks.common import askable, pairs, sample

    cands = pairs(askable(graph))
    for a, b in sample(cands, len(cands) if tries is None else tries, rng):
        if rng.random() < 0.5:
            a, b = b, a
        if a.category == b.category:
            dropped["same category"] += 1
            continue
        if nested(graph, [a.id, b.id]):
            dropped["nested object asked about"] += 1
            continue
        frames = sorted(set(a.views) & set(b.views))
        if not frames:
            dropped["no frame shows both"] += 1
            continue
        yield a, b, frames[int(rng.integers(len(frames)))]


class PlacingTask(Task):
    """A tabletop task about "place A <relation> B" (``q.params["relation"]``), which its questions
    word in the ``{relation}`` slot."""

    scales = TABLETOP_SCALES

    def extra_slots(self, q: Question, graph: SceneGraph) -> dict:
        return {"relation": RELATION_WORDS[q.params["relation"]]}
