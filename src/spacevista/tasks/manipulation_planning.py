"""Manipulation planning (tabletop): the moves that carry A to "left/right/in front of/behind/on top
of B" without touching anything.

Geometry, in the ground frame of frame k (``placement``: u = camera right on the ground, v = away
from the camera on the ground, w = up), with every object replaced by its ground-frame axis-aligned
box:

* A's centre starts at its box centre and must end at the destination of the relation
  (``placement.destination``). A is carried without turning, so the obstacles for its centre are
  the other objects' boxes grown by A's half extents (the exact Minkowski sum of two axis-aligned
  boxes), and A may not go below the lower of its start and destination heights (the table).
* The path is planned with RRT-Connect in 3-D among obstacles grown by a further ``MARGIN`` of A's
  half extents plus the scale's ``CLEARANCE``, from a point lifted clear of the start's support to
  the same point above the destination, then shortcut and turned into axis-parallel moves (each segment replaced
  by a free staircase: lift first, lower last). Moves are rounded closed-loop to the three
  significant figures the text states.
* Obstacles are the objects the video shows (``placement.seen``).
* A move sequence is valid on a graph when, executed from A's centre in that graph, it touches no
  obstacle (grown by A's exact half extents) and ends within ``REACH`` x A's half extents (plus half
  the clearance) of the destination on every axis. A final "lower it" stops where A touches down,
  as placing an object does.

Words: "move it left/right" (-u/+u), "move it forward/back" (+v away from the camera / -v towards it),
"lift it"/"lower it" (+w/-w). Multiple-choice distractors are variations of the answer (left and
right swapped, forward and back swapped, lifts dropped or halved, the last move halved, the two
horizontal directions exchanged), each executed and kept only when invalid on the estimated graph.
The exact answer follows route planning: the estimated plan when it is valid in the exact scene,
else a plan made on the exact graph, whose option is the one valid there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np

from spacevista.evidence import evidence_of
from spacevista.geometry.paths import axis_moves, axis_path, execute_moves, merge_axis
from spacevista.geometry.rrt import BoxSpace, path_length, plan
from spacevista.graph import SceneGraph
from spacevista.tasks.balance import centred
from spacevista.tasks.base import TASKS, Facts, Question
from spacevista.tasks.common import VerifiedOptions, nameable, pick
from spacevista.tasks.placement import (CLEARANCE, RELATIONS, PlacingTask, destination, ground_frame, local_box,
                                        object_pairs, occupied, require, seen)
from spacevista.tasks.wording import length_text, sentence, stated_rounding

MARGIN = 0.15
LIFT = 0.3
REACH = 0.75
WORDS = {(0, 1): "move it right", (0, -1): "move it left", (1, 1): "move it forward",
         (1, -1): "move it back", (2, 1): "lift it", (2, -1): "lower it"}


@dataclass(frozen=True)
class MovePlan:
    """Axis moves ``(axis, delta_m)`` in the ground frame; ``checker`` as in ``RoutePlan``."""

    moves: tuple[tuple[int, float], ...]
    checker: Callable[["MovePlan"], bool] | None = field(default=None, compare=False, hash=False, repr=False)


@dataclass
class Setup:
    start: np.ndarray
    goal: np.ndarray
    half: np.ndarray
    check: BoxSpace
    planning: BoxSpace
    ids: list[int]
    clear: float
    #: how far (m) the boxes may sit from where the graph puts them: obstacles grow by it and the
    #: end must come that much closer to the destination (0 on exact input)
    spare: float = 0.0


def setup(graph: SceneGraph, q: Question, spare: float = 0.0) -> Setup:
    """The question's start, destination and obstacle spaces on ``graph``; ``spare`` (m) grows the
    obstacles of the validity check and narrows the reach of the destination (see ``Setup``)."""
    require(graph, q.objects)
    a_id, b_id = q.objects
    R = ground_frame(graph, q.frames[0])
    la, lb = local_box(graph.object(a_id), R), local_box(graph.object(b_id), R)
    goal = destination(la, lb, q.params["relation"], CLEARANCE[graph.scale])
    others = [o for o in seen(graph) if o.id != a_id]
    boxes = [local_box(o, R) for o in others]
    centers = np.stack([b.center for b in boxes]) if boxes else np.zeros((0, 3))
    sizes = np.stack([2 * b.half for b in boxes]) if boxes else np.zeros((0, 3))
    allc = np.concatenate([centers, la.center[None], goal[None]])
    alls = np.concatenate([sizes, [2 * la.half, 2 * la.half]])
    lo = (allc - alls / 2).min(axis=0) - 2 * la.half
    hi = (allc + alls / 2).max(axis=0) + 2 * la.half
    lo[2] = min(la.center[2], goal[2])
    hi[2] = max(hi[2], max(la.center[2], goal[2]) + 4 * la.half[2])
    yaws = np.zeros(len(boxes))
    check = BoxSpace.from_boxes(lo - np.array([0, 0, REACH * la.half[2]]), hi, centers, sizes, yaws,
                                la.half + spare)
    clear = CLEARANCE[graph.scale]
    planning = BoxSpace.from_boxes(lo, hi, centers, sizes, yaws, la.half * (1 + MARGIN) + clear)
    return Setup(la.center, goal, la.half, check, planning, [o.id for o in others], clear, spare)


def execute(su: Setup, p: MovePlan) -> np.ndarray:
    """The executed path; a final "lower it" ends where A first touches down (placing an object
    stops at contact), so only the moves before it can collide."""
    poly = execute_moves(su.start, p.moves)
    if p.moves and p.moves[-1][0] == 2 and p.moves[-1][1] < 0:
        a, b = poly[-2], poly[-1]
        lo, hi = 0.0, 1.0
        if not su.check.segment_free(a, b):
            for _ in range(30):
                mid = (lo + hi) / 2
                if su.check.segment_free(a, a + mid * (b - a)):
                    lo = mid
                else:
                    hi = mid
            poly = poly.copy()
            poly[-1] = a + lo * (b - a)
    return poly


def valid(su: Setup, p: MovePlan) -> bool:
    """Executed from A's centre: no collision, and the end within ``REACH`` of the destination."""
    poly = execute(su, p)
    if not su.check.path_free(poly):
        return False
    return bool(np.all(np.abs(poly[-1] - su.goal) <= REACH * su.half + su.clear / 2 - su.spare))


@TASKS.register("manipulation_planning")
class ManipulationPlanning(VerifiedOptions, PlacingTask):
    """Lift / move / lower steps that carry an object to a place beside or on another object."""

    original_type = "MANIPULATION_PLANNING"
    needs_exact_obstacles = True
    #: the moves are sized on both boxes (lift over A's height, put down beside B's face): neither
    #: may be cut or hidden in every view
    evidence = {"*": ""}
    forms = ("mc", "text")
    per_scene = 3

    def plan_holds_under_error(self, q: Question, graph: SceneGraph) -> bool:
        """The stated moves stay valid with every box off by its surfaces' position error: obstacles
        grown by A's error plus the largest of the others', the destination (placed from B) reached
        with that much less play."""
        a_id = q.objects[0]
        errors = [evidence_of(o).position_error for o in seen(graph) if o.id != a_id]
        spare = evidence_of(graph.object(a_id)).position_error + max(errors, default=0.0)
        return valid(setup(graph, q, spare), q.params["plan"])

    def _plan(self, graph: SceneGraph, su: Setup, seed: int) -> MovePlan | None:
        up = np.array([0.0, 0.0, (MARGIN + LIFT) * su.half[2] + 1.5 * su.clear])
        s1, g1 = su.start + up, su.goal + up
        if not (su.check.segment_free(su.start, s1) and su.check.segment_free(g1, su.goal)):
            return None
        path = plan(su.planning, s1, g1, np.random.default_rng(seed))
        if path is None:
            return None
        stairs = axis_path(su.planning, path)
        if stairs is None:
            return None
        full = np.concatenate([su.start[None], stairs, su.goal[None]])
        p = MovePlan(tuple(axis_moves(merge_axis(full), stated_rounding(graph.scale.unit))))
        return p if valid(su, p) else None

    def candidates(self, graph: SceneGraph, rng: np.random.Generator) -> Iterator[Question]:
        for a, b, frame in object_pairs(graph, rng, 4 * self.per_scene, self.dropped):
            relation = pick(RELATIONS, rng)
            seed = int(rng.integers(2**31 - 1))
            q, reason = self.make_question(graph, a.id, b.id, relation, frame, pick(self.forms, rng), seed)
            if q is None:
                self.dropped[reason] += 1
            else:
                yield q

    def make_question(self, graph: SceneGraph, a_id: int, b_id: int, relation: str, frame: int, form: str,
                      seed: int) -> tuple[Question | None, str]:
        """"Place A <relation> B" with its planned moves (and verified distractors for mc), or None
        and the reason it cannot be asked."""
        q = Question(self.name, form, "move", objects=[a_id, b_id], frames=[frame],
                     params={"relation": relation, "seed": seed})
        su = setup(graph, q)
        if occupied(graph, ground_frame(graph, frame), a_id, su.goal, su.half):
            return None, "destination occupied"
        if np.all(np.abs(su.goal - su.start) <= REACH * su.half):
            return None, "already there"
        p = self._plan(graph, su, seed)
        if p is None:
            return None, "no collision-free plan"
        q.params["plan"] = p
        vary = lambda x: self._distractors(graph, su, x)  # noqa: E731
        return self.with_distractors(q, lambda: centred(p, vary, self.layout_for(np.random.default_rng(seed)),
                                                        np.random.default_rng(seed)))

    def answer(self, q: Question, graph: SceneGraph) -> Facts:
        su = setup(graph, q)
        value: MovePlan = self.plan_on(q.params["plan"], lambda p: valid(su, p),
                                       lambda: self._plan(graph, su, int(q.params["seed"])), "plan")
        poly = execute(su, value)
        hits = su.check.hits(su.start, su.goal)
        names = nameable(graph)
        blockers = sorted({f"the {graph.object(i).category}" for i, h in zip(su.ids, hits) if h and i in names})
        lift = sum(d for ax, d in value.moves if ax == 2 and d > 0)
        if blockers:
            blocked = "a straight move would hit " + " and ".join(blockers)
        else:
            blocked = "a straight move would hit something" if hits.any() else "a straight move is clear"
        return Facts(value, {"len_path": path_length(poly), "n_moves": len(value.moves), "len_lift": lift,
                             "len_straight": float(np.linalg.norm(su.goal - su.start)), "blocked": blocked})

    def describe(self, q, option: MovePlan, graph: SceneGraph) -> str:
        parts = [f"{WORDS[(ax, 1 if d > 0 else -1)]} {length_text(abs(d), graph.scale)}" for ax, d in option.moves]
        text = ", ".join(parts[:-1]) + (", then " if len(parts) > 1 else "") + parts[-1]
        return sentence(text)

    def _distractors(self, graph: SceneGraph, su: Setup, p: MovePlan) -> list[MovePlan]:
        rd = stated_rounding(graph.scale.unit)
        m = list(p.moves)
        horiz = [i for i, (ax, _) in enumerate(m) if ax < 2]
        cands = [
            [(ax, -d if ax == 0 else d) for ax, d in m],
            [(ax, -d if ax == 1 else d) for ax, d in m],
            [(ax, d) for ax, d in m if ax < 2],
            [(ax, rd(d * 0.4) if ax == 2 else d) for ax, d in m],
            [(ax, -d if ax < 2 else d) for ax, d in m],
            [((1 - ax) if ax < 2 else ax, d) for ax, d in m],
        ]
        if horiz:
            k = horiz[-1]
            cands.append(m[:k] + [(m[k][0], rd(m[k][1] * 0.5))] + m[k + 1:])
            cands.append(m[:k] + [(m[k][0], rd(m[k][1] * 1.8))] + m[k + 1:])
        shown = {self.describe(None, p, graph)}
        out: list[MovePlan] = []
        for c in cands:
            c = [(int(ax), float(d)) for ax, d in c if d != 0]
            if not c:
                continue
            cp = MovePlan(tuple(c))
            text = self.describe(None, cp, graph)
            if text in shown or valid(su, cp):
                continue
            shown.add(text)
            out.append(cp)
        return out
