"""RGB-D frame folders in the 7-Scenes layout.

One sequence folder holds ``frame-XXXXXX.color.(png|jpg)``, ``frame-XXXXXX.depth.png`` (uint16
millimetres; 0 and 65535 are invalid) and ``frame-XXXXXX.pose.txt`` (4x4 camera-to-world, metres,
OpenCV axes). ``camera-intrinsics.txt`` (3x3, the colour camera) sits in the folder or its parent;
an optional ``depth-intrinsics.txt`` gives the depth camera's own 3x3 when it differs. An optional
``gravity-direction.txt`` (unit vector in world coordinates pointing down) gives the up vector.

Colour and depth of different sizes: the frame's camera is the colour camera; depth is resampled
onto the colour pixel grid by nearest-neighbour lookup through both intrinsics (the sensors are
taken to share their centre and axes). Without ``depth-intrinsics.txt`` the depth camera is the
colour camera scaled by the ratio of the image sizes.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
import numpy as np

from spacevista.errors import SceneError
from spacevista.readers.base import (READERS, DepthRemap, FrameLog, Reader, check_camera, file_here_or_above,
                                     finish_scene, image_size, load_depth_png, read_matrix, rgb_loader, scene_id_for)
from spacevista.readers.options import DepthOptions
from spacevista.scene import Frame, Scale, Scene

_FRAME = re.compile(r"^frame-(\d+)\.pose\.txt$")


@dataclass(frozen=True)
class RGBDFolderOptions(DepthOptions):
    """``depth_scale`` (metres per depth unit), ``num_frames``, ``stride``, ``scale``, ``scene_id``, ``up``."""

    reader = "rgbd_folder"


@READERS.register("rgbd_folder")
class RGBDFolderReader(Reader, options=RGBDFolderOptions, scales=(Scale.TABLETOP, Scale.INDOOR)):
    """7-Scenes-style RGB-D frame folder: colour, mm depth, camera-to-world pose text per frame (metric)."""

    @classmethod
    def detect(cls, path: Path) -> bool:
        return path.is_dir() and any(_FRAME.match(q.name) for q in path.glob("frame-*.pose.txt"))

    @classmethod
    def read(cls, path: Path, options: RGBDFolderOptions) -> Scene:
        root, sid = path, scene_id_for(path, options)
        if not root.is_dir():
            raise SceneError(sid, str(root), "not a folder")
        ids = sorted((m.group(1) for q in root.iterdir() if (m := _FRAME.match(q.name))), key=int)
        if not ids:
            raise SceneError(sid, str(root), "no frame-XXXXXX.pose.txt files (empty or not a 7-Scenes folder)")
        kpath = file_here_or_above(root, "camera-intrinsics.txt")
        if kpath is None:
            raise SceneError(sid, str(root / "camera-intrinsics.txt"), "missing camera intrinsics")
        K = read_matrix(sid, kpath, (3, 3))
        dkpath = file_here_or_above(root, "depth-intrinsics.txt")
        K_depth = read_matrix(sid, dkpath, (3, 3)) if dkpath is not None else None
        keep = options.select(len(ids))
        log = FrameLog(sid)
        remaps: dict[tuple, DepthRemap] = {}

        def read_frame(fid: str, index: int) -> Frame:
            stem = root / f"frame-{fid}"
            pose_file = Path(f"{stem}.pose.txt")
            pose = log.pose(read_matrix(sid, pose_file, (4, 4)), pose_file, fid)
            color = next((Path(f"{stem}.color{e}") for e in (".png", ".jpg") if Path(f"{stem}.color{e}").is_file()),
                         None)
            if color is None:
                raise SceneError(sid, f"{stem}.color.png", "missing colour image")
            w, h = image_size(sid, color)
            cam = check_camera(K, w, h, sid, kpath, fid)
            depth_file = Path(f"{stem}.depth.png")
            depth_loader = None
            if depth_file.is_file():
                dsize = image_size(sid, depth_file)
                key = (dsize, w, h)
                if key not in remaps:
                    remaps[key] = (DepthRemap(K_depth, dsize, K, (w, h)) if K_depth is not None
                                   else DepthRemap.scaled(K, (w, h), dsize))
                depth_loader = functools.partial(load_depth_png, str(depth_file), sid, options.depth_scale,
                                                 (0, 65535), remaps[key])
            return Frame(index=index, camera=cam, pose=pose, image_path=str(color),
                         depth_path=str(depth_file) if depth_loader else None,
                         rgb_loader=rgb_loader(color, sid), depth_loader=depth_loader)

        frames, kept = log.read([ids[i] for i in keep], read_frame)

        up, up_method = np.array([0.0, 0.0, 1.0]), "unknown"
        gpath = file_here_or_above(root, "gravity-direction.txt")
        if gpath is not None:
            g = read_matrix(sid, gpath, (1, 3)).reshape(3)
            if not np.all(np.isfinite(g)) or np.linalg.norm(g) < 1e-9:
                raise SceneError(sid, str(gpath), "gravity direction has no direction")
            up, up_method = -g / np.linalg.norm(g), "gravity"
        scene = Scene(id=sid, scale=options.scale, frames=frames, metric=True, up=up,
                      up_method=up_method, source="rgbd_folder", root=root,
                      metadata={"format": "rgbd_folder", "intrinsics": str(kpath),
                                "depth_intrinsics": str(dkpath) if dkpath else "colour intrinsics scaled to depth size",
                                "source_frame_ids": kept})
        return finish_scene(scene, [], log, options.up)
