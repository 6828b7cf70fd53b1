"""Handheld capture: long, partial, shaky camera paths as people record them, per scale.

``handheld_capture`` returns 150-300 poses (unless a frame count is given) at video spacing,
30 frames a second (10 for the drone):

- tiny / tabletop: a partial arc (80-180 degrees) around the turntable or table with height
  changes, the aim wandering off the centre, quick flicks of the wrist and one or two close-ups
  where the hand leans in on one object;
- indoor: a walk along part of a loop inside the room (15-30 % of it, round one corner at
  most), looking ahead and into the room, with fast turns of the head and a stop where the
  walker steps up to something; the view stays within about 40 degrees of the view across the
  room from the start, so the wall first walked along is never seen;
- outdoor: a walk along the pavement, looking at the one side of the street, with a step
  towards something near;
- drone: flight lines (see ``spacevista.synth.flight``).

On top of the planned motion goes hand shake: smooth band-limited rotation and translation
noise (``motion.smooth_noise``), never white. Every path is checked against the objects'
boxes (and the walls, the plate or the table) and redrawn, with the same generator, if the
camera would pass through something.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from spacevista.scene import Scale
from spacevista.synth.flight import flight_lines
from spacevista.synth.motion import (bump, camera_pose, clearance, pans, progress, smooth_noise,
                                     view_angles, wall_clearance)

__all__ = ["Capture", "FPS", "FRAME_RANGE", "Obstacles", "handheld_capture"]

#: frame rate of a handheld capture per scale; the drone records at a lower rate: at 10 fps it moves
#: about 1 m a frame from 60-120 m up, a step as small against what it sees as a walker's at 30 fps
FPS = {Scale.TINY: 30.0, Scale.TABLETOP: 30.0, Scale.INDOOR: 30.0, Scale.OUTDOOR: 30.0, Scale.DRONE: 10.0}
#: frame count drawn per scene when none is given (inclusive)
FRAME_RANGE = (150, 300)
#: attempts at a path that clears every object before the close-ups are given up
_TRIES = 30


@dataclass
class Capture:
    """A camera path and how it was recorded (``metadata`` goes to ``scene.metadata["capture"]``)."""

    poses: list[np.ndarray]
    fps: float
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Obstacles:
    """The objects' upright boxes, which a camera must stay out of."""

    centers: np.ndarray
    sizes: np.ndarray
    yaws: np.ndarray

    @staticmethod
    def of(boxes: list[tuple[np.ndarray, np.ndarray, float]]) -> Obstacles:
        """From (center, size, yaw) per object, as ``Placed.box`` gives them."""
        return Obstacles(np.array([b[0] for b in boxes], dtype=np.float64).reshape(-1, 3),
                         np.array([b[1] for b in boxes], dtype=np.float64).reshape(-1, 3),
                         np.array([b[2] for b in boxes], dtype=np.float64))

    def clearance(self, points: np.ndarray) -> np.ndarray:
        """Signed distance from each point (n, 3) to the nearest box (negative inside)."""
        return clearance(points, self.centers, self.sizes, self.yaws)


@dataclass
class _Path:
    eyes: np.ndarray
    yaw: np.ndarray
    pitch: np.ndarray
    roll: np.ndarray
    plan: dict[str, Any]


@dataclass(frozen=True)
class _Shake:
    """Hand shake: RMS rotation (degrees) and translation (metres), and its frequency band (Hz)."""

    degrees: float
    metres: float
    band: tuple[float, float] = (1.0, 6.0)


# ---------------------------------------------------------------------------------- arcs


@dataclass(frozen=True)
class _ArcSpec:
    radius: tuple[float, float]
    height: tuple[float, float]   # above the support surface
    low: float                    # lowest eye height above the surface in a close-up
    close: tuple[float, float]    # eye-to-object distance in a close-up
    wander: float                 # how far the aim strays from the centre
    margin: float                 # clearance to every object box
    shake: _Shake


_ARCS = {
    Scale.TINY: _ArcSpec((0.09, 0.15), (0.04, 0.1), 0.02, (0.03, 0.05), 0.04, 0.008, _Shake(0.7, 0.0015)),
    Scale.TABLETOP: _ArcSpec((0.4, 0.65), (0.2, 0.4), 0.08, (0.12, 0.2), 0.18, 0.04, _Shake(0.8, 0.004)),
}


def _arc(site: dict[str, Any], obs: Obstacles, spec: _ArcSpec, rng: np.random.Generator, t: np.ndarray,
         closeups: bool) -> _Path:
    cx, cy = site["center"]
    floor = float(site["floor_z"])
    span = np.radians(rng.uniform(80, 180))
    a0, sense = rng.uniform(0, 2 * np.pi), float(rng.choice([-1.0, 1.0]))
    r0, h0 = rng.uniform(*spec.radius), rng.uniform(*spec.height)
    duration = float(t[-1]) if len(t) else 0.0
    leans = [bump(t, rng.uniform(0.05, 0.65) * duration, rng.uniform(1.0, 1.6), rng.uniform(0.5, 1.5))
             for _ in range(int(rng.integers(1, 3)) if closeups and len(obs.centers) else 0)]
    # the arc slows while the hand leans in
    az = a0 + sense * span * progress(rng, t, 0.6, slow=0.7 * sum(leans, np.zeros(len(t))))
    r = r0 * (1 + 0.1 * smooth_noise(rng, t, 1, (0.1, 0.5))[:, 0])
    h = h0 + 0.35 * (spec.height[1] - spec.height[0]) * smooth_noise(rng, t, 1, (0.05, 0.3))[:, 0]
    eyes = np.column_stack([cx + r * np.cos(az), cy + r * np.sin(az), floor + np.maximum(h, spec.low)])
    aim = np.array([cx, cy, float(site["target_z"])])
    targets = aim + spec.wander * smooth_noise(rng, t, 3, (0.1, 0.6)) * np.array([1.0, 1.0, 0.3])
    orbit = eyes
    for w in leans:
        # lean in on one of the three objects nearest the hand, from the hand's side, and hold there
        at = orbit[int(np.argmax(w))]
        near = np.argsort(np.linalg.norm(obs.centers[:, :2] - at[:2], axis=1))[:3]
        center = obs.centers[int(rng.choice(near))]
        d = rng.uniform(*spec.close)
        away = at[:2] - center[:2]
        away /= max(float(np.linalg.norm(away)), 1e-9)
        close = np.array([*(center[:2] + 0.8 * d * away), max(center[2] + 0.6 * d, floor + spec.low)])
        eyes = eyes + w[:, None] * (close - eyes)
        targets = targets + w[:, None] * (center - targets)
    yaw, pitch = view_angles(eyes, targets)
    yaw = yaw + pans(rng, t, int(rng.integers(1, 3)), (15, 40), (0.25, 0.5), back=0.8)
    roll = np.radians(4.0) * smooth_noise(rng, t, 1, (0.05, 0.4))[:, 0]
    plan = {"path": "arc", "arc_deg": float(np.degrees(span)), "radius_m": float(r0),
            "height_m": float(h0), "closeups": len(leans)}
    return _Path(eyes, yaw, pitch, roll, plan)


def _arc_clear(site: dict[str, Any], obs: Obstacles, spec: _ArcSpec) -> Callable[[np.ndarray], bool]:
    floor = float(site["floor_z"])
    return lambda eyes: bool((obs.clearance(eyes) >= spec.margin).all()
                             and (eyes[:, 2] >= floor + spec.low * 0.9).all())


# ---------------------------------------------------------------------------------- walks


def _walk_rhythm(rng: np.random.Generator, t: np.ndarray, speed: np.ndarray, height: float) -> np.ndarray:
    """Eye height of a walker: a step bob (about 1.5 cm at ~1.9 Hz, while moving) and a slow drift."""
    step = 2 * np.pi * rng.uniform(1.7, 2.1) * t + rng.uniform(0, 2 * np.pi)
    moving = np.clip(speed / max(float(speed.max()), 1e-9), 0, 1)
    return height + 0.015 * np.sin(step) * moving + 0.02 * smooth_noise(rng, t, 1, (0.1, 0.5))[:, 0]


def _moving_time(t: np.ndarray, stop: np.ndarray) -> float:
    """Seconds of ``t`` not spent standing still in ``stop``."""
    moving = 1 - stop
    return float(((moving[1:] + moving[:-1]) / 2 * np.diff(t)).sum())


def _speed(xy: np.ndarray, t: np.ndarray) -> np.ndarray:
    if len(t) < 2:
        return np.zeros(len(t))
    v = np.linalg.norm(np.diff(xy, axis=0), axis=1) / np.diff(t)
    return np.concatenate([v, v[-1:]])


def _step_in(start: np.ndarray, direction: np.ndarray, ok: Callable[[np.ndarray], np.ndarray],
             furthest: float, step: float) -> float:
    """How far one can walk from ``start`` along ``direction`` while ``ok`` holds all the way."""
    d = np.arange(1, int(furthest / step) + 1) * step
    good = ok(start + d[:, None] * direction)
    n_ok = len(d) if good.all() else int(np.argmin(good))
    return float(d[n_ok - 1]) if n_ok else 0.0


@dataclass(frozen=True)
class _Stop:
    """A pause in a walk: the walker slows down from ``start`` over ``rise`` s and stands for ``hold`` s."""

    start: float
    rise: float
    hold: float

    @staticmethod
    def draw(rng: np.random.Generator, duration: float) -> _Stop:
        return _Stop(float(rng.uniform(0.2, 0.5) * duration), float(rng.uniform(1.5, 2.5)),
                     float(rng.uniform(0.8, 2.0)))

    def weight(self, t: np.ndarray) -> np.ndarray:
        return bump(t, self.start, self.rise, self.hold)


def _approach(obs: Obstacles, t: np.ndarray, xy: np.ndarray, z: np.ndarray, yaw: np.ndarray, stop: _Stop,
              ok: Callable[[np.ndarray], np.ndarray], furthest: float, step: float
              ) -> tuple[np.ndarray, np.ndarray, float]:
    """During ``stop``, step up to something in view and back: new xy, the step weight and its length.

    The walker heads for the nearest object within 35 degrees of the view direction (straight
    ahead when there is none), stops where ``ok`` would fail or after ``furthest`` metres, and
    covers the distance at an average 0.8 m/s.
    """
    i = int(np.argmax(stop.weight(t)))
    start = np.array([xy[i, 0], xy[i, 1], z[i]])
    to = obs.centers[:, :2] - start[:2]
    off = np.abs(np.angle(np.exp(1j * (np.arctan2(to[:, 1], to[:, 0]) - yaw[i]))))
    near = np.flatnonzero(off < np.radians(35))
    heading = yaw[i]
    if len(near):
        k = near[np.argmin(np.linalg.norm(to[near], axis=1))]
        heading = float(np.arctan2(to[k, 1], to[k, 0]))
    direction = np.array([np.cos(heading), np.sin(heading), 0.0])
    dist = _step_in(start, direction, ok, furthest, step)
    w = bump(t, stop.start, max(1.0, dist / 0.8), stop.hold)
    return xy + w[:, None] * dist * direction[:2], w, dist


def _room_walk(site: dict[str, Any], obs: Obstacles, rng: np.random.Generator, t: np.ndarray,
               closeups: bool) -> _Path:
    room = np.asarray(site["room"])
    (cx, cy), (a, b) = site["loop_center"], site["loop_semi"]
    # start on a straight side of the loop, walking parallel to a wall (rooms are axis-aligned)
    th0 = int(rng.integers(4)) * np.pi / 2 + np.radians(rng.uniform(-15, 15))
    sense = float(rng.choice([-1.0, 1.0]))
    # the loop by arc length from the start, so that the walker's speed is in metres per second
    th = th0 + sense * np.linspace(0, 2 * np.pi, 2049)
    ring = np.column_stack([cx + a * np.cos(th), cy + b * np.sin(th)])
    cum = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(ring, axis=0), axis=1))])
    duration = float(t[-1]) if len(t) else 0.0
    stop = _Stop.draw(rng, duration)
    still = stop.weight(t) if closeups else np.zeros(len(t))
    # a part of the loop, 15-30 %, fewer metres when walking slowly: one corner of the room at most
    dist = min(rng.uniform(0.45, 0.85) * _moving_time(t, still), rng.uniform(0.15, 0.3) * cum[-1])
    theta = np.interp(progress(rng, t, 0.25, slow=0.95 * still) * dist, cum, th)
    outward = np.column_stack([b * np.cos(theta), a * np.sin(theta)])
    outward /= np.linalg.norm(outward, axis=1, keepdims=True)
    xy = np.column_stack([cx + a * np.cos(theta), cy + b * np.sin(theta)])
    xy += outward * 0.08 * smooth_noise(rng, t, 1, (0.05, 0.3))
    heading = np.arctan2(b * np.cos(theta), -a * np.sin(theta)) + (0.0 if sense > 0 else np.pi)
    # the side of the walk the room's middle is on: left (+) or right (-) of the heading
    inward = -np.sign(np.cos(heading[0]) * outward[0, 1] - np.sin(heading[0]) * outward[0, 0])
    # looking mostly ahead and a little into the room
    bias = np.radians(rng.uniform(10, 50)) + np.radians(15) * smooth_noise(rng, t, 1, (0.05, 0.3))[:, 0]
    turns = pans(rng, t, int(rng.integers(1, 4)), (50, 110), (0.6, 1.0), back=0.6, toward=inward)
    # the camera keeps within `reach` (softly, as a neck does) of the view across the room from the
    # start, square to the wall walked along first: every ray then points away from that wall, and
    # the walk only moves away from it, so it is never filmed
    across = heading[0] + inward * np.pi / 2
    reach = np.radians(rng.uniform(35, 45))
    wanted = np.unwrap(np.angle(np.exp(1j * (heading + inward * bias + turns - across))))
    yaw = across + reach * np.tanh(wanted / reach)
    pitch = -np.radians(rng.uniform(8, 20)) + np.radians(4) * smooth_noise(rng, t, 1, (0.1, 0.6))[:, 0]
    z = _walk_rhythm(rng, t, _speed(xy, t), rng.uniform(1.35, 1.6))
    stepped = 0.0
    if closeups:
        def free(p: np.ndarray) -> np.ndarray:
            return (obs.clearance(p) >= 0.35) & (wall_clearance(p, room) >= 0.35)
        xy, lean, stepped = _approach(obs, t, xy, z, yaw, stop, free, 1.4, 0.05)
        # crouch a little and look down at what one stepped up to
        z = z - lean * rng.uniform(0.0, 0.4)
        pitch = pitch - lean * np.radians(rng.uniform(10, 25))
    roll = np.radians(3.0) * smooth_noise(rng, t, 1, (0.05, 0.4))[:, 0]
    plan = {"path": "room walk", "walk_m": float(dist), "loop_fraction": float(dist / cum[-1]),
            "view_axis_deg": float(np.degrees(across)), "view_within_deg": float(np.degrees(reach)),
            "step_in_m": stepped}
    return _Path(np.column_stack([xy, z]), yaw, pitch, roll, plan)


def _room_clear(site: dict[str, Any], obs: Obstacles) -> Callable[[np.ndarray], bool]:
    room, ceiling = np.asarray(site["room"]), float(site["ceiling"])
    return lambda eyes: bool((obs.clearance(eyes) >= 0.25).all() and (wall_clearance(eyes, room) >= 0.25).all()
                             and (eyes[:, 2] <= ceiling - 0.3).all())


def _street_walk(site: dict[str, Any], obs: Obstacles, rng: np.random.Generator, t: np.ndarray,
                 closeups: bool) -> _Path:
    y0, width, half = site["pavement"]
    duration = float(t[-1]) if len(t) else 0.0
    stop = _Stop.draw(rng, duration)
    still = stop.weight(t) if closeups else np.zeros(len(t))
    dist = min(rng.uniform(0.9, 1.3) * _moving_time(t, still), 2 * half - 2.0)
    sense = float(rng.choice([-1.0, 1.0]))
    x0 = rng.uniform(-half + 1.0, half - 1.0 - dist)
    s = progress(rng, t, 0.25, slow=0.95 * still)
    x = sense * (x0 + dist * s)
    y = y0 + 0.2 * width * smooth_noise(rng, t, 1, (0.05, 0.3))[:, 0]
    xy = np.column_stack([x, y])
    heading = np.where(sense > 0, 0.0, np.pi) * np.ones(len(t))
    # the object area lies on the +y side of the street: turn left when walking +x, right otherwise
    bias = np.radians(rng.uniform(50, 90)) + np.radians(12) * smooth_noise(rng, t, 1, (0.05, 0.3))[:, 0]
    yaw = heading + sense * bias + pans(rng, t, int(rng.integers(1, 3)), (40, 90), (0.5, 1.0), back=0.7)
    pitch = -np.radians(rng.uniform(2, 9)) + np.radians(3) * smooth_noise(rng, t, 1, (0.1, 0.6))[:, 0]
    z = _walk_rhythm(rng, t, _speed(xy, t), rng.uniform(1.5, 1.7))
    stepped = 0.0
    if closeups:
        xy, lean, stepped = _approach(obs, t, xy, z, yaw, stop, lambda p: obs.clearance(p) >= 0.6, 5.0, 0.05)
        pitch = pitch - lean * np.radians(rng.uniform(5, 20))
    roll = np.radians(2.5) * smooth_noise(rng, t, 1, (0.05, 0.4))[:, 0]
    plan = {"path": "street walk", "walk_m": float(dist), "step_in_m": stepped}
    return _Path(np.column_stack([xy, z]), yaw, pitch, roll, plan)


# ---------------------------------------------------------------------------------- entry


def _shaken(path: _Path, shake: _Shake, rng: np.random.Generator, t: np.ndarray) -> _Path:
    ang = np.radians(shake.degrees) * smooth_noise(rng, t, 3, shake.band)
    eyes = path.eyes + shake.metres * smooth_noise(rng, t, 3, shake.band)
    return _Path(eyes, path.yaw + ang[:, 0], path.pitch + ang[:, 1], path.roll + ang[:, 2], path.plan)


def _planned(scale: Scale, site: dict[str, Any], obs: Obstacles, rng: np.random.Generator, t: np.ndarray
             ) -> _Path:
    """The first path of ``scale`` that clears everything; the late tries drop the close-ups."""
    if scale is Scale.DRONE:
        tallest = float((obs.centers[:, 2] + obs.sizes[:, 2] / 2).max()) if len(obs.centers) else 0.0
        eyes, yaw, pitch, roll, plan = flight_lines(site, tallest, rng, t)
        return _Path(eyes, yaw, pitch, roll, {"path": "flight lines", **plan})
    if scale in _ARCS:
        spec = _ARCS[scale]
        make = lambda close: _arc(site, obs, spec, rng, t, close)  # noqa: E731
        clear, shake = _arc_clear(site, obs, spec), spec.shake
    elif scale is Scale.INDOOR:
        make = lambda close: _room_walk(site, obs, rng, t, close)  # noqa: E731
        clear, shake = _room_clear(site, obs), _Shake(1.0, 0.006)
    else:
        make = lambda close: _street_walk(site, obs, rng, t, close)  # noqa: E731
        clear, shake = (lambda eyes: bool((obs.clearance(eyes) >= 0.5).all())), _Shake(1.0, 0.008)
    for attempt in range(_TRIES):
        path = _shaken(make(attempt < _TRIES - 5), shake, rng, t)
        if clear(path.eyes):
            return path
    raise RuntimeError(f"no handheld {scale.value} path clears the objects in {_TRIES} tries")


def handheld_capture(scale: Scale, site: dict[str, Any], obstacles: Obstacles, rng: np.random.Generator,
                     n_frames: int | None = None) -> Capture:
    """A handheld (or drone) capture of the site: poses at video spacing and what was planned.

    ``site`` holds what the scale's composer knows about the stage (see ``generate.py``);
    ``n_frames`` defaults to a count drawn in ``FRAME_RANGE``.
    """
    drawn = int(rng.integers(FRAME_RANGE[0], FRAME_RANGE[1] + 1))
    n = drawn if n_frames is None else int(n_frames)
    fps = FPS[scale]
    t = np.arange(n) / fps
    path = _planned(scale, site, obstacles, rng, t)
    poses = [camera_pose(e, y, p, r) for e, y, p, r in zip(path.eyes, path.yaw, path.pitch, path.roll)]
    plan = {k: (round(float(v), 4) if isinstance(v, float) else v) for k, v in path.plan.items()}
    return Capture(poses, fps, {"mode": "handheld", "fps": fps, "frames": n, **plan})
