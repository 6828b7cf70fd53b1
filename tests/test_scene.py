import numpy as np
import pytest

from spacevista.errors import SceneError
from spacevista.records import QARecord
from spacevista.scene import Camera, Scale, Scene


def test_scale_parse_and_units():
    assert Scale.parse("TinyTabletop") is Scale.TINY
    assert Scale.parse("drone").official_category == "Outdoor"
    assert Scale.TABLETOP.unit == "cm"
    with pytest.raises(ValueError):
        Scale.parse("galaxy")


def test_camera_validation():
    cam = Camera.from_fov(640, 480, 90)
    assert cam.fx == pytest.approx(320)
    with pytest.raises(ValueError):
        Camera(np.eye(2), 10, 10)
    with pytest.raises(ValueError):
        Camera(np.diag([-1.0, 1.0, 1.0]), 10, 10)


def test_scene_up_must_have_direction():
    with pytest.raises(SceneError, match="s1"):
        Scene("s1", "indoor", [], up=[0, 0, 0])


def test_record_validates_mc_answer():
    with pytest.raises(ValueError):
        QARecord(id="x", scene_id="s", source="synth", scale="tiny", category="TinyTabletop",
                 task="t", answer_type="mc", question="q", answer="E", options=["a", "b"])
    r = QARecord(id="x", scene_id="s", source="synth", scale="tiny", category="TinyTabletop",
                 task="t", answer_type="mc", question="q", answer="B", options=["a", "b"])
    assert r.option_text == "b"
    assert QARecord.from_dict(r.to_dict()) == r
