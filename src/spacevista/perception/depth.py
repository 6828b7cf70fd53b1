"""Metric depth specialists through transformers: Depth Pro and Depth Anything (metric and relative).

Preprocessing is written here (torch only, no torchvision) to match each model's image processor:

- Depth Pro: RGB / 255, normalised with mean = std = 0.5 per channel, THEN resized (bilinear, no
  antialias) to the square input ``patch_size / min(scaled_images_ratios)`` (1536 for the released
  model). Output is canonical inverse depth; metric depth is ``f / (W * inv)`` resized to the frame,
  with ``f`` the known focal length in pixels or, when unknown, the one implied by the FOV head.
- Depth Anything: resized keeping the aspect ratio to the side closest to ``input_size`` (518 for the
  released models), both sides rounded to multiples of 14 (bicubic), then RGB / 255 normalised with
  ImageNet mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225). The metric head gives metres
  (``max_depth * sigmoid``); the relative head gives affine-invariant disparity.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from spacevista.errors import ConfigError
from spacevista.perception.base import SPECIALISTS, DepthPrediction, HFSpecialist, batches, check_image

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def to_tensor(images: list[np.ndarray], mean: tuple[float, ...], std: tuple[float, ...]) -> Any:
    """Stack equally sized HxWx3 uint8 images into a normalised float32 (B, 3, H, W) tensor."""
    import torch

    x = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float() / 255.0
    m = torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1)
    s = torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1)
    return (x - m) / s


def _group_by_shape(images: list[np.ndarray]) -> dict[tuple[int, ...], list[int]]:
    groups: dict[tuple[int, ...], list[int]] = {}
    for i, im in enumerate(images):
        groups.setdefault(im.shape, []).append(i)
    return groups


def multiple_of(value: float, multiple: int) -> int:
    """Nearest multiple (at least one multiple)."""
    return max(multiple, int(round(value / multiple)) * multiple)


def keep_aspect_size(h: int, w: int, target: int, multiple: int) -> tuple[int, int]:
    """Depth Anything's resize rule: scale by whichever of target/h, target/w is closer to 1."""
    sh, sw = target / h, target / w
    s = sw if abs(1 - sw) < abs(1 - sh) else sh
    return multiple_of(s * h, multiple), multiple_of(s * w, multiple)


@SPECIALISTS.register("depth-pro")
class DepthPro(HFSpecialist):
    """Depth Pro metric depth (DepthProForDepthEstimation), focal length from the FOV head when unknown."""

    name = "depth-pro"
    model_class = "DepthProForDepthEstimation"
    model_types = ("depth_pro",)

    def input_size(self) -> int:
        cfg = self.model.config
        return int(round(cfg.patch_size / min(cfg.scaled_images_ratios)))

    def predict(self, images: list[np.ndarray], focal_px: list[float | None] | None = None) -> list[DepthPrediction]:
        """Metric depth per image; ``focal_px[i]`` (pixels) overrides the FOV head's estimate."""
        import torch
        import torch.nn.functional as F

        images = [check_image(im, f"{self.name} image {i}") for i, im in enumerate(images)]
        focal_px = list(focal_px) if focal_px is not None else [None] * len(images)
        if len(focal_px) != len(images):
            raise ValueError(f"{self.name}: {len(images)} images but {len(focal_px)} focal lengths")
        model = self.model
        size = self.input_size()
        out: list[DepthPrediction | None] = [None] * len(images)
        for (h, w, _), idx in _group_by_shape(images).items():
            for _, chunk in batches(idx, self.batch_size):
                x = to_tensor([images[i] for i in chunk], (0.5, 0.5, 0.5), (0.5, 0.5, 0.5))
                x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
                with torch.inference_mode():
                    res = model(pixel_values=x.to(self.device, self.torch_dtype()))
                inv = res.predicted_depth.float().cpu()
                fov = None if res.field_of_view is None else res.field_of_view.float().cpu()
                for j, i in enumerate(chunk):
                    f = focal_px[i]
                    if f is None:
                        if fov is None:
                            raise ConfigError(f"{self.name}: no focal length given and the model has no FOV head "
                                              "(use_fov_model=false)")
                        # a FOV outside (1, 179) degrees has no pinhole meaning; clamp to keep f finite
                        deg = float(np.clip(float(fov[j]), 1.0, 179.0))
                        f = 0.5 * w / math.tan(math.radians(deg) / 2)
                    canon = inv[j][None, None] * (w / float(f))
                    canon = F.interpolate(canon, size=(h, w), mode="bilinear", align_corners=False)[0, 0]
                    depth = 1.0 / canon.clamp(min=1e-4, max=1e4)
                    out[i] = DepthPrediction(depth.numpy().astype(np.float32), float(f))
        return out  # type: ignore[return-value]


class _DepthAnythingBase(HFSpecialist):
    model_class = "DepthAnythingForDepthEstimation"
    model_types = ("depth_anything",)
    expected_type = "metric"

    def __init__(self, path: str | Path, device: str = "cpu", dtype: str = "float32", batch_size: int = 4,
                 input_size: int | None = None):
        super().__init__(path, device, dtype, batch_size)
        self._input_size = input_size

    def check_config(self, cfg: dict[str, Any]) -> None:
        kind = cfg.get("depth_estimation_type", "relative")
        if kind != self.expected_type:
            raise ConfigError(f"{self.name}: {self.path} is a {kind!r} Depth Anything, expected {self.expected_type!r}")

    def input_size(self) -> int:
        """The resize target: as given, else the backbone's training image size."""
        if self._input_size is not None:
            return int(self._input_size)
        return int(getattr(self.model.config.backbone_config, "image_size", 518))

    def _raw(self, images: list[np.ndarray]) -> list[np.ndarray]:
        import torch
        import torch.nn.functional as F

        images = [check_image(im, f"{self.name} image {i}") for i, im in enumerate(images)]
        model = self.model
        patch = int(getattr(model.config, "patch_size", 14))
        out: list[np.ndarray | None] = [None] * len(images)
        for (h, w, _), idx in _group_by_shape(images).items():
            nh, nw = keep_aspect_size(h, w, self.input_size(), patch)
            for _, chunk in batches(idx, self.batch_size):
                x = torch.from_numpy(np.stack([images[i] for i in chunk])).permute(0, 3, 1, 2).float()
                x = F.interpolate(x, size=(nh, nw), mode="bicubic", align_corners=False, antialias=True)
                x = x.clamp(0, 255) / 255.0
                x = (x - torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)) / torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
                with torch.inference_mode():
                    pred = model(pixel_values=x.to(self.device, self.torch_dtype())).predicted_depth
                pred = F.interpolate(pred.float().cpu()[:, None], size=(h, w), mode="bilinear", align_corners=False)
                for j, i in enumerate(chunk):
                    out[i] = pred[j, 0].numpy().astype(np.float32)
        return out  # type: ignore[return-value]


@SPECIALISTS.register("depth-anything-metric")
class DepthAnythingMetric(_DepthAnythingBase):
    """Depth Anything with the metric head (DepthAnythingForDepthEstimation, depth_estimation_type=metric)."""

    name = "depth-anything-metric"
    expected_type = "metric"

    def predict(self, images: list[np.ndarray], focal_px: list[float | None] | None = None) -> list[DepthPrediction]:
        """Metric depth per image (metres); ``focal_px`` is recorded, not used (the model has no focal input)."""
        focal_px = list(focal_px) if focal_px is not None else [None] * len(images)
        return [DepthPrediction(d, f) for d, f in zip(self._raw(images), focal_px)]


@SPECIALISTS.register("depth-anything-relative")
class DepthAnythingRelative(_DepthAnythingBase):
    """Depth Anything relative disparity, frame by frame, as the relative input of video depth alignment."""

    name = "depth-anything-relative"
    expected_type = "relative"
    inverse = True

    def predict_video(self, frames: list[np.ndarray]) -> list[np.ndarray]:
        """Affine-invariant disparity per frame (not temporally filtered: alignment smooths over time)."""
        return self._raw(frames)
