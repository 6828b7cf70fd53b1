"""Drone flight lines: lawnmower strips or one straight pass at altitude, gimbal pitched down.

The drone flies waypoint to waypoint, speeding up and slowing down at each end (a trapezoid
speed profile), hovers at a corner while it yaws quickly to the next heading, and keeps a
fixed gimbal pitch. It never circles the site, and the strips move away from the site centre,
so one flight sees the area from a few headings only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from spacevista.synth.motion import smooth_noise, smoothstep

__all__ = ["flight_lines"]

#: seconds to reach cruise speed from a hover (and to stop again)
RAMP_S = 2.0


def _waypoints(rng: np.random.Generator, R: float, v: float, duration: float
               ) -> tuple[np.ndarray, dict[str, Any]]:
    """Corners (k, 2) of the flight plan, long enough for ``duration`` s at speed ``v``."""
    phi = float(rng.uniform(0, 2 * np.pi))
    along, across = np.array([np.cos(phi), np.sin(phi)]), np.array([-np.sin(phi), np.cos(phi)])
    side = float(rng.choice([-1.0, 1.0]))
    if rng.random() < 0.6:
        length, spacing = float(rng.uniform(0.9, 1.5) * R), float(rng.uniform(50, 80))
        first = float(rng.uniform(15, 50))
        pts = []
        for k in range(2 + int(v * duration / length)):
            ends = [-length / 2, length / 2] if k % 2 == 0 else [length / 2, -length / 2]
            off = side * (first + k * spacing)
            pts += [e * along + off * across for e in ends]
        plan = {"pattern": "lawnmower", "strip_length_m": length, "strip_spacing_m": spacing}
    else:
        length = v * (duration + 2 * RAMP_S) + 1.0
        start = -length / 2 + float(rng.uniform(-0.2, 0.2)) * R
        off = side * float(rng.uniform(10, 70))
        pts = [start * along + off * across, (start + length) * along + off * across]
        plan = {"pattern": "line", "line_length_m": length}
    plan["heading_deg"] = float(np.degrees(phi))
    return np.array(pts), plan


def _fly(pts: np.ndarray, v: float, turn_s: float, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions (n, 2) and yaw (n,) at times ``t`` along the waypoints."""
    xy, yaw = np.repeat(pts[-1:], len(t), axis=0), np.zeros(len(t))
    heads = [float(np.arctan2(*(b - a)[::-1])) for a, b in zip(pts[:-1], pts[1:])]
    yaw[:] = heads[-1]
    clock = 0.0
    for k, (a, b) in enumerate(zip(pts[:-1], pts[1:])):
        if k > 0:  # hover at the corner and yaw round to the next leg
            turn = np.angle(np.exp(1j * (heads[k] - heads[k - 1])))
            m = (t >= clock) & (t < clock + turn_s)
            xy[m] = a
            yaw[m] = heads[k - 1] + turn * smoothstep((t[m] - clock) / turn_s)
            clock += turn_s
        length = float(np.linalg.norm(b - a))
        ramp = min(RAMP_S, length / v)
        dur = length / v + ramp
        m = (t >= clock) & (t < clock + dur)
        tau = t[m] - clock
        # trapezoid: accelerate for `ramp` s, cruise at v, decelerate for `ramp` s
        d = np.where(tau < ramp, v * tau ** 2 / (2 * ramp),
                     np.where(tau < dur - ramp, v * ramp / 2 + v * (tau - ramp),
                              length - v * (dur - tau) ** 2 / (2 * ramp)))
        xy[m] = a + (b - a) * (d / length)[:, None]
        yaw[m] = heads[k]
        clock += dur
    return xy, yaw


def flight_lines(site: dict[str, Any], tallest: float, rng: np.random.Generator, t: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
    """Eyes (n, 3), yaw, pitch, roll (n,) and the plan of a drone flight over ``site["area_radius"]``."""
    R = float(site["area_radius"])
    duration = float(t[-1]) if len(t) else 0.0
    # fly well above the tallest structure: the path never needs to dodge
    alt = max(float(rng.uniform(60, 120)), tallest + 20.0)
    v = float(rng.uniform(8, 13))
    turn_s = float(rng.uniform(1.0, 2.0))
    pts, plan = _waypoints(rng, R, v, duration)
    xy, yaw = _fly(pts, v, turn_s, t)
    gimbal = -np.radians(float(rng.uniform(45, 80)))
    # wind: a slow drift off the line and in height, and a gimbal that is stabilised but not perfect
    drift = smooth_noise(rng, t, 3, (0.05, 0.3)) * np.array([0.4, 0.4, 0.3])
    eyes = np.column_stack([xy, np.full(len(t), alt)]) + drift
    wobble = np.radians(0.2) * smooth_noise(rng, t, 3, (0.3, 3.0))
    plan.update(altitude_m=alt, speed_m_s=v, gimbal_pitch_deg=float(np.degrees(gimbal)), turn_s=turn_s)
    return eyes, yaw + wobble[:, 0], gimbal + wobble[:, 1], wobble[:, 2], plan
