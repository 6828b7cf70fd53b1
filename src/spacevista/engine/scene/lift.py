"""Lifting: a scene with depth and instance maps -> the estimated scene graph."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from spacevista.errors import SceneError
from spacevista.evidence import DepthThumb, attach_evidence, support_below
from spacevista.geometry.boxes import upright_box
from spacevista.geometry.cameras import backproject
from spacevista.engine.scene.gates import depth_error_of, mask_error_of
from spacevista.engine.scene.extents import frame_sample, view_extents
from spacevista.engine.scene.carve import LabelThumb, carve, label_thumb
from spacevista.engine.scene.tracks import (frame_centres, inconsistent_frames, merge_duplicates, merge_fragments,
                                            stray_positions, unplaced)
from spacevista.geometry.scale.consistency import DepthSamples, field
from spacevista.geometry.scale.joint_alignment import solve_fields
from spacevista.geometry.room import room_extent, support_height
from spacevista.geometry.lifting import (BEHIND_MARGIN, EDGE_BAND_PX, MIN_MASK_PX, VoxelAccumulator,
                                         depth_consistent, drop_between_sides, edge_filtered_depth,
                                         lift_frame_with_views, main_clusters, remove_outliers)
from spacevista.geometry.planes import gravity_align
from spacevista.geometry.surface import SMOOTH_K, align_frames, smooth_surface
from spacevista.graph import Box3D, CameraPose, GraphObject, SceneGraph, View
from spacevista.scene import Scene


@dataclass(frozen=True)
class LiftConfig:
    """Lifting options: pixel stride, voxel size as a fraction of the scene scale's typical object,
    outlier removal, the minimum mask size (paper: 20x20 px), and ``ground_snap``: a box whose
    bottom floats above the surface under it by less than this fraction of its height is extended
    down to it (the underside of a resting object is never seen); 0 disables it. ``box_trim``:
    box extents run between this quantile and its complement of the points along each box axis,
    so a shell of depth noise does not inflate them."""

    stride: int = 1
    voxel_fraction: float = 0.02
    outlier_k: int = 8
    outlier_std: float = 2.0
    min_mask_px: int = MIN_MASK_PX
    background_stride: int = 4
    ground_snap: float = 0.25
    box_trim: float = 0.0
    #: bytes the scene's point clouds and grids may take; beyond it the scene fails with a named error
    max_scene_memory: int = 2 << 30
    #: a frame whose median depth differs from the accepted frames' by more than this factor, or lies
    #: outside the scale's plausible range, is dropped (depth in the wrong unit)
    depth_ratio_limit: float = 30.0
    #: rescale each frame's depth to agree with the frames before it (geometry.scale.consistency):
    #: True, False, or None for "when the depth was estimated" (a depth model or simulated errors)
    align_depth: bool | None = None
    #: drop pixels along mask outlines whose depth leaves the mask core's range (bleeding masks,
    #: flying pixels; geometry.lifting.edge_filtered_depth): True, False, or None for "when depth or
    #: masks were estimated"
    edge_filter: bool | None = None
    #: with noisy depth (a stated depth error) and the edge filters on, each object's points are
    #: replaced by the mean of this many nearest neighbours (geometry.surface); 0 keeps them raw
    smooth_k: int = SMOOTH_K
    #: with noisy depth (as smooth_k), each frame's samples of an object are rescaled about the
    #: camera to meet the object's fused surface and its points are rebuilt from them
    #: (geometry.surface.align_frames); False keeps the fused points
    align_frames: bool = True

    @property
    def max_voxels(self) -> int:
        """Voxels the point clouds may hold (about 160 bytes each while merging)."""
        return max(10_000, self.max_scene_memory // 160)


#: points closer than this many voxels are one cluster; with estimated depth or masks, clusters
#: holding under 3% of an object's points are left out (geometry.lifting.main_clusters)
CLUSTER_LINK = 4.0
#: two tracks of one category never seen together are one object when their centres lie within
#: this fraction of the scale's typical object size (an identity switch splits an object in two)
DUPLICATE_RADIUS = 0.5
#: with estimated depth or masks, object points within this many voxels of the support plane are
#: the floor or table top a mask bled onto (lift_off_support)
SUPPORT_BAND = 3.0
#: typical object size per scale in metres (sets the voxel size)
TYPICAL_SIZE = {"tiny": 0.02, "tabletop": 0.15, "indoor": 1.0, "outdoor": 4.0, "drone": 40.0}
#: plausible median depth of a frame per scale, metres (a frame outside it is in the wrong unit)
DEPTH_RANGE = {"tiny": (0.005, 5.0), "tabletop": (0.02, 20.0), "indoor": (0.05, 60.0),
               "outdoor": (0.2, 2000.0), "drone": (1.0, 20000.0)}
_UNITS = ((1000.0, "millimetres read as metres?"), (100.0, "centimetres read as metres?"),
          (0.01, "metres read as centimetres?"), (0.001, "metres read as millimetres?"))


def depth_unit_problem(median: float, reference: float | None, scale: str, limit: float) -> str | None:
    """Why a frame's median depth is implausible (None when it is fine): outside the scale's range,
    or more than ``limit`` times off the reference (the median over accepted frames)."""
    if not np.isfinite(median) or median <= 0:
        return None  # no valid depth: nothing to lift, nothing to judge
    lo, hi = DEPTH_RANGE[scale]
    ratio = median / reference if reference else None
    off = ratio is not None and (ratio > limit or ratio < 1 / limit)
    if not off and lo <= median <= hi:
        return None
    guess = ""
    if ratio is not None:
        best = min(_UNITS, key=lambda u: abs(np.log(ratio / u[0])))
        if abs(np.log(ratio / best[0])) < np.log(3):
            guess = f"; {best[1]}"
    if off:
        return f"depth median {median:.4g} m is {ratio:.3g}x the other frames' ({reference:.4g} m){guess}"
    return f"depth median {median:.4g} m is outside the plausible {lo:g}-{hi:g} m of a {scale} scene{guess}"


def categories_of(scene: Scene) -> dict[int, str]:
    """Instance id -> category from ground-truth objects or reader annotations."""
    cats = {o.id: o.category for o in scene.objects}
    for k, v in scene.metadata.get("categories", {}).items():
        cats.setdefault(int(k), str(v))
    return cats


def world_alignment(scene: Scene) -> np.ndarray:
    """4x4 transform taking the scene's world to the gravity-aligned world (+z up)."""
    poses = np.stack([f.pose for f in scene.frames])
    _, R = gravity_align(poses, scene.up)
    T = np.eye(4)
    T[:3, :3] = R
    return T


def camera_graph(scene: Scene) -> SceneGraph:
    """A graph with cameras only, for sources without depth or instance masks: camera-motion tasks
    (rotation, view change) can still be asked."""
    if not scene.frames:
        raise SceneError(scene.id, None, "scene has no frames")
    align = world_alignment(scene)
    cameras = [CameraPose(f.index, f.camera, align @ f.pose) for f in scene.frames]
    return SceneGraph(scene.id, scene.scale, scene.metric, [], cameras, np.array([0.0, 0.0, 1.0]),
                      source=scene.source, exact=False, metadata={"up_method": scene.up_method})


def lift_scene(scene: Scene, config: LiftConfig = LiftConfig()) -> SceneGraph:
    """Back-project every frame's instance pixels, merge per object over frames, clean, box them.

    A frame whose depth is in the wrong unit (:func:`depth_unit_problem`) is dropped and listed in the
    graph's ``metadata["dropped_frames"]``; the scene fails when fewer than half its frames remain,
    or when its point clouds or room grid would exceed ``config.max_scene_memory``."""
    if not scene.frames:
        raise SceneError(scene.id, None, "scene has no frames")
    if not scene.has_depth or not scene.has_instances:
        raise SceneError(scene.id, None, "lifting needs depth and instance maps in every frame")
    align = world_alignment(scene)
    cats = categories_of(scene)
    voxel = TYPICAL_SIZE[scene.scale.value] * config.voxel_fraction
    clouds = VoxelAccumulator(voxel, max_voxels=config.max_voxels)
    background = VoxelAccumulator(voxel, max_voxels=config.max_voxels)
    views: dict[int, dict[int, View]] = {}
    cameras = []
    dropped: list[dict[str, object]] = []
    medians: list[float] = []
    thumbs: list[DepthThumb] = []
    label_thumbs: dict[int, LabelThumb] = {}
    samples: dict[int, dict[int, np.ndarray]] = {}
    # a mask whose outline may sit e px off the object's must clear the size rule by e on each side,
    # and one that ends within e px of the image border may be cut by it
    border = math.ceil(mask_error_of(scene.metadata))
    min_side = config.min_mask_px + 2 * border
    marginal: set[int] = set()
    aligns, tracked = _aligns(scene, config), _checks_tracks(scene)
    filters_edges = config.edge_filter if config.edge_filter is not None else (aligns or tracked)
    noisy = depth_error_of(scene.metadata) > 0
    scales, wrong, strays = survey(scene, align, config, aligns, tracked) if (aligns or tracked) else ({}, {}, {})
    wrong_in: dict[int, list[int]] = {}
    for oid, frames in wrong.items():
        for f in frames:
            wrong_in.setdefault(f, []).append(oid)
    for frame in scene.frames:
        depth = frame.depth()
        if frame.index in scales:
            depth = depth * np.exp(field(scales[frame.index], *depth.shape)).astype(np.float32)
        inst = frame.instances()
        if frame.index in wrong_in:
            # pixels a tracker gave the wrong id are nobody's: neither the object nor background
            inst = np.where(np.isin(inst, wrong_in[frame.index]), -1, inst)
        if depth.shape != (frame.camera.height, frame.camera.width) or inst.shape != depth.shape:
            raise SceneError(scene.id, frame.depth_path or frame.instance_path,
                             f"frame {frame.index}: depth {depth.shape} / instances {inst.shape} do not match "
                             f"camera {frame.camera.height}x{frame.camera.width}")
        median = _median_depth(depth)
        problem = depth_unit_problem(median, float(np.median(medians)) if medians else None,
                                     scene.scale.value, config.depth_ratio_limit)
        if problem:
            dropped.append({"frame": frame.index, "file": str(frame.depth_path or ""), "reason": problem})
            continue
        if np.isfinite(median):
            medians.append(median)
        pose = align @ frame.pose
        cameras.append(CameraPose(frame.index, frame.camera, pose))
        thumbs.append(DepthThumb(frame.camera.K, pose, _thumbnail(depth, THUMB_STEP), THUMB_STEP))
        lift_depth = depth
        if filters_edges:
            band = max(EDGE_BAND_PX, border)
            lift_depth = edge_filtered_depth(drop_between_sides(depth), inst, band=band, behind=BEHIND_MARGIN)
            lift_depth = depth_consistent(lift_depth, inst, float(frame.camera.K[0, 0]))
            label_thumbs[frame.index] = label_thumb(inst, depth, frame.camera.K, pose)
        points, frame_view = lift_frame_with_views(lift_depth, inst, frame.camera.K, pose,
                                                   min_mask_px=config.min_mask_px, stride=config.stride,
                                                   border_px=border, occlusion_depth=depth)
        if filters_edges:
            sample_rng = np.random.default_rng(frame.index)
            for oid, pts in points.items():
                samples.setdefault(oid, {})[frame.index] = frame_sample(pts, sample_rng)
        try:
            clouds.add(points)
            background.add({0: backproject(depth, frame.camera.K, pose, mask=inst == 0,
                                           stride=config.background_stride)})
        except MemoryError as e:
            raise SceneError(scene.id, frame.depth_path, f"frame {frame.index}: {e}; the scene is beyond "
                             f"its memory budget of {config.max_scene_memory / 2**30:.3g} GiB "
                             "(--max-scene-memory)") from e
        for oid, v in frame_view.items():
            x1, y1, x2, y2 = v["bbox"]
            if min(x2 - x1, y2 - y1) < min_side:
                marginal.add(oid)  # the 20x20 px rule may hold on the mask and fail on the object
                continue
            views.setdefault(oid, {})[frame.index] = View(frame=frame.index, **v)
    if len(cameras) * 2 < len(scene.frames):
        first = dropped[0]
        raise SceneError(scene.id, first["file"] or None,
                         f"{len(dropped)} of {len(scene.frames)} frames dropped, e.g. frame {first['frame']}: "
                         f"{first['reason']}")
    voxel = TYPICAL_SIZE[scene.scale.value] * config.voxel_fraction
    frame_cameras = {c.frame: c for c in cameras}

    def remeasure(o: GraphObject, cloud: cKDTree | None = None) -> None:
        """Extents from single frames (extents.py), each frame's points carved by the other frames'
        masks first and, with ``cloud``, kept only near the object's cleaned points."""
        own = [label_thumbs[f] for f in sorted(o.views) if f in label_thumbs]
        carved = {f: s[carve(s, o.id, own)] for f, s in samples[o.id].items()}
        if cloud is not None:
            carved = {f: s[cloud.query(s, k=1, distance_upper_bound=CLUSTER_LINK * voxel)[0] < np.inf]
                      for f, s in carved.items() if len(s)}
        fitted = o.box.size.copy()
        o.box.size = view_extents(o.box, carved, o.views, frame_cameras)
        # the box fitted to the fused points, kept for the evidence: where the two measures of an
        # extent disagree, one of them is off by that much (evidence.extent_disagreement)
        o.attributes["fitted_size"] = fitted

    merged = clouds.result()
    objects = []
    for oid in sorted(merged):
        pts = merged[oid]
        if filters_edges and oid in views:
            pts = pts[carve(pts, oid, [label_thumbs[f] for f in sorted(views[oid]) if f in label_thumbs])]
        pts = remove_outliers(pts, k=config.outlier_k, std_ratio=config.outlier_std)
        if filters_edges and len(pts) >= 10:
            pts = pts[main_clusters(pts, CLUSTER_LINK * voxel)]
        if len(pts) < 10 or oid not in views:
            continue
        smooth = filters_edges and noisy and config.smooth_k > 1
        if smooth and config.align_frames and oid in samples:
            pts = aligned_points(pts, oid, samples[oid], frame_cameras,
                                 [label_thumbs[f] for f in sorted(views[oid]) if f in label_thumbs],
                                 CLUSTER_LINK * voxel)
        # noisy depth: the surface with its per-pixel noise averaged (geometry/surface.py)
        surface = smooth_surface(pts, config.smooth_k) if smooth else pts
        obj = GraphObject(oid, cats.get(oid, "object"), Box3D(*upright_box(surface, trim=config.box_trim)),
                          surface, views[oid])
        if filters_edges and oid in samples:  # estimated depth and masks
            remeasure(obj, cKDTree(pts))
        objects.append(obj)
    fragments: dict[int, int] = {}
    duplicates: dict[int, int] = {}
    if tracked:
        objects, fragments = merge_fragments(objects, touch=3 * voxel)
        objects, duplicates = merge_duplicates(objects, radius=DUPLICATE_RADIUS * TYPICAL_SIZE[scene.scale.value])
        for o in objects:
            if o.id in fragments.values() or o.id in duplicates.values():
                o.box = Box3D(*upright_box(o.points, trim=config.box_trim))
                o.attributes.pop("fitted_size", None)  # a fragment's own; remeasured below or not at all
            if o.id in duplicates.values() and o.id in samples:
                for gone in (k for k, v in duplicates.items() if v == o.id):
                    samples[o.id].update(samples.get(gone, {}))
                remeasure(o)
    bg = background.result().get(0, np.zeros((0, 3)))
    floor_z, room = estimate_support(scene, objects, bg, max_cells=config.max_scene_memory // 8)
    if filters_edges and floor_z is not None:
        lifted_off = lift_off_support(objects, samples, floor_z, SUPPORT_BAND * voxel)
        for o in objects:
            if o.id in lifted_off:
                # it reached the support: its box runs from the support to the top of its points
                o.box = Box3D(*upright_box(o.points, trim=config.box_trim))
                top = o.box.top
                o.attributes.pop("fitted_size", None)
                if o.id in samples:
                    remeasure(o)
                o.box.size[2] = top - floor_z
                o.box.center[2] = (top + floor_z) / 2
                if "fitted_size" in o.attributes:
                    o.attributes["fitted_size"][2] = o.box.size[2]  # both measures run to the support
    if config.ground_snap > 0:
        snap_to_support(objects, floor_z, config.ground_snap)
    meta: dict[str, Any] = {"up_method": scene.up_method, "dropped_frames": dropped}
    # ids that never passed the widened size rule: not in the graph, but the truth may count them
    meta["marginal_objects"] = {str(oid): cats.get(oid, "object") for oid in sorted(marginal - set(views))}
    if tracked:
        meta["tracks"] = {"frames_left_out": {str(k): sorted(v) for k, v in sorted(wrong.items())},
                          "fragments_merged": {str(k): v for k, v in sorted(fragments.items())},
                          "duplicates_merged": {str(k): v for k, v in sorted(duplicates.items())}}
        meta["unplaced_instances"] = unplaced(strays, cats, objects)
    if scales:
        logs = np.stack(list(scales.values()))
        meta["depth_alignment"] = {"frames": len(scales), "grid": ALIGN_GRID,
                                   "scale_spread": round(float(logs.mean(axis=(1, 2)).std()), 4),
                                   "largest_correction": round(float(np.abs(logs).max()), 4)}
    graph = SceneGraph(scene.id, scene.scale, scene.metric, objects, cameras, np.array([0.0, 0.0, 1.0]),
                       floor_z=floor_z, room=room, source=scene.source, exact=False, metadata=meta)
    # what alignment leaves of a depth model's error: its smooth warp, about half of it
    residual = depth_error_of(scene.metadata) * (0.5 if scales else 1.0)
    # estimated depth: the space under an object is tested on full-resolution depth, where a thin
    # part the outline filters took from its points (a stem) still shows
    fine = [DepthThumb(t.K, t.pose, t.depth, t.step) for t in label_thumbs.values()] if filters_edges else None
    attach_evidence(graph, thumbs, contact=2 * voxel, background=bg, mask_px=mask_error_of(scene.metadata),
                    depth_error=residual, fine=fine)
    return graph


#: pixels between the depth samples kept per frame for free-space tests
THUMB_STEP = 8


#: depth less accurate than this (relative) is aligned across frames
ALIGN_ABOVE = 0.02


#: frames an object needs for its points to be rebuilt from the frames' own samples
ALIGN_MIN_FRAMES = 3


def aligned_points(pts: np.ndarray, oid: int, samples: dict[int, np.ndarray], cameras: dict[int, CameraPose],
                   own: list[LabelThumb], link: float) -> np.ndarray:
    """An object's cleaned points ``pts`` rebuilt from its frames' samples, carved by its other
    views and kept near ``pts`` as in ``remeasure``, each frame rescaled to the fused surface
    (``geometry.surface.align_frames``); ``pts`` as they are when fewer than
    :data:`ALIGN_MIN_FRAMES` frames keep 20 points."""
    near = cKDTree(pts)
    frames = {}
    for f, s in samples.items():
        if f not in cameras or len(s) < 20:
            continue
        s = s[carve(s, oid, own)]
        s = s[near.query(s, k=1, distance_upper_bound=link)[0] < np.inf]
        if len(s) >= 20:
            frames[f] = (s, cameras[f].position)
    if len(frames) < ALIGN_MIN_FRAMES:
        return pts
    return align_frames(frames, pts)


def _aligns(scene: Scene, config: LiftConfig) -> bool:
    """Whether to align depth across frames: as configured, else when the depth was estimated with
    a real error (a depth model, simulated errors above ``ALIGN_ABOVE``): consistent depth has
    nothing to gain and a few sparse frames could only add noise."""
    if config.align_depth is not None:
        return config.align_depth
    return depth_error_of(scene.metadata) > ALIGN_ABOVE


def _checks_tracks(scene: Scene) -> bool:
    """Whether the instance ids came from a tracker (or simulated errors) and may switch or split."""
    perception = scene.metadata.get("perception") or {}
    return bool(perception.get("tracker")) or perception.get("mode") in ("realistic", "degraded")


#: image regions per side on which each frame's depth is aligned to the others
ALIGN_GRID = 3


def survey(scene: Scene, align: np.ndarray, config: LiftConfig, scales: bool, tracks: bool
           ) -> tuple[dict[int, np.ndarray], dict[int, set[int]], dict[int, tuple[np.ndarray, float]]]:
    """One pass over the frames before lifting: per-frame log-depth corrections on a coarse grid of
    image regions that make the video's depth consistent (frame index -> (g, g); when ``scales``),
    per instance id the frames a tracker got wrong (id -> frames to leave out; when ``tracks``),
    and where those frames put it (``tracks.stray_positions``)."""
    frames, samples, medians = [], [], []
    centres: dict[int, list] = {}
    for frame in scene.frames:
        depth = frame.depth()
        median = _median_depth(depth)
        if depth_unit_problem(median, float(np.median(medians)) if medians else None,
                              scene.scale.value, config.depth_ratio_limit):
            continue
        if np.isfinite(median):
            medians.append(median)
        pose = align @ frame.pose
        frames.append(frame.index)
        if scales:
            samples.append(DepthSamples(_thumbnail(depth, THUMB_STEP), frame.camera.K, pose, THUMB_STEP))
        if tracks:
            for oid, (c, r, n) in frame_centres(depth, frame.instances(), frame.camera.K, pose).items():
                centres.setdefault(oid, []).append((frame.index, c, r, n))
    grids = {}
    if len(samples) >= 2:
        # a correction beyond three times the depth's stated error is noise, not the model's error
        error = max(depth_error_of(scene.metadata), ALIGN_ABOVE)
        limit = 3.0 * error
        # the prior: the realistic model's per-frame scale sigma is the error, its warp half of it
        fields = solve_fields(samples, grid=ALIGN_GRID, scale_sigma=error, warp_sigma=error / 2)
        grids = {i: np.clip(g, -limit, limit) for i, g in zip(frames, fields)}
    if not tracks:
        return grids, {}, {}
    left_out = inconsistent_frames(centres)
    return grids, left_out, stray_positions(centres, left_out)


def _thumbnail(depth: np.ndarray, step: int) -> np.ndarray:
    """Depth sampled every ``step`` pixels (invalid as 0), float32."""
    d = np.asarray(depth[step // 2::step, step // 2::step], dtype=np.float32)
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(d) & (d > 0), d, 0.0).astype(np.float32)


def _median_depth(depth: np.ndarray) -> float:
    """Median of a frame's valid depth, on a sparse grid (a unit check needs no more)."""
    d = np.asarray(depth[::4, ::4], dtype=np.float64)
    with np.errstate(invalid="ignore"):
        d = d[np.isfinite(d) & (d > 0)]
    return float(np.median(d)) if d.size else float("nan")


#: an object whose bottom is within this height (m) of the floor stands on it: the floor under it
#: belongs to the room, though no frame sees it
ON_FLOOR = 0.1


def estimate_support(scene: Scene, objects: list[GraphObject], background: np.ndarray,
                     max_cells: int = 4_000_000) -> tuple[float | None, dict | None]:
    """Support plane height under the objects (floor, ground or table top) and, indoors, the room's
    floor area, ceiling height and wall coverage, from background points and the footprints of the
    objects standing on the floor (no ground truth)."""
    if len(background) < 100:
        return None, None
    typical = TYPICAL_SIZE[scene.scale.value]
    bottoms = [o.box.bottom for o in objects]
    below = float(np.median(bottoms)) if bottoms else float(np.quantile(background[:, 2], 0.1))
    floor_z = support_height(background[:, 2], below, bin_size=typical / 20)
    room = None
    if scene.scale.value == "indoor" and floor_z is not None:
        try:
            standing = [o.box.footprint() for o in objects if o.box.bottom - floor_z <= ON_FLOOR]
            room = {**room_extent(background, floor_z, max_cells=max_cells, footprints=standing),
                    "floor_z": floor_z}
        except ValueError:
            room = None
    return floor_z, room


def lift_off_support(objects: list[GraphObject], samples: dict[int, dict[int, np.ndarray]], support_z: float,
                     band: float) -> set[int]:
    """Leave out of each object the points (and per-frame samples) within ``band`` metres of the
    support plane; returns the ids that changed. A mask that bleeds onto the floor or table top
    around an object's foot, or fills the gaps between a table's legs, puts support points into the
    object, and they spread its box across the floor. The object's own foot lies in that band too,
    so the caller runs its box down to the support again. An object whose points mostly lie in the
    band (a rug, a field, a flat lot) keeps them."""
    changed = set()
    for o in objects:
        keep = o.points[:, 2] > support_z + band
        if keep.all() or keep.sum() < max(10, 0.5 * len(keep)):
            continue
        o.points = o.points[keep]
        for f, pts in samples.get(o.id, {}).items():
            samples[o.id][f] = pts[pts[:, 2] > support_z + band]
        changed.add(o.id)
    return changed


def snap_to_support(objects: list[GraphObject], floor_z: float | None, fraction: float) -> None:
    """Extend each box down to the highest surface beneath it (the floor or another object's top
    under its footprint centre) when the gap is under ``fraction`` of its height: cameras never see
    the underside of a resting object, so lifted boxes otherwise come out short."""
    for o in objects:
        b = o.box
        surface = support_below(o, objects, floor_z)
        if surface is None:
            continue
        gap = b.bottom - surface
        if 0 < gap < fraction * b.height:
            top = b.top
            b.size[2] = top - surface
            b.center[2] = (top + surface) / 2
