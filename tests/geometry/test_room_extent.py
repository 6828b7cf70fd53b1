"""Room extent: floor area with the floor under standing furniture, and wall coverage along the
floor's outline (a room seen in part leaves its outline open where the floor seen ends)."""

from __future__ import annotations

import numpy as np
import pytest

from spacevista.geometry.boxes import box_footprint
from spacevista.geometry.room import room_extent

W, D, H = 6.0, 5.0, 2.8  # room width (x), depth (y) and height (m)


def _grid(x0: float, x1: float, y0: float, y1: float, step: float = 0.04) -> np.ndarray:
    x, y = np.meshgrid(np.arange(x0, x1, step), np.arange(y0, y1, step), indexing="ij")
    return np.stack([x.ravel(), y.ravel()], 1)


def _wall(p0, p1, z0: float = 0.0, z1: float = H, step: float = 0.04) -> np.ndarray:
    p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
    n = max(2, int(np.linalg.norm(p1 - p0) / step))
    t = np.linspace(0, 1, n)
    xy = p0 + t[:, None] * (p1 - p0)
    z = np.arange(z0, z1, step)
    return np.array([[x, y, h] for x, y in xy for h in z])


def _room(x_seen: float = W, hidden: tuple[float, float, float, float] | None = None,
          ceiling_noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """Background points of a W x D room seen up to ``x_seen`` (the floor and walls beyond it never
    in view), minus the floor and the wall below 2.2 m inside ``hidden`` (x0, x1, y0, y1: a wardrobe
    against the wall at y = D)."""
    rng = np.random.default_rng(seed)
    floor = _grid(0, x_seen, 0, D)
    if hidden is not None:
        x0, x1, y0, y1 = hidden
        floor = floor[~((floor[:, 0] >= x0) & (floor[:, 0] <= x1) & (floor[:, 1] >= y0) & (floor[:, 1] <= y1))]
    parts = [np.c_[floor, np.zeros(len(floor))],
             np.c_[floor, np.full(len(floor), H) + rng.normal(0, ceiling_noise, len(floor))]]
    parts += [_wall((0, 0), (x_seen, 0)), _wall((0, 0), (0, D))]
    back = _wall((0, D), (x_seen, D))
    if hidden is not None:
        x0, x1 = hidden[:2]
        back = back[~((back[:, 0] >= x0) & (back[:, 0] <= x1) & (back[:, 2] < 2.2))]
    parts.append(back)
    if x_seen >= W:
        parts.append(_wall((W, 0), (W, D)))
    return np.concatenate(parts)


def test_a_room_seen_whole_is_closed_by_its_walls():
    room = room_extent(_room(), floor_z=0.0)
    assert room["wall_coverage"] >= 0.95
    assert room["floor_area"] == pytest.approx(W * D, rel=0.03)
    assert room["ceiling_height"] == pytest.approx(H, abs=0.05)


def test_a_room_seen_in_part_leaves_its_outline_open():
    room = room_extent(_room(x_seen=W / 2), floor_z=0.0)
    assert room["floor_area"] == pytest.approx(W * D / 2, rel=0.05)  # the part seen, not the room
    assert room["wall_coverage"] < 0.85


def test_a_noisy_ceiling_does_not_close_the_open_stretch():
    # depth errors spread the ceiling's points down by a few centimetres over the whole floor seen,
    # the open edge included: they are not a wall there
    room = room_extent(_room(x_seen=W / 2, ceiling_noise=0.08), floor_z=0.0)
    assert room["wall_coverage"] < 0.85


def test_the_floor_under_standing_furniture_belongs_to_the_room():
    hidden = (1.0, 3.0, D - 0.6, D)  # a wardrobe against the back wall
    points = _room(hidden=hidden)
    centre = np.array([(hidden[0] + hidden[1]) / 2, (hidden[2] + hidden[3]) / 2, 1.1])
    wardrobe = box_footprint(centre, np.array([hidden[1] - hidden[0], hidden[3] - hidden[2], 2.2]), 0.0)
    without = room_extent(points, floor_z=0.0)
    with_it = room_extent(points, floor_z=0.0, footprints=[wardrobe])
    assert without["floor_area"] < W * D * 0.97  # the notch behind the wardrobe is left out
    assert with_it["floor_area"] == pytest.approx(W * D, rel=0.03)
    assert with_it["wall_coverage"] > without["wall_coverage"]
    assert with_it["wall_coverage"] >= 0.9


def test_a_footprint_past_the_points_widens_the_grid():
    points = _room()
    outside = box_footprint(np.array([W + 1.0, D / 2, 0.5]), np.array([0.5, 0.5, 1.0]), 0.3)
    room = room_extent(points, floor_z=0.0, footprints=[outside])
    # the grid reaches the far footprint (no index error) and the footprint counts as floor
    assert room["floor_area"] > room_extent(points, floor_z=0.0)["floor_area"]


def test_room_size_on_estimated_depth_is_refused_beyond_its_error():
    """An area carries twice the depth's scale error, a volume three times: at 5% neither holds to
    5%; at 2% the area does and the volume does not."""
    from spacevista.engine.scene.gates import IMPRECISE, evidence_refusal
    from spacevista.graph import SceneGraph
    from spacevista.scene import Scale
    from spacevista.tasks.base import Question
    from spacevista.tasks.room_size import RoomSize

    room = {**room_extent(_room(), floor_z=0.0), "floor_z": 0.0}
    task = RoomSize()

    def refusal(kind: str, depth_error: float):
        g = SceneGraph("s", Scale.INDOOR, True, [], [], np.array([0.0, 0.0, 1.0]), floor_z=0.0, room=room,
                       metadata={"depth_error": depth_error})
        return evidence_refusal(task, Question("room_size", "mc", kind), g)

    assert refusal("area", 0.0) is None and refusal("volume", 0.0) is None
    assert refusal("area", 0.02) is None
    assert refusal("volume", 0.02) == IMPRECISE
    assert refusal("area", 0.05) == IMPRECISE
