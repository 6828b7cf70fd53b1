"""The checks every reader applies to what it reads, the native format included.

One place decides what a usable frame is, so that a pose or a camera refused by one reader is
refused by all (see docs/readers.md, "Numerics and validation"):

- **Poses** (:func:`rigid_pose`): a finite 4x4 with bottom row ``0 0 0 1`` whose rotation block is
  orthonormal to within :data:`POSE_TOL` (``max |R^T R - I| <= 1e-2``, ``det R > 0``). Pose text
  rounded to a few decimals is orthonormal only to about 1e-4, so such a block is replaced by the
  nearest rotation (SVD, det +1) and the size of the change is recorded; beyond the tolerance (a
  scaled, sheared or mirrored matrix) it is a :class:`~spacevista.errors.PoseError`.
- **Intrinsics** (:func:`check_camera`): finite positive focal lengths, the principal point within
  half an image of the image (``-0.5 W <= cx <= 1.5 W``, likewise ``cy``), the size the source
  states equal to the image's; else an :class:`~spacevista.errors.IntrinsicsError`.
- **Paths** (:func:`inside`): a file a scene names must lie in the scene's folder; ``..`` or an
  absolute path elsewhere is an :class:`~spacevista.errors.UnsafePathError` that refuses the scene.
- **Frames** (:class:`FrameLog`): one bad frame (an error above, an unreadable image, a repeated
  frame index) is dropped with its reason; the scene is refused only when no frame remains or
  fewer than half of those it tried (:data:`MIN_KEPT_FRACTION`) are left. What was dropped and
  corrected goes to ``scene.metadata`` (``dropped_frames``, ``pose_corrections``) and from there
  to the build's report.json.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Hashable, Iterable, TypeVar

import numpy as np

from spacevista.errors import (DuplicateFrameError, IntrinsicsError, PoseError, SceneError, TooFewFramesError,
                               UnsafePathError)
from spacevista.geometry.poses import nearest_rotation
from spacevista.scene import Camera

#: largest ``max |R^T R - I|`` of a rotation block that is re-orthonormalised rather than refused
POSE_TOL = 1e-2
#: below this ``max |R^T R - I|`` a rotation block is used as given (float32 storage, exact poses)
EXACT_TOL = 1e-6
#: largest deviation of a pose's bottom row from ``0 0 0 1``
BOTTOM_ROW_TOL = 1e-6
#: how far outside the image the principal point may lie, as a fraction of the image size
PRINCIPAL_POINT_MARGIN = 0.5
#: a scene keeps at least this fraction of the frames it tried to read, else it is refused
MIN_KEPT_FRACTION = 0.5

Item = TypeVar("Item")
Out = TypeVar("Out")


def rigid_pose(pose: Any, scene: str, file: str | Path, frame: object = None) -> tuple[np.ndarray, float]:
    """``pose`` as a float64 4x4 rigid transform, and the largest change made to its rotation block
    (``max |R' - R|``; 0.0 when it was used as given). Raises ``PoseError`` naming the frame."""
    def refuse(reason: str) -> PoseError:
        return PoseError(scene, str(file), reason, frame)

    T = _finite_matrix(pose, 4, "pose", refuse)
    if np.abs(T[3] - [0.0, 0.0, 0.0, 1.0]).max() > BOTTOM_ROW_TOL:
        raise refuse(f"pose bottom row must be [0, 0, 0, 1], got {T[3].tolist()}")
    R = T[:3, :3]
    det = float(np.linalg.det(R))
    err = float(np.abs(R.T @ R - np.eye(3)).max())
    if not det > 0:
        raise refuse(f"pose is not a rigid transform: rotation block has determinant {det:.4g} "
                     "(a reflection or a degenerate matrix)")
    if err > POSE_TOL:
        raise refuse(f"pose is not a rigid transform: max |R^T R - I| = {err:.3g} exceeds {POSE_TOL:g} "
                     f"(det = {det:.4g}; a scaled or sheared matrix, not rounding)")
    T[3] = [0.0, 0.0, 0.0, 1.0]
    if err <= EXACT_TOL:
        return T, 0.0
    fixed = nearest_rotation(R)
    correction = float(np.abs(fixed - R).max())
    T[:3, :3] = fixed
    return T, correction


def _finite_matrix(value: Any, n: int, what: str, refuse: Callable[[str], SceneError]) -> np.ndarray:
    """``value`` as a finite float64 ``n`` x ``n`` matrix (a copy), else ``refuse``'s error."""
    try:
        M = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise refuse(f"{what} is not a numeric matrix: {e}") from e
    if M.shape != (n, n):
        raise refuse(f"{what} must be {n}x{n}, got shape {M.shape}")
    if not np.all(np.isfinite(M)):
        raise refuse(f"{what} has non-finite values")
    return M


def check_camera(K: Any, width: int, height: int, scene: str, file: str | Path, frame: object = None,
                 declared: tuple[int, int] | None = None) -> Camera:
    """A Camera for an image of ``width`` x ``height``, or an ``IntrinsicsError`` naming the frame.

    ``declared`` is the (w, h) the source says the intrinsics are for; it must equal the image's.
    """
    def refuse(reason: str) -> IntrinsicsError:
        return IntrinsicsError(scene, str(file), reason, frame)

    if declared is not None and (int(declared[0]), int(declared[1])) != (int(width), int(height)):
        raise refuse(f"intrinsics are for {declared[0]}x{declared[1]} but the image is {width}x{height}")
    K = _finite_matrix(K, 3, "intrinsics", refuse)
    fx, fy, cx, cy = K[0, 0], K[1, 1], K[0, 2], K[1, 2]
    if not (fx > 0 and fy > 0):
        raise refuse(f"focal lengths must be positive, got fx={fx:g}, fy={fy:g}")
    m = PRINCIPAL_POINT_MARGIN
    if not (-m * width <= cx <= (1 + m) * width and -m * height <= cy <= (1 + m) * height):
        raise refuse(f"principal point ({cx:g}, {cy:g}) lies outside the {width}x{height} image by more than "
                     f"{m:g} of its size: intrinsics do not match the image")
    try:
        return Camera(K, int(width), int(height))
    except ValueError as e:
        raise refuse(str(e)) from e


def inside(root: str | Path, name: str | Path, scene: str, file: str | Path) -> Path:
    """``root / name`` when it lies inside ``root``, else an ``UnsafePathError`` naming ``file`` (the
    file that gave the name). Decided on the path's text, so symbolic links inside the scene folder
    (datasets often link their image folders) are followed as before."""
    base = os.path.abspath(root)
    target = os.path.abspath(os.path.join(base, os.fspath(name)))
    if os.path.commonpath([base, target]) != base:
        raise UnsafePathError(scene, str(file), f"path {os.fspath(name)!r} leaves the scene folder {base}")
    return Path(root) / name


class FrameLog:
    """What the checks did to one scene's frames: frames dropped with reasons, poses corrected.

    A reader makes one per scene, checks poses through :meth:`pose`, reads its frames through
    :meth:`read` and hands the log to ``record`` (``readers.base.finish_scene`` does) so the notes
    reach ``scene.metadata``.
    """

    def __init__(self, scene: str):
        self.scene = scene
        self.dropped: list[dict[str, Any]] = []
        self.corrected = 0
        self.max_correction = 0.0

    def pose(self, pose: Any, file: str | Path, frame: object = None) -> np.ndarray:
        """:func:`rigid_pose`, counting the correction when one was made."""
        T, correction = rigid_pose(pose, self.scene, file, frame)
        if correction > 0:
            self.corrected += 1
            self.max_correction = max(self.max_correction, correction)
        return T

    def drop(self, frame: object, file: str | Path | None, error: SceneError) -> None:
        """Record that ``frame`` was left out because of ``error``."""
        self.dropped.append({"frame": _plain(frame), "file": None if file is None else str(file),
                             "error": type(error).__name__, "reason": getattr(error, "detail", error.reason)})

    def read(self, items: Iterable[Item], read_one: Callable[[Item, int], Out | None],
             key: Callable[[Item], Hashable] | None = None) -> tuple[list[Out], list[Item]]:
        """Frames (a ``Frame``, or what a reader makes of one before its frames are built) from
        ``items`` by ``read_one(item, index)`` (``index``: the frame's position among those kept),
        with the items they came from.

        ``key`` gives an item's frame index in the source (default: the item itself); an index
        seen before drops the later item. A ``SceneError`` from ``read_one`` drops that item, an
        ``UnsafePathError`` refuses the scene; ``None`` means the reader skipped the item itself
        (and recorded why), so it does not count as tried. Raises ``TooFewFramesError`` when
        frames were dropped and fewer than :data:`MIN_KEPT_FRACTION` of those tried remain.
        """
        frames: list[Out] = []
        kept: list[Item] = []
        seen: set[Hashable] = set()
        tried = 0
        for pos, item in enumerate(items):
            tried += 1
            k: Hashable = pos
            try:
                k = key(item) if key is not None else item
                if k in seen:
                    raise DuplicateFrameError(self.scene, None, "repeats the index of an earlier frame, "
                                              "which is kept", _plain(k))
                seen.add(k)
                frame = read_one(item, len(frames))
            except UnsafePathError:
                raise
            except SceneError as e:
                self.drop(k, e.file, e)
                continue
            if frame is None:  # skipped by the reader, which recorded why
                tried -= 1
                continue
            frames.append(frame)
            kept.append(item)
        self.require(tried, len(frames))
        return frames, kept

    def require(self, tried: int, kept: int) -> None:
        """Refuse the scene (``TooFewFramesError``) when frames were dropped and no frame, or fewer
        than :data:`MIN_KEPT_FRACTION` of the ``tried`` ones, remain."""
        if not self.dropped or (kept > 0 and kept >= MIN_KEPT_FRACTION * tried):
            return
        first = self.dropped[0]
        raise TooFewFramesError(
            self.scene, first["file"],
            f"{len(self.dropped)} of {tried} frames dropped, {kept} left (a scene needs at least one and "
            f"{MIN_KEPT_FRACTION:.0%} of its frames); first: frame {first['frame']}: "
            f"{first['error']}: {first['reason']}", self.dropped)

    def record(self, metadata: dict[str, Any]) -> None:
        """Add the dropped frames and pose corrections to a scene's ``metadata`` (merged with notes
        it already carries, e.g. from a native header written after an earlier read)."""
        if self.dropped:
            metadata.setdefault("dropped_frames", []).extend(self.dropped)
        if self.corrected:
            before = metadata.get("pose_corrections") or {}
            metadata["pose_corrections"] = {
                "corrected": int(before.get("corrected", 0)) + self.corrected,
                "max_correction": max(float(before.get("max_correction", 0.0)), self.max_correction),
                "tolerance": POSE_TOL}


def _plain(value: object) -> object:
    """``value`` as something JSON writes (frame indices may be numpy integers or tuples)."""
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (str, int, float)):
        return value
    return str(value)
