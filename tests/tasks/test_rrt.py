"""The planner and the path <-> action conversions, on spaces whose answers are known by construction."""

import math

import numpy as np
import pytest

from spacevista.geometry.paths import (axis_moves, axis_path, execute_ground, execute_moves, ground_actions,
                                       wrap_deg)
from spacevista.geometry.rrt import BoxSpace, path_length, plan, rrt_connect


def one_box(inflate=0.3, top=3.0):
    """A 2 x (top + 1) box from y = -1 to y = top centred on x = 0, in a 10 x 10 region."""
    return BoxSpace.from_boxes([-5, -5], [5, 5], [[0.0, (top - 1) / 2]], [[2.0, top + 1]], [0.0], inflate)


def test_segment_checks_are_exact():
    sp = one_box(inflate=0.0)
    assert sp.hits([-3, 0], [3, 0]).all()            # straight through
    assert not sp.hits([-3, -1.0], [3, -1.0]).any()   # grazing the bottom face does not count
    assert sp.hits([-3, -0.99], [3, -0.99]).all()
    assert not sp.hits([-3, -2], [3, -2]).any()       # parallel, outside
    assert not sp.hits([-3, 0], [-1.5, 0]).any()      # stops short
    assert sp.hits([0, 0], [0, 0.5]).all()            # inside the box
    assert not sp.segment_free([-6, 0], [-4, -4])     # leaves the region
    rot = BoxSpace.from_boxes([-5, -5], [5, 5], [[0, 0]], [[2, 0.2]], [math.pi / 4], 0.0)
    assert rot.hits([-1, -1], [1, 1]).all()           # along the rotated long axis
    assert not rot.hits([-1, 1], [-0.3, 0.3]).any()   # across it, stopping before it


def test_path_around_one_box_takes_the_open_side():
    # the box reaches the region's top edge, so the only way round is below it
    sp = one_box(inflate=0.3, top=5.0)
    path = plan(sp, [-3, 0], [3, 0], np.random.default_rng(0))
    assert path is not None and sp.path_free(path)
    assert np.allclose(path[0], [-3, 0]) and np.allclose(path[-1], [3, 0])
    # it crosses x = 0 below the inflated box
    k = int(np.argmax(path[:, 0] >= 0))
    t = -path[k - 1, 0] / (path[k, 0] - path[k - 1, 0])
    assert path[k - 1, 1] + t * (path[k, 1] - path[k - 1, 1]) <= -1.3 + 1e-9
    taut = 2 * math.hypot(1.7, 1.3) + 2.6   # via the two inflated corners
    assert taut - 1e-6 <= path_length(path) <= 1.05 * taut


def test_enclosed_goal_has_no_path():
    walls = BoxSpace.from_boxes([-5, -5], [5, 5],
                                [[3, 1.5], [3, -1.5], [1.5, 0], [4.5, 0]],
                                [[3.2, 0.2], [3.2, 0.2], [0.2, 3.2], [0.2, 3.2]], np.zeros(4), 0.1)
    assert walls.point_free([3, 0])
    assert plan(walls, [-3, 0], [3, 0], np.random.default_rng(1), max_samples=300) is None


def test_same_seed_same_path():
    sp = BoxSpace.from_boxes([-5, -5], [5, 5], [[0, 0], [2, 2], [-2, -2]], [[1, 3], [1, 1], [1, 1]],
                             [0.0, 0.3, -0.2], 0.2)
    a = plan(sp, [-4, 0], [4, 0.5], np.random.default_rng(7))
    b = plan(sp, [-4, 0], [4, 0.5], np.random.default_rng(7))
    assert np.array_equal(a, b)


def test_rrt_connect_endpoints_and_blocked_start():
    sp = one_box()
    raw = rrt_connect(sp, [-3, 0], [3, 0], np.random.default_rng(3))
    assert raw is not None and np.allclose(raw[0], [-3, 0]) and np.allclose(raw[-1], [3, 0])
    assert sp.path_free(raw)
    assert rrt_connect(sp, [0, 0], [3, 0], np.random.default_rng(3)) is None  # start inside the box


def test_ground_actions_round_trip():
    path = np.array([[0.0, 0.0], [2.0, 0.0], [2.0, 3.0], [0.0, 3.0]])
    legs = ground_actions(path, 0.0, lambda a: a, lambda d: d)
    assert legs == [(0.0, 2.0), (90.0, 3.0), (90.0, 2.0)]
    assert np.allclose(execute_ground([0, 0], 0.0, legs), path)
    # facing +y first: the first leg turns right by 90 degrees
    legs = ground_actions(path, math.pi / 2, lambda a: a, lambda d: d)
    assert legs[0] == (-90.0, 2.0)
    assert wrap_deg(270) == -90 and wrap_deg(-180) == 180


def test_closed_loop_rounding_does_not_accumulate():
    rng = np.random.default_rng(4)
    path = np.cumsum(rng.uniform(-1, 1, size=(12, 2)) * 3, axis=0)
    legs = ground_actions(path, 0.3, lambda a: round(a / 5) * 5, lambda d: round(d, 1))
    end = execute_ground(path[0], 0.3, legs)[-1]
    # one leg's rounding error at most: 2.5 degrees over the last leg plus 0.05 m
    last = float(np.linalg.norm(path[-1] - path[-2])) + 1.0
    assert np.linalg.norm(end - path[-1]) <= last * math.radians(2.5) + 0.06


def test_axis_path_lifts_over_a_wall():
    # a wall across the table between start and goal: the only way is over it
    sp = BoxSpace.from_boxes([-1, -1, 0.05], [1, 1, 1], [[0, 0, 0.1]], [[0.1, 2.0, 0.2]], [0.0], [0.05, 0.05, 0.05])
    rng = np.random.default_rng(0)
    start, goal = np.array([-0.5, 0.0, 0.06]), np.array([0.5, 0.0, 0.06])
    path = plan(sp, start, goal, rng)
    assert path is not None
    stairs = axis_path(sp, path)
    assert stairs is not None and sp.path_free(stairs)
    steps = np.diff(stairs, axis=0)
    assert np.all(np.count_nonzero(np.abs(steps) > 1e-12, axis=1) == 1)  # one axis per move
    assert stairs[:, 2].max() >= 0.25 - 1e-9                                 # over the wall's top
    moves = axis_moves(stairs, lambda d: round(d, 3))
    assert moves[0][0] == 2 and moves[0][1] > 0                             # lift first
    assert moves[-1][0] == 2 and moves[-1][1] < 0                           # lower last
    done = execute_moves(start, moves)
    assert np.allclose(done[-1], goal, atol=0.002)


def test_empty_space_goes_straight():
    sp = BoxSpace.from_boxes([0, 0], [1, 1], np.zeros((0, 2)), np.zeros((0, 2)), np.zeros(0), 0.1)
    path = plan(sp, [0.1, 0.1], [0.9, 0.8], np.random.default_rng(0))
    assert len(path) == 2
    with pytest.raises(ValueError):
        BoxSpace.from_boxes([0, 0], [1, 1], [[0, 0, 0]], [[1, 1]], [0.0], 0.1)
