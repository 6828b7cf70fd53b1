"""Object extents measured frame by frame, for depth and masks that were estimated.

A box fitted to the points of every frame together inherits every frame's error: a depth model's
warp puts the same surface at slightly different depths in different frames, and a mask bleeds
onto different surroundings in each; the union grows by all of them. Measured in one frame at a
time, the extent across the viewing direction is exact up to that frame's own errors, which the
median over frames then removes. Each box axis takes the median of the frames that look at it
side-on (within 45 degrees of perpendicular), and the height the median of every frame that shows
the object whole and its top in sight (where at least ``min_frames`` do; a tree whose crown is
hidden by a nearer one in most frames is otherwise as tall as its visible trunk). An axis no frame
sees side-on is measured along the view: a single frame's extent there is the depth of the surface
it sees (a lower bound), and the 90th percentile over frames replaces the fitted box's extent when
smaller, since the fitted box adds every frame's depth error along the rays.
"""

from __future__ import annotations

import numpy as np

from spacevista.evidence import MAX_TOP_OCCLUDED
from spacevista.graph import Box3D, CameraPose, View

#: points kept per object and frame
SAMPLE = 256
#: quantiles that bound an extent within one frame; the frame's points are carved first (carve.py),
#: so the full range is used: any trimming would cut thin parts (trunks, legs, poles) away
LOW, HIGH = 0.0, 1.0


#: an axis seen only along the view takes this quantile of single frames' extents along it
OBLIQUE_QUANTILE = 0.9


def frame_sample(points: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Up to :data:`SAMPLE` of one frame's lifted points of an object."""
    if len(points) <= SAMPLE:
        return points
    return points[rng.choice(len(points), SAMPLE, replace=False)]


def view_extents(box: Box3D, samples: dict[int, np.ndarray], views: dict[int, View],
                 cameras: dict[int, CameraPose], min_frames: int = 3) -> np.ndarray:
    """The box's extents (3,) re-measured as medians of single-frame extents (see the module)."""
    c, s = np.cos(box.yaw), np.sin(box.yaw)
    axes = np.array([[c, s], [-s, c]])
    per_axis: list[list[float]] = [[], [], []]
    oblique: list[list[float]] = [[], []]
    top_clear: list[bool] = []
    for f, pts in samples.items():
        v = views.get(f)
        if v is None or not v.clean() or f not in cameras or len(pts) < 20:
            continue
        to_cam = cameras[f].position[:2] - box.center[:2]
        norm = float(np.linalg.norm(to_cam))
        if norm == 0:
            continue
        local = (pts[:, :2] - box.center[:2]) @ axes.T
        for k in range(2):
            lo, hi = np.quantile(local[:, k], [LOW, HIGH])
            # side-on: the viewing direction is within 45 degrees of perpendicular to axis k
            if abs(float(to_cam @ axes[k])) / norm <= np.sqrt(0.5):
                per_axis[k].append(float(hi - lo) / (HIGH - LOW))
            else:
                oblique[k].append(float(hi - lo))
        lo, hi = np.quantile(pts[:, 2], [LOW, HIGH])
        per_axis[2].append(float(hi - lo) / (HIGH - LOW))
        top_clear.append(v.occluded_top <= MAX_TOP_OCCLUDED)
    out = box.size.copy()
    if sum(top_clear) >= min_frames:
        per_axis[2] = [h for h, clear in zip(per_axis[2], top_clear) if clear]
    for k in range(3):
        if len(per_axis[k]) >= min_frames:
            out[k] = float(np.median(per_axis[k]))
        elif k < 2 and len(oblique[k]) >= min_frames:
            # seen only along the axis: one frame shows the depth of the visible surface, a lower
            # bound; the union of frames adds every frame's depth error along the rays. The
            # evidence marks the axis unmeasured, so its reach carries what lies behind.
            out[k] = min(float(out[k]), float(np.quantile(oblique[k], OBLIQUE_QUANTILE)))
    return out
