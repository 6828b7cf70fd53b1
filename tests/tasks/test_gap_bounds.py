"""Gap comparisons settled by cheap bounds agree exactly with the exact gaps."""

import numpy as np
from relation_scenes import relation_room

from spacevista.geometry.distances import closest_distance, closest_upper_bound
from spacevista.tasks.common import gap_ceiling, gap_floor, gap_within, min_gap


def test_bounds_bracket_the_gap_and_comparisons_agree():
    g = relation_room()
    ref = relation_room()  # a second copy: exact gaps only, no shortcut shares its caches
    for a in g.objects:
        others = [o for o in g.objects if o.id != a.id]
        for b in others:
            exact = ref.gap(a.id, b.id)
            assert gap_floor(a, b) <= exact + 1e-12 and gap_ceiling(a, b) >= exact
            for r in (0.0, exact / 2, exact, exact * 1.0000001, 2 * exact + 0.01, 10.0):
                assert gap_within(g, a, b, r) == (exact <= r)
        assert min_gap(g, others, a) == min(ref.gap(o.id, a.id) for o in others)
    assert min_gap(g, [], g.objects[0]) == np.inf


def test_upper_bound_is_a_reached_distance():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(500, 3)), rng.normal(size=(700, 3)) + 3.0
    from scipy.spatial import cKDTree

    assert closest_upper_bound(a, cKDTree(b)) >= closest_distance(a, b)
