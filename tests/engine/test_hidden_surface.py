"""A face of a box that no view showed may hold the object's surface wherever no frame looked past
it; a gap measured to the object's points alone is then refused when that surface could be nearer."""

import numpy as np

from spacevista.evidence import DepthThumb, gap_slack, hidden_surface, unseen_facing_gap
from spacevista.graph import Box3D, GraphObject, SceneGraph
from spacevista.scene import Scale
from spacevista.tasks.absolute_distance import AbsoluteDistance
from spacevista.tasks.base import Question

K = np.array([[60.0, 0.0, 32.0], [0.0, 60.0, 32.0], [0.0, 0.0, 1.0]])
# a camera 1 m in front of the box's -y face, looking along +y, image rows running down world z
POSE = np.eye(4)
POSE[:3, :3] = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])
POSE[:3, 3] = [0.0, -0.7, 0.5]
BOX = Box3D([0.0, 0.5, 0.5], [0.4, 0.4, 0.4])  # -y face at y = 0.3, 1 m from the camera


def thumb(depth: float) -> DepthThumb:
    return DepthThumb(K, POSE, np.full((64, 64), depth, dtype=np.float32), 1)


def test_faces_behind_a_seen_face_stay_hidden():
    hidden = hidden_surface(BOX, ["-y", "top"], [thumb(1.0)])  # the -y face fills the view
    assert len(hidden) == 3 * 64  # +x, -x, +y: every sample lies behind the surface seen
    assert np.all(np.abs(hidden[:, 1] - 0.5) <= 0.2 + 1e-9)


def test_space_a_frame_looked_past_holds_no_surface():
    # the frame sees 5 m deep through where the box's faces would be: nothing stands there
    assert len(hidden_surface(BOX, ["-y", "top"], [thumb(5.0)])) == 0
    # a face seen in a clean view is never sampled
    assert len(hidden_surface(BOX, ["+x", "-x", "+y", "-y"], [thumb(1.0)])) == 0


def _graph(hidden: np.ndarray | None) -> SceneGraph:
    x, z = np.meshgrid(np.linspace(-0.2, 0.2, 9), np.linspace(0.3, 0.7, 9))
    face = np.stack([x.ravel(), np.full(x.size, 0.3), z.ravel()], 1)  # only the -y face was seen
    a = GraphObject(1, "cabinet", BOX, face, attributes={} if hidden is None else {"hidden_surface": hidden})
    b_pts = np.array([[0.6, 0.7, z] for z in np.linspace(0.3, 0.7, 5)])  # beside the unseen +x face
    b = GraphObject(2, "chair", Box3D([0.6, 0.7, 0.5], [0.05, 0.05, 0.4]), b_pts)
    return SceneGraph("s", Scale.INDOOR, True, [a, b], [], np.array([0.0, 0.0, 1.0]))


def test_a_gap_to_an_unseen_face_is_refused():
    hidden = hidden_surface(BOX, ["-y", "top"], [thumb(1.0)])
    g = _graph(hidden)
    gap = g.gap(1, 2)  # from the -y face's edge: about 0.57 m
    nearest = unseen_facing_gap(g.object(1), g.object(2))
    assert nearest is not None and nearest < 0.45  # the +x face, 0.4 m away, may hold the surface
    q = Question("absolute_distance", "numerical", "closest", objects=[1, 2])
    assert AbsoluteDistance().unseen_spread(q, g) == gap / nearest - 1.0 > 0.05


def test_without_hidden_faces_the_gap_stands():
    g = _graph(None)
    assert unseen_facing_gap(g.object(1), g.object(2)) is None
    q = Question("absolute_distance", "numerical", "closest", objects=[1, 2])
    assert AbsoluteDistance().unseen_spread(q, g) == 0.0


def test_gap_slack_brings_an_unseen_face_nearer():
    # existence reads gap_slack: the cabinet's unseen +x face may stand 0.4 m from the chair
    hidden = hidden_surface(BOX, ["-y", "top"], [thumb(1.0)])
    g = _graph(hidden)
    a, b = g.object(1), g.object(2)
    gap = g.gap(1, 2)
    near, far = gap_slack(a, b, gap)
    assert near == gap - unseen_facing_gap(a, b) > 0.1
    assert gap_slack(a, b) == (0.0, 0.0)  # without the measured gap, only the errors count
    assert gap_slack(_graph(None).object(1), b, gap) == (0.0, 0.0)
