"""Frames for a prompt: uniform sampling, image and video decoding (PyAV), resizing.

Point, box and mask prompts (:mod:`spacevista.qa.marks`) are drawn on the frame they name at full
resolution, before the longest side is capped, so that coordinates in the benchmark's pixel space
stay valid.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image


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


def official_resize(img: Image.Image, max_size: int) -> Image.Image:
    """The official SpaceVista script's resize: the longest side to ``max_size`` (when larger), the
    other side scaled and truncated to an integer, Lanczos resampling."""
    w, h = img.size
    if max_size <= 0 or max(w, h) <= max_size:
        return img
    if h > w:
        size = (int(w * (max_size / h)), max_size)
    else:
        size = (max_size, int(h * (max_size / w)))
    return img.resize(size, Image.Resampling.LANCZOS)


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
