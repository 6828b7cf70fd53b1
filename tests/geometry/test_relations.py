import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tasks"))
from relation_scenes import (RELATIONS, aa_box, box_points, cyl_box, cylinder_points,  # noqa: E402
                             relation_room)

from spacevista.geometry import relations as rel  # noqa: E402


def _obj(g, oid):
    o = g.object(oid)
    return o.box, o.points


def margins(g, a, b):
    (ba, pa), (bb, pb) = _obj(g, a), _obj(g, b)
    return rel.pair_margins(ba, pa, bb, pb, same_kind=g.object(a).category == g.object(b).category)


@pytest.mark.parametrize("label,a,b", RELATIONS)
def test_each_built_relation_is_the_clear_label(label, a, b):
    g = relation_room()
    m = margins(g, a, b)
    assert rel.classify_pair(m) == label, m
    assert rel.clear_label(m, 0.2) == label, m


@pytest.mark.parametrize("label,a,b", [r for r in RELATIONS if r[0] != "adhesion"])
def test_reversed_pair_is_not_the_same_relation(label, a, b):
    g = relation_room()
    m = margins(g, b, a)
    assert m[label] < 0, (label, m)


def test_adhesion_is_symmetric():
    g = relation_room()
    assert rel.classify_pair(margins(g, 10, 11)) == "adhesion"


def test_unrelated_pairs_have_no_relation():
    g = relation_room()
    # (6, 7): the cup surrounds the pen, but that is the plug-in read backwards
    for a, b in [(1, 8), (2, 3), (5, 10), (6, 1), (9, 10), (6, 7)]:
        assert rel.classify_pair(margins(g, a, b)) == "none", (a, b, margins(g, a, b))


def test_picture_hangs_and_table_stands():
    g = relation_room()
    others = lambda oid: [o.points for o in g.objects if o.id != oid]  # noqa: E731
    pic, table, mug = g.object(5), g.object(1), g.object(2)
    assert rel.hanging(pic.box, pic.points, 0.0, others(5)).margin == pytest.approx(1.0)
    assert rel.hanging(table.box, table.points, 0.0, others(1)).margin <= -0.5
    # the mug is above the floor but the table bears it: not hanging
    assert rel.hanging(mug.box, mug.points, 0.0, others(2)).margin <= -0.5
    # ... even when the table top right under the mug was never seen
    tp = table.points
    seen = ~((np.abs(tp[:, 0] - 0.2) < 0.06) & (np.abs(tp[:, 1] - 0.1) < 0.06) & (tp[:, 2] > 0.74))
    rest = [o.points for o in g.objects if o.id not in (1, 2)] + [tp[seen]]
    assert rel.hanging(mug.box, mug.points, 0.0, rest).margin <= -0.5
    assert rel.on_floor(table.box, 0.0).margin == pytest.approx(1.0)
    assert rel.on_floor(pic.box, 0.0).margin < -0.5


def test_support_needs_contact_and_overlap():
    table = aa_box((0, 0, 0.375), (1.2, 0.8, 0.75))
    tp = box_points((0, 0, 0.375), (1.2, 0.8, 0.75), 2000, 1)
    # floating 10 cm above the table: no contact
    mug = cyl_box((0.2, 0.1), 0.05, 0.85, 0.95)
    mp = cylinder_points((0.2, 0.1), 0.05, 0.85, 0.95)
    assert rel.support(mug, mp, table, tp).margin < -0.5
    # beside the table on the floor: no overlap, and contact only at the table's base
    box = aa_box((1.0, 0, 0.2), (0.3, 0.3, 0.4))
    assert rel.support(box, box_points((1.0, 0, 0.2), (0.3, 0.3, 0.4)), table, tp).margin < 0
    # a chair pushed under the table touches only the table's feet level
    chair = aa_box((0, 0, 0.3), (0.4, 0.4, 0.6))
    assert rel.support(chair, box_points((0, 0, 0.3), (0.4, 0.4, 0.6)), table, tp).margin < 0


def test_support_holds_when_the_contact_is_hidden():
    """Lifted clouds never see the table right under the mug nor the mug's bottom."""
    table = aa_box((0, 0, 0.375), (1.2, 0.8, 0.75))
    tp = box_points((0, 0, 0.375), (1.2, 0.8, 0.75), 3000, 1, skip_bottom=True)
    mug = cyl_box((0.2, 0.1), 0.05, 0.75, 0.85)
    hidden = (np.hypot(tp[:, 0] - 0.2, tp[:, 1] - 0.1) < 0.055) & (tp[:, 2] > 0.74)
    mp = cylinder_points((0.2, 0.1), 0.05, 0.75, 0.85, bottom=False)
    assert rel.support(mug, mp, table, tp[~hidden]).margin > 0.5


def test_adhesion_needs_touching():
    a = aa_box((0, 0, 0.5), (0.8, 0.5, 1.0))
    pa = box_points((0, 0, 0.5), (0.8, 0.5, 1.0), 1500, 1)
    b_touch = aa_box((0.8, 0, 0.5), (0.8, 0.5, 1.0))
    b_gap = aa_box((1.0, 0, 0.5), (0.8, 0.5, 1.0))
    assert rel.adhesion(a, pa, b_touch, box_points((0.8, 0, 0.5), (0.8, 0.5, 1.0), 1500, 2)).margin > 0.5
    assert rel.adhesion(a, pa, b_gap, box_points((1.0, 0, 0.5), (0.8, 0.5, 1.0), 1500, 2)).margin < -0.5


def test_half_ring_does_not_encircle():
    tree = cyl_box((0, 0), 0.2, 0, 3)
    tp = cylinder_points((0, 0), 0.2, 0, 3)
    ring = cylinder_points((0, 0), 1.0, 0, 0.8, 2000, bottom=False)
    half = ring[ring[:, 1] > 0]
    assert rel.encircling(cyl_box((0, 0), 1.0, 0, 0.8), ring, tree, tp).margin > 0.5
    assert rel.encircling(aa_box((0, 0.5, 0.4), (2.0, 1.0, 0.8)), half, tree, tp).margin < 0


def test_ring_around_flat_field_encircles_without_plug_in():
    """A running track around a sports field, both flat on the ground: encircling, and the field is
    not plugged into the track (the track has no floor under it)."""
    rng = np.random.default_rng(0)
    field = aa_box((0, 0, 0.05), (60, 30, 0.1))
    fp = np.column_stack([rng.uniform(-30, 30, 3000), rng.uniform(-15, 15, 3000), np.full(3000, 0.1)])
    ang = rng.uniform(-np.pi, np.pi, 4000)
    rad = rng.uniform(1.0, 1.25, 4000)
    tp = np.column_stack([36 * rad * np.cos(ang), 20 * rad * np.sin(ang), np.full(4000, 0.1)])
    track = aa_box((0, 0, 0.05), (90, 50, 0.1))
    m = rel.pair_margins(track, tp, field, fp, same_kind=False)
    assert rel.clear_label(m, 0.2) == "encircling", m
    assert rel.classify_pair(rel.pair_margins(field, fp, track, tp, same_kind=False)) == "none"


def test_object_on_open_shelf_is_not_plugged_in():
    """A box on a shelf inside a bookcase lies inside the bookcase's box, but the bookcase does not
    surround it (open front): support, not plug-in."""
    # bookcase: back panel, two sides, bottom shelf at z = 0.4
    parts = [box_points((0, 0.18, 0.5), (0.8, 0.04, 1.0), 800, 1), box_points((-0.38, 0, 0.5), (0.04, 0.4, 1.0), 600, 2),
             box_points((0.38, 0, 0.5), (0.04, 0.4, 1.0), 600, 3), box_points((0, 0, 0.39), (0.8, 0.4, 0.02), 600, 4)]
    case, cp = aa_box((0, 0, 0.5), (0.8, 0.4, 1.0)), np.concatenate(parts)
    item = aa_box((0, -0.05, 0.5), (0.2, 0.2, 0.2))
    ip = box_points((0, -0.05, 0.5), (0.2, 0.2, 0.2))
    assert rel.plug_in(item, ip, case, cp).margin < 0
    assert rel.support(item, ip, case, cp).margin > 0


def test_geometry_helpers():
    a = aa_box((0, 0, 0.5), (2, 2, 1))
    b = aa_box((1, 1, 1.0), (2, 2, 1))
    assert rel.footprint_overlap(a, b) == pytest.approx(1.0)
    assert rel.inside_fraction(a, b) == pytest.approx(0.125)
    rot = type(a)((0, 0, 0.5), (2, 2, 1), np.pi / 4)
    assert rel.footprint_overlap(rot, a) == pytest.approx(8 * (np.sqrt(2) - 1), rel=1e-6)
    assert rel.angular_coverage(np.array([[1.0, 0.0], [-1.0, 0.0]]), np.zeros(2)) == pytest.approx(2 / 36)
    assert rel.closest_distance(np.zeros((1, 3)), np.ones((1, 3))) == pytest.approx(np.sqrt(3))
