"""Hand-built scenes for the relation and comparison tasks: surfaces sampled from simple shapes,
so every relation is known by construction (a mug on a table, a pen in a cup, a fence ring around a
tree, a picture on a wall, two books stacked, two cabinets side by side)."""

from __future__ import annotations

import numpy as np

from spacevista.graph import Box3D, CameraPose, GraphObject, SceneGraph, View
from spacevista.scene import Camera, Scale


def box_points(center, size, n=800, seed=0, skip_bottom=False) -> np.ndarray:
    """Points on the faces of an axis-aligned box (optionally without its bottom face)."""
    rng = np.random.default_rng(seed)
    c, s = np.asarray(center, float), np.asarray(size, float)
    pts = rng.uniform(-0.5, 0.5, size=(n, 3))
    axis = rng.integers(0, 3, size=n)
    sign = rng.choice([-0.5, 0.5], size=n)
    pts[np.arange(n), axis] = sign
    if skip_bottom:
        pts = pts[~((axis == 2) & (sign < 0))]
    return c + pts * s


def cylinder_points(center_xy, radius, z0, z1, n=800, seed=0, bottom=True, top=False) -> np.ndarray:
    """Points on a vertical cylinder's side wall, optionally its bottom and top discs."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(-np.pi, np.pi, n)
    z = rng.uniform(z0, z1, n)
    pts = [np.stack([center_xy[0] + radius * np.cos(a), center_xy[1] + radius * np.sin(a), z], 1)]
    for flag, zz in ((bottom, z0), (top, z1)):
        if flag:
            r = radius * np.sqrt(rng.uniform(0, 1, n // 3))
            b = rng.uniform(-np.pi, np.pi, n // 3)
            pts.append(np.stack([center_xy[0] + r * np.cos(b), center_xy[1] + r * np.sin(b),
                                 np.full(n // 3, zz)], 1))
    return np.concatenate(pts)


def cyl_box(center_xy, radius, z0, z1) -> Box3D:
    return Box3D((center_xy[0], center_xy[1], (z0 + z1) / 2), (2 * radius, 2 * radius, z1 - z0), 0.0)


def aa_box(center, size) -> Box3D:
    return Box3D(center, size, 0.0)


def cameras(n_frames: int) -> list[CameraPose]:
    """Cameras at y = -6 looking along +y (x right, z up), sliding right frame by frame."""
    cam = Camera.from_fov(320, 240, 60)
    out = []
    for f in range(n_frames):
        pose = np.eye(4)
        pose[:3, :3] = np.array([[1, 0, 0], [0, 0, 1], [0, -1, 0]])
        pose[:3, 3] = [f * 0.2, -6.0, 1.0]
        out.append(CameraPose(f, cam, pose))
    return out


def build(objects, scale=Scale.INDOOR, n_frames=6, floor_z=0.0, exact=False, scene_id="rel-0001") -> SceneGraph:
    """objects: (id, category, Box3D, points[, first_frame[, last_frame]]); an object is seen (by
    the 20x20 px rule) from its first to its last frame."""
    cams = cameras(n_frames)
    objs = []
    for item in objects:
        oid, cat, box, pts = item[:4]
        first = item[4] if len(item) > 4 else 0
        last = item[5] if len(item) > 5 else n_frames - 1
        views = {}
        for c in cams[first:last + 1]:
            z = float(np.min((pts - c.position) @ c.pose[:3, 2]))
            views[c.frame] = View(c.frame, 2500, (10 * oid, 10, 10 * oid + 50, 60), (35, 10 * oid + 20), z, z + 0.1)
        objs.append(GraphObject(oid, cat, box, np.asarray(pts, float), views))
    return SceneGraph(scene_id, scale, True, objs, cams, np.array([0, 0, 1.0]), floor_z=floor_z,
                      frame_paths=[f"frames/{scene_id}/{i:05d}.jpg" for i in range(n_frames)], exact=exact)


def relation_room(exact: bool = False) -> SceneGraph:
    """An indoor room holding one instance of every relation (ids in the comments)."""
    objs = [
        # 1 table, 2 mug on it (support)
        (1, "table", aa_box((0, 0, 0.375), (1.2, 0.8, 0.75)), box_points((0, 0, 0.375), (1.2, 0.8, 0.75), 2000, 1)),
        (2, "mug", cyl_box((0.2, 0.1), 0.05, 0.75, 0.85), cylinder_points((0.2, 0.1), 0.05, 0.75, 0.85, 600, 2)),
        # 3, 4 books: 4 stacked on 3, both on the table
        (3, "book", aa_box((-0.3, -0.1, 0.765), (0.25, 0.18, 0.03)), box_points((-0.3, -0.1, 0.765), (0.25, 0.18, 0.03), 600, 3)),
        (4, "book", aa_box((-0.3, -0.1, 0.795), (0.24, 0.17, 0.03)), box_points((-0.3, -0.1, 0.795), (0.24, 0.17, 0.03), 600, 4)),
        # 5 picture on the wall at y = 3, well above the floor (hanging)
        (5, "picture", aa_box((1.5, 2.985, 1.5), (0.6, 0.03, 0.4)), box_points((1.5, 2.985, 1.5), (0.6, 0.03, 0.4), 600, 5)),
        # 6 cup with 7 pen inside it (plug-in), on the floor
        (6, "cup", cyl_box((-2.0, 1.0), 0.05, 0.0, 0.12), cylinder_points((-2.0, 1.0), 0.05, 0.0, 0.12, 3000, 6)),
        (7, "pen", cyl_box((-2.0, 1.0), 0.006, 0.005, 0.145), cylinder_points((-2.0, 1.0), 0.006, 0.005, 0.145, 300, 7)),
        # 8 tree with 9 fence ring around it (encircling)
        (8, "tree", cyl_box((3.0, -1.0), 0.2, 0.0, 3.0), cylinder_points((3.0, -1.0), 0.2, 0.0, 3.0, 1500, 8)),
        (9, "fence", cyl_box((3.0, -1.0), 1.0, 0.0, 0.8), cylinder_points((3.0, -1.0), 1.0, 0.0, 0.8, 2000, 9, bottom=False)),
        # 10, 11 cabinets side by side, touching at x = -1.0 (adhesion)
        (10, "cabinet", aa_box((-1.4, 2.5, 0.5), (0.8, 0.5, 1.0)), box_points((-1.4, 2.5, 0.5), (0.8, 0.5, 1.0), 1500, 10)),
        (11, "shelf", aa_box((-0.6, 2.5, 0.6), (0.8, 0.5, 1.2)), box_points((-0.6, 2.5, 0.6), (0.8, 0.5, 1.2), 1500, 11)),
    ]
    return build(objs, exact=exact)


RELATIONS = [("support", 2, 1), ("stacking", 4, 3), ("plug-in", 7, 6), ("encircling", 9, 8), ("adhesion", 11, 10)]


def comparison_room(exact: bool = False) -> SceneGraph:
    """Six objects of known sizes and places, first seen in frames 0, 1, 2, 3, 4, 0 (two chairs)."""
    spec = [
        (1, "chair", (0.0, 0.0, 0.45), (0.5, 0.5, 0.9), 0, 2),
        (2, "table", (1.5, 1.0, 0.375), (1.6, 0.8, 0.75), 1, 5),
        (3, "lamp", (3.5, 2.5, 0.8), (0.3, 0.3, 1.6), 2, 5),
        (4, "sofa", (-2.5, 3.0, 0.4), (2.0, 0.9, 0.8), 3, 5),
        (5, "plant", (4.0, -1.0, 0.3), (0.4, 0.4, 0.6), 4, 5),
        (6, "chair", (-1.0, -1.5, 0.45), (0.5, 0.5, 0.9), 0, 5),
    ]
    objs = [(oid, cat, aa_box(c, s), box_points(c, s, 1200, oid), f0, f1) for oid, cat, c, s, f0, f1 in spec]
    return build(objs, exact=exact, scene_id="cmp-0001")


def check_generated(g: SceneGraph, task: str, seed: int = 0) -> list:
    """Generate ``task`` on ``g`` against itself: every record scores 1, options are distinct,
    no slot is left unfilled, and the rationale ends with the answer. Returns the records."""
    from spacevista.engine.scene.questions import generate_qa

    res = generate_qa(g, g, seed=seed, task_names=[task])
    assert res.records, res.skipped
    for r in res.records:
        assert r.engine_score == 1.0, (r.question, r.options, r.answer, r.exact_answer)
        assert "{" not in r.question and "{" not in r.rationale
        assert r.rationale.startswith("<think>") and r.rationale.endswith(f"<answer>{r.answer}</answer>")
        if r.answer_type == "mc":
            assert 2 <= len(r.options) <= 4 and len(set(r.options)) == len(r.options)
    again = generate_qa(g, g, seed=seed, task_names=[task])
    assert [r.to_json() for r in again.records] == [r.to_json() for r in res.records]
    return res.records


def template_counts(task: str) -> dict:
    from spacevista.tasks.wording import templates

    t = templates(task)
    return {(form, kind): len(v) for form, kinds in t.items() if form != "rationale" for kind, v in kinds.items()}
