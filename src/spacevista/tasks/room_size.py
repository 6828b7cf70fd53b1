"""Room size (indoor): floor area of the room, or its volume (floor area x ceiling height)."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from spacevista.geometry.polygons import polygon_area
from spacevista.graph import SceneGraph
from spacevista.scene import Scale
from spacevista.tasks.base import TASKS, Facts, Question, Task, Unanswerable
from spacevista.tasks.common import pick


def room_measures(graph: SceneGraph) -> tuple[float, float]:
    """(floor area m², ceiling height m) from the graph's room: an exact polygon or an estimate."""
    room = graph.room
    if not room:
        raise Unanswerable("room extent unknown")
    if "floor_polygon" in room:
        area = polygon_area(np.asarray(room["floor_polygon"], dtype=float))
    elif "floor_area" in room:
        area = float(room["floor_area"])
    else:
        raise Unanswerable("room has no floor measure")
    return area, float(room["ceiling_height"])


@TASKS.register("room_size")
class RoomSize(Task):
    """Floor area of the room in m² (kind "area") or its volume in m³ (kind "volume")."""

    original_type = "ROOM_SIZE"
    from_annotation = True
    #: the share of the floor's outline a seen wall must close (``geometry.room.room_extent``): a
    #: room seen whole closes 90% or more of it (the rest runs along furniture whose wall was hidden),
    #: a room seen in part leaves open stretches where the floor seen ends
    room_coverage = 0.85
    scales = (Scale.INDOOR,)
    min_ratio = 1.3

    def quantity_of(self, q: Question) -> str:
        return q.kind

    def candidates(self, graph: SceneGraph, rng: np.random.Generator) -> Iterator[Question]:
        try:
            room_measures(graph)
        except Unanswerable:
            return
        kind = "area" if rng.random() < 0.5 else "volume"
        yield Question(self.name, pick(self.forms, rng), kind)

    def answer(self, q: Question, graph: SceneGraph) -> Facts:
        area, height = room_measures(graph)
        value = area if q.kind == "area" else area * height
        return Facts(value, {"area_floor": area, "len_height": height,
                             ("area_value" if q.kind == "area" else "vol_value"): value})

    def choices(self, q, facts, graph, rng):
        return self.numeric_choices(q, facts.value, graph, rng)
