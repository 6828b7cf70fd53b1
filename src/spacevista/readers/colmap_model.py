"""Parsing COLMAP sparse models (``cameras``, ``images``, ``points3D``), text and binary.

Binary layouts (little-endian), as COLMAP writes them:
- cameras.bin: uint64 count; per camera int32 id, int32 model id, uint64 width, uint64 height,
  float64 params[n(model)].
- images.bin: uint64 count; per image uint32 id, float64 qvec[4] (w, x, y, z), float64 tvec[3],
  uint32 camera id, name bytes + NUL, uint64 n2d, n2d x (float64 x, float64 y, int64 point3D id).
- points3D.bin: uint64 count; per point uint64 id, float64 xyz[3], uint8 rgb[3], float64 error,
  uint64 track length, length x (int32 image id, int32 point2D index).
``qvec, tvec`` map world to camera: ``x_cam = R(qvec) x_world + tvec``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from spacevista.errors import SceneError
from spacevista.readers.conventions import qvec_to_rotmat

#: model id -> (name, number of parameters), as in COLMAP's camera model list
CAMERA_MODELS: dict[int, tuple[str, int]] = {
    0: ("SIMPLE_PINHOLE", 3), 1: ("PINHOLE", 4), 2: ("SIMPLE_RADIAL", 4), 3: ("RADIAL", 5),
    4: ("OPENCV", 8), 5: ("OPENCV_FISHEYE", 8), 6: ("FULL_OPENCV", 12), 7: ("FOV", 5),
    8: ("SIMPLE_RADIAL_FISHEYE", 4), 9: ("RADIAL_FISHEYE", 5), 10: ("THIN_PRISM_FISHEYE", 12),
    11: ("RAD_TAN_THIN_PRISM_FISHEYE", 16),
}
MODEL_IDS = {name: (i, n) for i, (name, n) in CAMERA_MODELS.items()}
#: models whose first parameters are (f, cx, cy); all others start (fx, fy, cx, cy)
_SINGLE_FOCAL = {"SIMPLE_PINHOLE", "SIMPLE_RADIAL", "RADIAL", "SIMPLE_RADIAL_FISHEYE", "RADIAL_FISHEYE"}
FISHEYE = {"OPENCV_FISHEYE", "FOV", "SIMPLE_RADIAL_FISHEYE", "RADIAL_FISHEYE", "THIN_PRISM_FISHEYE",
           "RAD_TAN_THIN_PRISM_FISHEYE"}


@dataclass(frozen=True)
class ColmapCamera:
    id: int
    model: str
    width: int
    height: int
    params: tuple[float, ...]

    def K(self) -> np.ndarray:
        """Pinhole part of the model in pixels."""
        p = self.params
        if self.model in _SINGLE_FOCAL:
            fx = fy = p[0]
            cx, cy = p[1], p[2]
        else:
            fx, fy, cx, cy = p[:4]
        return np.array([[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]])

    def distortion(self) -> tuple[float, ...]:
        """The parameters after the pinhole part (all zeros for pinhole models)."""
        return tuple(self.params[3:] if self.model in _SINGLE_FOCAL else self.params[4:])


@dataclass(frozen=True)
class ColmapImage:
    id: int
    qvec: np.ndarray
    tvec: np.ndarray
    camera_id: int
    name: str


def find_model(path: Path) -> tuple[Path, str] | None:
    """(model folder, "bin" | "txt") for ``path`` or its ``sparse/0`` / ``sparse`` sub-folder."""
    for d in (path, path / "sparse" / "0", path / "sparse"):
        for ext in ("bin", "txt"):
            if (d / f"cameras.{ext}").is_file() and (d / f"images.{ext}").is_file():
                return d, ext
    return None


def _data_lines(scene: str, path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SceneError(scene, str(path), f"unreadable: {e}") from e
    return [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]


def read_cameras_text(scene: str, path: Path) -> dict[int, ColmapCamera]:
    cams = {}
    for ln in _data_lines(scene, path):
        t = ln.split()
        if not t:
            continue
        try:
            cid, model, w, h = int(t[0]), t[1], int(t[2]), int(t[3])
            params = tuple(float(x) for x in t[4:])
        except (IndexError, ValueError) as e:
            raise SceneError(scene, str(path), f"bad camera line {ln!r}: {e}") from e
        cams[cid] = _camera(scene, path, cid, model, w, h, params)
    return cams


def _camera(scene: str, path: Path, cid: int, model: str, w: int, h: int, params: tuple) -> ColmapCamera:
    if model not in MODEL_IDS:
        raise SceneError(scene, str(path), f"camera {cid}: unknown camera model {model!r}")
    if len(params) != MODEL_IDS[model][1]:
        raise SceneError(scene, str(path), f"camera {cid}: {model} needs {MODEL_IDS[model][1]} parameters, "
                                           f"got {len(params)}")
    return ColmapCamera(cid, model, w, h, params)


def read_images_text(scene: str, path: Path) -> dict[int, ColmapImage]:
    return {iid: im for iid, (im, _, _) in _images_text(scene, path, False).items()}


def _images_text(scene: str, path: Path, points: bool) -> dict[int, tuple[ColmapImage, np.ndarray, np.ndarray]]:
    """Images by id, each with its 2-D points (N, 2) and their 3-D point ids (N,; -1 for none);
    the points are left empty unless ``points``."""
    lines = _data_lines(scene, path)
    images = {}
    # two lines per image; the second (2-D points) may be empty, so pair by position, not content
    i = 0
    while i < len(lines):
        t = lines[i].split()
        if not t:
            i += 1
            continue
        try:
            iid = int(t[0])
            q = np.array([float(x) for x in t[1:5]])
            tv = np.array([float(x) for x in t[5:8]])
            cid = int(t[8])
            name = " ".join(t[9:])
        except (IndexError, ValueError) as e:
            raise SceneError(scene, str(path), f"bad image line {lines[i]!r}: {e}") from e
        if not name:
            raise SceneError(scene, str(path), f"image {iid} has no name")
        xy, ids = np.zeros((0, 2)), np.zeros(0, np.int64)
        if points and i + 1 < len(lines):
            v = lines[i + 1].split()
            if len(v) % 3:
                raise SceneError(scene, str(path), f"image {iid}: 2-D point line is not (x, y, id) triples")
            try:
                arr = np.array([float(x) for x in v]).reshape(-1, 3)
            except ValueError as e:
                raise SceneError(scene, str(path), f"image {iid}: bad 2-D point line: {e}") from e
            xy, ids = arr[:, :2], arr[:, 2].astype(np.int64)
        images[iid] = (ColmapImage(iid, q, tv, cid, name), xy, ids)
        i += 2
    return images


def read_points3d_text(scene: str, path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return _points3d_text(scene, path)[1:]


def _points3d_text(scene: str, path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    ids, xyz, rgb, err = [], [], [], []
    for ln in _data_lines(scene, path):
        t = ln.split()
        if not t:
            continue
        try:
            ids.append(int(t[0]))
            xyz.append([float(x) for x in t[1:4]])
            rgb.append([int(x) for x in t[4:7]])
            err.append(float(t[7]))
        except (IndexError, ValueError) as e:
            raise SceneError(scene, str(path), f"bad point line {ln!r}: {e}") from e
    return (np.asarray(ids, np.int64), np.asarray(xyz, float).reshape(-1, 3), np.asarray(rgb, np.uint8).reshape(-1, 3),
            np.asarray(err, float))


class _BinaryFile:
    """A COLMAP binary file opened for little-endian reads; each read that comes up short, and any
    byte left after the last record, is a SceneError naming the file."""

    def __init__(self, scene: str, path: Path):
        self.scene, self.path = scene, path
        try:
            self.f: BinaryIO = open(path, "rb")
        except OSError as e:
            raise SceneError(scene, str(path), f"unreadable: {e}") from e

    def __enter__(self) -> "_BinaryFile":
        return self

    def __exit__(self, *exc: object) -> None:
        self.f.close()

    def fail(self, reason: str) -> SceneError:
        return SceneError(self.scene, str(self.path), reason)

    def read(self, fmt: str) -> tuple:
        n = struct.calcsize("<" + fmt)
        b = self.f.read(n)
        if len(b) != n:
            raise self.fail("truncated binary file")
        return struct.unpack("<" + fmt, b)

    def count(self) -> int:
        """The uint64 record count that opens every COLMAP binary file."""
        return self.read("Q")[0]

    def skip(self, n: int, what: str) -> None:
        if len(self.f.read(n)) != n:
            raise self.fail(f"truncated binary file ({what})")

    def name(self) -> str:
        out = bytearray()
        while True:
            c = self.f.read(1)
            if not c:
                raise self.fail("truncated binary file (image name)")
            if c == b"\x00":
                return out.decode("utf-8")
            out += c

    def end(self, what: str) -> None:
        if self.f.read(1):
            raise self.fail(f"trailing bytes after the last {what}")


def read_cameras_binary(scene: str, path: Path) -> dict[int, ColmapCamera]:
    cams = {}
    with _BinaryFile(scene, path) as r:
        for _ in range(r.count()):
            cid, mid, w, h = r.read("iiQQ")
            if mid not in CAMERA_MODELS:
                raise r.fail(f"camera {cid}: unknown camera model id {mid}")
            name, k = CAMERA_MODELS[mid]
            cams[cid] = _camera(scene, path, cid, name, w, h, r.read("d" * k))
        r.end("camera")
    return cams


def read_images_binary(scene: str, path: Path) -> dict[int, ColmapImage]:
    return {iid: im for iid, (im, _, _) in _images_binary(scene, path, False).items()}


def _images_binary(scene: str, path: Path, points: bool) -> dict[int, tuple[ColmapImage, np.ndarray, np.ndarray]]:
    """As ``_images_text``, from images.bin."""
    images = {}
    with _BinaryFile(scene, path) as r:
        for _ in range(r.count()):
            iid, qw, qx, qy, qz, tx, ty, tz, cid = r.read("IdddddddI")
            name = r.name()
            n2d = r.read("Q")[0]
            xy, ids = np.zeros((0, 2)), np.zeros(0, np.int64)
            if points:
                raw = r.f.read(24 * n2d)
                if len(raw) != 24 * n2d:
                    raise r.fail("truncated binary file (2-D points)")
                rec = np.frombuffer(raw, dtype=np.dtype([("x", "<f8"), ("y", "<f8"), ("id", "<i8")]))
                xy, ids = np.stack([rec["x"], rec["y"]], axis=1), rec["id"].astype(np.int64)
            else:
                r.skip(24 * n2d, "2-D points")
            images[iid] = (ColmapImage(iid, np.array([qw, qx, qy, qz]), np.array([tx, ty, tz]), cid, name), xy, ids)
        r.end("image")
    return images


def read_points3d_binary(scene: str, path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return _points3d_binary(scene, path)[1:]


def _points3d_binary(scene: str, path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    with _BinaryFile(scene, path) as r:
        n = r.count()
        ids = np.zeros(n, np.int64)
        xyz = np.zeros((n, 3))
        rgb = np.zeros((n, 3), np.uint8)
        err = np.zeros(n)
        for i in range(n):
            v = r.read("QdddBBBd")
            ids[i], xyz[i], rgb[i], err[i] = v[0], v[1:4], v[4:7], v[7]
            r.skip(8 * r.read("Q")[0], "track")
    return ids, xyz, rgb, err


def read_model(scene: str, folder: Path, ext: str) -> tuple[dict[int, ColmapCamera], dict[int, ColmapImage]]:
    """Cameras and images of the model in ``folder`` (``ext`` "bin" or "txt")."""
    if ext == "bin":
        return (read_cameras_binary(scene, folder / "cameras.bin"), read_images_binary(scene, folder / "images.bin"))
    return read_cameras_text(scene, folder / "cameras.txt"), read_images_text(scene, folder / "images.txt")


def read_points3d(scene: str, folder: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xyz, rgb, reprojection error) of the model's 3-D points, from points3D.bin or .txt."""
    if (folder / "points3D.bin").is_file():
        return read_points3d_binary(scene, folder / "points3D.bin")
    if (folder / "points3D.txt").is_file():
        return read_points3d_text(scene, folder / "points3D.txt")
    raise SceneError(scene, str(folder / "points3D.bin"), "missing points3D file")


@dataclass(frozen=True)
class SparseView:
    """What one registered image saw of the model's 3-D points: the pixels of its observations
    (N, 2; COLMAP's pixel centres are at +0.5, as the Scene's), the depth of the observed points in
    its camera (N,; z, model units), the (w, h) its pixels refer to, and its centre in the model."""

    uv: np.ndarray
    depth: np.ndarray
    size: tuple[int, int]
    center: np.ndarray


def read_sparse_views(scene: str, folder: Path, ext: str) -> dict[str, SparseView]:
    """Per image name, the model points it observed (see :class:`SparseView`); reads the images'
    2-D points and points3D (a model without points3D gives views without observations)."""
    cams = read_cameras_binary(scene, folder / "cameras.bin") if ext == "bin" else read_cameras_text(
        scene, folder / "cameras.txt")
    images = (_images_binary(scene, folder / "images.bin", True) if ext == "bin"
              else _images_text(scene, folder / "images.txt", True))
    if (folder / "points3D.bin").is_file():
        pid, xyz = _points3d_binary(scene, folder / "points3D.bin")[:2]
    elif (folder / "points3D.txt").is_file():
        pid, xyz = _points3d_text(scene, folder / "points3D.txt")[:2]
    else:
        pid, xyz = np.zeros(0, np.int64), np.zeros((0, 3))
    order = np.argsort(pid)
    pid, xyz = pid[order], xyz[order]
    views = {}
    for im, xy, ids in images.values():
        R = qvec_to_rotmat(im.qvec)
        at = np.searchsorted(pid, ids) if pid.size else np.zeros(len(ids), np.int64)
        known = (ids >= 0) & (at < pid.size)
        known[known] = pid[at[known]] == ids[known]
        z = (xyz[at[known]] @ R.T + im.tvec)[:, 2] if known.any() else np.zeros(0)
        cam = cams.get(im.camera_id)
        size = (cam.width, cam.height) if cam is not None else (0, 0)
        views[im.name] = SparseView(np.asarray(xy[known], dtype=np.float64), z, size, -R.T @ im.tvec)
    return views
