"""Checked unit vectors."""

import numpy as np
import pytest

from spacevista.geometry.vectors import unit_vector


def test_unit_vector_keeps_the_direction():
    v = unit_vector([3.0, 0.0, -4.0], "v")
    np.testing.assert_allclose(v, [0.6, 0.0, -0.8])
    assert np.linalg.norm(unit_vector([1e-9, 2e-9, 0.0], "v")) == pytest.approx(1.0)


@pytest.mark.parametrize("bad", [[0.0, 0.0, 0.0], [1e-13, 0.0, 0.0], [np.nan, 1.0, 0.0], [np.inf, 0.0, 0.0]])
def test_unit_vector_names_what_is_wrong(bad):
    with pytest.raises(ValueError, match="up must be a finite non-zero vector"):
        unit_vector(bad, "up")


def test_unit_vector_needs_three_components():
    with pytest.raises(ValueError):
        unit_vector([1.0, 0.0], "v")
