"""Degraded oracle: exact depth and instance maps passed through configurable perception errors.

The synthetic scenes carry exact depth and instance maps. ``degrade_scene`` turns them into what a
realistic perception stack would deliver, so that the engine's robustness can be measured against the
untouched ground truth (``scene.objects`` and their meshes are shared, never modified).

Error model (all randomness from the caller's ``numpy.random.Generator``):

- depth (``depth_noise = s``, relative, 0.05 = 5%): multiplicative,
  ``d' = d * (1 + s * a_f) * (1 + s * n_p)`` with ``a_f ~ N(0, 1)`` one per frame (a per-frame scale
  error, as a monocular metric-depth model makes) and ``n_p ~ N(0, 1)`` one per pixel; both are
  clipped to +-3 sigma so that depth stays positive for ``s < 1/3``. Invalid pixels (0, NaN, inf)
  stay invalid.
- masks (``mask_erosion = px``): every instance mask is eroded by ``px`` pixels (a 3x3 structuring
  element iterated ``px`` times); a negative value dilates it by ``-px`` pixels into background only.
- dropped detections (``drop_rate = r``): each (frame, object) mask is removed with probability ``r``.
- identity switches (``id_switch_rate = r``): in each frame, with probability ``r``, two visible
  identities swap their labels from that frame on (the persistent swap a tracker makes).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from spacevista.errors import SceneError
from spacevista.scene import Frame, Scene


@dataclass(frozen=True)
class DegradeConfig:
    """Strength of each perception error; all zero gives the exact oracle back."""

    depth_noise: float = 0.05
    mask_erosion: int = 1
    drop_rate: float = 0.0
    id_switch_rate: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.depth_noise < 1.0 / 3.0:
            raise ValueError(f"depth_noise is relative (0.05 = 5%) and must be in [0, 1/3), got {self.depth_noise}")
        if not 0.0 <= self.drop_rate <= 1.0:
            raise ValueError(f"drop_rate must be in [0, 1], got {self.drop_rate}")
        if not 0.0 <= self.id_switch_rate <= 1.0:
            raise ValueError(f"id_switch_rate must be in [0, 1], got {self.id_switch_rate}")
        if int(self.mask_erosion) != self.mask_erosion:
            raise ValueError(f"mask_erosion is a whole number of pixels, got {self.mask_erosion}")

    def to_dict(self) -> dict[str, float | int]:
        return dataclasses.asdict(self)


def degrade_depth(depth: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    """Multiplicative per-frame scale error and per-pixel noise of relative strength ``noise``."""
    depth = np.asarray(depth, dtype=np.float32)
    if noise == 0.0:
        return depth.copy()
    frame_err = float(np.clip(rng.standard_normal(), -3.0, 3.0))
    pixel_err = np.clip(rng.standard_normal(depth.shape), -3.0, 3.0)
    valid = np.isfinite(depth) & (depth > 0)
    out = depth.astype(np.float64) * (1.0 + noise * frame_err) * (1.0 + noise * pixel_err)
    return np.where(valid, out, depth).astype(np.float32)


def erode_masks(instances: np.ndarray, px: int) -> np.ndarray:
    """Erode (``px > 0``) or dilate into background (``px < 0``) every instance mask by ``|px|`` pixels."""
    inst = np.asarray(instances).astype(np.int32)
    if px == 0:
        return inst.copy()
    out = np.zeros_like(inst) if px > 0 else inst.copy()
    ids = [int(i) for i in np.unique(inst) if i != 0]
    structure = ndimage.generate_binary_structure(2, 2)
    for oid in ids:
        mask = inst == oid
        if px > 0:
            out[ndimage.binary_erosion(mask, structure, iterations=px, border_value=1)] = oid
        else:
            grown = ndimage.binary_dilation(mask, structure, iterations=-px)
            # grow into background only, and never into a pixel another dilation already took
            out[grown & (inst == 0) & (out == 0)] = oid
    return out


def switch_identities(inst: np.ndarray, visible: list[int], perm: dict[int, int], rate: float,
                      rng: np.random.Generator, categories: dict[int, str] | None = None) -> np.ndarray:
    """With probability ``rate``, swap two of the ``visible`` identities from this frame on, then relabel.

    ``perm`` maps true id -> reported id and carries the switches made so far from frame to frame (it is
    updated in place), so a switch persists as a tracker's would. With ``categories`` (true id ->
    category) only two objects of one category swap: a tracker associates detections within a class,
    and the class label stays with the pixels. Returns ``inst`` relabelled (a copy when any switch is
    in force, else ``inst`` itself).
    """
    if rate > 0 and len(visible) >= 2 and rng.random() < rate:
        a = int(rng.choice(visible))
        partners = [int(v) for v in visible if v != a and (categories is None or
                                                          categories.get(int(v)) == categories.get(a))]
        if partners:
            b = int(rng.choice(partners))
            perm[a], perm[b] = perm.get(b, b), perm.get(a, a)
    if not perm:
        return inst
    relabel = inst.copy()
    for true_id, shown in perm.items():
        relabel[inst == true_id] = shown
    return relabel


def degrade_scene(scene: Scene, config: DegradeConfig, rng: np.random.Generator) -> Scene:
    """A new Scene whose frames carry degraded depth and instance maps; ground truth is shared unchanged.

    Raises SceneError when a frame lacks depth or instances (there is nothing to degrade).
    """
    if not scene.has_depth or not scene.has_instances:
        raise SceneError(scene.id, None, "degrading needs depth and instance maps in every frame")
    perm: dict[int, int] = {}  # true id -> reported id after the switches so far
    frames: list[Frame] = []
    for f in scene.frames:
        depth = degrade_depth(f.depth(), float(config.depth_noise), rng)
        inst = erode_masks(f.instances(), int(config.mask_erosion))
        visible = [int(i) for i in np.unique(inst) if i != 0]
        if config.drop_rate > 0 and visible:
            drop = rng.random(len(visible)) < config.drop_rate
            for oid, d in zip(visible, drop):
                if d:
                    inst[inst == oid] = 0
            visible = [o for o, d in zip(visible, drop) if not d]
        inst = switch_identities(inst, visible, perm, float(config.id_switch_rate), rng)
        frames.append(dataclasses.replace(f, depth_array=depth, instance_array=inst, depth_loader=None,
                                          instance_loader=None, depth_path=None, instance_path=None))
    metadata = dict(scene.metadata)
    metadata["perception"] = {"mode": "degraded", **config.to_dict()}
    return dataclasses.replace(scene, frames=frames, metadata=metadata)
