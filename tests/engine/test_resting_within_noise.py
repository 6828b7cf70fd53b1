"""Depth noise widens every box: a mug resting on a book comes out sunk into it by about a
centimetre, and the book's box top then stands above the mug's bottom. The surface it rests on is
still found (its bottom is measured), while a pen whose visible part ends at its mug's rim is not
taken for resting there; on estimated input a "rests on" pair is asked when the mug's height over
the book, plus what its outline error could close, stays inside the support tolerance."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tasks"))
from relation_scenes import aa_box, box_points, build, cyl_box, cylinder_points  # noqa: E402

from spacevista.evidence import Evidence, box_noise_sink, support_below  # noqa: E402
from spacevista.geometry.relations import rests_on_surface  # noqa: E402
from spacevista.scene import Scale  # noqa: E402
from spacevista.tasks.base import Question  # noqa: E402
from spacevista.tasks.spatial_relation import SpatialRelation  # noqa: E402

SINK = 0.008


def _book_and_mug(sink: float = SINK):
    book_box = aa_box((0.0, 0.0, 0.025), (0.2, 0.14, 0.05))
    book = box_points((0.0, 0.0, 0.025), (0.2, 0.14, 0.05), n=6000, skip_bottom=True)
    book = book[~((np.hypot(book[:, 0] - 0.03, book[:, 1]) < 0.04) & (book[:, 2] > 0.049))]
    z0 = 0.05 - sink
    mug_box = cyl_box((0.03, 0.0), 0.04, z0, z0 + 0.1)
    mug = cylinder_points((0.03, 0.0), 0.04, z0, z0 + 0.1, n=3000, bottom=False)
    return (book_box, book), (mug_box, mug)


def _graph(sink: float = SINK):
    (book_box, book), (mug_box, mug) = _book_and_mug(sink)
    return build([(1, "book", book_box, book), (2, "mug", mug_box, mug)], scale=Scale.TABLETOP)


def _noise(z_noise: float) -> Evidence:
    return Evidence(views=4, clean_views=4, axis_noise=(0.0, 0.0, z_noise))


def test_a_box_sunk_into_by_noise_is_the_surface_below():
    g = _graph()
    mug = g.object(2)
    assert support_below(mug, g.objects, floor_z=0.0) == 0.0  # the book's top stands above its bottom
    sink = box_noise_sink(_noise(0.01), _noise(0.01))
    assert sink == 0.01
    assert support_below(mug, g.objects, 0.0, sink=lambda other: sink) == mug.box.bottom
    # sunk further than the noise allows: the book is no surface under it
    assert support_below(mug, g.objects, 0.0, sink=lambda other: 0.005) == 0.0


def test_a_rim_is_not_a_surface_to_rest_on():
    mug_box = cyl_box((0.0, 0.0), 0.04, 0.0, 0.1)
    mug = np.concatenate([cylinder_points((0.0, 0.0), 0.04, 0.0, 0.1, n=3000),
                          cylinder_points((0.0, 0.0), 0.036, 0.05, 0.1, n=1000, bottom=False)])
    # a pen seen only above the rim: its box ends 2 mm under the rim
    pen_box = cyl_box((0.01, 0.0), 0.005, 0.098, 0.2)
    pen = cylinder_points((0.01, 0.0), 0.005, 0.098, 0.2, n=800, bottom=False, top=True)
    assert not rests_on_surface(pen_box, pen, mug_box, mug)
    (book_box, book), (m_box, m) = _book_and_mug()
    assert rests_on_surface(m_box, m, book_box, book)


def _estimated(g, outline: float):
    for o in g.objects:
        o.attributes["evidence"] = Evidence(views=4, clean_views=4, faces=["+x", "-x", "+y", "-y", "top"],
                                            extents=(True, True, True), reach=(1.0, 1.0, 1.0), bottom=True,
                                            position_error=0.02 + outline, outline_error=outline,
                                            depth_residual=0.025)
    g.metadata.update(depth_error=0.05, mask_error_px=2.0)
    return g


def test_resting_on_is_asked_when_the_outline_error_cannot_lift_it_off():
    task = SpatialRelation()
    q = Question("spatial_relation", "mc", "pair", objects=[2, 1], params={"label": "support"})
    # support tolerance: 15% of the mug's 10 cm; the mug sits 8 mm into the book (height <= 0)
    assert task.unseen_spread(q, _estimated(_graph(), outline=0.008)) == 0.0
    assert task.unseen_spread(q, _estimated(_graph(), outline=0.016)) == float("inf")
    # 1 cm above the book's surface: an outline error of 6 mm could hide a gap past the tolerance
    assert task.unseen_spread(q, _estimated(_graph(sink=-0.01), outline=0.006)) == float("inf")
    assert task.unseen_spread(q, _estimated(_graph(sink=-0.01), outline=0.003)) == 0.0


def test_what_the_mug_rests_on_may_reach_further_down_unseen():
    task = SpatialRelation()
    g = _estimated(_graph(), outline=0.008)
    g.object(1).attributes["evidence"].bottom = False  # the book's bottom never measured
    assert task.unseen_spread(Question("spatial_relation", "mc", "pair", objects=[2, 1],
                                       params={"label": "support"}), g) == 0.0
    g.object(2).attributes["evidence"].bottom = False  # the mug's own bottom: it may reach into the book
    assert task.unseen_spread(Question("spatial_relation", "mc", "pair", objects=[2, 1],
                                       params={"label": "support"}), g) == float("inf")


def test_a_base_sunk_through_one_object_onto_another_is_not_asked():
    # two books stacked; the mug rests on the upper one but came out 2 cm low, its base level with
    # the lower book's top: which book it rests on is not determined
    lower_box = aa_box((0.0, 0.0, 0.025), (0.24, 0.18, 0.05))
    lower = box_points((0.0, 0.0, 0.025), (0.24, 0.18, 0.05), n=6000, skip_bottom=True)
    # the upper book's box reaches 5 mm below the lower one's top: noise widens both
    upper_box = aa_box((0.0, 0.0, 0.0625), (0.2, 0.14, 0.035))
    upper = box_points((0.0, 0.0, 0.0625), (0.2, 0.14, 0.035), n=4000, skip_bottom=True, seed=1)
    z0 = 0.05
    mug_box = cyl_box((0.03, 0.0), 0.04, z0, z0 + 0.1)
    mug = cylinder_points((0.03, 0.0), 0.04, z0, z0 + 0.1, n=3000, bottom=False)
    g = build([(1, "book", lower_box, lower), (2, "book", upper_box, upper), (3, "mug", mug_box, mug)],
              scale=Scale.TABLETOP)
    g = _estimated(g, outline=0.002)
    task = SpatialRelation()
    q = Question("spatial_relation", "mc", "pair", objects=[3, 1], params={"label": "support"})
    assert task.unseen_spread(q, g) == float("inf")
    # without the upper book in the graph, resting on the lower one is asked
    g2 = _estimated(build([(1, "book", lower_box, lower), (3, "mug", mug_box, mug)], scale=Scale.TABLETOP),
                    outline=0.002)
    assert task.unseen_spread(q, g2) == 0.0
