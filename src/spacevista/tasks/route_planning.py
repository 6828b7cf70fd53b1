"""Route planning on the ground: the action sequence that takes a walker from one object to another.

Set-up of a question about start object S and target object G (both standing on the ground):

* The walker is a disc of radius ``RADIUS[scale]`` on the ground plane (x, y). Obstacles are the
  footprints of the objects the video shows (S and G included) whose bottom is lower than
  ``HEIGHT[scale]`` and whose top is higher than ``STEP[scale]`` above the ground (flat things such
  as roads, fields and rugs are walked over), each grown by the radius. A footprint is the object's
  box footprint when clearly elongated, else the world-axis bounds of its points
  (``footprint_box``: a round object's box yaw is arbitrary). The walkable region is the bounding
  rectangle of the room's floor polygon when the graph has one, else of all footprints, widened by
  four radii.
* Start: where the line from S's centre to G's centre leaves S's footprint grown by ``STANDOFF``
  radii (so at least that far from S); centres and footprints here are the world-axis bounds of
  the objects' points (``spot_box``), which do not depend on a box's yaw. When that spot is taken
  (inside a grown obstacle), the same construction with the direction turned by +15, -15, +30, ...
  up to +-90 degrees, first free spot. The walker starts there *facing G's centre*. Goal: the same
  construction from G towards S.
* The route is planned with RRT-Connect (``spacevista.geometry.rrt``) among obstacles grown by
  ``PLAN_MARGIN`` radii (a safety margin for rounding and for estimated boxes), shortcut, and turned
  into legs "turn left/right by a degrees, go forward d" (turns rounded to 5 degrees, distances to
  the three significant figures the question states; closed-loop, see ``geometry.paths``).
* A leg sequence is *valid* on a graph when, executed from that graph's start facing that graph's
  G, it touches no obstacle grown by one radius and ends within ``REACH`` radii of G's footprint.
  A plan is stated only when it is valid on the estimated graph with half a radius to spare on both
  (``ROBUST``), so that small errors of the estimate do not make it invalid in the exact scene.

Questions are asked only when the straight line from start to goal is blocked, the start is at least
``NEAR`` radii from G's centre, the start and goal spots do not change when the planning margin
changes by ``SPOT_SLACK`` radii, and S and G differ in category. The multiple-choice distractors are
variations of the answer (mirrored turns, the straight line, one turn flipped, a leg shortened or
lengthened, legs reversed), each executed and kept only when it is *invalid* on the estimated graph.
The exact answer: the estimated route when it is still valid in the exact scene (then its option is
the exact option); otherwise a route planned on the exact graph, and the exact option is whichever
option is valid in the exact scene, if any.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np

from spacevista.evidence import evidence_of
from spacevista.geometry.paths import execute_ground, ground_actions
from spacevista.geometry.rrt import BoxSpace, path_length, plan
from spacevista.graph import GraphObject, SceneGraph
from spacevista.scene import Scale
from spacevista.tasks.balance import centred
from spacevista.tasks.base import TASKS, Facts, Question, Task, Unanswerable
from spacevista.tasks.common import VerifiedOptions, askable, nameable, pick, shuffled
from spacevista.tasks.placement import seen
from spacevista.tasks.wording import format_number, length_text, sentence, stated_rounding

#: walker radius per scale (metres): a person indoors and outdoors, a small vehicle between buildings
RADIUS = {Scale.INDOOR: 0.25, Scale.OUTDOOR: 0.4, Scale.DRONE: 3.0, Scale.TABLETOP: 0.02, Scale.TINY: 0.002}
#: objects whose bottom is below this height above the ground block the walker
HEIGHT = {Scale.INDOOR: 1.8, Scale.OUTDOOR: 2.5, Scale.DRONE: 8.0, Scale.TABLETOP: 0.1, Scale.TINY: 0.01}
#: objects no taller than this above the ground (a rug, a road, a field) can be walked over
STEP = {Scale.INDOOR: 0.05, Scale.OUTDOOR: 0.2, Scale.DRONE: 0.5, Scale.TABLETOP: 0.005, Scale.TINY: 0.0005}
#: footprints whose sides differ by less than this ratio count as round (see ``footprint_box``)
ELONGATED = 1.3
STANDOFF = 3.0
#: the start must be at least this many radii from G's centre (else the facing direction is unstable)
NEAR = 10.0
#: the spot beside S (G) must be the same with the planning margin changed by this many radii
SPOT_SLACK = 0.5
#: turns of the start (goal) direction tried when the spot straight towards the target is taken
BESIDE_DEG = (0, 15, -15, 30, -30, 45, -45, 60, -60, 75, -75, 90, -90)
PLAN_MARGIN = 2.0
REACH = 5.0
#: a stated plan must stay this many radii clear on the graph it is planned on (1 = just clear)
ROBUST = 1.5
#: outcomes of make_question that ran the planner
PLANNED = ("", "no collision-free route", "too few verified distractors", "no landmark beside the route")
#: at most this many planner runs per scene (failed searches are the slow part)
MAX_RUNS = 10
TURN_STEPS = (5.0, 1.0)


@dataclass(frozen=True)
class RoutePlan:
    """Legs ``(turn_deg, forward_m)`` (turn > 0 = left) and, per leg, an optional landmark
    ``(object_id, "left" | "right")`` passed on that side. ``checker`` (not part of equality) tells
    whether another plan is valid on the graph this one was made for (set on fallback answers)."""

    legs: tuple[tuple[float, float], ...]
    landmarks: tuple[tuple[int, str] | None, ...] = ()
    checker: Callable[["RoutePlan"], bool] | None = field(default=None, compare=False, hash=False, repr=False)


@dataclass
class Setup:
    """A question's geometry on one graph."""

    start: np.ndarray
    heading: float
    goal: np.ndarray
    source: GraphObject
    target: GraphObject
    check: BoxSpace
    planning: BoxSpace
    ids: list[int]
    radius: float
    robust: BoxSpace | None = None


def _exit_point(fp: tuple[np.ndarray, np.ndarray, float], toward: np.ndarray, beyond: float) -> np.ndarray:
    """Where the ray from a footprint's centre towards ``toward`` leaves the footprint grown by
    ``beyond`` on every side (``fp``: centre, size, yaw as from ``footprint_box``): a spot at least
    ``beyond`` from the footprint."""
    c, size, yaw = fp
    d = toward - c
    n = float(np.linalg.norm(d))
    if n < 1e-9:
        raise Unanswerable("start and target share a centre")
    d = d / n
    cy, sy = math.cos(yaw), math.sin(yaw)
    local = np.abs(np.array([cy * d[0] + sy * d[1], -sy * d[0] + cy * d[1]]))
    half = size / 2 + beyond
    t = float(np.min(np.where(local > 1e-12, half / np.maximum(local, 1e-300), np.inf)))
    return c + d * t


def footprint_box(obj: GraphObject) -> tuple[np.ndarray, np.ndarray, float]:
    """The rectangle an object blocks on the ground: its box footprint when that is clearly
    elongated (sides differ by ``ELONGATED`` or more), else the world-axis bounds of its surface
    points. A near-square box's yaw is arbitrary (a round tree, a vase), and turning it moves the
    corners by up to 41% of the side, so estimated and exact graphs would disagree on the corners."""
    sx, sy = float(obj.box.size[0]), float(obj.box.size[1])
    if max(sx, sy) >= ELONGATED * min(sx, sy) or obj.points is None or len(obj.points) < 10:
        return obj.box.center[:2], obj.box.size[:2], obj.box.yaw
    lo, hi = obj.points[:, :2].min(axis=0), obj.points[:, :2].max(axis=0)
    return (lo + hi) / 2, hi - lo, 0.0


def ground_of(graph: SceneGraph) -> float:
    if graph.floor_z is not None:
        return float(graph.floor_z)
    return min(o.box.bottom for o in graph.objects)


def footprint_distance(obj: GraphObject, p: np.ndarray) -> float:
    """Distance from a ground point to an object's footprint rectangle (0 inside)."""
    c, size, yaw = footprint_box(obj)
    rel = p - c
    cy, sy = math.cos(yaw), math.sin(yaw)
    local = np.array([cy * rel[0] + sy * rel[1], -sy * rel[0] + cy * rel[1]])
    out = np.maximum(np.abs(local) - size / 2, 0.0)
    return float(np.linalg.norm(out))


def spot_box(obj: GraphObject) -> tuple[np.ndarray, np.ndarray, float]:
    """The rectangle the start and goal spots are placed around: the world-axis bounds of the
    object's surface points (of its box footprint without points). It does not depend on the box's
    yaw, which a partial view of a round object (a plant seen from one side) gets wrong."""
    if obj.points is None or len(obj.points) < 10:
        fp = obj.box.footprint()
        lo, hi = fp.min(axis=0), fp.max(axis=0)
    else:
        lo, hi = obj.points[:, :2].min(axis=0), obj.points[:, :2].max(axis=0)
    return (lo + hi) / 2, hi - lo, 0.0


def footprints(graph: SceneGraph) -> dict:
    """``footprint_box`` of every object by id, and ``spot_box`` by ``("spot", id)`` (computed once
    per graph by callers that set up many questions)."""
    out: dict = {o.id: footprint_box(o) for o in graph.objects}
    out.update({("spot", o.id): spot_box(o) for o in graph.objects})
    return out


def setup(graph: SceneGraph, s_id: int, g_id: int, margin: float = PLAN_MARGIN,
          fps: dict | None = None) -> Setup:
    """The question's start, heading, goal and obstacle spaces on ``graph`` (``margin``: the
    planning inflation in radii, which also decides which spots beside S and G are free; ``fps``:
    precomputed ``footprints(graph)``)."""
    if not (graph.has(s_id) and graph.has(g_id)):
        raise Unanswerable("start or target object missing")
    r = RADIUS[graph.scale]
    ground = ground_of(graph)
    obst = [o for o in seen(graph) if o.box.bottom < ground + HEIGHT[graph.scale]
            and o.box.top > ground + STEP[graph.scale]]
    s, g = graph.object(s_id), graph.object(g_id)
    if graph.room and graph.room.get("floor_polygon"):
        poly = np.asarray(graph.room["floor_polygon"], dtype=np.float64)
        lo, hi = poly.min(axis=0), poly.max(axis=0)
    else:
        corners = np.concatenate([o.box.footprint() for o in graph.objects])
        lo, hi = corners.min(axis=0) - 4 * r, corners.max(axis=0) + 4 * r
    if fps is None:
        fps = footprints(graph)
    shapes = [fps[o.id] for o in obst]
    centers = [c for c, _, _ in shapes]
    sizes = [z for _, z, _ in shapes]
    yaws = [y for _, _, y in shapes]
    check = BoxSpace.from_boxes(lo - 2 * r, hi + 2 * r, centers, sizes, yaws, r)
    planning = BoxSpace.from_boxes(lo, hi, centers, sizes, yaws, margin * r)
    cs, cg = fps["spot", s.id][0], fps["spot", g.id][0]
    start = _beside(fps["spot", s.id], cg, STANDOFF * r, planning)
    goal = _beside(fps["spot", g.id], cs, STANDOFF * r, planning)
    d = cg - start
    robust = BoxSpace.from_boxes(lo - 2 * r, hi + 2 * r, centers, sizes, yaws, ROBUST * r)
    return Setup(start, math.atan2(d[1], d[0]), goal, s, g, check, planning, [o.id for o in obst], r, robust)


def _beside(fp: tuple[np.ndarray, np.ndarray, float], toward: np.ndarray, beyond: float,
            space: BoxSpace) -> np.ndarray:
    """Where the walker stands beside a footprint: the exit point towards ``toward``
    (``_exit_point``), or, when that spot is taken, the first free one with the direction turned by
    +15, -15, +30, ... up to 90 degrees (the direct spot when none is free)."""
    c = fp[0]
    d = toward - c
    base = math.atan2(d[1], d[0])
    first = _exit_point(fp, toward, beyond)
    for deg in BESIDE_DEG:
        a = base + math.radians(deg)
        p = first if deg == 0 else _exit_point(fp, c + np.array([math.cos(a), math.sin(a)]), beyond)
        if space.point_free(p):
            return p
    return first


def route(su: Setup, legs) -> np.ndarray:
    return execute_ground(su.start, su.heading, legs)


def landmark_side(poly: np.ndarray, k: int, centre: np.ndarray) -> str:
    p, q = poly[k], poly[k + 1]
    cross = (q[0] - p[0]) * (centre[1] - p[1]) - (q[1] - p[1]) * (centre[0] - p[0])
    return "left" if cross > 0 else "right"


def merge_straight(legs, round_dist) -> list[tuple[float, float]]:
    """Join a leg whose turn rounded to zero with the leg before it (one straight walk)."""
    out: list[tuple[float, float]] = []
    for t, d in legs:
        if out and t == 0:
            out[-1] = (out[-1][0], round_dist(out[-1][1] + d))
        else:
            out.append((t, d))
    return out


def valid(su: Setup, p: RoutePlan, graph: SceneGraph, robust: bool = False) -> bool:
    """Executed from this graph's start, the plan stays clear, reaches G and passes its landmarks
    on the stated sides. ``robust``: with half a radius to spare on clearance and on reach (the test
    a plan must pass on the estimated graph before it is stated)."""
    poly = route(su, p.legs)
    if not (su.robust if robust else su.check).path_free(poly):
        return False
    if footprint_distance(su.target, poly[-1]) > (REACH - (ROBUST - 1) * robust) * su.radius:
        return False
    for k, lm in enumerate(p.landmarks):
        if lm is None:
            continue
        if not graph.has(lm[0]) or landmark_side(poly, k, graph.object(lm[0]).box.center[:2]) != lm[1]:
            return False
    return True


class GroundRoute(VerifiedOptions, Task):
    """Shared machinery of route planning and navigation (module docstring)."""

    per_scene = 3
    with_landmarks = False

    def plan_holds_under_error(self, q: Question, graph: SceneGraph) -> bool:
        """The stated route keeps clear with every box off by its surfaces' position error: the
        route moves with the start spot (S's error) and turns with the heading towards G (S's and G's
        errors over the distance between them, carried along the route's length), obstacles move by
        the largest of their errors, and all of it fits in the radius and a half of room the route
        was stated with (``ROBUST``: half a radius to spare on clearance and on reach)."""
        s_id, g_id = q.objects[:2]
        su = setup(graph, s_id, g_id)
        poly = route(su, q.params["plan"].legs)
        err = {o.id: evidence_of(o).position_error for o in graph.objects}
        apart = float(np.linalg.norm(footprints(graph)["spot", g_id][0] - su.start))
        turn = (err[s_id] + err[g_id]) / max(apart, 1e-9)
        drift = err[s_id] + turn * path_length(poly) + max((err[i] for i in su.ids), default=0.0)
        return drift <= (ROBUST - 1) * su.radius

    # ------------------------------------------------------------------ planning on one graph
    def _plan(self, graph: SceneGraph, su: Setup, seed: int) -> RoutePlan | None:
        path = plan(su.planning, su.start, su.goal, np.random.default_rng(seed))
        if path is None:
            return None
        round_dist = stated_rounding(graph.scale.unit)
        for step in TURN_STEPS:
            legs = ground_actions(path, su.heading, lambda a, s=step: round(a / s) * s, round_dist)
            for cand in (merge_straight(legs, round_dist), legs):
                p = RoutePlan(tuple(cand))
                if self.with_landmarks:
                    p = RoutePlan(p.legs, self._landmarks(graph, su, p.legs))
                if valid(su, p, graph, robust=True):
                    return p
        return None

    def _landmarks(self, graph: SceneGraph, su: Setup, legs) -> tuple[tuple[int, str] | None, ...]:
        """Per leg, the plainly named object passed closest beside its middle part, if near enough."""
        poly = route(su, legs)
        names = nameable(graph)
        out: list[tuple[int, str] | None] = []
        for k in range(len(legs)):
            p, q = poly[k], poly[k + 1]
            seg = q - p
            L2 = float(seg @ seg)
            best = None
            for o in graph.objects:
                if o.id not in names or o.id in (su.source.id, su.target.id):
                    continue
                c = o.box.center[:2]
                t = float((c - p) @ seg) / L2 if L2 > 0 else 0.0
                if not 0.15 <= t <= 0.85:
                    continue
                dist = float(np.linalg.norm(p + t * seg - c))
                reach = o.box.width / 2 + 6 * su.radius
                if dist > reach or dist < 1e-6:
                    continue
                if best is None or dist < best[0]:
                    best = (dist, o.id, landmark_side(poly, k, c))
            out.append(None if best is None else (best[1], best[2]))
        return tuple(out)

    # ------------------------------------------------------------------ Task interface
    def candidates(self, graph: SceneGraph, rng: np.random.Generator) -> Iterator[Question]:
        ground = ground_of(graph) if graph.objects else 0.0
        standing = [o for o in askable(graph) if o.box.bottom < ground + 0.5 * HEIGHT[graph.scale]
                    and o.box.top > ground + STEP[graph.scale]]
        # two objects of one category would both be named by prompts that read alike
        cands = [(a, b) for a in standing for b in standing if a.category != b.category]
        runs = 0
        fps = footprints(graph)
        for s, g in shuffled(cands, rng):
            if runs >= MAX_RUNS:
                break
            seed = int(rng.integers(2**31 - 1))
            q, reason = self.make_question(graph, s.id, g.id, pick(self.forms, rng), seed, fps)
            runs += reason in PLANNED
            if q is None:
                self.dropped[reason] += 1
            else:
                yield q

    def make_question(self, graph: SceneGraph, s_id: int, g_id: int, form: str, seed: int,
                      fps: dict | None = None) -> tuple[Question | None, str]:
        """The question "from S to G" with its planned route (and verified distractors for mc), or
        None and the reason it cannot be asked."""
        fps = footprints(graph) if fps is None else fps
        try:
            su = setup(graph, s_id, g_id, fps=fps)
        except Unanswerable:
            return None, "degenerate start or target"
        if not (su.planning.point_free(su.start) and su.planning.point_free(su.goal)):
            return None, "start or goal crowded"
        for m in (PLAN_MARGIN - SPOT_SLACK, PLAN_MARGIN + SPOT_SLACK):
            other = setup(graph, s_id, g_id, m, fps)
            if not (np.allclose(other.start, su.start) and np.allclose(other.goal, su.goal)
                    and other.planning.point_free(other.start) and other.planning.point_free(other.goal)):
                return None, "start or goal spot ambiguous"
        if float(np.linalg.norm(fps["spot", g_id][0] - su.start)) < NEAR * su.radius:
            # the heading towards G would swing with small errors in where S and G are
            return None, "start too close to the target"
        if su.planning.segment_free(su.start, su.goal):
            return None, "straight line is free"
        p = self._plan(graph, su, seed)
        if p is None:
            return None, "no collision-free route"
        if self.with_landmarks and not any(lm is not None for lm in p.landmarks):
            return None, "no landmark beside the route"
        q = Question(self.name, form, "route", objects=[s_id, g_id], params={"seed": seed, "plan": p})
        vary = lambda x: self._distractors(graph, su, x)  # noqa: E731
        return self.with_distractors(q, lambda: centred(p, vary, self.layout_for(np.random.default_rng(seed)),
                                                        np.random.default_rng(seed)))

    def answer(self, q: Question, graph: SceneGraph) -> Facts:
        su = setup(graph, q.objects[0], q.objects[1])
        value: RoutePlan = self.plan_on(q.params["plan"], lambda p: valid(su, p, graph),
                                        lambda: self._plan(graph, su, int(q.params["seed"])), "route")
        poly = route(su, value.legs)
        blockers = [i for i, h in zip(su.ids, su.check.hits(su.start, su.goal)) if h]
        names = nameable(graph)
        blocked = sorted({f"the {graph.object(i).category}" for i in blockers if i in names
                          and i not in q.objects}) or ["an obstacle"]
        turns = sum(1 for t, _ in value.legs if abs(t) >= 0.5)
        return Facts(value, {"len_path": path_length(poly), "len_straight": float(np.linalg.norm(su.goal - su.start)),
                             "n_legs": len(value.legs), "n_turns": turns, "blocked_by": " and ".join(blocked)})

    def describe(self, q, option: RoutePlan, graph: SceneGraph) -> str:
        parts = []
        for k, (turn, fwd) in enumerate(option.legs):
            step = ""
            if abs(turn) >= 0.5:
                step = f"turn {'left' if turn > 0 else 'right'} {format_number(abs(turn))} degrees, then "
            step += f"go forward {length_text(fwd, graph.scale)}"
            lm = option.landmarks[k] if k < len(option.landmarks) else None
            if lm is not None and graph.has(lm[0]):
                step += f" passing the {graph.object(lm[0]).category} on your {lm[1]}"
            parts.append(step)
        return sentence(", ".join(parts))

    def _distractors(self, graph: SceneGraph, su: Setup, p: RoutePlan) -> list[RoutePlan]:
        """Variations of ``p`` that are invalid on ``graph`` (collide or miss G), text-distinct."""
        legs = list(p.legs)
        rd = stated_rounding(graph.scale.unit)
        straight = float(np.linalg.norm(su.goal - su.start))
        cands: list[list[tuple[float, float]]] = [
            [(-t, d) for t, d in legs],
            [(0.0, rd(straight))],
            [(-legs[0][0], legs[0][1])] + legs[1:],
            legs[:-1] + [(-legs[-1][0], legs[-1][1])],
            legs[:-1] + [(legs[-1][0], rd(legs[-1][1] * 0.5))],
            legs[:-1] + [(legs[-1][0], rd(legs[-1][1] * 1.6))],
            [(legs[0][0], rd(legs[0][1] * 1.8))] + legs[1:],
            [(legs[0][0] - 45 if legs[0][0] < 0 else legs[0][0] + 45, legs[0][1])] + legs[1:],
            list(reversed(legs)),
        ]
        shown = {self.describe(None, p, graph)}
        out: list[RoutePlan] = []
        for c in cands:
            if not c:
                continue
            c = [(float(t), float(d)) for t, d in c if d > 0]
            cp = RoutePlan(tuple(c), self._landmarks(graph, su, c) if self.with_landmarks else ())
            text = self.describe(None, cp, graph)
            if text in shown or valid(su, cp, graph):
                continue
            shown.add(text)
            out.append(cp)
        return out


@TASKS.register("route_planning")
class RoutePlanning(GroundRoute):
    """Walking route (turns and forward legs) from one object to another around obstacles."""

    original_type = "ROUTE_PLANNING"
    needs_exact_obstacles = True
    scales = (Scale.INDOOR, Scale.DRONE)
    forms = ("mc",)
