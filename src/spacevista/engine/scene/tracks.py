"""Instance tracks a tracker got wrong: identity switches and fragments, caught in 3D.

A tracker's ids err in two ways that break lifting: an identity switch makes one id follow one
object and then another (its lifted cloud spans both), and a fragment gives part of an object an
id of its own. Both show in 3D, where the cameras are known:

- :func:`inconsistent_frames`: per id, the frames whose lifted centre lies far from where most of
  the id's frames put it (farther than its own size allows for a partial view) are another object;
  they are left out of that id.
- :func:`merge_fragments`: an id without a category whose points touch an object with one is a
  piece of it and is merged into it.
- :func:`merge_duplicates`: a switch also leaves one object under two ids, one before the switch
  and one after; two ids of one category at the same place that are (almost) never seen in the
  same frame are one object and are merged.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from spacevista.geometry.cameras import backproject
from spacevista.graph import Box3D, GraphObject, View

#: a frame's centre may sit this many of the id's typical radii from the id's centre (partial views
#: shift the centre by up to one radius)
CENTRE_TOLERANCE = 1.5


def frame_centres(depth: np.ndarray, instances: np.ndarray, K: np.ndarray, pose: np.ndarray,
                  stride: int = 4) -> dict[int, tuple[np.ndarray, float, int]]:
    """Per instance id in one frame: (median of its lifted points, their 80th-percentile distance to
    it, number of points), from every ``stride``-th pixel."""
    out: dict[int, tuple[np.ndarray, float, int]] = {}
    inst = np.asarray(instances)
    ids = [int(i) for i in np.unique(inst[::stride, ::stride]) if i > 0]
    for oid in ids:
        pts = backproject(depth, K, pose, mask=inst == oid, stride=stride)
        if len(pts) < 5:
            continue
        c = np.median(pts, axis=0)
        r = float(np.quantile(np.linalg.norm(pts - c, axis=1), 0.8))
        out[oid] = (c, r, len(pts))
    return out


def inconsistent_frames(centres: dict[int, list[tuple[int, np.ndarray, float, int]]]) -> dict[int, set[int]]:
    """Per id, the frames that do not agree with the id's dominant position: (frame, centre, radius,
    points) samples in, frames to leave out of each id out. The dominant position is the point-
    weighted median of the centres, refined once over the frames that agree with it."""
    out: dict[int, set[int]] = {}
    for oid, samples in centres.items():
        if len(samples) < 3:
            continue
        frames = np.array([s[0] for s in samples])
        c = np.stack([s[1] for s in samples])
        r = np.array([s[2] for s in samples])
        w = np.array([s[3] for s in samples], dtype=float)
        ref = _weighted_median(c, w)
        tol = CENTRE_TOLERANCE * max(float(np.median(r)), 1e-6)
        agree = np.linalg.norm(c - ref, axis=1) <= tol
        if agree.any():
            ref = _weighted_median(c[agree], w[agree])
            agree = np.linalg.norm(c - ref, axis=1) <= tol
        bad = {int(f) for f in frames[~agree]}
        if bad:
            out[oid] = bad
    return out


#: an id's frames left out must number at least this many to stand for an object of their own
#: (around a switch the tracker may show an id on the wrong object for a frame or two)
STRAY_FRAMES = 3


def stray_positions(centres: dict[int, list[tuple[int, np.ndarray, float, int]]],
                    left_out: dict[int, set[int]]) -> dict[int, tuple[np.ndarray, float]]:
    """Per id, where its frames left out (:func:`inconsistent_frames`) put it: (the point-weighted
    median of their centres, the median of their radii), for ids with at least
    :data:`STRAY_FRAMES` such frames. After a switch those frames followed another object of the
    category, which lifting may have lost (merged into a duplicate, or left without an id)."""
    out: dict[int, tuple[np.ndarray, float]] = {}
    for oid, bad in left_out.items():
        samples = [s for s in centres.get(oid, []) if s[0] in bad]
        if len(samples) < STRAY_FRAMES:
            continue
        c = np.stack([s[1] for s in samples])
        w = np.array([s[3] for s in samples], dtype=float)
        out[oid] = (_weighted_median(c, w), float(np.median([s[2] for s in samples])))
    return out


def unplaced(strays: dict[int, tuple[np.ndarray, float]], categories: dict[int, str],
             objects: list[GraphObject]) -> list[dict]:
    """Objects a tracker's switch shows and the graph lacks: each stray position of a labelled id
    (:func:`stray_positions`) with no lifted object of its category within
    :data:`CENTRE_TOLERANCE` radii of it, as ``{"id", "category", "center", "radius"}`` (metres,
    world frame). Questions whose answer hangs on every object of a category, or on every object
    along a way, cannot be answered where one of them was lost."""
    out = []
    for oid, (c, r) in sorted(strays.items()):
        category = categories.get(oid, "object")
        if category == "object":
            continue
        near = False
        for o in objects:
            if o.category != category or not len(o.points):
                continue
            reach = CENTRE_TOLERANCE * max(r, float(np.linalg.norm(o.box.size)) / 2)
            near |= bool(np.linalg.norm(np.median(o.points, axis=0) - c) <= reach)
        if not near:
            out.append({"id": int(oid), "category": category, "center": [round(float(v), 6) for v in c],
                        "radius": round(r, 6)})
    return out


def _weighted_median(points: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per-axis weighted median."""
    out = np.empty(points.shape[1])
    for k in range(points.shape[1]):
        order = np.argsort(points[:, k])
        cum = np.cumsum(weights[order])
        out[k] = points[order[np.searchsorted(cum, cum[-1] / 2)], k]
    return out


def merge_fragments(objects: list[GraphObject], touch: float) -> tuple[list[GraphObject], dict[int, int]]:
    """Objects with the category ``"object"`` (no label) whose points come within ``touch`` metres of
    a labelled object's are merged into it (points joined, views combined: pixels summed, boxes
    united); returns the objects left and which fragment went into which object."""
    from scipy.spatial import cKDTree

    labelled = [o for o in objects if o.category != "object"]
    if not labelled or len(labelled) == len(objects):
        return objects, {}
    trees = {o.id: cKDTree(o.points) for o in labelled}
    merged: dict[int, int] = {}
    extra: dict[int, list[GraphObject]] = defaultdict(list)
    for o in objects:
        if o.category != "object":
            continue
        best, dist = None, np.inf
        for other in labelled:
            d = float(trees[other.id].query(o.points, k=1)[0].min())
            if d < dist:
                best, dist = other, d
        if best is not None and dist <= touch:
            merged[o.id] = best.id
            extra[best.id].append(o)
    out = []
    for o in objects:
        if o.id in merged:
            continue
        for frag in extra.get(o.id, []):
            o = _join(o, frag)
        out.append(o)
    return out, merged


#: two tracks that share at most this fraction of the shorter one's frames count as never seen
#: together (in the frames around a switch the tracker may show both ids for a moment)
SHARED_FRAMES = 0.2


def merge_duplicates(objects: list[GraphObject], radius: float) -> tuple[list[GraphObject], dict[int, int]]:
    """Objects of one category whose point medians lie within ``radius`` metres and that are (almost,
    :data:`SHARED_FRAMES`) never seen in the same frame are merged, closest pair first, into the one
    with the smallest id (``perception.association.merge_tracks_3d``); returns the objects left and
    which id went into which. Two objects side by side or stacked are seen together, so they stay
    apart however close their centres."""
    from spacevista.perception.association import merge_tracks_3d

    labelled = [o for o in objects if o.category != "object" and len(o.points)]
    centroids = {o.id: dict.fromkeys(o.views, np.median(o.points, axis=0)) for o in labelled}
    group = merge_tracks_3d(centroids, {o.id: o.category for o in labelled}, radius, shared=SHARED_FRAMES)
    merged = {k: v for k, v in group.items() if k != v}
    if not merged:
        return objects, {}
    by_id = {o.id: o for o in objects}
    out = []
    for o in objects:
        if o.id in merged:
            continue
        for gone in sorted(k for k, v in merged.items() if v == o.id):
            o = _join(o, by_id[gone])
        out.append(o)
    return out, merged


def _join(a: GraphObject, b: GraphObject) -> GraphObject:
    views = dict(a.views)
    for f, v in b.views.items():
        if f not in views:
            views[f] = View(**{**v.__dict__, "frame": f})
            continue
        u = views[f]
        box = (min(u.bbox[0], v.bbox[0]), min(u.bbox[1], v.bbox[1]), max(u.bbox[2], v.bbox[2]),
               max(u.bbox[3], v.bbox[3]))
        views[f] = View(frame=f, pixels=u.pixels + v.pixels, bbox=box, point=u.point,
                        min_depth=min(u.min_depth, v.min_depth), median_depth=u.median_depth,
                        truncated=u.truncated or v.truncated, occluded=min(u.occluded, v.occluded),
                        valid_depth=(u.valid_depth * u.pixels + v.valid_depth * v.pixels) / (u.pixels + v.pixels),
                        occluded_top=min(u.occluded_top, v.occluded_top))
    return GraphObject(a.id, a.category, Box3D(a.box.center, a.box.size, a.box.yaw),
                       np.concatenate([a.points, b.points]), views, dict(a.attributes))
