"""Instance maps as a detector plus mask tracker delivers them, from exact instance maps, frame by frame.

``realistic_masks(instances, config, rng, state)`` applies, in order: jagged boundary errors (each
object's mask eroded or dilated by a whole number of pixels drawn per object and frame, plus a
smooth sub-pixel offset along the boundary); missed detections, more likely for objects small in
the image; fragments (a mask cut in two, one piece given a new id or lost); and rare persistent
identity switches between objects of one category. ``state`` carries the switches and the next
free id from frame to frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from spacevista.perception.degrade import switch_identities
from spacevista.perception.realistic.config import RealisticConfig

#: correlation length (px) of the boundary offset that makes mask edges jagged
_JITTER_SIGMA_PX = 2.0


@dataclass
class MaskErrorState:
    """What the mask errors carry from frame to frame of one video (updated in place).

    ``next_id`` is the first id that no true object uses; fragments take ids from there on."""

    next_id: int
    perm: dict[int, int] = field(default_factory=dict)
    #: true id -> category: identity switches stay within a category (None: any two objects)
    categories: dict[int, str] | None = None


def smooth_field(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Gaussian-smoothed white noise with unit standard deviation (away from the image border)."""
    noise = ndimage.gaussian_filter(rng.standard_normal(shape), _JITTER_SIGMA_PX, mode="reflect")
    # the standard deviation of white noise after a 2D Gaussian of sigma s is 1 / (2 sqrt(pi) s)
    return noise * (2.0 * math.sqrt(math.pi) * _JITTER_SIGMA_PX)


def _window(mask: np.ndarray, pad: int) -> tuple[slice, slice]:
    ys, xs = np.nonzero(mask)
    h, w = mask.shape
    return (slice(max(0, ys.min() - pad), min(h, ys.max() + pad + 1)),
            slice(max(0, xs.min() - pad), min(w, xs.max() + pad + 1)))


def shift_boundaries(inst: np.ndarray, ids: list[int], px: int, jitter: float,
                     rng: np.random.Generator) -> np.ndarray:
    """Erode or dilate each object's mask by k in [-px, px] (drawn per object) plus a smooth offset of
    sigma ``jitter`` px. Dilation takes background pixels only, first come first served in id order."""
    out = np.zeros_like(inst)
    if not ids:
        return out
    offset = jitter * smooth_field(inst.shape, rng) if jitter > 0 else np.zeros(inst.shape)
    shifts = rng.integers(-px, px + 1, len(ids))
    pad = px + 2 + math.ceil(4 * jitter)
    grown = []
    for oid, k in zip(ids, shifts):
        win = _window(inst == oid, pad)
        mask = inst[win] == oid
        # signed distance: >= 1 inside (to the nearest outside pixel), <= 0 outside
        signed = np.where(mask, ndimage.distance_transform_edt(mask), 1.0 - ndimage.distance_transform_edt(~mask))
        # a threshold of 0.5 keeps the mask exactly; each whole pixel of k moves the boundary by one ring
        keep = signed > k + 0.5 + offset[win]
        out[win][mask & keep] = oid
        grown.append((win, oid, ~mask & keep & (inst[win] == 0)))
    for win, oid, extra in grown:
        region = out[win]
        region[extra & (region == 0)] = oid
    return out


def miss_probability(area_px: np.ndarray, image_px: int, config: RealisticConfig) -> np.ndarray:
    """Probability that a detector misses an object covering ``area_px`` pixels of the image."""
    small = np.exp(-np.asarray(area_px, dtype=np.float64) / (config.miss_area * image_px))
    return np.clip(config.miss_rate + config.miss_small * small, 0.0, 1.0)


def fragment(out: np.ndarray, oid: int, rng: np.random.Generator, state: MaskErrorState) -> None:
    """Cut ``oid``'s mask along a random line; the piece beyond it gets a new id or is lost (in place)."""
    ys, xs = np.nonzero(out == oid)
    theta = rng.uniform(0.0, math.pi)
    cut = rng.uniform(0.2, 0.8)
    relabel = rng.random() < 0.5
    if len(ys) < 2:
        return
    proj = (xs - xs.mean()) * math.cos(theta) + (ys - ys.mean()) * math.sin(theta)
    piece = proj > np.quantile(proj, cut)
    if not piece.any():
        return
    new = 0
    if relabel:
        new, state.next_id = state.next_id, state.next_id + 1
    out[ys[piece], xs[piece]] = new


def realistic_masks(instances: np.ndarray, config: RealisticConfig, rng: np.random.Generator,
                    state: MaskErrorState) -> np.ndarray:
    """One frame's perceived instance map (HxW int32, 0 background); ``state`` is updated in place."""
    inst = np.asarray(instances).astype(np.int32)
    boundary_rng, miss_rng, fragment_rng, switch_rng = rng.spawn(4)
    ids = [int(i) for i in np.unique(inst) if i != 0]
    if config.mask_boundary_px > 0 or config.mask_jitter > 0:
        out = shift_boundaries(inst, ids, int(config.mask_boundary_px), float(config.mask_jitter), boundary_rng)
    else:
        out = inst.copy()
    if ids and (config.miss_rate > 0 or config.miss_small > 0):
        areas = ndimage.sum_labels(np.ones(inst.shape), inst, ids)
        missed = miss_rng.random(len(ids)) < miss_probability(areas, inst.size, config)
        out[np.isin(out, [i for i, m in zip(ids, missed) if m])] = 0
    if config.fragment_rate > 0:
        for oid in ids:
            if fragment_rng.random() < config.fragment_rate:
                fragment(out, oid, fragment_rng, state)
    present = set(np.unique(out).tolist())
    visible = [i for i in ids if i in present]
    return switch_identities(out, visible, state.perm, float(config.id_switch_rate), switch_rng,
                             state.categories)
