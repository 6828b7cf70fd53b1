"""The data model every stage shares: scales, cameras, frames, objects and scenes.

Conventions (see docs/conventions.md):
- SI metres everywhere inside the engine.
- Cameras use OpenCV axes (x right, y down, z forward); ``Frame.pose`` is camera-to-world 4x4;
  ``Camera.K`` is 3x3 in pixels.
- The world is gravity-aligned with +z up once ``Scene.up`` has been resolved.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from spacevista.errors import SceneError


class Scale(str, enum.Enum):
    """The five scene scales of SpaceVista, from millimetres to kilometres."""

    TINY = "tiny"
    TABLETOP = "tabletop"
    INDOOR = "indoor"
    OUTDOOR = "outdoor"
    DRONE = "drone"

    @property
    def category(self) -> str:
        """Category name used by the benchmark tables (drone kept separate)."""
        return _CATEGORY[self]

    @property
    def official_category(self) -> str:
        """Category in the official 4-way SpaceVista-Bench tables (drone counts as Outdoor)."""
        return "Outdoor" if self is Scale.DRONE else _CATEGORY[self]

    @property
    def unit(self) -> str:
        """Natural unit in which answers at this scale are written."""
        return _UNIT[self]

    @property
    def expert_index(self) -> int:
        """Index of the scale expert (4 experts: tiny, tabletop, indoor, outdoor; drone -> outdoor)."""
        return {Scale.TINY: 0, Scale.TABLETOP: 1, Scale.INDOOR: 2, Scale.OUTDOOR: 3, Scale.DRONE: 3}[self]

    @classmethod
    def parse(cls, value: "str | Scale") -> "Scale":
        """Accept a scale value, its category name or a common alias."""
        if isinstance(value, Scale):
            return value
        key = str(value).strip().lower().replace("_", "").replace("-", "").replace(" ", "")
        aliases = {"tinytabletop": "tiny", "tiny": "tiny", "mm": "tiny", "tabletop": "tabletop",
                   "table": "tabletop", "cm": "tabletop", "indoor": "indoor", "outdoor": "outdoor",
                   "drone": "drone", "aerial": "drone"}
        if key not in aliases:
            raise ValueError(f"unknown scale {value!r}; expected one of {[s.value for s in cls]}")
        return cls(aliases[key])


_CATEGORY = {Scale.TINY: "TinyTabletop", Scale.TABLETOP: "Tabletop", Scale.INDOOR: "Indoor",
             Scale.OUTDOOR: "Outdoor", Scale.DRONE: "Drone"}
_UNIT = {Scale.TINY: "mm", Scale.TABLETOP: "cm", Scale.INDOOR: "m", Scale.OUTDOOR: "m", Scale.DRONE: "m"}

#: metres per unit
UNIT_METRES = {"mm": 1e-3, "cm": 1e-2, "m": 1.0, "km": 1e3,
               "mm2": 1e-6, "cm2": 1e-4, "m2": 1.0, "km2": 1e6,
               "mm3": 1e-9, "cm3": 1e-6, "m3": 1.0, "deg": 1.0, "count": 1.0, "": 1.0}


@dataclass(frozen=True)
class Camera:
    """Pinhole intrinsics in pixels for an image of ``width`` x ``height``."""

    K: np.ndarray
    width: int
    height: int

    def __post_init__(self) -> None:
        K = np.asarray(self.K, dtype=np.float64)
        object.__setattr__(self, "K", K)
        if K.shape != (3, 3):
            raise ValueError(f"intrinsics must be 3x3, got shape {K.shape}")
        if not np.all(np.isfinite(K)) or K[0, 0] <= 0 or K[1, 1] <= 0:
            raise ValueError(f"intrinsics need positive finite focal lengths, got fx={K[0, 0]}, fy={K[1, 1]}")
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"image size must be positive, got {self.width}x{self.height}")

    @property
    def fx(self) -> float:
        return float(self.K[0, 0])

    @property
    def fy(self) -> float:
        return float(self.K[1, 1])

    @property
    def cx(self) -> float:
        return float(self.K[0, 2])

    @property
    def cy(self) -> float:
        return float(self.K[1, 2])

    @classmethod
    def from_fov(cls, width: int, height: int, hfov_deg: float) -> "Camera":
        """Camera with square pixels, principal point at the centre and horizontal FOV ``hfov_deg``."""
        fx = 0.5 * width / np.tan(np.radians(hfov_deg) / 2)
        K = np.array([[fx, 0, width / 2], [0, fx, height / 2], [0, 0, 1]], dtype=np.float64)
        return cls(K, int(width), int(height))

    def to_dict(self) -> dict[str, Any]:
        return {"fx": self.fx, "fy": self.fy, "cx": self.cx, "cy": self.cy,
                "width": self.width, "height": self.height}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Camera":
        K = np.array([[d["fx"], 0, d["cx"]], [0, d["fy"], d["cy"]], [0, 0, 1]], dtype=np.float64)
        return cls(K, int(d["width"]), int(d["height"]))


Loader = Callable[[], np.ndarray]


@dataclass
class Frame:
    """One sampled video frame: its camera, pose and (lazily loaded) images.

    Arrays may be given directly (synthetic scenes in memory) or as loaders (readers); loaders run
    on first access and their result is not cached, so a scene with thousands of frames stays small.
    """

    index: int
    camera: Camera
    pose: np.ndarray
    timestamp: float | None = None
    image_path: str | None = None
    depth_path: str | None = None
    instance_path: str | None = None
    rgb_array: np.ndarray | None = field(default=None, repr=False)
    depth_array: np.ndarray | None = field(default=None, repr=False)
    instance_array: np.ndarray | None = field(default=None, repr=False)
    rgb_loader: Loader | None = field(default=None, repr=False)
    depth_loader: Loader | None = field(default=None, repr=False)
    instance_loader: Loader | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.pose = np.asarray(self.pose, dtype=np.float64)

    @property
    def has_depth(self) -> bool:
        return self.depth_array is not None or self.depth_loader is not None

    @property
    def has_instances(self) -> bool:
        return self.instance_array is not None or self.instance_loader is not None

    def rgb(self) -> np.ndarray:
        """HxWx3 uint8 image."""
        return _get(self.rgb_array, self.rgb_loader, "rgb")

    def depth(self) -> np.ndarray:
        """HxW float32 metric depth along the optical axis (z), metres; invalid pixels are 0/NaN/inf."""
        return _get(self.depth_array, self.depth_loader, "depth")

    def instances(self) -> np.ndarray:
        """HxW int32 instance ids; 0 is background."""
        return _get(self.instance_array, self.instance_loader, "instances")

    @property
    def position(self) -> np.ndarray:
        """Camera centre in world coordinates."""
        return self.pose[:3, 3].copy()


def _get(array: np.ndarray | None, loader: Loader | None, what: str) -> np.ndarray:
    if array is not None:
        return array
    if loader is not None:
        return loader()
    raise KeyError(f"frame has no {what}")


@dataclass
class SceneObject:
    """A ground-truth or annotated object.

    ``center``/``size``/``yaw`` describe its upright oriented box in world metres (size is the
    extent along the box's local x, y and z; yaw rotates local x about world +z). ``mesh_vertices``
    and ``mesh_faces`` hold its exact surface when known (synthetic scenes).
    """

    id: int
    category: str
    center: np.ndarray
    size: np.ndarray
    yaw: float = 0.0
    mesh_vertices: np.ndarray | None = field(default=None, repr=False)
    mesh_faces: np.ndarray | None = field(default=None, repr=False)
    attributes: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.center = np.asarray(self.center, dtype=np.float64).reshape(3)
        self.size = np.asarray(self.size, dtype=np.float64).reshape(3)
        if self.id <= 0:
            raise ValueError(f"object ids must be positive (0 is background), got {self.id}")


#: labels of annotated room structure (compared lower-case)
STRUCTURE_LABELS = ("floor", "wall", "ceiling")


@dataclass
class Annotations:
    """3D annotations people made on a source's own reconstruction, in the scene's world frame.

    ``objects`` are the annotated instances: ``id`` is the id the frames' 2-D instance maps use for
    it, ``category`` its annotated label, ``mesh_vertices``/``mesh_faces`` its part of the mesh (or
    the twelve triangles of its box) and ``attributes["shape"]`` "mesh" or "box". ``vertices`` and
    ``faces`` are the whole annotated surface, with ``face_ids`` naming the object each face belongs
    to (0: none), so a projection into a frame sees what hides what. ``structure`` maps the room's
    "floor", "wall" and "ceiling" to the indices of their faces. ``files`` are the files read.
    The arrays may be shared between callers (loaders cache them): never change them in place.
    """

    source: str
    objects: list[SceneObject]
    vertices: np.ndarray
    faces: np.ndarray
    face_ids: np.ndarray
    structure: dict[str, np.ndarray] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.vertices = np.asarray(self.vertices, dtype=np.float64).reshape(-1, 3)
        self.faces = np.asarray(self.faces, dtype=np.int64).reshape(-1, 3)
        self.face_ids = np.asarray(self.face_ids, dtype=np.int64).reshape(-1)
        if len(self.face_ids) != len(self.faces):
            raise ValueError(f"{len(self.face_ids)} face ids for {len(self.faces)} faces")


@dataclass
class Scene:
    """A posed video with optional depth, instance maps and ground-truth objects.

    ``annotation_loader``, when set, loads the source's own 3D annotations (:class:`Annotations`);
    like frame loaders it runs on demand, so a scene stays small and pickles."""

    id: str
    scale: Scale
    frames: list[Frame]
    metric: bool = True
    up: np.ndarray = field(default_factory=lambda: np.array([0.0, 0.0, 1.0]))
    up_method: str = "given"
    objects: list[SceneObject] = field(default_factory=list)
    source: str = "native"
    root: Path | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    annotation_loader: Callable[[], Annotations] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.scale = Scale.parse(self.scale)
        self.up = np.asarray(self.up, dtype=np.float64).reshape(3)
        n = np.linalg.norm(self.up)
        if not np.isfinite(n) or n == 0:
            raise SceneError(self.id, None, f"up vector {self.up.tolist()} has no direction")
        self.up = self.up / n

    @property
    def has_depth(self) -> bool:
        return bool(self.frames) and all(f.has_depth for f in self.frames)

    @property
    def has_instances(self) -> bool:
        return bool(self.frames) and all(f.has_instances for f in self.frames)

    @property
    def has_ground_truth(self) -> bool:
        return bool(self.objects) and all(o.mesh_vertices is not None for o in self.objects)

    @property
    def has_annotations(self) -> bool:
        """Whether the source ships its own 3D annotations (see :class:`Annotations`)."""
        return self.annotation_loader is not None

    def annotations(self) -> Annotations:
        """The source's 3D annotations; raises ``KeyError`` when it has none."""
        if self.annotation_loader is None:
            raise KeyError(f"scene {self.id} has no 3D annotations")
        return self.annotation_loader()

    def object(self, object_id: int) -> SceneObject:
        for o in self.objects:
            if o.id == object_id:
                return o
        raise KeyError(f"scene {self.id} has no object {object_id}")

    def categories(self) -> dict[int, str]:
        return {o.id: o.category for o in self.objects}
