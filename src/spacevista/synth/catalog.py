"""Object categories per scale, each a builder composing trimesh primitives into a recognisable shape.

A builder takes a ``numpy.random.Generator`` and returns parts in the object's local frame (metres,
standing on z = 0, centred on the z axis). Sizes are drawn from realistic ranges; the ranges and the
categories are listed in docs/synth.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from spacevista.scene import Scale
from spacevista.synth.shapes import (CHECKER, NOISE, PLAIN, STRIPES, WOOD, Material, Part, beam, box,
                                     capsule, cone, cylinder, ellipsoid, rot_x, sphere, torus, tube)

Builder = Callable[[np.random.Generator], list[Part]]


@dataclass(frozen=True)
class Category:
    """A category: its name, its builder and the (min, max) longest dimension it produces, metres."""

    name: str
    build: Builder
    size_range: tuple[float, float]


def _u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


def _col(rng: np.random.Generator, palette: list[tuple[float, float, float]], jitter: float = 0.06):
    c = np.asarray(palette[int(rng.integers(len(palette)))], dtype=np.float64)
    c = np.clip(c + rng.uniform(-jitter, jitter, 3), 0.02, 0.98)
    return (float(c[0]), float(c[1]), float(c[2]))


def _mat(rng, palette, texture=PLAIN, scale=0.05) -> Material:
    return Material(_col(rng, palette), texture, scale)


METAL = [(0.70, 0.70, 0.72), (0.55, 0.55, 0.58), (0.80, 0.68, 0.35)]
BRIGHT = [(0.85, 0.15, 0.12), (0.15, 0.35, 0.80), (0.20, 0.65, 0.25), (0.95, 0.75, 0.10),
          (0.90, 0.45, 0.10), (0.55, 0.20, 0.65), (0.10, 0.65, 0.70), (0.92, 0.92, 0.88)]
DARK = [(0.12, 0.12, 0.14), (0.25, 0.25, 0.28), (0.18, 0.20, 0.30)]
WOODS = [(0.55, 0.36, 0.20), (0.68, 0.50, 0.32), (0.40, 0.26, 0.15)]
FABRIC = [(0.45, 0.48, 0.55), (0.60, 0.30, 0.25), (0.35, 0.45, 0.35), (0.70, 0.65, 0.55)]
GREENS = [(0.20, 0.50, 0.18), (0.28, 0.58, 0.22), (0.15, 0.40, 0.15)]
BARK = [(0.38, 0.27, 0.17), (0.30, 0.22, 0.15)]
CONCRETE = [(0.62, 0.62, 0.60), (0.72, 0.70, 0.66), (0.55, 0.50, 0.46), (0.70, 0.58, 0.48)]

# ----------------------------------------------------------------------------------------- tiny
# (lengths in metres: 1 mm = 1e-3)


def screw(rng):
    r = _u(rng, 1.0e-3, 2.2e-3)
    L = _u(rng, 8e-3, 28e-3)
    rh, hh = 2.0 * r, _u(rng, 1.0e-3, 2.0e-3)
    m = _mat(rng, METAL, STRIPES, 0.8e-3)
    return [cylinder(rh, hh, [-L / 2 - hh / 2, 0, rh], m, axis="x"),
            cylinder(r, L, [0, 0, rh], m, axis="x", sections=12)]


def coin(rng):
    return [cylinder(_u(rng, 8e-3, 13e-3), _u(rng, 1.5e-3, 2.2e-3), [0, 0, 0],
                     _mat(rng, METAL, NOISE, 1.5e-3), sections=32)]


def battery(rng):
    r, L = _u(rng, 4.5e-3, 7e-3), _u(rng, 30e-3, 50e-3)
    body = _mat(rng, BRIGHT, STRIPES, 6e-3)
    return [cylinder(r, L, [0, 0, r], body, axis="x"),
            cylinder(r * 0.35, 1.5e-3, [L / 2 + 0.75e-3, 0, r], Material(METAL[0]), axis="x", sections=12)]


def ring(rng):
    minor = _u(rng, 1.0e-3, 1.5e-3)
    return [torus(_u(rng, 9e-3, 11e-3), minor, [0, 0, minor], _mat(rng, METAL[2:], NOISE, 1e-3))]


def nut(rng):
    r = _u(rng, 3.5e-3, 7e-3)
    return [tube(r * 0.5, r, _u(rng, 2.5e-3, 5e-3), [0, 0, 0], _mat(rng, METAL, NOISE, 0.8e-3),
                 sections=6)]


def bead(rng):
    r = _u(rng, 2e-3, 5e-3)
    return [sphere(r, [0, 0, r], _mat(rng, BRIGHT, NOISE, 1e-3))]


def pill(rng):
    r = _u(rng, 2.5e-3, 4e-3)
    return [capsule(r, _u(rng, 12e-3, 20e-3), [0, 0, r], _mat(rng, BRIGHT))]


def key(rng):
    t = 1.6e-3
    L, w, rb = _u(rng, 22e-3, 35e-3), _u(rng, 5e-3, 7e-3), _u(rng, 8e-3, 11e-3)
    m = _mat(rng, METAL, STRIPES, 1.2e-3)
    return [box([L, w, t], [L / 2, 0, t / 2], m), cylinder(rb, t, [-rb * 0.9, 0, 0], m, sections=24)]


def dice(rng):
    s = _u(rng, 8e-3, 16e-3)
    return [box([s, s, s], [0, 0, s / 2], _mat(rng, BRIGHT, CHECKER, s / 3))]


def bolt(rng):
    rh, hh = _u(rng, 4.5e-3, 5.5e-3), _u(rng, 3e-3, 4e-3)
    r, L = _u(rng, 2.0e-3, 2.8e-3), _u(rng, 14e-3, 26e-3)
    m = _mat(rng, METAL, STRIPES, 0.9e-3)
    return [cylinder(rh, hh, [0, 0, 0], m, sections=6), cylinder(r, L, [0, 0, hh], m, sections=12)]


# ------------------------------------------------------------------------------------- tabletop


def mug(rng):
    r, h, t = _u(rng, 0.035, 0.045), _u(rng, 0.08, 0.11), 0.004
    m = _mat(rng, BRIGHT, STRIPES, 0.02)
    return [tube(r - t, r, h, [0, 0, 0], m), cylinder(r - t, t, [0, 0, 0], m),
            torus(0.022, 0.005, [r + 0.012, 0, h * 0.55], m, rotation=rot_x(np.pi / 2))]


def apple(rng):
    r = _u(rng, 0.035, 0.045)
    return [ellipsoid([r, r, r * 0.9], [0, 0, r * 0.9], _mat(rng, [(0.75, 0.1, 0.08), (0.5, 0.7, 0.15)],
                                                             NOISE, 0.01)),
            cylinder(0.003, 0.015, [0, 0, r * 1.75], Material(BARK[0]), sections=8)]


def book(rng):
    L, w, t = _u(rng, 0.15, 0.25), _u(rng, 0.11, 0.17), _u(rng, 0.02, 0.05)
    return [box([L, w, t], [0, 0, t / 2], _mat(rng, BRIGHT, STRIPES, 0.03))]


def keyboard(rng):
    L, w = _u(rng, 0.35, 0.45), _u(rng, 0.12, 0.15)
    return [box([L, w, 0.015], [0, 0, 0.0075], _mat(rng, DARK)),
            box([L * 0.94, w * 0.85, 0.01], [0, 0, 0.02], Material((0.8, 0.8, 0.82), CHECKER, 0.018))]


def bottle(rng):
    r, h = _u(rng, 0.03, 0.04), _u(rng, 0.15, 0.22)
    m = _mat(rng, [(0.2, 0.55, 0.3), (0.3, 0.5, 0.8), (0.85, 0.85, 0.9)], STRIPES, 0.04)
    return [cylinder(r, h, [0, 0, 0], m), cone(r, 0.06, [0, 0, h], m),
            cylinder(0.013, 0.03, [0, 0, h + 0.035], _mat(rng, BRIGHT), sections=12)]


def bowl(rng):
    r, h = _u(rng, 0.07, 0.1), _u(rng, 0.05, 0.07)
    m = _mat(rng, BRIGHT, CHECKER, 0.025)
    return [tube(r - 0.005, r, h, [0, 0, 0], m), cylinder(r - 0.005, 0.006, [0, 0, 0], m)]


def phone(rng):
    L, w = _u(rng, 0.14, 0.16), _u(rng, 0.068, 0.078)
    return [box([L, w, 0.008], [0, 0, 0.004], _mat(rng, DARK)),
            box([L * 0.92, w * 0.88, 0.001], [0, 0, 0.0085], Material((0.2, 0.3, 0.45), NOISE, 0.01))]


def laptop(rng):
    L, w = _u(rng, 0.30, 0.36), _u(rng, 0.21, 0.25)
    m = _mat(rng, METAL + DARK)
    tilt = _u(rng, 0.15, 0.35)
    screen = box([L, 0.006, w], [0, 0, w / 2], Material((0.15, 0.2, 0.3), NOISE, 0.02))
    T = rot_x(-tilt)
    T[:3, 3] = [0, w / 2 - 0.003, 0.018]
    return [box([L, w, 0.018], [0, 0, 0.009], m),
            box([L * 0.9, w * 0.5, 0.002], [0, -w * 0.05, 0.019], Material((0.3, 0.3, 0.32), CHECKER, 0.015)),
            screen.transformed(T)]


def vase(rng):
    r, h = _u(rng, 0.04, 0.06), _u(rng, 0.15, 0.25)
    m = _mat(rng, BRIGHT, WOOD, 0.03)
    return [tube(r - 0.005, r, h, [0, 0, 0], m), cylinder(r - 0.005, 0.006, [0, 0, 0], m)]


def pen(rng, upright: bool = False):
    L, r = _u(rng, 0.13, 0.15), 0.005
    m = _mat(rng, BRIGHT)
    if upright:
        return [cylinder(r, L - 0.02, [0, 0, 0.02], m, sections=12),
                cone(r, 0.02, [0, 0, 0.02], Material(DARK[0]), sections=12, flip=True)]
    return [cylinder(r, L - 0.02, [0, 0, r], m, axis="x", sections=12),
            beam([(L - 0.02) / 2, 0, r], [L / 2, 0, r], r * 1.2, Material(DARK[0]))]


def flower(rng):
    h = _u(rng, 0.25, 0.35)
    return [cylinder(0.003, h, [0, 0, 0], Material(GREENS[0]), sections=8),
            sphere(0.025, [0, 0, h + 0.02], _mat(rng, [(0.9, 0.2, 0.4), (0.95, 0.8, 0.1), (0.9, 0.9, 0.95)],
                                                     NOISE, 0.008))]


def box_item(rng):
    L, w, h = _u(rng, 0.15, 0.3), _u(rng, 0.12, 0.25), _u(rng, 0.06, 0.15)
    return [box([L, w, h], [0, 0, h / 2], _mat(rng, [(0.72, 0.55, 0.35)], NOISE, 0.02))]


# --------------------------------------------------------------------------------------- indoor


def chair(rng):
    s, sh = _u(rng, 0.42, 0.5), _u(rng, 0.43, 0.48)
    m = _mat(rng, WOODS, WOOD, 0.05)
    legs = [box([0.04, 0.04, sh - 0.04], [x * (s / 2 - 0.03), y * (s / 2 - 0.03), (sh - 0.04) / 2], m)
            for x in (-1, 1) for y in (-1, 1)]
    back_h = _u(rng, 0.4, 0.5)
    return legs + [box([s, s, 0.04], [0, 0, sh - 0.02], _mat(rng, FABRIC, CHECKER, 0.05)),
                   box([0.04, s, back_h], [-s / 2 + 0.02, 0, sh + back_h / 2], m)]


def table(rng):
    L, w, h = _u(rng, 1.2, 1.8), _u(rng, 0.8, 1.0), _u(rng, 0.72, 0.76)
    m = _mat(rng, WOODS, WOOD, 0.08)
    legs = [box([0.06, 0.06, h - 0.04], [x * (L / 2 - 0.06), y * (w / 2 - 0.06), (h - 0.04) / 2], m)
            for x in (-1, 1) for y in (-1, 1)]
    return legs + [box([L, w, 0.04], [0, 0, h - 0.02], m)]


def sofa(rng):
    L, d, m = _u(rng, 1.8, 2.4), _u(rng, 0.85, 0.95), _mat(rng, FABRIC, NOISE, 0.04)
    return [box([L, d, 0.42], [0, 0, 0.21], m), box([L, 0.2, 0.45], [0, -d / 2 + 0.1, 0.645], m),
            box([0.18, d - 0.2, 0.2], [-L / 2 + 0.09, 0.1, 0.52], m),
            box([0.18, d - 0.2, 0.2], [L / 2 - 0.09, 0.1, 0.52], m)]


def bed(rng):
    L, w = _u(rng, 1.95, 2.1), _u(rng, 1.4, 1.8)
    frame = _mat(rng, WOODS, WOOD, 0.1)
    return [box([w, L, 0.3], [0, 0, 0.15], frame),
            box([w - 0.05, L - 0.05, 0.2], [0, 0, 0.4], _mat(rng, [(0.9, 0.9, 0.92), (0.7, 0.75, 0.85)], CHECKER, 0.15)),
            box([w, 0.08, 0.9], [0, -L / 2 + 0.04, 0.45], frame),
            box([w * 0.7, 0.35, 0.12], [0, -L / 2 + 0.3, 0.56], Material((0.95, 0.95, 0.95)))]


def cabinet(rng):
    w, d, h = _u(rng, 0.6, 1.0), _u(rng, 0.45, 0.55), _u(rng, 0.8, 1.1)
    m = _mat(rng, WOODS + [(0.85, 0.85, 0.82)], WOOD, 0.1)
    return [box([w, d, h], [0, 0, h / 2], m),
            box([0.02, 0.12, 0.02], [w * 0.3, d / 2 + 0.01, h * 0.8], Material(METAL[0])),
            box([0.02, 0.12, 0.02], [-w * 0.3, d / 2 + 0.01, h * 0.8], Material(METAL[0]))]


def lamp(rng):
    h = _u(rng, 1.5, 1.7)
    m = _mat(rng, METAL + DARK)
    return [cylinder(0.15, 0.03, [0, 0, 0], m), cylinder(0.015, h - 0.3, [0, 0, 0.03], m, sections=12),
            tube(0.16, 0.17, 0.28, [0, 0, h - 0.28], _mat(rng, [(0.95, 0.9, 0.75), (0.9, 0.9, 0.9)], STRIPES, 0.05))]


def pendant_lamp(rng):
    """A lamp hanging from the ceiling: cord and shade; local z = 0 is the shade's rim."""
    cord = _u(rng, 0.4, 0.8)
    shade = _mat(rng, [(0.95, 0.9, 0.75), (0.85, 0.3, 0.2), (0.2, 0.3, 0.35)], STRIPES, 0.05)
    r = _u(rng, 0.15, 0.25)
    return [tube(r - 0.01, r, 0.22, [0, 0, 0], shade), cylinder(0.03, 0.05, [0, 0, 0.22], Material(DARK[0])),
            cylinder(0.006, cord, [0, 0, 0.27], Material(DARK[0]), sections=8)]


def tv(rng):
    w = _u(rng, 1.0, 1.4)
    hgt = w * 0.56
    return [box([w * 0.3, 0.2, 0.02], [0, 0, 0.01], Material(DARK[0])),
            box([0.06, 0.04, 0.1], [0, 0, 0.07], Material(DARK[0])),
            box([w, 0.05, hgt], [0, 0, 0.12 + hgt / 2], Material(DARK[1])),
            box([w * 0.95, 0.002, hgt * 0.92], [0, 0.026, 0.12 + hgt / 2], Material((0.2, 0.3, 0.5), NOISE, 0.1))]


def bookshelf(rng):
    w, d, h = _u(rng, 0.8, 1.2), 0.32, _u(rng, 1.8, 2.0)
    m = _mat(rng, WOODS, WOOD, 0.1)
    parts = [box([0.03, d, h], [-w / 2 + 0.015, 0, h / 2], m), box([0.03, d, h], [w / 2 - 0.015, 0, h / 2], m),
             box([w - 0.06, 0.02, h], [0, -d / 2 + 0.01, h / 2], m)]
    n = 5
    for i in range(n):
        z = 0.02 + i * (h - 0.04) / (n - 1)
        parts.append(box([w - 0.06, d - 0.02, 0.03], [0, 0.01, z], m))
        if i < n - 1:  # a row of books on each shelf, for texture
            parts.append(box([w * 0.6, d * 0.6, 0.22], [0, 0, z + 0.126], _mat(rng, BRIGHT, STRIPES, 0.04)))
    return parts


def plant(rng):
    hp, rp = _u(rng, 0.2, 0.35), _u(rng, 0.12, 0.18)
    rf = _u(rng, 0.2, 0.35)
    return [cylinder(rp, hp, [0, 0, 0], _mat(rng, [(0.7, 0.35, 0.2), (0.9, 0.9, 0.9)], NOISE, 0.03)),
            ellipsoid([rf, rf, rf * 1.3], [0, 0, hp + rf * 1.2], _mat(rng, GREENS, NOISE, 0.04))]


def picture(rng):
    w, h = _u(rng, 0.5, 1.0), _u(rng, 0.4, 0.7)
    return [box([w, 0.03, h], [0, 0, h / 2], Material((0.3, 0.2, 0.1))),
            box([w * 0.9, 0.002, h * 0.88], [0, 0.016, h / 2], _mat(rng, BRIGHT, CHECKER, 0.08))]


def small_vase(rng):
    r, h = _u(rng, 0.1, 0.14), _u(rng, 0.3, 0.45)
    return [tube(r - 0.01, r, h, [0, 0, 0], _mat(rng, BRIGHT, STRIPES, 0.06)),
            cylinder(r - 0.01, 0.01, [0, 0, 0], Material((0.3, 0.3, 0.3)))]


# -------------------------------------------------------------------------------------- outdoor


def car(rng, scale: float = 1.0):
    L, w = _u(rng, 3.9, 4.8) * scale, _u(rng, 1.7, 1.9) * scale
    body = _mat(rng, BRIGHT + DARK + [(0.85, 0.85, 0.85)], PLAIN)
    rw = 0.33 * scale
    wheels = [cylinder(rw, 0.22 * scale, [x * L * 0.32, y * (w / 2 - 0.11 * scale), rw], Material(DARK[0]),
                       axis="y", sections=16) for x in (-1, 1) for y in (-1, 1)]
    return wheels + [box([L, w - 0.02, 0.7 * scale], [0, 0, 0.33 * scale + 0.35 * scale], body),
                     box([L * 0.5, w * 0.9, 0.55 * scale], [-L * 0.05, 0, 1.03 * scale + 0.275 * scale],
                         Material((0.25, 0.3, 0.38), NOISE, 0.3 * scale))]


def bench(rng):
    L = _u(rng, 1.5, 2.0)
    m = _mat(rng, WOODS, WOOD, 0.1)
    legs = [box([0.06, 0.45, 0.43], [x * (L / 2 - 0.15), 0, 0.215], Material(DARK[1])) for x in (-1, 1)]
    return legs + [box([L, 0.45, 0.05], [0, 0, 0.455], m), box([L, 0.05, 0.4], [0, -0.2, 0.7], m)]


def tree(rng, big: float = 1.0):
    trunk_h = _u(rng, 2.0, 3.5) * big
    r = _u(rng, 0.15, 0.35) * big
    parts = [cylinder(r, trunk_h, [0, 0, 0], _mat(rng, BARK, NOISE, 0.15), sections=12)]
    crown = _u(rng, 1.5, 3.0) * big
    if rng.random() < 0.5:
        parts.append(sphere(crown, [0, 0, trunk_h + crown * 0.8], _mat(rng, GREENS, NOISE, 0.4 * big)))
    else:
        parts.append(cone(crown, crown * 2.5, [0, 0, trunk_h * 0.7], _mat(rng, GREENS, NOISE, 0.4 * big)))
    return parts


def lamp_post(rng):
    h = _u(rng, 4.0, 6.0)
    m = Material(DARK[1])
    return [cylinder(0.09, h, [0, 0, 0], m, sections=12), box([1.0, 0.08, 0.08], [0.45, 0, h - 0.1], m),
            box([0.45, 0.25, 0.15], [0.9, 0, h - 0.2], Material((0.95, 0.92, 0.7)))]


def trash_bin(rng):
    r, h = _u(rng, 0.25, 0.35), _u(rng, 0.8, 1.0)
    m = _mat(rng, [(0.2, 0.45, 0.25), (0.3, 0.3, 0.32), (0.15, 0.3, 0.6)], STRIPES, 0.15)
    return [cylinder(r, h, [0, 0, 0], m), cylinder(r + 0.02, 0.05, [0, 0, h], Material(DARK[0]))]


def bicycle(rng):
    rw, base = 0.34, _u(rng, 1.0, 1.1)
    frame = _mat(rng, BRIGHT)
    wheel_rot = rot_x(np.pi / 2)
    a, b = np.array([-base / 2, 0, rw]), np.array([base / 2, 0, rw])
    seat, head = np.array([-base * 0.15, 0, 0.85]), np.array([base * 0.38, 0, 0.9])
    return [torus(rw, 0.025, a, Material(DARK[0]), rotation=wheel_rot),
            torus(rw, 0.025, b, Material(DARK[0]), rotation=wheel_rot),
            beam(a, seat, 0.035, frame), beam(seat, head, 0.035, frame), beam(head, b, 0.035, frame),
            beam(a, np.array([0.0, 0, rw]), 0.035, frame), beam(np.array([0.0, 0, rw]), seat, 0.035, frame),
            beam(np.array([0.0, 0, rw]), head, 0.035, frame),
            box([0.22, 0.1, 0.05], seat + [0, 0, 0.05], Material(DARK[0])),
            box([0.06, 0.55, 0.04], head + [0, 0, 0.1], Material(DARK[0]))]


def hydrant(rng):
    m = _mat(rng, [(0.85, 0.12, 0.1), (0.95, 0.75, 0.1)], STRIPES, 0.1)
    h = _u(rng, 0.55, 0.7)
    return [cylinder(0.13, h, [0, 0, 0], m, sections=16), sphere(0.13, [0, 0, h], m),
            cylinder(0.05, 0.36, [0, 0, h * 0.65], m, axis="y", sections=12)]


def sign(rng):
    h = _u(rng, 2.0, 2.6)
    return [cylinder(0.04, h, [0, 0, 0], Material(METAL[1]), sections=8),
            box([0.6, 0.03, 0.6], [0, 0.05, h - 0.3], _mat(rng, [(0.9, 0.1, 0.1), (0.1, 0.3, 0.8), (0.95, 0.85, 0.1)],
                                                            STRIPES, 0.2))]


def banner(rng):
    w, h = _u(rng, 0.5, 0.7), _u(rng, 1.0, 1.4)
    return [box([0.03, w, h], [0, 0, h / 2], _mat(rng, BRIGHT, STRIPES, 0.25))]


def backpack(rng):
    return [box([0.32, 0.2, 0.45], [0, 0, 0.225], _mat(rng, BRIGHT + DARK, NOISE, 0.05)),
            box([0.25, 0.06, 0.2], [0, 0.13, 0.15], _mat(rng, DARK))]


def fence_ring(radius: float, rng: np.random.Generator) -> list[Part]:
    """A round fence of posts and two rails, centred on the z axis, inner radius ``radius``."""
    n = max(8, int(2 * np.pi * radius / 0.9))
    m = _mat(rng, WOODS + [(0.9, 0.9, 0.88)], WOOD, 0.2)
    r = radius + 0.05
    ang = 2 * np.pi * np.arange(n) / n
    pts = np.stack([r * np.cos(ang), r * np.sin(ang)], axis=1)
    parts = [box([0.08, 0.08, 1.0], [p[0], p[1], 0.5], m) for p in pts]
    for i in range(n):
        p, q = pts[i], pts[(i + 1) % n]
        for z in (0.4, 0.8):
            parts.append(beam([p[0], p[1], z], [q[0], q[1], z], 0.05, m))
    return parts


# ---------------------------------------------------------------------------------------- drone


def building(rng):
    L, w, h = _u(rng, 15, 50), _u(rng, 12, 35), _u(rng, 8, 50)
    m = _mat(rng, CONCRETE, CHECKER, 3.0)
    parts = [box([L, w, h], [0, 0, h / 2], m)]
    if rng.random() < 0.5:
        parts.append(box([L * 0.3, w * 0.3, 3.0], [L * 0.2, 0, h + 1.5], Material(CONCRETE[0])))
    return parts


def road(rng, length: float = 200.0):
    w = _u(rng, 8, 14)
    return [box([length, w, 0.1], [0, 0, 0.05], Material((0.22, 0.22, 0.24), STRIPES, 6.0))]


def parking_lot(rng):
    L, w = _u(rng, 35, 60), _u(rng, 22, 35)
    return [box([L, w, 0.1], [0, 0, 0.05], Material((0.35, 0.35, 0.37), STRIPES, 2.7))]


def pool(rng):
    L, w = _u(rng, 10, 25), _u(rng, 5, 12)
    return [box([L + 2, w + 2, 0.3], [0, 0, 0.15], Material((0.85, 0.85, 0.8))),
            box([L, w, 0.02], [0, 0, 0.31], Material((0.15, 0.55, 0.85), NOISE, 1.0))]


def field(rng, size: tuple[float, float] | None = None):
    L, w = size if size is not None else (_u(rng, 60, 110), _u(rng, 40, 70))
    return [box([L, w, 0.05], [0, 0, 0.025], Material((0.25, 0.6, 0.2), STRIPES, 8.0))]


def track(inner_l: float, inner_w: float, rng: np.random.Generator) -> list[Part]:
    """A running track: a flat ring of four lanes around a field of ``inner_l`` x ``inner_w``."""
    lane = _u(rng, 7, 10)
    m = Material((0.75, 0.3, 0.2), STRIPES, 1.2)
    L, w = inner_l + 2 * lane, inner_w + 2 * lane
    return [box([L, lane, 0.05], [0, (inner_w + lane) / 2, 0.025], m),
            box([L, lane, 0.05], [0, -(inner_w + lane) / 2, 0.025], m),
            box([lane, inner_w, 0.05], [(inner_l + lane) / 2, 0, 0.025], m),
            box([lane, inner_w, 0.05], [-(inner_l + lane) / 2, 0, 0.025], m)]


def tower(rng):
    r, h = _u(rng, 3, 6), _u(rng, 40, 110)
    m = _mat(rng, CONCRETE + METAL, STRIPES, 6.0)
    return [cylinder(r, h, [0, 0, 0], m, sections=16), cone(r * 1.3, h * 0.12, [0, 0, h], m, sections=16)]


def water_tank(rng):
    r, h = _u(rng, 5, 10), _u(rng, 8, 15)
    return [cylinder(r, h, [0, 0, 0], _mat(rng, METAL + [(0.9, 0.9, 0.9)], STRIPES, 2.0), sections=24),
            cone(r, r * 0.3, [0, 0, h], Material(METAL[1]), sections=24)]


def truck(rng):
    L = _u(rng, 8, 14)
    body = _mat(rng, BRIGHT + [(0.9, 0.9, 0.9)], STRIPES, 1.5)
    return [box([L * 0.75, 2.5, 3.0], [-L * 0.125, 0, 2.0], body),
            box([L * 0.2, 2.4, 2.6], [L * 0.38, 0, 1.8], _mat(rng, BRIGHT)),
            box([L, 2.2, 0.5], [0, 0, 0.25], Material(DARK[0]))]


def drone_tree(rng):
    return tree(rng, big=_u(rng, 1.6, 2.4))


def drone_car(rng):
    return car(rng, scale=1.15)


# ------------------------------------------------------------------------------------ registry

CATALOG: dict[Scale, dict[str, Category]] = {
    Scale.TINY: {c.name: c for c in [
        Category("screw", screw, (0.008, 0.035)), Category("coin", coin, (0.016, 0.026)),
        Category("battery", battery, (0.03, 0.052)), Category("ring", ring, (0.02, 0.025)),
        Category("nut", nut, (0.007, 0.014)), Category("bead", bead, (0.004, 0.01)),
        Category("pill", pill, (0.012, 0.02)), Category("key", key, (0.035, 0.056)),
        Category("dice", dice, (0.008, 0.016)), Category("bolt", bolt, (0.017, 0.03))]},
    Scale.TABLETOP: {c.name: c for c in [
        Category("mug", mug, (0.08, 0.12)), Category("apple", apple, (0.07, 0.09)),
        Category("book", book, (0.15, 0.25)), Category("keyboard", keyboard, (0.35, 0.45)),
        Category("bottle", bottle, (0.21, 0.31)), Category("bowl", bowl, (0.14, 0.2)),
        Category("phone", phone, (0.14, 0.16)), Category("laptop", laptop, (0.3, 0.36)),
        Category("vase", vase, (0.15, 0.25)), Category("pen", pen, (0.13, 0.15)),
        Category("flower", flower, (0.29, 0.4)), Category("box", box_item, (0.15, 0.3))]},
    Scale.INDOOR: {c.name: c for c in [
        Category("chair", chair, (0.83, 0.98)), Category("table", table, (1.2, 1.8)),
        Category("sofa", sofa, (1.8, 2.4)), Category("bed", bed, (1.95, 2.1)),
        Category("cabinet", cabinet, (0.6, 1.1)), Category("lamp", lamp, (1.5, 1.7)),
        Category("tv", tv, (1.0, 1.4)), Category("bookshelf", bookshelf, (1.8, 2.0)),
        Category("plant", plant, (0.6, 1.3)), Category("picture", picture, (0.5, 1.0)),
        Category("vase", small_vase, (0.3, 0.45)),
        Category("pendant lamp", pendant_lamp, (0.67, 1.07))]},
    Scale.OUTDOOR: {c.name: c for c in [
        Category("car", car, (3.9, 4.8)), Category("bench", bench, (1.5, 2.0)),
        Category("tree", tree, (4.5, 11.0)), Category("lamp post", lamp_post, (4.0, 6.0)),
        Category("trash bin", trash_bin, (0.85, 1.05)), Category("bicycle", bicycle, (1.6, 1.8)),
        Category("hydrant", hydrant, (0.65, 0.85)), Category("sign", sign, (2.0, 2.6)),
        Category("banner", banner, (1.0, 1.4)), Category("backpack", backpack, (0.45, 0.5)),
        Category("fence", lambda rng: fence_ring(2.5, rng), (3.0, 8.0))]},
    Scale.DRONE: {c.name: c for c in [
        Category("building", building, (15, 60)), Category("car", drone_car, (4.5, 5.5)),
        Category("tree", drone_tree, (7, 26)), Category("road", road, (100, 500)),
        Category("parking lot", parking_lot, (35, 60)), Category("pool", pool, (12, 27)),
        Category("field", field, (60, 110)), Category("tower", tower, (40, 125)),
        Category("water tank", water_tank, (8, 18)), Category("truck", truck, (8, 14)),
        Category("track", lambda rng: track(80, 50, rng), (100, 140))]},
}
