"""ScanNet++ iPhone captures (``<scene_id>/iphone/``), with the scene's annotated laser-scan mesh.

::

    <scene_id>/
      iphone/
        rgb/frame_000000.jpg ...       colour (1920x1440), extracted by the ScanNet++ toolkit
        depth/frame_000000.png ...     uint16 millimetres (256x192), 0 = invalid
        pose_intrinsic_imu.json        {"frame_000000": {"intrinsic": 3x3, "aligned_pose": 4x4,
                                                         "pose": 4x4, "timestamp": ..., ...}, ...}
      scans/mesh_aligned_0.05.ply, segments.json, segments_anno.json    optional 3D annotation

``aligned_pose`` is camera-to-world in the world of the laser scan (the mesh's), with OpenCV camera
axes: the toolkit projects the mesh through it and ``intrinsic`` unchanged. ``pose`` (ARKit's own
world) is not used. Depth is the colour camera scaled to the depth image's size. ScanNet++ has no
2-D instance ids: with the annotation present (``annotations=True``) every frame's instance map is
the annotated mesh projected into it, ids ``objectId + 1``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spacevista.errors import SceneError
from spacevista.readers.annotations import (annotation_loader, annotation_source, projected_instance_loader,
                                            scannetpp_files)
from spacevista.readers.annotations.scannet import read_json, read_seg_groups
from spacevista.readers.base import (READERS, FrameLog, Reader, check_camera, depth_png_loader, finish_scene,
                                     image_size, rgb_loader, scene_id_for)
from spacevista.readers.options import DepthOptions
from spacevista.scene import Frame, Scale, Scene

POSES = "pose_intrinsic_imu.json"


@dataclass(frozen=True)
class ScanNetPPOptions(DepthOptions):
    """``depth_scale`` (metres per depth unit), ``annotations`` (load the annotated mesh when
    present), ``num_frames``, ``stride``, ``scale``, ``scene_id``, ``up``."""

    reader = "scannetpp"
    annotations: bool = True


def _iphone_dir(path: Path) -> Path:
    return path / "iphone" if (path / "iphone" / POSES).is_file() else path


def _matrix(sid: str, path: Path, name: str, entry: dict, key: str, shape: tuple[int, int]) -> np.ndarray:
    try:
        m = np.asarray(entry[key], dtype=np.float64).reshape(shape)
    except (KeyError, TypeError, ValueError) as e:
        raise SceneError(sid, str(path), f"{name}: expected a {shape[0]}x{shape[1]} '{key}' ({e})") from e
    return m


@READERS.register("scannetpp")
class ScanNetPPReader(Reader, options=ScanNetPPOptions, scales=(Scale.INDOOR,)):
    """ScanNet++ iPhone frames: aligned_pose camera-to-world, per-frame intrinsics, mm depth, annotated mesh."""

    @classmethod
    def detect(cls, path: Path) -> bool:
        return path.is_dir() and (_iphone_dir(path) / POSES).is_file() and (_iphone_dir(path) / "rgb").is_dir()

    @classmethod
    def read(cls, path: Path, options: ScanNetPPOptions) -> Scene:
        iphone = _iphone_dir(path)
        root = iphone.parent if iphone.name == "iphone" else iphone
        sid = scene_id_for(root, options)
        meta_path = iphone / POSES
        meta = read_json(sid, meta_path)
        if not isinstance(meta, dict):
            raise SceneError(sid, str(meta_path), "expected an object of frames")
        rgbs = {p.stem: p for p in (iphone / "rgb").glob("*.jpg")}
        names = sorted(n for n in rgbs if n in meta)
        if not names:
            raise SceneError(sid, str(iphone / "rgb"), f"no colour frame named in {POSES}")
        found = scannetpp_files(root) if options.annotations else None
        source = annotation_source("scannetpp", sid, *map(str, found)) if found is not None else None
        keep = options.select(len(names))
        skipped: list[dict[str, Any]] = []
        log = FrameLog(sid)

        def read_frame(name: str, index: int) -> Frame | None:
            entry = meta[name]
            if not isinstance(entry, dict) or "aligned_pose" not in entry:
                skipped.append({"frame": name, "file": str(meta_path), "reason": "no aligned_pose"})
                return None
            K = _matrix(sid, meta_path, name, entry, "intrinsic", (3, 3))
            pose = log.pose(_matrix(sid, meta_path, name, entry, "aligned_pose", (4, 4)), meta_path, name)
            w, h = image_size(sid, rgbs[name])
            cam = check_camera(K, w, h, sid, meta_path, name)
            dp = iphone / "depth" / f"{name}.png"
            depth = depth_png_loader(sid, dp, K, (w, h), options.depth_scale) if dp.is_file() else None
            inst = projected_instance_loader(source, K, w, h, pose) if source is not None else None
            stamp = entry.get("timestamp")
            return Frame(index=index, camera=cam, pose=pose,
                         timestamp=float(stamp) if isinstance(stamp, (int, float)) else None,
                         image_path=str(rgbs[name]), depth_path=str(dp) if depth else None,
                         rgb_loader=rgb_loader(rgbs[name], sid), depth_loader=depth, instance_loader=inst)

        frames, kept = log.read([names[i] for i in keep], read_frame)
        metadata: dict[str, Any] = {"format": "scannetpp", "source_frame_names": kept}
        loader = None
        if source is not None:
            metadata["categories"] = {oid + 1: label for oid, label, _ in read_seg_groups(sid, found[2])}
            metadata["annotation"] = {"source": "scannetpp", "files": list(map(str, found)),
                                      "instance_ids": "projected mesh"}
            loader = annotation_loader(source)
        scene = Scene(id=sid, scale=options.scale, frames=frames, metric=True, up_method="unknown",
                      source="scannetpp", root=root, metadata=metadata, annotation_loader=loader)
        return finish_scene(scene, skipped, log, options.up)
