"""WildRGB-D scene folders.

::

    <category>/scenes/scene_000/
      rgb/00000.png ...     colour frames
      depth/00000.png ...   uint16 millimetres, 0 = invalid
      masks/00000.png ...   object mask (nonzero = the object)
      metadata              JSON: "K" (9 numbers, column-major), "w", "h"
      cam_poses.txt         per line: frame_id, then the 4x4 camera-to-world (OpenCV axes, metres), row-major

Poses come from RGB-D SLAM at real scale, so the scene is metric. The mask becomes instance 1 named
after the category folder. Depth is assumed registered to colour (same camera); if its size differs
it is resampled onto the colour grid through the scaled intrinsics.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from spacevista.errors import SceneError
from spacevista.readers.base import (READERS, FrameLog, Reader, check_camera, depth_png_loader, finish_scene,
                                     image_size, load_instance_png, numeric_rows, read_text, rgb_loader, scene_id_for)
from spacevista.readers.options import DepthOptions
from spacevista.scene import Frame, Scale, Scene


@dataclass(frozen=True)
class WildRGBDOptions(DepthOptions):
    """``depth_scale`` (metres per depth unit), ``num_frames``, ``stride``, ``scale``, ``scene_id``, ``up``."""

    reader = "wildrgbd"
    scale: str = "tabletop"


def load_wildrgbd_mask(path: str, scene: str, size: tuple[int, int]) -> np.ndarray:
    """Object mask PNG -> int32 instance map with the object as 1."""
    m = load_instance_png(path, scene, size)
    return (m > 0).astype(np.int32)


@READERS.register("wildrgbd")
class WildRGBDReader(Reader, options=WildRGBDOptions, scales=(Scale.TABLETOP,)):
    """WildRGB-D scene folder: rgb/, depth/ (mm), masks/, metadata (K), cam_poses.txt (camera-to-world); metric."""

    @classmethod
    def detect(cls, path: Path) -> bool:
        return all(f.is_file() for f in (path / "cam_poses.txt", path / "metadata")) and (path / "rgb").is_dir()

    @classmethod
    def read(cls, path: Path, options: WildRGBDOptions) -> Scene:
        sid = scene_id_for(path, options)
        root, meta_path = path, path / "metadata"
        try:
            meta = json.loads(read_text(sid, meta_path))
            K = np.asarray(meta["K"], dtype=np.float64).reshape(3, 3).T  # stored column-major
            declared = (int(meta["w"]), int(meta["h"]))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
            raise SceneError(sid, str(meta_path), f"bad metadata (needs K, w, h): {e!r}") from e
        pose_path = root / "cam_poses.txt"
        entries = [(int(v[0]), np.asarray(v[1:]).reshape(4, 4))
                   for v in numeric_rows(sid, pose_path, 17, "frame id + 16 numbers")]
        if not entries:
            raise SceneError(sid, str(pose_path), "no poses")
        entries.sort(key=lambda e: e[0])
        category = root.parent.parent.name if root.parent.name == "scenes" else root.parent.name
        keep = options.select(len(entries))
        log = FrameLog(sid)

        def read_frame(entry: tuple[int, np.ndarray], index: int) -> Frame:
            fid, pose = entry
            pose = log.pose(pose, pose_path, fid)
            img = root / "rgb" / f"{fid:05d}.png"
            w, h = image_size(sid, img)
            cam = check_camera(K, w, h, sid, meta_path, fid, declared)
            dp = root / "depth" / f"{fid:05d}.png"
            depth_loader = depth_png_loader(sid, dp, K, (w, h), options.depth_scale) if dp.is_file() else None
            mp = root / "masks" / f"{fid:05d}.png"
            inst_loader = functools.partial(load_wildrgbd_mask, str(mp), sid, (w, h)) if mp.is_file() else None
            return Frame(index=index, camera=cam, pose=pose, image_path=str(img),
                         depth_path=str(dp) if depth_loader else None,
                         instance_path=str(mp) if inst_loader else None, rgb_loader=rgb_loader(img, sid),
                         depth_loader=depth_loader, instance_loader=inst_loader)

        frames, kept = log.read([entries[i] for i in keep], read_frame, key=lambda entry: entry[0])
        scene = Scene(id=sid, scale=options.scale, frames=frames, metric=True, up_method="unknown",
                      source="wildrgbd", root=root,
                      metadata={"format": "wildrgbd", "category": category, "categories": {1: category},
                                "source_frame_ids": [fid for fid, _ in kept]})
        return finish_scene(scene, [], log, options.up)
