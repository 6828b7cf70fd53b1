"""ARKitScenes frame folders (``<video_id>/<video_id>_frames/``).

::

    lowres_wide/<video_id>_<timestamp>.png               colour (256x192)
    lowres_depth/<video_id>_<timestamp>.png              uint16 millimetres, 0 = invalid
    lowres_wide_intrinsics/<video_id>_<timestamp>.pincam "width height fx fy cx cy"
    lowres_wide.traj                                      per line: timestamp, axis-angle (3, radians),
                                                          translation (3, metres)

Each trajectory line is the world-to-camera transform (``x_cam = R x_world + t``, ``R`` from the
axis-angle) and is inverted here; its camera axes are OpenCV's. Frames are matched to trajectory
lines by timestamp as ARKitScenes' own loader does (equal to 3 decimals, else the nearest within
5 ms); unmatched frames are skipped with a reason. Intrinsics files may carry a timestamp off by
1 ms. The trajectory is metric; depth of another size is resampled onto the colour grid.

``<video_id>/<video_id>_3dod_annotation.json`` (the 3D object boxes, ``readers.annotations.arkit``),
when present and ``annotations=True``, becomes the scene's annotations; ARKitScenes has no 2-D
instance ids, so every frame's instance map is the boxes projected into it, a box pixel whose
measured depth lies clearly in front of the box left as background.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spacevista.errors import SceneError
from spacevista.readers.annotations import (annotation_loader, annotation_source, load_annotations,
                                            projected_instance_loader)
from spacevista.readers.base import (READERS, FrameLog, Reader, check_camera, depth_png_loader, file_here_or_above,
                                     finish_scene, image_size, numeric_rows, read_text, rgb_loader)
from spacevista.readers.conventions import axis_angle_to_rotmat, world_to_camera_to_c2w
from spacevista.readers.options import DepthOptions, at_least
from spacevista.scene import Frame, Scale, Scene


@dataclass(frozen=True)
class ARKitScenesOptions(DepthOptions):
    """``depth_scale`` (metres per depth unit), ``max_time_offset`` (seconds between a frame and its
    trajectory pose), ``annotations`` (load the 3D boxes when present), ``num_frames``, ``stride``,
    ``scale``, ``scene_id``, ``up``."""

    reader = "arkitscenes"
    max_time_offset: float = field(default=0.005, metadata=at_least(0))
    annotations: bool = True


def _frames_dir(path: Path) -> Path:
    if (path / "lowres_wide.traj").is_file():
        return path
    sub = path / f"{path.name}_frames"
    return sub if (sub / "lowres_wide.traj").is_file() else path


def read_traj(scene: str, path: Path) -> list[tuple[float, np.ndarray]]:
    """(timestamp, camera-to-world) per line of an ARKitScenes ``.traj`` file."""
    return [(v[0], world_to_camera_to_c2w(axis_angle_to_rotmat(v[1:4]), np.asarray(v[4:7])))
            for v in numeric_rows(scene, path, 7, "7 columns")]


def read_pincam(scene: str, path: Path) -> tuple[np.ndarray, tuple[int, int]]:
    """K and the declared (width, height) of a ``.pincam`` file."""
    try:
        w, h, fx, fy, cx, cy = (float(x) for x in read_text(scene, path).split())
    except ValueError as e:
        raise SceneError(scene, str(path), f"expected 'width height fx fy cx cy': {e}") from e
    K = np.array([[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]])
    return K, (int(round(w)), int(round(h)))


def _pincam_for(folder: Path, video: str, ts: str) -> Path:
    p = folder / f"{video}_{ts}.pincam"
    if p.is_file():
        return p
    for off in (-0.001, 0.001):
        q = folder / f"{video}_{float(ts) + off:.3f}.pincam"
        if q.is_file():
            return q
    return p


@READERS.register("arkitscenes")
class ARKitScenesReader(Reader, options=ARKitScenesOptions, scales=(Scale.INDOOR,)):
    """ARKitScenes lowres_wide frames: .traj world-to-camera (axis-angle) inverted, .pincam intrinsics, mm depth."""

    @classmethod
    def detect(cls, path: Path) -> bool:
        return path.is_dir() and (_frames_dir(path) / "lowres_wide.traj").is_file()

    @classmethod
    def read(cls, path: Path, options: ARKitScenesOptions) -> Scene:
        root = _frames_dir(path)
        video = root.name[: -len("_frames")] if root.name.endswith("_frames") else root.name
        sid = str(options.scene_id or video)
        traj = read_traj(sid, root / "lowres_wide.traj")
        if not traj:
            raise SceneError(sid, str(root / "lowres_wide.traj"), "empty trajectory")
        tts = np.array([t for t, _ in traj])
        color_dir = root / "lowres_wide"
        stamps = []
        if color_dir.is_dir():
            for q in color_dir.glob("*.png"):
                vid, _, ts = q.stem.rpartition("_")
                try:
                    stamps.append((float(ts), ts, vid))
                except ValueError:
                    continue
        if not stamps:
            raise SceneError(sid, str(color_dir), "no <video_id>_<timestamp>.png colour frames")
        stamps.sort()
        max_dt = options.max_time_offset
        ann_file = file_here_or_above(root, f"{video}_3dod_annotation.json") if options.annotations else None
        source = annotation_source("arkitscenes", sid, str(ann_file)) if ann_file is not None else None
        # the file is small: read now, so a damaged one fails here and a skipped scan carries none
        if source is not None and not load_annotations(source).objects:
            source = None
        keep = options.select(len(stamps))
        skipped: list[dict[str, Any]] = []
        log = FrameLog(sid)

        def read_frame(stamp: tuple[float, str, str], index: int) -> Frame | None:
            t, ts, vid = stamp
            img = color_dir / f"{vid}_{ts}.png"
            exact = np.nonzero(np.round(tts, 3) == round(t, 3))[0]
            j = int(exact[0]) if len(exact) else int(np.argmin(np.abs(tts - t)))
            if abs(tts[j] - t) > max_dt and not len(exact):
                skipped.append({"frame": ts, "file": str(img),
                                "reason": f"no trajectory pose within {max_dt * 1000:g} ms"})
                return None
            pose = log.pose(traj[j][1], f"{root / 'lowres_wide.traj'} (t={tts[j]:.3f})", ts)
            pincam = _pincam_for(root / "lowres_wide_intrinsics", vid, ts)
            K, declared = read_pincam(sid, pincam)
            w, h = image_size(sid, img)
            cam = check_camera(K, w, h, sid, pincam, ts, declared)
            dp = root / "lowres_depth" / f"{vid}_{ts}.png"
            depth_loader = depth_png_loader(sid, dp, K, (w, h), options.depth_scale) if dp.is_file() else None
            inst = (projected_instance_loader(source, K, w, h, pose, depth_loader)
                    if source is not None else None)
            return Frame(index=index, camera=cam, pose=pose, timestamp=t, image_path=str(img),
                         depth_path=str(dp) if depth_loader else None, rgb_loader=rgb_loader(img, sid),
                         depth_loader=depth_loader, instance_loader=inst)

        frames, kept = log.read([stamps[i] for i in keep], read_frame, key=lambda stamp: stamp[1])
        metadata: dict[str, Any] = {"format": "arkitscenes", "video_id": video,
                                    "source_timestamps": [ts for _, ts, _ in kept]}
        loader = None
        if source is not None:
            ann = load_annotations(source)
            metadata["categories"] = {o.id: o.category for o in ann.objects}
            metadata["annotation"] = {"source": "arkitscenes", "files": [str(ann_file)],
                                      "instance_ids": "projected boxes"}
            loader = annotation_loader(source)
        scene = Scene(id=sid, scale=options.scale, frames=frames, metric=True, up_method="unknown",
                      source="arkitscenes", root=root, metadata=metadata, annotation_loader=loader)
        return finish_scene(scene, skipped, log, options.up)
