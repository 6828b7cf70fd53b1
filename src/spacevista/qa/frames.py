"""Frames for a prompt: uniform sampling, video decoding (PyAV), resizing, visual prompts drawn.

Point, box and mask prompts are drawn on the frame they name at full resolution, before the
longest side is capped, so that coordinates in the benchmark's pixel space stay valid.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

#: colours of successive prompts (first object red, then blue, green, yellow)
PROMPT_COLORS: tuple[tuple[int, int, int], ...] = ((255, 0, 0), (0, 128, 255), (0, 255, 0), (255, 215, 0))


def uniform_indices(total: int, n: int) -> list[int]:
    """``n`` indices spread evenly over ``range(total)`` (all of them when ``total <= n``)."""
    if total <= 0:
        return []
    if n <= 0 or total <= n:
        return list(range(total))
    return np.linspace(0, total - 1, n).astype(int).tolist()


def sample_with_required(total: int, n: int, required: list[int]) -> list[int]:
    """Uniform indices that also contain every index in ``required`` (frames with a drawn prompt):
    each required index replaces the nearest sampled index that is not itself required."""
    idx = uniform_indices(total, n)
    need = sorted({r for r in required if 0 <= r < total} - set(idx))
    keep = set(required)
    for r in need:
        free = [i for i in idx if i not in keep]
        if not free:
            idx.append(r)
        else:
            nearest = min(free, key=lambda i: (abs(i - r), i))
            idx[idx.index(nearest)] = r
        keep.add(r)
    return sorted(set(idx))


def cap_longest_side(img: Image.Image, max_side: int) -> Image.Image:
    """Downscale so that the longest side is at most ``max_side`` (aspect kept); 0 keeps the size."""
    w, h = img.size
    if max_side <= 0 or max(w, h) <= max_side:
        return img
    s = max_side / max(w, h)
    return img.resize((max(1, round(w * s)), max(1, round(h * s))), Image.Resampling.BICUBIC)


def load_image(path: str | Path) -> Image.Image:
    """An RGB image from a file; a missing or unreadable file raises naming it."""
    try:
        with Image.open(path) as im:
            return im.convert("RGB")
    except (OSError, ValueError) as e:
        raise ValueError(f"cannot read frame {path}: {e}") from e


def decode_image(data: bytes, name: str = "embedded image") -> Image.Image:
    """An RGB image from encoded bytes."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            return im.convert("RGB")
    except (OSError, ValueError) as e:
        raise ValueError(f"cannot decode {name}: {e}") from e


def read_video_frames(path: str | Path, n: int, time_range: tuple[float, float] | None = None) -> list[Image.Image]:
    """``n`` frames spread evenly over a video (or over ``time_range`` seconds of it), via PyAV.

    A first pass reads packet timestamps only (no decoding) to count frames; the second decodes
    and keeps the chosen ones.
    """
    import av  # imported here so that scoring never pays for it

    path = str(path)
    try:
        with av.open(path) as c:
            stream = c.streams.video[0]
            tb = float(stream.time_base) if stream.time_base else 0.0
            pts = sorted(p.pts for p in c.demux(stream) if p.pts is not None and p.size > 0)
        if time_range is not None and tb:
            lo, hi = time_range
            pts = [p for p in pts if lo <= p * tb <= hi] or pts
        chosen = {pts[i] for i in uniform_indices(len(pts), n)}
        out: list[Image.Image] = []
        with av.open(path) as c:
            for frame in c.decode(video=0):
                if frame.pts in chosen:
                    out.append(frame.to_image().convert("RGB"))
                    if len(out) == len(chosen):
                        break
    except (av.error.FFmpegError, OSError, IndexError) as e:
        raise ValueError(f"cannot read video {path}: {e}") from e
    if not out:
        raise ValueError(f"video {path} has no frames{' in ' + str(time_range) if time_range else ''}")
    return out


# ----------------------------------------------------------------------------- visual prompts

def _load_mask(path: Path, object_ids: Any) -> np.ndarray:
    """A boolean mask from ``.npy``/``.npz`` (label map, boolean map or stack) or an image file."""
    suffix = path.suffix.lower()
    if suffix == ".npy":
        arr = np.load(path, allow_pickle=False)
    elif suffix == ".npz":
        with np.load(path, allow_pickle=False) as z:
            arr = z[z.files[0]]
    else:
        arr = np.asarray(Image.open(path).convert("L"))
    while arr.ndim > 2 and arr.shape[0] == 1:
        arr = arr[0]
    ids = [int(i) for i in (object_ids if isinstance(object_ids, list) else [object_ids])
           if i is not None and not isinstance(i, bool)] if object_ids is not None else []
    if arr.ndim == 3:  # a stack of per-object masks, objects first
        sel = [i for i in ids if 0 <= i < arr.shape[0]] or list(range(arr.shape[0]))
        return np.any(arr[sel] != 0, axis=0)
    if arr.dtype == bool or not ids:
        return arr != 0
    if suffix not in (".npy", ".npz") and not np.isin(ids, arr).any() and set(np.unique(arr)) <= {0, 255}:
        return arr != 0  # a black-and-white image is the mask of the named objects, not a label map
    return np.isin(arr, ids)


def _frame_of(image_path: str | None, frames: list[str]) -> int:
    if not image_path:
        return 0
    if image_path in frames:
        return frames.index(image_path)
    name = Path(image_path).name
    for i, f in enumerate(frames):
        if Path(f).name == name:
            return i
    return 0


def prompt_marks(input_type: str, annotations: dict[str, Any], frames: list[str], base: Path) -> list[dict[str, Any]]:
    """The marks to draw, each ``{kind, frame, color, data}``; only those of the ``input_type``."""
    marks: list[dict[str, Any]] = []
    ann = annotations or {}
    if "point" in input_type:
        for i, p in enumerate(ann.get("points") or []):
            marks.append({"kind": "point", "frame": int(p.get("image_index", 0)),
                          "color": PROMPT_COLORS[i % 4], "data": p["coords"]})
    if "bbox" in input_type:
        for i, b in enumerate(ann.get("bboxes") or []):
            marks.append({"kind": "bbox", "frame": int(b.get("image_index", 0)),
                          "color": PROMPT_COLORS[i % 4], "data": b["coords"]})
        dual = ann.get("dual_bbox") or None
        if dual:
            if dual.get("source_bbox"):
                marks.append({"kind": "bbox", "frame": _frame_of(dual.get("source_image"), frames),
                              "color": PROMPT_COLORS[0], "data": dual["source_bbox"]})
            for j, tb in enumerate(dual.get("target_bboxes") or []):
                marks.append({"kind": "bbox", "frame": _frame_of(dual.get("target_image"), frames),
                              "color": PROMPT_COLORS[(j + 1) % 4], "data": tb})
    if "mask" in input_type:
        for i, m in enumerate(ann.get("masks") or []):
            if not m.get("mask_path"):
                continue
            frame = int(m["image_index"]) if "image_index" in m else _frame_of(m.get("image_path"), frames)
            mp = Path(m["mask_path"])
            marks.append({"kind": "mask", "frame": frame, "color": PROMPT_COLORS[i % 4],
                          "data": (mp if mp.is_absolute() else base / mp, m.get("object_ids"))})
    return marks


def draw_marks(img: Image.Image, marks: list[dict[str, Any]]) -> Image.Image:
    """Draw points (filled discs at [y, x]), boxes ([x1, y1, x2, y2] outlines) and masks
    (35 % colour overlay) on one frame."""
    W, H = img.size
    img = img.copy()
    draw = ImageDraw.Draw(img)
    stroke = max(2, int(0.004 * min(W, H)))
    radius = max(8, int(0.014 * min(W, H)))
    for m in marks:
        if m["kind"] == "point":
            y, x = float(m["data"][0]), float(m["data"][1])
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=m["color"], outline=m["color"])
        elif m["kind"] == "bbox":
            x1, y1, x2, y2 = (float(v) for v in m["data"])
            x1, x2 = sorted((min(max(x1, 0), W - 1), min(max(x2, 0), W - 1)))
            y1, y2 = sorted((min(max(y1, 0), H - 1), min(max(y2, 0), H - 1)))
            draw.rectangle((x1, y1, x2, y2), outline=m["color"], width=stroke)
    for m in marks:
        if m["kind"] == "mask":
            path, ids = m["data"]
            try:
                mask = _load_mask(path, ids)
            except (OSError, ValueError, KeyError) as e:
                raise ValueError(f"cannot read mask {path}: {e}") from e
            mimg = Image.fromarray(mask.astype(np.uint8) * 255)
            if mimg.size != img.size:
                mimg = mimg.resize(img.size, Image.Resampling.NEAREST)
            colour = Image.new("RGB", img.size, m["color"])
            blended = Image.blend(img, colour, 0.35)
            img = Image.composite(blended, img, mimg)
    return img
