"""Building blocks of hand-held and drone camera motion, sampled at video frame times.

Everything here is a function of the frame times ``t`` (seconds) and a seeded generator, so a
trajectory is reproducible bit for bit. Angles are radians; the world has +z up; poses are
camera-to-world with OpenCV axes (x right, y down, z forward), as in ``spacevista.geometry``.
"""

from __future__ import annotations

import numpy as np

from spacevista.geometry.poses import make_pose

__all__ = ["bump", "camera_pose", "clearance", "pans", "progress", "smooth_noise", "smoothstep",
           "view_angles", "wall_clearance"]


def smooth_noise(rng: np.random.Generator, t: np.ndarray, dims: int = 1,
                 band: tuple[float, float] = (0.5, 4.0), terms: int = 6) -> np.ndarray:
    """Band-limited noise of shape (len(t), dims) with unit RMS per column.

    A sum of sinusoids with frequencies drawn log-uniformly in ``band`` (Hz) and amplitudes
    falling as 1/f: smooth from frame to frame (unlike white noise, which a hand never makes),
    with most of its energy in the slow terms, as a hand's tremor and drift have.
    """
    t = np.asarray(t, dtype=np.float64)
    lo, hi = band
    freqs = np.exp(rng.uniform(np.log(lo), np.log(hi), (terms, dims)))
    phases = rng.uniform(0.0, 2 * np.pi, (terms, dims))
    amps = 1.0 / freqs
    waves = amps * np.sin(2 * np.pi * freqs * t[:, None, None] + phases)
    return waves.sum(axis=1) / np.sqrt((amps ** 2).sum(axis=0) / 2)


def smoothstep(x: np.ndarray | float) -> np.ndarray:
    """0 below 0, 1 above 1, the cubic 3x^2 - 2x^3 between (zero slope at both ends)."""
    x = np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)
    return x * x * (3 - 2 * x)


def bump(t: np.ndarray, start: float, rise: float, hold: float, fall: float | None = None) -> np.ndarray:
    """A weight in [0, 1]: 0 before ``start``, eases up over ``rise`` s, stays 1 for ``hold`` s, eases down."""
    fall = rise if fall is None else fall
    up = smoothstep((t - start) / max(rise, 1e-9))
    down = smoothstep((t - start - rise - hold) / max(fall, 1e-9))
    return up * (1 - down)


def progress(rng: np.random.Generator, t: np.ndarray, variation: float = 0.5,
             band: tuple[float, float] = (0.05, 0.5), slow: np.ndarray | None = None) -> np.ndarray:
    """A monotone schedule from 0 (first frame) to 1 (last frame) with an uneven speed.

    The speed is ``1 + variation * noise``, kept above a crawl, times ``1 - slow`` where given
    (a person stops to look at something); the schedule is its running sum, normalised.
    """
    t = np.asarray(t, dtype=np.float64)
    speed = np.clip(1 + variation * smooth_noise(rng, t, 1, band)[:, 0], 0.15, None)
    if slow is not None:
        speed = speed * np.clip(1 - slow, 0.05, 1.0)
    s = np.concatenate([[0.0], np.cumsum((speed[1:] + speed[:-1]) / 2)])
    return s / s[-1] if s[-1] > 0 else s


def pans(rng: np.random.Generator, t: np.ndarray, count: int, degrees: tuple[float, float],
         duration: tuple[float, float], back: float = 0.6, toward: float = 0.0) -> np.ndarray:
    """Yaw offsets (radians) of ``count`` quick turns of the camera.

    Each turn swings by a random ``degrees`` amount in a random ``duration`` (s), left or right
    at even odds, or three times in four to the side of ``toward`` (+1 left, -1 right) when given;
    with probability ``back`` it swings back after a short hold, else the new heading stays.
    """
    t = np.asarray(t, dtype=np.float64)
    span = float(t[-1] - t[0]) if len(t) > 1 else 0.0
    out = np.zeros(len(t))
    for _ in range(count):
        side = rng.choice([-1.0, 1.0]) if toward == 0 else np.sign(toward) * (1.0 if rng.random() < 0.75 else -1.0)
        amp = np.radians(rng.uniform(*degrees)) * side
        d = float(rng.uniform(*duration))
        t0 = float(t[0] + rng.uniform(0.1, 0.8) * span)
        hold = float(rng.uniform(0.3, 1.2))
        w = bump(t, t0, d, hold) if rng.random() < back else smoothstep((t - t0) / d)
        out += amp * w
    return out


def view_angles(eye: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Yaw (from +x towards +y) and pitch (positive up) of the directions eye -> target, rows of (n, 3)."""
    d = np.asarray(target, dtype=np.float64) - np.asarray(eye, dtype=np.float64)
    yaw = np.arctan2(d[:, 1], d[:, 0])
    pitch = np.arctan2(d[:, 2], np.hypot(d[:, 0], d[:, 1]))
    return yaw, pitch


def camera_pose(eye: np.ndarray, yaw: float, pitch: float, roll: float = 0.0) -> np.ndarray:
    """Camera-to-world pose at ``eye`` looking along (yaw, pitch), rolled by ``roll`` about the view axis.

    Built from angles rather than a look-at target so that it stays continuous when the camera
    looks straight down (a drone gimbal at nadir): image right is always horizontal before roll.
    """
    cp, sp, cy, sy = np.cos(pitch), np.sin(pitch), np.cos(yaw), np.sin(yaw)
    z = np.array([cp * cy, cp * sy, sp])
    x = np.array([sy, -cy, 0.0])
    y = np.cross(z, x)
    cr, sr = np.cos(roll), np.sin(roll)
    # rolling the image about the optical axis mixes the right and down axes
    R = np.stack([cr * x + sr * y, -sr * x + cr * y, z], axis=1)
    return make_pose(R, eye)


def clearance(points: np.ndarray, centers: np.ndarray, sizes: np.ndarray, yaws: np.ndarray) -> np.ndarray:
    """Signed distance (negative inside) from each point (n, 3) to the nearest upright box.

    Boxes are given by their centres (m, 3), sizes (m, 3) and yaws (m,); +inf when there are none.
    """
    points = np.atleast_2d(np.asarray(points, dtype=np.float64))
    if len(centers) == 0:
        return np.full(len(points), np.inf)
    d = points[:, None, :] - np.asarray(centers)[None]
    c, s = np.cos(yaws)[None], np.sin(yaws)[None]
    local = np.stack([c * d[..., 0] + s * d[..., 1], -s * d[..., 0] + c * d[..., 1], d[..., 2]], axis=-1)
    q = np.abs(local) - np.asarray(sizes)[None] / 2
    outside = np.linalg.norm(np.clip(q, 0, None), axis=-1)
    inside = np.minimum(q.max(axis=-1), 0.0)
    return (outside + inside).min(axis=1)


def wall_clearance(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Distance in xy from each point (n, >=2) to the nearest edge of a closed polygon (k, 2)."""
    p = np.atleast_2d(np.asarray(points, dtype=np.float64))[:, None, :2]
    a = np.asarray(polygon, dtype=np.float64)
    b = np.roll(a, -1, axis=0)
    e = b - a
    u = np.clip(((p - a) * e).sum(-1) / (e * e).sum(-1), 0.0, 1.0)
    return np.linalg.norm(p - (a + u[..., None] * e), axis=-1).min(axis=1)
