"""Lifted against annotated: the lifting's error on every annotated scan, and scans whose poses or
axis alignment disagree with their annotation.

For every object both graphs hold, the sizes of its lifted box are compared with those of its
annotated box (the lifting sees only what the frames show of it), and the lifted points' distance
to the annotated surface is measured: with right poses and alignment the points the cameras lifted
lie on the surface the annotators drew, whatever part of it was seen. A scene whose median surface
distance exceeds a tenth of the scale's typical object size (10 cm indoors), or whose objects' 2-D
tracks overlap their projected annotation by less than half on the median, is flagged.
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from spacevista.engine.scene.lift import TYPICAL_SIZE
from spacevista.evidence import evidence_of
from spacevista.graph import SceneGraph

#: a scene is flagged when lifted points lie farther than this fraction of the typical object size
#: from the annotated surface, on the median over its objects
SURFACE_TOLERANCE = 0.1
#: ... or when its tracks overlap their projected annotation (IoU) by less than this, on the median
MIN_MASK_AGREEMENT = 0.5
_DIMS = ("longest", "width", "height")


def _dims(box) -> dict[str, float]:
    return {"longest": box.longest, "width": box.width, "height": box.height}


def compare_graphs(est: SceneGraph, ann: SceneGraph) -> dict[str, Any]:
    """Per object: lifted and annotated sizes, their relative errors, the median distance of the
    lifted points to the annotated surface, the centre offset; per scene: the medians and the flag."""
    rows = []
    for e in est.objects:
        if not ann.has(e.id):
            continue
        a = ann.object(e.id)
        near, _ = a.tree.query(e.points, k=1)
        lifted, annotated = _dims(e.box), _dims(a.box)
        rows.append({"id": e.id, "category": e.category, "lifted": {k: round(v, 6) for k, v in lifted.items()},
                     "annotated": {k: round(v, 6) for k, v in annotated.items()},
                     "rel_error": {k: round(lifted[k] / annotated[k] - 1, 6) if annotated[k] > 0 else None
                                   for k in _DIMS},
                     "surface_distance": round(float(np.median(near)), 6),
                     "center_offset": round(float(np.linalg.norm(e.box.center - a.box.center)), 6),
                     "seen_whole": evidence_of(e).measured()})
    tolerance = SURFACE_TOLERANCE * TYPICAL_SIZE[est.scale.value]
    surface = float(np.median([r["surface_distance"] for r in rows])) if rows else None
    agreement = ann.metadata.get("mask_agreement") or {}
    iou = [agreement[o] for o in agreement if est.has(o)]
    mask = float(np.median(iou)) if iou else None
    reasons = []
    if surface is not None and surface > tolerance:
        reasons.append(f"lifted points lie a median {surface:.3g} m from the annotated surface (tolerance "
                       f"{tolerance:.3g} m): poses or axis alignment disagree with the annotation")
    if mask is not None and mask < MIN_MASK_AGREEMENT:
        reasons.append(f"2-D tracks overlap their projected annotation by a median IoU of {mask:.3g} "
                       f"(at least {MIN_MASK_AGREEMENT:g} expected): poses disagree with the annotation")
    return {"objects": rows, "median_surface_distance": None if surface is None else round(surface, 6),
            "median_mask_iou": None if mask is None else round(mask, 4), "tolerance": tolerance,
            "flagged": bool(reasons), "reasons": reasons, "annotation_source": ann.metadata.get("annotation_source")}


def _quantiles(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    v = np.asarray(values, dtype=np.float64)
    return {"n": int(v.size), "mean": round(float(v.mean()), 6), "p10": round(float(np.quantile(v, 0.1)), 6),
            "median": round(float(np.median(v)), 6), "p90": round(float(np.quantile(v, 0.9)), 6),
            "max": round(float(v.max()), 6)}


def summarise_crosschecks(per_scene: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """The build-wide distribution of the lifting's error (``report.json["annotation_crosscheck"]``):
    relative size errors per dimension (signed and absolute), surface distances, and the flagged
    scenes with their reasons."""
    per_scene = list(per_scene)
    rows = [r for _, c in per_scene for r in c["objects"]]
    out: dict[str, Any] = {"scenes": len(per_scene), "objects": len(rows),
                           "objects_seen_whole": sum(1 for r in rows if r["seen_whole"])}
    for k in _DIMS:
        errs = [r["rel_error"][k] for r in rows if r["rel_error"][k] is not None]
        out[f"{k}_rel_error"] = _quantiles(errs)
        out[f"{k}_abs_rel_error"] = _quantiles([abs(x) for x in errs])
    out["surface_distance_m"] = _quantiles([r["surface_distance"] for r in rows])
    out["flagged_scenes"] = [{"scene": sid, "reasons": c["reasons"]} for sid, c in per_scene if c["flagged"]]
    out["per_scene"] = {sid: {"objects": len(c["objects"]), "median_surface_distance": c["median_surface_distance"],
                              "median_mask_iou": c["median_mask_iou"], "flagged": c["flagged"]}
                        for sid, c in per_scene}
    return out
