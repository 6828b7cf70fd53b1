"""Extents measured frame by frame: an axis seen only along the view is not the union of frames."""

import numpy as np

from spacevista.engine.scene.extents import view_extents
from spacevista.graph import Box3D, CameraPose, View
from spacevista.scene import Camera

CAM = Camera(np.array([[300.0, 0, 160], [0, 300.0, 120], [0, 0, 1]]), 320, 240)


def _pose(x, y):
    pose = np.eye(4)
    pose[:3, 3] = [x, y, 0.45]
    return pose


def test_an_axis_seen_only_end_on_takes_single_frames_not_their_union():
    rng = np.random.default_rng(0)
    box = Box3D(np.array([0.0, 0.0, 0.45]), np.array([1.2, 0.5, 0.9]), 0.0)  # x grown by the union
    samples, views, cameras = {}, {}, {}
    for f in range(12):
        shift = rng.normal(0.0, 0.15)  # this frame's depth scale error moves its points along x
        front = np.c_[np.full(300, -0.25 + shift) + rng.uniform(0, 0.05, 300),
                      rng.uniform(-0.25, 0.25, 300), rng.uniform(0, 0.9, 300)]
        samples[f] = front
        views[f] = View(frame=f, pixels=900, bbox=(100, 50, 160, 200), point=(100, 120), min_depth=3.0,
                        median_depth=3.0)
        cameras[f] = CameraPose(f, CAM, _pose(-3.0, rng.uniform(-0.3, 0.3)))  # looking along +x
    out = view_extents(box, samples, views, cameras)
    assert 0.04 < out[0] < 0.06  # the depth of the surface one frame sees: a lower bound, not 1.2
    assert abs(out[1] - 0.5) < 0.02 and abs(out[2] - 0.9) < 0.02  # side-on and vertical: measured
    # a union smaller than what single frames show is kept
    small = Box3D(box.center, np.array([0.03, 0.5, 0.9]), 0.0)
    assert view_extents(small, samples, views, cameras)[0] == 0.03
