"""A recovered scale's uncertainty widens the interval of every numerical answer, with the depth error."""

import math

import numpy as np
import pytest

from spacevista.engine.scene.gates import relative_error
from spacevista.engine.scene.metric_scale import RECOVERY
from spacevista.engine.scene.pipeline import process_scene
from spacevista.graph import SceneGraph
from spacevista.scene import Scale
from spacevista.synth.generate import generate_scene

LENGTHS = {"mm", "cm", "m", "km"}


def _graph(**metadata) -> SceneGraph:
    return SceneGraph("g", Scale.TABLETOP, True, [], [], np.array([0.0, 0.0, 1.0]), metadata=metadata)


def test_the_scale_sigma_adds_in_quadrature_to_the_depth_error():
    assert relative_error(_graph(depth_error=0.05, scale_sigma=0.03)) == pytest.approx(math.hypot(0.05, 0.03))
    assert relative_error(_graph(scale_sigma=0.02)) == pytest.approx(0.02)
    # without a recovered scale the depth error is kept bit for bit (the demo's intervals do not move)
    for err in (0.1, 0.07, 0.01):
        assert relative_error(_graph(depth_error=err)) == err
    assert relative_error(_graph()) == 0.0


def test_a_recovered_scale_widens_the_intervals_of_length_answers(tmp_path):
    scene = generate_scene("tabletop", 1, n_frames=6, width=96, height=72)
    plain = process_scene(scene, tmp_path / "a", 0)
    scene.metadata[RECOVERY] = {"applied": True, "sigma": 0.04}  # lengths hold (4% <= 5%), areas do not
    scaled = process_scene(scene, tmp_path / "b", 0)
    before = {r.id: r for r in plain.records if r.unit in LENGTHS and "interval" in r.metadata}
    after = {r.id: r for r in scaled.records if r.id in before}
    assert after, "length answers must still be asked under a 4% scale uncertainty"
    for rid, r in after.items():
        lo0, hi0 = before[rid].metadata["interval"]
        lo, hi = r.metadata["interval"]
        assert lo < lo0 and hi > hi0
        # the rendered depth is exact here: the interval's lower end is the answer less 4%
        assert lo == pytest.approx(lo0 * 0.96, rel=1e-4, abs=1e-6)
    # an area moves twice as much as the scale (8% > 5%): refused by the gate
    assert not [r for r in scaled.records if r.unit in {"mm2", "cm2", "m2", "mm3", "cm3", "m3"}]


def test_the_synthetic_depth_specialist_states_its_error():
    from spacevista.engine.scene.gates import DEPTH_ERROR, depth_error_of
    from spacevista.perception.synthetic import SyntheticSpecialist

    prov = {"model": SyntheticSpecialist(depth_error=0.05).provenance()}
    assert depth_error_of({"perception": {"depth": prov}}) == 0.05
    assert depth_error_of({"perception": {"depth": {"model": {"name": "depth-pro"}}}}) == DEPTH_ERROR["model"]
