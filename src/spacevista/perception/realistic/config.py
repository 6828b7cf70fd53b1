"""``RealisticConfig``: the size of every error source of the realistic perception model.

One number, ``depth_error`` (E, relative: 0.05 = 5%), sets the depth errors that a metric depth model
makes (per-frame scale, smooth warp, far-depth bias, sensor noise); the sub-parameters left at None
are derived from it. The other sources (flying pixels, holes, quantisation, mask and pose errors) have
fixed defaults of their own, independent of E. docs/perception.md gives each source, its parameters
and where its size comes from.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from spacevista.perception.video_depth import TYPICAL_DEPTH_M
from spacevista.scene import Scale

#: quantisation step (metres) of the depth a sensor of each scale stores: 0.1 mm for close-range
#: sensors, millimetre PNGs for RGB-D cameras (Kinect, RealSense, ScanNet, TUM), 1/256 m as KITTI's
#: 16-bit depth PNGs; drone depth has no common convention, 5 cm lets a 16-bit image reach 3 km
DEPTH_STEP_M: dict[Scale, float] = {
    Scale.TINY: 1e-4,
    Scale.TABLETOP: 1e-3,
    Scale.INDOOR: 1e-3,
    Scale.OUTDOOR: 1.0 / 256.0,
    Scale.DRONE: 0.05,
}


def far_depth(scale: Scale | str) -> float:
    """Far end (metres) of the scale's typical depth range, which sets the bias, noise and max range."""
    return TYPICAL_DEPTH_M[Scale.parse(scale)][1]


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(message)


@dataclass(frozen=True)
class RealisticConfig:
    """Strength of each realistic perception error; ``RealisticConfig.all_off()`` is the exact input.

    Depth (set by ``depth_error`` = E unless given):
        scale_sigma: log-normal sigma of the per-frame scale error (default E).
        scale_rho: AR(1) correlation of the log scale (and of the warp) between consecutive frames.
        warp_amplitude: sigma of the log of the smooth per-frame warp at its grid nodes (default E/2).
        warp_cells: the warp is a (cells+1) x (cells+1) node grid, bilinearly upsampled to the image.
        far_bias: relative under-estimate at the far end of the scale's range (default E/2); a constant
            offset in inverse depth, so the relative bias grows linearly with depth.
        noise_far: relative per-pixel noise sigma at the far end of the range (default E/5); the
            absolute sigma grows with depth squared, as in structured-light and stereo sensors.
    Edges, holes, quantisation:
        flying_rate: fraction of the pixels at a depth discontinuity that take a depth between the
            foreground and the background; flying_jump: relative depth jump that counts as one.
        dark_threshold / saturated_threshold: pixels whose luminance is below, or whose brightest
            channel is at or above, these 8-bit levels have no depth (None: never).
        max_range: pixels beyond this multiple of the scale's far depth have no depth (None: no limit).
        hole_rate / hole_radius: fraction of the image lost in random small discs of radius 1..radius px.
        depth_step: quantisation step in metres; None uses the scale's ``DEPTH_STEP_M``; 0 turns it off.
    Masks:
        mask_boundary_px: each mask is eroded or dilated by a whole number of pixels drawn in
            [-px, px] per object and frame; mask_jitter: sigma (px) of a smooth offset that makes the
            boundary jagged.
        miss_rate: probability that a large object is missed in a frame; miss_small: extra miss
            probability for a vanishing object, falling as exp(-area / (miss_area * image area)).
        fragment_rate: per object and frame, probability that its mask is cut in two and one piece
            gets a new id (half the time) or is lost.
        id_switch_rate: per frame, probability that two identities swap from then on.
    Poses:
        pose_decimals: the 3x4 block of each pose is rounded to this many decimals (None: exact).
    """

    depth_error: float = 0.05
    scale_sigma: float | None = None
    scale_rho: float = 0.8
    warp_amplitude: float | None = None
    warp_cells: int = 3
    far_bias: float | None = None
    noise_far: float | None = None
    flying_rate: float = 0.5
    flying_jump: float = 0.1
    dark_threshold: float | None = 16.0
    saturated_threshold: float | None = 250.0
    max_range: float | None = 1.0
    hole_rate: float = 0.005
    hole_radius: int = 2
    depth_step: float | None = None
    mask_boundary_px: int = 2
    mask_jitter: float = 0.5
    miss_rate: float = 0.02
    miss_small: float = 0.5
    miss_area: float = 0.002
    fragment_rate: float = 0.03
    id_switch_rate: float = 0.01
    pose_decimals: int | None = 4

    def __post_init__(self) -> None:
        e = self.depth_error
        _check(0.0 <= e <= 0.5, f"depth_error is relative (0.05 = 5%) and must be in [0, 0.5], got {e}")
        derived = {"scale_sigma": e, "warp_amplitude": e / 2, "far_bias": e / 2, "noise_far": e / 5}
        for name, value in derived.items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, float(value))
        _check(0.0 <= self.scale_sigma <= 1.0, f"scale_sigma must be in [0, 1], got {self.scale_sigma}")
        _check(0.0 <= self.scale_rho < 1.0, f"scale_rho must be in [0, 1), got {self.scale_rho}")
        _check(0.0 <= self.warp_amplitude <= 1.0, f"warp_amplitude must be in [0, 1], got {self.warp_amplitude}")
        _check(int(self.warp_cells) == self.warp_cells and self.warp_cells >= 1,
               f"warp_cells must be a whole number >= 1, got {self.warp_cells}")
        _check(0.0 <= self.far_bias < 1.0, f"far_bias must be in [0, 1), got {self.far_bias}")
        # noise is clipped at 3 sigma, so depth stays positive at the far end for sigma < 1/3
        _check(0.0 <= self.noise_far < 1.0 / 3.0, f"noise_far must be in [0, 1/3), got {self.noise_far}")
        for name in ("flying_rate", "hole_rate", "miss_rate", "miss_small", "fragment_rate", "id_switch_rate"):
            value = getattr(self, name)
            _check(0.0 <= value <= 1.0, f"{name} is a probability and must be in [0, 1], got {value}")
        _check(self.flying_jump > 0, f"flying_jump must be positive, got {self.flying_jump}")
        for name in ("dark_threshold", "saturated_threshold"):
            value = getattr(self, name)
            _check(value is None or 0.0 <= value <= 256.0, f"{name} is an 8-bit level in [0, 256], got {value}")
        _check(self.max_range is None or self.max_range > 0, f"max_range must be positive, got {self.max_range}")
        _check(int(self.hole_radius) == self.hole_radius and self.hole_radius >= 1,
               f"hole_radius must be a whole number of pixels >= 1, got {self.hole_radius}")
        _check(self.depth_step is None or self.depth_step >= 0, f"depth_step must be >= 0, got {self.depth_step}")
        _check(int(self.mask_boundary_px) == self.mask_boundary_px and self.mask_boundary_px >= 0,
               f"mask_boundary_px must be a whole number >= 0, got {self.mask_boundary_px}")
        _check(self.mask_jitter >= 0, f"mask_jitter must be >= 0, got {self.mask_jitter}")
        _check(0.0 < self.miss_area <= 1.0, f"miss_area is a fraction of the image in (0, 1], got {self.miss_area}")
        _check(self.pose_decimals is None or (int(self.pose_decimals) == self.pose_decimals
                                              and self.pose_decimals >= 1),
               f"pose_decimals must be a whole number >= 1 or None, got {self.pose_decimals}")

    @classmethod
    def all_off(cls, **on: Any) -> "RealisticConfig":
        """A config with every source off except those given: ``all_off()`` returns the input exactly."""
        off: dict[str, Any] = dict(depth_error=0.0, flying_rate=0.0, dark_threshold=None, saturated_threshold=None,
                                   max_range=None, hole_rate=0.0, depth_step=0.0, mask_boundary_px=0,
                                   mask_jitter=0.0, miss_rate=0.0, miss_small=0.0, fragment_rate=0.0,
                                   id_switch_rate=0.0, pose_decimals=None)
        return cls(**{**off, **on})

    def step_for(self, scale: Scale | str) -> float:
        """The depth quantisation step (metres) at ``scale``; 0 means none."""
        return DEPTH_STEP_M[Scale.parse(scale)] if self.depth_step is None else float(self.depth_step)

    def to_dict(self) -> dict[str, Any]:
        """Every parameter, derived ones resolved, as recorded in provenance."""
        return dataclasses.asdict(self)
