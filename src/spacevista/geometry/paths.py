"""Planned paths as action sequences, and action sequences executed back into paths.

Two action languages:

* Ground routes (2-D, x/y of the ground plane): a walker starts at a point facing ``heading0``
  (radians, counter-clockwise from +x seen from above) and follows legs ``(turn_deg, forward)``:
  first turn in place by ``turn_deg`` (positive = left, i.e. counter-clockwise seen from above),
  then go straight ahead ``forward`` metres.
* Axis moves (3-D, in a frame whose axes are the reference camera's right, its forward direction
  on the ground, and world up): a sequence of ``(axis, delta)`` with axis 0 = right(+)/left(-),
  1 = forward(+, away from the camera)/back(-), 2 = up(+)/down(-).

Conversion is closed-loop: each action is rounded to the precision a question states (``round_*``
callables), and the next action is computed from where the rounded actions actually lead, so
rounding errors do not accumulate along the route. The caller verifies the executed result.
"""

from __future__ import annotations

import itertools
import math
from typing import Callable

import numpy as np

from spacevista.geometry.rrt import BoxSpace

Round = Callable[[float], float]


def wrap_deg(angle: float) -> float:
    """Angle in degrees wrapped to (-180, 180]."""
    a = math.fmod(angle + 180.0, 360.0)
    if a <= 0:
        a += 360.0
    return a - 180.0


def ground_actions(path: np.ndarray, heading0: float, round_turn: Round,
                   round_dist: Round) -> list[tuple[float, float]]:
    """Legs ``(turn_deg, forward)`` that walk the 2-D polyline ``path`` from ``path[0]`` facing
    ``heading0``, aiming each leg from the walker's actual (rounded) position at the next vertex."""
    pos = np.asarray(path[0], dtype=np.float64).copy()
    heading = float(heading0)
    legs: list[tuple[float, float]] = []
    for w in np.asarray(path[1:], dtype=np.float64):
        vec = w - pos
        dist = float(np.linalg.norm(vec))
        if dist < 1e-9:
            continue
        turn = round_turn(wrap_deg(math.degrees(math.atan2(vec[1], vec[0]) - heading)))
        fwd = round_dist(dist)
        heading += math.radians(turn)
        pos = pos + fwd * np.array([math.cos(heading), math.sin(heading)])
        legs.append((float(turn), float(fwd)))
    return legs


def execute_ground(start, heading0: float, legs) -> np.ndarray:
    """The polyline (k + 1, 2) that the legs trace from ``start`` facing ``heading0``."""
    pos = np.asarray(start, dtype=np.float64).copy()
    heading = float(heading0)
    pts = [pos.copy()]
    for turn, fwd in legs:
        heading += math.radians(turn)
        pos = pos + fwd * np.array([math.cos(heading), math.sin(heading)])
        pts.append(pos.copy())
    return np.stack(pts)


def staircase(p: np.ndarray, q: np.ndarray, order: tuple[int, ...]) -> np.ndarray:
    """Corners of the axis-parallel path from p to q changing coordinates in ``order``."""
    pts = [p.copy()]
    cur = p.copy()
    for axis in order:
        if abs(q[axis] - cur[axis]) > 1e-12:
            cur = cur.copy()
            cur[axis] = q[axis]
            pts.append(cur)
    return np.stack(pts)


def _orders(delta: np.ndarray) -> list[tuple[int, ...]]:
    """Axis orders to try for one segment: lift before moving sideways, lower after."""
    axes = [0, 1, 2]
    perms = list(itertools.permutations(axes))
    def key(order: tuple[int, ...]) -> tuple[int, tuple[int, ...]]:
        pos_up = order.index(2)
        return ((pos_up if delta[2] > 0 else 2 - pos_up) if len(delta) > 2 else 0, order)
    return sorted(perms, key=key)


def axis_path(space: BoxSpace, path: np.ndarray, depth: int = 6) -> np.ndarray | None:
    """Replace each segment of a free 3-D path by a free axis-parallel staircase (trying the axis
    orders, and halving the segment where no order is free); None when that fails ``depth`` deep."""
    out = [np.asarray(path[0], dtype=np.float64)]
    for p, q in zip(path[:-1], path[1:]):
        piece = _stairs(space, np.asarray(p, float), np.asarray(q, float), depth)
        if piece is None:
            return None
        out.extend(piece[1:])
    return merge_axis(axis_shortcut(space, merge_axis(np.stack(out))))


def axis_shortcut(space: BoxSpace, pts: np.ndarray) -> np.ndarray:
    """Greedy visibility for axis-parallel paths: from each kept corner, jump to the farthest later
    corner that a free staircase reaches, either directly (any axis order) or over the top (lift to
    the highest point the path reaches in between, move across, lower)."""
    out = [pts[0]]
    i = 0
    while i < len(pts) - 1:
        for j in range(len(pts) - 1, i, -1):
            piece = _connect(space, pts[i], pts[j], float(pts[i:j + 1, -1].max()))
            if piece is not None:
                out.extend(piece[1:])
                i = j
                break
        else:  # unreachable for a free input path: the next corner is one free axis move away
            out.append(pts[i + 1])
            i += 1
    return np.stack(out)


def _connect(space: BoxSpace, p: np.ndarray, q: np.ndarray, peak: float) -> np.ndarray | None:
    for order in _orders(q - p):
        st = staircase(p, q, order)
        if space.path_free(st):
            return st
    if len(p) == 3 and peak > max(p[2], q[2]) + 1e-12:
        up, down = p.copy(), q.copy()
        up[2] = down[2] = peak
        for order in ((0, 1), (1, 0)):
            st = np.concatenate([[p], staircase(up, down, order), [q]])
            if space.path_free(st):
                return st
    return None


def _stairs(space: BoxSpace, p: np.ndarray, q: np.ndarray, depth: int) -> np.ndarray | None:
    for order in _orders(q - p):
        st = staircase(p, q, order)
        if space.path_free(st):
            return st
    if depth == 0:
        return None
    m = (p + q) / 2
    if not space.point_free(m):
        return None
    a = _stairs(space, p, m, depth - 1)
    b = _stairs(space, m, q, depth - 1) if a is not None else None
    if a is None or b is None:
        return None
    return np.concatenate([a, b[1:]])


def merge_axis(path: np.ndarray) -> np.ndarray:
    """Merge consecutive moves along the same axis into one corner (a free path stays free only
    when the merged moves keep their direction, so opposite moves are kept apart)."""
    pts = [path[0]]
    for p in path[1:]:
        if len(pts) >= 2:
            prev = pts[-1] - pts[-2]
            cur = p - pts[-1]
            ap, ac = int(np.argmax(np.abs(prev))), int(np.argmax(np.abs(cur)))
            if ap == ac and prev[ap] * cur[ac] > 0:
                pts[-1] = p
                continue
        if np.linalg.norm(p - pts[-1]) > 1e-12:
            pts.append(p)
    return np.stack(pts)


def axis_moves(path: np.ndarray, round_dist: Round) -> list[tuple[int, float]]:
    """``(axis, delta)`` moves along an axis-parallel path, rounded closed-loop: each move aims at
    its corner's coordinate from the actual position the rounded earlier moves lead to."""
    cur = np.asarray(path[0], dtype=np.float64).copy()
    moves: list[tuple[int, float]] = []
    for p, q in zip(path[:-1], path[1:]):
        axis = int(np.argmax(np.abs(q - p)))
        delta = round_dist(float(q[axis] - cur[axis]))
        if delta == 0:
            continue
        cur[axis] += delta
        moves.append((axis, float(delta)))
    return moves


def execute_moves(start, moves) -> np.ndarray:
    """The polyline (k + 1, 3) that axis moves trace from ``start``."""
    cur = np.asarray(start, dtype=np.float64).copy()
    pts = [cur.copy()]
    for axis, delta in moves:
        cur = cur.copy()
        cur[int(axis)] += delta
        pts.append(cur)
    return np.stack(pts)
