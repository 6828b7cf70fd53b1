"""The camera paths typical of each scale, as look-at poses.

Conventions are those of ``spacevista.geometry``: OpenCV axes (x right, y down, z forward), poses
camera-to-world, pixel (row r, col c) centred at image coordinates (c + 0.5, r + 0.5).
"""

from __future__ import annotations

import numpy as np

from spacevista.geometry.poses import look_at
from spacevista.scene import Scale

__all__ = ["HFOV", "look_at", "loop_points", "orbit", "walk_loop"]


#: horizontal field of view (degrees) per scale: macro lens, phone, phone, phone, drone camera
HFOV = {Scale.TINY: 50.0, Scale.TABLETOP: 60.0, Scale.INDOOR: 75.0, Scale.OUTDOOR: 70.0, Scale.DRONE: 70.0}


def orbit(center, radius: float, height: float, n: int, rng: np.random.Generator, target_z: float,
          jitter: float = 0.0, arc: float = 2 * np.pi) -> list[np.ndarray]:
    """Poses on a circle around ``center`` at ``height``, all looking at the centre (turntable style)."""
    start = rng.uniform(0, 2 * np.pi)
    poses = []
    for i in range(n):
        a = start + arc * i / max(n, 1)
        r = radius * (1 + jitter * rng.uniform(-1, 1))
        h = height * (1 + jitter * rng.uniform(-1, 1))
        eye = np.array([center[0] + r * np.cos(a), center[1] + r * np.sin(a), h])
        tgt = np.array([center[0], center[1], target_z]) + jitter * radius * 0.2 * rng.uniform(-1, 1, 3)
        poses.append(look_at(eye, tgt))
    return poses


def walk_loop(center, semi_axes, eye_height: float, n: int, rng: np.random.Generator,
              look_down: float = 0.4) -> list[np.ndarray]:
    """A walk along an ellipse at eye height, looking across it (every side gets seen from afar)."""
    start = rng.uniform(0, 2 * np.pi)
    cx, cy = center
    a, b = semi_axes
    poses = []
    for i in range(n):
        t = start + 2 * np.pi * i / n
        eye = np.array([cx + a * np.cos(t), cy + b * np.sin(t), eye_height + rng.uniform(-0.05, 0.05)])
        # look at the far side of the loop, swinging left and right as a person looking around does
        swing = 0.6 * np.sin(3 * t) + rng.uniform(-0.1, 0.1)
        far = t + np.pi + swing
        tgt = np.array([cx + a * 0.6 * np.cos(far), cy + b * 0.6 * np.sin(far), eye_height - look_down])
        poses.append(look_at(eye, tgt))
    return poses


def loop_points(center, semi_axes, n: int = 64) -> np.ndarray:
    """Points (n, 2) on the walking ellipse, used to keep objects off the walker's path."""
    t = 2 * np.pi * np.arange(n) / n
    return np.stack([center[0] + semi_axes[0] * np.cos(t), center[1] + semi_axes[1] * np.sin(t)], axis=1)
