"""Tiny benchmark fixtures written in the real schemas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from spacevista.records import QARecord

SCALES = ("tiny", "tabletop", "indoor", "outdoor", "drone")
UNITS = {"tiny": "mm", "tabletop": "cm", "indoor": "m", "outdoor": "m", "drone": "m"}


def write_frames(folder: Path, n: int, seed: int, size: tuple[int, int] = (32, 24)) -> list[str]:
    """``n`` small PNG frames of seeded noise; returns their paths relative to ``folder.parent``."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        arr = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
        p = folder / f"{i:03d}.png"
        if not p.exists():  # scenes are shared by many records
            Image.fromarray(arr).save(p)
        out.append(f"{folder.name}/{p.name}")
    return out


def make_records(root: Path, n: int = 30, seed: int = 0) -> list[QARecord]:
    """QA records of all three answer types and all input types, frames on disk under ``root``."""
    rng = np.random.default_rng(seed)
    recs = []
    for i in range(n):
        scale = SCALES[i % len(SCALES)]
        frames = write_frames(root / f"scene{i % 3}", 4, seed=i % 3)
        kind = i % 3
        input_type = ("image_text", "image_point_text", "image_bbox_text", "image_mask_text")[i % 4]
        ann: dict = {}
        if input_type == "image_point_text":
            ann = {"points": [{"coords": [10, 12], "image_index": 1}]}
        elif input_type == "image_bbox_text":
            ann = {"bboxes": [{"coords": [2, 3, 20, 18], "image_index": 2}]}
        elif input_type == "image_mask_text":
            mask = np.zeros((24, 32), dtype=np.uint8)
            mask[5:10, 5:15] = 3
            mp = root / f"scene{i % 3}" / f"mask{i}.npy"
            np.save(mp, mask)
            ann = {"masks": [{"mask_path": f"scene{i % 3}/mask{i}.npy", "object_ids": [3], "image_index": 0}]}
        common = dict(id=f"q{i:03d}", scene_id=f"scene{i % 3}", source="synth", scale=scale,
                      category=scale, frames=frames, input_type=input_type, annotations=ann,
                      original_type="OBJECT_SIZE")
        if kind == 0:
            n_opt = 4 + (i % 2)
            opts = [f"object {chr(97 + j)}" for j in range(n_opt)]
            ans = chr(ord("A") + int(rng.integers(n_opt)))
            recs.append(QARecord(task="position_comparison", answer_type="mc", question=f"Which object is left of the chair? ({i})",
                                 answer=ans, options=opts, **common))
        elif kind == 1:
            val = float(np.round(rng.uniform(0.5, 40), 2))
            recs.append(QARecord(task="object_size", answer_type="numerical",
                                 question=f"How long is the table, in {UNITS[scale]}? ({i})", answer=repr(val),
                                 unit=UNITS[scale], **common))
        else:
            recs.append(QARecord(task="spatial_relation", answer_type="text", question=f"How is the cup placed? ({i})",
                                 answer=["on top of", "hanging", "inside"][i % 3], **common))
    return recs


