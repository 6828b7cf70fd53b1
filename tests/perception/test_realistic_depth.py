"""Realistic depth errors: each source is present, where it should be, with its documented size."""

import numpy as np
import pytest
from scipy import ndimage

from spacevista.perception.realistic import DEPTH_STEP_M, DepthErrorState, RealisticConfig, realistic_depth
from spacevista.perception.realistic.depth import bilinear_matrix, disc_area
from spacevista.scene import Scale

OFF = RealisticConfig.all_off


def run_frames(depth, config, n, scale="indoor", seed=0, rgb=None):
    rng = np.random.default_rng(seed)
    state = DepthErrorState(scale)
    return [realistic_depth(depth, rgb, config, rng, state) for _ in range(n)]


def test_config_derives_sizes_from_depth_error_and_validates():
    c = RealisticConfig(depth_error=0.08)
    assert (c.scale_sigma, c.warp_amplitude, c.far_bias, c.noise_far) == pytest.approx((0.08, 0.04, 0.04, 0.016))
    assert RealisticConfig(depth_error=0.08, scale_sigma=0.2).scale_sigma == 0.2
    assert RealisticConfig(depth_error=0.0).scale_sigma == 0.0
    d = c.to_dict()
    assert d["depth_error"] == 0.08 and d["noise_far"] == pytest.approx(0.016) and d["pose_decimals"] == 4
    for bad, match in [({"depth_error": 0.6}, "depth_error"), ({"scale_rho": 1.0}, "scale_rho"),
                       ({"mask_boundary_px": 1.5}, "mask_boundary_px"), ({"pose_decimals": 0}, "pose_decimals"),
                       ({"fragment_rate": 2.0}, "fragment_rate"), ({"noise_far": 0.4}, "noise_far"),
                       ({"dark_threshold": 300.0}, "dark_threshold"), ({"depth_step": -1.0}, "depth_step")]:
        with pytest.raises(ValueError, match=match):
            RealisticConfig(**bad)


def test_all_off_returns_the_input_exactly():
    rng = np.random.default_rng(1)
    depth = rng.uniform(0.5, 30.0, (40, 50)).astype(np.float32)
    depth[0, :5] = 0.0
    depth[1, :5] = np.nan
    depth[2, :5] = np.inf
    rgb = np.zeros((40, 50, 3), np.uint8)  # all dark: would be holes if that source were on
    for out in run_frames(depth, OFF(), 3, rgb=rgb):
        assert out.dtype == np.float32 and np.array_equal(out, depth, equal_nan=True)


def test_frame_scale_is_lognormal_with_spread_e_and_correlated_over_frames():
    depth = np.full((6, 6), 2.0, np.float32)
    e = 0.05
    outs = run_frames(depth, OFF(scale_sigma=e), 4000)
    logs = np.array([np.log(o / depth) for o in outs])
    assert np.ptp(logs, axis=(1, 2)).max() < 1e-6  # one factor for the whole frame
    x = logs[:, 0, 0]
    assert np.std(x) == pytest.approx(e, rel=0.12)
    assert np.corrcoef(x[:-1], x[1:])[0, 1] == pytest.approx(0.8, abs=0.05)
    x0 = np.array([np.log(o[0, 0] / 2.0) for o in run_frames(depth, OFF(scale_sigma=e, scale_rho=0.0), 2000)])
    assert abs(np.corrcoef(x0[:-1], x0[1:])[0, 1]) < 0.08


def test_warp_is_smooth_bilinear_and_has_amplitude_e_over_two():
    depth = np.full((61, 61), 3.0, np.float32)
    amp = 0.025
    outs = run_frames(depth, OFF(warp_amplitude=amp, scale_rho=0.0), 400)
    logs = np.array([np.log(o.astype(np.float64) / 3.0) for o in outs])
    nodes = logs[:, ::20, ::20]  # 3 cells: nodes at pixels 0, 20, 40, 60
    assert nodes.shape[1:] == (4, 4) and np.std(nodes) == pytest.approx(amp, rel=0.1)
    # bilinear: the middle of a cell is the mean of its four nodes (float32 rounding aside)
    assert np.allclose(logs[:, 10, 10], nodes[:, :2, :2].mean(axis=(1, 2)), atol=1e-6)
    # smooth: neighbouring pixels differ by a small fraction of the warp's spread
    step = np.abs(np.diff(logs, axis=2)).mean()
    assert step < 0.1 * amp
    w = bilinear_matrix(7, 3)
    assert np.allclose(w.sum(axis=1), 1.0) and w[0, 0] == 1.0 and w[-1, -1] == 1.0


def test_far_bias_compresses_far_depth_and_grows_with_distance():
    far = 12.0  # indoor
    depth = np.linspace(0.5, 24.0, 48, dtype=np.float32).reshape(1, -1)
    out = run_frames(depth, OFF(far_bias=0.05), 1)[0].astype(np.float64)
    rel = out / depth - 1.0
    assert np.all(rel < 0) and np.all(np.diff(rel) < 0)  # under-estimates, more with distance
    assert np.all(np.diff(out) > 0)  # order is kept
    at_far = realistic_depth(np.array([[far]], np.float32), None, OFF(far_bias=0.05), np.random.default_rng(0),
                             DepthErrorState("indoor"))
    assert at_far[0, 0] / far - 1 == pytest.approx(-0.05 / 1.05, rel=1e-5)
    # a constant offset in inverse depth
    assert np.allclose(1 / out - 1 / depth, 0.05 / far, rtol=1e-4)


def test_noise_sigma_grows_with_depth_squared():
    depth = np.full((200, 200), 3.0, np.float32)
    depth[:, 100:] = 12.0
    out = run_frames(depth, OFF(noise_far=0.02), 1)[0]
    rel = out / depth - 1
    assert np.std(rel[:, 100:]) == pytest.approx(0.02, rel=0.05)  # at the far end of the range
    assert np.std(rel[:, :100]) == pytest.approx(0.005, rel=0.05)  # a quarter of the depth: a quarter of it
    abs_ratio = np.std(out[:, 100:] - 12.0) / np.std(out[:, :100] - 3.0)
    assert abs_ratio == pytest.approx(16.0, rel=0.1)  # absolute sigma ~ z^2


def test_flying_pixels_only_at_discontinuities_and_between_the_two_depths():
    depth = np.ones((80, 100), np.float32)
    depth[:, 50:] = 3.0
    depth[:, :30] = np.linspace(1.3, 1.0, 30, dtype=np.float32)  # a smooth slope (1% per pixel) never flies
    outs = run_frames(depth, OFF(flying_rate=0.5), 20)
    changed = np.array([o != depth for o in outs])
    cols = np.nonzero(changed.any(axis=(0, 1)))[0]
    assert set(cols.tolist()) == {49, 50}  # the 1 px band on each side of the step
    band = np.stack([o[:, 49:51] for o in outs])
    flown = band[changed[:, :, 49:51]]
    assert np.all((flown > 1.0) & (flown < 3.0))
    assert changed[:, :, 49:51].mean() == pytest.approx(0.5, abs=0.05)


def test_holes_on_dark_and_saturated_pixels_beyond_range_and_in_small_blobs():
    depth = np.full((30, 40), 4.0, np.float32)
    depth[20:, 30:] = 15.0  # beyond 1.0 x the indoor far end (12 m)
    depth[0, 0] = np.nan
    rgb = np.full((30, 40, 3), 128, np.uint8)
    rgb[:5, :8] = 5  # dark
    rgb[10:14, 10:20, 1] = 255  # one saturated channel: a specular highlight
    out = run_frames(depth, OFF(dark_threshold=16.0, saturated_threshold=250.0, max_range=1.0), 1, rgb=rgb)[0]
    expect = np.zeros(depth.shape, bool)
    expect[:5, :8] = True
    expect[10:14, 10:20] = True
    expect[20:, 30:] = True
    expect[0, 0] = False
    assert np.array_equal(out == 0, expect) and np.isnan(out[0, 0])
    assert np.array_equal(out[~expect & ~np.isnan(out)], depth[~expect & ~np.isnan(depth)])

    flat = np.full((100, 100), 4.0, np.float32)
    outs = run_frames(flat, OFF(hole_rate=0.01, hole_radius=2), 200)
    fractions = [(o == 0).mean() for o in outs]
    assert np.mean(fractions) == pytest.approx(0.01, rel=0.15)
    sizes = np.concatenate([np.bincount(ndimage.label(o == 0)[0].ravel())[1:] for o in outs[:20]])
    assert np.median(sizes) <= disc_area(2) and disc_area(1) == 5 and disc_area(2) == 13


def test_quantisation_steps():
    rng = np.random.default_rng(3)
    depth = rng.uniform(0.5, 5.0, (50, 50)).astype(np.float32)
    out = run_frames(depth, OFF(depth_step=0.001), 1)[0].astype(np.float64)
    assert np.allclose(out / 0.001, np.round(out / 0.001), atol=1e-3)
    assert np.abs(out - depth).max() <= 0.0005 + 1e-6
    tiny = rng.uniform(0.1, 0.3, (50, 50)).astype(np.float32)
    out = run_frames(tiny, OFF(depth_step=None), 1, scale="tiny")[0].astype(np.float64)
    assert DEPTH_STEP_M[Scale.TINY] == 1e-4
    assert np.allclose(out / 1e-4, np.round(out / 1e-4), atol=1e-2) and np.abs(out - tiny).max() > 1e-5


def test_errors_keep_their_streams_and_are_deterministic():
    rng = np.random.default_rng(4)
    depth = np.ones((40, 40), np.float32)
    depth[:, 20:] = 2.0
    depth += rng.uniform(0, 0.01, depth.shape).astype(np.float32)
    rgb = rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)
    a = run_frames(depth, RealisticConfig(), 5, rgb=rgb, seed=9)
    b = run_frames(depth, RealisticConfig(), 5, rgb=rgb, seed=9)
    assert all(x.tobytes() == y.tobytes() for x, y in zip(a, b))
    assert any(x.tobytes() != y.tobytes() for x, y in zip(a, run_frames(depth, RealisticConfig(), 5, rgb=rgb, seed=10)))
    # turning flying pixels off changes nothing but the pixels at the step
    c = run_frames(depth, RealisticConfig(flying_rate=0.0), 5, rgb=rgb, seed=9)
    away = np.ones(depth.shape, bool)
    away[:, 19:21] = False
    assert all(np.array_equal(x[away], y[away]) for x, y in zip(a, c))
    with pytest.raises(ValueError, match="does not match"):
        realistic_depth(depth, rgb[:10], RealisticConfig(), rng, DepthErrorState("indoor"))
