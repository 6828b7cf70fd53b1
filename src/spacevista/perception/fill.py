"""Fill what a source lacks: metric depth and instance tracks from the specialists, with provenance.

``fill_scene`` leaves every signal the source already has untouched and runs a specialist only where a
frame lacks it. The returned scene's ``metadata["perception"]`` says which model (name, class, path,
config hash, device, dtype) produced the depth maps and the masks, and with which settings.

A specialist with ``predict_scene(scene)`` (depth) or ``track_scene(scene)`` (instance maps and
categories, no detector) is given the whole scene instead of its images: the synthetic oracle, which
reads the truth written beside a synthetic capture (``perception.synthetic``).

Instances: the detector runs on keyframes (every ``detect_every`` frames); its detections are linked
across keyframes by the 2D rules (mask/box IoU 0.4, centre distance 32 px), each identity prompts the
tracker once with its first box, and the tracker propagates masks through the video. Tracks of one
label whose masks keep overlapping (mean mask IoU >= 0.4 where both are seen) are folded together as
duplicates; tracks never seen together whose world centroids agree are merged (3D association);
outdoors only tracks seen in at least 10 frames are kept. Categories go to ``metadata["categories"]``, where the engine reads them.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from spacevista.errors import SceneError
from spacevista.perception.association import (AssociationConfig, associate, confirmed, duplicate_tracks,
                                               keep_scene, mask_centroid_world, merge_tracks_3d)
from spacevista.perception.base import DepthSpecialist, Detector, RelativeDepthSpecialist, Tracker
from spacevista.perception.video_depth import TYPICAL_DEPTH_M, align_video_depth, apply_scale_prior
from spacevista.scene import Frame, Scale, Scene

#: scale classes where metric depth models are least reliable and the extreme-scale prior applies
EXTREME_SCALES = (Scale.TINY, Scale.DRONE)


def _provenance(sp: Any) -> dict[str, Any]:
    prov = getattr(sp, "provenance", None)
    return prov() if callable(prov) else {"name": type(sp).__name__}


def fill_depth(scene: Scene, depth: DepthSpecialist, relative: RelativeDepthSpecialist | None = None,
               smooth_sigma: float = 2.0) -> tuple[list[np.ndarray], dict[str, Any]]:
    """Metric depth for every frame (known focal lengths passed to the model), made video-consistent
    with ``relative`` when given, with the extreme-scale prior for tiny and drone scenes."""
    images = [f.rgb() for f in scene.frames]
    if callable(getattr(depth, "predict_scene", None)):  # an oracle that reads the capture's truth
        preds = depth.predict_scene(scene)
    else:
        preds = depth.predict(images, focal_px=[f.camera.fx for f in scene.frames])
    maps = [p.depth for p in preds]
    prov: dict[str, Any] = {"model": _provenance(depth)}
    if relative is not None:
        rel = relative.predict_video(images)
        aligned = align_video_depth(maps, rel, smooth_sigma=smooth_sigma, inverse=bool(relative.inverse))
        maps = aligned.depth
        prov["video_consistency"] = {"model": _provenance(relative), "smooth_sigma": smooth_sigma,
                                     "scales": [round(float(s), 6) for s in aligned.scales],
                                     "shifts": [round(float(b), 6) for b in aligned.shifts]}
    if scene.scale in EXTREME_SCALES:
        factors = []
        for i, m in enumerate(maps):
            maps[i], f = apply_scale_prior(m, scene.scale)
            factors.append(round(f, 6))
        prov["scale_prior"] = {"range_m": list(TYPICAL_DEPTH_M[scene.scale]), "factors": factors}
    return maps, prov


def fill_instances(scene: Scene, detector: Detector, tracker: Tracker, categories: list[str],
                   depth_maps: list[np.ndarray] | None, detect_every: int = 4,
                   config: AssociationConfig = AssociationConfig()) -> tuple[list[np.ndarray], dict[int, str], dict]:
    """Instance maps (int32, 0 background) per frame, id -> category, and provenance details."""
    images = [f.rgb() for f in scene.frames]
    keys = list(range(0, len(images), max(1, int(detect_every))))
    dets = detector.detect([images[k] for k in keys], categories)
    ids = associate(dets, config)
    prompts: dict[int, list[tuple[int, tuple[float, float, float, float]]]] = {}
    labels: dict[int, str] = {}
    for k, frame_dets, frame_ids in zip(keys, dets, ids):
        for d, tid in zip(frame_dets, frame_ids):
            if tid not in labels:
                labels[tid] = d.label
                prompts.setdefault(k, []).append((tid, d.box))
    raw = tracker.track(images, prompts)
    # a second track opened on an object the tracker still follows is a duplicate: fold it in
    dup = duplicate_tracks(raw, labels, config.mask_iou)
    masks: list[dict[int, np.ndarray]] = []
    for per in raw:
        joined: dict[int, np.ndarray] = {}
        for tid, m in per.items():
            r = dup.get(tid, tid)
            joined[r] = joined[r] | m if r in joined else m
        masks.append(joined)
    # 3D association: a track that was lost and found again joins its first identity
    merged = {t: t for t in labels if dup.get(t, t) == t}
    if depth_maps is not None:
        cents: dict[int, dict[int, np.ndarray]] = {t: {} for t in merged}
        for i, per in enumerate(masks):
            f = scene.frames[i]
            for tid, m in per.items():
                c = mask_centroid_world(depth_maps[i], m, f.camera.K, f.pose)
                if c is not None and tid in cents:
                    cents[tid][i] = c
        radius = config.merge_radius * TYPICAL_DEPTH_M[scene.scale][0] / TYPICAL_DEPTH_M[Scale.INDOOR][0]
        merged = merge_tracks_3d(cents, labels, radius)
    hits: dict[int, int] = {}
    for per in masks:
        for tid in {merged.get(t, t) for t in per}:
            hits[tid] = hits.get(tid, 0) + 1
    keep = confirmed(hits, scene.scale, config)
    out = []
    for i, per in enumerate(masks):
        inst = np.zeros(images[i].shape[:2], dtype=np.int32)
        # larger masks first so that smaller (usually nearer, occluding) objects stay visible
        for tid, m in sorted(per.items(), key=lambda kv: (-int(kv[1].sum()), kv[0])):
            mid = merged.get(tid, tid)
            if mid in keep:
                inst[m] = mid
        out.append(inst)
    cats = {mid: labels[mid] for mid in sorted(keep) if mid in labels}
    details = {"keyframes": keys, "tracks_2d": len(labels), "objects": len(cats),
               "kept_scene": keep_scene(len(cats), scene.scale, config),
               "association": dataclasses.asdict(config)}
    return out, cats, details


def fill_scene(scene: Scene, depth: DepthSpecialist | None = None, detector: Detector | None = None,
               tracker: Tracker | None = None, categories: list[str] | None = None,
               relative_depth: RelativeDepthSpecialist | None = None, detect_every: int = 4,
               association: AssociationConfig = AssociationConfig()) -> Scene:
    """A new Scene with depth and instances filled where the source lacks them.

    Frames that already carry depth (or instances) keep them; ground-truth objects are shared
    unchanged. ``metadata["perception"]`` records, per signal, ``"source"`` (native) or the model's
    provenance. Raises SceneError when instances are requested without categories or a tracker.
    """
    if not scene.frames:
        raise SceneError(scene.id, None, "scene has no frames")
    prov: dict[str, Any] = {}
    depth_maps: list[np.ndarray] | None = None
    need_depth = not scene.has_depth
    if need_depth and depth is not None:
        depth_maps, prov["depth"] = fill_depth(scene, depth, relative_depth)
    elif scene.has_depth:
        prov["depth"] = {"source": "native"}
        depth_maps = [f.depth() for f in scene.frames]
    need_inst = not scene.has_instances
    inst_maps: list[np.ndarray] | None = None
    cats: dict[int, str] = {}
    if need_inst and detector is None and callable(getattr(tracker, "track_scene", None)):
        inst_maps, cats = tracker.track_scene(scene)
        prov["instances"] = {"tracker": _provenance(tracker), "objects": len(cats)}
    elif need_inst and detector is not None:
        if tracker is None or not categories:
            raise SceneError(scene.id, None, "filling instances needs a detector, a tracker and categories")
        inst_maps, cats, details = fill_instances(scene, detector, tracker, list(categories), depth_maps,
                                                  detect_every, association)
        prov["instances"] = {"detector": _provenance(detector), "tracker": _provenance(tracker),
                             "categories": list(categories), **details}
    elif scene.has_instances:
        prov["instances"] = {"source": "native"}
    frames: list[Frame] = []
    for i, f in enumerate(scene.frames):
        kw: dict[str, Any] = {}
        if need_depth and depth_maps is not None:
            kw.update(depth_array=depth_maps[i], depth_loader=None, depth_path=None)
        if inst_maps is not None:
            kw.update(instance_array=inst_maps[i], instance_loader=None, instance_path=None)
        frames.append(dataclasses.replace(f, **kw) if kw else f)
    metadata = dict(scene.metadata)
    metadata["perception"] = prov
    if cats:
        metadata["categories"] = {**{int(k): v for k, v in metadata.get("categories", {}).items()}, **cats}
    return dataclasses.replace(scene, frames=frames, metadata=metadata)
