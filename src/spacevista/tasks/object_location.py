"""Object location (tabletop): where an object is relative to another, in a frame's ground frame.

Multiple choice ("direction"): which of eight ground directions (right, behind-right, behind, ...;
"behind" = farther from the camera of frame k, "in front" = closer) points from B's centre to A's
centre, in the ground frame of frame k (see ``placement``). Asked only when the direction is at least
``BORDER_DEG`` from a sector border and the centres are apart by more than the objects' size.

Numerical ("offset"): how far A's centre lies to the left/right (or in front/behind) of B's centre
along that one axis of frame k's ground frame; the question names the side found on the estimated
graph, and the answer is the signed offset towards that side (negative if the exact scene disagrees).
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from spacevista.evidence import centre_shift
from spacevista.graph import SceneGraph
from spacevista.tasks.base import TASKS, Facts, Question, Task
from spacevista.tasks.placement import (BORDER_DEG, PLACE_WORDS, RELATION_WORDS, TABLETOP_SCALES, direction_angle,
                                        direction_label, ground_frame, local_box, object_pairs, require,
                                        wrong_directions)

#: an offset is asked only when it is at least this fraction of the horizontal centre distance
MIN_OFFSET_FRACTION = 0.5
SIDES = {"left": (0, -1), "right": (0, 1), "front": (1, -1), "behind": (1, 1)}
#: option text of a direction (A relative to B)
OPTION_TEXT = {"right": "to the right", "behind-right": "behind and to the right",
               "behind": "behind (farther from the camera)",
               "behind-left": "behind and to the left", "left": "to the left",
               "front-left": "in front and to the left", "front": "in front (closer to the camera)",
               "front-right": "in front and to the right"}


@TASKS.register("object_location")
class ObjectLocation(Task):
    """Position of object A relative to object B in the ground frame of a stated frame."""

    original_type = "OBJECT_LOCATION"
    spread_has_error = True
    scales = TABLETOP_SCALES
    forms = ("mc", "numerical")

    def candidates(self, graph: SceneGraph, rng: np.random.Generator) -> Iterator[Question]:
        for a, b, frame in object_pairs(graph, rng, 3 * self.per_scene, self.dropped):
            R = ground_frame(graph, frame)
            la, lb = local_box(a, R), local_box(b, R)
            vec = la.center - lb.center
            dist = float(np.linalg.norm(vec[:2]))
            size = float(max(la.half[:2].max(), lb.half[:2].max()))
            if dist < 2 * size:
                self.dropped["objects too close"] += 1
                continue
            if rng.random() < 0.5:
                label, margin = direction_label(vec)
                if margin < BORDER_DEG:
                    self.dropped["direction near a sector border"] += 1
                    continue
                yield Question(self.name, "mc", "direction", objects=[a.id, b.id], frames=[frame])
            else:
                axis = int(rng.integers(2))
                off = float(vec[axis])
                if abs(off) < MIN_OFFSET_FRACTION * dist or abs(off) < size:
                    self.dropped["offset too small"] += 1
                    continue
                side = ("right" if off > 0 else "left") if axis == 0 else ("behind" if off > 0 else "front")
                yield Question(self.name, "numerical", "offset", objects=[a.id, b.id], frames=[frame],
                               params={"side": side})

    def chooses_number(self, q: Question) -> bool:
        return q.kind != "direction"

    def unseen_spread(self, q: Question, graph: SceneGraph) -> float:
        """Offsets and directions run between centres, which an object seen from one side may have
        further back: relative to the offset (numerical), or inf when the shift could cross a
        direction sector's border (multiple choice)."""
        a, b = (graph.object(o) for o in q.objects)
        shift = centre_shift(a) + centre_shift(b)
        if shift == 0.0:
            return 0.0
        R = ground_frame(graph, q.frames[0])
        vec = local_box(a, R).center - local_box(b, R).center
        if q.kind == "direction":
            _, margin = direction_label(vec)
            reach = float(np.degrees(np.arcsin(min(1.0, shift / max(float(np.linalg.norm(vec[:2])), 1e-9)))))
            return 0.0 if reach < margin else float("inf")
        axis, sign = SIDES[q.params["side"]]
        return shift / max(abs(float(vec[axis])), 1e-9)

    def answer(self, q: Question, graph: SceneGraph) -> Facts:
        require(graph, q.objects)
        R = ground_frame(graph, q.frames[0])
        la, lb = local_box(graph.object(q.objects[0]), R), local_box(graph.object(q.objects[1]), R)
        vec = la.center - lb.center
        facts = {"len_du": abs(float(vec[0])), "side_u": "right" if vec[0] > 0 else "left",
                 "len_dv": abs(float(vec[1])), "side_v": "farther from" if vec[1] > 0 else "closer to",
                 "deg_angle": round(direction_angle(vec) % 360.0, 1)}
        if q.kind == "direction":
            label, _ = direction_label(vec)
            return Facts(label, {**facts, "where": PLACE_WORDS[label]})
        axis, sign = SIDES[q.params["side"]]
        value = sign * float(vec[axis])
        return Facts(value, {**facts, "len_value": value})

    def choices(self, q, facts, graph, rng):
        if q.kind == "direction":
            return wrong_directions(facts.value, rng)
        return self.numeric_choices(q, abs(facts.value), graph, rng)

    def describe(self, q, option, graph):
        return OPTION_TEXT[option]

    def extra_slots(self, q: Question, graph: SceneGraph) -> dict:
        side = q.params.get("side")
        return {"side": RELATION_WORDS[side]} if side else {}
