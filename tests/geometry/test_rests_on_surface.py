"""An object resting on another's surface is told from one held in an opening, when estimated boxes
overlap by depth noise (a mug sunk 8 mm into the book under it, as a flower's stem into its vase)."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tasks"))
from relation_scenes import aa_box, box_points, build, cyl_box, cylinder_points  # noqa: E402

from spacevista.evidence import bottom_inside  # noqa: E402
from spacevista.geometry.relations import rests_on_surface  # noqa: E402
from spacevista.scene import Scale  # noqa: E402
from spacevista.tasks.placement import nested  # noqa: E402

SINK = 0.008  # how far the estimated boxes overlap


def _noisy(points: np.ndarray, sigma: float, seed: int) -> np.ndarray:
    return points + np.random.default_rng(seed).normal(0.0, sigma, points.shape)


def book_and_mug(sigma: float = 0.0):
    book_box = aa_box((0.0, 0.0, 0.025), (0.2, 0.14, 0.05))
    book = box_points((0.0, 0.0, 0.025), (0.2, 0.14, 0.05), n=6000)
    # the book's top under the mug is hidden by the mug
    book = book[~((np.hypot(book[:, 0] - 0.03, book[:, 1]) < 0.04) & (book[:, 2] > 0.049))]
    z0 = 0.05 - SINK
    mug_box = cyl_box((0.03, 0.0), 0.04, z0, z0 + 0.1)
    mug = cylinder_points((0.03, 0.0), 0.04, z0, z0 + 0.1, n=3000, bottom=False)
    return (book_box, _noisy(book, sigma, 1)), (mug_box, _noisy(mug, sigma, 2))


def vase_and_flower(sigma: float = 0.0):
    vase_box = cyl_box((0.0, 0.0), 0.05, 0.0, 0.2)
    vase = np.concatenate([cylinder_points((0.0, 0.0), 0.05, 0.0, 0.2, n=4000),
                           cylinder_points((0.0, 0.0), 0.045, 0.12, 0.2, n=1500, bottom=False)])
    z0 = 0.2 - 0.01  # the stem seen down to 1 cm inside the rim
    flower_box = cyl_box((0.0, 0.0), 0.025, z0, z0 + 0.3)
    stem = cylinder_points((0.0, 0.0), 0.003, z0, z0 + 0.25, n=600, bottom=False)
    rng = np.random.default_rng(3)
    head = rng.normal(size=(1500, 3))
    head = head / np.linalg.norm(head, axis=1, keepdims=True) * 0.025 + (0.0, 0.0, z0 + 0.275)
    return (vase_box, _noisy(vase, sigma, 4)), (flower_box, _noisy(np.concatenate([stem, head]), sigma, 5))


def mug_and_pen(sigma: float = 0.0):
    mug_box = cyl_box((0.0, 0.0), 0.04, 0.0, 0.1)
    mug = np.concatenate([cylinder_points((0.0, 0.0), 0.04, 0.0, 0.1, n=3000),
                          cylinder_points((0.0, 0.0), 0.036, 0.05, 0.1, n=1000, bottom=False)])
    pen_box = cyl_box((0.01, 0.0), 0.005, 0.098, 0.2)
    pen = cylinder_points((0.01, 0.0), 0.005, 0.098, 0.2, n=800, bottom=False, top=True)
    return (mug_box, _noisy(mug, sigma, 6)), (pen_box, _noisy(pen, sigma, 7))


@pytest.mark.parametrize("sigma", [0.0, 0.002])
def test_a_mug_sunk_into_a_book_rests_on_it(sigma):
    (book_box, book), (mug_box, mug) = book_and_mug(sigma)
    assert rests_on_surface(mug_box, mug, book_box, book)
    assert not rests_on_surface(book_box, book, mug_box, mug)


@pytest.mark.parametrize("sigma", [0.0, 0.002])
def test_a_stem_in_a_vase_and_a_pen_in_a_mug_do_not_rest(sigma):
    (vase_box, vase), (flower_box, flower) = vase_and_flower(sigma)
    assert not rests_on_surface(flower_box, flower, vase_box, vase)
    (mug_box, mug), (pen_box, pen) = mug_and_pen(sigma)
    assert not rests_on_surface(pen_box, pen, mug_box, mug)


def test_an_object_standing_beside_the_other_base_does_not_rest_on_it():
    # a bolt through a ring, both on the table: the bolt's base is level with the ring's
    ring_box = cyl_box((0.0, 0.0), 0.01, 0.0, 0.003)
    ring = cylinder_points((0.0, 0.0), 0.01, 0.0, 0.003, n=800, top=True)
    bolt_box = cyl_box((0.0, 0.0), 0.004, 0.0, 0.02)
    bolt = cylinder_points((0.0, 0.0), 0.004, 0.0, 0.02, n=800, bottom=False, top=True)
    assert not rests_on_surface(bolt_box, bolt, ring_box, ring)


def test_nesting_and_hidden_bottoms_skip_a_resting_object_and_keep_a_held_one():
    (book_box, book), (mug_box, mug) = book_and_mug(0.002)
    (vase_box, vase), (flower_box, flower) = vase_and_flower(0.002)
    shift = np.array([0.5, 0.0, 0.0])
    vase_box = cyl_box((0.5, 0.0), 0.05, 0.0, 0.2)
    flower_box = cyl_box((0.5, 0.0), 0.025, flower_box.bottom, flower_box.top)
    g = build([(1, "book", book_box, book), (2, "mug", mug_box, mug),
               (3, "vase", vase_box, vase + shift), (4, "flower", flower_box, flower + shift)],
              scale=Scale.TABLETOP)
    assert not nested(g, [1, 2])
    assert nested(g, [4]) and nested(g, [3])
    assert not bottom_inside(g.object(2), g.objects)
    assert bottom_inside(g.object(4), g.objects)


def test_a_book_on_a_narrower_book_is_not_in_it():
    lower_box = aa_box((0.0, 0.0, 0.02), (0.18, 0.12, 0.04))
    lower = _noisy(box_points((0.0, 0.0, 0.02), (0.18, 0.12, 0.04), n=4000, skip_bottom=True), 0.002, 8)
    # the upper book, wider and sunk 1 cm into the lower one; its bottom face is hidden
    upper_box = aa_box((0.0, 0.0, 0.05), (0.2, 0.15, 0.04))
    upper = _noisy(box_points((0.0, 0.0, 0.05), (0.2, 0.15, 0.04), n=4000, skip_bottom=True), 0.002, 9)
    g = build([(1, "book", lower_box, lower), (2, "book", upper_box, upper)], scale=Scale.TABLETOP)
    assert not nested(g, [1]) and not nested(g, [2])
    assert not bottom_inside(g.object(2), g.objects)
