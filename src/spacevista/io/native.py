"""The native on-disk scene format: one folder per scene, read lazily, written atomically.

Layout (see docs/formats.md)::

    <scene-id>/
      scene.json            header: id, scale, metric, up, up_method, source, metadata, frames
      rgb/00000.png         HxWx3 uint8 (PNG, or JPEG when written with image_format="jpg")
      depth/00000.npz       optional; float32 z-depth in metres under key "depth"; 0 = invalid
      instances/00000.png   optional; uint16 instance ids, 0 = background
      objects.json          optional; ground-truth objects (id, category, center, size, yaw, attributes)
      meshes/<id>.npz       optional; exact surface of an object (vertices float64, faces int64)

Writing is deterministic (the same scene gives the same bytes: fixed PNG settings, fixed zip
timestamps, ordered JSON) and atomic (every file is written under a temporary name and renamed;
the scene folder is assembled beside its final place and renamed into it). Reading validates the
header and the existence and size of every frame file eagerly (image headers only), and the
pixel values of an image on its first load; every problem raises
:class:`~spacevista.errors.SceneError` naming the scene, the file and the reason. Poses, cameras
and file names go through the checks every reader shares (``spacevista.io.checks``): a pose
rounded off orthonormality is re-orthonormalised, and a bad frame is dropped with its reason
unless too few frames remain.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, Iterator

import numpy as np
from PIL import Image

from spacevista.errors import FrameError, IntrinsicsError, SceneError
from spacevista.io.checks import FrameLog, check_camera, inside
from spacevista.scene import Camera, Frame, Scale, Scene, SceneObject

FORMAT = "spacevista-native"
VERSION = 1
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_IMAGE_EXT = {"png": ".png", "jpg": ".jpg", "jpeg": ".jpg"}


# ------------------------------------------------------------------------------------------ write


def write_scene(scene: Scene, out_dir: str | Path, image_format: str = "png",
                jpeg_quality: int = 95) -> Path:
    """Write ``scene`` to ``out_dir/<scene.id>/`` in the native format and return that folder.

    An existing folder of the same scene is replaced. Depth values that are NaN, infinite or
    negative are stored as 0 (the format's "invalid" value).
    """
    if image_format.lower() not in _IMAGE_EXT:
        raise ValueError(f"image_format must be png or jpg, got {image_format!r}")
    ext = _IMAGE_EXT[image_format.lower()]
    if not scene.frames:
        raise SceneError(scene.id, None, "cannot write a scene without frames")
    if not scene.id or "/" in scene.id or scene.id in (".", ".."):
        raise SceneError(scene.id, None, "scene id must be a non-empty folder name")
    with staged_folder(Path(out_dir), scene.id) as stage:
        frames_json = [_write_frame(scene, f, stage, ext, jpeg_quality) for f in scene.frames]
        header: dict[str, Any] = {
            "format": FORMAT, "version": VERSION, "id": scene.id, "scale": scene.scale.value,
            "metric": bool(scene.metric), "up": [float(x) for x in scene.up], "up_method": scene.up_method,
            "source": scene.source, "depth_unit": "m", "metadata": scene.metadata, "frames": frames_json}
        if scene.objects:
            header["objects"] = "objects.json"
            _write_objects(scene, stage)
        _atomic_bytes(stage / "scene.json", _json_bytes(header))
    return Path(out_dir) / scene.id


@contextmanager
def staged_folder(out_dir: Path, name: str) -> Iterator[Path]:
    """A folder to write ``out_dir/name`` into: built beside it under a temporary name and swapped in
    whole when the block ends without error (an existing folder of that name is replaced), removed
    otherwise, so a reader never sees half a scene."""
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / name
    stage = out_dir / f".{name}.tmp-{os.getpid()}"
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir()
    try:
        yield stage
        if final.exists():
            old = out_dir / f".{name}.old-{os.getpid()}"
            os.replace(final, old)
            os.replace(stage, final)
            shutil.rmtree(old)
        else:
            os.replace(stage, final)
    finally:
        if stage.exists():
            shutil.rmtree(stage)


def _write_frame(scene: Scene, frame: Frame, root: Path, ext: str, quality: int) -> dict[str, Any]:
    name = f"{frame.index:05d}"
    cam = frame.camera
    entry: dict[str, Any] = {"index": int(frame.index), "camera": cam.to_dict(),
                             "pose": frame.pose.tolist(),
                             "timestamp": None if frame.timestamp is None else float(frame.timestamp)}
    try:
        rgb = np.asarray(frame.rgb())
    except KeyError as e:
        raise SceneError(scene.id, None, f"frame {frame.index} has no image to write") from e
    if rgb.shape != (cam.height, cam.width, 3) or rgb.dtype != np.uint8:
        raise SceneError(scene.id, None, f"frame {frame.index}: rgb must be uint8 "
                         f"{cam.height}x{cam.width}x3, got {rgb.dtype} {rgb.shape}")
    entry["rgb"] = f"rgb/{name}{ext}"
    _atomic_bytes(root / entry["rgb"], _encode_image(rgb, ext, quality))
    entry["depth"] = None
    if frame.has_depth:
        depth = np.asarray(frame.depth(), dtype=np.float32)
        if depth.shape != (cam.height, cam.width):
            raise SceneError(scene.id, None, f"frame {frame.index}: depth must be {cam.height}x{cam.width}, "
                             f"got {depth.shape}")
        depth = np.where(np.isfinite(depth) & (depth > 0), depth, np.float32(0)).astype(np.float32)
        entry["depth"] = f"depth/{name}.npz"
        _atomic_bytes(root / entry["depth"], _npz_bytes({"depth": depth}))
    entry["instances"] = None
    if frame.has_instances:
        inst = np.asarray(frame.instances())
        if inst.shape != (cam.height, cam.width):
            raise SceneError(scene.id, None, f"frame {frame.index}: instances must be "
                             f"{cam.height}x{cam.width}, got {inst.shape}")
        if inst.size and (inst.min() < 0 or inst.max() > 65535):
            raise SceneError(scene.id, None, f"frame {frame.index}: instance ids must lie in 0..65535")
        entry["instances"] = f"instances/{name}.png"
        _atomic_bytes(root / entry["instances"], _encode_image(inst.astype(np.uint16), ".png", quality))
    return entry


def _write_objects(scene: Scene, root: Path) -> None:
    items = []
    for o in scene.objects:
        item: dict[str, Any] = {"id": int(o.id), "category": o.category, "center": o.center.tolist(),
                                "size": o.size.tolist(), "yaw": float(o.yaw), "attributes": o.attributes,
                                "mesh": None}
        if o.mesh_vertices is not None and o.mesh_faces is not None:
            item["mesh"] = f"meshes/{o.id}.npz"
            _atomic_bytes(root / item["mesh"], _npz_bytes({
                "vertices": np.asarray(o.mesh_vertices, dtype=np.float64),
                "faces": np.asarray(o.mesh_faces, dtype=np.int64)}))
        items.append(item)
    _atomic_bytes(root / "objects.json", _json_bytes({"objects": items}))


def _encode_image(array: np.ndarray, ext: str, quality: int) -> bytes:
    buf = io.BytesIO()
    img = Image.fromarray(array)
    if ext == ".png":
        # fixed settings and no metadata chunks: identical arrays give identical bytes
        img.save(buf, format="PNG", compress_level=6, optimize=False)
    else:
        img.save(buf, format="JPEG", quality=quality, subsampling=0, optimize=False)
    return buf.getvalue()


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """A compressed .npz readable by ``numpy.load`` with fixed zip timestamps (deterministic)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key, arr in arrays.items():
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            raw = io.BytesIO()
            np.lib.format.write_array(raw, np.ascontiguousarray(arr), allow_pickle=False)
            zf.writestr(info, raw.getvalue())
    return buf.getvalue()


def _json_default(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} in scene JSON")


def _json_bytes(obj: dict[str, Any], one_per_line: tuple[str, ...] = ("frames", "objects")) -> bytes:
    """Indented JSON, except that the items of the ``one_per_line`` lists take one line each."""
    def dump(value: Any, indent: int | None) -> str:
        return json.dumps(value, indent=indent, default=_json_default, allow_nan=False)

    lines = []
    for key, value in obj.items():
        if key in one_per_line and isinstance(value, list) and value:
            items = ",\n".join("  " + dump(v, None) for v in value)
            text = f"[\n{items}\n ]"
        else:
            text = dump(value, 1).replace("\n", "\n ")
        lines.append(f" {json.dumps(key)}: {text}")
    return ("{\n" + ",\n".join(lines) + "\n}\n").encode("utf-8")


def _atomic_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


# ------------------------------------------------------------------------------------------- read


def read_scene(path: str | Path) -> Scene:
    """Read a native scene folder (or its ``scene.json``); images load lazily on first access."""
    path = Path(path)
    root = path.parent if path.name == "scene.json" else path
    sid = root.name
    header_path = root / "scene.json"
    if not header_path.is_file():
        raise SceneError(sid, str(header_path), "missing scene.json")
    try:
        header = json.loads(header_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise SceneError(sid, str(header_path), f"bad JSON: {e}") from e
    if not isinstance(header, dict):
        raise SceneError(sid, str(header_path), "bad JSON: the header must be an object")
    sid = str(header.get("id") or sid)

    def fail(reason: str, file: Path = header_path) -> SceneError:
        return SceneError(sid, str(file), reason)

    if header.get("format", FORMAT) != FORMAT or header.get("version", VERSION) != VERSION:
        raise fail(f"unsupported format {header.get('format')!r} version {header.get('version')!r}")
    try:
        scale = Scale.parse(header["scale"])
    except KeyError as e:
        raise fail("missing field 'scale'") from e
    except ValueError as e:
        raise fail(f"unknown scale {header['scale']!r}") from e
    frames_json = header.get("frames")
    if not isinstance(frames_json, list) or not frames_json:
        raise fail("scene has no frames")
    depth_scale = _depth_scale(header, fail)
    log = FrameLog(sid)
    frames, _ = log.read(list(enumerate(frames_json)),
                         lambda item, _: _read_frame(sid, root, item[1], _frame_index(sid, header_path, *item),
                                                     depth_scale, header_path, log),
                         key=lambda item: _frame_index(sid, header_path, *item))
    objects = _read_objects(sid, root, header, fail) if header.get("objects") else []
    metadata = dict(header.get("metadata") or {})
    log.record(metadata)
    try:
        return Scene(id=sid, scale=scale, frames=frames, metric=bool(header.get("metric", True)),
                     up=np.asarray(header.get("up", [0.0, 0.0, 1.0]), dtype=np.float64),
                     up_method=str(header.get("up_method", "given")), objects=objects,
                     source=str(header.get("source", "native")), root=root, metadata=metadata)
    except (ValueError, TypeError) as e:
        raise fail(str(e)) from e


def _depth_scale(header: dict[str, Any], fail) -> float:
    unit = header.get("depth_unit", "m")
    scales = {"m": 1.0, "mm": 1e-3, "cm": 1e-2, "um": 1e-6}
    if unit not in scales:
        raise fail(f"unknown depth_unit {unit!r}; expected one of {sorted(scales)}")
    return scales[unit]


def _frame_index(sid: str, header_path: Path, position: int, fj: Any) -> int:
    """The frame's ``index`` (its position in the list when absent)."""
    if not isinstance(fj, dict):
        raise FrameError(sid, str(header_path), "entry must be an object", position)
    index = fj.get("index", position)
    if isinstance(index, bool) or not isinstance(index, (int, float)) or int(index) != index:
        raise FrameError(sid, str(header_path), f"index must be an integer, got {index!r}", position)
    return int(index)


def _read_frame(sid: str, root: Path, fj: dict[str, Any], index: int, depth_scale: float, header_path: Path,
                log: FrameLog) -> Frame:
    cam = fj.get("camera")
    try:
        K = [[cam["fx"], 0.0, cam["cx"]], [0.0, cam["fy"], cam["cy"]], [0.0, 0.0, 1.0]]
        width, height = int(cam["width"]), int(cam["height"])
    except KeyError as e:
        raise IntrinsicsError(sid, str(header_path), f"camera lacks {e}", index) from e
    except (TypeError, ValueError) as e:
        raise IntrinsicsError(sid, str(header_path), f"bad camera: {e}", index) from e
    camera = check_camera(K, width, height, sid, header_path, index)
    pose = log.pose(fj.get("pose"), header_path, index)
    if not isinstance(fj.get("rgb"), str):
        raise FrameError(sid, str(header_path), "no rgb file named", index)
    rgb_path = inside(root, fj["rgb"], sid, header_path)
    _check_image_header(sid, rgb_path, camera)
    depth_path = inst_path = None
    depth_loader = inst_loader = None
    if fj.get("depth"):
        depth_path = inside(root, str(fj["depth"]), sid, header_path)
        _check_depth_header(sid, depth_path, camera)
        depth_loader = partial(_load_depth, sid, str(depth_path), camera.height, camera.width, depth_scale)
    if fj.get("instances"):
        inst_path = inside(root, str(fj["instances"]), sid, header_path)
        _check_image_header(sid, inst_path, camera)
        inst_loader = partial(_load_instances, sid, str(inst_path), camera.height, camera.width)
    ts = fj.get("timestamp")
    return Frame(index=index, camera=camera, pose=pose, timestamp=None if ts is None else float(ts),
                 image_path=str(rgb_path), depth_path=None if depth_path is None else str(depth_path),
                 instance_path=None if inst_path is None else str(inst_path),
                 rgb_loader=partial(_load_rgb, sid, str(rgb_path), camera.height, camera.width),
                 depth_loader=depth_loader, instance_loader=inst_loader)


def _check_image_header(sid: str, path: Path, camera: Camera) -> None:
    if not path.is_file():
        raise SceneError(sid, str(path), "missing frame file")
    try:
        with Image.open(path) as img:  # reads the header only
            size = img.size
    except OSError as e:
        raise SceneError(sid, str(path), f"unreadable image: {e}") from e
    if size != (camera.width, camera.height):
        raise SceneError(sid, str(path), f"image is {size[0]}x{size[1]} but its camera is "
                         f"{camera.width}x{camera.height}")


def _npy_shape(path: Path) -> tuple[int, ...]:
    """Shape of a .npy, or of the single array of a .npz, from its header alone."""
    if path.suffix == ".npy":
        with open(path, "rb") as f:
            return _header_shape(f)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        if not names:
            raise ValueError("empty archive")
        name = "depth.npy" if "depth.npy" in names else names[0]
        with zf.open(name) as f:
            return _header_shape(f)


def _header_shape(f) -> tuple[int, ...]:
    fmt = np.lib.format
    major, _ = fmt.read_magic(f)
    read = fmt.read_array_header_1_0 if major == 1 else fmt.read_array_header_2_0
    return tuple(read(f)[0])


def _check_depth_header(sid: str, path: Path, camera: Camera) -> None:
    if not path.is_file():
        raise SceneError(sid, str(path), "missing frame file")
    try:
        if path.suffix in (".npy", ".npz"):
            shape = tuple(_npy_shape(path))
        elif path.suffix == ".png":
            with Image.open(path) as img:
                shape = (img.size[1], img.size[0])
        else:
            raise SceneError(sid, str(path), f"unsupported depth file type {path.suffix!r}")
    except (OSError, ValueError, zipfile.BadZipFile) as e:
        raise SceneError(sid, str(path), f"unreadable depth: {e}") from e
    if shape != (camera.height, camera.width):
        raise SceneError(sid, str(path), f"depth is {shape} but its camera is {camera.height}x{camera.width}")


def _load_rgb(sid: str, path: str, h: int, w: int) -> np.ndarray:
    try:
        with Image.open(path) as img:
            arr = np.asarray(img.convert("RGB"))
    except OSError as e:
        raise SceneError(sid, path, f"unreadable image: {e}") from e
    if arr.shape != (h, w, 3):
        raise SceneError(sid, path, f"image is {arr.shape[1]}x{arr.shape[0]} but its camera is {w}x{h}")
    return arr


def _load_instances(sid: str, path: str, h: int, w: int) -> np.ndarray:
    try:
        with Image.open(path) as img:
            arr = np.asarray(img)
    except OSError as e:
        raise SceneError(sid, path, f"unreadable instance map: {e}") from e
    if arr.shape != (h, w):
        raise SceneError(sid, path, f"instance map must be single-channel {h}x{w}, got {arr.shape}")
    if not np.issubdtype(arr.dtype, np.integer):
        raise SceneError(sid, path, f"instance map must hold integers, got {arr.dtype}")
    return arr.astype(np.int32)


def _load_depth(sid: str, path: str, h: int, w: int, scale: float) -> np.ndarray:
    p = Path(path)
    try:
        if p.suffix == ".npz":
            with np.load(p, allow_pickle=False) as z:
                key = "depth" if "depth" in z.files else z.files[0]
                arr = z[key]
        elif p.suffix == ".npy":
            arr = np.load(p, allow_pickle=False)
        else:
            with Image.open(p) as img:
                arr = np.asarray(img)
    except (OSError, ValueError, zipfile.BadZipFile) as e:
        raise SceneError(sid, path, f"unreadable depth: {e}") from e
    if arr.shape != (h, w):
        raise SceneError(sid, path, f"depth is {arr.shape} but its camera is {h}x{w}")
    depth = arr.astype(np.float32) * np.float32(scale) if scale != 1.0 else arr.astype(np.float32)
    bad = ~np.isfinite(depth)
    if bad.any():
        raise SceneError(sid, path, f"depth has {int(bad.sum())} NaN/inf pixels; the native format "
                         "stores invalid depth as 0")
    if (depth < 0).any():
        raise SceneError(sid, path, f"depth has {int((depth < 0).sum())} negative pixels")
    if not (depth > 0).any():
        raise SceneError(sid, path, "depth has no valid (positive) pixel")
    return depth


def _read_objects(sid: str, root: Path, header: dict[str, Any], fail) -> list[SceneObject]:
    path = root / str(header["objects"])
    if not path.is_file():
        raise SceneError(sid, str(path), "missing objects file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise SceneError(sid, str(path), f"bad JSON: {e}") from e
    items = data.get("objects") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise SceneError(sid, str(path), "bad JSON: expected {\"objects\": [...]}")
    objects, seen = [], set()
    for k, item in enumerate(items):
        try:
            oid = int(item["id"])
            if oid in seen:
                raise ValueError(f"duplicate object id {oid}")
            seen.add(oid)
            verts = faces = None
            if item.get("mesh"):
                verts, faces = _load_mesh(sid, root / item["mesh"])
            obj = SceneObject(id=oid, category=str(item["category"]), center=item["center"],
                              size=item["size"], yaw=float(item.get("yaw", 0.0)),
                              mesh_vertices=verts, mesh_faces=faces,
                              attributes=dict(item.get("attributes") or {}))
        except SceneError:
            raise
        except (KeyError, ValueError, TypeError) as e:
            raise SceneError(sid, str(path), f"object {k}: {e}") from e
        if not (np.isfinite(obj.center).all() and np.isfinite(obj.size).all() and (obj.size >= 0).all()):
            raise SceneError(sid, str(path), f"object {oid}: box must be finite with non-negative size")
        objects.append(obj)
    return objects


def _load_mesh(sid: str, path: Path) -> tuple[np.ndarray, np.ndarray]:
    if not path.is_file():
        raise SceneError(sid, str(path), "missing mesh file")
    try:
        with np.load(path, allow_pickle=False) as z:
            verts = np.asarray(z["vertices"], dtype=np.float64)
            faces = np.asarray(z["faces"], dtype=np.int64)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as e:
        raise SceneError(sid, str(path), f"unreadable mesh: {e}") from e
    if verts.ndim != 2 or verts.shape[1] != 3 or faces.ndim != 2 or faces.shape[1] != 3:
        raise SceneError(sid, str(path), f"mesh must have (N,3) vertices and (M,3) faces, got "
                         f"{verts.shape} and {faces.shape}")
    if not np.isfinite(verts).all():
        raise SceneError(sid, str(path), "mesh has non-finite vertices")
    if faces.size and (faces.min() < 0 or faces.max() >= len(verts)):
        raise SceneError(sid, str(path), "mesh faces index missing vertices")
    return verts, faces
