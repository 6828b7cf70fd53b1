"""Identity association: 2D frame-to-frame matching, then 3D-consistent merging in world coordinates.

Pure numpy (plus scipy's assignment solver). The rules follow the construction pipeline:

- 2D: a detection continues a track when its mask IoU with the track's last mask is at least 0.4,
  or, failing that, when their box centres are within 32 px (``AssociationConfig``); one-to-one
  by the Hungarian algorithm on a cost that prefers IoU.
- 3D: tracks of the same category whose world centroids agree (within ``merge_radius`` metres) and
  that are never seen together in one frame are the same object and are merged (a tracker that lost
  an object and found it again gave it a second identity).
- outdoors, a track is confirmed only after ``min_hits`` (10) detections, and a scene is kept when
  it has 2 to 10 confirmed objects (``keep_scene``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from spacevista.scene import Scale


@dataclass
class Detection:
    """One detected object in one frame: box ``(x1, y1, x2, y2)`` in pixels, optional boolean mask."""

    frame: int
    box: tuple[float, float, float, float]
    label: str = "object"
    score: float = 1.0
    mask: np.ndarray | None = field(default=None, repr=False)

    @property
    def centre(self) -> np.ndarray:
        x1, y1, x2, y2 = self.box
        return np.array([(x1 + x2) / 2.0, (y1 + y2) / 2.0])


@dataclass(frozen=True)
class AssociationConfig:
    """Thresholds of the 2D association, the 3D merge and the outdoor confirmation."""

    mask_iou: float = 0.4
    centre_px: float = 32.0
    max_gap: int = 5
    merge_radius: float = 0.5
    min_hits_outdoor: int = 10
    min_objects_outdoor: int = 2
    max_objects_outdoor: int = 10


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU matrix between boxes ``a`` (N, 4) and ``b`` (M, 4), ``x1, y1, x2, y2``."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    ix = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    iy = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = ix * iy
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def mask_iou(a: list[np.ndarray], b: list[np.ndarray]) -> np.ndarray:
    """IoU matrix between two lists of boolean masks of one shape."""
    if not a or not b:
        return np.zeros((len(a), len(b)))
    fa = np.stack([np.asarray(m, bool).ravel() for m in a]).astype(np.float32)
    fb = np.stack([np.asarray(m, bool).ravel() for m in b]).astype(np.float32)
    inter = fa @ fb.T
    union = fa.sum(1)[:, None] + fb.sum(1)[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def associate(frames: list[list[Detection]], config: AssociationConfig = AssociationConfig()) -> list[list[int]]:
    """Track ids (1, 2, ...) for every detection of every frame, frames in temporal order.

    A track stays open for ``max_gap`` frames after its last detection. Detections of a different
    label never continue a track. Deterministic: ties resolve by detection and track order.
    """
    next_id = 1
    last: dict[int, tuple[int, Detection]] = {}  # track id -> (frame position, last detection)
    out: list[list[int]] = []
    for t, dets in enumerate(frames):
        open_ids = [k for k, (ft, _) in sorted(last.items()) if t - ft <= config.max_gap]
        ids = [0] * len(dets)
        if open_ids and dets:
            prev = [last[k][1] for k in open_ids]
            if all(d.mask is not None for d in dets) and all(p.mask is not None for p in prev):
                iou = mask_iou([d.mask for d in dets], [p.mask for p in prev])  # type: ignore[misc]
            else:
                iou = box_iou(np.array([d.box for d in dets]), np.array([p.box for p in prev]))
            dist = np.linalg.norm(np.array([d.centre for d in dets])[:, None] - np.array([p.centre for p in prev])[None],
                                  axis=2)
            same = np.array([[d.label == p.label for p in prev] for d in dets])
            ok_iou = (iou >= config.mask_iou) & same
            ok_dist = (dist <= config.centre_px) & same
            # IoU matches always beat centre-distance matches; within each kind prefer the better one
            cost = np.where(ok_iou, 1.0 - iou, np.where(ok_dist, 2.0 + dist / max(config.centre_px, 1e-9), 1e6))
            rows, cols = linear_sum_assignment(cost)
            for r, c in zip(rows, cols):
                if cost[r, c] < 1e6:
                    ids[r] = open_ids[c]
        for i, d in enumerate(dets):
            if ids[i] == 0:
                ids[i] = next_id
                next_id += 1
            last[ids[i]] = (t, d)
        out.append(ids)
    return out


def mask_centroid_world(depth: np.ndarray, mask: np.ndarray, K: np.ndarray, pose: np.ndarray) -> np.ndarray | None:
    """Median world point of a mask's valid depth pixels (OpenCV camera, camera-to-world ``pose``)."""
    depth = np.asarray(depth, dtype=np.float64)
    ys, xs = np.nonzero(np.asarray(mask, bool) & np.isfinite(depth) & (depth > 0))
    if ys.size == 0:
        return None
    z = depth[ys, xs]
    cam = np.stack([(xs - K[0, 2]) * z / K[0, 0], (ys - K[1, 2]) * z / K[1, 1], z, np.ones_like(z)])
    world = (np.asarray(pose, dtype=np.float64) @ cam)[:3].T
    return np.median(world, axis=0)


def merge_tracks_3d(centroids: dict[int, dict[int, np.ndarray]], labels: dict[int, str],
                    radius: float, shared: float = 0.0) -> dict[int, int]:
    """Map each track id to its merged id (the smallest id of its group).

    ``centroids[track][frame]`` is the track's world centroid in that frame. Two tracks merge when
    they share a label, their median centroids are within ``radius`` metres, and they never appear
    in the same frame (two co-visible tracks are two objects); ``shared`` allows that fraction of
    the shorter group's frames in common (a tracker may show both ids for a moment around an
    identity switch). Greedy from the closest pair, so the result does not depend on dict order.
    """
    ids = sorted(centroids)
    med = {k: np.median(np.stack(list(centroids[k].values())), axis=0) for k in ids if centroids[k]}
    frames = {k: set(centroids[k]) for k in ids}
    group = {k: k for k in ids}
    members = {k: {k} for k in ids}
    pairs = []
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            if a in med and b in med and labels.get(a) == labels.get(b):
                d = float(np.linalg.norm(med[a] - med[b]))
                if d <= radius:
                    pairs.append((d, a, b))
    for _, a, b in sorted(pairs):
        ga, gb = group[a], group[b]
        if ga == gb:
            continue
        fa = set().union(*(frames[m] for m in members[ga]))
        fb = set().union(*(frames[m] for m in members[gb]))
        if len(fa & fb) > shared * min(len(fa), len(fb)):
            continue
        keep, gone = min(ga, gb), max(ga, gb)
        for m in members[gone]:
            group[m] = keep
        members[keep] |= members.pop(gone)
    return {k: group[k] for k in ids}


def duplicate_tracks(masks: list[dict[int, np.ndarray]], labels: dict[int, str], iou: float = 0.4) -> dict[int, int]:
    """Map each track id to the id of the track it duplicates (the smallest), else to itself.

    Two tracks of one label are duplicates when, over the frames where both have a mask, their mean
    mask IoU is at least ``iou`` (a detector that re-finds an object the tracker still follows
    opens a second track on it). Transitive: duplicates of duplicates join one group.
    """
    ids = sorted({t for per in masks for t in per} | set(labels))
    parent = {t: t for t in ids}

    def root(t: int) -> int:
        while parent[t] != t:
            t = parent[t]
        return t

    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            if labels.get(a) != labels.get(b):
                continue
            both = [per for per in masks if a in per and b in per]
            if not both:
                continue
            vals = [float(mask_iou([per[a]], [per[b]])[0, 0]) for per in both]
            if np.mean(vals) >= iou:
                ra, rb = root(a), root(b)
                parent[max(ra, rb)] = min(ra, rb)
    return {t: root(t) for t in ids}


def confirmed(hits: dict[int, int], scale: Scale | str, config: AssociationConfig = AssociationConfig()) -> set[int]:
    """Track ids kept: outdoors (outdoor, drone) those with at least ``min_hits_outdoor`` detections,
    elsewhere all of them."""
    s = Scale.parse(scale)
    if s in (Scale.OUTDOOR, Scale.DRONE):
        return {k for k, n in hits.items() if n >= config.min_hits_outdoor}
    return set(hits)


def keep_scene(n_objects: int, scale: Scale | str, config: AssociationConfig = AssociationConfig()) -> bool:
    """Whether a scene with ``n_objects`` confirmed objects is kept (outdoors: 2 to 10 objects)."""
    s = Scale.parse(scale)
    if s in (Scale.OUTDOOR, Scale.DRONE):
        return config.min_objects_outdoor <= n_objects <= config.max_objects_outdoor
    return n_objects >= 1
