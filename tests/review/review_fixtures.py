"""A tiny review dataset written on the fly: QA records, JPEG frames and PNG masks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from spacevista.io.jsonl import write_jsonl
from spacevista.records import QARecord

TASKS = ("object_counting", "object_size", "position_comparison")
SCALES = ("tabletop", "indoor", "outdoor")
UNITS = {"tabletop": "cm", "indoor": "m", "outdoor": "m"}
W, H = 160, 120


def _frame(rng: np.random.Generator, k: int) -> Image.Image:
    yy, xx = np.mgrid[0:H, 0:W]
    base = np.stack([(xx * 255 // W), (yy * 255 // H), np.full_like(xx, 40 + 30 * k)], -1)
    noise = rng.integers(0, 20, size=base.shape)
    img = np.clip(base + noise, 0, 255).astype(np.uint8)
    img[40:80, 50:110] = (230, 210, 90)  # an "object" the prompts point at
    return Image.fromarray(img, "RGB")


def make_dataset(root: Path, per_stratum: int = 2, seed: int = 0) -> list[QARecord]:
    """Write qa.jsonl, frames and masks for ``per_stratum`` items in each task x scale."""
    rng = np.random.default_rng(seed)
    records = []
    n = 0
    for task in TASKS:
        for scale in SCALES:
            for k in range(per_stratum):
                scene = f"synth-{scale}-{n:04d}"
                frames = []
                for f in range(3):
                    rel = f"frames/{scene}/{f:05d}.jpg"
                    (root / rel).parent.mkdir(parents=True, exist_ok=True)
                    _frame(rng, f).save(root / rel, quality=90)
                    frames.append(rel)
                ann: dict = {}
                input_type = "image_text"
                if task == "position_comparison":
                    input_type = "image_point_text"
                    ann = {"points": [{"coords": [60, 80], "image_index": 1},
                                      {"coords": [30, 30], "image_index": 2}]}
                elif task == "object_size" and k % 2 == 0:
                    input_type = "image_bbox_text"
                    ann = {"bboxes": [{"coords": [50, 40, 110, 80], "image_index": 0}]}
                elif task == "object_size":
                    input_type = "image_mask_text"
                    mask = np.zeros((H, W), np.uint8)
                    mask[40:80, 50:110] = 3
                    mask[5:15, 5:15] = 7
                    rel = f"masks/{scene}/00001.png"
                    (root / rel).parent.mkdir(parents=True, exist_ok=True)
                    Image.fromarray(mask, "L").save(root / rel)
                    ann = {"masks": [{"mask_path": rel, "object_ids": [3], "image_path": frames[1]}]}
                if task == "position_comparison":
                    rec = QARecord(
                        id=f"{scene}-q{k}", scene_id=scene, source="synth", scale=scale,
                        category=scale.title(), task=task, answer_type="mc",
                        question="Is the object marked by point 1 left or right of the one at point 2?",
                        options=["left", "right"], answer="B", rationale="Point 1 lies at x=80, point 2 at x=30.",
                        input_type=input_type, annotations=ann, frames=frames, reference_frame=1)
                else:
                    value = f"{1.5 + n * 0.25:.2f}"
                    rec = QARecord(
                        id=f"{scene}-q{k}", scene_id=scene, source="synth", scale=scale,
                        category=scale.title(), task=task, answer_type="numerical",
                        question=f"How long is the yellow object ({task.replace('_', ' ')})?",
                        answer=value, unit=UNITS[scale], rationale="The box spans 60 px at the stated depth.",
                        input_type=input_type, annotations=ann, frames=frames, exact_answer=value)
                records.append(rec)
                n += 1
    write_jsonl(records, root / "qa.jsonl")
    return records
