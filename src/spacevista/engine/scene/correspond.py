"""Which true object each perceived object is, so the engine is scored on the object a question marks.

A perceived instance id is a tracker's label, not the object's identity: after an identity switch it
follows another object, and a fragment has an id of its own. Scoring an item about perceived object
``X`` against the true object that happens to carry the number ``X`` would then compare two different
objects. Instead each lifted object is matched to the true object that most of its pixels belong to,
in the frames it was lifted from (an evaluation of a tracker matches tracks to truth the same way),
and the exact graph is relabelled into the perceived ids:

- a true object takes the id of the perceived object that covers most of it; a second perceived
  object matched to the same true object (an unmerged fragment, a duplicate track) gets no truth, so
  its items score 0 (asking about a piece as if it were an object is an engine error);
- a true object no perceived object matched (never detected) keeps a fresh id, so counts and
  existence answers still see it.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict

import numpy as np

from spacevista.graph import GraphObject, SceneGraph
from spacevista.scene import Scene


def pixel_overlaps(seen: Scene, truth: Scene, frames: set[int]) -> dict[int, dict[int, Counter]]:
    """Per frame in ``frames``: perceived id -> Counter of the true ids under its pixels (0 is background)."""
    out: dict[int, dict[int, Counter]] = {}
    truth_frames = {f.index: f for f in truth.frames}
    for f in seen.frames:
        if f.index not in frames or f.index not in truth_frames:
            continue
        est = np.asarray(f.instances()).astype(np.int64).ravel()
        true = np.asarray(truth_frames[f.index].instances()).astype(np.int64).ravel()
        keep = est > 0
        if not keep.any():
            continue
        top = int(true.max()) + 1
        codes, counts = np.unique(est[keep] * top + true[keep], return_counts=True)
        per: dict[int, Counter] = defaultdict(Counter)
        for code, n in zip(codes.tolist(), counts.tolist()):
            per[code // top][code % top] += n
        out[f.index] = dict(per)
    return out


def correspondence(est: SceneGraph, seen: Scene, truth: Scene) -> dict[int, tuple[int, int]]:
    """Perceived object id -> (true id, pixels of it) for each lifted object whose pixels, over the
    frames of its views, mostly fall on one true object; objects mostly on background are left out."""
    frames = {f for o in est.objects for f in o.views}
    overlaps = pixel_overlaps(seen, truth, frames)
    out: dict[int, tuple[int, int]] = {}
    for o in est.objects:
        votes: Counter = Counter()
        for f in o.views:
            votes.update(overlaps.get(f, {}).get(o.id, Counter()))
        if not votes:
            continue
        true_id, n = votes.most_common(1)[0]
        if true_id > 0:
            out[o.id] = (int(true_id), int(n))
    return out


def relabel_truth(exact: SceneGraph, matches: dict[int, tuple[int, int]], perceived: set[int]) -> SceneGraph:
    """``exact`` with its objects renamed into the perceived ids of ``matches`` (see the module text);
    ``perceived`` holds every perceived object id, matched or not: a true object that no perceived
    object owns never keeps one of those numbers. The graph is copied, ``exact`` is left as it was."""
    owner: dict[int, tuple[int, int]] = {}  # true id -> (perceived id, pixels)
    for pid, (tid, n) in sorted(matches.items()):
        if tid not in owner or n > owner[tid][1]:
            owner[tid] = (pid, n)
    fresh = max(set(perceived) | {o.id for o in exact.objects}, default=0) + 1
    objects: list[GraphObject] = []
    for o in exact.objects:
        if o.id in owner:
            new = owner[o.id][0]
        elif o.id in perceived:  # its number names another object in the perceived graph
            new, fresh = fresh, fresh + 1
        else:
            new = o.id
        objects.append(dataclasses.replace(o, id=new))
    out = dataclasses.replace(exact, objects=objects)
    out.frame_paths = list(exact.frame_paths)
    out.metadata = {**exact.metadata, "relabelled": {str(p): t for p, (t, _) in sorted(matches.items())}}
    return out
