"""A number the evidence cannot give to 5% is asked as a choice among options spaced wider apart
when that choice holds (``gates.choice_refusal``), rather than not at all; the item says so."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tasks"))
from relation_scenes import aa_box, box_points, build  # noqa: E402

from spacevista.engine.scene.gates import UNSEEN_PART  # noqa: E402
from spacevista.engine.scene.questions import generate_qa  # noqa: E402
from spacevista.evidence import Evidence  # noqa: E402
from spacevista.tasks.absolute_distance import AbsoluteDistance  # noqa: E402
from spacevista.tasks.base import Question  # noqa: E402


def _graph(position_error: float):
    g = build([(1, "cabinet", aa_box((0.0, 0.0, 0.5), (0.5, 0.5, 1.0)), box_points((0.0, 0.0, 0.5), (0.5, 0.5, 1.0))),
               (2, "chair", aa_box((2.0, 0.0, 0.5), (0.5, 0.5, 1.0)), box_points((2.0, 0.0, 0.5), (0.5, 0.5, 1.0), seed=1))])
    for o in g.objects:
        o.attributes["evidence"] = Evidence(views=6, clean_views=6, faces=["+x", "-x", "+y", "-y", "top"],
                                            extents=(True, True, True), azimuth_deg=360.0, valid_depth=1.0,
                                            reach=(1.0, 1.0, 1.0), position_error=position_error)
    g.metadata["depth_error"] = 0.05
    return g


def _numerical(monkeypatch):
    q = Question("absolute_distance", "numerical", "closest", objects=[1, 2])
    monkeypatch.setattr(AbsoluteDistance, "candidates", lambda self, graph, rng: iter([q]))
    return q


def test_a_distance_too_loose_to_write_is_asked_as_a_choice(monkeypatch):
    _numerical(monkeypatch)
    g = _graph(0.06)  # gap 1.5 m, off 0.12 m: 8% either way, inside the options' half spacing
    result = generate_qa(g, None, 0, ["absolute_distance"])
    assert len(result.records) == 1
    rec = result.records[0]
    assert rec.answer_type == "mc" and len(rec.options) >= 2
    assert rec.metadata["asked_as_choice"] is True
    assert not any(k.startswith("refused:") for k in result.dropped)


def test_a_distance_too_loose_for_a_choice_is_refused(monkeypatch):
    _numerical(monkeypatch)
    result = generate_qa(_graph(0.12), None, 0, ["absolute_distance"])  # 16%: past the half spacing
    assert result.records == []
    assert result.dropped[f"refused:absolute_distance:{UNSEEN_PART}"] == 1


def test_a_precise_distance_stays_a_number(monkeypatch):
    _numerical(monkeypatch)
    result = generate_qa(_graph(0.02), None, 0, ["absolute_distance"])
    assert len(result.records) == 1
    assert result.records[0].answer_type == "numerical"
    assert "asked_as_choice" not in result.records[0].metadata
    assert np.isfinite(result.records[0].metadata["interval"][0])
