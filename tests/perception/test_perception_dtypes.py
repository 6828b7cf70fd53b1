import numpy as np
import pytest

from spacevista.perception.depth import DepthAnythingMetric
from spacevista.perception.detection import GroundingDino, Owlv2, Thresholds
from spacevista.perception.tracking import Sam2Video

ZERO = Thresholds(0.0, 0.0)


def _video(n=2):
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (48, 64, 3), dtype=np.uint8) for _ in range(n)]


@pytest.mark.parametrize("name", ["depth-anything-metric", "grounding-dino", "owlv2", "sam2-video"])
def test_bfloat16_runs_and_returns_numpy(tiny_models, name):
    import torch

    path = tiny_models(name)
    fr = _video()
    if name == "depth-anything-metric":
        sp = DepthAnythingMetric(path, dtype="bfloat16")
        out = sp.predict(fr)
        assert out[0].depth.dtype == np.float32 and out[0].depth.shape == (48, 64)
    elif name == "grounding-dino":
        sp = GroundingDino(path, dtype="bfloat16", shortest_edge=64, thresholds=ZERO)
        assert len(sp.detect(fr, ["cup"])[0]) == 20
    elif name == "owlv2":
        sp = Owlv2(path, dtype="bfloat16", thresholds=ZERO)
        assert len(sp.detect(fr, ["cup"])) == 2
    else:
        sp = Sam2Video(path, dtype="bfloat16", mask_threshold=-1e9)
        out = sp.track(fr, {0: [(1, (5, 5, 30, 30))]})
        assert out[1][1].dtype == bool and out[1][1].shape == (48, 64)
    assert next(sp.model.parameters()).dtype == torch.bfloat16
    assert sp.provenance()["dtype"] == "bfloat16"
