import numpy as np
import pytest

from spacevista.errors import ConfigError
from spacevista.perception import Tracker
from spacevista.perception.tracking import Sam2Video


def _video(n, h=48, w=64, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for _ in range(n)]


def test_sam2_video_many_frames(tiny_models):
    tr = Sam2Video(tiny_models("sam2-video"), mask_threshold=-1e9)  # random weights: keep every pixel
    assert isinstance(tr, Tracker)
    out = tr.track(_video(5), {0: [(3, (5, 5, 30, 30))], 2: [(8, (20, 10, 60, 40)), (3, (0, 0, 10, 10))]})
    assert len(out) == 5
    assert [sorted(o) for o in out] == [[3], [3], [3, 8], [3, 8], [3, 8]]  # 8 starts at its prompt frame
    for o in out:
        for m in o.values():
            assert m.shape == (48, 64) and m.dtype == bool


def test_sam2_video_length_one_and_threshold(tiny_models):
    tr = Sam2Video(tiny_models("sam2-video"), mask_threshold=-1e9)
    out = tr.track(_video(1), {0: [(1, (0, 0, 20, 20))]})
    assert len(out) == 1 and out[0][1].shape == (48, 64)
    # an impossible threshold leaves no mask: empty masks are not reported
    assert Sam2Video(tiny_models("sam2-video"), mask_threshold=1e9).track(_video(2), {0: [(1, (0, 0, 9, 9))]}) == [{}, {}]
    assert tr.track(_video(2), {}) == [{}, {}]


def test_sam2_masks_follow_logits(tiny_models):
    """At the median logit as threshold the mask is neither empty nor full."""
    import torch

    tr = Sam2Video(tiny_models("sam2-video"), mask_threshold=-1e9)
    frames = _video(2)
    tr.load()
    sess_logits = []

    orig = tr.model.propagate_in_video_iterator

    def spy(*a, **k):
        for res in orig(*a, **k):
            sess_logits.append(res.pred_masks.float().clone())
            yield res

    tr.model.propagate_in_video_iterator = spy
    tr.track(frames, {0: [(1, (0, 0, 20, 20))]})
    tr.mask_threshold = float(torch.median(sess_logits[0]))
    m = tr.track(frames, {0: [(1, (0, 0, 20, 20))]})[0][1]
    assert 0 < m.sum() < m.size


def test_sam2_errors(tiny_models):
    tr = Sam2Video(tiny_models("sam2-video"))
    with pytest.raises(ValueError, match="outside the video"):
        tr.track(_video(2), {5: [(1, (0, 0, 5, 5))]})
    with pytest.raises(ValueError, match="positive"):
        tr.track(_video(2), {0: [(0, (0, 0, 5, 5))]})
    with pytest.raises(ValueError, match="one size"):
        tr.track(_video(1) + _video(1, 40, 40), {0: [(1, (0, 0, 5, 5))]})
    with pytest.raises(ConfigError, match="expected sam2_video"):
        Sam2Video(tiny_models("owlv2")).load()
