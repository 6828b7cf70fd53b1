"""One scene through the engine: frames to disk, lift, exact graph, QA, masks for visual prompts."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from spacevista.engine.scene.annotated import annotated_graph
from spacevista.engine.scene.clips import CLIP_FRAMES
from spacevista.engine.scene.crosscheck import compare_graphs
from spacevista.engine.scene.gates import depth_error_of, mask_error_of
from spacevista.engine.scene.questions import SceneQA, generate_qa, rng_for
from spacevista.engine.scene.lift import LiftConfig, camera_graph, lift_scene
from spacevista.engine.scene.metric_scale import RECOVERY, REFUSAL, scale_sigma
from spacevista.engine.scene.correspond import correspondence, relabel_truth
from spacevista.engine.scene.truth import truth_graph
from spacevista.errors import SceneError
from spacevista.records import QARecord
from spacevista.scene import Scene

JPEG_QUALITY = 90


def _atomic_save(img: Image.Image, path: Path, **kw: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    img.save(tmp, format=kw.pop("format"), **kw)
    os.replace(tmp, path)


def frame_path(scene: Scene, index: int) -> str:
    """Where frame ``index`` of ``scene`` is saved, relative to the dataset folder."""
    return (Path("frames") / scene.id / f"{index:05d}.jpg").as_posix()


def write_frames(scene: Scene, out_dir: Path, used: set[int] | None = None) -> list[str]:
    """Save the frames as JPEG under ``frames/<scene>/`` (only those in ``used`` when given: a long
    capture's clips use a fraction of its frames); returns every frame's path relative to ``out_dir``."""
    rel = []
    for f in scene.frames:
        p = Path(frame_path(scene, f.index))
        target = out_dir / p
        if (used is None or f.index in used) and not target.exists():
            rgb = f.rgb()
            if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
                raise SceneError(scene.id, f.image_path, f"frame {f.index}: expected HxWx3 uint8 RGB, "
                                 f"got {rgb.dtype} {rgb.shape}")
            _atomic_save(Image.fromarray(rgb), target, format="JPEG", quality=JPEG_QUALITY)
        rel.append(p.as_posix())
    return rel


def materialise_masks(records: list[QARecord], scene: Scene, out_dir: Path) -> None:
    """Write the binary mask PNG of every mask prompt and fill its ``mask_path``/``image_path``."""
    frames = {f.index: f for f in scene.frames}
    for r in records:
        for m in r.annotations.get("masks", []):
            frame_index = r.frame_indices[m["image_index"]]
            ids = m["object_ids"]
            p = Path("masks") / scene.id / f"{frame_index:05d}_{'-'.join(map(str, ids))}.png"
            if not (out_dir / p).exists():
                inst = frames[frame_index].instances()
                mask = np.isin(inst, ids).astype(np.uint8) * 255
                _atomic_save(Image.fromarray(mask), out_dir / p, format="PNG")
            m["mask_path"] = p.as_posix()
            m["image_path"] = r.frames[m["image_index"]]


def process_scene(scene: Scene, out_dir: Path, seed: int, task_names: list[str] | None = None,
                  lift: LiftConfig = LiftConfig(), provenance: dict[str, Any] | None = None,
                  truth: Scene | None = None, clip_frames: int = CLIP_FRAMES,
                  annotations: bool = True) -> SceneQA:
    """Run the whole engine on one scene; raises SceneError naming what is wrong.

    ``truth`` is the clean scene when ``scene`` carries degraded perception (or is a synthetic scan
    read back from another layout): the exact graph (answers, visibility) then comes from it, so
    accuracy is measured against the truth. With ``annotations`` and a scene that ships its own 3D
    annotation, metric answers come from it (:mod:`~spacevista.engine.scene.annotated`) and the
    lifted objects are compared with the annotated ones (``result.crosscheck``)."""
    out_dir = Path(out_dir)
    lifted = scene.has_depth and scene.has_instances
    est = lift_scene(scene, lift) if lifted else camera_graph(scene)
    # lifting may drop frames (depth in the wrong unit): paths follow the graph's cameras
    est.frame_paths = [frame_path(scene, c.frame) for c in est.cameras]
    est.metadata["depth_error"] = depth_error_of(scene.metadata)
    est.metadata["mask_error_px"] = mask_error_of(scene.metadata)
    sigma = scale_sigma(scene)
    if sigma is not None:  # posed at a recovered scale: its uncertainty gates and widens metric answers
        est.metadata["scale_sigma"] = sigma
    clean = truth if truth is not None else scene
    exact = truth_graph(clean, rng_for(seed, scene.id, "truth")) if clean.has_ground_truth else None
    if exact is not None:
        exact.frame_paths = [frame_path(scene, c.frame) for c in exact.cameras]
        if truth is not None and lifted and truth.has_instances:
            # perceived ids are a tracker's labels: score each item on the object its marks show
            exact = relabel_truth(exact, correspondence(est, scene, truth), {o.id for o in est.objects})
    ann = None
    if annotations and lifted and scene.has_annotations:
        ann = annotated_graph(scene, est, rng_for(seed, scene.id, "annotation"))
    result = generate_qa(est, exact, seed, task_names, provenance, lifted=lifted, clip_frames=clip_frames,
                         annotated=ann, not_metric=scene.metadata.get(REFUSAL))
    if ann is not None:
        result.crosscheck = compare_graphs(est, ann)
    result.metric_scale = scene.metadata.get(RECOVERY)
    result.dropped_frames = [{**d, "stage": "lift", "error": "DepthUnitError"}
                             for d in est.metadata.get("dropped_frames") or []]
    write_frames(scene, out_dir, used={i for r in result.records for i in r.frame_indices})
    materialise_masks(result.records, scene, out_dir)
    return result
