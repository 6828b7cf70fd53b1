"""The exact scene graph of a synthetic scene: boxes, surfaces and visibility from ground truth."""

from __future__ import annotations

import numpy as np

from spacevista.errors import SceneError
from spacevista.evidence import attach_evidence
from spacevista.geometry.distances import mesh_surface_samples
from spacevista.geometry.lifting import frame_views
from spacevista.graph import Box3D, CameraPose, GraphObject, SceneGraph, View
from spacevista.scene import Scene

#: surface samples per object for exact distances (area-weighted)
SAMPLES = 6000


def truth_graph(scene: Scene, rng: np.random.Generator | None = None) -> SceneGraph:
    """Exact graph: boxes from construction, dense mesh surface samples, visibility from the rendered
    instance maps (which are exact), depth statistics from the rendered depth (exact)."""
    if not scene.has_ground_truth:
        raise SceneError(scene.id, None, "scene has no ground-truth meshes")
    rng = rng or np.random.default_rng(0)
    views: dict[int, dict[int, View]] = {}
    # without rendered depth and instance maps (e.g. a capture with annotated boxes only) visibility
    # is unknown: objects keep no views and only camera questions can be checked exactly
    for frame in (scene.frames if scene.has_depth and scene.has_instances else []):
        for oid, v in frame_views(frame.depth(), frame.instances()).items():
            views.setdefault(oid, {})[frame.index] = View(frame=frame.index, **v)
    objects = []
    for o in scene.objects:
        pts = mesh_surface_samples(o.mesh_vertices, o.mesh_faces, SAMPLES, rng)
        objects.append(GraphObject(o.id, o.category, Box3D(o.center, o.size, o.yaw), pts, views.get(o.id, {}),
                                   attributes=dict(o.attributes)))
    cameras = [CameraPose(f.index, f.camera, f.pose) for f in scene.frames]
    floor = scene.metadata.get("floor_z")
    graph = SceneGraph(scene.id, scene.scale, scene.metric, objects, cameras, np.array([0.0, 0.0, 1.0]),
                       floor_z=None if floor is None else float(floor), room=scene.metadata.get("room"),
                       source=scene.source, exact=True,
                       metadata={"relations": scene.metadata.get("relations", [])})
    attach_evidence(graph)
    return graph
