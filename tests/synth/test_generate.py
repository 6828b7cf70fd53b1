import numpy as np
import pytest
import trimesh

from spacevista.scene import Scale
from spacevista.synth.generate import generate_scene, scene_id
from spacevista.synth.layout import rects_overlap

SCALES = list(Scale)


@pytest.fixture(scope="module")
def scenes():
    return {s: generate_scene(s, seed=3, n_frames=6, width=96, height=72) for s in SCALES}


def _mesh(obj):
    return trimesh.Trimesh(obj.mesh_vertices, obj.mesh_faces, process=False)


def _footprint(obj):
    sx, sy = obj.size[:2] / 2
    c, s = np.cos(obj.yaw), np.sin(obj.yaw)
    local = np.array([[-sx, -sy], [sx, -sy], [sx, sy], [-sx, sy]])
    return local @ np.array([[c, -s], [s, c]]).T + obj.center[:2]


def _distance(mesh, points):
    """Unsigned distance from each point to the mesh surface (exhaustive over triangles)."""
    tris = mesh.triangles
    out = np.empty(len(points))
    for i, p in enumerate(np.atleast_2d(points)):
        closest = trimesh.triangles.closest_point(tris, np.tile(p, (len(tris), 1)))
        out[i] = np.sqrt(((closest - p) ** 2).sum(1)).min()
    return out


def _extent(scene):
    v = np.concatenate([o.mesh_vertices for o in scene.objects])
    return float(np.linalg.norm(v.max(0) - v.min(0)))


@pytest.mark.parametrize("scale", SCALES)
def test_every_scale_renders_objects(scenes, scale):
    scene = scenes[scale]
    assert scene.id == scene_id(scale, 3) == f"synth-{scale.value}-0003"
    assert scene.scale is scale and scene.metric and scene.has_ground_truth
    cats = {o.category for o in scene.objects}
    assert len(cats) >= 5
    f = scene.frames[0]
    assert f.rgb().shape == (72, 96, 3) and f.rgb().dtype == np.uint8
    assert f.depth().shape == (72, 96) and f.depth().dtype == np.float32
    assert f.instances().dtype == np.int32
    seen = set(np.unique(np.concatenate([fr.instances().ravel() for fr in scene.frames]))) - {0}
    assert len(seen) > 0 and seen <= {o.id for o in scene.objects}
    assert scene.metadata["relations"], "each scale builds at least one spatial relation"
    assert "floor_z" in scene.metadata
    # poses are rigid camera-to-world transforms
    for fr in scene.frames:
        R = fr.pose[:3, :3]
        np.testing.assert_allclose(R @ R.T, np.eye(3), atol=1e-9)
        assert np.linalg.det(R) == pytest.approx(1.0)


@pytest.mark.parametrize("scale", SCALES)
def test_depth_back_projects_onto_meshes(scenes, scale):
    scene = scenes[scale]
    rng = np.random.default_rng(0)
    checked = 0
    for fr in scene.frames[:3]:
        depth, inst = fr.depth(), fr.instances()
        rows, cols = np.nonzero(inst > 0)
        pick = rng.choice(len(rows), size=min(25, len(rows)), replace=False) if len(rows) else []
        K = fr.camera.K
        for k in pick:
            r, c = rows[k], cols[k]
            z = float(depth[r, c])
            p_cam = np.array([(c + 0.5 - K[0, 2]) / K[0, 0] * z, (r + 0.5 - K[1, 2]) / K[1, 1] * z, z])
            p = fr.pose[:3, :3] @ p_cam + fr.pose[:3, 3]
            mesh = _mesh(scene.object(int(inst[r, c])))
            dist = _distance(mesh, p[None])
            assert dist[0] < 1e-3 * z, (scene.id, r, c, dist[0], z)
            checked += 1
    assert checked >= 20


def test_same_seed_same_bytes_other_seed_differs():
    a = generate_scene("tabletop", 7, n_frames=2, width=48, height=32)
    b = generate_scene("tabletop", 7, n_frames=2, width=48, height=32)
    c = generate_scene("tabletop", 8, n_frames=2, width=48, height=32)
    for fa, fb in zip(a.frames, b.frames):
        assert fa.rgb().tobytes() == fb.rgb().tobytes()
        assert fa.depth().tobytes() == fb.depth().tobytes()
        assert fa.instances().tobytes() == fb.instances().tobytes()
        assert fa.pose.tobytes() == fb.pose.tobytes()
    assert [o.mesh_vertices.tobytes() for o in a.objects] == [o.mesh_vertices.tobytes() for o in b.objects]
    assert a.metadata == b.metadata
    assert a.frames[0].rgb().tobytes() != c.frames[0].rgb().tobytes()


def test_frame_count_does_not_change_layout():
    a = generate_scene("indoor", 5, n_frames=2, width=32, height=24)
    b = generate_scene("indoor", 5, n_frames=5, width=32, height=24)
    assert [o.center.tolist() for o in a.objects] == [o.center.tolist() for o in b.objects]


@pytest.mark.parametrize("scale", SCALES)
def test_objects_do_not_interpenetrate(scenes, scale):
    scene = scenes[scale]
    tol = 1e-6 * _extent(scene)
    objs = scene.objects
    for i, a in enumerate(objs):
        for b in objs[i + 1:]:
            za = (a.center[2] - a.size[2] / 2, a.center[2] + a.size[2] / 2)
            zb = (b.center[2] - b.size[2] / 2, b.center[2] + b.size[2] / 2)
            if za[1] <= zb[0] + tol or zb[1] <= za[0] + tol:
                continue
            if not rects_overlap(_footprint(a), _footprint(b), -tol):
                continue
            # boxes overlap (nested by construction): the meshes themselves must stay apart
            for x, y in ((a, b), (b, a)):
                pts, _ = trimesh.sample.sample_surface(_mesh(x), 300, seed=1)
                pts = np.concatenate([pts, x.mesh_vertices])
                for part in _mesh(y).split(only_watertight=False):
                    assert part.is_watertight
                    inside = pts[part.contains(pts)]
                    if len(inside):  # only points on the shared surface (touching) may count as inside
                        depth = _distance(part, inside)
                        assert depth.max() < max(tol, 1e-9), (scene.id, x.category, y.category, depth.max())


def _down_gap(scene, a, b):
    """Vertical distance from a's lowest point straight down to b's surface."""
    mesh = _mesh(b)
    bottom = a.center[2] - a.size[2] / 2
    origin = np.array([[a.center[0], a.center[1], bottom + 1e-7 * _extent(scene)]])
    loc, _, _ = mesh.ray.intersects_location(origin, np.array([[0.0, 0.0, -1.0]]))
    assert len(loc), f"{a.category} {a.id} is not above {b.category} {b.id}"
    return float(bottom - loc[:, 2].max())


def _surrounds(a_mesh, center, zs, n_dirs=12):
    ang = 2 * np.pi * np.arange(n_dirs) / n_dirs
    dirs = np.stack([np.cos(ang), np.sin(ang), np.zeros(n_dirs)], axis=1)
    hit = np.zeros(n_dirs, dtype=bool)
    for z in zs:
        origins = np.tile([center[0], center[1], z], (n_dirs, 1))
        hit |= a_mesh.ray.intersects_any(origins, dirs)
    return bool(hit.all())


@pytest.mark.parametrize("scale", SCALES)
def test_recorded_relations_hold(scenes, scale):
    scene = scenes[scale]
    ext = _extent(scene)
    floor_z = scene.metadata["floor_z"]
    for rel in scene.metadata["relations"]:
        a = scene.object(rel["a"])
        b = scene.object(rel["b"]) if rel["b"] else None
        kind = rel["type"]
        if kind in ("support", "stacking"):
            assert abs(_down_gap(scene, a, b)) < 1e-5 * ext
            if kind == "stacking":
                assert a.category == b.category
        elif kind == "plug-in":
            lo_a, hi_a = a.center - a.size / 2, a.center + a.size / 2
            pts = np.random.default_rng(0).uniform(lo_a, hi_a, (2000, 3))
            c, s = np.cos(-b.yaw), np.sin(-b.yaw)
            local = (pts - b.center)[:, :2] @ np.array([[c, -s], [s, c]]).T
            inside = (np.abs(local) <= b.size[:2] / 2).all(1) & (np.abs(pts[:, 2] - b.center[2]) <= b.size[2] / 2)
            assert inside.mean() > 0.5
        elif kind == "encircling":
            zs = np.linspace(a.center[2] - a.size[2] / 2, a.center[2] + a.size[2] / 2, 9)[1:-1]
            assert _surrounds(_mesh(a), b.center, zs)
        elif kind == "adhesion":
            dist = _distance(_mesh(b), a.mesh_vertices)
            assert dist.min() < 1e-3 * max(a.size.max(), b.size.max())
        elif kind == "hanging":
            bottom = a.center[2] - a.size[2] / 2
            assert bottom > floor_z + 0.2 * a.size[2]
            # nothing under it
            below = np.array([[a.center[0], a.center[1], bottom - 1e-7 * ext]])
            for o in scene.objects:
                if o.id != a.id:
                    assert not _mesh(o).ray.intersects_any(below, np.array([[0.0, 0.0, -1.0]]))[0]
            if b is not None:
                dist = _distance(_mesh(b), a.mesh_vertices)
                assert dist.min() < 0.01 * a.size.max()
            elif rel.get("on") == "ceiling":
                top = a.center[2] + a.size[2] / 2
                assert abs(top - scene.metadata["room"]["ceiling_height"]) < 1e-9 * ext
            else:  # on a wall of the room
                poly = np.asarray(scene.metadata["room"]["floor_polygon"])
                d = min(_seg_dist(_footprint(a), poly[i], poly[(i + 1) % len(poly)]) for i in range(len(poly)))
                assert d < 1e-6 * ext
        else:
            pytest.fail(f"unknown relation {kind}")


def _seg_dist(points, p, q):
    d = q - p
    t = np.clip(((points - p) @ d) / (d @ d), 0, 1)
    return float(np.linalg.norm(points - (p + t[:, None] * d), axis=1).min())


def test_relation_kinds_across_scales(scenes):
    kinds = {r["type"] for s in scenes.values() for r in s.metadata["relations"]}
    assert kinds >= {"support", "stacking", "hanging", "adhesion", "encircling", "plug-in"}


def test_indoor_room_metadata(scenes):
    room = scenes[Scale.INDOOR].metadata["room"]
    poly = np.asarray(room["floor_polygon"])
    assert poly.shape[1] == 2 and len(poly) in (4, 6)
    assert room["floor_z"] == 0.0 and 2.4 < room["ceiling_height"] < 3.2
    # every camera stays inside the room, at eye height
    from spacevista.synth.layout import point_in_polygon
    for fr in scenes[Scale.INDOOR].frames:
        assert point_in_polygon(fr.position[None, :2], poly)[0]
        assert 1.3 < fr.position[2] < 1.7


def test_bad_arguments():
    with pytest.raises(ValueError):
        generate_scene("tiny", 0, n_frames=0)
    with pytest.raises(ValueError):
        generate_scene("galaxy", 0)


def test_l_shaped_room_keeps_cameras_and_objects_inside():
    scene = generate_scene("indoor", 4, n_frames=6, width=48, height=36)
    from spacevista.synth.layout import point_in_polygon
    poly = np.asarray(scene.metadata["room"]["floor_polygon"])
    assert len(poly) == 6  # seed 4 draws an L-shaped room
    for fr in scene.frames:
        assert point_in_polygon(fr.position[None, :2], poly)[0]
    for o in scene.objects:
        assert point_in_polygon(_footprint(o), poly).all(), o.category
    # a closed room: every ray hits something
    assert all((fr.depth() > 0).all() for fr in scene.frames)


@pytest.mark.parametrize("scale,lo,hi", [("tiny", 0.1, 0.4), ("tabletop", 0.5, 1.2)])
def test_orbit_distances(scenes, scale, lo, hi):
    scene = scenes[Scale(scale)]
    center = np.array([0.0, 0.0, scene.metadata["floor_z"]])
    for fr in scene.frames:
        assert lo <= np.linalg.norm(fr.position - center) <= hi


def test_camera_heights(scenes):
    assert all(1.4 < f.position[2] < 1.8 for f in scenes[Scale.OUTDOOR].frames)
    assert all(30 <= f.position[2] <= 300 for f in scenes[Scale.DRONE].frames)
    # drone frames look down obliquely: optical axis below the horizon, not straight down
    for f in scenes[Scale.DRONE].frames:
        assert -0.95 < f.pose[2, 2] < -0.2


def test_object_sizes_follow_the_scale(scenes):
    ranges = {Scale.TINY: (0.002, 0.06), Scale.TABLETOP: (0.03, 0.6), Scale.INDOOR: (0.3, 4.0),
              Scale.OUTDOOR: (0.4, 40.0), Scale.DRONE: (4.0, 500.0)}
    for scale, (lo, hi) in ranges.items():
        for o in scenes[scale].objects:
            assert lo <= o.size.max() <= hi, (scale, o.category, o.size)


def test_boxes_contain_meshes(scenes):
    for scene in scenes.values():
        for o in scene.objects:
            assert -np.pi <= o.yaw <= np.pi
            c, s = np.cos(o.yaw), np.sin(o.yaw)
            local = (o.mesh_vertices - o.center) @ np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
            assert (np.abs(local) <= o.size / 2 + 1e-9 * o.size.max()).all(), o.category
            np.testing.assert_allclose(np.abs(local).max(0), o.size / 2, rtol=1e-9)  # tight
