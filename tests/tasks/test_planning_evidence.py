"""Manipulation plans are sized on the boxes of the objects they name: an object cut or hidden in
every view (a box seen only past the image border) is not planned for."""

import numpy as np

from spacevista.engine.scene.gates import CUT_OR_HIDDEN, evidence_refusal
from spacevista.evidence import Evidence
from spacevista.graph import Box3D, GraphObject, SceneGraph
from spacevista.scene import Scale
from spacevista.tasks.base import Question
from spacevista.tasks.manipulation_planning import ManipulationPlanning


def _graph(clean_views: int) -> SceneGraph:
    pts = np.zeros((4, 3))
    a = GraphObject(1, "box", Box3D([0.2, 0.0, 0.8], [0.15, 0.1, 0.07]), pts + [0.2, 0.0, 0.8],
                    attributes={"evidence": Evidence(views=5, clean_views=clean_views, reach=(2.0, 2.0, 1.0))})
    b = GraphObject(2, "book", Box3D([-0.1, 0.15, 0.8], [0.18, 0.11, 0.05]), pts + [-0.1, 0.15, 0.8],
                    attributes={"evidence": Evidence(views=5, clean_views=5)})
    return SceneGraph("s", Scale.TABLETOP, True, [a, b], [], np.array([0.0, 0.0, 1.0]))


def test_an_object_never_seen_whole_is_not_planned_for():
    q = Question("manipulation_planning", "mc", "move", objects=[1, 2])
    assert evidence_refusal(ManipulationPlanning(), q, _graph(0)) == CUT_OR_HIDDEN
    assert evidence_refusal(ManipulationPlanning(), q, _graph(3)) is None
