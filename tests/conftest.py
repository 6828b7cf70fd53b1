"""Shared fixtures: hand-built scene graphs whose answers are known by construction."""

from __future__ import annotations

import numpy as np
import pytest

from spacevista.graph import Box3D, CameraPose, GraphObject, SceneGraph, View
from spacevista.scene import Camera, Scale


def box_surface(center, size, n=600, seed=0) -> np.ndarray:
    """Points on the six faces of an axis-aligned box."""
    rng = np.random.default_rng(seed)
    c, s = np.asarray(center, float), np.asarray(size, float)
    pts = rng.uniform(-0.5, 0.5, size=(n, 3))
    axis = rng.integers(0, 3, size=n)
    sign = rng.choice([-0.5, 0.5], size=n)
    pts[np.arange(n), axis] = sign
    return c + pts * s


def make_graph(objects, scale=Scale.INDOOR, n_frames=4, exact=False) -> SceneGraph:
    """objects: list of (id, category, center, size); every object visible in every frame."""
    cam = Camera.from_fov(320, 240, 60)
    cameras = []
    for f in range(n_frames):
        pose = np.eye(4)
        pose[:3, :3] = np.array([[1, 0, 0], [0, 0, 1], [0, -1, 0]])  # looking along +y, z up
        pose[:3, 3] = [f * 0.1, -5.0, 1.0]
        cameras.append(CameraPose(f, cam, pose))
    objs = []
    for oid, cat, center, size in objects:
        pts = box_surface(center, size, seed=oid)
        views = {}
        for c in cameras:
            z = float(np.min((pts - c.position) @ c.pose[:3, 2]))
            views[c.frame] = View(c.frame, 2500, (10 * oid, 10, 10 * oid + 50, 60), (30, 10 * oid + 20), z, z + 0.1)
        objs.append(GraphObject(oid, cat, Box3D(center, size, 0.0), pts, views))
    return SceneGraph("hand-0001", scale, True, objs, cameras, np.array([0, 0, 1.0]), floor_z=0.0,
                      frame_paths=[f"frames/hand-0001/{i:05d}.jpg" for i in range(n_frames)], exact=exact)


@pytest.fixture
def room_graph() -> SceneGraph:
    return make_graph([
        (1, "chair", (0.0, 0.0, 0.45), (0.5, 0.5, 0.9)),
        (2, "chair", (2.0, 0.0, 0.45), (0.5, 0.5, 0.9)),
        (3, "table", (1.0, 2.0, 0.375), (1.6, 0.8, 0.75)),
        (4, "sofa", (-2.0, 3.0, 0.4), (2.0, 0.9, 0.8)),
        (5, "lamp", (3.0, 3.0, 0.8), (0.3, 0.3, 1.6)),
    ])
