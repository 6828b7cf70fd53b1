"""Plain video files (mp4, mov, mkv, avi, webm) via PyAV, with intrinsics and optional poses in a side file.

Side file, looked up in this order: the ``side_file`` option, ``<video stem>.json`` next to the video,
``transforms.json`` next to the video.

``<stem>.json``::

    {"K": [[fx, 0, cx], [0, fy, cy], [0, 0, 1]],      # or "fx", "fy", "cx", "cy"
     "width": 1920, "height": 1080,                    # optional; checked against the video
     "metric": false,                                  # optional; true only if poses are in metres
     "convention": "opencv",                           # or "opengl" (NeRF axes) for the poses
     "poses": {"0": 4x4, "15": 4x4, ...}               # optional camera-to-world per video frame index
                                                       # (a list means one pose per frame, in order)
     "up": [0, 0, 1]}                                  # optional world up vector

``transforms.json`` (nerfstudio) next to the video: its intrinsics, and its frames' poses taken as
video frames 0, 1, 2 ... in order (or ``"video_frame"`` per frame when present), OpenGL axes.

Without poses every frame gets the identity pose, ``metadata["poses_known"] = False`` and the scene
is not metric; a later stage must estimate them. Frames are sampled by ``num_frames`` (evenly over
the video) or ``fps`` (the first frame of every 1/fps seconds), decoded once and cached as JPEG
(quality 95; ``cache_format="png"`` for lossless) under
``cache_dir/<key>/`` where the key hashes the video's size, head and tail bytes and the sampling
options, so a rerun reads the cache instead of decoding again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from spacevista.errors import SceneError
from spacevista.readers.base import (READERS, FrameLog, Reader, check_camera, finish_scene, intrinsics_matrix,
                                     load_rgb, read_text, scene_id_for)
from spacevista.readers.conventions import opengl_to_opencv
from spacevista.readers.options import MetricScaleOption, SceneOptions, above, at_least, one_of
from spacevista.scene import Frame, Scale, Scene

VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v")
#: cache image formats: JPEG (quality 95) by default, ~20x faster to write than PNG at 1080p; PNG is
#: lossless with respect to the decoded video
CACHE_FORMATS = {"jpg": {"quality": 95}, "png": {"compress_level": 1}}


@dataclass(frozen=True)
class VideoOptions(MetricScaleOption, SceneOptions):
    """``num_frames`` (evenly over the video) or ``fps`` (the first frame of every 1/fps seconds),
    ``cache_dir``, ``cache_format`` ("jpg" | "png"), ``side_file``, ``metric_scale``, ``scale``,
    ``scene_id``, ``up``. No ``stride``: ``fps`` samples a video by time."""

    reader = "video"
    num_frames: int | None = field(default=None, metadata=at_least(1))
    fps: float | None = field(default=None, metadata=above(0))
    cache_dir: str | None = None
    cache_format: str = field(default="jpg", metadata=one_of(*CACHE_FORMATS))
    side_file: str | None = None

    def check(self) -> None:
        super().check()
        if self.num_frames is not None and self.fps is not None:
            raise self.fail("fps", "cannot be given with 'num_frames': give one of them")


def default_cache_dir() -> Path:
    """``$SPACEVISTA_CACHE/video`` or ``~/.cache/spacevista/video``."""
    base = os.environ.get("SPACEVISTA_CACHE")
    return (Path(base) if base else Path.home() / ".cache" / "spacevista") / "video"


def _import_av():
    try:
        import av
    except ImportError as e:  # PyAV is a core dependency; say so clearly if it is missing
        raise SceneError(None, None, f"reading video needs PyAV ({e})") from e
    return av


def frame_times(scene: str, path: Path) -> tuple[np.ndarray, int, int]:
    """Presentation times (s) of every video frame, from packets only (no decoding), and (w, h)."""
    av = _import_av()
    try:
        with av.open(str(path)) as c:
            if not c.streams.video:
                raise SceneError(scene, str(path), "no video stream")
            s = c.streams.video[0]
            w, h = s.codec_context.width, s.codec_context.height
            tb = float(s.time_base)
            pts = [p.pts for p in c.demux(s) if p.pts is not None and p.size > 0]
    except (av.error.FFmpegError, OSError) as e:
        raise SceneError(scene, str(path), f"unreadable video: {e}") from e
    if not pts:
        raise SceneError(scene, str(path), "video has no frames")
    return np.sort(np.asarray(pts, dtype=np.float64)) * tb, int(w), int(h)


def sample_frames(times: np.ndarray, num_frames: int | None = None, fps: float | None = None) -> list[int]:
    """Frame indices: ``num_frames`` evenly spaced, or the first frame of each 1/``fps`` interval, or all."""
    n = len(times)
    if num_frames is not None and fps is not None:
        raise ValueError("give num_frames or fps, not both")
    if num_frames is not None:
        if num_frames < 1:
            raise ValueError(f"num_frames must be >= 1, got {num_frames}")
        return sorted(set(np.linspace(0, n - 1, min(num_frames, n)).round().astype(int).tolist()))
    if fps is not None:
        if fps <= 0:
            raise ValueError(f"fps must be positive, got {fps}")
        bins = np.floor((times - times[0]) * fps + 1e-6).astype(np.int64)
        _, first = np.unique(bins, return_index=True)
        return sorted(first.tolist())
    return list(range(n))


def cache_key(path: Path, indices: list[int], fmt: str) -> str:
    """Cache folder key: hash of the video's size, first and last MiB, the frame indices and format."""
    h = hashlib.sha256()
    size = path.stat().st_size
    h.update(str(size).encode())
    with open(path, "rb") as f:
        h.update(f.read(1 << 20))
        if size > 1 << 20:
            f.seek(max(size - (1 << 20), 0))
            h.update(f.read())
    h.update(json.dumps([indices, fmt]).encode())
    return h.hexdigest()[:20]


def decode_to_cache(scene: str, path: Path, indices: list[int], cache: Path,
                    fmt: str = "jpg") -> list[tuple[Path, float]]:
    """Decode the wanted frames once into ``cache`` as ``fmt`` images; reuse a complete cache.

    Returns (file, presentation time in seconds) per wanted frame.
    """
    if fmt not in CACHE_FORMATS:
        raise SceneError(scene, str(path), f"cache_format must be one of {sorted(CACHE_FORMATS)}, got {fmt!r}")
    index_file = cache / "index.json"
    if index_file.is_file():
        try:
            done = json.loads(index_file.read_text(encoding="utf-8"))
            if done.get("indices") == indices:
                return [(cache / f, float(t)) for f, t in zip(done["files"], done["times"])]
        except (json.JSONDecodeError, KeyError, TypeError):
            pass  # a damaged index is rebuilt below
    av = _import_av()
    cache.mkdir(parents=True, exist_ok=True)
    wanted = set(indices)
    files, times = [], []
    try:
        with av.open(str(path)) as c:
            s = c.streams.video[0]
            s.thread_type = "AUTO"
            last = max(indices)
            for i, fr in enumerate(c.decode(s)):
                if i in wanted:
                    name = f"frame_{i:06d}.{fmt}"
                    Image.fromarray(fr.to_ndarray(format="rgb24")).save(cache / name, **CACHE_FORMATS[fmt])
                    files.append(name)
                    times.append(float(fr.time) if fr.time is not None else float("nan"))
                if i >= last:
                    break
    except (av.error.FFmpegError, OSError) as e:
        raise SceneError(scene, str(path), f"video decoding failed: {e}") from e
    if len(files) != len(indices):
        raise SceneError(scene, str(path), f"decoded {len(files)} of {len(indices)} sampled frames")
    tmp = cache / "index.json.tmp"
    tmp.write_text(json.dumps({"video": str(path), "indices": indices, "files": files, "times": times}),
                   encoding="utf-8")
    os.replace(tmp, index_file)
    return [(cache / f, t) for f, t in zip(files, times)]


def _side_file(path: Path, options: VideoOptions) -> Path | None:
    if options.side_file:
        return Path(options.side_file)
    for cand in (path.with_suffix(".json"), path.parent / "transforms.json"):
        if cand.is_file():
            return cand
    return None


def _parse_side(scene: str, side: Path) -> dict[str, Any]:
    """Normalise either side-file format into K, size, metric, up and the poses as written: a list of
    (video frame index, camera-to-world) in file order, in OpenGL axes when ``opengl``. They are
    checked (``FrameLog.pose``) only for the frames sampled."""
    try:
        d = json.loads(read_text(scene, side))
    except json.JSONDecodeError as e:
        raise SceneError(scene, str(side), f"unreadable JSON: {e}") from e
    out: dict[str, Any] = {"poses": [], "opengl": False, "metric": False, "up": None, "size": None}
    try:
        if "frames" in d:  # nerfstudio transforms.json
            fx = float(d["fl_x"]) if "fl_x" in d else 0.5 * float(d["w"]) / math.tan(0.5 * float(d["camera_angle_x"]))
            fy = float(d.get("fl_y", fx))
            out["K"] = intrinsics_matrix(fx, fy, float(d.get("cx", float(d.get("w", 0)) / 2)),
                                         float(d.get("cy", float(d.get("h", 0)) / 2)))
            if "w" in d and "h" in d:
                out["size"] = (int(d["w"]), int(d["h"]))
            out["poses"] = [(int(fm.get("video_frame", i)), fm["transform_matrix"]) for i, fm in enumerate(d["frames"])]
            out["opengl"] = True
            out["format"] = "transforms.json"
            return out
        if "K" in d:
            out["K"] = np.asarray(d["K"], dtype=np.float64).reshape(3, 3)
        else:
            out["K"] = intrinsics_matrix(float(d["fx"]), float(d["fy"]), float(d["cx"]), float(d["cy"]))
        if "width" in d and "height" in d:
            out["size"] = (int(d["width"]), int(d["height"]))
        out["metric"] = bool(d.get("metric", False))
        out["up"] = d.get("up")
        conv = d.get("convention", "opencv")
        if conv not in ("opencv", "opengl"):
            raise SceneError(scene, str(side), f"convention must be 'opencv' or 'opengl', got {conv!r}")
        poses = d.get("poses") or {}
        items = enumerate(poses) if isinstance(poses, list) else ((int(k), v) for k, v in poses.items())
        out["poses"] = [(int(idx), T) for idx, T in items]
        out["opengl"] = conv == "opengl"
        out["format"] = "json"
    except (KeyError, TypeError, ValueError) as e:
        raise SceneError(scene, str(side), f"bad side file: {e!r}") from e
    return out


@READERS.register("video")
class VideoReader(Reader, options=VideoOptions, scales=tuple(Scale)):
    """Plain video (PyAV) + side file with K and optional poses; sampled frames cached on disk."""

    @classmethod
    def detect(cls, path: Path) -> bool:
        return path.is_file() and path.suffix.lower() in VIDEO_SUFFIXES

    @classmethod
    def read(cls, path: Path, options: VideoOptions) -> Scene:
        sid = scene_id_for(path, options)
        if not path.is_file():
            raise SceneError(sid, str(path), "missing video file")
        side = _side_file(path, options)
        if side is None:
            raise SceneError(sid, str(path.with_suffix(".json")), "missing side file with the intrinsics")
        info = _parse_side(sid, side)
        times, w, h = frame_times(sid, path)
        cam = check_camera(info["K"], w, h, sid, side, declared=info["size"])
        try:
            indices = sample_frames(times, options.num_frames, options.fps)
        except ValueError as e:
            raise SceneError(sid, str(path), str(e)) from e
        log = FrameLog(sid)
        poses: dict[int, np.ndarray] = {}
        skipped: list[dict[str, Any]] = []
        if info["poses"]:
            posed = {i for i, _ in info["poses"]}
            skipped = [{"frame": i, "file": str(side), "reason": "no pose for this video frame"}
                       for i in indices if i not in posed]
            sampled = set(indices)

            def check(entry: tuple[int, Any], _: int) -> tuple[int, np.ndarray]:
                idx, T = entry
                T = log.pose(T, side, idx)
                return idx, opengl_to_opencv(T) if info["opengl"] else T

            entries = sorted((e for e in info["poses"] if e[0] in sampled), key=lambda e: e[0])
            poses = dict(log.read(entries, check, key=lambda e: e[0])[0])
            indices = [i for i in indices if i in poses]
        fmt = options.cache_format
        cache = Path(options.cache_dir or default_cache_dir()) / f"{path.stem}-{cache_key(path, indices, fmt)}"
        decoded = decode_to_cache(sid, path, indices, cache, fmt) if indices else []
        frames = []
        for idx, (png, t) in zip(indices, decoded):
            pose = options.to_metres(np.array(poses[idx]) if poses else np.eye(4))
            frames.append(Frame(index=len(frames), camera=cam, pose=pose, timestamp=t, image_path=str(png),
                                rgb_loader=functools.partial(load_rgb, str(png), sid, None)))
        metric = bool(info["poses"]) and (info["metric"] or options.metric)
        up = info["up"]
        scene = Scene(id=sid, scale=options.scale, frames=frames, metric=metric,
                      up=up if up is not None else [0.0, 0.0, 1.0], up_method="given" if up is not None else "unknown",
                      source="video", root=path.parent,
                      metadata={"format": "video", "video": str(path), "side_file": str(side),
                                "side_format": info["format"], "poses_known": bool(info["poses"]),
                                "video_frame_indices": indices, "cache": str(cache), "video_size": [w, h],
                                "video_frames": len(times)})
        return finish_scene(scene, skipped, log, options.up)
