"""uCO3D sequences: SQLite frame annotations plus the sequence's videos.

::

    uco3d/                                 dataset root (paths in the database are relative to it)
      metadata.sqlite                      tables frame_annots, sequence_annots
      <super_category>/<category>/<sequence>/rgb_video.mp4
                                            .../mask_video.mkv (or .mp4)

``sequence_annots`` gives per sequence ``category``, ``_video_path`` and ``_mask_video_path``.
``frame_annots`` gives per frame ``sequence_name``, ``frame_number``, ``frame_timestamp`` (seconds
into the video), ``_image_size`` (2 x int32: H, W) and the camera as packed float32 blobs:
``_viewpoint_R`` (3x3, row-major), ``_viewpoint_T`` (3), ``_viewpoint_focal_length`` (2),
``_viewpoint_principal_point`` (2), ``_viewpoint_colmap_distortion_coeffs`` (12) and
``_viewpoint_intrinsics_format`` (text; ``ndc_isotropic`` when empty). Cameras follow PyTorch3D
(``X_cam = X_world @ R + T``, +x left, +y up, NDC intrinsics), converted as for CO3D.

Frames are the video frames nearest to each annotated timestamp, decoded once into the video cache.
The foreground mask video gives instance 1 (threshold at half intensity), named after the category.
Distortion is recorded in ``metadata["distortion"]``, not undone (uCO3D's own loader undistorts);
depth (an 8-bit depth video) is not read. Poses come from SfM: not metric unless ``metric_scale``.
"""

from __future__ import annotations

import functools
import sqlite3
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from spacevista.errors import FrameError, SceneError
from spacevista.readers.base import (READERS, FrameLog, Reader, check_camera, finish_scene, inside, load_instance_png,
                                     load_rgb)
from spacevista.readers.conventions import pytorch3d_ndc_to_pixels, pytorch3d_to_c2w
from spacevista.readers.options import SfMOptions
from spacevista.readers.video import decode_to_cache, default_cache_dir, frame_times, cache_key
from spacevista.scene import Frame, Scale, Scene

DB_NAME = "metadata.sqlite"
_FRAME_COLUMNS = ("frame_number", "frame_timestamp", "_image_size", "_viewpoint_R", "_viewpoint_T",
                  "_viewpoint_focal_length", "_viewpoint_principal_point",
                  "_viewpoint_colmap_distortion_coeffs", "_viewpoint_intrinsics_format")


def unpack_blob(blob: bytes | None, kind: str, n: int) -> tuple | None:
    """A tuple stored by uCO3D's tuple column type: ``n`` packed float32 (``kind='f'``) or int32 ('i')."""
    if blob is None:
        return None
    if len(blob) != 4 * n:
        raise ValueError(f"expected {n} packed values ({4 * n} bytes), got {len(blob)} bytes")
    return struct.unpack("<" + kind * n, blob)


@dataclass(frozen=True)
class UCO3DOptions(SfMOptions):
    """``sequence`` (default: the first by name), ``metric_scale``, ``cache_dir`` (decoded frames;
    default ``$SPACEVISTA_CACHE/video``), ``num_frames``, ``stride``, ``scale``, ``scene_id``, ``up``."""

    reader = "uco3d"
    scale: str = "tiny"
    sequence: str | None = None
    cache_dir: str | None = None


def _db_path(path: Path) -> Path:
    return path if path.is_file() else path / DB_NAME


def load_mask_frame(path: str, scene: str) -> np.ndarray:
    """A cached mask-video frame -> int32 instance map (1 = the object)."""
    return (load_instance_png(path, scene) > 127).astype(np.int32)


@READERS.register("uco3d")
class UCO3DReader(Reader, options=UCO3DOptions, scales=(Scale.TINY, Scale.TABLETOP)):
    """uCO3D: SQLite frame annotations (PyTorch3D NDC cameras -> OpenCV) + frames from the sequence video."""

    @classmethod
    def detect(cls, path: Path) -> bool:
        db = _db_path(path)
        return db.is_file() and db.suffix == ".sqlite" and _has_tables(db)

    @classmethod
    def read(cls, path: Path, options: UCO3DOptions) -> Scene:
        db = _db_path(path)
        root = db.parent
        sid0 = str(options.scene_id or options.sequence or root.name)
        if not db.is_file():
            raise SceneError(sid0, str(db), "missing uCO3D metadata database")
        try:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        except sqlite3.Error as e:
            raise SceneError(sid0, str(db), f"unreadable database: {e}") from e
        try:
            seqs = [r[0] for r in con.execute("SELECT sequence_name FROM sequence_annots ORDER BY sequence_name")]
            sequence = options.sequence or (seqs[0] if seqs else None)
            if sequence not in seqs:
                raise SceneError(sid0, str(db), f"no sequence {sequence!r} (has {len(seqs)})")
            category, video_rel, mask_rel = con.execute(
                "SELECT category, _video_path, _mask_video_path FROM sequence_annots WHERE sequence_name = ?",
                (sequence,)).fetchone()
            rows = con.execute(f"SELECT {', '.join(_FRAME_COLUMNS)} FROM frame_annots WHERE sequence_name = ? "
                               "ORDER BY frame_timestamp, frame_number", (sequence,)).fetchall()
        except sqlite3.Error as e:
            raise SceneError(sid0, str(db), f"not a uCO3D metadata database: {e}") from e
        finally:
            con.close()
        sid = str(options.scene_id or sequence)
        if not rows:
            raise SceneError(sid, str(db), "sequence has no frame annotations")
        if not video_rel:
            raise SceneError(sid, str(db), "sequence has no rgb video path")
        video = inside(root, video_rel, sid, db)
        if not video.is_file():
            raise SceneError(sid, str(video), "missing rgb video")
        times, vw, vh = frame_times(sid, video)
        keep = options.select(len(rows))

        log = FrameLog(sid)

        def parse(row: tuple, _: int) -> tuple:
            fn, ts, size_b, R_b, T_b, f_b, p_b, dist_b, fmt = row
            where = f"{db} (sequence {sequence}, frame {fn})"
            try:
                h, w = unpack_blob(size_b, "i", 2)
                R = np.asarray(unpack_blob(R_b, "f", 9), dtype=np.float64).reshape(3, 3)
                T = np.asarray(unpack_blob(T_b, "f", 3), dtype=np.float64)
                K = pytorch3d_ndc_to_pixels(unpack_blob(f_b, "f", 2), unpack_blob(p_b, "f", 2), w, h,
                                            fmt or "ndc_isotropic")
                dist = unpack_blob(dist_b, "f", 12) if dist_b is not None else ()
            except (TypeError, ValueError) as e:
                raise FrameError(sid, where, f"bad frame annotation: {e}", fn) from e
            pose = options.to_metres(log.pose(pytorch3d_to_c2w(R, T), where, fn))
            cam = check_camera(K, vw, vh, sid, where, fn, (w, h))
            vidx = int(np.argmin(np.abs(times - float(ts))))
            return fn, float(ts), vidx, cam, pose, dist

        parsed, _ = log.read([rows[i] for i in keep], parse, key=lambda row: row[0])

        cache_root = Path(options.cache_dir or default_cache_dir())
        vids = sorted({p[2] for p in parsed})
        rgb_files = dict(zip(vids, (f for f, _ in decode_to_cache(
            sid, video, vids, cache_root / f"{video.stem}-{cache_key(video, vids, 'jpg')}", "jpg"))))
        mask_files: dict[int, Path] = {}
        if mask_rel and inside(root, mask_rel, sid, db).is_file():
            mvideo = root / mask_rel
            mtimes, _, _ = frame_times(sid, mvideo)
            midx = {p[2]: int(np.argmin(np.abs(mtimes - p[1]))) for p in parsed}
            mv = sorted(set(midx.values()))
            decoded = dict(zip(mv, (f for f, _ in decode_to_cache(
                sid, mvideo, mv, cache_root / f"{mvideo.stem}-{cache_key(mvideo, mv, 'png')}", "png"))))
            mask_files = {v: decoded[m] for v, m in midx.items()}

        frames = []
        for fn, ts, vidx, cam, pose, _ in parsed:
            png = rgb_files[vidx]
            mpath = mask_files.get(vidx)
            frames.append(Frame(index=len(frames), camera=cam, pose=pose, timestamp=ts, image_path=str(png),
                                instance_path=str(mpath) if mpath else None,
                                rgb_loader=functools.partial(load_rgb, str(png), sid, None),
                                instance_loader=functools.partial(load_mask_frame, str(mpath), sid) if mpath else None))
        metadata = options.note({
            "format": "uco3d", "database": str(db), "sequence": sequence, "category": category,
            "categories": {1: category}, "video": str(video),
            "source_frame_numbers": [p[0] for p in parsed], "video_frame_indices": [p[2] for p in parsed],
            "distortion": {int(p[0]): list(p[5]) for p in parsed if any(p[5])},
            "distortion_handling": "recorded, not undistorted", "depth": "not read (depth video)"})
        scene = Scene(id=sid, scale=options.scale, frames=frames, metric=options.metric, up_method="unknown",
                      source="uco3d", root=root, metadata=metadata)
        return finish_scene(scene, [], log, options.up)


def _has_tables(db: Path) -> bool:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            con.close()
    except sqlite3.Error:
        return False
    return {"frame_annots", "sequence_annots"} <= names
