"""The shortcuts taken for speed give exactly (==) what the full predicates give."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tasks"))
from relation_scenes import relation_room  # noqa: E402

from spacevista.geometry import relations as rel  # noqa: E402
from spacevista.geometry.polygons import clip_convex, polygon_area  # noqa: E402
from spacevista.graph import Box3D  # noqa: E402
from spacevista.tasks import spatial_relation as sr  # noqa: E402


def _random_boxes(n: int, seed: int) -> list[tuple[Box3D, np.ndarray]]:
    """Boxes of mixed sizes and yaws, crowded so that many pairs touch, nest or overlap."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        size = rng.uniform(0.1, 2.0, 3)
        center = np.array([*rng.uniform(-1.5, 1.5, 2), size[2] / 2 + rng.choice([0.0, rng.uniform(0, 1.5)])])
        box = Box3D(center, size, float(rng.uniform(-np.pi, np.pi)))
        local = rng.uniform(-0.5, 0.5, (300, 3)) * size
        c, s = np.cos(box.yaw), np.sin(box.yaw)
        pts = local @ np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]]).T + center
        out.append((box, pts))
    return out


def _old_pair_margins(a, pa, b, pb, same_kind):
    """The pair margins as first written: every predicate computed in full."""
    sup = rel.support(a, pa, b, pb).margin
    enc = min(rel.encircling(a, pa, b, pb).margin, -rel.plug_in(b, pb, a, pa).margin)
    return {"plug-in": rel.plug_in(a, pa, b, pb).margin, "encircling": enc,
            "stacking": sup if same_kind else -1.0, "support": -1.0 if same_kind else sup,
            "adhesion": rel.adhesion(a, pa, b, pb).margin}


@pytest.mark.parametrize("seed", [0, 1])
def test_margin_shortcuts_equal_full_predicates(seed):
    objs = _random_boxes(12, seed)
    for i, (a, pa) in enumerate(objs):
        for j, (b, pb) in enumerate(objs):
            if i == j:
                continue
            assert rel.support_margin(a, pa, b, pb) == rel.support(a, pa, b, pb).margin
            assert rel.plug_in_margin(a, pa, b, pb) == rel.plug_in(a, pa, b, pb).margin
            assert rel.encircling_margin(a, pa, b, pb) == rel.encircling(a, pa, b, pb).margin
            assert rel.adhesion_margin(a, pa, b, pb) == rel.adhesion(a, pa, b, pb).margin
            sep = np.maximum(pa.min(0), pb.min(0)) - np.minimum(pa.max(0), pb.max(0))
            floor = float(np.linalg.norm(np.clip(sep, 0, None)))
            fast = rel.pair_margins(a, pa, b, pb, i % 2 == 0, distance=lambda: rel.closest_distance(pa, pb),
                                    distance_floor=floor)
            assert fast == _old_pair_margins(a, pa, b, pb, i % 2 == 0)


def test_footprint_overlap_shortcut_and_reach_test():
    objs = _random_boxes(20, 3)
    disjoint = 0
    for a, pa in objs:
        for b, pb in objs:
            full = polygon_area(clip_convex(rel.footprint(a), rel.footprint(b)))
            assert rel.footprint_overlap(a, b) == full
            disjoint += full == 0.0
            for grow in (0.0, 0.3):
                if not rel.may_reach_footprint(a, pb.min(0), pb.max(0), grow=grow):
                    assert not rel.in_footprint(a, pb, grow=grow).any()
    assert disjoint > 0  # the shortcut was exercised


def test_task_margins_equal_first_formulation():
    g = relation_room()
    for a in g.objects:
        others = [o for o in g.objects if o.id != a.id]
        place = sr.placement_margins(g, a)
        assert place == {
            "hanging": rel.hanging(a.box, a.points, g.floor_z, [o.points for o in others]).margin,
            "floor": rel.on_floor(a.box, g.floor_z).margin,
            "on_object": max(rel.support(a.box, a.points, o.box, o.points).margin for o in others),
            "inside": max(rel.plug_in(a.box, a.points, o.box, o.points).margin for o in others)}
        for b in others:
            assert sr.pair_margins(g, a, b) == _old_pair_margins(a.box, a.points, b.box, b.points,
                                                                 a.category == b.category)
    # asked again, the graph answers from its memo
    n = len(g._memo)
    sr.pair_margins(g, g.objects[0], g.objects[1])
    assert len(g._memo) == n


def test_graph_memo_computes_once():
    g = relation_room()
    calls = []
    assert g.memo("k", lambda: calls.append(1) or 5) == 5
    assert g.memo("k", lambda: calls.append(1) or 6) == 5
    assert calls == [1]


@pytest.mark.parametrize("seed", range(4))
def test_closest_distance_is_the_smallest_nearest_neighbour_distance(seed):
    """Pruning never changes the value: it equals the unpruned minimum over every point of a."""
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(seed)
    for offset in (0.0, 0.3, 2.0, 1e3):
        # a thin diagonal rod and a blob: bounding boxes are a poor fit, so pruning is tested hard
        t = rng.uniform(0, 1, (400, 1))
        a = np.hstack([t, t, 0.5 * t]) + rng.normal(scale=0.01, size=(400, 3)) + offset
        b = rng.normal(scale=0.3, size=(900, 3)) + np.array([0.8, 0.1, 0.2])
        tree = cKDTree(b)
        full = float(tree.query(a, k=1)[0].min())
        assert rel.closest_distance(a, b, tree_b=tree) == full
        assert rel.closest_distance(a, b) == full
