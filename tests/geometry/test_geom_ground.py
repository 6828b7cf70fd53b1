"""Ground-plane axes and the ground area covered by a point cloud."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spacevista.geometry.boxes import box_corners
from spacevista.geometry.ground import ground_hull_area, horizontal_axes
from spacevista.geometry.polygons import convex_hull_area

PROPERTY = settings(deadline=None, max_examples=150, derandomize=True, database=None)


def test_ground_hull_area_of_box_corners():
    corners = box_corners([0, 0, 1], [3.0, 2.0, 2.0], 0.5)
    assert ground_hull_area(corners) == pytest.approx(6.0)
    assert ground_hull_area(corners, up_axis=0) > 0
    with pytest.raises(ValueError):
        ground_hull_area(corners[:, :2])


def test_horizontal_axes_are_right_handed():
    for up in range(3):
        a, b = horizontal_axes(up)
        assert np.cross(np.eye(3)[a], np.eye(3)[b]) @ np.eye(3)[up] == 1.0
    with pytest.raises(ValueError):
        horizontal_axes(3)


@PROPERTY
@given(st.tuples(*[st.floats(-50, 50)] * 3), st.tuples(*[st.floats(0.01, 20)] * 3),
       st.floats(-math.pi, math.pi), st.sampled_from([0, 1, 2]))
def test_ground_hull_area_of_a_box_is_its_footprint_whatever_the_up_axis(center, size, yaw, up):
    corners = box_corners(center, size, yaw)
    # box_corners stands boxes on world z: move that axis onto ``up`` by cycling the columns
    perm = [(i - up - 1) % 3 for i in range(3)]
    assert ground_hull_area(corners[:, perm], up_axis=up) == pytest.approx(size[0] * size[1], rel=1e-9)


@PROPERTY
@given(st.integers(3, 40), st.floats(-100, 100))
def test_ground_hull_area_ignores_heights(n, lift):
    pts = np.random.default_rng(n).uniform(-5, 5, (n, 3))
    raised = pts.copy()
    raised[:, 2] = raised[:, 2] * 3 + lift
    assert ground_hull_area(raised) == ground_hull_area(pts) == convex_hull_area(pts[:, :2])
