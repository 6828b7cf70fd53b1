"""Write a synthetic scene in ScanNet's export layout, with the annotated mesh ScanNet ships.

::

    <name>/
      color/<i>.jpg  depth/<i>.png (uint16 mm)  pose/<i>.txt (camera-to-world, unaligned)
      instance-filt/<i>.png          object id = objectId + 1, 0 elsewhere (room structure included)
      intrinsic/intrinsic_color.txt, intrinsic_depth.txt, extrinsic_color.txt, extrinsic_depth.txt
      <name>.txt                     axisAlignment and the sensor sizes
      <name>_vh_clean_2.ply          every object's mesh and the room's floor, walls and ceiling
      <name>_vh_clean_2.0.010000.segs.json, <name>.aggregation.json

``<i>`` is the synthetic frame index. Like a real scan, the mesh and the poses are stored in an
unaligned world and ``axisAlignment`` takes both to the synthetic world, so reading the folder back
(``readers.scannet``) gives the synthetic scene's own coordinates only if the alignment is applied
consistently. Each object is one segment and one segment group (``objectId = id - 1``, label = its
category); the room's floor, every wall and the ceiling (indoor scenes, from ``metadata["room"]``)
are groups labelled "floor", "wall" and "ceiling" that the 2-D instance images leave at 0, as the
synthetic renderer draws no ids for them. Only the frames given are written: a subset makes a
partial capture whose annotation still covers the whole room.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image

from spacevista.scene import Frame, Scene

#: the default axis alignment a synthetic scan is stored under: a turn about z and an offset
DEFAULT_ALIGNMENT_DEG = 23.0
DEFAULT_ALIGNMENT_SHIFT = (1.25, -0.6, 0.05)
JPEG_QUALITY = 95


def default_alignment() -> np.ndarray:
    """The 4x4 ``axisAlignment`` used unless another is given (unaligned -> synthetic world)."""
    a = np.radians(DEFAULT_ALIGNMENT_DEG)
    A = np.eye(4)
    A[:2, :2] = [[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]
    A[:3, 3] = DEFAULT_ALIGNMENT_SHIFT
    return A


def triangulate_polygon(poly: np.ndarray) -> np.ndarray:
    """Triangles (n - 2, 3) of a simple polygon (n, 2) by ear clipping (either orientation)."""
    pts = np.asarray(poly, dtype=np.float64)
    idx = list(range(len(pts)))
    area2 = float(np.sum(pts[:, 0] * np.roll(pts[:, 1], -1) - np.roll(pts[:, 0], -1) * pts[:, 1]))
    sign = 1.0 if area2 > 0 else -1.0
    out = []

    def cross(o, a, b) -> float:
        return float((a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]))

    while len(idx) > 3:
        for k in range(len(idx)):
            i0, i1, i2 = idx[k - 1], idx[k], idx[(k + 1) % len(idx)]
            a, b, c = pts[i0], pts[i1], pts[i2]
            if sign * cross(a, b, c) <= 1e-12:
                continue  # a reflex or flat corner is no ear
            others = [pts[j] for j in idx if j not in (i0, i1, i2)]
            if any(sign * cross(a, b, p) >= 0 and sign * cross(b, c, p) >= 0 and sign * cross(c, a, p) >= 0
                   for p in others):
                continue
            out.append((i0, i1, i2))
            idx.pop(k)
            break
        else:
            raise ValueError("polygon is not simple: no ear left to clip")
    out.append(tuple(idx))
    return np.asarray(out, dtype=np.int64)


def room_parts(room: dict) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """``(label, vertices, faces)`` of a room's floor, each wall and its ceiling: the surfaces the
    synthetic renderer shows (the floor polygon at ``floor_z``, the ceiling at the ceiling height,
    a vertical quad along every edge)."""
    poly = np.asarray(room["floor_polygon"], dtype=np.float64)
    z0 = float(room.get("floor_z", 0.0))
    z1 = z0 + float(room["ceiling_height"])
    tris = triangulate_polygon(poly)
    parts = [("floor", np.column_stack([poly, np.full(len(poly), z0)]), tris)]
    for i in range(len(poly)):
        p, q = poly[i], poly[(i + 1) % len(poly)]
        v = np.array([[*p, z0], [*q, z0], [*q, z1], [*p, z1]])
        parts.append(("wall", v, np.array([[0, 1, 2], [0, 2, 3]])))
    parts.append(("ceiling", np.column_stack([poly, np.full(len(poly), z1)]), tris))
    return parts


def write_ply(path: Path, vertices: np.ndarray, faces: np.ndarray, colors: np.ndarray) -> None:
    """Binary little-endian PLY with ScanNet's header: float x y z, uchar red green blue alpha,
    ``list uchar int vertex_indices``."""
    header = "\n".join(["ply", "format binary_little_endian 1.0", "comment spacevista synthetic scan",
                        f"element vertex {len(vertices)}", "property float x", "property float y",
                        "property float z", "property uchar red", "property uchar green", "property uchar blue",
                        "property uchar alpha", f"element face {len(faces)}",
                        "property list uchar int vertex_indices", "end_header"]) + "\n"
    vrec = np.zeros(len(vertices), dtype=[("xyz", "<f4", (3,)), ("rgba", "u1", (4,))])
    vrec["xyz"] = vertices
    vrec["rgba"][:, :3] = colors
    vrec["rgba"][:, 3] = 255
    frec = np.zeros(len(faces), dtype=[("n", "u1"), ("idx", "<i4", (3,))])
    frec["n"] = 3
    frec["idx"] = faces
    path.write_bytes(header.encode("ascii") + vrec.tobytes() + frec.tobytes())


def _mesh_and_annotation(scene: Scene, to_file: np.ndarray, name: str) -> tuple[dict, dict, tuple]:
    """The aggregation, the segments file and (vertices, faces, colours) of the whole scan."""
    verts, faces, colors, seg, groups = [], [], [], [], []
    n = 0

    def add(label: str, object_id: int, v: np.ndarray, f: np.ndarray, rgb) -> None:
        nonlocal n
        segment = n  # as in ScanNet, a segment is named by one of its vertices
        verts.append(v @ to_file[:3, :3].T + to_file[:3, 3])
        faces.append(np.asarray(f, dtype=np.int64) + n)
        colors.append(np.tile(np.asarray(rgb, dtype=np.uint8), (len(v), 1)))
        seg.append(np.full(len(v), segment, dtype=np.int64))
        groups.append({"id": object_id, "objectId": object_id, "segments": [segment], "label": label})
        n += len(v)

    for o in sorted(scene.objects, key=lambda o: o.id):
        rgb = np.round(255 * np.asarray(o.attributes.get("color", (0.6, 0.6, 0.6)))).astype(np.uint8)
        add(o.category, o.id - 1, np.asarray(o.mesh_vertices), np.asarray(o.mesh_faces), rgb)
    next_id = max((o.id for o in scene.objects), default=0)
    if scene.metadata.get("room"):
        for label, v, f in room_parts(scene.metadata["room"]):
            add(label, next_id, v, f, (200, 200, 190))
            next_id += 1
    aggregation = {"sceneId": f"scannet.{name}", "appId": "spacevista.synth", "segGroups": groups,
                   "segmentsFile": f"scannet.{name}_vh_clean_2.0.010000.segs.json"}
    segments = {"params": {"kThresh": "0.0001", "segMinVerts": "20"}, "sceneId": name,
                "segIndices": np.concatenate(seg).tolist()}
    return aggregation, segments, (np.concatenate(verts), np.concatenate(faces), np.concatenate(colors))


def _matrix_text(M: np.ndarray) -> str:
    return "\n".join(" ".join(f"{x:.17g}" for x in row) for row in M) + "\n"


def write_scannet(scene: Scene, out: str | Path, frames: Sequence[int] | None = None, name: str | None = None,
                  alignment: np.ndarray | None = None) -> Path:
    """Write ``scene`` (with ground-truth meshes, depth and instance maps) as a ScanNet export folder
    ``out/name`` (default name: the scene id) holding ``frames`` (default: all); returns the folder."""
    if not scene.has_ground_truth:
        raise ValueError(f"scene {scene.id} has no meshes to write as a ScanNet annotation")
    name = name or scene.id
    root = Path(out) / name
    A = default_alignment() if alignment is None else np.asarray(alignment, dtype=np.float64)
    to_file = np.linalg.inv(A)  # the synthetic world is the aligned one
    chosen = [f for f in scene.frames if frames is None or f.index in set(frames)]
    if not chosen:
        raise ValueError("no frames to write")
    for sub in ("color", "depth", "pose", "instance-filt", "intrinsic"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    cam = chosen[0].camera
    K4 = np.eye(4)
    K4[:3, :3] = cam.K
    for fname in ("intrinsic_color.txt", "intrinsic_depth.txt"):
        (root / "intrinsic" / fname).write_text(_matrix_text(K4))
    for fname in ("extrinsic_color.txt", "extrinsic_depth.txt"):
        (root / "intrinsic" / fname).write_text(_matrix_text(np.eye(4)))
    for f in chosen:
        _write_frame(root, f, to_file)
    aggregation, segments, (V, F, C) = _mesh_and_annotation(scene, to_file, name)
    write_ply(root / f"{name}_vh_clean_2.ply", V, F, C)
    (root / f"{name}_vh_clean_2.0.010000.segs.json").write_text(json.dumps(segments))
    (root / f"{name}.aggregation.json").write_text(json.dumps(aggregation, indent=1))
    lines = [f"axisAlignment = {' '.join(f'{x:.17g}' for x in A.reshape(-1))}",
             f"colorHeight = {cam.height}", f"colorWidth = {cam.width}", f"depthHeight = {cam.height}",
             f"depthWidth = {cam.width}", f"fx_color = {cam.fx:.17g}", f"fy_color = {cam.fy:.17g}",
             f"mx_color = {cam.cx:.17g}", f"my_color = {cam.cy:.17g}", f"numColorFrames = {len(chosen)}",
             f"numDepthFrames = {len(chosen)}", "sceneType = Synthetic"]
    (root / f"{name}.txt").write_text("\n".join(lines) + "\n")
    return root


def _write_frame(root: Path, f: Frame, to_file: np.ndarray) -> None:
    Image.fromarray(f.rgb()).save(root / "color" / f"{f.index}.jpg", quality=JPEG_QUALITY)
    depth = np.asarray(f.depth(), dtype=np.float64)
    with np.errstate(invalid="ignore"):
        mm = np.where(np.isfinite(depth) & (depth > 0), np.round(depth * 1000.0), 0)
    Image.fromarray(np.clip(mm, 0, 65535).astype(np.uint16)).save(root / "depth" / f"{f.index}.png")
    (root / "pose" / f"{f.index}.txt").write_text(_matrix_text(to_file @ f.pose))
    inst = np.asarray(f.instances())
    dtype = np.uint8 if inst.max(initial=0) < 256 else np.uint16
    Image.fromarray(inst.astype(dtype)).save(root / "instance-filt" / f"{f.index}.png")


def select_frames(scene: Scene, keep: Sequence[int]) -> Scene:
    """``scene`` with only the frames ``keep`` (renumbered 0, 1, ... in order, as a reader numbers
    the frames it reads) and the objects' per-frame attributes cut to them: the ground truth of a
    partial capture written with :func:`write_scannet`."""
    chosen = [f for f in scene.frames if f.index in set(keep)]
    old = [f.index for f in chosen]
    frames = [dataclasses.replace(f, index=k) for k, f in enumerate(chosen)]
    objects = []
    for o in scene.objects:
        attrs = dict(o.attributes)
        if "pixels_per_frame" in attrs:
            attrs["pixels_per_frame"] = [attrs["pixels_per_frame"][i] for i in old]
        if "visible_frames" in attrs:
            seen = set(attrs["visible_frames"])
            attrs["visible_frames"] = [k for k, i in enumerate(old) if i in seen]
        objects.append(dataclasses.replace(o, attributes=attrs))
    return dataclasses.replace(scene, frames=frames, objects=objects, metadata=dict(scene.metadata))
