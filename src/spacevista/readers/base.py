"""Shared machinery of the readers: the registry, format detection and the checks every reader runs.

A reader is a :class:`Reader` subclass registered with ``@READERS.register("name")``. It names its
typed options (a ``readers.options.ReaderOptions`` dataclass) and typical scales in its class line
and has two class methods: ``detect(path) -> bool`` (cheap: looks at file names only) and
``read(path, options) -> Scene``. Frames get lazy loaders (``functools.partial`` of module-level
functions, so scenes pickle), and nothing but headers is read while a scene is built. The helpers
below are what several readers share: files, images and depth, and ``finish_scene``, which every
capture reader ends with. Poses, cameras, file names and bad frames are checked by
``spacevista.io.checks`` (re-exported here), the same checks the native format runs: a reader reads
its frames through ``FrameLog.read``, so one bad frame is dropped with its reason, not the scene.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
from PIL import Image

from spacevista.errors import SceneError
from spacevista.io.checks import FrameLog as FrameLog  # re-exported: the readers' frame checks
from spacevista.io.checks import check_camera as check_camera
from spacevista.io.checks import inside as inside
from spacevista.readers.options import ReaderOptionError, ReaderOptions, SceneOptions
from spacevista.readers.options import select_indices as select_indices  # re-exported for callers of base
from spacevista.readers.up import resolve_up
from spacevista.registry import Registry
from spacevista.scene import Scale, Scene

#: Detection order: the most specific layouts first, so that a folder that holds two layouts is read
#: by the reader that understands the richer one.
DETECTION_ORDER: tuple[str, ...] = ("native", "scannet", "arkitscenes", "wildrgbd", "co3d", "uco3d", "rgbd_folder",
                                    "nerfstudio", "colmap", "video")

READERS: Registry["type[Reader]"] = Registry("reader", modules=tuple(
    f"spacevista.readers.{m}" for m in ("native", "nerfstudio", "rgbd_folder", "colmap", "scannet", "co3d",
                                        "wildrgbd", "arkitscenes", "video", "uco3d")))


class Reader:
    """What a registered reader provides; subclasses override ``detect`` and ``read``.

    A subclass states its options class and the scales its source typically holds in its class
    line, ``class XReader(Reader, options=XOptions, scales=(Scale.INDOOR,))``."""

    #: scales this source typically holds (listed by ``spacevista ls``)
    scales: tuple[Scale, ...] = tuple(Scale)
    #: the reader's typed options, built by ``Options.parse`` from loose name -> value pairs
    Options: type[ReaderOptions] = ReaderOptions

    def __init_subclass__(cls, options: type[ReaderOptions] | None = None,
                          scales: tuple[Scale, ...] | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if options is not None:
            cls.Options = options
        if scales is not None:
            cls.scales = tuple(scales)

    @classmethod
    def detect(cls, path: Path) -> bool:
        """Whether ``path`` is in this reader's format, from file names alone."""
        raise NotImplementedError

    @classmethod
    def read(cls, path: Path, options: Any) -> Scene:
        """The scene at ``path``, read with ``options`` (an instance of ``cls.Options``)."""
        raise NotImplementedError


def detect_format(path: str | Path) -> str:
    """Name of the reader that understands ``path``; raises ``SceneError`` when none does."""
    p = Path(path)
    if not p.exists():
        raise SceneError(None, str(p), "path does not exist")
    names = READERS.names()
    ordered = [n for n in DETECTION_ORDER if n in names] + [n for n in names if n not in DETECTION_ORDER]
    for name in ordered:
        if READERS.get(name).detect(p):
            return name
    if p.is_dir() and not any(p.iterdir()):
        raise SceneError(None, str(p), "folder is empty")
    raise SceneError(None, str(p), f"unknown format: no reader recognises it (readers: {', '.join(ordered)})")


def reader_options(name: str, options: Mapping[str, Any] | None = None) -> ReaderOptions:
    """The typed options of reader ``name`` from loose ``options``; a ``ReaderOptionError`` names the
    reader and the option when one is unknown or invalid."""
    if name not in READERS:
        raise SceneError(None, None, f"unknown format {name!r}; known: {', '.join(READERS.names())}")
    return READERS.get(name).Options.parse(options)


def validate_options(fmt: str, options: Mapping[str, Any]) -> None:
    """Check ``options`` before any source is read: fully against the reader ``fmt`` names; with
    ``fmt="auto"`` (each source's reader known only once it is detected) the names alone, which
    must each be taken by some reader. Raises ``ReaderOptionError``; an unknown ``fmt`` is left to
    the reading."""
    if fmt != "auto":
        if fmt in READERS:
            reader_options(fmt, options)
        return
    known = {n for _, reader in READERS.items() for n in reader.Options.names()}
    unknown = sorted(set(options) - known)
    if unknown:
        raise ReaderOptionError("", ", ".join(unknown),
                                f"no reader takes option(s) {', '.join(map(repr, unknown))} (format auto)")


def read_source(path: str | Path, format: str = "auto", **options: Any) -> Scene:
    """Read ``path`` into a Scene with the named reader, or the detected one when ``format='auto'``.

    ``options`` are the reader's options by name (see its ``Options`` class)."""
    name = detect_format(path) if format == "auto" else format
    if name not in READERS:
        raise SceneError(None, str(path), f"unknown format {name!r}; known: {', '.join(READERS.names())}")
    return READERS.get(name).read(Path(path), reader_options(name, options))


# --------------------------------------------------------------------------- options and ids

def scene_id_for(path: Path, options: SceneOptions) -> str:
    """The scene id: the ``scene_id`` option, else the folder (or file stem) name."""
    if options.scene_id:
        return str(options.scene_id)
    return path.stem if path.is_file() else path.name


# --------------------------------------------------------------------------- files

def file_here_or_above(folder: Path, *names: str) -> Path | None:
    """The first of ``names`` that is a file in ``folder``, else in its parent (where datasets keep
    what several sequences share); ``None`` when there is none."""
    for d in (folder, folder.parent):
        for name in names:
            if (d / name).is_file():
                return d / name
    return None


def require_file(scene: str, path: Path, what: str = "file") -> Path:
    """``path`` if it is a readable file, else a SceneError naming it."""
    if not path.is_file():
        raise SceneError(scene, str(path), f"missing {what}")
    return path


def read_text(scene: str, path: Path) -> str:
    require_file(scene, path)
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SceneError(scene, str(path), f"unreadable: {e}") from e


def numeric_rows(scene: str, path: Path, columns: int, what: str) -> list[list[float]]:
    """The values of every non-blank line of a whitespace-separated text table whose lines must each
    hold ``columns`` numbers (``what`` describes them in the error, which names the line)."""
    rows = []
    for n, line in enumerate(read_text(scene, path).splitlines(), 1):
        tokens = line.split()
        if not tokens:
            continue
        if len(tokens) != columns:
            raise SceneError(scene, str(path), f"line {n}: expected {what}, found {len(tokens)}")
        try:
            rows.append([float(t) for t in tokens])
        except ValueError as e:
            raise SceneError(scene, str(path), f"line {n}: not numeric: {e}") from e
    return rows


def read_matrix(scene: str, path: Path, shape: tuple[int, int]) -> np.ndarray:
    """A whitespace-separated numeric matrix of exactly ``shape`` (non-finite values allowed)."""
    text = read_text(scene, path)
    try:
        values = [float(t) for t in text.split()]
    except ValueError as e:
        raise SceneError(scene, str(path), f"not a numeric matrix: {e}") from e
    if len(values) != shape[0] * shape[1]:
        raise SceneError(scene, str(path), f"expected {shape[0]}x{shape[1]} numbers, found {len(values)}")
    return np.asarray(values, dtype=np.float64).reshape(shape)


def image_size(scene: str, path: Path) -> tuple[int, int]:
    """(width, height) of an image from its header alone."""
    require_file(scene, path, "image")
    try:
        with Image.open(path) as im:
            return int(im.width), int(im.height)
    except (OSError, ValueError) as e:
        raise SceneError(scene, str(path), f"unreadable image: {e}") from e


def open_image_array(path: str, scene: str) -> np.ndarray:
    try:
        with Image.open(path) as im:
            im.load()
            return np.asarray(im)
    except (OSError, ValueError) as e:
        raise SceneError(scene, path, f"unreadable image: {e}") from e


def load_rgb(path: str, scene: str = "", size: tuple[int, int] | None = None) -> np.ndarray:
    """HxWx3 uint8; ``size=(w, h)`` resizes bilinearly (used for downscale folders of other sizes)."""
    try:
        with Image.open(path) as im:
            im = im.convert("RGB")
            if size is not None and im.size != tuple(size):
                im = im.resize(tuple(size), Image.BILINEAR)
            return np.asarray(im)
    except (OSError, ValueError) as e:
        raise SceneError(scene, path, f"unreadable image: {e}") from e


def load_depth_png(path: str, scene: str = "", scale: float = 1e-3, invalid: Sequence[int] = (0,),
                   remap: "DepthRemap | None" = None) -> np.ndarray:
    """16-bit PNG depth in integer units (``scale`` metres per unit) -> float32 metres, invalid = 0."""
    raw = open_image_array(path, scene)
    if raw.ndim != 2:
        raise SceneError(scene, path, f"depth image must have one channel, got shape {raw.shape}")
    raw = raw.astype(np.uint32)
    depth = (raw * scale).astype(np.float32)
    for v in invalid:
        depth[raw == v] = 0.0
    if remap is None:
        return depth
    if (depth.shape[1], depth.shape[0]) != remap.depth_size:
        raise SceneError(scene, path, f"depth image is {depth.shape[1]}x{depth.shape[0]}, expected "
                                      f"{remap.depth_size[0]}x{remap.depth_size[1]}")
    return remap(depth)


def load_instance_png(path: str, scene: str = "", size: tuple[int, int] | None = None,
                      remap: "DepthRemap | None" = None) -> np.ndarray:
    """Integer-valued PNG -> HxW int32 ids; ``remap`` moves it to another camera's grid, else it is
    resized nearest-neighbour to ``size=(w, h)`` if needed."""
    arr = open_image_array(path, scene)
    if arr.ndim == 3:  # palette/RGB masks: take the first channel, ids are stored there
        arr = arr[..., 0]
    arr = arr.astype(np.int32)
    if remap is not None:
        if (arr.shape[1], arr.shape[0]) != remap.depth_size:
            raise SceneError(scene, path, f"instance image is {arr.shape[1]}x{arr.shape[0]}, expected "
                                          f"{remap.depth_size[0]}x{remap.depth_size[1]}")
        return remap(arr)
    if size is not None and (arr.shape[1], arr.shape[0]) != tuple(size):
        arr = _nearest_resize(arr, size)
    return arr


def load_rgb_remapped(path: str, scene: str, remap: "DepthRemap") -> np.ndarray:
    """Colour image moved onto another camera's pixel grid (nearest-neighbour through intrinsics)."""
    return remap(load_rgb(path, scene))


def _nearest_resize(arr: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    w, h = size
    ys = np.minimum(((np.arange(h) + 0.5) * arr.shape[0] / h).astype(int), arr.shape[0] - 1)
    xs = np.minimum(((np.arange(w) + 0.5) * arr.shape[1] / w).astype(int), arr.shape[1] - 1)
    return arr[ys[:, None], xs[None, :]]


class DepthRemap:
    """Resamples an image (depth, colour or ids) from one camera's pixel grid onto another's.

    Named for its main use, depth onto the colour grid. Valid when both cameras share their optical centre and axes (registered RGB-D sensors, ScanNet,
    7-Scenes): a colour pixel ``u_c`` sees the ray ``K_c^-1 u_c``, which lands on the depth pixel
    ``K_d K_c^-1 u_c``; z along the shared optical axis is unchanged, so the depth value is copied by
    nearest-neighbour lookup (never interpolated across depth edges).
    """

    def __init__(self, K_depth: np.ndarray, depth_size: tuple[int, int], K_color: np.ndarray,
                 color_size: tuple[int, int]):
        self.depth_size = tuple(depth_size)
        self.color_size = tuple(color_size)
        w, h = color_size
        Kd, Kc = np.asarray(K_depth, float), np.asarray(K_color, float)
        ud = Kd[0, 0] * (np.arange(w) - Kc[0, 2]) / Kc[0, 0] + Kd[0, 2]
        vd = Kd[1, 1] * (np.arange(h) - Kc[1, 2]) / Kc[1, 1] + Kd[1, 2]
        self.xs = np.rint(ud).astype(int)
        self.ys = np.rint(vd).astype(int)
        self.x_ok = (self.xs >= 0) & (self.xs < depth_size[0])
        self.y_ok = (self.ys >= 0) & (self.ys < depth_size[1])
        self.identity = (self.depth_size == self.color_size and np.array_equal(self.xs, np.arange(w))
                         and np.array_equal(self.ys, np.arange(h)))

    @classmethod
    def scaled(cls, K_color: np.ndarray, color_size: tuple[int, int], depth_size: tuple[int, int]) -> "DepthRemap":
        """The remap for a depth camera that is the colour camera scaled to the depth image's size
        (what a source implies when it gives one camera for both)."""
        sx, sy = depth_size[0] / color_size[0], depth_size[1] / color_size[1]
        return cls(np.diag([sx, sy, 1.0]) @ K_color, depth_size, K_color, color_size)

    def __call__(self, depth: np.ndarray) -> np.ndarray:
        if (depth.shape[1], depth.shape[0]) != self.depth_size:
            raise ValueError(f"image is {depth.shape[1]}x{depth.shape[0]}, expected "
                             f"{self.depth_size[0]}x{self.depth_size[1]}")
        if self.identity:
            return depth
        xs = np.clip(self.xs, 0, self.depth_size[0] - 1)
        ys = np.clip(self.ys, 0, self.depth_size[1] - 1)
        out = depth[ys[:, None], xs[None, :]].copy()
        out[~(self.y_ok[:, None] & self.x_ok[None, :])] = 0
        return out


# --------------------------------------------------------------------------- geometry checks
# Poses, cameras, file names and the frame-drop rule are checked by ``spacevista.io.checks``, which
# the native format shares: ``FrameLog.pose``, ``check_camera``, ``inside`` and ``FrameLog.read``.


def intrinsics_matrix(fx: float, fy: float, cx: float, cy: float) -> np.ndarray:
    """3x3 pinhole K in pixels."""
    return np.array([[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]], dtype=np.float64)


def rgb_loader(path: Path, scene: str, size: tuple[int, int] | None = None) -> Callable[[], np.ndarray]:
    """A picklable loader of the colour image at ``path``."""
    return functools.partial(load_rgb, str(path), scene, size)


def depth_png_loader(scene: str, path: Path, K_color: np.ndarray, color_size: tuple[int, int],
                     depth_scale: float) -> Callable[[], np.ndarray]:
    """A picklable loader of a depth PNG (0 = invalid) moved onto the colour grid, the depth camera
    being the colour camera scaled to the depth image's size; reads the PNG's header now."""
    remap = DepthRemap.scaled(K_color, color_size, image_size(scene, path))
    return functools.partial(load_depth_png, str(path), scene, depth_scale, (0,), remap)


def finish_scene(scene: Scene, skipped: list[dict[str, Any]], log: FrameLog, up: str = "keep") -> Scene:
    """Record skipped frames and what the frame checks dropped or corrected (``log``), refuse
    scenes left without frames, then find the up vector with the ``up`` method
    (``readers.up.resolve_up``; "keep": leave what the reader set)."""
    scene.metadata.setdefault("skipped", []).extend(skipped)
    log.record(scene.metadata)
    if not scene.frames:
        reasons = "; ".join(f"{s.get('file')}: {s.get('reason')}" for s in skipped[:3])
        raise SceneError(scene.id, str(scene.root) if scene.root else None,
                         "no usable frames" + (f" ({reasons})" if reasons else ""))
    return resolve_up(scene, up)

