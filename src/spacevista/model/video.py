"""Frames for the model from an mp4 (PyAV) or a folder of images, sampled uniformly in time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp"}


def sample_indices(total: int, n: int) -> list[int]:
    """``n`` indices spread evenly over ``total`` frames, first and last included (all frames if fewer)."""
    if total <= 0:
        return []
    if n <= 0:
        raise ValueError(f"number of frames must be positive, got {n}")
    if total <= n:
        return list(range(total))
    return sorted({int(round(i)) for i in np.linspace(0, total - 1, n)})


def read_frames(path: str | Path, num_frames: int = 16) -> list[np.ndarray]:
    """HxWx3 uint8 frames of a video file or an image folder (sorted by name), ``num_frames`` sampled."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise ValueError(f"{path}: no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in this folder")
        return [np.asarray(Image.open(files[i]).convert("RGB")) for i in sample_indices(len(files), num_frames)]
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such video file or image folder")
    import av

    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
    except (av.FFmpegError, IndexError) as e:
        raise ValueError(f"{path}: cannot decode a video stream ({e})") from e
    if not frames:
        raise ValueError(f"{path}: the video has no frames")
    return [frames[i] for i in sample_indices(len(frames), num_frames)]
