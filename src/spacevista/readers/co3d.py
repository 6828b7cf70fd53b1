"""CO3D (v2) sequences from ``<category>/frame_annotations.jgz``.

The annotation file is a gzip-compressed JSON list of frame annotations::

    {"sequence_name": "110_13051_23361", "frame_number": 0, "frame_timestamp": 0.0,
     "image": {"path": "apple/110_13051_23361/images/frame000001.jpg", "size": [H, W]},
     "depth": {"path": ".../depths/frame000001.jpg.geometric.png", "scale_adjustment": 1.0,
               "mask_path": ".../depth_masks/frame000001.png"},
     "mask": {"path": ".../masks/frame000001.png", "mass": 1234.0},
     "viewpoint": {"R": 3x3, "T": 3, "focal_length": [fx, fy], "principal_point": [px, py],
                   "intrinsics_format": "ndc_norm_image_bounds" | "ndc_isotropic"}}

Paths are relative to the dataset root (the category folder's parent). Cameras follow PyTorch3D:
``X_cam = X_world @ R + T`` with +x left, +y up, +z forward, intrinsics in NDC; both are converted to
OpenCV pixels here (``conventions.pytorch3d_to_c2w``, ``pytorch3d_ndc_to_pixels``). Depth PNGs hold
float16 bit patterns (``depth = float16(png) * scale_adjustment``), zeroed where the depth mask is 0.
The foreground mask (probability x 255) becomes instance 1 (threshold 0.5), named after the category.
Poses come from SfM: the scene is not metric unless ``metric_scale`` is given.
"""

from __future__ import annotations

import functools
import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spacevista.errors import FrameError, SceneError
from spacevista.readers.base import (READERS, DepthRemap, FrameLog, Reader, check_camera, finish_scene, image_size,
                                     inside, open_image_array, rgb_loader)
from spacevista.readers.conventions import pytorch3d_ndc_to_pixels, pytorch3d_to_c2w
from spacevista.readers.options import SfMOptions
from spacevista.scene import Frame, Scale, Scene

ANNOTATIONS = "frame_annotations.jgz"


@dataclass(frozen=True)
class CO3DOptions(SfMOptions):
    """``sequence`` (default: the sequence folder given, else the first by name), ``metric_scale``,
    ``num_frames``, ``stride``, ``scale``, ``scene_id``, ``up``."""

    reader = "co3d"
    scale: str = "tabletop"
    sequence: str | None = None


def load_co3d_depth(path: str, scene: str, scale_adjustment: float, mask_path: str | None,
                    remap: DepthRemap | None, metric_scale: float) -> np.ndarray:
    """CO3D depth PNG (uint16 holding float16 bits) -> float32 depth, masked, invalid = 0."""
    raw = open_image_array(path, scene)
    if raw.ndim != 2:
        raise SceneError(scene, path, f"depth image must have one channel, got shape {raw.shape}")
    depth = raw.astype(np.uint16).view(np.float16).astype(np.float32) * np.float32(scale_adjustment * metric_scale)
    if mask_path is not None:
        m = open_image_array(mask_path, scene)
        if m.ndim == 3:
            m = m[..., 0]
        if m.shape != depth.shape:
            raise SceneError(scene, mask_path, f"depth mask is {m.shape[1]}x{m.shape[0]}, depth is "
                                               f"{depth.shape[1]}x{depth.shape[0]}")
        depth[m == 0] = 0.0
    depth[~np.isfinite(depth) | (depth < 0)] = 0.0
    return remap(depth) if remap is not None else depth


def load_co3d_mask(path: str, scene: str, size: tuple[int, int]) -> np.ndarray:
    """Foreground probability PNG -> int32 instance map (1 = the object, 0 = background)."""
    m = open_image_array(path, scene)
    if m.ndim == 3:
        m = m[..., 0]
    if (m.shape[1], m.shape[0]) != tuple(size):
        raise SceneError(scene, path, f"mask is {m.shape[1]}x{m.shape[0]}, image is {size[0]}x{size[1]}")
    return (m.astype(np.float32) > 127.5).astype(np.int32)


def load_frame_annotations(scene: str, path: Path) -> list[dict[str, Any]]:
    """The list in a ``frame_annotations.jgz`` file."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SceneError(scene, str(path), f"unreadable frame annotations: {e}") from e
    if not isinstance(data, list):
        raise SceneError(scene, str(path), "frame annotations must be a JSON list")
    return data


def _frame_key(a: dict[str, Any]) -> object:
    """A frame's number, which no two frames of a sequence may share (an annotation without one is
    its own frame)."""
    n = a.get("frame_number")
    return ("annotation", id(a)) if n is None else int(n)


def _locate(path: Path) -> tuple[Path, str | None]:
    """(annotation file, sequence name implied by the path or None)."""
    if path.is_file():
        return path, None
    if (path / ANNOTATIONS).is_file():
        return path / ANNOTATIONS, None
    if (path.parent / ANNOTATIONS).is_file():  # a sequence folder inside its category folder
        return path.parent / ANNOTATIONS, path.name
    return path / ANNOTATIONS, None


@READERS.register("co3d")
class CO3DReader(Reader, options=CO3DOptions, scales=(Scale.TINY, Scale.TABLETOP)):
    """CO3D v2 frame_annotations.jgz (PyTorch3D NDC cameras -> OpenCV pixels); non-metric."""

    @classmethod
    def detect(cls, path: Path) -> bool:
        if path.is_file():
            return path.name == ANNOTATIONS
        return (path / ANNOTATIONS).is_file() or (path.is_dir() and (path.parent / ANNOTATIONS).is_file()
                                                  and (path / "images").is_dir())

    @classmethod
    def read(cls, path: Path, options: CO3DOptions) -> Scene:
        ann_path, implied = _locate(path)
        category_dir = ann_path.parent
        data_root = category_dir.parent
        category = category_dir.name
        sequence = options.sequence or implied
        sid0 = str(options.scene_id or sequence or category)
        if not ann_path.is_file():
            raise SceneError(sid0, str(ann_path), "missing frame annotations (here or in the parent folder)")
        anns = load_frame_annotations(sid0, ann_path)
        seqs = sorted({str(a.get("sequence_name")) for a in anns})
        if not seqs:
            raise SceneError(sid0, str(ann_path), "no frames in the annotation file")
        sequence = sequence or seqs[0]
        if sequence not in seqs:
            raise SceneError(sid0, str(ann_path), f"no sequence {sequence!r} (has {len(seqs)}: {seqs[:5]}...)")
        sid = str(options.scene_id or sequence)
        frames_ann = sorted((a for a in anns if str(a.get("sequence_name")) == sequence),
                            key=lambda a: int(a.get("frame_number", 0)))
        keep = options.select(len(frames_ann))
        log = FrameLog(sid)

        def read_frame(a: dict[str, Any], index: int) -> Frame:
            fn = a.get("frame_number")
            where = f"{ann_path} (frame {fn})"
            try:
                img = inside(data_root, a["image"]["path"], sid, ann_path)
                h_decl, w_decl = (int(x) for x in a["image"]["size"])
                vp = a["viewpoint"]
                K = pytorch3d_ndc_to_pixels(vp["focal_length"], vp["principal_point"], w_decl, h_decl,
                                            vp.get("intrinsics_format", "ndc_norm_image_bounds"))
                pose = pytorch3d_to_c2w(vp["R"], vp["T"])
            except (KeyError, TypeError, ValueError) as e:
                raise FrameError(sid, where, f"bad frame annotation: {e!r}", fn) from e
            pose = options.to_metres(log.pose(pose, where, fn))
            w, h = image_size(sid, img)
            cam = check_camera(K, w, h, sid, img, fn, (w_decl, h_decl))
            depth_loader = depth_path = None
            d = a.get("depth")
            if d and d.get("path"):
                dp = inside(data_root, d["path"], sid, ann_path)
                dsize = image_size(sid, dp)
                mp = str(inside(data_root, d["mask_path"], sid, ann_path)) if d.get("mask_path") else None
                remap = DepthRemap.scaled(cam.K, (w, h), dsize)
                depth_path = str(dp)
                depth_loader = functools.partial(load_co3d_depth, str(dp), sid, float(d.get("scale_adjustment", 1.0)),
                                                 mp, remap, options.translation_scale)
            inst_loader = inst_path = None
            m = a.get("mask")
            if m and m.get("path"):
                inst_path = str(inside(data_root, m["path"], sid, ann_path))
                inst_loader = functools.partial(load_co3d_mask, inst_path, sid, (w, h))
            return Frame(index=index, camera=cam, pose=pose, timestamp=a.get("frame_timestamp"),
                         image_path=str(img), depth_path=depth_path, instance_path=inst_path,
                         rgb_loader=rgb_loader(img, sid), depth_loader=depth_loader, instance_loader=inst_loader)

        frames, kept = log.read([frames_ann[i] for i in keep], read_frame,
                                key=_frame_key)
        metadata = options.note({"format": "co3d", "annotations": str(ann_path), "category": category,
                                 "sequence": sequence, "categories": {1: category},
                                 "source_frame_numbers": [int(a.get("frame_number", 0)) for a in kept]})
        scene = Scene(id=sid, scale=options.scale, frames=frames, metric=options.metric, up_method="unknown",
                      source="co3d", root=category_dir / sequence, metadata=metadata)
        return finish_scene(scene, [], log, options.up)
