"""nerfstudio / instant-ngp ``transforms.json`` (the layout DL3DV ships).

Intrinsics come from the top level (``fl_x, fl_y, cx, cy, w, h`` or instant-ngp's
``camera_angle_x``) and may be overridden per frame. Distortion (``k1 k2 k3 k4 p1 p2``) is recorded
in ``scene.metadata["distortion"]``, not undone: images stay as captured and the Scene camera is the
pinhole part. Poses are OpenGL camera-to-world and are converted to OpenCV axes here. A COLMAP
model beside ``transforms.json`` (``sparse/0``, ``colmap/sparse/0``, ...) is recorded in the metadata,
so that its points can fix the metric scale.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spacevista.errors import FrameError, PoseError, SceneError
from spacevista.readers.base import (READERS, FrameLog, Reader, check_camera, finish_scene, image_size, inside,
                                     intrinsics_matrix, load_depth_png, rgb_loader, scene_id_for)
from spacevista.readers.colmap_model import find_model
from spacevista.readers.conventions import opengl_to_opencv
from spacevista.readers.options import SfMOptions, at_least
from spacevista.scene import Frame, Scale, Scene

_DIST_KEYS = ("k1", "k2", "k3", "k4", "p1", "p2")


@dataclass(frozen=True)
class NerfstudioOptions(SfMOptions):
    """``metric_scale`` (metres per source unit; makes the scene metric), ``downscale`` (read
    ``images_<n>/`` instead of ``images/``), ``num_frames``, ``stride``, ``scale``, ``scene_id``,
    ``up`` (see ``readers.up.resolve_up``)."""

    reader = "nerfstudio"
    downscale: int = field(default=1, metadata=at_least(1))


def _transforms_path(path: Path) -> Path:
    return path if path.is_file() else path / "transforms.json"


@READERS.register("nerfstudio")
class NerfstudioReader(Reader, options=NerfstudioOptions,
                       scales=(Scale.INDOOR, Scale.OUTDOOR, Scale.DRONE)):
    """nerfstudio / instant-ngp transforms.json (DL3DV); OpenGL poses -> OpenCV; non-metric unless scaled."""

    @classmethod
    def detect(cls, path: Path) -> bool:
        if path.is_file():
            return path.suffix == ".json" and path.name.startswith("transforms")
        return (path / "transforms.json").is_file()

    @classmethod
    def read(cls, path: Path, options: NerfstudioOptions) -> Scene:
        tf = _transforms_path(path)
        root = tf.parent
        sid = scene_id_for(root, options)
        if not tf.is_file():
            raise SceneError(sid, str(tf), "missing transforms.json")
        try:
            meta = json.loads(tf.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise SceneError(sid, str(tf), f"unreadable JSON: {e}") from e
        frames_meta = meta.get("frames")
        if not isinstance(frames_meta, list) or not frames_meta:
            raise SceneError(sid, str(tf), "no 'frames' list")
        downscale = options.downscale
        keep = options.select(len(frames_meta))
        depth_unit = float(meta.get("depth_unit_scale_factor", 1e-3))

        log = FrameLog(sid)

        def read_frame(i: int, index: int) -> Frame:
            fm = {**meta, **frames_meta[i]}
            if "file_path" not in fm or "transform_matrix" not in fm:
                raise FrameError(sid, str(tf), "lacks file_path or transform_matrix", i)
            img = _image_path(sid, tf, root, str(fm["file_path"]), downscale)
            w, h = image_size(sid, img)
            K, declared = _intrinsics(sid, tf, fm, i)
            if downscale != 1 or declared is None:
                # images_<n>/ hold images 1/n the size (rounded); scale K by the actual ratio
                dw, dh = declared if declared is not None else (w, h)
                sx, sy = w / dw, h / dh
                if downscale != 1 and not (abs(sx * downscale - 1) < 0.05 and abs(sy * downscale - 1) < 0.05):
                    raise SceneError(sid, str(img), f"image is {w}x{h}, not 1/{downscale} of {dw}x{dh}")
                K = np.diag([sx, sy, 1.0]) @ K
                declared = None
            cam = check_camera(K, w, h, sid, img, i, declared)
            try:
                pose_gl = np.asarray(fm["transform_matrix"], dtype=np.float64)
            except (TypeError, ValueError) as e:
                raise PoseError(sid, str(tf), f"transform_matrix is not numeric: {e}", i) from e
            if pose_gl.shape == (3, 4):
                pose_gl = np.vstack([pose_gl, [0, 0, 0, 1]])
            pose = options.to_metres(opengl_to_opencv(log.pose(pose_gl, f"{tf} ({fm['file_path']})", i)))
            depth_loader = None
            depth_path = None
            if fm.get("depth_file_path"):
                dp = inside(root, str(fm["depth_file_path"]), sid, tf)
                depth_path = str(dp)
                depth_loader = functools.partial(load_depth_png, str(dp), sid, depth_unit, (0,), None)
            return Frame(index=index, camera=cam, pose=pose, image_path=str(img), depth_path=depth_path,
                         rgb_loader=rgb_loader(img, sid), depth_loader=depth_loader)

        frames, kept = log.read(keep, read_frame)

        dist = {k: float(meta[k]) for k in _DIST_KEYS if k in meta and float(meta[k]) != 0.0}
        metadata: dict[str, Any] = {
            "format": "nerfstudio", "transforms": str(tf), "source_frame_indices": kept,
            "camera_model": meta.get("camera_model", "OPENCV" if dist else "PINHOLE"),
            "distortion": dist, "distortion_handling": "recorded, not undistorted",
        }
        if "applied_transform" in meta:
            metadata["applied_transform"] = meta["applied_transform"]
        beside = find_model(root) or find_model(root / "colmap")
        if beside is not None:
            # the COLMAP model the poses came from: its points fix the metric scale (colmap.sparse_observations)
            metadata.update(model=str(beside[0]), model_format=beside[1],
                            source_image_names=[_model_name(str(frames_meta[i]["file_path"])) for i in kept])
        scene = Scene(id=sid, scale=options.scale, frames=frames, metric=options.metric, up_method="unknown",
                      source="nerfstudio", root=root, metadata=options.note(metadata))
        return finish_scene(scene, [], log, options.up)


def _model_name(file_path: str) -> str:
    """The name COLMAP gives a frame's image: its path below the images folder."""
    parts = [p for p in Path(file_path).parts if p != "."]
    if len(parts) > 1 and parts[0].startswith("images"):
        parts = parts[1:]
    return "/".join(parts)


def _image_path(sid: str, tf: Path, root: Path, file_path: str, downscale: int) -> Path:
    rel = Path(file_path)
    if downscale != 1:
        parts = list(rel.parts)
        if parts and parts[0] in (".",):
            parts = parts[1:]
        if not parts or not parts[0].startswith("images"):
            raise SceneError(sid, file_path, "downscale needs file paths under images/")
        parts[0] = f"images_{downscale}"
        rel = Path(*parts)
    p = inside(root, rel, sid, tf)
    if not p.suffix and not p.exists():
        # instant-ngp's NeRF-synthetic files omit the extension
        for ext in (".png", ".jpg", ".jpeg"):
            if p.with_suffix(ext).exists():
                return p.with_suffix(ext)
    return p


def _intrinsics(sid: str, tf: Path, fm: dict[str, Any], i: int) -> tuple[np.ndarray, tuple[int, int] | None]:
    """K and the (w, h) it was written for; ``None`` size when the file does not state one."""
    try:
        w = int(fm["w"]) if "w" in fm else None
        h = int(fm["h"]) if "h" in fm else None
        if "fl_x" in fm:
            fx = float(fm["fl_x"])
            fy = float(fm.get("fl_y", fx))
        elif "camera_angle_x" in fm:
            if w is None:
                raise SceneError(sid, str(tf), "camera_angle_x needs 'w' to give a focal length")
            fx = 0.5 * w / math.tan(0.5 * float(fm["camera_angle_x"]))
            fy = 0.5 * h / math.tan(0.5 * float(fm["camera_angle_y"])) if ("camera_angle_y" in fm and h) else fx
        else:
            raise SceneError(sid, str(tf), f"frame {i}: no focal length (fl_x or camera_angle_x)")
        if "cx" in fm and "cy" in fm:
            cx, cy = float(fm["cx"]), float(fm["cy"])
        elif w is not None and h is not None:
            cx, cy = w / 2.0, h / 2.0
        else:
            raise SceneError(sid, str(tf), f"frame {i}: no principal point and no image size")
    except (TypeError, ValueError) as e:
        raise SceneError(sid, str(tf), f"frame {i}: bad intrinsics: {e}") from e
    declared = (w, h) if (w is not None and h is not None) else None
    return intrinsics_matrix(fx, fy, cx, cy), declared
