import numpy as np
import pytest

from spacevista.perception.video_depth import (align_video_depth, apply_scale_prior, fit_scale_shift,
                                               smooth_series)
from spacevista.scene import Scale


def _rel(rng, shape=(48, 64)):
    return rng.uniform(0.1, 1.0, size=shape)


@pytest.mark.parametrize("method", ["lsq", "huber", "ransac"])
def test_fit_exact(method):
    rng = np.random.default_rng(1)
    rel = _rel(rng)
    metric = 3.7 * rel + 0.42
    s, b = fit_scale_shift(rel, metric, method=method, rng=np.random.default_rng(0))
    assert abs(s - 3.7) < 1e-6 and abs(b - 0.42) < 1e-6


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fit_with_30pct_outliers(seed):
    rng = np.random.default_rng(seed)
    rel = _rel(rng)
    metric = 2.5 * rel + 0.8 + rng.normal(0, 0.002, rel.shape)
    out = rng.random(rel.shape) < 0.30
    metric[out] = rng.uniform(0.1, 20.0, out.sum())
    s, b = fit_scale_shift(rel, metric, rng=np.random.default_rng(0))
    assert abs(s / 2.5 - 1) < 0.01 and abs(b / 0.8 - 1) < 0.01
    # plain least squares is far off on the same data: the robust loss is what recovers it
    _, b_ls = fit_scale_shift(rel, metric, method="lsq")
    assert abs(b_ls / 0.8 - 1) > 0.5


def test_fit_ignores_invalid_and_masked():
    rng = np.random.default_rng(3)
    rel = _rel(rng)
    metric = 1.5 * rel + 0.1
    metric[:5] = 0.0
    metric[5:8] = np.nan
    mask = np.ones(rel.shape, bool)
    mask[10:20] = False
    metric[10:20] = 99.0
    s, b = fit_scale_shift(rel, metric, mask=mask, method="lsq")
    assert abs(s - 1.5) < 1e-9 and abs(b - 0.1) < 1e-9


def test_fit_errors():
    with pytest.raises(ValueError, match="shape"):
        fit_scale_shift(np.ones((2, 2)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="valid pixels"):
        fit_scale_shift(np.ones((2, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="constant"):
        fit_scale_shift(np.ones((4, 4)), np.full((4, 4), 2.0), method="lsq")
    with pytest.raises(ValueError, match="method"):
        fit_scale_shift(np.random.default_rng(0).random((4, 4)), np.ones((4, 4)), method="nope")


def test_align_video_smooths_flicker():
    rng = np.random.default_rng(4)
    T = 12
    rel = [_rel(rng, (24, 32)) for _ in range(T)]
    true_s, true_b = 2.0, 0.3
    flicker = 1 + 0.05 * rng.standard_normal(T)  # per-frame scale error of the metric model
    metric = [f * (true_s * r + true_b) for f, r in zip(flicker, rel)]
    out = align_video_depth(metric, rel, smooth_sigma=3.0)
    assert len(out.depth) == T and out.depth[0].dtype == np.float32
    assert np.allclose(out.raw_scales / true_s, flicker, atol=0.02)  # the raw fits see the flicker
    assert np.std(out.scales) < 0.5 * np.std(out.raw_scales)  # smoothing removes most of it
    truth = [true_s * r + true_b for r in rel]
    err_raw = np.mean([np.abs(m / t - 1).mean() for m, t in zip(metric, truth)])
    err_aligned = np.mean([np.abs(d / t - 1).mean() for d, t in zip(out.depth, truth)])
    assert err_aligned < err_raw


def test_align_single_frame_and_errors():
    rng = np.random.default_rng(5)
    r = _rel(rng, (8, 8))
    out = align_video_depth([4 * r + 1], [r])
    assert np.allclose(out.depth[0], 4 * r + 1, atol=1e-5)
    with pytest.raises(ValueError, match="disparity"):
        align_video_depth([1.0 / r], [r], method="lsq")
    with pytest.raises(ValueError, match="relative maps"):
        align_video_depth([r], [])


def test_smooth_series():
    v = np.array([1.0, 1.0, 5.0, 1.0, 1.0])
    assert np.allclose(smooth_series(v, 0), v)
    sm = smooth_series(v, 1.0)
    assert sm[2] < 5 and sm.sum() == pytest.approx(v.sum(), rel=0.2)
    assert np.allclose(smooth_series(np.full(6, 2.0), 2.0), 2.0)


def test_scale_prior():
    d = np.full((4, 4), 1.0, np.float32)  # a room-like 1 m for a millimetre scene
    out, f = apply_scale_prior(d, Scale.TINY)
    assert f == pytest.approx(0.5) and np.allclose(out, 0.5)
    out, f = apply_scale_prior(d, "indoor")
    assert f == 1.0 and np.allclose(out, d)
    out, f = apply_scale_prior(np.full((2, 2), 5.0), Scale.DRONE)
    assert np.allclose(out, 15.0)


def test_align_inverse_relative():
    rng = np.random.default_rng(6)
    depth = rng.uniform(0.5, 5.0, (16, 16))
    disparity_rel = 3.0 * (1.0 / depth) + 0.2  # what a relative disparity model gives, up to affinity
    out = align_video_depth([depth], [disparity_rel], inverse=True, method="lsq")
    assert np.allclose(out.depth[0], depth, rtol=1e-5)
