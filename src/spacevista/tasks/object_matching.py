"""Object matching: are the objects marked in an early frame and a late frame the same instance?"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from spacevista.graph import GraphObject, SceneGraph
from spacevista.tasks.base import TASKS, ChoiceTask, Facts, Question, Unanswerable
from spacevista.tasks.common import askable, shuffled

#: two instances are asked about only when their centres are at least this many object sizes apart
MIN_SEPARATION = 1.0


#: a frame marks an object only where it is seen at least this fraction of its largest view's size
MARK_FRACTION = 0.25


def _early_late(obj: GraphObject) -> tuple[int, int]:
    """The first and last frames that show the object well: not cut by the border, and at least
    :data:`MARK_FRACTION` of its largest view (a track's first and last frames are where it enters
    and leaves the image, where a mask is least sure to be on it)."""
    largest = max(v.pixels for v in obj.views.values())
    good = [f for f in obj.frames if not obj.views[f].truncated and obj.views[f].pixels >= MARK_FRACTION * largest]
    good = good or obj.frames
    return good[0], good[-1]


@TASKS.register("object_matching")
class ObjectMatching(ChoiceTask):
    """Visual prompts on two frames; yes when both mark the same instance, no for two instances of
    one category. Yes and no are balanced within a scene."""

    original_type = "OBJECT_MATCHING"
    per_scene = 2

    def candidates(self, graph: SceneGraph, rng: np.random.Generator) -> Iterator[Question]:
        objs = askable(graph, min_views=2)
        same: list[Question] = []
        for o in shuffled(objs, rng):
            i, j = _early_late(o)
            same.append(Question(self.name, "mc", "same", objects=[o.id, o.id], frames=[i, j],
                                 params={"prompt_frames": [i, j]}))
        diff: list[Question] = []
        for cat, group in sorted(graph.by_category().items()):
            group = [o for o in group if o in objs]
            for a in group:
                for b in group:
                    if a.id == b.id:
                        continue
                    i, j = _early_late(a)[0], _early_late(b)[1]
                    if j <= i:
                        self.dropped["frames_not_ordered"] += 1
                        continue
                    if np.linalg.norm(a.centroid - b.centroid) < MIN_SEPARATION * max(a.box.longest, b.box.longest):
                        self.dropped["instances_too_close"] += 1
                        continue
                    diff.append(Question(self.name, "mc", "same", objects=[a.id, b.id], frames=[i, j],
                                         params={"prompt_frames": [i, j]}))
        diff = shuffled(diff, rng)
        n = min(len(same), len(diff), self.per_scene // 2)
        if n == 0:
            self.dropped["unbalanced"] += len(same) + len(diff)
            return
        yield from shuffled(same[:n] + diff[:n], rng)

    def answer(self, q: Question, graph: SceneGraph) -> Facts:
        (a, b), (i, j) = q.objects, q.frames
        if not (graph.has(a) and graph.has(b)):
            raise Unanswerable("object missing")
        oa, ob = graph.object(a), graph.object(b)
        if i not in oa.views or j not in ob.views:
            raise Unanswerable("marked object not visible in its frame")
        frame_pos = {c.frame: k + 1 for k, c in enumerate(graph.cameras)}
        value = "yes" if a == b else "no"
        track = (f"the {oa.category} marked in frame {frame_pos[i]} is tracked through "
                 f"{len(oa.views)} frames, from frame {frame_pos[oa.frames[0]]} to frame {frame_pos[oa.frames[-1]]}")
        if a == b:
            verdict = f"It is the object marked in frame {frame_pos[j]}, so they are the same instance"
        else:
            verdict = (f"The object marked in frame {frame_pos[j]} is another {ob.category}, tracked from frame "
                       f"{frame_pos[ob.frames[0]]} to frame {frame_pos[ob.frames[-1]]}, so they are different instances")
        return Facts(value, {"track": track, "verdict": verdict})

    def choices(self, q, facts, graph, rng):
        return ["no" if facts.value == "yes" else "yes"]

    def describe(self, q, option, graph):
        return {"yes": "yes, the same object", "no": "no, two different objects"}[option]
