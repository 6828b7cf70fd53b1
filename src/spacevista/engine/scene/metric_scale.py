"""Metric scale for structure-from-motion captures: recover it from metric depth, apply it, record it.

A COLMAP or nerfstudio capture is posed at an arbitrary scale. Once a metric depth specialist has
filled its depth (``perception.fill_scene``), :func:`recover_metric_scale` estimates metres per
source unit (``geometry.scale.metric``): from the SfM model's sparse points as each frame saw them
(``readers.colmap.sparse_observations``), or, where the source has none, from the camera baseline.

- Non-metric source, scale recovered (status ``ok``): pose translations are multiplied by the
  factor, the scene becomes metric, and the up vector is found again if the reader's ``up`` was
  ``auto`` (the floor can be used now that the depth and the poses agree).
- Non-metric source, scale not recovered (too few points, degenerate geometry, frames that
  disagree): the scene stays non-metric and ``metadata["metric_refusal"]`` says why; metric tasks
  are refused with that reason.
- Non-metric source without a metric depth specialist: refused, as before, with that reason.
- ``metric_scale`` given by the user: it wins; the recovered value is still computed and recorded
  beside it.

``metadata["metric_scale_recovery"]`` holds the record (:func:`recovery_record`); the build copies it
to ``report.json`` (``scenes.<id>.metric_scale``) and the question stage reads its ``sigma``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from spacevista.geometry.scale.metric import (ScaleEstimate, ScaleLimits, sample_depth, scale_from_baseline,
                                              scale_from_depth_pairs)
from spacevista.readers.colmap import sparse_observations
from spacevista.readers.up import resolve_up
from spacevista.scene import Scene

RECOVERY = "metric_scale_recovery"
REFUSAL = "metric_refusal"
NO_DEPTH_SOURCE = ("scene is not metric: the source's scale is unknown and no metric depth specialist "
                   "was given to recover it (--depth, or the metric_scale option)")
NON_METRIC_DEPTH = ("scene is not metric: the source's scale is unknown and its own depth shares it "
                    "(give the metric_scale option)")


def depth_from_model(scene: Scene) -> bool:
    """Whether the scene's depth came from a metric depth specialist (not from the source)."""
    return "model" in (scene.metadata.get("perception", {}).get("depth") or {})


def estimate_scale(scene: Scene, limits: ScaleLimits = ScaleLimits()) -> ScaleEstimate:
    """Metres per unit of the scene's poses, from its depth maps: sparse points where the source has
    an SfM model with points, else the camera baseline."""
    depths = [np.asarray(f.depth()) for f in scene.frames]
    obs = sparse_observations(scene)
    note = "the source has no SfM model with points"
    if obs is not None:
        pairs = [None if o is None else (sample_depth(d, o[0]), o[1]) for d, o in zip(depths, obs)]
        est = scale_from_depth_pairs(pairs, limits)
        if est.status != "too_few":
            return est
        note = f"sparse points: {est.reason}"
    est = scale_from_baseline(depths, [f.camera.K for f in scene.frames], [f.pose for f in scene.frames], limits)
    est.reason = f"{est.reason}; before that, {note}" if est.reason else None
    return est


def recovery_record(est: ScaleEstimate, units: float, given: float | None, applied: bool) -> dict[str, Any]:
    """What report.json shows: the factor in metres per source unit (``units``: metres per unit of
    the poses the estimate was made on), its relative uncertainty, the method and the verdict."""
    d = est.to_dict()
    d["factor"] = None if est.factor is None else float(f"{est.factor * units:.6g}")
    d["frames"] = [None if x is None else float(f"{x * units:.6g}") for x in est.frames]
    d.update(units="metres per source unit", given=given, applied=applied)
    return d


def recover_metric_scale(scene: Scene, limits: ScaleLimits = ScaleLimits(), up: str = "auto") -> Scene:
    """The scene made metric by its recovered scale where it can be (see the module docstring);
    a metric source without a user-given scale comes back unchanged."""
    given = scene.metadata.get("metric_scale")
    if scene.metric and given is None:
        return scene
    if not depth_from_model(scene):
        if scene.metric:
            return scene
        why = NON_METRIC_DEPTH if scene.has_depth else NO_DEPTH_SOURCE
        return dataclasses.replace(scene, metadata={**scene.metadata, REFUSAL: why})
    est = estimate_scale(scene, limits)
    metadata = dict(scene.metadata)
    if scene.metric:  # the user's scale wins; the recovered one is reported beside it
        metadata[RECOVERY] = recovery_record(est, float(given), float(given), applied=False)
        return dataclasses.replace(scene, metadata=metadata)
    if not est.ok:
        metadata[RECOVERY] = recovery_record(est, 1.0, None, applied=False)
        metadata[REFUSAL] = f"scene is not metric: the scale was not recovered ({est.method}: {est.reason})"
        return dataclasses.replace(scene, metadata=metadata)
    metadata[RECOVERY] = recovery_record(est, 1.0, None, applied=True)
    frames = []
    for f in scene.frames:
        pose = f.pose.copy()
        pose[:3, 3] *= est.factor
        frames.append(dataclasses.replace(f, pose=pose))
    out = dataclasses.replace(scene, frames=frames, metric=True, metadata=metadata)
    if up == "auto":
        out.metadata["up_notes"] = list(out.metadata.get("up_notes", []))
        out.up_method = "unknown"
        out = resolve_up(out, "auto")
    return out


def scale_sigma(scene: Scene) -> float | None:
    """The relative uncertainty of a recovered scale the scene is posed at (None: not recovered)."""
    rec = scene.metadata.get(RECOVERY) or {}
    return rec.get("sigma") if rec.get("applied") else None
