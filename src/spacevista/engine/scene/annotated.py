"""The annotated scene graph: a real scan measured on the 3D annotation people made of it.

Where a source ships its own annotation (``Scene.annotations()``: ScanNet, ScanNet++, ARKitScenes),
metric answers come from it instead of from lifting: an object's points are its annotated surface,
its box is fitted to its annotated geometry, whatever part of it the frames show. Which objects a
question names, and whether the clip shows them, are still decided on the lifted graph; this graph
only answers. Its objects keep the ids of the frames' 2-D instance tracks, and it sees an object in
a frame exactly where the track does (``views`` from the frame's instance map); a view's depths are
those of the annotated surface, cast through the frame's camera.

Tracks and annotated objects match by id when the reader says the 2-D ids are the annotation's own
(``scene.metadata["annotation"]["instance_ids"]``: ScanNet's ``instance-filt``, or maps projected
from the annotation); otherwise each track is matched to the annotated object its pixels overlap
most, as that object's projection (at least half the track's pixels, and mutually best).
"""

from __future__ import annotations

from collections import Counter
from typing import Iterator

import numpy as np
from scipy import ndimage

from spacevista.engine.scene.lift import TYPICAL_SIZE, world_alignment
from spacevista.engine.scene.truth import SAMPLES
from spacevista.evidence import attach_evidence
from spacevista.geometry.boxes import upright_box
from spacevista.geometry.distances import mesh_surface_samples
from spacevista.geometry.lifting import frame_views
from spacevista.geometry.raycast import MeshCaster
from spacevista.geometry.room import room_extent, support_height
from spacevista.graph import Box3D, GraphObject, SceneGraph, View
from spacevista.scene import Annotations, Frame, Scene

#: a track matches an annotated object covering at least this fraction of its pixels
MIN_TRACK_OVERLAP = 0.5
#: cell of the floor grid on which holes in an annotated floor are found (metres)
FLOOR_CELL = 0.05


def _moved(points: np.ndarray, T: np.ndarray) -> np.ndarray:
    return points @ T[:3, :3].T + T[:3, 3]


def _renders(scene: Scene, ann: Annotations, frames: list[int]) -> Iterator[tuple[Frame, np.ndarray, np.ndarray]]:
    """``(frame, annotated ids, annotated z-depth)`` of every frame in ``frames``."""
    caster = MeshCaster(ann.vertices, ann.faces)
    by_index = {f.index: f for f in scene.frames}
    for i in frames:
        f = by_index[i]
        tri, z = caster.render(f.camera.K, f.camera.width, f.camera.height, f.pose)
        ids = np.where(tri >= 0, ann.face_ids[np.maximum(tri, 0)], 0)
        yield f, ids, z


def declared_identical(scene: Scene) -> bool:
    """Whether the reader states that the frames' instance ids are the annotation's object ids."""
    return bool(scene.metadata.get("annotation", {}).get("instance_ids"))


def match_tracks(scene: Scene, ann: Annotations, frames: list[int]) -> dict[int, int]:
    """Track id -> annotated object id, by pixel overlap with the projected annotation (module doc)."""
    overlap: Counter = Counter()
    track_px: Counter = Counter()
    for f, ids, _ in _renders(scene, ann, frames):
        inst = np.asarray(f.instances())
        fg = inst > 0
        track_px.update(dict(zip(*np.unique(inst[fg], return_counts=True))))
        both = fg & (ids > 0)
        pairs, counts = np.unique(np.stack([inst[both], ids[both]]), axis=1, return_counts=True)
        overlap.update({(int(t), int(a)): int(c) for (t, a), c in zip(pairs.T, counts)})
    best_of_track: dict[int, tuple[int, int]] = {}
    best_of_ann: dict[int, tuple[int, int]] = {}
    for (t, a), c in overlap.items():
        if c > best_of_track.get(t, (0, 0))[1]:
            best_of_track[t] = (a, c)
        if c > best_of_ann.get(a, (0, 0))[1]:
            best_of_ann[a] = (t, c)
    return {int(t): a for t, (a, c) in best_of_track.items()
            if c >= MIN_TRACK_OVERLAP * track_px[t] and best_of_ann[a][0] == t}


def _floor_area(floor_v: np.ndarray, floor_f: np.ndarray, walls: np.ndarray) -> float:
    """Footprint of an annotated floor: the area of its triangles seen from above, plus the holes
    they enclose (floor hidden under furniture is not meshed), walls closing holes at the border."""
    tri = floor_v[floor_f][:, :, :2]
    e1, e2 = tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]
    area = float(0.5 * np.abs(e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]).sum())
    lo = np.minimum(tri.reshape(-1, 2).min(0), walls.min(0) if len(walls) else np.inf) - FLOOR_CELL
    hi = np.maximum(tri.reshape(-1, 2).max(0), walls.max(0) if len(walls) else -np.inf) + FLOOR_CELL
    shape = tuple(np.ceil((hi - lo) / FLOOR_CELL).astype(int) + 1)
    if shape[0] * shape[1] > 4_000_000:
        return area  # a floor this wide is measured by its triangles alone
    covered = np.zeros(shape, dtype=bool)
    # a cell counts as floor when its centre lies in a floor triangle
    for t in tri:
        i0, j0 = np.floor((t.min(0) - lo) / FLOOR_CELL).astype(int)
        i1, j1 = np.floor((t.max(0) - lo) / FLOOR_CELL).astype(int)
        ii, jj = np.meshgrid(np.arange(i0, i1 + 1), np.arange(j0, j1 + 1), indexing="ij")
        p = lo + (np.stack([ii, jj], -1) + 0.5) * FLOOR_CELL
        d = [(p[..., 0] - t[k, 0]) * (t[(k + 1) % 3, 1] - t[k, 1])
             - (p[..., 1] - t[k, 1]) * (t[(k + 1) % 3, 0] - t[k, 0]) for k in range(3)]
        inside = ((d[0] >= 0) & (d[1] >= 0) & (d[2] >= 0)) | ((d[0] <= 0) & (d[1] <= 0) & (d[2] <= 0))
        covered[ii[inside], jj[inside]] = True
    barrier = covered.copy()
    if len(walls):
        ij = np.floor((walls - lo) / FLOOR_CELL).astype(int)
        barrier[ij[:, 0], ij[:, 1]] = True
    holes = ndimage.binary_fill_holes(barrier) & ~barrier
    return area + float(holes.sum()) * FLOOR_CELL ** 2


def annotated_room(ann: Annotations, align: np.ndarray, scale: str,
                   rng: np.random.Generator) -> tuple[float | None, dict | None]:
    """Floor height and, indoors, the room (``floor_area``, ``ceiling_height``) of the annotation:
    from its floor, walls and ceiling when labelled, else from the whole mesh's floor footprint;
    none from boxes alone (ARKitScenes), which do not cover the room."""
    meshed = any(o.attributes.get("shape", "mesh") == "mesh" for o in ann.objects)
    if not len(ann.faces) or not (ann.structure or meshed):
        return None, None
    V = _moved(ann.vertices, align)
    parts = {k: ann.faces[v] for k, v in ann.structure.items()}
    typical = TYPICAL_SIZE[scale]
    if "floor" in parts:
        floor_z = float(np.median(V[np.unique(parts["floor"]), 2]))
    else:
        z = V[:, 2]
        floor_z = support_height(z, float(np.quantile(z, 0.1)), bin_size=typical / 20)
    if scale != "indoor" or floor_z is None:
        return floor_z, None
    if "ceiling" in parts:
        height = float(np.median(V[np.unique(parts["ceiling"]), 2])) - floor_z
    else:
        top = parts.get("wall", ann.faces)
        height = float(np.quantile(V[np.unique(top), 2], 0.995)) - floor_z
    if "floor" in parts:
        walls = np.zeros((0, 2))
        if "wall" in parts:
            wv = mesh_surface_samples(V, parts["wall"], 4 * int(np.ceil(_area(V, parts["wall"]) / FLOOR_CELL ** 2)),
                                      rng)
            walls = wv[wv[:, 2] < floor_z + 0.5 * height, :2]
        area = _floor_area(V, parts["floor"], walls)
    else:
        pts = mesh_surface_samples(V, ann.faces, min(400_000, 4 * int(np.ceil(_area(V, ann.faces) / 0.0025))), rng)
        try:
            area = room_extent(pts, floor_z)["floor_area"]
        except ValueError:
            return floor_z, None
    return floor_z, {"floor_area": area, "ceiling_height": height, "floor_z": floor_z, "source": "annotation"}


def _area(V: np.ndarray, F: np.ndarray) -> float:
    t = V[F]
    return float(0.5 * np.linalg.norm(np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0]), axis=1).sum())


def _object_geometry(V: np.ndarray, F: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, Box3D] | None:
    """Points (vertices and surface samples) and the upright box of one annotated object, in the
    graph's world; None when it is too small to box (fewer than three vertices, or flat in plan)."""
    if len(V) < 3:
        return None
    try:
        center, size, yaw = upright_box(V)
    except ValueError:
        return None
    pts = np.concatenate([V, mesh_surface_samples(V, F, SAMPLES, rng)]) if len(F) and _area(V, F) > 0 else V
    return pts, Box3D(center, size, yaw)


def annotated_graph(scene: Scene, est: SceneGraph, rng: np.random.Generator) -> SceneGraph | None:
    """The graph that answers metric questions from the annotation (module docstring); its cameras
    and world are those of ``est``, the graph lifted from the same scene. None when the annotation
    holds no surface."""
    ann = scene.annotations()
    if not len(ann.faces) or not ann.objects:
        return None
    align = world_alignment(scene)
    frames = [c.frame for c in est.cameras]
    if declared_identical(scene):
        to_graph = {o.id: o.id for o in ann.objects}
    else:
        to_graph = {a: t for t, a in match_tracks(scene, ann, frames).items()}
        spare = max([*to_graph.values(), *(o.id for o in est.objects), 0]) + 1
        for o in ann.objects:
            if o.id not in to_graph:
                to_graph[o.id] = spare
                spare += 1
    lut = np.zeros(max([*to_graph, 0]) + 1, dtype=np.int64)
    for a, g in to_graph.items():
        lut[a] = g
    views: dict[int, dict[int, View]] = {}
    inter: Counter = Counter()
    union: Counter = Counter()
    for f, ids, z in _renders(scene, ann, frames):
        inst = np.asarray(f.instances())
        ann_ids = lut[ids]
        # depths of the annotated surface, only where the track and the annotation see the same object
        depth = np.where(ann_ids == inst, z, 0).astype(np.float32)
        for oid, v in frame_views(depth, inst).items():
            views.setdefault(oid, {})[f.index] = View(frame=f.index, **v)
        same = (inst == ann_ids) & (inst > 0)
        both = Counter(dict(zip(*np.unique(inst[same], return_counts=True))))
        inter.update(both)
        union.update(dict(zip(*np.unique(inst[inst > 0], return_counts=True))))
        union.update(dict(zip(*np.unique(ann_ids[ann_ids > 0], return_counts=True))))
        union.subtract(both)
    est_category = {o.id: o.category for o in est.objects}
    objects = []
    for o in ann.objects:
        gid = to_graph[o.id]
        V = _moved(np.asarray(o.mesh_vertices, dtype=np.float64), align)
        geometry = _object_geometry(V, np.asarray(o.mesh_faces, dtype=np.int64).reshape(-1, 3), rng)
        if geometry is None:
            continue
        pts, box = geometry
        objects.append(GraphObject(gid, est_category.get(gid, o.category), box, pts, views.get(gid, {}),
                                   attributes={"annotation_id": o.id, "label": o.category,
                                               "shape": o.attributes.get("shape", "mesh")}))
    floor_z, room = annotated_room(ann, align, scene.scale.value, rng)
    iou = {int(k): round(inter[k] / union[k], 4) for k in sorted(union) if union[k] > 0}
    graph = SceneGraph(scene.id, scene.scale, scene.metric, objects, list(est.cameras), np.array([0.0, 0.0, 1.0]),
                       floor_z=floor_z if floor_z is not None else est.floor_z, room=room,
                       frame_paths=list(est.frame_paths), source=scene.source, exact=False,
                       metadata={"truth": "annotation", "annotation_source": ann.source,
                                 "mask_agreement": iou})
    attach_evidence(graph)
    return graph
