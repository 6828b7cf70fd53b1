"""Visual prompts (points, boxes, masks) read from an item's annotations and drawn on its frames
exactly as the official SpaceVista evaluator draws them.

Reading (:func:`prompt_marks`), only the kinds the ``input_type`` names:

- points ``{"coords": [y, x] or [[y, x]], "image_index", "color"?}``;
- boxes ``{"coords": [x1, y1, x2, y2] or {"x1", "y1", "x2", "y2"} or {"x", "y", "w", "h"},
  "image_index", "color"?}`` and ``dual_bbox {"source_image", "source_bbox", "target_image",
  "target_bboxes"}`` (the source red, the targets from the second colour on);
- masks ``{"mask_path", "object_ids", "image_path" or "image_index"}`` (see :mod:`.masks`);
- colours are named (``red``, ``blue``, ``green``, ``yellow``; another name is red) or taken in
  that order per kind; an image path is found among the frames as the official evaluator finds
  it (:func:`frame_index_of`).

Drawing (:func:`draw_marks`), on the full-size frame: points as filled discs of radius
``max(8, int(0.014 * short side))`` (a point outside the frame is skipped); boxes as outlines
``max(2, int(0.004 * short side))`` wide, corners clipped into the frame, reversed corners of a
list swapped, a box that clipping leaves on the left or top edge not drawn; then masks filled with
their colour, opaque (the official overlay composites a colour layer and drops its alpha).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from spacevista.qa.masks import load_mask

#: colours of successive prompts of a kind (first object red, then blue, green, yellow)
COLOR_NAMES: tuple[str, ...] = ("red", "blue", "green", "yellow")
COLORS_RGB: dict[str, tuple[int, int, int]] = {"red": (255, 0, 0), "blue": (0, 128, 255), "green": (0, 255, 0),
                                               "yellow": (255, 215, 0)}
PROMPT_COLORS: tuple[tuple[int, int, int], ...] = tuple(COLORS_RGB[c] for c in COLOR_NAMES)


def _color(value: Any, i: int) -> tuple[int, int, int]:
    if isinstance(value, (list, tuple)) and len(value) == 3:
        return (int(value[0]), int(value[1]), int(value[2]))
    if value:
        return COLORS_RGB.get(str(value), COLORS_RGB["red"])
    return PROMPT_COLORS[i % len(PROMPT_COLORS)]


def frame_index_of(image_path: str | None, frames: list[str]) -> int:
    """Where ``image_path`` is among ``frames``: the same string, the same absolute path, either after
    swapping ``/images_8/`` and ``/images/``, else the first frame with the same file name; 0 when
    none matches (the official evaluator's lookup)."""
    if not image_path or not frames:
        return 0
    if image_path in frames:
        return frames.index(image_path)
    absolute = [os.path.abspath(f) for f in frames]
    if os.path.abspath(image_path) in absolute:
        return absolute.index(os.path.abspath(image_path))
    for a, b in (("/images_8/", "/images/"), ("/images/", "/images_8/")):
        if a in image_path:
            alt = image_path.replace(a, b)
            if alt in frames:
                return frames.index(alt)
            if os.path.abspath(alt) in absolute:
                return absolute.index(os.path.abspath(alt))
    name = os.path.basename(image_path)
    for i, f in enumerate(frames):
        if os.path.basename(f) == name:
            return i
    return 0


def prompt_marks(input_type: str, annotations: dict[str, Any], frames: list[str], base: Path) -> list[dict[str, Any]]:
    """The marks to draw, each ``{kind, frame, color, data}``; only those of the ``input_type``.
    Relative mask paths resolve against ``base``."""
    marks: list[dict[str, Any]] = []
    ann = annotations or {}
    kinds = (input_type or "").lower()
    if "point" in kinds:
        for i, p in enumerate(ann.get("points") or []):
            marks.append({"kind": "point", "frame": int(p.get("image_index", 0)),
                          "color": _color(p.get("color"), i), "data": p["coords"]})
    if "bbox" in kinds:
        for i, b in enumerate(ann.get("bboxes") or []):
            marks.append({"kind": "bbox", "frame": int(b.get("image_index", 0)),
                          "color": _color(b.get("color"), i), "data": b["coords"]})
        dual = ann.get("dual_bbox") or None
        if dual:
            if dual.get("source_bbox"):
                marks.append({"kind": "bbox", "frame": frame_index_of(dual.get("source_image"), frames),
                              "color": PROMPT_COLORS[0], "data": dual["source_bbox"]})
            for j, tb in enumerate(dual.get("target_bboxes") or []):
                marks.append({"kind": "bbox", "frame": frame_index_of(dual.get("target_image"), frames),
                              "color": PROMPT_COLORS[(j + 1) % 4], "data": tb})
    if "mask" in kinds:
        for i, m in enumerate(ann.get("masks") or []):
            if not m.get("mask_path"):
                continue
            if m.get("image_path"):
                frame = frame_index_of(m["image_path"], frames)
            else:
                frame = int(m.get("image_index", 0))
            mp = Path(m["mask_path"])
            marks.append({"kind": "mask", "frame": frame, "color": PROMPT_COLORS[i % 4],
                          "data": (mp if mp.is_absolute() else base / mp, m.get("object_ids"))})
    return marks


def point_xy(data: Any, width: int, height: int) -> tuple[float, float] | None:
    """``(x, y)`` of a ``[y, x]`` (or ``[[y, x]]``) point inside the frame, else ``None``."""
    if isinstance(data, (list, tuple)) and len(data) == 1 and isinstance(data[0], (list, tuple, np.ndarray)):
        data = data[0]
    if not (isinstance(data, (list, tuple, np.ndarray)) and len(data) == 2):
        return None
    y, x = float(data[0]), float(data[1])
    if not (0 <= x < width and 0 <= y < height):
        return None
    return x, y


def box_xyxy(data: Any, width: int, height: int) -> tuple[float, float, float, float] | None:
    """``(x1, y1, x2, y2)`` of a box in any accepted layout, clipped into the frame; ``None`` when
    the layout is not one of them."""
    if isinstance(data, dict):
        if all(k in data for k in ("x1", "y1", "x2", "y2")):
            x1, y1, x2, y2 = (float(data[k]) for k in ("x1", "y1", "x2", "y2"))
        elif all(k in data for k in ("x", "y", "w", "h")):
            x, y, w, h = (float(data[k]) for k in ("x", "y", "w", "h"))
            x1, y1, x2, y2 = x, y, x + w, y + h
        else:
            return None
    elif isinstance(data, (list, tuple, np.ndarray)):
        flat = np.asarray(data, dtype=float).ravel()
        if flat.size != 4:
            return None
        x1, y1, x2, y2 = flat.tolist()
    else:
        return None
    # PIL needs ordered corners; the official evaluator orders those of lists (and fails on dicts)
    x1, x2 = min(x1, x2), max(x1, x2)
    y1, y2 = min(y1, y2), max(y1, y2)
    clip = lambda v, hi: max(0.0, min(v, hi - 1))  # noqa: E731
    return clip(x1, width), clip(y1, height), clip(x2, width), clip(y2, height)


def draw_marks(img: Image.Image, marks: list[dict[str, Any]]) -> Image.Image:
    """``img`` (a copy) with the marks drawn (see the module docstring)."""
    W, H = img.size
    img = img.copy()
    draw = ImageDraw.Draw(img)
    stroke = max(2, int(0.004 * min(W, H)))
    radius = max(8, int(0.014 * min(W, H)))
    for m in marks:
        if m["kind"] == "point":
            xy = point_xy(m["data"], W, H)
            if xy is not None:
                x, y = xy
                draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=m["color"],
                             outline=m["color"], width=2)
        elif m["kind"] == "bbox":
            box = box_xyxy(m["data"], W, H)
            if box is not None and box[2] > 0 and box[3] > 0:
                draw.rectangle(box, outline=m["color"], width=stroke)
    for m in marks:
        if m["kind"] == "mask":
            path, ids = m["data"]
            try:
                mask = load_mask(path, ids)
            except (OSError, ValueError, KeyError) as e:
                raise ValueError(f"cannot read mask {path}: {e}") from e
            if not mask.any():
                continue
            mimg = Image.fromarray(mask.astype(np.uint8) * 255)
            if mimg.size != img.size:
                mimg = mimg.resize(img.size, Image.Resampling.NEAREST)
            img = Image.composite(Image.new("RGB", img.size, m["color"]), img, mimg)
    return img


def marks_key(marks: list[dict[str, Any]]) -> tuple[Any, ...]:
    """A hashable description of what ``marks`` draw (mask files by path, size and time), for caches."""
    out = []
    for m in marks:
        data = m["data"]
        if m["kind"] == "mask":
            path, ids = data
            try:
                st = os.stat(path)
                stamp: tuple[int, int] = (st.st_size, st.st_mtime_ns)
            except OSError:
                stamp = (-1, -1)
            data = (str(path), repr(ids), stamp)
        else:
            data = repr(data)
        out.append((m["kind"], m["frame"], tuple(m["color"]), data))
    return tuple(out)
