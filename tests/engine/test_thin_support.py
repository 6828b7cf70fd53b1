"""The space under a floating object is empty only if no depth near it reaches it: a stem a few
pixels wide, lost from the object's points by the outline filters, still holds it up."""

import numpy as np

from spacevista.evidence import DepthThumb, bottom_measured
from spacevista.graph import Box3D

K = np.array([[60.0, 0.0, 32.0], [0.0, 60.0, 32.0], [0.0, 0.0, 1.0]])
# a camera 1 m in front of the object, looking along +y, image rows running down world z
POSE = np.eye(4)
POSE[:3, :3] = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])
POSE[:3, 3] = [0.0, -1.0, 0.5]
BOX = Box3D([0.0, 0.0, 0.5], [0.1, 0.1, 0.1])  # bottom at 0.45, 0.15 above the surface below
SUPPORT_Z = 0.3


def thumb(stem_columns: slice | None) -> DepthThumb:
    depth = np.full((64, 64), 3.0, dtype=np.float32)  # a wall behind
    if stem_columns is not None:
        depth[:, stem_columns] = 1.0  # a thin stem 2 px beside where the box's centre projects
    return DepthThumb(K, POSE, depth, 1)


def test_empty_space_under_the_object_is_seen_free():
    assert bottom_measured(BOX, SUPPORT_Z, [thumb(None)], contact=0.01, fine=True)


def test_a_thin_stem_beside_the_centre_holds_the_object_up():
    stem = [thumb(slice(34, 36))]
    assert bottom_measured(BOX, SUPPORT_Z, stem, contact=0.01, fine=False)  # point samples miss it
    assert not bottom_measured(BOX, SUPPORT_Z, stem, contact=0.01, fine=True)


def test_an_object_resting_on_its_support_needs_no_test():
    resting = Box3D([0.0, 0.0, 0.355], [0.1, 0.1, 0.1])
    assert bottom_measured(resting, SUPPORT_Z, [thumb(slice(30, 34))], contact=0.01, fine=True)
