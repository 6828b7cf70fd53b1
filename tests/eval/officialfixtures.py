"""A SpaceVista-Bench file in every annotation layout the official evaluator reads, written from its
rules, with the pixels each mark must cover.

Frames are 40 x 30 grey images. Each mask variant marks a known rectangle, so the expected mask is
known without reading the file back; ``EXPECTED_MASK`` maps the entry id to that rectangle
(``None``: the rules draw nothing).
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

W, H = 40, 30
GREY = (90, 90, 90)
RECTS = {0: (2, 4, 10, 10), 1: (12, 5, 20, 14), 2: (22, 15, 33, 25)}  # object -> (x1, y1, x2, y2), exclusive ends


def rect_mask(obj: int, shape: tuple[int, int] = (H, W)) -> np.ndarray:
    x1, y1, x2, y2 = RECTS[obj]
    sy, sx = shape[0] / H, shape[1] / W
    m = np.zeros(shape, dtype=bool)
    m[int(y1 * sy):int(y2 * sy), int(x1 * sx):int(x2 * sx)] = True
    return m


def _stack(objs: tuple[int, ...] = (0, 1, 2)) -> np.ndarray:
    return np.stack([rect_mask(o) for o in objs], axis=-1)  # (H, W, K)


def _labels() -> np.ndarray:
    lab = np.zeros((H, W), dtype=np.int32)
    for o in RECTS:
        lab[rect_mask(o)] = o + 3  # ids 3, 4, 5
    return lab


#: mask entries: id -> (file name, array or pickled array, object_ids, objects the rules select)
MASKS: dict[str, tuple[str, Any, Any, tuple[int, ...] | None]] = {
    "m_bool_none": ("bool.npy", rect_mask(1), None, (1,)),
    "m_bool_true": ("bool.npy", rect_mask(1), [True], (1,)),
    "m_bool_zero": ("bool.npy", rect_mask(1), [0], None),                  # [0] is no true value: nothing
    "m_bool_bare": ("bool.npy", rect_mask(1), 7, None),                    # a bare number: nothing
    "m_label": ("labels.npy", _labels(), [4], (1,)),
    "m_label_two": ("labels.npy", _labels(), [3, "5"], (0, 2)),
    "m_label_noids": ("labels.npy", _labels(), [], (0, 1, 2)),
    "m_hwk_int": ("hwk.npy", _stack(), [2], (2,)),
    "m_hwk_flags": ("hwk.npy", _stack().astype(np.uint8), [False, True, False], (1,)),
    "m_hwk_out_of_range": ("hwk.npy", _stack(), [9], (0, 1, 2)),
    "m_khw": ("khw.npy", np.moveaxis(_stack(), 2, 0).astype(np.uint8) * 7, [0, 2], (0, 2)),
    "m_khw_true_mixed": ("khw.npy", np.moveaxis(_stack(), 2, 0).astype(np.uint8), [1, True], (0, 1, 2)),
    "m_single_axis": ("one.npy", rect_mask(2)[None], None, (2,)),
    "m_small": ("small.npy", rect_mask(0, (15, 20)), None, (0,)),          # resized to the frame, nearest
    "m_pkl_labels": ("labels.pkl", _labels(), [5], (2,)),
    "m_pkl_khw_flags": ("khw.pkl", np.moveaxis(_stack((0, 1)), 2, 0), [True, False], (0,)),
}


def expected_mask(entry_id: str) -> np.ndarray | None:
    """The pixels the mask of ``entry_id`` covers on a frame, or ``None`` when nothing is drawn."""
    objs = MASKS[entry_id][3]
    if objs is None:
        return None
    m = np.zeros((H, W), dtype=bool)
    for o in objs:
        m |= rect_mask(o)
    return m


def write_official_bench(root: Path, absolute_frames: bool = False) -> Path:
    """Frames, mask files and ``bench.json`` under ``root``; returns the JSON's path."""
    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "masks").mkdir(exist_ok=True)
    frames = []
    for i in range(4):
        p = root / "images" / f"{i:03d}.jpg"
        Image.new("RGB", (W, H), GREY).save(p, quality=100)
        frames.append(str(p) if absolute_frames else f"images/{i:03d}.jpg")
    for name, arr, _, _ in MASKS.values():
        target = root / "masks" / name
        if name.endswith(".pkl"):
            target.write_bytes(pickle.dumps(arr, protocol=4))
        else:
            np.save(target, arr)
    meta = {"category": "Indoor", "scale": "m", "original_type": "OBJECT_COUNTING"}

    def entry(eid: str, input_type: str, ann: dict[str, Any], question: str = "How many?", answer: str = "2") -> dict:
        return {"id": eid, "question": question, "answer": answer, "videos": [frames], "input_type": input_type,
                "annotations": ann, "metadata": meta}

    entries = [entry(eid, "image_mask_text", {"masks": [{"mask_path": f"masks/{name}", "object_ids": ids,
                                                          "image_path": "images/002.jpg"}]})
               for eid, (name, _, ids, _) in MASKS.items()]
    entries += [
        entry("p_yx", "image_point_text", {"points": [{"coords": [10, 30], "image_index": 1}]}),
        entry("p_nested", "image_point_text", {"points": [{"coords": [[20, 5]], "image_index": 3, "color": "blue"}]}),
        entry("p_outside", "image_point_text", {"points": [{"coords": [10, 45], "image_index": 1}]}),
        entry("b_list", "image_bbox_text", {"bboxes": [{"coords": [5, 4, 30, 20], "image_index": 0}]}),
        entry("b_reversed", "image_bbox_text", {"bboxes": [{"coords": [30, 20, 5, 4], "image_index": 0}]}),
        entry("b_xyxy", "image_bbox_text", {"bboxes": [{"coords": {"x1": 5, "y1": 4, "x2": 30, "y2": 20},
                                                        "image_index": 1, "color": "green"}]}),
        entry("b_xywh", "image_bbox_text", {"bboxes": [{"coords": {"x": 5, "y": 4, "w": 25, "h": 16},
                                                        "image_index": 1}]}),
        entry("b_clipped", "image_bbox_text", {"bboxes": [{"coords": [-10, -5, 60, 50], "image_index": 2}]}),
        entry("b_left_edge", "image_bbox_text", {"bboxes": [{"coords": [-20, 4, -2, 20], "image_index": 2}]}),
        entry("b_dual", "image_bbox_text", {"bboxes": [], "dual_bbox": {
            "source_image": "elsewhere/images_8/001.jpg", "source_bbox": [2, 2, 12, 12],
            "target_image": "images_8/003.jpg" if not absolute_frames else str(root / "images_8" / "003.jpg"),
            "target_bboxes": [[20, 10, 35, 25], {"x": 1, "y": 15, "w": 10, "h": 10}]}}),
        entry("o_inline", "image_text", {}, "Which is nearest? A. 1 m B. 2 m C. 3 m D. 4 m", "B"),
    ]
    path = root / "bench.json"
    path.write_text(json.dumps(entries, indent=1), encoding="utf-8")
    return path
