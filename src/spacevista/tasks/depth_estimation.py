"""Depth estimation: distance along the optical axis from a frame's camera to an object."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from spacevista.graph import SceneGraph
from spacevista.tasks.base import TASKS, Facts, Question, Task, Unanswerable
from spacevista.tasks.common import MIN_PIXELS, askable, differs, pick, sample


@TASKS.register("depth_estimation")
class DepthEstimation(Task):
    """Numerical: z-distance from the camera of frame k to the object's closest visible point.
    Multiple choice: which of several objects is nearest to the camera in frame k."""

    original_type = "DEPTH"
    from_annotation = True

    def candidates(self, graph: SceneGraph, rng: np.random.Generator) -> Iterator[Question]:
        objs = askable(graph)
        for obj in sample(objs, self.per_scene, rng):
            frames = [f for f, v in obj.views.items() if v.pixels >= MIN_PIXELS]
            if not frames:
                continue
            frame = pick(frames, rng)
            if rng.random() < 0.5:
                yield Question(self.name, "numerical", "depth", objects=[obj.id], frames=[frame])
                continue
            # mc: the others must also be visible in that frame and clearly farther
            others = [o for o in objs if o.id != obj.id and frame in o.views and o.category != obj.category]
            nearest = min([obj] + others, key=lambda o: o.views[frame].min_depth)
            others = [o for o in others if differs(o.views[frame].min_depth, nearest.views[frame].min_depth, 0.15)
                      and o.id != nearest.id]
            by_cat: dict[str, int] = {}
            for o in others:
                by_cat.setdefault(o.category, o.id)
            if len(by_cat) < 3 or nearest.category in by_cat:
                continue
            chosen = sample(sorted(by_cat.values()), 3, rng) + [nearest.id]
            yield Question(self.name, "mc", "nearest", objects=[], frames=[frame],
                           params={"candidates": sorted(chosen),
                                   "semantics": sorted(graph.object(i).category for i in chosen)})

    def answer(self, q: Question, graph: SceneGraph) -> Facts:
        frame = q.frames[0]
        if q.kind == "depth":
            oid = q.objects[0]
            if not graph.has(oid) or frame not in graph.object(oid).views:
                raise Unanswerable("object not visible in that frame")
            d = graph.object(oid).views[frame].min_depth
            return Facts(d, {"len_value": d})
        depths = {}
        for oid in q.params["candidates"]:
            if graph.has(oid) and frame in graph.object(oid).views:
                depths[oid] = graph.object(oid).views[frame].min_depth
        if not depths:
            raise Unanswerable("no candidate visible")
        best = min(depths, key=depths.get)
        listing = "; ".join(f"{graph.object(o).category} about {depths[o]:.3g} m" for o in sorted(depths))
        return Facts(best, {"listing": listing, "nearest": graph.object(best).category})

    def choices(self, q, facts, graph, rng):
        return [c for c in q.params["candidates"] if c != facts.value]

    def label_options(self, q: Question) -> bool:
        return q.kind == "nearest"

    def describe(self, q, option, graph):
        return graph.object(option).category

