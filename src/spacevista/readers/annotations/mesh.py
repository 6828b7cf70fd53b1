"""Annotated meshes: read a PLY surface and group its faces into annotated instances.

ScanNet and ScanNet++ annotate a reconstruction by giving every vertex an instance (through
segments); an instance's surface is then the faces whose vertices belong to it. A face on the
border between two instances goes to the instance of at least two of its vertices (to its first
vertex when all three differ), so every face belongs to exactly one instance or to none.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import trimesh

from spacevista.errors import SceneError
from spacevista.geometry.boxes import upright_box
from spacevista.scene import STRUCTURE_LABELS, Annotations, SceneObject


def read_ply_mesh(scene: str, path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Vertices (V, 3) float64 and triangles (F, 3) int64 of a PLY mesh, in file order (segment
    files index the vertices as stored, so nothing is merged or reordered)."""
    if not Path(path).is_file():
        raise SceneError(scene, str(path), "missing mesh")
    try:
        mesh = trimesh.load(str(path), file_type="ply", process=False, force="mesh")
    except Exception as e:  # noqa: BLE001 - trimesh raises many kinds on a damaged file
        raise SceneError(scene, str(path), f"unreadable PLY mesh: {e}") from e
    V = np.asarray(getattr(mesh, "vertices", np.zeros((0, 3))), dtype=np.float64).reshape(-1, 3)
    F = np.asarray(getattr(mesh, "faces", np.zeros((0, 3))), dtype=np.int64).reshape(-1, 3)
    if len(V) == 0 or len(F) == 0:
        raise SceneError(scene, str(path), f"mesh has {len(V)} vertices and {len(F)} triangles; need both")
    return V, F


def transform_points(points: np.ndarray, T: np.ndarray | None) -> np.ndarray:
    """``points`` (N, 3) moved by the 4x4 rigid transform ``T`` (unchanged when ``T`` is None)."""
    if T is None:
        return points
    T = np.asarray(T, dtype=np.float64).reshape(4, 4)
    return points @ T[:3, :3].T + T[:3, 3]


def face_instances(faces: np.ndarray, vertex_ids: np.ndarray) -> np.ndarray:
    """Instance of every face from its vertices' instances (the module docstring's rule)."""
    a, b, c = (vertex_ids[faces[:, k]] for k in range(3))
    return np.where(b == c, b, a)


def annotations_from_vertex_ids(source: str, vertices: np.ndarray, faces: np.ndarray, vertex_ids: np.ndarray,
                                labels: dict[int, str], files: list[str]) -> Annotations:
    """:class:`~spacevista.scene.Annotations` of a mesh whose vertices carry instance ids (0: none),
    ``labels`` naming each instance. Instances without a face keep their vertices as a point set."""
    face_ids = face_instances(faces, vertex_ids)
    objects = []
    for oid in sorted(labels):
        fsel = faces[face_ids == oid]
        used = np.unique(fsel) if len(fsel) else np.flatnonzero(vertex_ids == oid)
        if len(used) == 0:
            continue  # an instance whose segments hold no vertex of this mesh
        remap = np.full(len(vertices), -1, dtype=np.int64)
        remap[used] = np.arange(len(used))
        pts = vertices[used]
        center, size, yaw = upright_box(pts)
        objects.append(SceneObject(id=int(oid), category=labels[oid], center=center, size=size, yaw=float(yaw),
                                   mesh_vertices=pts, mesh_faces=remap[fsel].reshape(-1, 3),
                                   attributes={"shape": "mesh", "label": labels[oid]}))
    structure = {}
    for name in STRUCTURE_LABELS:
        ids = [oid for oid, lab in labels.items() if lab.strip().lower() == name]
        sel = np.flatnonzero(np.isin(face_ids, ids)) if ids else np.zeros(0, dtype=np.int64)
        if len(sel):
            structure[name] = sel
    return Annotations(source=source, objects=objects, vertices=vertices, faces=faces, face_ids=face_ids,
                       structure=structure, files=files)
