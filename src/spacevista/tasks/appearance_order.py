"""Appearance order: the order in which objects first appear in the video.

An object "appears" in the first frame where its visible mask passes the 20x20 px rule; the
scene graph's views already apply that rule, so the first appearance is ``GraphObject.first_frame``.
"""

from __future__ import annotations

import itertools
from typing import Iterator

import numpy as np

from spacevista.graph import SceneGraph
from spacevista.tasks.base import TASKS, ChoiceTask, Facts, Question, Unanswerable
from spacevista.tasks.common import askable, sample, shuffled, unique_named
from spacevista.tasks.wording import join_and

#: two objects whose first appearances are fewer frames apart than this count as a tie
MIN_FRAME_GAP = 1


@TASKS.register("appearance_order")
class AppearanceOrder(ChoiceTask):
    """Order of first appearance of 3-4 named objects; options are orderings."""

    original_type = "APPEAR_ORDER"
    per_scene = 2

    def candidates(self, graph: SceneGraph, rng: np.random.Generator) -> Iterator[Question]:
        named = unique_named(graph, askable(graph))
        # first appearances must differ: keep one object per first frame (ties are dropped)
        by_first: dict[int, list] = {}
        for o in shuffled(named, rng):
            by_first.setdefault(o.first_frame, []).append(o)
        pool = [objs[0] for _, objs in sorted(by_first.items())]
        self.dropped["tie"] += len(named) - len(pool)
        if len(pool) < 3:
            self.dropped["few_distinct_first_frames"] += 1
            return
        seen: set[tuple[int, ...]] = set()
        for _ in range(4 * self.per_scene):
            n = min(3 + int(rng.integers(2)), len(pool))
            group = sample(pool, n, rng)
            firsts = sorted(o.first_frame for o in group)
            if any(b - a < MIN_FRAME_GAP for a, b in zip(firsts, firsts[1:])):
                self.dropped["tie"] += 1
                continue
            key = tuple(sorted(o.id for o in group))
            if key in seen:
                continue
            seen.add(key)
            yield Question(self.name, "mc", "order", params={
                "candidates": [o.id for o in group], "semantics": [o.category for o in group]})

    def unseen_spread(self, q: Question, graph: SceneGraph) -> float:
        """With estimated masks a detector misses objects that enter the frame small or cut: inf when
        a candidate's box already projects into the frame where an earlier candidate first appears,
        where a missed detection would have hidden its real first appearance."""
        if not graph.metadata.get("mask_error_px"):
            return 0.0
        objs = [graph.object(o) for o in q.params["candidates"] if graph.has(o) and graph.object(o).views]
        for later in objs:
            for earlier in objs:
                if earlier.first_frame < later.first_frame and _in_view(later, graph.camera(earlier.first_frame)):
                    return float("inf")
        return 0.0

    def clip_frames(self, q: Question, graph: SceneGraph) -> list[int]:
        """The first appearance of every candidate, so the clip shows them first in the same order."""
        return [graph.object(o).first_frame for o in q.params["candidates"]
                if graph.has(o) and graph.object(o).views]

    def answer(self, q: Question, graph: SceneGraph) -> Facts:
        ids = q.params["candidates"]
        if not all(graph.has(o) and graph.object(o).views for o in ids):
            raise Unanswerable("candidate missing or never visible")
        first = {o: graph.object(o).first_frame for o in ids}
        order = tuple(sorted(ids, key=lambda o: (first[o], o)))
        frame_pos = {c.frame: k + 1 for k, c in enumerate(graph.cameras)}
        listing = "; ".join(f"the {graph.object(o).category} in frame {frame_pos.get(first[o], first[o])}"
                            for o in order)
        return Facts(order, {"listing": listing})

    def choices(self, q, facts, graph, rng):
        perms = [p for p in itertools.permutations(facts.value) if p != facts.value]
        return [perms[int(i)] for i in rng.permutation(len(perms))[:3]]

    def describe(self, q, option, graph):
        return ", ".join(graph.object(o).category for o in option)

    def extra_slots(self, q: Question, graph: SceneGraph) -> dict:
        return {"objects": join_and([f"the {graph.object(o).category}" for o in q.params["candidates"]])}


def _in_view(obj, cam) -> bool:
    """Whether any corner of the object's box projects inside the camera's image, in front of it."""
    from spacevista.geometry.cameras import project

    uv, z = project(obj.box.corners(), cam.camera.K, cam.pose)
    w, h = cam.camera.width, cam.camera.height
    ok = (z > 0) & (uv[:, 0] >= 0) & (uv[:, 0] < w) & (uv[:, 1] >= 0) & (uv[:, 1] < h)
    return bool(ok.any())
