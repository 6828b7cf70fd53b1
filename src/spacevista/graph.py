"""The scene graph that task generators read: lifted 3D objects, cameras, scale and up vector.

Built either from estimates (depth + instance masks lifted by ``spacevista.engine.scene.lift``) or from
exact ground truth (``spacevista.engine.scene.truth``); tasks never know which, so the same question can
be answered from both and the engine's own correctness measured.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from spacevista.geometry.boxes import box_corners, box_footprint
from spacevista.scene import Camera, Scale


@dataclass
class Box3D:
    """Upright oriented box: centre (3,), size (3,) along local x, y, z, yaw about world +z (rad)."""

    center: np.ndarray
    size: np.ndarray
    yaw: float = 0.0

    def __post_init__(self) -> None:
        self.center = np.asarray(self.center, dtype=np.float64).reshape(3)
        self.size = np.asarray(self.size, dtype=np.float64).reshape(3)
        self.yaw = float(self.yaw)

    @property
    def height(self) -> float:
        return float(self.size[2])

    @property
    def width(self) -> float:
        """Longest horizontal side."""
        return float(max(self.size[0], self.size[1]))

    @property
    def longest(self) -> float:
        return float(self.size.max())

    @property
    def volume(self) -> float:
        return float(np.prod(self.size))

    @property
    def bottom(self) -> float:
        return float(self.center[2] - self.size[2] / 2)

    @property
    def top(self) -> float:
        return float(self.center[2] + self.size[2] / 2)

    def corners(self) -> np.ndarray:
        """The 8 corners (8, 3) in world coordinates (order of ``geometry.boxes.box_corners``)."""
        return box_corners(self.center, self.size, self.yaw)

    def footprint(self) -> np.ndarray:
        """The 4 ground-plane corners (4, 2), counter-clockwise."""
        return box_footprint(self.center, self.size, self.yaw)

    def to_dict(self) -> dict[str, Any]:
        return {"center": [float(v) for v in self.center], "size": [float(v) for v in self.size],
                "yaw": self.yaw}


@dataclass
class View:
    """How an object appears in one frame: visible pixel count, 2D box [x1,y1,x2,y2], a point [y,x]
    inside its mask, its z-depth statistics in that camera (closest visible point), and how much of
    it the frame may hide: ``truncated`` (the mask touches the image border), ``occluded`` (fraction
    of its outline behind a nearer surface), ``valid_depth`` (fraction of its pixels with depth) and
    ``occluded_top`` (the same as ``occluded`` for the upper outline: its top may be hidden)."""

    frame: int
    pixels: int
    bbox: tuple[int, int, int, int]
    point: tuple[int, int]
    min_depth: float
    median_depth: float
    truncated: bool = False
    occluded: float = 0.0
    valid_depth: float = 1.0
    occluded_top: float = 0.0

    def clean(self, max_occluded: float = 0.2) -> bool:
        """Seen whole in this frame: not cut by the border, at most ``max_occluded`` of it hidden."""
        return not self.truncated and self.occluded <= max_occluded


@dataclass
class GraphObject:
    """One object of the scene graph.

    ``points`` are world-frame surface samples (lifted visible points, or mesh samples for ground
    truth); ``views`` maps frame index -> View for frames where it passes the visibility rule.
    """

    id: int
    category: str
    box: Box3D
    points: np.ndarray
    views: dict[int, View] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    _tree: Any = field(default=None, init=False, repr=False, compare=False)
    _bounds: Any = field(default=None, init=False, repr=False, compare=False)

    @property
    def tree(self) -> Any:
        """KD-tree of ``points``, built once (distance tasks query it many times)."""
        if self._tree is None:
            from scipy.spatial import cKDTree

            # unbalanced, non-compact nodes: about twice as fast to build, and nearest-neighbour
            # distances (all the tasks read) are exact whatever the tree's shape
            self._tree = cKDTree(self.points, balanced_tree=False, compact_nodes=False)
        return self._tree

    @property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-axis minimum and maximum (3,) of ``points``, computed once (needs a point)."""
        if self._bounds is None:
            self._bounds = (self.points.min(0), self.points.max(0))
        return self._bounds

    @property
    def centroid(self) -> np.ndarray:
        return self.box.center

    @property
    def frames(self) -> list[int]:
        return sorted(self.views)

    @property
    def first_frame(self) -> int | None:
        return min(self.views) if self.views else None


@dataclass
class CameraPose:
    """The camera of one sampled frame."""

    frame: int
    camera: Camera
    pose: np.ndarray  # camera-to-world 4x4, OpenCV axes

    @property
    def position(self) -> np.ndarray:
        return self.pose[:3, 3]


@dataclass
class SceneGraph:
    """Everything the task generators may read about one scene.

    ``floor_z`` is the height of the supporting ground/table/floor plane in world metres (None when
    unknown); ``room`` holds the floor polygon (N, 2) and ceiling height for indoor scenes when known.
    ``extent`` is the characteristic scene size in metres (the RL scale anchor).
    """

    scene_id: str
    scale: Scale
    metric: bool
    objects: list[GraphObject]
    cameras: list[CameraPose]
    up: np.ndarray
    floor_z: float | None = None
    room: dict[str, Any] | None = None
    frame_paths: list[str] = field(default_factory=list)
    source: str = "native"
    exact: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)
    _gaps: dict[tuple[int, int], float] = field(default_factory=dict, init=False, repr=False, compare=False)
    _memo: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def memo(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per ``key`` for this graph (derived values that several questions,
        or several tasks of one scene, read again: predicate margins, per-object bounds). Like
        ``gap`` and ``GraphObject.tree``, it assumes the graph is not changed once tasks read it."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def gap(self, a: int, b: int) -> float:
        """Closest distance between the surfaces (points) of objects ``a`` and ``b``, cached."""
        key = (min(a, b), max(a, b))
        if key not in self._gaps:
            from spacevista.geometry.distances import closest_distance

            oa, ob = self.object(a), self.object(b)
            small, big = (oa, ob) if len(oa.points) <= len(ob.points) else (ob, oa)
            self._gaps[key] = closest_distance(small.points, big.points, tree_b=big.tree)
        return self._gaps[key]

    def object(self, object_id: int) -> GraphObject:
        for o in self.objects:
            if o.id == object_id:
                return o
        raise KeyError(f"scene {self.scene_id} has no object {object_id}")

    def has(self, object_id: int) -> bool:
        return any(o.id == object_id for o in self.objects)

    def camera(self, frame: int) -> CameraPose:
        for c in self.cameras:
            if c.frame == frame:
                return c
        raise KeyError(f"scene {self.scene_id} has no frame {frame}")

    @property
    def extent(self) -> float:
        """Characteristic size: diagonal of the objects' bounding volume in metres."""
        if not self.objects:
            return 0.0
        corners = np.concatenate([o.box.corners() for o in self.objects])
        return float(np.linalg.norm(corners.max(0) - corners.min(0)))

    def by_category(self) -> dict[str, list[GraphObject]]:
        out: dict[str, list[GraphObject]] = {}
        for o in self.objects:
            out.setdefault(o.category, []).append(o)
        return out
