"""Area estimation (drone): footprint area of an object on the ground plane."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from spacevista.geometry.ground import ground_hull_area
from spacevista.geometry.boxes import points_in_box
from spacevista.evidence import measure_bounds, spread
from spacevista.graph import SceneGraph
from spacevista.scene import Scale
from spacevista.tasks.base import TASKS, Facts, Question, Task, Unanswerable
from spacevista.tasks.common import askable, pick, sample


@TASKS.register("area_estimation")
class AreaEstimation(Task):
    """Ground-plane footprint area (convex hull of the object's projection) in square metres."""

    original_type = "AREA"
    from_annotation = True
    evidence = {"*": ""}
    measures_extent = True
    scales = (Scale.DRONE,)
    quantity = "area"
    min_ratio = 1.4
    max_ratio = 4.0

    def candidates(self, graph: SceneGraph, rng: np.random.Generator) -> Iterator[Question]:
        """The areas of ``per_scene`` objects drawn at random; with the gates on (``self.gate``),
        one the gates refuse (counted) is replaced by an object past the draw, in id order: a
        drone capture holds a handful of flat objects, and the rng goes on to word the questions."""
        objs = askable(graph, min_views=2)
        drawn_objs = sample(objs, self.per_scene, rng)
        ids = {o.id for o in drawn_objs}
        rest = [o for o in objs if o.id not in ids] if self.gate is not None else []
        form = None
        for o in drawn_objs + rest:
            if o.id in ids:
                drawn = pick(self.forms, rng)
                form = form or drawn  # every question in the form of the first: whole rank cycles
            q = Question(self.name, form or self.forms[0], "footprint", objects=[o.id])
            reason = self.gate(q) if self.gate is not None else None
            choice = self.as_choice(q) if reason is not None else None
            if choice is not None and self.gate(choice) is None:
                reason = None  # asked as that choice (engine.scene.questions)
            if reason is not None:
                self.refuse(reason)
                continue
            yield q

    def chooses_number(self, q: Question) -> bool:
        return True

    def unseen_spread(self, q: Question, graph: SceneGraph) -> float:
        """What unseen parts could add to the footprint. The area is the hull of the object's
        points; with estimated masks the gates ask it only of an object seen whole in
        ``gates.CLEAN_VIEWS`` views or more, since one view's mask may be a fragment that looks
        whole (``benchmarks/whole_views.py``)."""
        return spread(measure_bounds(graph.object(q.objects[0]), "footprint", with_error=False))

    def answer(self, q: Question, graph: SceneGraph) -> Facts:
        if not graph.has(q.objects[0]):
            raise Unanswerable("object missing")
        o = graph.object(q.objects[0])
        # the hull of the points inside the object's box: stray noisy points (whose trimmed extent
        # the box already ignores) must not stretch the outline
        inside = points_in_box(o.points, o.box.center, o.box.size, o.box.yaw, tol=0.02 * o.box.longest)
        area = ground_hull_area(o.points[inside] if inside.sum() >= 3 else o.points)
        return Facts(area, {"area_value": area, "len_x": float(o.box.size[0]), "len_y": float(o.box.size[1])})

    def choices(self, q, facts, graph, rng):
        return self.numeric_choices(q, facts.value, graph, rng)
