"""What every specialist shares: the protocols, the registry, loading local weights, device and dtype.

Nothing here imports torch or transformers at import time, and constructors only record options:
weights are read by ``load()`` (called on first use), from a local folder holding ``config.json``
and the weights, as written by ``save_pretrained``. No hub is ever contacted.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Iterator, Protocol, runtime_checkable

import numpy as np

from spacevista.errors import ConfigError
from spacevista.perception.association import Detection
from spacevista.registry import Registry

#: every specialist class, by name; the modules below register on first lookup
SPECIALISTS: Registry[type] = Registry("specialist", modules=(
    "spacevista.perception.depth",
    "spacevista.perception.detection",
    "spacevista.perception.tracking",
    "spacevista.perception.synthetic",
))

DTYPES = ("float32", "bfloat16", "float16")


@dataclass
class DepthPrediction:
    """Metric depth (HxW float32 metres, z along the optical axis) and the focal length it assumed."""

    depth: np.ndarray
    focal_px: float | None = None


@runtime_checkable
class DepthSpecialist(Protocol):
    """Per-image metric depth."""

    def predict(self, images: list[np.ndarray], focal_px: list[float | None] | None = None) -> list[DepthPrediction]:
        ...


@runtime_checkable
class RelativeDepthSpecialist(Protocol):
    """Relative (affine-invariant) depth of a video; ``inverse`` tells whether values are disparity-like."""

    inverse: bool

    def predict_video(self, frames: list[np.ndarray]) -> list[np.ndarray]:
        ...


@runtime_checkable
class Detector(Protocol):
    """Open-vocabulary detection: boxes in pixels with a category from ``categories``."""

    def detect(self, images: list[np.ndarray], categories: list[str]) -> list[list[Detection]]:
        ...


@runtime_checkable
class Tracker(Protocol):
    """Video mask propagation from box prompts: ``prompts[frame] = [(object_id, box), ...]``;
    returns one ``{object_id: HxW bool mask}`` per frame."""

    def track(self, frames: list[np.ndarray],
              prompts: dict[int, list[tuple[int, tuple[float, float, float, float]]]]) -> list[dict[int, np.ndarray]]:
        ...


def config_hash(path: Path) -> str:
    """sha256 (first 16 hex digits) of a model folder's config.json bytes."""
    return hashlib.sha256((Path(path) / "config.json").read_bytes()).hexdigest()[:16]


def batches(items: list[Any], size: int) -> Iterator[tuple[int, list[Any]]]:
    """``(start, chunk)`` pairs of at most ``size`` consecutive items."""
    if size < 1:
        raise ConfigError(f"batch_size must be at least 1, got {size}")
    for i in range(0, len(items), size):
        yield i, items[i:i + size]


def check_image(img: np.ndarray, where: str) -> np.ndarray:
    """An HxWx3 uint8 RGB image, or a clear error saying what was given."""
    a = np.asarray(img)
    if a.ndim != 3 or a.shape[2] != 3 or a.dtype != np.uint8:
        raise ValueError(f"{where}: expected an HxWx3 uint8 RGB image, got {a.dtype} {a.shape}")
    return a


class HFSpecialist:
    """A specialist backed by a transformers model class read from a local folder.

    Subclasses set ``name``, ``model_class`` (the transformers class name) and ``model_types`` (the
    accepted ``config.json`` ``model_type`` values). Options: ``device`` ("cpu", "cuda", "cuda:1"),
    ``dtype`` ("float32", "bfloat16", "float16") and ``batch_size`` (images per forward pass).
    """

    name: ClassVar[str] = ""
    model_class: ClassVar[str] = ""
    model_types: ClassVar[tuple[str, ...]] = ()

    def __init__(self, path: str | Path, device: str = "cpu", dtype: str = "float32", batch_size: int = 4):
        if dtype not in DTYPES:
            raise ConfigError(f"{self.name}: dtype must be one of {DTYPES}, got {dtype!r}")
        if batch_size < 1:
            raise ConfigError(f"{self.name}: batch_size must be at least 1, got {batch_size}")
        self.path = Path(path)
        self.device = device
        self.dtype = dtype
        self.batch_size = int(batch_size)
        self._model: Any = None

    def check_path(self) -> dict[str, Any]:
        """The folder's config.json, after checking it exists and names an accepted model type."""
        cfg_file = self.path / "config.json"
        if not self.path.is_dir():
            raise ConfigError(f"{self.name}: weights folder {self.path} does not exist")
        if not cfg_file.is_file():
            raise ConfigError(f"{self.name}: {self.path} has no config.json (expected a save_pretrained folder)")
        try:
            cfg = json.loads(cfg_file.read_text())
        except json.JSONDecodeError as e:
            raise ConfigError(f"{self.name}: {cfg_file} is not valid JSON ({e})") from e
        mt = cfg.get("model_type")
        if mt not in self.model_types:
            raise ConfigError(f"{self.name}: {self.path} holds a {mt!r} model, expected {' or '.join(self.model_types)}")
        return cfg

    def check_config(self, cfg: dict[str, Any]) -> None:
        """Extra checks of config.json by subclasses (e.g. a required head); raise ConfigError."""

    def torch_dtype(self) -> Any:
        import torch

        return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[self.dtype]

    def load(self) -> Any:
        """Read the weights (once) onto ``device`` in ``dtype``; returns the model."""
        if self._model is not None:
            return self._model
        cfg = self.check_path()
        self.check_config(cfg)
        import torch
        import transformers

        if self.device.startswith("cuda") and not torch.cuda.is_available():
            raise ConfigError(f"{self.name}: device {self.device!r} requested but CUDA is not available")
        cls = getattr(transformers, self.model_class)
        model = cls.from_pretrained(str(self.path), dtype=self.torch_dtype(), local_files_only=True)
        self._model = model.to(self.device).eval()
        self.after_load(cfg)
        return self._model

    def after_load(self, cfg: dict[str, Any]) -> None:
        """Hook for subclasses that need more than the model (e.g. a tokenizer) from the folder."""

    @property
    def model(self) -> Any:
        return self.load()

    def provenance(self) -> dict[str, Any]:
        """Which model produced an output: name, class, folder, config hash, device, dtype."""
        return {"name": self.name, "model_class": self.model_class, "path": str(self.path),
                "config_hash": config_hash(self.path), "device": self.device, "dtype": self.dtype}
