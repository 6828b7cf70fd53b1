"""COLMAP sparse models, text or binary.

``path`` is the model folder (``cameras``, ``images``, ``points3D`` ``.bin`` or ``.txt``) or a project
folder holding ``sparse/0`` or ``sparse``; images are looked up in the ``images`` option, else in
``<project>/images``. COLMAP already uses OpenCV camera axes; its ``images`` entries are
world-to-camera (``qvec`` w-first, ``tvec``) and are inverted here. Distortion parameters are recorded
per camera in ``scene.metadata["cameras"]``, not undone. Non-metric unless ``metric_scale`` is given;
``sparse_observations`` gives the model's points as each frame saw them, for recovering the scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spacevista.errors import FrameError, SceneError
from spacevista.readers.base import (READERS, FrameLog, Reader, check_camera, finish_scene, image_size, inside,
                                     rgb_loader)
from spacevista.readers.colmap_model import FISHEYE, find_model, read_model, read_sparse_views
from spacevista.readers.conventions import qvec_to_rotmat, world_to_camera_to_c2w
from spacevista.readers.options import SfMOptions
from spacevista.scene import Frame, Scale, Scene


@dataclass(frozen=True)
class ColmapOptions(SfMOptions):
    """``images`` (image folder; default ``<project>/images``), ``metric_scale``, ``num_frames``,
    ``stride``, ``scale``, ``scene_id``, ``up``."""

    reader = "colmap"
    images: str | None = None


def _images_dir(path: Path, model: Path) -> Path:
    for d in (path / "images", model.parent / "images", model.parent.parent / "images"):
        if d.is_dir():
            return d
    return path / "images"


@READERS.register("colmap")
class ColmapReader(Reader, options=ColmapOptions, scales=tuple(Scale)):
    """COLMAP sparse model (text or binary); world-to-camera inverted; non-metric unless scaled."""

    @classmethod
    def detect(cls, path: Path) -> bool:
        return path.is_dir() and find_model(path) is not None

    @classmethod
    def read(cls, path: Path, options: ColmapOptions) -> Scene:
        found = find_model(path) if path.is_dir() else None
        project = path.parent.parent if path.name.isdigit() and path.parent.name == "sparse" else (
            path.parent if path.name == "sparse" else path)
        sid = str(options.scene_id or project.name)
        if found is None:
            raise SceneError(sid, str(path / "cameras.bin"), "no COLMAP model (cameras + images, .bin or .txt)")
        model, ext = found
        cams, images = read_model(sid, model, ext)
        if not images:
            raise SceneError(sid, str(model / f"images.{ext}"), "model has no registered images")
        img_dir = Path(options.images) if options.images else _images_dir(path, model)
        ordered = sorted(images.values(), key=lambda im: im.name)
        keep = options.select(len(ordered))
        log = FrameLog(sid)

        def read_frame(im, index: int) -> Frame:
            if im.camera_id not in cams:
                raise FrameError(sid, str(model / f"images.{ext}"), f"uses unknown camera {im.camera_id}", im.name)
            cam = cams[im.camera_id]
            img = inside(img_dir, im.name, sid, model / f"images.{ext}")
            w, h = image_size(sid, img)
            camera = check_camera(cam.K(), w, h, sid, model / f"cameras.{ext}", im.name, (cam.width, cam.height))
            pose = world_to_camera_to_c2w(qvec_to_rotmat(im.qvec), im.tvec)
            pose = options.to_metres(log.pose(pose, model / f"images.{ext}", im.name))
            return Frame(index=index, camera=camera, pose=pose, image_path=str(img), rgb_loader=rgb_loader(img, sid))

        frames, kept = log.read([ordered[i] for i in keep], read_frame, key=lambda im: im.name)
        metadata: dict[str, Any] = {
            "format": "colmap", "model": str(model), "model_format": ext, "images_dir": str(img_dir),
            "source_image_names": [im.name for im in kept],
            "cameras": {c.id: {"model": c.model, "params": list(c.params), "distortion": list(c.distortion())}
                        for c in cams.values()},
            "distortion_handling": "recorded, not undistorted",
        }
        if any(c.model in FISHEYE for c in cams.values()):
            metadata["warnings"] = ["fisheye camera model: the Scene camera is only its pinhole part"]
        scene = Scene(id=sid, scale=options.scale, frames=frames, metric=options.metric, up_method="unknown",
                      source="colmap", root=project, metadata=options.note(metadata))
        return finish_scene(scene, [], log, options.up)


def sparse_observations(scene: Scene) -> list[tuple[np.ndarray, np.ndarray] | None] | None:
    """Per frame of ``scene``, the pixels (N, 2, on the frame's own image grid) where the SfM model
    saw its 3-D points and the points' depth (N,) in the units of the scene's poses; None for a frame
    the model did not register, and None overall when the scene names no COLMAP model.

    The model is the one the reader recorded (``metadata["model"]``, ``["model_format"]`` and the
    frames' ``["source_image_names"]``): the COLMAP reader's own, or one the nerfstudio reader found
    beside ``transforms.json``. Depths follow the poses' units: times ``metric_scale`` for a COLMAP
    source; for another source, times the ratio of camera spreads (each camera's distance from the
    cameras' centroid, median over frames), since its poses may be a similarity of the model's."""
    model, ext, names = (scene.metadata.get(k) for k in ("model", "model_format", "source_image_names"))
    if not model or ext not in ("bin", "txt") or not names or len(names) != len(scene.frames):
        return None
    views = read_sparse_views(scene.id, Path(model), ext)
    matched = [views.get(n) for n in names]
    if scene.metadata.get("format") == "colmap":
        units = float(scene.metadata.get("metric_scale", 1.0))
    else:
        units = _spread_ratio([f.position for f, v in zip(scene.frames, matched) if v is not None],
                              [v.center for v in matched if v is not None])
        if units is None:
            return None
    out: list[tuple[np.ndarray, np.ndarray] | None] = []
    for f, v in zip(scene.frames, matched):
        if v is None or not v.size[0] or not v.size[1]:
            out.append(None)
            continue
        grid = np.array([f.camera.width / v.size[0], f.camera.height / v.size[1]])
        out.append((v.uv * grid, v.depth * units))
    return out


def _spread_ratio(ours: list[np.ndarray], model: list[np.ndarray]) -> float | None:
    """How many of our units one model unit is, from the cameras' distances to their centroid."""
    if len(ours) < 2:
        return None
    a, b = np.asarray(ours, float), np.asarray(model, float)
    da = np.linalg.norm(a - a.mean(axis=0), axis=1)
    db = np.linalg.norm(b - b.mean(axis=0), axis=1)
    ok = db > 1e-9 * max(1.0, float(db.max()))
    if ok.sum() < 2:
        return None
    return float(np.median(da[ok] / db[ok]))
