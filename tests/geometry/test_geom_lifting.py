import numpy as np
import pytest

from spacevista.geometry.cameras import backproject, project
from spacevista.geometry.lifting import (MIN_MASK_PX, accumulate, depth_consistent, drop_between_sides,
                                         drop_bleed_behind, edge_filtered_depth, frame_views,
                                         inlier_mask, lift_frame, lift_frame_with_views, main_clusters, remove_outliers,
                                         voxel_downsample)
from spacevista.geometry.poses import look_at

K = np.array([[300.0, 0.0, 64.0], [0.0, 300.0, 48.0], [0.0, 0.0, 1.0]])
POSE = look_at([1.0, -4.0, 2.0], [0.0, 0.0, 0.5])


def scene(rng):
    H, W = 96, 128
    depth = rng.uniform(1.0, 5.0, size=(H, W)).astype(np.float32)
    inst = np.zeros((H, W), np.int32)
    inst[10:40, 5:45] = 3      # 40 wide, 30 tall: kept
    inst[50:90, 60:80] = 7     # exactly 20 wide: kept
    inst[5:24, 90:125] = 9     # 19 tall: dropped
    inst[60:62, 5:30] = 11     # thin: dropped
    inst[70:80, 100:105] = -1  # ignore label
    return depth, inst


def test_min_mask_constant():
    assert MIN_MASK_PX == 20


def test_lift_frame_matches_backproject_per_mask():
    rng = np.random.default_rng(0)
    depth, inst = scene(rng)
    out = lift_frame(depth, inst, K, POSE)
    assert sorted(out) == [3, 7]
    for oid in (3, 7):
        expected = backproject(depth, K, POSE, mask=inst == oid)
        np.testing.assert_allclose(out[oid], expected, atol=1e-9)
        assert out[oid].dtype == np.float64


def test_lift_frame_twenty_pixel_rule():
    rng = np.random.default_rng(1)
    depth = rng.uniform(1, 2, size=(60, 60))
    inst = np.zeros((60, 60), np.int32)
    inst[0:20, 0:20] = 1    # 20x20: kept
    inst[30:49, 0:40] = 2   # 19 tall: dropped
    inst[0:40, 30:49] = 3   # 19 wide: dropped
    # An L-shaped mask whose bbox is 25x25 though it has few pixels: kept (bbox rule).
    inst[35:60, 50] = 4
    inst[59, 35:60] = 4
    out = lift_frame(depth, inst, K, np.eye(4))
    assert sorted(out) == [1, 4]
    assert sorted(lift_frame(depth, inst, K, np.eye(4), min_mask_px=19)) == [1, 2, 3, 4]
    assert sorted(frame_views(depth, inst)) == [1, 4]


def test_lift_frame_ignores_invalid_depth():
    depth = np.full((30, 30), 2.0)
    inst = np.ones((30, 30), np.int32)
    depth[0, :4] = [0.0, -1.0, np.nan, np.inf]
    out = lift_frame(depth, inst, K, np.eye(4))
    assert out[1].shape == (30 * 30 - 4, 3)
    assert np.all(np.isfinite(out[1]))
    np.testing.assert_allclose(out[1][:, 2], 2.0)
    # All depth invalid: the instance is left out of the points but its view remains.
    depth[:] = np.nan
    assert lift_frame(depth, inst, K, np.eye(4)) == {}
    view = frame_views(depth, inst)[1]
    assert view["pixels"] == 900 and np.isnan(view["min_depth"]) and np.isnan(view["median_depth"])


def test_lift_frame_stride_keeps_size_rule_at_full_resolution():
    rng = np.random.default_rng(2)
    depth, inst = scene(rng)
    out = lift_frame(depth, inst, K, POSE, stride=4)
    assert sorted(out) == [3, 7]
    sub = np.zeros_like(inst, dtype=bool)
    sub[::4, ::4] = True
    np.testing.assert_allclose(out[3], backproject(depth, K, POSE, mask=(inst == 3) & sub), atol=1e-9)
    uv, _ = project(out[7], K, POSE)
    assert np.all((np.floor(uv) % 4) == 0)


def test_lift_frame_input_checks():
    with pytest.raises(ValueError, match="differs"):
        lift_frame(np.ones((4, 4)), np.ones((4, 5), np.int32), K, np.eye(4))
    with pytest.raises(ValueError, match="integer"):
        lift_frame(np.ones((4, 4)), np.ones((4, 4)), K, np.eye(4))
    with pytest.raises(ValueError, match="stride"):
        lift_frame(np.ones((4, 4)), np.ones((4, 4), np.int32), K, np.eye(4), stride=0)
    assert lift_frame(np.ones((4, 4)), np.zeros((4, 4), np.int32), K, np.eye(4)) == {}
    with pytest.raises(ValueError, match="focal"):
        lift_frame(np.ones((30, 30)), np.ones((30, 30), np.int32), np.zeros((3, 3)), np.eye(4))
    with pytest.raises(ValueError, match="4x4"):
        lift_frame(np.ones((30, 30)), np.ones((30, 30), np.int32), K, np.eye(3))


def test_frame_views_fields():
    rng = np.random.default_rng(3)
    depth, inst = scene(rng)
    views = frame_views(depth, inst)
    assert sorted(views) == [3, 7]
    v = views[3]
    assert set(v) == {"pixels", "bbox", "point", "min_depth", "median_depth", "truncated", "occluded",
                      "valid_depth", "occluded_top"}
    assert v["pixels"] == 30 * 40
    assert v["bbox"] == (5, 10, 45, 40)  # x1, y1 inclusive; x2, y2 exclusive
    y, x = v["point"]
    assert inst[y, x] == 3
    # Deep inside a rectangle: close to its centre (row 24.5, col 24.5).
    assert abs(y - 24.5) <= 1.5 and abs(x - 24.5) <= 1.5
    m = depth[inst == 3]
    assert v["min_depth"] == pytest.approx(float(m.min()))
    assert v["median_depth"] == pytest.approx(float(np.median(m)), rel=1e-6)
    assert views[7]["bbox"] == (60, 50, 80, 90)


def test_frame_views_point_inside_non_convex_masks():
    H, W = 80, 80
    inst = np.zeros((H, W), np.int32)
    rr, cc = np.mgrid[0:H, 0:W]
    ring = (np.hypot(rr - 40, cc - 40) < 30) & (np.hypot(rr - 40, cc - 40) > 22)
    inst[ring] = 5  # an annulus: its centroid is outside the mask
    inst[36:44, 36:44] = 6  # too small
    inst[0:30, 0] = 8  # one column wide, 30 tall: 1 px wide fails the rule
    views = frame_views(np.ones((H, W)), inst)
    assert sorted(views) == [5]
    y, x = views[5]["point"]
    assert inst[y, x] == 5
    # A one-pixel diagonal (bbox 25x25) in a 640x480 frame, where the distance transform samples
    # every 4th row and column: no pixel of it is sampled, the fallback must still land on it.
    inst2 = np.zeros((480, 640), np.int32)
    i = np.arange(25)
    inst2[i + 1, i] = 4
    assert not np.any(inst2[::4, ::4] == 4)
    views = frame_views(np.ones((480, 640)), inst2)
    y, x = views[4]["point"]
    assert inst2[y, x] == 4


def test_frame_views_point_at_full_size():
    H, W = 480, 640
    inst = np.zeros((H, W), np.int32)
    inst[100:161, 200:401] = 1  # rectangle: centre (130, 300)
    rr, cc = np.mgrid[0:H, 0:W]
    ring = (np.hypot(rr - 330, cc - 320) < 90) & (np.hypot(rr - 330, cc - 320) > 60)
    inst[ring] = 2
    inst[400:470, 20:30] = 3  # 10 px wide: dropped
    views = frame_views(np.ones((H, W)), inst)
    assert sorted(views) == [1, 2]
    y, x = views[1]["point"]
    assert abs(y - 130) <= 4 and abs(x - 300) <= 4
    y, x = views[2]["point"]
    assert inst[y, x] == 2
    # Deep in the ring's band: at least 10 px from both circles.
    r = np.hypot(y - 330, x - 320)
    assert 70 <= r <= 80


def test_lift_frame_with_views_agrees():
    rng = np.random.default_rng(4)
    depth, inst = scene(rng)
    pts, views = lift_frame_with_views(depth, inst, K, POSE)
    ref_pts = lift_frame(depth, inst, K, POSE)
    assert views == frame_views(depth, inst)
    assert sorted(pts) == sorted(ref_pts)
    for k in pts:
        np.testing.assert_array_equal(pts[k], ref_pts[k])


def test_voxel_downsample_and_accumulate():
    pts = np.array([[0.01, 0.01, 0.01], [0.03, 0.03, 0.03], [0.11, 0.0, 0.0], [0.12, 0.0, 0.0]])
    out = voxel_downsample(pts, 0.1)
    np.testing.assert_allclose(out, [[0.02, 0.02, 0.02], [0.115, 0.0, 0.0]])
    a = {1: pts[:2], 2: pts[2:]}
    b = {1: pts[2:], 5: pts[:1]}
    merged = accumulate([a, b])
    assert list(merged) == [1, 2, 5]
    np.testing.assert_array_equal(merged[1], np.concatenate([pts[:2], pts[2:]]))
    down = accumulate([a, b], voxel=0.1)
    np.testing.assert_allclose(down[1], out)
    with pytest.raises(ValueError):
        accumulate([a], voxel=0.0)
    with pytest.raises(ValueError):
        voxel_downsample(np.array([[np.nan, 0, 0]]), 0.1)


def test_accumulate_is_deterministic():
    rng = np.random.default_rng(5)
    frames = [{1: rng.normal(size=(500, 3)), 2: rng.normal(size=(50, 3))} for _ in range(3)]
    a = accumulate(frames, voxel=0.3)
    b = accumulate([dict(f) for f in frames], voxel=0.3)
    for k in a:
        assert a[k].tobytes() == b[k].tobytes()


def test_remove_outliers_drops_planted_outliers():
    rng = np.random.default_rng(6)
    cloud = rng.uniform(0, 1, size=(2000, 3))
    planted = np.array([[5.0, 5.0, 5.0], [-4.0, 0.5, 0.5], [0.5, 8.0, 0.5], [0.5, 0.5, -6.0]])
    pts = np.concatenate([cloud, planted])
    mask = inlier_mask(pts, k=8, std_ratio=2.0)
    assert not mask[-4:].any()
    assert mask[:-4].mean() > 0.95
    kept = remove_outliers(pts)
    assert kept.shape[0] == mask.sum()
    assert kept.tobytes() == remove_outliers(pts).tobytes()
    # Tiny clouds come back whole.
    assert remove_outliers(planted, k=8).shape == (4, 3)


def test_main_clusters_drop_a_dense_clump_that_the_neighbour_test_keeps():
    rng = np.random.default_rng(7)
    body = rng.uniform(0, 0.1, size=(3000, 3))           # a 10 cm object, points about 7 mm apart
    clump = rng.normal(0, 0.002, size=(30, 3)) + [0.4, 0.0, 0.0]  # a leaked mask, 30 cm away
    split = rng.uniform(0, 0.1, size=(1500, 3)) + [0.0, 0.25, 0.0]  # the far side of an occluder
    pts = np.concatenate([body, split, clump])
    assert inlier_mask(pts)[-30:].all()  # dense: the k-nearest-neighbour test keeps it
    keep = main_clusters(pts, link=0.03)
    assert not keep[-30:].any() and keep[:-30].all()
    # the fraction decides: with 0.5% the clump is a part of the object
    assert main_clusters(pts, link=0.03, min_fraction=0.005).all()
    assert main_clusters(pts[:1], link=0.03).all() and main_clusters(pts, link=0).all()


def test_depth_consistent_drops_pixels_metres_behind_a_small_object():
    depth = np.full((60, 80), 5.0, np.float32)  # a wall 5 m away
    inst = np.zeros((60, 80), np.int32)
    inst[20:32, 30:40] = 4  # a 10 px object at 2 m: about 7 cm across with a focal of 300 px
    depth[20:32, 30:40] = 2.0
    depth[20:32, 39] = np.linspace(2.2, 4.5, 12)  # flying pixels on its edge, inside the mask
    depth[25, 31] = 2.1  # its own relief stays
    out = depth_consistent(depth, inst, focal=300.0)
    assert np.all(out[20:32, 30:39] > 0) and out[25, 31] == np.float32(2.1)
    assert np.all(out[20:32, 39][depth[20:32, 39] > 2.5] == 0)
    assert np.array_equal(out[inst == 0], depth[inst == 0]) and out.dtype == depth.dtype
    # a deep object seen large keeps its depth range
    deep = np.full((60, 80), 5.0, np.float32)
    deep[20:32, 30:40] = np.linspace(2.0, 2.3, 10)[None, :]
    assert np.array_equal(depth_consistent(deep, inst, focal=300.0), deep)


@pytest.mark.parametrize("offset", [0, 250, 70_000, 2**31 - 100])
def test_lift_frame_any_id_range(offset):
    # ids below 2**8, below 2**16 and above take different grouping paths; results must agree.
    rng = np.random.default_rng(7)
    depth, inst = scene(rng)
    shifted = np.where(inst > 0, inst + offset, inst).astype(np.int64)
    ref_pts, ref_views = lift_frame_with_views(depth, inst, K, POSE)
    pts, views = lift_frame_with_views(depth, shifted, K, POSE)
    assert sorted(pts) == [k + offset for k in sorted(ref_pts)]
    for k in ref_pts:
        np.testing.assert_array_equal(pts[k + offset], ref_pts[k])
        assert views[k + offset] == ref_views[k]


def test_views_build_graph_view_and_accept_integer_depth():
    from spacevista.graph import View

    depth = np.full((40, 40), 2000, dtype=np.uint16)  # e.g. millimetres, converted by the caller
    depth[0, 0] = 0
    inst = np.ones((40, 40), np.int32)
    v = frame_views(depth, inst)[1]
    assert v["min_depth"] == 2000.0 and v["median_depth"] == 2000.0
    view = View(frame=3, **v)
    assert view.bbox == (0, 0, 40, 40) and view.pixels == 1600
    pts = lift_frame(depth, inst, K, np.eye(4))[1]
    assert pts.shape == (1599, 3)


def test_median_depth_even_and_odd_counts():
    depth = np.array([[1.0, 2.0, 3.0, 4.0, np.nan]] * 20).repeat(4, axis=1)  # 20 x 20
    inst = np.ones(depth.shape, np.int32)
    v = frame_views(depth, inst)[1]
    assert v["min_depth"] == 1.0 and v["median_depth"] == 2.5
    depth[:, :4] = 0.0  # drop the 1.0 column block: valid values 2, 3, 4 (equal counts)
    v = frame_views(depth, inst)[1]
    assert v["min_depth"] == 2.0 and v["median_depth"] == 3.0


def test_lifting_is_byte_identical_across_calls():
    rng = np.random.default_rng(8)
    depth, inst = scene(rng)
    a, va = lift_frame_with_views(depth, inst, K, POSE, stride=2)
    b, vb = lift_frame_with_views(depth.copy(), inst.copy(), K.copy(), POSE.copy(), stride=2)
    assert list(a) == list(b) and va == vb
    assert all(a[k].tobytes() == b[k].tobytes() for k in a)


def test_views_say_what_the_frame_hides():
    """A far box partly behind a near one has an occluded outline; the near one does not; a box
    touching the image border is truncated; holes in depth lower the valid-depth fraction."""
    depth = np.full((60, 80), 10.0)
    inst = np.zeros((60, 80), np.int32)
    inst[10:40, 10:50] = 1
    depth[10:40, 10:50] = 5.0
    inst[20:50, 40:70] = 2  # in front of the right edge of box 1
    depth[20:50, 40:70] = 2.0
    inst[0:25, 55:80] = 3  # cut by the top and right borders
    depth[0:25, 55:80] = 8.0
    depth[12:16, 12:16] = 0.0  # a hole in box 1
    views = frame_views(depth, inst)
    assert views[1]["occluded"] > 0.2 and views[2]["occluded"] == 0.0
    assert views[3]["truncated"] and not views[1]["truncated"] and not views[2]["truncated"]
    assert views[1]["valid_depth"] < 1.0 and views[2]["valid_depth"] == 1.0


def test_a_mask_within_its_boundary_error_of_the_border_may_be_cut():
    """An estimated mask whose outline may sit 3 px inside the object's and ends 2 px from the
    image border may belong to an object the border cuts; one 5 px away is whole."""
    depth = np.full((60, 80), 10.0)
    inst = np.zeros((60, 80), np.int32)
    inst[2:30, 5:35] = 1    # 2 px below the top border
    inst[5:35, 45:75] = 2   # 5 px below it
    exact = frame_views(depth, inst)
    assert not exact[1]["truncated"] and not exact[2]["truncated"]
    estimated = frame_views(depth, inst, border_px=3)
    assert estimated[1]["truncated"] and not estimated[2]["truncated"]


def test_pixels_between_the_two_sides_of_a_depth_edge_are_dropped():
    """A blended ("flying") pixel at an occluding edge lies between the near and the far surface:
    it goes, the pixels of either surface stay, and so does a steep but continuous surface."""
    depth = np.full((20, 20), 4.0)
    depth[:, :10] = 2.0                      # a near surface on the left, a wall behind on the right
    depth[5, 10] = 3.0                       # flying pixels: between the two sides
    depth[12, 9] = 2.6
    depth[8, 10] = 3.95                      # on the wall's side (within noise of it): kept
    ramp = np.linspace(1.0, 1.6, 20)         # a floor seen at a grazing angle: 3% per pixel
    depth[15:, :] = ramp[None, :]
    out = drop_between_sides(depth)
    assert out[5, 10] == 0 and out[12, 9] == 0
    assert out[8, 10] == depth[8, 10]
    assert np.array_equal(out[:14, :9], depth[:14, :9]) and np.array_equal(out[16:], depth[16:])
    assert (out[:14] == 0).sum() == 2


def test_an_occluder_a_few_pixels_away_still_occludes_an_estimated_mask():
    """Estimated masks of a far object and of the near one in front of it may both stop short of
    their shared edge: the unlabelled gap between them must not hide the occlusion."""
    depth = np.full((60, 80), 10.0)
    inst = np.zeros((60, 80), np.int32)
    inst[10:50, 5:40] = 1
    depth[10:50, 5:43] = 6.0                  # the far object, its last columns left unlabelled
    inst[5:55, 43:75] = 2                     # the near object, 3 px further right
    depth[5:55, 43:75] = 3.0
    assert frame_views(depth, inst)[1]["occluded"] == 0.0
    estimated = frame_views(depth, inst, border_px=3)
    assert estimated[1]["occluded"] > 0.2 and estimated[2]["occluded"] == 0.0


def test_a_top_hidden_behind_a_nearer_crown_is_flagged_though_most_of_the_outline_is_free():
    """A tall trunk whose upper half lies behind a nearer, wider crown: the crown borders only its
    top edge (a hidden part has no outline of its own), so under a fifth of the whole outline is
    occluded and the view passes as clean, but its whole upper outline is blocked. A crown behind
    the trunk's top, or beside it, blocks nothing above it."""
    depth = np.full((100, 120), 30.0)
    inst = np.zeros((100, 120), np.int32)
    inst[40:95, 10:32] = 1          # the far tree's visible lower half
    depth[40:95, 10:32] = 12.0
    inst[10:40, 2:50] = 2           # the near crown above it in the image
    depth[10:40, 2:50] = 8.0
    inst[40:95, 70:92] = 3          # another trunk, its top free
    depth[40:95, 70:92] = 12.0
    inst[15:40, 62:110] = 4         # a crown behind it, above its top
    depth[15:40, 62:110] = 20.0
    views = frame_views(depth, inst)
    assert views[1]["occluded"] < 0.2 and views[1]["occluded_top"] == 1.0
    assert views[3]["occluded_top"] == 0.0 and views[2]["occluded_top"] == 0.0


def test_occlusion_is_read_on_the_depth_before_the_outline_filter():
    """The near object's edge column holds flying pixels (depth between the two sides), which the
    filters drop: the far object's outline is then next to invalid depth, and read on the filtered
    depth it looks whole. Read on the depth before filtering, it is hidden."""
    K = np.array([[100.0, 0, 40], [0, 100.0, 30], [0, 0, 1]])
    depth = np.full((60, 80), 10.0)
    inst = np.zeros((60, 80), np.int32)
    depth[10:50, 5:40] = 6.0
    inst[10:50, 5:40] = 1                     # the far object
    depth[5:55, 40:75] = 3.0
    depth[10:50, 40] = 4.5                    # flying pixels along the near object's edge
    inst[5:55, 40:75] = 2                     # the near object
    filtered = edge_filtered_depth(drop_between_sides(depth), inst, band=2)
    assert (filtered[10:50, 40] == 0).all()
    _, blind = lift_frame_with_views(filtered, inst, K, np.eye(4))
    _, seen = lift_frame_with_views(filtered, inst, K, np.eye(4), occlusion_depth=depth)
    assert blind[1]["occluded"] < 0.2 < seen[1]["occluded"]
    assert seen[1]["min_depth"] == blind[1]["min_depth"]  # the rest is read on the filtered depth


def test_noisy_depth_is_not_read_as_edges_everywhere():
    rng = np.random.default_rng(0)
    depth = 3.0 * (1 + 0.1 * rng.standard_normal((60, 80)))   # 10% pixel noise, no edge at all
    # (fixed thresholds of 10% and 3% would drop about two pixels in three)
    assert (drop_between_sides(depth) > 0).mean() > 0.97


def test_a_mask_bled_onto_the_wall_behind_a_thin_pole_loses_the_bleed():
    """A pole 3 px wide, 3 m away, with its mask grown by 2 px onto the wall 0.5 m behind it: the
    bled pixels lie behind the pole's own pixels next to them and go; the pole stays, and so does
    the outline of a box whose side recedes from the camera by 2% per pixel."""
    depth = np.full((60, 80), 3.5)
    inst = np.zeros((60, 80), np.int32)
    depth[5:55, 20:23] = 3.0
    inst[5:55, 18:25] = 1                                   # the pole and 2 px of wall either side
    depth[10:50, 40:70] = 2.0 * (1 + 0.02 * np.arange(30))  # a slanted side, no bleed
    inst[10:50, 40:70] = 2
    out = drop_bleed_behind(depth, inst, band=3)
    assert np.all(out[5:55, 20:23] == 3.0)
    assert np.all(out[5:55, 18:20] == 0) and np.all(out[5:55, 23:25] == 0)
    assert np.array_equal(out[10:50, 40:70], depth[10:50, 40:70])
    assert np.array_equal(out[inst == 0], depth[inst == 0])   # the background is no mask's outline
