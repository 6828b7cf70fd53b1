import numpy as np
import pytest

from spacevista.errors import ConfigError
from spacevista.perception import SPECIALISTS, Detector
from spacevista.perception.detection import THRESHOLDS, GroundingDino, Owlv2, Thresholds
from spacevista.perception.tiny import bert_tokenizer
from spacevista.scene import Scale

ZERO = Thresholds(0.0, 0.0)


def _images(n, h=48, w=64, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for _ in range(n)]


def test_paper_thresholds():
    assert THRESHOLDS[Scale.TABLETOP] == Thresholds(0.4, 0.4, 0.0)
    assert THRESHOLDS[Scale.OUTDOOR] == Thresholds(0.3, 0.3, 32.0)
    assert THRESHOLDS[Scale.DRONE].min_box_px == 32.0
    assert SPECIALISTS.get("grounding-dino") is GroundingDino and SPECIALISTS.get("owlv2") is Owlv2


def test_tokenizer_in_memory():
    tok = bert_tokenizer()
    enc = tok("Cup. bowl.")
    assert tok.convert_ids_to_tokens(enc["input_ids"]) == ["[CLS]", "cup", ".", "bowl", ".", "[SEP]"]


def test_grounding_dino_end_to_end(tiny_models):
    det = GroundingDino(tiny_models("grounding-dino"), shortest_edge=64, thresholds=ZERO, batch_size=2)
    assert isinstance(det, Detector)
    imgs = _images(3) + _images(1, 40, 40, seed=2)
    out = det.detect(imgs, ["cup", "Bowl"])
    assert len(out) == 4
    assert all(len(o) == 20 for o in out)  # every query passes a zero threshold
    for i, dets in enumerate(out):
        h, w = imgs[i].shape[:2]
        for d in dets:
            x1, y1, x2, y2 = d.box
            assert 0 <= x1 <= x2 <= w and 0 <= y1 <= y2 <= h
            assert d.label in ("cup", "bowl") and 0 <= d.score <= 1 and d.frame == i
        assert [d.score for d in dets] == sorted((d.score for d in dets), reverse=True)
    # batching does not change the result
    single = GroundingDino(tiny_models("grounding-dino"), shortest_edge=64, thresholds=ZERO, batch_size=1)
    one = single.detect(imgs[:2], ["cup", "bowl"])
    assert np.allclose(np.array([d.box for d in one[1]]), np.array([d.box for d in out[1]]), atol=1e-3)
    # thresholds and the outdoor minimum size act
    strict = GroundingDino(tiny_models("grounding-dino"), shortest_edge=64, thresholds=Thresholds(1.0, 1.0))
    assert strict.detect(imgs[:1], ["cup"]) == [[]]
    outdoor = GroundingDino(tiny_models("grounding-dino"), shortest_edge=64,
                            thresholds=Thresholds(0.0, 0.0, 32.0))
    for d in outdoor.detect(imgs[:1], ["cup"])[0]:
        assert min(d.box[2] - d.box[0], d.box[3] - d.box[1]) >= 32
    assert det.provenance()["thresholds"] == {"box": 0.0, "text": 0.0, "min_box_px": 0.0}


def test_grounding_dino_resize_rule(tmp_path):
    det = GroundingDino(tmp_path)
    assert det.resized(480, 640) == (800, 1066)
    assert det.resized(100, 1000) == (133, 1330)  # the processor truncates the long side


def test_owlv2_end_to_end(tiny_models):
    det = Owlv2(tiny_models("owlv2"), thresholds=ZERO, batch_size=2)
    imgs = _images(3) + _images(1, 64, 32, seed=3)
    out = det.detect(imgs, ["car", "tree", "person"])
    assert len(out) == 4 and sum(len(o) for o in out) > 0
    for i, dets in enumerate(out):
        h, w = imgs[i].shape[:2]
        for d in dets:
            assert d.label in ("car", "tree", "person") and d.frame == i
            assert 0 <= d.box[0] <= d.box[2] <= w and 0 <= d.box[1] <= d.box[3] <= h
    one = Owlv2(tiny_models("owlv2"), thresholds=ZERO, batch_size=1).detect(imgs[2:3], ["car", "tree", "person"])
    assert [d.score for d in one[0]] == pytest.approx([d.score for d in out[2]], abs=1e-5)


def test_detector_errors(tiny_models):
    det = GroundingDino(tiny_models("grounding-dino"), shortest_edge=64)
    with pytest.raises(ValueError, match="categories"):
        det.detect(_images(1), [])
    with pytest.raises(ValueError, match="'.'"):
        det.detect(_images(1), ["a.b"])
    with pytest.raises(ConfigError, match="expected owlv2"):
        Owlv2(tiny_models("grounding-dino")).load()
