"""An object whose top lies behind something nearer in every view that shows it whole has no
measured height: its height may reach beyond the box, and a comparison by height that its hidden
top could turn is refused. Seen from below only, a top may rise beyond the highest point seen, as
far as the grazing ray climbs over the object's depth (a tree's crown seen from the street)."""

import numpy as np
import pytest

from spacevista.evidence import ONE_SIDED_REACH, above_top_hidden, measure_bounds, object_evidence
from spacevista.geometry.poses import look_at
from spacevista.graph import Box3D, CameraPose, GraphObject, View
from spacevista.scene import Camera

K = np.array([[200.0, 0, 160], [0, 200.0, 120], [0, 0, 1]])


def _tree(top_hidden: float) -> tuple[GraphObject, dict[int, CameraPose]]:
    box = Box3D(np.array([0.0, 0.0, 2.0]), np.array([1.0, 1.0, 4.0]), 0.0)
    cams, views = {}, {}
    for f, az in enumerate(np.radians([0, 60, 120, 180, 240, 300])):
        eye = np.array([12 * np.cos(az), 12 * np.sin(az), 1.6])
        cams[f] = CameraPose(f, Camera(K, 320, 240), look_at(eye, box.center))
        # a fraction 0.12 of the outline occluded: clean by the whole-outline rule
        views[f] = View(f, 900, (140, 60, 180, 200), (130, 160), 11.5, 12.0, occluded=0.12,
                        occluded_top=top_hidden)
    pts = np.random.default_rng(0).uniform(box.center - box.size / 2, box.center + box.size / 2, (200, 3))
    return GraphObject(9, "tree", box, pts, views), cams


def test_a_top_hidden_in_every_clean_view_leaves_the_height_unmeasured():
    tree, cams = _tree(top_hidden=0.9)
    ev = object_evidence(tree, cams)
    assert ev.whole and ev.extents == (True, True, False) and ev.reach[2] == ONE_SIDED_REACH
    tree.attributes["evidence"] = ev
    lo, hi = measure_bounds(tree, "height", with_error=False)
    assert (lo, hi) == (4.0, 4.0 * ONE_SIDED_REACH)


def test_three_views_with_the_top_in_sight_measure_it_and_one_does_not():
    tree, cams = _tree(top_hidden=0.9)
    tree.views[3].occluded_top = 0.0
    assert object_evidence(tree, cams).reach[2] == ONE_SIDED_REACH  # one view may be a mask's slip
    for f in (1, 5):
        tree.views[f].occluded_top = 0.05
    ev = object_evidence(tree, cams)
    # measured as far as it was seen; seen from below only, its top may rise beyond by as much as
    # the ray grazing it climbs over its depth (the view from 180 degrees: 1 m deep, 2.4 m below
    # the top, 11.5 m from the near face)
    assert ev.extents == (True, True, True)
    assert ev.reach[2] == pytest.approx(1.0 + 1.0 * 2.4 / 11.5 / 4.0, abs=1e-4)


def test_a_top_seen_from_below_only_may_rise_beyond_the_box():
    box = Box3D(np.array([0.0, 0.0, 3.0]), np.array([2.5, 2.5, 6.0]), 0.0)  # a crown 2.5 m across
    below = np.array([-9.6, 0.0, 1.55])
    assert above_top_hidden(box, below) == pytest.approx(2.5 * (6.0 - 1.55) / (9.6 - 1.25))
    assert above_top_hidden(box, np.array([-9.6, 0.0, 6.5])) == 0.0  # from above its top
    assert above_top_hidden(box, np.array([0.5, 0.0, 1.55])) == np.inf  # standing under it
    tree, cams = _tree(top_hidden=0.0)
    # a drone view from above the top: nothing can hide above it
    cams[0] = CameraPose(0, Camera(K, 320, 240), look_at(np.array([12.0, 0.0, 20.0]), tree.box.center))
    assert object_evidence(tree, cams).reach[2] == 1.0



def _seen_from(box: Box3D, eyes: list, depth: float) -> tuple[GraphObject, dict[int, CameraPose]]:
    cams, views = {}, {}
    for f, eye in enumerate(eyes):
        cams[f] = CameraPose(f, Camera(K, 320, 240), look_at(np.asarray(eye, dtype=float), box.center))
        views[f] = View(f, 900, (140, 100, 180, 140), (120, 160), depth * 0.95, depth)
    return GraphObject(3, "coin", box, np.zeros((0, 3)), views), cams


def test_depth_noise_along_the_rays_lowers_an_extent_seen_end_on():
    """A coin 2 mm thick seen from above at 0.1 m with a 2.5% residual depth error: its lifted height
    (4 mm, the scatter of noisy points) may be noise alone, so its lowest possible height is 0; its
    width, across the rays, keeps most of its lower bound. Seen from the side, a post keeps its height."""
    coin = Box3D(np.array([0.0, 0.0, 0.002]), np.array([0.02, 0.02, 0.004]), 0.0)
    eyes = [(0.02 * np.cos(a), 0.02 * np.sin(a), 0.1) for a in np.radians([0, 90, 180, 270])]
    obj, cams = _seen_from(coin, eyes, 0.1)
    ev = object_evidence(obj, cams, depth_error=0.025)
    assert ev.axis_noise[2] > 0.004 > ev.axis_noise[0]
    obj.attributes["evidence"] = ev
    assert measure_bounds(obj, "height")[0] == 0.0 and measure_bounds(obj, "width")[0] > 0.015
    assert object_evidence(obj, cams).axis_noise == (0.0, 0.0, 0.0)  # exact depth: no noise
    post = Box3D(np.array([0.0, 0.0, 0.5]), np.array([0.1, 0.1, 1.0]), 0.0)
    obj, cams = _seen_from(post, [(3.0 * np.cos(a), 3.0 * np.sin(a), 0.5) for a in np.radians([0, 120, 240])], 3.0)
    obj.attributes["evidence"] = object_evidence(obj, cams, depth_error=0.025)
    assert measure_bounds(obj, "height")[0] > 0.95


def test_a_lot_no_thicker_than_the_ground_around_it_has_no_height_of_its_own():
    """Through drone depth noise the ground comes out metres thick, and so does a parking lot on it:
    its lifted height is the ground's noise, and its lowest possible height is 0. A building beside
    it (whose walls stand in the lot's ring) and a tree keep their heights."""
    from spacevista.evidence import attach_evidence
    from spacevista.graph import SceneGraph
    from spacevista.scene import Scale

    rng = np.random.default_rng(1)
    ground = np.column_stack([rng.uniform(-150, 150, (40000, 2)), rng.normal(0.0, 2.0, 40000)])
    walls = np.column_stack([rng.uniform(40, 60, (3000, 1)), rng.uniform(-10, 10, (3000, 1)),
                             rng.uniform(0, 20, (3000, 1))])
    background = np.concatenate([ground, walls])
    shapes = {6: ((0, 0, 1.0), (60, 25, 0), 2.0), 11: ((50, 0, 10), (20, 20, 20), 0.0),
              20: ((-60, 40, 8), (10, 10, 16), 0.0)}
    objects = []
    for oid, (centre, size, noise) in shapes.items():
        c, sz = np.array(centre, float), np.array(size, float)
        pts = rng.uniform(c - sz / 2, c + sz / 2, (3000, 3))
        pts[:, 2] += rng.normal(0.0, noise, 3000) if noise else 0.0
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        objects.append(GraphObject(oid, "object", Box3D((lo + hi) / 2, hi - lo, 0.0), pts, {}))
    graph = SceneGraph("s", Scale.DRONE, True, objects, [], np.array([0.0, 0.0, 1.0]), floor_z=0.0)
    attach_evidence(graph, background=background, depth_error=0.025)
    thin = {o.id: o.attributes["evidence"].thin for o in graph.objects}
    assert thin == {6: True, 11: False, 20: False}
    assert measure_bounds(graph.object(6), "volume")[0] == 0.0
    assert measure_bounds(graph.object(6), "volume", with_error=False)[0] > 0  # the box itself is kept
    attach_evidence(graph, background=background)  # exact depth: nothing is thin
    assert not any(o.attributes["evidence"].thin for o in graph.objects)


def test_a_cabinet_against_a_wall_is_not_thin():
    """Indoors the ring around a cabinet holds more wall than floor; the ground is where the floor
    points pile up, not their median, so the cabinet keeps its height."""
    from spacevista.evidence import attach_evidence
    from spacevista.graph import SceneGraph
    from spacevista.scene import Scale

    rng = np.random.default_rng(2)
    floor = np.column_stack([rng.uniform(-2, 2, (3000, 2)), rng.normal(0.0, 0.005, 3000)])
    wall = np.column_stack([rng.uniform(-2, 2, (9000, 1)), np.full((9000, 1), 0.35),
                            rng.uniform(0.0, 2.5, (9000, 1))])
    pts = rng.uniform((-0.3, -0.3, 0.0), (0.3, 0.3, 0.9), (2000, 3))
    cabinet = GraphObject(7, "cabinet", Box3D(np.array([0.0, 0.0, 0.45]), np.array([0.6, 0.6, 0.9]), 0.0), pts, {})
    graph = SceneGraph("s", Scale.INDOOR, True, [cabinet], [], np.array([0.0, 0.0, 1.0]), floor_z=0.0)
    attach_evidence(graph, background=np.concatenate([floor, wall]), depth_error=0.025)
    assert not cabinet.attributes["evidence"].thin
