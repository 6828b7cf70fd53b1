import json

import numpy as np
import pytest

from spacevista.errors import ConfigError
from spacevista.perception import SPECIALISTS, DepthSpecialist, RelativeDepthSpecialist
from spacevista.perception.depth import DepthAnythingMetric, DepthAnythingRelative, DepthPro, keep_aspect_size


def _images(n, h=30, w=40, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for _ in range(n)]


def test_registry_lists_depth_specialists():
    names = SPECIALISTS.names()
    for n in ("depth-pro", "depth-anything-metric", "depth-anything-relative"):
        assert n in names
    assert SPECIALISTS.get("depth-pro") is DepthPro


def test_constructor_reads_nothing(tmp_path):
    sp = DepthPro(tmp_path / "missing")  # no error: nothing is read before load()
    with pytest.raises(ConfigError, match="does not exist"):
        sp.load()
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="config.json"):
        DepthPro(tmp_path / "empty").load()
    with pytest.raises(ConfigError, match="dtype"):
        DepthPro(tmp_path, dtype="int8")


def test_wrong_model_type_is_refused(tiny_models):
    with pytest.raises(ConfigError, match="'depth_anything' model, expected depth_pro"):
        DepthPro(tiny_models("depth-anything-metric")).load()
    with pytest.raises(ConfigError, match="'relative' Depth Anything"):
        DepthAnythingMetric(tiny_models("depth-anything-relative")).load()


def test_cuda_unavailable_is_clear(tiny_models):
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA present")
    with pytest.raises(ConfigError, match="CUDA is not available"):
        DepthPro(tiny_models("depth-pro"), device="cuda").load()


def test_depth_pro_shapes_batching_and_focal(tiny_models):
    sp = DepthPro(tiny_models("depth-pro"), batch_size=2)
    assert isinstance(sp, DepthSpecialist)
    imgs = _images(3) + _images(1, 24, 32, seed=1)  # two shapes, batches of 2
    preds = sp.predict(imgs)
    assert [p.depth.shape for p in preds] == [(30, 40)] * 3 + [(24, 32)]
    assert all(p.depth.dtype == np.float32 and np.all(p.depth > 0) for p in preds)
    assert all(p.focal_px is not None and p.focal_px > 0 for p in preds)
    # batching does not change the result
    single = DepthPro(tiny_models("depth-pro"), batch_size=1).predict(imgs[:3])
    for a, b in zip(preds, single):
        # float32 kernels differ with the batch shape; depth is 1/inverse depth, so far pixels amplify it
        assert np.allclose(a.depth, b.depth, rtol=1e-3)
    # a known focal length replaces the FOV estimate: depth scales with it
    d1 = sp.predict(imgs[:1], focal_px=[50.0])[0]
    d2 = sp.predict(imgs[:1], focal_px=[100.0])[0]
    ok = (d1.depth < 1e3) & (d2.depth < 1e3) & (d1.depth > 1e-3)  # away from the inverse-depth clamp
    assert d1.focal_px == 50.0 and ok.mean() > 0.5
    assert np.allclose(d2.depth[ok], 2 * d1.depth[ok], rtol=1e-4)
    prov = sp.provenance()
    assert prov["name"] == "depth-pro" and len(prov["config_hash"]) == 16
    assert prov["config_hash"] != DepthAnythingMetric(tiny_models("depth-anything-metric")).provenance()["config_hash"]


def test_depth_pro_bf16(tiny_models):
    sp = DepthPro(tiny_models("depth-pro"), dtype="bfloat16")
    p = sp.predict(_images(1))[0]
    assert p.depth.dtype == np.float32 and p.depth.shape == (30, 40)
    assert next(sp.model.parameters()).dtype.__str__() == "torch.bfloat16"


def test_depth_anything_metric_and_relative(tiny_models):
    sp = DepthAnythingMetric(tiny_models("depth-anything-metric"), batch_size=3)
    preds = sp.predict(_images(4), focal_px=[60.0] * 4)
    assert [p.depth.shape for p in preds] == [(30, 40)] * 4
    assert all(np.all((p.depth >= 0) & (p.depth <= 20.0)) for p in preds)  # max_depth * sigmoid
    one = DepthAnythingMetric(tiny_models("depth-anything-metric"), batch_size=1).predict(_images(4))
    assert all(np.allclose(a.depth, b.depth, atol=1e-5) for a, b in zip(preds, one))
    rel = DepthAnythingRelative(tiny_models("depth-anything-relative"))
    assert isinstance(rel, RelativeDepthSpecialist) and rel.inverse
    for n in (1, 5):
        out = rel.predict_video(_images(n, seed=n))
        assert len(out) == n and out[0].shape == (30, 40) and out[0].dtype == np.float32


def test_input_checks(tiny_models):
    sp = DepthPro(tiny_models("depth-pro"))
    with pytest.raises(ValueError, match="uint8"):
        sp.predict([np.zeros((10, 10), np.uint8)])
    with pytest.raises(ValueError, match="focal"):
        sp.predict(_images(2), focal_px=[1.0])


def test_keep_aspect_size():
    assert keep_aspect_size(480, 640, 518, 14) == (518, 686)
    assert keep_aspect_size(30, 40, 56, 14) == (42, 56)


def test_saved_config_names_type(tiny_models):
    cfg = json.loads((tiny_models("depth-pro") / "config.json").read_text())
    assert cfg["model_type"] == "depth_pro" and cfg["use_fov_model"] is True
