"""Item clips: the frames one question is about, at most ``clip_frames`` of them, in time order.

A model reads only the images sent with an item, so every item carries its own clip: the frames its
question, rationale and marks refer to, a view of every object it names, and frames spread over the
span the question covers. Frame numbers in the item's text are 1-based positions in the clip, and the
item is answered on the scene graph *as seen through the clip* (:func:`restrict`): an object first
appears in the clip where the clip first shows it, a count counts the instances the clip shows.

A capture of at most ``clip_frames`` frames is its own clip for every question (the 16-frame demo).
"""

from __future__ import annotations

import dataclasses
from typing import Iterable

from spacevista.graph import GraphObject, SceneGraph
from spacevista.tasks.base import Question, Task, Unanswerable

#: frames per clip by default: what the official evaluator and the Qwen2.5-VL demo send
CLIP_FRAMES = 16


def best_view(obj: GraphObject, prefer: int | None = None) -> int | None:
    """The frame where ``obj`` is seen largest (earliest on ties); ``prefer`` when it is seen there."""
    if not obj.views:
        return None
    if prefer is not None and prefer in obj.views:
        return prefer
    return max(obj.views, key=lambda f: (obj.views[f].pixels, -f))


def named_objects(q: Question) -> list[int]:
    """Ids of the objects a question names: its objects and its candidates."""
    ids = list(q.objects) + [int(i) for i in q.params.get("candidates", [])]
    return list(dict.fromkeys(ids))


def required_frames(task: Task, q: Question, graph: SceneGraph) -> list[int]:
    """Frames the clip must hold: the frames the question names, and the task's own choice when it
    has one (``clip_frames(q, graph)``: counting needs every instance, appearance order every first
    appearance); else, for every named object, its best view (on the question's one named frame when
    the object is seen there, on the pinned prompt frame when one is pinned)."""
    out = set(q.frames)
    own = getattr(task, "clip_frames", None)
    if own is not None:
        return sorted(out | set(own(q, graph)))
    pinned = q.params.get("prompt_frames")
    single = q.frames[0] if len(q.frames) == 1 else None
    for i, oid in enumerate(named_objects(q)):
        if not graph.has(oid):
            continue
        if pinned and i < len(pinned):
            out.add(int(pinned[i]))
            continue
        f = best_view(graph.object(oid), prefer=single)
        if f is not None:
            out.add(f)
    return sorted(out)


def _span(q: Question, graph: SceneGraph, required: list[int], order: list[int]) -> tuple[int, int]:
    """Positions (first, last) in ``order`` of the span the question covers: its required frames and
    every frame where a named object is seen; the whole capture when it names neither."""
    frames = set(required)
    for oid in named_objects(q):
        if graph.has(oid):
            frames.update(graph.object(oid).views)
    pos = [order.index(f) for f in frames if f in order]
    if not pos:
        return 0, len(order) - 1
    return min(pos), max(pos)


def _spread(candidates: list[int], n: int) -> list[int]:
    """``n`` of ``candidates`` evenly spaced (ends included when ``n`` > 1)."""
    if n <= 0 or not candidates:
        return []
    if n >= len(candidates):
        return list(candidates)
    if n == 1:
        return [candidates[len(candidates) // 2]]
    step = (len(candidates) - 1) / (n - 1)
    return [candidates[round(i * step)] for i in range(n)]


def choose_clip(task: Task, q: Question, graph: SceneGraph, order: list[int],
                clip_frames: int = CLIP_FRAMES) -> list[int]:
    """The clip of question ``q``: frame indices in time order, at most ``clip_frames``.

    Holds every required frame; the rest is spread evenly over the span the question covers, widened
    symmetrically when the span holds too few frames. Deterministic: no random draw.
    Raises :class:`Unanswerable` when the required frames alone exceed ``clip_frames``.
    """
    if clip_frames < 1:
        raise ValueError(f"clip_frames must be at least 1, got {clip_frames}")
    if len(order) <= clip_frames:
        return list(order)
    required = [f for f in required_frames(task, q, graph) if f in order]
    if len(required) > clip_frames:
        raise Unanswerable(f"needs {len(required)} frames, more than a clip of {clip_frames} holds")
    lo, hi = _span(q, graph, required, order)
    need = clip_frames - len(required)
    while True:
        pool = [f for f in order[lo:hi + 1] if f not in required]
        if len(pool) >= need or (lo == 0 and hi == len(order) - 1):
            break
        lo, hi = max(0, lo - 1), min(len(order) - 1, hi + 1)
    chosen = set(required) | set(_spread(pool, need))
    return [f for f in order if f in chosen]


def restrict(graph: SceneGraph, clip: Iterable[int]) -> SceneGraph:
    """``graph`` as seen through ``clip``: cameras of the clip only, each object's views in the clip
    only; geometry (boxes, points, KD-trees, cached gaps and memos) shared with ``graph``."""
    keep = set(clip)
    if keep.issuperset(c.frame for c in graph.cameras):
        return graph
    objects = []
    for o in graph.objects:
        r = dataclasses.replace(o, views={f: v for f, v in o.views.items() if f in keep})
        r._tree, r._bounds = o._tree, o._bounds
        objects.append(r)
    out = dataclasses.replace(graph, objects=objects, cameras=[c for c in graph.cameras if c.frame in keep],
                              frame_paths=list(graph.frame_paths))
    # geometry derived per graph depends on points, never on views: share it
    out._gaps, out._memo = graph._gaps, graph._memo
    return out


def sync_trees(restricted: SceneGraph, graph: SceneGraph) -> None:
    """Hand KD-trees and bounds built on a restricted graph back to ``graph`` for later questions."""
    if restricted is graph:
        return
    for r, o in zip(restricted.objects, graph.objects):
        if o._tree is None and r._tree is not None:
            o._tree = r._tree
        if o._bounds is None and r._bounds is not None:
            o._bounds = r._bounds
