"""ScanNet export folders (the layout ScanNet's SensReader writes, plus the scene's annotation files).

::

    scene0000_00/
      color/0.jpg ...            colour frames (1296x968 in ScanNet)
      depth/0.png ...            uint16 millimetres (640x480), 0 = invalid
      pose/0.txt ...             4x4 camera-to-world, metres, OpenCV axes; rows of -inf = tracking lost
      intrinsic/intrinsic_color.txt, intrinsic/intrinsic_depth.txt   4x4 (upper-left 3x3 is K)
      scene0000_00.txt           optional: "axisAlignment = m00 m01 ... m33" (row-major 4x4)
      instance-filt/0.png ...    optional: 2-D instance ids, pixel value = objectId + 1, 0 = unannotated
      scene0000_00.aggregation.json (or scene0000_00_vh_clean.aggregation.json)
                                 optional: segGroups [{objectId, label, ...}]
      scene0000_00_vh_clean_2.ply, scene0000_00_vh_clean_2.0.010000.segs.json
                                 optional: the annotated mesh (see ``readers.annotations.scannet``)

Resolution: ``resolution="color"`` (default) keeps the colour camera and moves depth onto its grid;
``resolution="depth"`` keeps the depth camera and moves colour onto the depth grid. Both use
nearest-neighbour lookup through the two intrinsics (ScanNet's colour/depth extrinsic is identity).
Instance ids keep ScanNet's value (objectId + 1) so that 0 stays background;
``scene.metadata["categories"] = {objectId + 1: label}``.

With the mesh, segments and aggregation present (and ``annotations=True``), the scene carries the
annotated objects (``scene.annotations()``), moved by the axis alignment like the poses; frames
without an ``instance-filt`` image then get the instance map the annotated mesh projects into them,
with the same ids.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spacevista.errors import SceneError
from spacevista.readers.annotations import (annotation_loader, annotation_source, projected_instance_loader,
                                            scannet_files)
from spacevista.readers.annotations.scannet import read_seg_groups
from spacevista.readers.base import (READERS, DepthRemap, FrameLog, Reader, check_camera, file_here_or_above,
                                     finish_scene, image_size, load_depth_png, load_instance_png, load_rgb_remapped,
                                     read_matrix, read_text, rgb_loader, scene_id_for)
from spacevista.readers.options import DepthOptions, one_of
from spacevista.scene import Frame, Scale, Scene


@dataclass(frozen=True)
class ScanNetOptions(DepthOptions):
    """``resolution`` ("color": the colour camera, depth moved onto it; "depth": the reverse),
    ``depth_scale``, ``axis_align`` (apply the scene's axisAlignment), ``annotated_only`` (only
    frames with 2-D instances; default: when instance-filt/ exists), ``annotations`` (load the
    annotated mesh when present), ``num_frames``, ``stride``, ``scale``, ``scene_id``, ``up``."""

    reader = "scannet"
    resolution: str = field(default="color", metadata=one_of("color", "depth"))
    axis_align: bool = True
    annotated_only: bool | None = None
    annotations: bool = True


def _numbered(folder: Path, suffixes: tuple[str, ...]) -> dict[int, Path]:
    out = {}
    if folder.is_dir():
        for q in folder.iterdir():
            if q.suffix.lower() in suffixes and q.stem.isdigit():
                out[int(q.stem)] = q
    return out


def read_axis_alignment(scene: str, path: Path, log: FrameLog | None = None) -> np.ndarray | None:
    """The 4x4 ``axisAlignment`` of a ScanNet scene meta file, or ``None`` when it has none; checked
    as a pose (and its rounding corrected) through ``log``."""
    for line in read_text(scene, path).splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "axisAlignment":
            try:
                vals = [float(x) for x in value.split()]
            except ValueError as e:
                raise SceneError(scene, str(path), f"axisAlignment is not numeric: {e}") from e
            if len(vals) != 16:
                raise SceneError(scene, str(path), f"axisAlignment needs 16 numbers, found {len(vals)}")
            return (log or FrameLog(scene)).pose(np.asarray(vals).reshape(4, 4), path)
    return None


def read_aggregation(scene: str, path: Path) -> dict[int, str]:
    """``{objectId + 1: label}`` from a ScanNet aggregation file (the 2-D instance-filt id convention)."""
    return {oid + 1: label for oid, label, _ in read_seg_groups(scene, path, "aggregation")}


@READERS.register("scannet")
class ScanNetReader(Reader, options=ScanNetOptions, scales=(Scale.INDOOR,)):
    """ScanNet export (color/, depth/ mm, pose/ camera-to-world, intrinsic/), axis alignment, 2-D instances."""

    @classmethod
    def detect(cls, path: Path) -> bool:
        return path.is_dir() and all((path / d).is_dir() for d in ("color", "pose", "intrinsic"))

    @classmethod
    def read(cls, path: Path, options: ScanNetOptions) -> Scene:
        root = path
        sid = scene_id_for(root, options)
        resolution = options.resolution
        colors = _numbered(root / "color", (".jpg", ".png"))
        poses = _numbered(root / "pose", (".txt",))
        depths = _numbered(root / "depth", (".png",))
        instances = _numbered(root / "instance-filt", (".png",))
        if not colors:
            raise SceneError(sid, str(root / "color"), "no colour frames")
        Kc = read_matrix(sid, root / "intrinsic" / "intrinsic_color.txt", (4, 4))[:3, :3]
        kd_path = root / "intrinsic" / "intrinsic_depth.txt"
        Kd = read_matrix(sid, kd_path, (4, 4))[:3, :3] if depths else None
        depth_scale = options.depth_scale

        name = root.name  # ScanNet names its scene files after the folder
        meta_file = file_here_or_above(root, f"{name}.txt")
        log = FrameLog(sid)
        align = read_axis_alignment(sid, meta_file, log) if (meta_file and options.axis_align) else None
        agg = file_here_or_above(root, f"{name}.aggregation.json", f"{name}_vh_clean.aggregation.json")
        categories = read_aggregation(sid, agg) if agg else {}
        found = scannet_files(root, name) if options.annotations else None
        source: tuple | None = None
        if found is not None:
            source = annotation_source("scannet", sid, *map(str, found),
                                       None if align is None else tuple(align.reshape(-1).tolist()))
            agg = found[2]
            categories = read_aggregation(sid, agg)

        # lifting needs instance maps in every frame: when the scan has 2-D instances, read only the
        # annotated frames unless told otherwise
        annotated_only = bool(instances) if options.annotated_only is None else options.annotated_only
        ids = sorted(colors)
        skipped: list[dict[str, Any]] = []
        if annotated_only:
            skipped = [{"frame": i, "file": str(root / "instance-filt" / f"{i}.png"), "reason": "no instance annotation"}
                       for i in ids if i not in instances]
            ids = [i for i in ids if i in instances]
        keep = options.select(len(ids))
        remaps: dict[tuple, DepthRemap] = {}

        def remap(K_from, size_from, K_to, size_to):
            key = (size_from, size_to, K_from.tobytes(), K_to.tobytes())
            if key not in remaps:
                remaps[key] = DepthRemap(K_from, size_from, K_to, size_to)
            return remaps[key]

        def read_frame(fid: int, index: int) -> Frame | None:
            if fid not in poses:
                skipped.append({"frame": fid, "file": str(root / "pose" / f"{fid}.txt"), "reason": "missing pose"})
                return None
            pose = read_matrix(sid, poses[fid], (4, 4))
            if np.isneginf(pose).any():
                skipped.append({"frame": fid, "file": str(poses[fid]), "reason": "invalid pose (-inf: tracking lost)"})
                return None
            pose = log.pose(pose, poses[fid], fid)
            if align is not None:
                pose = align @ pose
            cw, ch = image_size(sid, colors[fid])
            dsize = image_size(sid, depths[fid]) if fid in depths else None
            if resolution == "depth" and dsize is None:
                raise SceneError(sid, str(root / "depth" / f"{fid}.png"), "missing depth (resolution='depth')")
            if resolution == "color":
                cam = check_camera(Kc, cw, ch, sid, root / "intrinsic" / "intrinsic_color.txt", fid)
                rgb = rgb_loader(colors[fid], sid)
            else:
                cam = check_camera(Kd, *dsize, sid, kd_path, fid)
                rgb = functools.partial(load_rgb_remapped, str(colors[fid]), sid, remap(Kc, (cw, ch), Kd, dsize))
            depth = None
            if dsize is not None:
                check_camera(Kd, *dsize, sid, kd_path, fid)  # depth intrinsics must fit the depth image too
                depth = functools.partial(load_depth_png, str(depths[fid]), sid, depth_scale, (0,),
                                          remap(Kd, dsize, cam.K, (cam.width, cam.height)))
            inst = None
            if fid in instances:
                isize = image_size(sid, instances[fid])
                # instance images are drawn in the colour camera, at colour size or scaled
                Ki = np.diag([isize[0] / cw, isize[1] / ch, 1.0]) @ Kc
                inst = functools.partial(load_instance_png, str(instances[fid]), sid, None,
                                         remap(Ki, isize, cam.K, (cam.width, cam.height)))
            elif source is not None:
                inst = projected_instance_loader(source, cam.K, cam.width, cam.height, pose)
            return Frame(index=index, camera=cam, pose=pose, image_path=str(colors[fid]),
                         depth_path=str(depths[fid]) if depth else None,
                         instance_path=str(instances[fid]) if fid in instances else None,
                         rgb_loader=rgb, depth_loader=depth, instance_loader=inst)

        frames, kept = log.read([ids[i] for i in keep], read_frame)

        metadata: dict[str, Any] = {"format": "scannet", "resolution": resolution,
                                    "source_frame_ids": kept,
                                    "instance_id_convention": "ScanNet objectId + 1; 0 = unannotated"}
        if categories:
            metadata["categories"] = categories
            metadata["aggregation"] = str(agg)
        if align is not None:
            metadata["axis_alignment"] = align.tolist()
        loader = None
        if source is not None:
            metadata["annotation"] = {"source": "scannet", "files": list(map(str, found)), "instance_ids":
                                      "instance-filt" if all(i in instances for i in kept) else
                                      "instance-filt and projected mesh" if any(i in instances for i in kept)
                                      else "projected mesh"}
            loader = annotation_loader(source)
        scene = Scene(id=sid, scale=options.scale, frames=frames, metric=True,
                      up_method="axis_alignment" if align is not None else "unknown", source="scannet",
                      root=root, metadata=metadata, annotation_loader=loader)
        return finish_scene(scene, skipped, log, options.up)
