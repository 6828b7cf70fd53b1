"""Destination location (tabletop): where A goes when it is placed left/right/in front of/behind/on B.

The destination is A's centre after "place A <relation> B" in the ground frame of frame k, as
defined in ``placement.destination`` (beside B's face with a gap of a quarter of A's extent, or
resting on B's top centre: B's top + half A's height).

Numerical ("distance"): how far A's centre moves, start to destination (3-D, metres).
Multiple choice ("direction"): in which of eight ground directions A must be moved (right, left,
forward = away from the camera of frame k, back = towards it, and the four diagonals); asked only
when the horizontal move is longer than A and at least ``BORDER_DEG`` from a sector border.
A question is dropped when the destination is occupied by another object.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from spacevista.evidence import evidence_of
from spacevista.graph import SceneGraph
from spacevista.tasks.base import TASKS, Facts, Question
from spacevista.tasks.common import pick
from spacevista.tasks.placement import (BORDER_DEG, CLEARANCE, MOVE_WORDS, RELATIONS, PlacingTask, destination,
                                        direction_label, ground_frame, local_box, object_pairs, occupied, require,
                                        wrong_directions)


def placement_facts(graph: SceneGraph, q: Question) -> tuple[np.ndarray, np.ndarray, dict]:
    """Start and destination of A in the ground frame of the question's frame, with stated facts."""
    require(graph, q.objects)
    R = ground_frame(graph, q.frames[0])
    la = local_box(graph.object(q.objects[0]), R)
    lb = local_box(graph.object(q.objects[1]), R)
    dest = destination(la, lb, q.params["relation"], CLEARANCE[graph.scale])
    move = dest - la.center
    facts = {"len_move": float(np.linalg.norm(move)), "len_du": abs(float(move[0])),
             "dir_u": "right" if move[0] > 0 else "left", "len_dv": abs(float(move[1])),
             "dir_v": "forward" if move[1] > 0 else "back", "len_dw": abs(float(move[2])),
             "len_b_top": float(lb.hi[2] - lb.lo[2]), "len_a_half": float(la.half[2])}
    return la.center, dest, facts


@TASKS.register("destination_location")
class DestinationLocation(PlacingTask):
    """Target point of "place A left/right/in front of/behind/on top of B"."""

    original_type = "DESTINATION_LOCATION"
    spread_has_error = True

    def candidates(self, graph: SceneGraph, rng: np.random.Generator) -> Iterator[Question]:
        for a, b, frame in object_pairs(graph, rng, 3 * self.per_scene, self.dropped):
            relation = pick(RELATIONS, rng)
            form = pick(self.forms, rng)
            q = Question(self.name, form, "distance" if form == "numerical" else "direction",
                         objects=[a.id, b.id], frames=[frame], params={"relation": relation})
            start, dest, _ = placement_facts(graph, q)
            R = ground_frame(graph, frame)
            la = local_box(a, R)
            if occupied(graph, R, a.id, dest, la.half):
                self.dropped["destination occupied"] += 1
                continue
            move = dest - start
            if float(np.linalg.norm(move)) < float(la.half.max()):
                self.dropped["already there"] += 1
                continue
            if form == "mc":
                if float(np.linalg.norm(move[:2])) < 2 * float(la.half[:2].max()):
                    self.dropped["horizontal move too short"] += 1
                    continue
                if direction_label(move)[1] < BORDER_DEG:
                    self.dropped["direction near a sector border"] += 1
                    continue
            yield q

    def chooses_number(self, q: Question) -> bool:
        return q.kind != "direction"

    def unseen_spread(self, q: Question, graph: SceneGraph) -> float:
        """How far the move could change because A's and B's measured boxes may be off (estimated
        depth and masks; 0 for exact input): their surfaces' position errors plus what their
        extents' errors move the destination by, relative to the move's length; a direction that
        this much offset could turn across a sector border could flip (inf)."""
        a, b = (graph.object(o) for o in q.objects[:2])
        ea, eb = evidence_of(a), evidence_of(b)
        off = ea.position_error + eb.position_error + 0.5 * (float(np.max(a.box.size)) * ea.error
                                                             + float(np.max(b.box.size)) * eb.error)
        if off == 0.0:
            return 0.0
        start, dest, _ = placement_facts(graph, q)
        move = dest - start
        if q.kind == "distance":
            length = float(np.linalg.norm(move))
            return off / length if length > 0 else float("inf")
        across = float(np.linalg.norm(move[:2]))
        if across <= off:
            return float("inf")
        turn = float(np.degrees(np.arcsin(off / across)))
        return float("inf") if turn >= direction_label(move)[1] else 0.0

    def answer(self, q: Question, graph: SceneGraph) -> Facts:
        start, dest, facts = placement_facts(graph, q)
        if q.kind == "distance":
            return Facts(facts["len_move"], facts)
        label, _ = direction_label(dest - start)
        return Facts(label, {**facts, "move_words": MOVE_WORDS[label]})

    def choices(self, q, facts, graph, rng):
        if q.kind == "direction":
            return wrong_directions(facts.value, rng)
        return self.numeric_choices(q, facts.value, graph, rng)

    def describe(self, q, option, graph):
        return MOVE_WORDS[option]
