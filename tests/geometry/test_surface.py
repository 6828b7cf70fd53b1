"""Noisy surface points averaged with their neighbours: the surface stays, the noise goes, and the
closest distance between two noisy clouds is no longer set by their extreme points."""

import numpy as np

from spacevista.geometry.distances import closest_distance
from spacevista.geometry.surface import smooth_surface


def _plate(rng: np.random.Generator, x: float, sigma: float, n: int = 4000) -> np.ndarray:
    """A 0.4 x 0.4 m plate in the plane x = ``x``, its points scattered along x by ``sigma``."""
    yz = rng.uniform(-0.2, 0.2, (n, 2))
    return np.c_[x + rng.normal(0.0, sigma, n), yz]


def test_noise_across_the_surface_is_averaged_and_the_surface_stays():
    """Noise half the points' spacing (6 mm) drops to under a third; noise larger than the spacing
    less (the nearest neighbours are then partly those the noise put nearest), still to half."""
    rng = np.random.default_rng(0)
    for sigma, gain in ((0.003, 3.0), (0.01, 1.8)):
        plate = _plate(rng, 1.0, sigma)
        out = smooth_surface(plate)
        assert out.shape == plate.shape
        assert np.std(out[:, 0]) < np.std(plate[:, 0]) / gain
        assert abs(np.mean(out[:, 0]) - 1.0) < 1e-3


def test_the_gap_between_two_noisy_clouds_is_no_longer_short_by_their_extremes():
    rng = np.random.default_rng(1)
    a, b = _plate(rng, 0.0, 0.01), _plate(rng, 0.3, 0.01)
    raw = closest_distance(a, b)
    smoothed = closest_distance(smooth_surface(a), smooth_surface(b))
    assert raw < 0.3 - 0.04  # a few standard deviations of noise on each side
    assert abs(smoothed - 0.3) < abs(raw - 0.3) / 2


def test_a_cloud_too_small_to_average_is_kept():
    pts = np.random.default_rng(2).normal(size=(10, 3))
    assert np.array_equal(smooth_surface(pts, k=16), pts)
