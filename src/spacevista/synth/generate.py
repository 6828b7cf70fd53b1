"""Procedural scenes at all five scales with exact ground truth, rendered by ray casting.

``generate_scene(scale, seed)`` composes a layout (objects on support surfaces, with spatial
relations built in by construction), picks a camera path typical of the scale, renders RGB,
z-depth and instance maps, and returns an in-memory :class:`~spacevista.scene.Scene`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import trimesh

from spacevista.scene import Camera, Frame, Scale, Scene, SceneObject
from spacevista.synth import CAPTURES
from spacevista.synth import cameras as cams
from spacevista.synth.catalog import CATALOG, fence_ring, pen
from spacevista.synth.catalog import field as field_parts
from spacevista.synth.catalog import track as track_parts
from spacevista.synth.handheld import Obstacles, handheld_capture
from spacevista.synth.layout import Layout, Placed, point_in_polygon, rects_overlap
from spacevista.synth.render import Lighting, Renderer
from spacevista.synth.shapes import CHECKER, NOISE, Material, Part, box, cylinder, rot_z

GENERATOR_VERSION = "1"
#: a frame "sees" an object when at least this many of its pixels are visible
MIN_VISIBLE_PIXELS = 20
#: frame rate implied by the timestamps of a clip (frames are sampled sparsely, as from a video)
FPS = 2.0
#: frames of a clip unless told otherwise
CLIP_FRAMES = 16


@dataclass
class Composition:
    """What a scale composer returns: the layout, background parts and how to film it.

    ``clip(n)`` draws the scale's short clip path from the layout's generator (as it always
    has, so clip scenes keep their bytes); ``site`` is what a handheld path needs to know about
    the stage: ``center``, ``floor_z`` and ``target_z`` (tiny, tabletop), ``room``, ``ceiling``,
    ``loop_center`` and ``loop_semi`` (indoor: the walking loop is kept free of objects),
    ``pavement`` = (y, width, half length) and ``area_radius`` (outdoor), ``area_radius`` (drone).
    """

    layout: Layout
    background: list[Part]
    clip: Callable[[int], list[np.ndarray]]
    floor_z: float
    site: dict[str, Any]
    metadata: dict[str, Any] = field(default_factory=dict)
    lighting: Lighting | None = None


def _build(scale: Scale, name: str, rng: np.random.Generator) -> list[Part]:
    return CATALOG[scale][name].build(rng)


def _add_free(lay: Layout, scale: Scale, names: list[str], z: float) -> list[Placed]:
    out = []
    for name in map(str, names):
        obj = lay.place_free(name, _build(scale, name, lay.rng), z)
        if obj is not None:
            out.append(obj)
    return out


def _circle(radius: float, n: int = 32, center=(0.0, 0.0)) -> np.ndarray:
    t = 2 * np.pi * np.arange(n) / n
    return np.stack([center[0] + radius * np.cos(t), center[1] + radius * np.sin(t)], axis=1)


def _rect(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)


# ------------------------------------------------------------------------------------ composers


def _round_the_middle(rng: np.random.Generator, lay: Layout, bg: list[Part], surface: float,
                      radius: tuple[float, float], height: tuple[float, float], aim: float) -> Composition:
    """A stage filmed round its middle: the clip orbits at a drawn radius and height above ``surface``."""
    def clip(n_frames: int) -> list[np.ndarray]:
        r, h = rng.uniform(*radius), rng.uniform(*height)
        return cams.orbit((0, 0), r, surface + h, n_frames, rng, surface + aim, jitter=0.05)
    site = {"center": (0.0, 0.0), "floor_z": surface, "target_z": surface + aim}
    return Composition(lay, bg, clip, surface, site)


def _tiny(rng: np.random.Generator) -> Composition:
    S = Scale.TINY
    # a wide turntable at table height, so that its top is the one dominant plane in every view
    # (a small plate on a table would put a second plane a few millimetres below the objects)
    floor_z = 0.75
    plate_r = float(rng.uniform(0.085, 0.1))
    bg = [cylinder(0.3, 0.02, [0, 0, floor_z - 0.02], Material((0.85, 0.85, 0.82), CHECKER, 0.01), sections=64)]
    lay = Layout(rng, _circle(plate_r - 0.004), margin=0.002)
    bolt = lay.place_free("bolt", _build(S, "bolt", rng), floor_z)
    if bolt is not None:
        lay.place_around("ring", _build(S, "ring", rng), bolt)
    base = lay.place_free("coin", _build(S, "coin", rng), floor_z)
    if base is not None:
        top = lay.place_on("coin", lambda: _build(S, "coin", rng), base, relation="stacking")
        if top is not None:
                lay.place_on("nut", lambda: _build(S, "nut", rng), top)
    _add_free(lay, S, ["bead"] * int(rng.integers(2, 4)) + ["screw"] * int(rng.integers(1, 3)), floor_z)
    extra = list(rng.choice(["pill", "key", "battery", "dice", "nut"], size=3, replace=False))
    _add_free(lay, S, extra, floor_z)
    return _round_the_middle(rng, lay, bg, floor_z, (0.14, 0.22), (0.08, 0.15), 0.004)


def _tabletop(rng: np.random.Generator) -> Composition:
    S = Scale.TABLETOP
    top = float(rng.uniform(0.72, 0.78))
    L, W = rng.uniform(1.2, 1.5), rng.uniform(0.8, 0.95)
    wood = Material((0.6, 0.45, 0.3), NOISE, 0.03)
    bg = [box([6, 6, 0.02], [0, 0, -0.01], Material((0.55, 0.55, 0.58), CHECKER, 0.3)),
          box([L, W, 0.04], [0, 0, top - 0.02], wood)]
    bg += [box([0.05, 0.05, top - 0.04], [sx * (L / 2 - 0.06), sy * (W / 2 - 0.06), (top - 0.04) / 2], wood)
           for sx in (-1, 1) for sy in (-1, 1)]
    lay = Layout(rng, _rect(-0.5, -0.32, 0.5, 0.32), margin=0.01)
    b1 = lay.place_free("book", _build(S, "book", rng), top)
    if b1 is not None:
        b2 = lay.place_on("book", lambda: _build(S, "book", rng), b1, relation="stacking", yaw=b1.yaw)
        if b2 is not None:
            lay.place_on("mug", _build(S, "mug", rng), b2)
    crate = lay.place_free("box", _build(S, "box", rng), top)
    if crate is not None:
        lay.place_on("apple", _build(S, "apple", rng), crate)
    mug = lay.place_free("mug", _build(S, "mug", rng), top)
    if mug is not None:
        lay.place_inside("pen", pen(rng, upright=True), mug, 0.004, offset=0.01)
    vase = lay.place_free("vase", _build(S, "vase", rng), top)
    if vase is not None:
        lay.place_inside("flower", _build(S, "flower", rng), vase, 0.006, offset=0.0)
    names = ["apple"] * int(rng.integers(1, 3))
    names += list(rng.choice(["keyboard", "laptop", "phone", "bottle", "bowl", "pen"], size=4, replace=False))
    _add_free(lay, S, names, top)
    return _round_the_middle(rng, lay, bg, top, (0.6, 0.85), (0.4, 0.6), 0.05)


def _room_polygon(rng: np.random.Generator) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """A rectangular or L-shaped floor polygon (CCW) and the rectangle the camera walks in."""
    W, D = float(rng.uniform(6.0, 8.5)), float(rng.uniform(5.5, 7.5))
    if rng.random() < 0.35:
        cw, cd = float(rng.uniform(1.5, 2.5)), float(rng.uniform(1.5, 2.0))
        poly = np.array([[0, 0], [W, 0], [W, D - cd], [W - cw, D - cd], [W - cw, D], [0, D]], dtype=np.float64)
        return poly, (0.0, 0.0, W, D - cd)
    return _rect(0, 0, W, D), (0.0, 0.0, W, D)


def _indoor(rng: np.random.Generator) -> Composition:
    S = Scale.INDOOR
    poly, walk = _room_polygon(rng)
    H = float(rng.uniform(2.6, 3.0))
    x0, y0, x1, y1 = poly[:, 0].min(), poly[:, 1].min(), poly[:, 0].max(), poly[:, 1].max()
    bg = [box([x1 - x0 + 0.4, y1 - y0 + 0.4, 0.1], [(x0 + x1) / 2, (y0 + y1) / 2, -0.05],
              Material((0.62, 0.5, 0.38), CHECKER, 0.5)),
          box([x1 - x0 + 0.4, y1 - y0 + 0.4, 0.1], [(x0 + x1) / 2, (y0 + y1) / 2, H + 0.05],
              Material((0.93, 0.93, 0.9)))]
    wall_mat = Material(tuple(float(c) for c in rng.uniform(0.7, 0.92, 3)), NOISE, 0.4)
    for i in range(len(poly)):
        p, q = poly[i], poly[(i + 1) % len(poly)]
        e = q - p
        length = float(np.linalg.norm(e))
        outward = np.array([e[1], -e[0]]) / length  # CCW polygon: the right-hand normal points out
        c = (p + q) / 2 + 0.05 * outward
        yaw = float(np.arctan2(e[1], e[0]))
        bg.append(box([length + 0.2, 0.1, H + 0.2], [c[0], c[1], H / 2], wall_mat, rotation=rot_z(yaw)))
    wx0, wy0, wx1, wy1 = walk
    center = ((wx0 + wx1) / 2, (wy0 + wy1) / 2)
    semi = (max((wx1 - wx0) / 2 - 1.2, 0.8), max((wy1 - wy0) / 2 - 1.2, 0.8))
    lay = Layout(rng, poly, margin=0.1, keepout=cams.loop_points(center, semi), keepout_radius=0.35)
    # the dining table sits inside the walking loop, chairs around it
    tbl = lay.place_free("table", _build(S, "table", rng), 0.0,
                         around=(center[0] - 0.4, center[1] - 0.3, center[0] + 0.4, center[1] + 0.3))
    if tbl is not None:
        lay.place_on("vase", lambda: _build(S, "vase", rng), tbl)
        _chairs_around(lay, tbl, int(rng.integers(2, 5)))
    for _ in range(6):  # a pair of side-touching cabinets (adhesion), a tv on one of them
        cab = lay.place_against_wall("cabinet", _build(S, "cabinet", rng), tries=10)
        if cab is None:
            continue
        cab2 = lay.place_beside("cabinet", _build(S, "cabinet", rng), cab, side=int(rng.choice([-1, 1])))
        if cab2 is None:
            lay.undo(cab)
            continue
        lay.place_on("tv", lambda: _build(S, "tv", rng), cab2, yaw=cab2.yaw)
        break
    big = "bed" if rng.random() < 0.4 else "sofa"
    for name in ["bookshelf", big]:
        lay.place_against_wall(name, _build(S, name, rng))
    for _ in range(int(rng.integers(1, 3))):
        pic = lay.place_against_wall("picture", _build(S, "picture", rng), z=1.2, zmax=1.6)
        if pic is not None:
            lay.relate("hanging", pic, None, on="wall")
    _add_free(lay, S, ["lamp"] + ["plant"] * int(rng.integers(1, 3)), 0.0)
    _hang_from_ceiling(lay, _build(S, "pendant lamp", rng), H)
    room = {"floor_polygon": poly.tolist(), "floor_z": 0.0, "ceiling_height": H}
    # indoors: soft light from above and one side, with more ambient so the ceiling is not dark
    light = Lighting(direction=(0.5, 0.3, 0.8), ambient=0.5, diffuse=0.55)
    site = {"room": poly, "ceiling": H, "loop_center": center, "loop_semi": semi}
    return Composition(lay, bg, lambda n_frames: cams.walk_loop(center, semi, 1.5, n_frames, rng), 0.0, site,
                       {"room": room}, light)


def _hang_from_ceiling(lay: Layout, parts: list[Part], ceiling: float, tries: int = 40) -> Placed | None:
    """A pendant lamp whose cord meets the ceiling, over a free patch of floor (nothing under it)."""
    for _ in range(tries):
        lamp = Placed("pendant lamp", parts, 0.0)
        lo, hi = lay.region.min(axis=0) + 0.5, lay.region.max(axis=0) - 0.5
        lamp.pos = np.array([*lay.rng.uniform(lo, hi), ceiling - lamp.hi[2]])
        fp = lamp.footprint()
        if not point_in_polygon(fp, lay.region).all():
            continue
        if any(rects_overlap(fp, o.footprint(), lay.margin) for o in lay.objects):
            continue
        lay.add(lamp)
        lay.relate("hanging", lamp, None, on="ceiling")
        return lamp
    return None


def _chairs_around(lay: Layout, tbl: Placed, n: int) -> None:
    """Chairs facing the table from its sides (chairs face their local +x)."""
    S = Scale.INDOOR
    half = (tbl.hi - tbl.lo) / 2
    slots = [(1, 0), (-1, 0), (0, 1), (0, -1), (1, 0.5), (-1, -0.5)]
    order = lay.rng.permutation(len(slots))
    placed = 0
    for k in order:
        if placed >= n:
            break
        sx, sy = slots[k]
        parts = _build(S, "chair", lay.rng)
        chair = Placed("chair", parts)
        depth = (chair.hi[0] - chair.lo[0]) / 2 + 0.12
        if sy in (1, -1) and sx == 0:
            local = np.array([0.0, sy * (half[1] + depth)])
            chair.yaw = tbl.yaw - sy * np.pi / 2
        else:
            local = np.array([sx * (half[0] + depth), sy * half[1] * 0.8])
            chair.yaw = tbl.yaw + (np.pi if sx > 0 else 0.0)
        c, s = np.cos(tbl.yaw), np.sin(tbl.yaw)
        xy = tbl.pos[:2] + np.array([c * local[0] - s * local[1], s * local[0] + c * local[1]])
        chair.pos = np.array([xy[0], xy[1], 0.0])
        if lay.fits(chair):
            lay.add(chair)
            placed += 1


def _outdoor(rng: np.random.Generator) -> Composition:
    S = Scale.OUTDOOR
    R = float(rng.uniform(11.0, 14.0))
    # a pavement along one side of the object area: (centre line y, width, half length)
    pavement = (-R - 3.0, 3.0, R + 2.0)
    bg = [box([400, 400, 0.1], [0, 0, -0.05], Material((0.42, 0.5, 0.3), NOISE, 0.6)),
          box([2 * pavement[2], pavement[1], 0.02], [0, pavement[0], 0.0], Material((0.6, 0.6, 0.58), CHECKER, 0.5))]
    lay = Layout(rng, _circle(R), margin=0.3)
    for _ in range(3):  # a fenced tree (encircling); retry with a new tree if the fence does not fit
        t = lay.place_free("tree", _build(S, "tree", rng), 0.0)
        if t is None:
            continue
        trunk_r = float(t.parts[0].mesh.vertices[:, 0].max())
        if lay.place_around("fence", fence_ring(float(rng.uniform(1.0, 1.6)) + trunk_r, rng), t) is not None:
            break
    b = lay.place_free("bench", _build(S, "bench", rng), 0.0)
    if b is not None:
        seat, back = b.parts[2].mesh.bounds, b.parts[3].mesh.bounds
        b.support = (float(seat[0, 0]), float(back[1, 1]) + 0.005, float(seat[1, 0]), float(seat[1, 1]),
                     float(seat[1, 2]))
        lay.place_on("backpack", _build(S, "backpack", rng), b, yaw=b.yaw + float(rng.uniform(-0.3, 0.3)))
    post = lay.place_free("lamp post", _build(S, "lamp post", rng), 0.0)
    if post is not None:
        parts = _build(S, "banner", rng)
        ban = Placed("banner", parts, post.yaw)
        half_w = (ban.hi[1] - ban.lo[1]) / 2
        h_post, h_ban = post.hi[2], ban.hi[2]
        z = min(float(rng.uniform(1.8, 2.3)), h_post - 0.5 - h_ban)
        c, s = np.cos(post.yaw), np.sin(post.yaw)
        off = -(0.09 + half_w + 0.001)
        ban.pos = post.pos + np.array([-s * off, c * off, z])
        lay.exempt(ban, post)
        if lay.fits(ban):
            lay.add(ban)
            lay.relate("hanging", ban, post)
    bin1 = lay.place_free("trash bin", _build(S, "trash bin", rng), 0.0)
    if bin1 is not None:
        # an identical bin beside it: the lids touch
        lay.place_beside("trash bin", bin1.parts, bin1, align="center")
    names = ["car"] * int(rng.integers(1, 4)) + ["tree"] * int(rng.integers(1, 3))
    names += list(rng.choice(["bicycle", "hydrant", "sign", "bench"], size=3, replace=False))
    _add_free(lay, S, names, 0.0)

    def clip(n_frames: int) -> list[np.ndarray]:
        return cams.orbit((0, 0), R + float(rng.uniform(4.0, 6.0)), 1.6, n_frames, rng, 1.0, jitter=0.03)
    site = {"area_radius": R, "pavement": pavement}
    return Composition(lay, bg, clip, 0.0, site)


def _drone(rng: np.random.Generator) -> Composition:
    S = Scale.DRONE
    half = 140.0
    bg = [box([3000, 3000, 0.2], [0, 0, -0.1], Material((0.45, 0.47, 0.33), NOISE, 15.0))]
    lay = Layout(rng, _circle(half, 48), margin=3.0)
    fl, fw = float(rng.uniform(60, 90)), float(rng.uniform(35, 55))
    trk = lay.place_free("track", track_parts(fl, fw, rng), 0.0)
    if trk is not None:  # a running track around a sports field (encircling)
        fld = Placed("field", field_parts(rng, (fl, fw)), trk.yaw, trk.pos.copy())
        lay.exempt(fld, trk)
        lay.add(fld)
        lay.relate("encircling", trk, fld)
    road_parts = CATALOG[S]["road"].build(rng)
    for _ in range(30):  # a straight road through the whole area, clear of the track
        road = Placed("road", road_parts, float(rng.uniform(-np.pi, np.pi)),
                      np.array([*rng.uniform(-60, 60, 2), 0.0]))
        if lay.fits(road, in_region=False):
            lay.add(road)
            for name in ["car", "truck"] * int(rng.integers(1, 3)):
                lay.place_on(name, _build(S, name, rng), road, yaw=road.yaw + float(rng.choice([0.0, np.pi])))
            break
    lot = lay.place_free("parking lot", _build(S, "parking lot", rng), 0.0)
    if lot is not None:
        for _ in range(int(rng.integers(3, 7))):
            lay.place_on("car", _build(S, "car", rng), lot, yaw=lot.yaw + float(rng.choice([np.pi / 2, -np.pi / 2])))
    for _ in range(6):  # two buildings wall to wall (adhesion)
        bld = lay.place_free("building", _build(S, "building", rng), 0.0, tries=10)
        if bld is None:
            continue
        if lay.place_beside("building", _build(S, "building", rng), bld, side=int(rng.choice([-1, 1]))) is None:
            lay.undo(bld)
            continue
        break
    names = ["building"] * int(rng.integers(1, 4)) + ["tree"] * int(rng.integers(3, 7))
    names += ["pool", "tower", "water tank"]
    _add_free(lay, S, names, 0.0)

    def clip(n_frames: int) -> list[np.ndarray]:
        radius, alt = float(rng.uniform(170, 210)), float(rng.uniform(70, 130))
        return cams.orbit((0, 0), radius, alt, n_frames, rng, 0.0, jitter=0.05)
    return Composition(lay, bg, clip, 0.0, {"area_radius": half})


COMPOSERS: dict[Scale, Callable[[np.random.Generator], Composition]] = {
    Scale.TINY: _tiny, Scale.TABLETOP: _tabletop, Scale.INDOOR: _indoor, Scale.OUTDOOR: _outdoor,
    Scale.DRONE: _drone}


# ---------------------------------------------------------------------------------------- scene


def scene_id(scale: Scale | str, seed: int) -> str:
    """Deterministic id of the synthetic scene of ``scale`` made from ``seed``."""
    return f"synth-{Scale.parse(scale).value}-{seed:04d}"


def generate_scene(scale: Scale | str, seed: int, n_frames: int | None = None, width: int = 320,
                   height: int = 240, capture: str = "clip") -> Scene:
    """A procedural scene of ``scale`` with exact meshes, depth, instance maps and relations.

    ``capture`` is ``"clip"`` (the scale's short clip, 16 frames unless ``n_frames`` says
    otherwise, two frames a second) or ``"handheld"`` (a long, partial, shaky video-rate path;
    150-300 frames drawn per scene unless ``n_frames`` is given; see ``synth.handheld``).
    The same ``scale``/``seed``/capture/frame settings give identical arrays, poses and metadata,
    and the layout is the same whatever the capture and the frame count.
    """
    scale = Scale.parse(scale)
    if n_frames is not None and n_frames < 1:
        raise ValueError(f"n_frames must be at least 1, got {n_frames}")
    if width < 8 or height < 8:
        raise ValueError(f"image size must be at least 8x8, got {width}x{height}")
    if capture not in CAPTURES:
        raise ValueError(f"unknown capture {capture!r}; expected one of {', '.join(CAPTURES)}")
    # the layout is drawn before the camera path, so the frame count never changes the layout
    rng = np.random.default_rng([seed, list(Scale).index(scale)])
    comp = COMPOSERS[scale](rng)
    if capture == "clip":
        n = CLIP_FRAMES if n_frames is None else n_frames
        poses, fps, shot = comp.clip(n), FPS, {"mode": "clip", "fps": FPS, "frames": n}
    else:
        # its own generator: a handheld path never shifts a draw of the layout or of the clip
        shot_rng = np.random.default_rng([seed, list(Scale).index(scale), 1])
        obstacles = Obstacles.of([o.box() for o in comp.layout.objects])
        cap = handheld_capture(scale, comp.site, obstacles, shot_rng, n_frames)
        poses, fps, shot = cap.poses, cap.fps, cap.metadata
    lay = comp.layout
    world = {o.id: o.world_parts() for o in lay.objects}
    parts = [(p, 0) for p in comp.background] + [(p, oid) for oid, ps in world.items() for p in ps]
    renderer = Renderer(parts, comp.lighting)
    camera = Camera.from_fov(width, height, cams.HFOV[scale])
    frames, pixels = [], np.zeros((len(poses), len(lay.objects) + 1), dtype=np.int64)
    for i, pose in enumerate(poses):
        rgb, depth, inst = renderer.render(camera, pose)
        pixels[i] = np.bincount(inst.ravel(), minlength=len(lay.objects) + 1)
        frames.append(Frame(index=i, camera=camera, pose=pose, timestamp=i / fps,
                            rgb_array=rgb, depth_array=depth, instance_array=inst))
    objects = []
    for o in lay.objects:
        center, size, yaw = o.box()
        mesh = trimesh.util.concatenate([p.mesh for p in world[o.id]])
        counts = pixels[:, o.id]
        objects.append(SceneObject(
            id=o.id, category=o.category, center=center, size=size, yaw=float(yaw),
            mesh_vertices=np.asarray(mesh.vertices, dtype=np.float64),
            mesh_faces=np.asarray(mesh.faces, dtype=np.int64),
            attributes={"color": [round(c, 4) for c in o.parts[0].material.color],
                        "pixels_per_frame": counts.tolist(),
                        "visible_frames": np.flatnonzero(counts >= MIN_VISIBLE_PIXELS).tolist()}))
    metadata = {"generator": {"name": "spacevista.synth", "version": GENERATOR_VERSION, "seed": seed},
                "floor_z": comp.floor_z, "relations": lay.relations, "hfov_deg": cams.HFOV[scale],
                "capture": shot, **comp.metadata}
    return Scene(id=scene_id(scale, seed), scale=scale, frames=frames, metric=True,
                 up=np.array([0.0, 0.0, 1.0]), up_method="given", objects=objects, source="synth",
                 metadata=metadata)

