"""Lift depth + instance maps to per-object 3D point clouds and per-frame 2D views.

All functions work on one frame's arrays and are vectorised: a frame is grouped by instance id in
one pass (a stable argsort of the foreground pixels), never by looping over full-image masks.

Rules (see docs/geometry.md):

- Instance ids: ``0`` is background; negative ids are "ignore" labels and are skipped as well.
- Visibility rule (paper: objects smaller than 20x20 pixels are ignored): an instance counts in a
  frame only when the bounding box of ALL its mask pixels in that frame is at least
  ``min_mask_px`` pixels wide AND at least ``min_mask_px`` pixels tall, i.e.
  ``x2 - x1 >= min_mask_px and y2 - y1 >= min_mask_px`` with exclusive ``x2, y2``. The box is
  measured on the full-resolution mask whatever the lifting stride, and regardless of depth
  validity.
- Depth is z-depth in metres; 0, negative, NaN and inf are invalid and never lifted.
- Pixel centres: pixel (row r, col c) is lifted through ``(u, v) = (c + 0.5, r + 0.5)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

__all__ = [
    "MIN_MASK_PX",
    "lift_frame",
    "frame_views",
    "lift_frame_with_views",
    "accumulate",
    "VoxelAccumulator",
    "voxel_downsample",
    "inlier_mask",
    "drop_between_sides",
    "drop_bleed_behind",
    "edge_filtered_depth",
    "remove_outliers",
]

# Pixels processed per block when lifting (see _lift).
_CHUNK = 1 << 15

#: Objects whose mask bounding box is narrower or shorter than this (pixels) are ignored in a frame.
MIN_MASK_PX = 20


@dataclass
class _Groups:
    """Foreground pixels of one frame grouped by instance id (ids ascending, pixels row-major)."""

    width: int
    ids: np.ndarray       # (G,) instance id of each group
    starts: np.ndarray    # (G,) start of each group in the sorted arrays
    counts: np.ndarray    # (G,) mask pixels per group
    rows: np.ndarray      # (P,) row of each foreground pixel, grouped
    cols: np.ndarray      # (P,) column of each foreground pixel, grouped
    flat: np.ndarray      # (P,) flat pixel index, grouped
    bbox: np.ndarray      # (G, 4) x1, y1, x2, y2 (x2, y2 exclusive)
    keep: np.ndarray      # (G,) passes the size rule


def _check_frame(depth: np.ndarray | None, instances: np.ndarray) -> np.ndarray:
    instances = np.asarray(instances)
    if instances.ndim != 2:
        raise ValueError(f"instance map must be (H, W), got shape {instances.shape}")
    if not np.issubdtype(instances.dtype, np.integer):
        raise ValueError(f"instance map must hold integer ids, got dtype {instances.dtype}")
    if depth is not None and np.shape(depth) != instances.shape:
        raise ValueError(f"depth shape {np.shape(depth)} differs from instance map shape {instances.shape}")
    return instances


def _group(instances: np.ndarray, min_mask_px: int) -> _Groups:
    H, W = instances.shape
    flat_ids = instances.ravel()
    fg = np.flatnonzero(flat_ids > 0)
    labels = flat_ids[fg]
    # Pixel indices fit in int32 for any image under 2**31 pixels; the narrower type halves the
    # memory this hot path touches (fresh pages are a large part of its cost).
    index_type = np.int32 if H * W < 2**31 else np.int64
    if labels.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return _Groups(W, empty, empty, empty, empty, empty, empty, np.zeros((0, 4), np.int64),
                       np.zeros(0, bool))
    # A stable sort keeps each group's pixels in row-major order, so a group's first pixel has
    # its smallest row and its last pixel its largest row.
    max_id = int(labels.max())
    if max_id < 2**16:
        # numpy's stable sort is a radix sort for 8/16-bit keys, and a histogram of such keys gives
        # the groups without touching the sorted labels.
        key = labels.astype(np.uint8 if max_id < 2**8 else np.uint16)
        order = np.argsort(key, kind="stable")
        per_id = np.bincount(key)
        del key
        ids = np.flatnonzero(per_id)
        counts = per_id[ids]
    else:
        order = np.argsort(labels, kind="stable")
        sorted_labels = labels[order]
        first = np.concatenate([[0], np.flatnonzero(sorted_labels[1:] != sorted_labels[:-1]) + 1])
        ids = sorted_labels[first]
        counts = np.diff(np.append(first, sorted_labels.size))
        del sorted_labels
    del labels
    flat = fg.astype(index_type)[order]
    del fg, order
    starts = np.zeros(counts.size, dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    # Floor division by a same-typed scalar is several times faster than np.divmod here.
    rows = flat // index_type(W)
    cols = flat - rows * index_type(W)
    x1 = np.minimum.reduceat(cols, starts).astype(np.int64)
    x2 = np.maximum.reduceat(cols, starts).astype(np.int64) + 1
    y1 = rows[starts].astype(np.int64)
    y2 = rows[starts + counts - 1].astype(np.int64) + 1
    bbox = np.stack([x1, y1, x2, y2], axis=1)
    keep = ((x2 - x1) >= min_mask_px) & ((y2 - y1) >= min_mask_px)
    return _Groups(W, ids.astype(np.int64), starts, counts.astype(np.int64), rows, cols, flat, bbox,
                   keep)


def _lift(groups: _Groups, depth: np.ndarray, K: np.ndarray, pose: np.ndarray,
          stride: int) -> dict[int, np.ndarray]:
    K = np.asarray(K, dtype=np.float64)
    pose = np.asarray(pose, dtype=np.float64)
    if K.shape != (3, 3) or pose.shape != (4, 4):
        raise ValueError(f"K must be 3x3 and pose 4x4, got {K.shape} and {pose.shape}")
    if not (np.all(np.isfinite(K)) and np.all(np.isfinite(pose)) and K[0, 0] != 0 and K[1, 1] != 0):
        raise ValueError("K and pose must be finite, with non-zero focal lengths")
    if groups.ids.size == 0 or not groups.keep.any():
        return {}
    z = depth.ravel()[groups.flat]
    with np.errstate(invalid="ignore"):
        sel = z > 0
    sel &= np.isfinite(z)
    rows, cols = groups.rows, groups.cols
    if stride > 1:
        sel &= (rows % stride == 0) & (cols % stride == 0)
    per_group = np.add.reduceat(sel, groups.starts, dtype=np.int64)
    out: dict[int, np.ndarray] = {}
    # One output array per instance, filled in blocks of at most _CHUNK pixels: every temporary
    # stays small and is recycled by the allocator, instead of fresh pages on every call (page
    # faults were most of the cost of whole-frame passes).
    for g in np.flatnonzero(groups.keep & (per_group > 0)).tolist():
        start, stop = int(groups.starts[g]), int(groups.starts[g] + groups.counts[g])
        pts = np.empty((int(per_group[g]), 3))
        pos = 0
        for a in range(start, stop, _CHUNK):
            idx = np.flatnonzero(sel[a:min(a + _CHUNK, stop)])
            idx += a
            _pixels_to_world(rows[idx], cols[idx], z[idx], K, pose, pts[pos:pos + idx.size])
            pos += idx.size
        out[int(groups.ids[g])] = pts
    return out


def _pixels_to_world(rows: np.ndarray, cols: np.ndarray, z: np.ndarray, K: np.ndarray,
                     pose: np.ndarray, out: np.ndarray) -> None:
    """World points of pixel centres (rows, cols) at z-depth ``z``, written into ``out`` (n, 3).

    The camera point is ``z * ((u - cx - s*y) / fx, (v - cy) / fy, 1)`` at ``u = col + 0.5``,
    ``v = row + 0.5``; the world point ``R @ cam + t``, computed one output column at a time
    (faster than stacking and a (n, 3) x (3, 3) product, with fewer temporaries).
    """
    fx, s, cx = K[0]
    fy, cy = K[1, 1], K[1, 2]
    R, t = pose[:3, :3], pose[:3, 3]
    zz = z.astype(np.float64)
    y = rows * (1.0 / fy)
    y += (0.5 - cy) / fy
    x = cols * (1.0 / fx)
    x += (0.5 - cx) / fx
    if s != 0.0:
        x -= (s / fx) * y
    x *= zz
    y *= zz
    tmp = np.empty_like(zz)
    for i in range(3):
        col = out[:, i]
        np.multiply(x, R[i, 0], out=col)
        np.multiply(y, R[i, 1], out=tmp)
        col += tmp
        np.multiply(zz, R[i, 2], out=tmp)
        col += tmp
        col += t[i]


def _first_per_group(group: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """Positions of the first element of each group after ordering by ``keys`` within groups."""
    order = np.lexsort(tuple(reversed(keys)) + (group,))
    g_sorted = group[order]
    return order[np.concatenate([[0], np.flatnonzero(g_sorted[1:] != g_sorted[:-1]) + 1])]


def _view_sample_step(height: int, width: int) -> int:
    """Grid step for the view-point distance transform: about 20k samples, between 1 and 8
    (with 8, the bounding box of any mask passing the 20-pixel rule still spans 2x2 samples)."""
    return int(min(8, max(1, round(float(np.sqrt(height * width / 20_000.0))))))


def _representative_points(groups: _Groups, instances: np.ndarray) -> np.ndarray:
    """(G, 2) [row, col] of a pixel deep inside each group's mask.

    The label map is sampled every ``step`` rows and columns (``_view_sample_step``: 4 for
    640x480, so the sample has ~20k pixels) and one chessboard distance transform gives each
    sample its distance to the nearest label change or image border on that grid. Per group the
    sample with the largest distance wins; ties go to the sample closest to the full mask's
    centroid, then to the first in row-major order. A mask with no sample (only very thin masks)
    gets its own pixel closest to its centroid. Either way the winner is one of the mask's pixels.
    """
    H, W = instances.shape
    n_groups = groups.ids.size
    cy = np.add.reduceat(groups.rows, groups.starts, dtype=np.float64) / groups.counts
    cx = np.add.reduceat(groups.cols, groups.starts, dtype=np.float64) / groups.counts
    step = _view_sample_step(H, W)
    sub = instances[::step, ::step]
    edge = np.zeros(sub.shape, dtype=bool)
    diff_x = sub[:, 1:] != sub[:, :-1]
    edge[:, 1:] |= diff_x
    edge[:, :-1] |= diff_x
    diff_y = sub[1:, :] != sub[:-1, :]
    edge[1:, :] |= diff_y
    edge[:-1, :] |= diff_y
    edge[0, :] = edge[-1, :] = True
    edge[:, 0] = edge[:, -1] = True
    dist = ndimage.distance_transform_cdt(~edge, metric="chessboard").ravel()
    sub_flat = sub.ravel()
    cand = np.flatnonzero(sub_flat > 0)
    # Every sampled label is one of the frame's groups (same image), ids sorted ascending.
    g = np.searchsorted(groups.ids, sub_flat[cand])
    d = dist[cand]
    gmax = np.full(n_groups, -1, dtype=d.dtype)
    np.maximum.at(gmax, g, d)
    best = np.flatnonzero(d == gmax[g])
    g, cand = g[best], cand[best]
    rows = (cand // sub.shape[1]) * step
    cols = (cand % sub.shape[1]) * step
    d2 = (rows - cy[g]) ** 2 + (cols - cx[g]) ** 2
    out = np.full((n_groups, 2), -1, dtype=np.int64)
    if cand.size:
        pick = _first_per_group(g, d2, cand)
        out[g[pick], 0] = rows[pick]
        out[g[pick], 1] = cols[pick]
    for k in np.flatnonzero(out[:, 0] < 0).tolist():
        start, stop = int(groups.starts[k]), int(groups.starts[k] + groups.counts[k])
        r, c = groups.rows[start:stop], groups.cols[start:stop]
        i = int(np.argmin((r - cy[k]) ** 2 + (c - cx[k]) ** 2))  # first on ties: row-major
        out[k] = r[i], c[i]
    return out


def _views(groups: _Groups, depth: np.ndarray, instances: np.ndarray, border_px: int = 0,
           occlusion_depth: np.ndarray | None = None) -> dict[int, dict]:
    """Per instance its view (``frame_views``); ``border_px``: how far (px) estimated outlines may
    sit from the objects' (truncation and occlusion look that much further); ``occlusion_depth``:
    the depth the occlusion flags read (default ``depth``)."""
    if groups.ids.size == 0 or not groups.keep.any():
        return {}
    points = _representative_points(groups, instances)
    # Invalid depths become +inf: they then sort after every valid value, so a group's minimum is
    # a reduceat and its median sits at fixed ranks of the group's slice.
    z = depth.ravel()[groups.flat]  # a copy (fancy indexing), safe to edit
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    with np.errstate(invalid="ignore"):
        z[~(z > 0)] = np.inf  # zero, negative, NaN and -inf
    n_valid = np.add.reduceat(np.isfinite(z), groups.starts, dtype=np.int64)
    zmins = np.minimum.reduceat(z, groups.starts)
    # both outlines may stop short of a shared edge: the gap between them is up to twice the error
    ring, blocked, ring_top, blocked_top = _occlusion_flags(depth if occlusion_depth is None else occlusion_depth,
                                                            instances, 2 * border_px)
    n_ring, n_blocked, n_top, n_top_blocked = (np.add.reduceat(m.ravel()[groups.flat], groups.starts, dtype=np.int64)
                                               for m in (ring, blocked, ring_top, blocked_top))
    H, W = instances.shape
    out: dict[int, dict] = {}
    for g in np.flatnonzero(groups.keep).tolist():
        start, n, nv = int(groups.starts[g]), int(groups.counts[g]), int(n_valid[g])
        if nv:
            lo, hi = (nv - 1) // 2, nv // 2
            part = np.partition(z[start:start + n], [lo, hi] if hi != lo else lo)
            zmin, zmed = float(zmins[g]), (float(part[lo]) + float(part[hi])) / 2
        else:
            zmin = zmed = float("nan")
        x1, y1, x2, y2 = (int(v) for v in groups.bbox[g])
        out[int(groups.ids[g])] = {
            "pixels": n,
            "bbox": (x1, y1, x2, y2),
            "point": (int(points[g, 0]), int(points[g, 1])),
            "min_depth": zmin,
            "median_depth": zmed,
            "truncated": bool(x1 <= border_px or y1 <= border_px or x2 >= W - border_px or y2 >= H - border_px),
            "occluded": round(float(n_blocked[g]) / max(int(n_ring[g]), 1), 4),
            "valid_depth": round(nv / n, 4),
            "occluded_top": round(float(n_top_blocked[g]) / max(int(n_top[g]), 1), 4),
        }
    return out


#: a neighbour nearer than this fraction of a pixel's depth occludes it (above depth noise)
OCCLUSION_MARGIN = 0.1


def _occlusion_flags(depth: np.ndarray, instances: np.ndarray, reach: int = 0
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per pixel: is it on its mask's outline (a 4-neighbour with another label, the image border
    excluded), and is that outline occluded (such a neighbour has valid depth nearer by more than
    ``OCCLUSION_MARGIN``)? An object whose outline is mostly occluded is seen only in part. The
    last two are the same for the upper outline alone (the neighbour above differs), whose
    occlusion hides the object's top: a hidden part has no outline of its own, so a crown hiding
    another tree's top half blocks a small share of that tree's whole outline but most of its top.

    ``reach`` (px): estimated masks may stop short of each other, leaving unlabelled pixels between
    an object and the one in front of it; another object's pixel up to ``reach`` further out in the
    same direction, nearer by the margin, also occludes the outline."""
    d = np.asarray(depth, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        valid = d > 0
    ring = np.zeros(instances.shape, dtype=bool)
    blocked = np.zeros(instances.shape, dtype=bool)
    for axis in (0, 1):
        for step in (1, -1):
            differs = None
            for k in range(1, int(reach) + 2):
                lab_n = np.roll(instances, k * step, axis=axis)
                d_n = np.roll(d, k * step, axis=axis)
                v_n = np.roll(valid, k * step, axis=axis)
                inside = np.zeros(instances.shape, dtype=bool)
                sl = [slice(None), slice(None)]
                sl[axis] = slice(k, None) if step == 1 else slice(None, -k)
                inside[tuple(sl)] = True  # np.roll wraps around: the wrapped rows or columns are no neighbours
                if k == 1:
                    differs = inside & (lab_n != instances)
                    ring |= differs
                    other = differs
                else:
                    other = differs & inside & (lab_n > 0) & (lab_n != instances)
                with np.errstate(invalid="ignore"):
                    hit = other & v_n & valid & (d_n < d * (1.0 - OCCLUSION_MARGIN))
                blocked |= hit
                if axis == 0 and step == 1:  # the neighbour k rows above
                    if k == 1:
                        ring_top = differs
                        blocked_top = hit.copy()
                    else:
                        blocked_top |= hit
    return ring, blocked, ring_top, blocked_top


def lift_frame(depth: np.ndarray, instances: np.ndarray, K: np.ndarray, pose: np.ndarray,
               min_mask_px: int = MIN_MASK_PX, stride: int = 1) -> dict[int, np.ndarray]:
    """World points of every instance visible in one frame.

    Args:
        depth: (H, W) z-depth, metres; invalid values (0, negative, NaN, inf) are skipped.
        instances: (H, W) integer ids; 0 (background) and negative ids are skipped.
        K: 3x3 intrinsics; pose: 4x4 camera-to-world (OpenCV axes).
        min_mask_px: the size rule (module docstring): instances whose full-resolution mask bbox is
            narrower or shorter than this are dropped.
        stride: lift only pixels whose row and column are multiples of ``stride``.

    Returns:
        ``{id: (n, 3) float64 world points}`` in row-major pixel order, for instances passing the
        size rule and having at least one valid-depth pixel (after striding).
    """
    instances = _check_frame(depth, instances)
    if int(stride) < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    groups = _group(instances, int(min_mask_px))
    return _lift(groups, np.asarray(depth), K, pose, int(stride))


def frame_views(depth: np.ndarray, instances: np.ndarray,
                min_mask_px: int = MIN_MASK_PX, border_px: int = 0) -> dict[int, dict]:
    """How each instance appears in one frame (those passing the size rule).

    Returns ``{id: view}`` where ``view`` has exactly the keys of ``spacevista.graph.View`` except
    ``frame``:

    - ``pixels``: number of mask pixels (valid depth or not);
    - ``bbox``: ``(x1, y1, x2, y2)`` ints, ``x1, y1`` inclusive, ``x2, y2`` exclusive (so the width
      is ``x2 - x1``); the mask covers columns x1..x2-1 and rows y1..y2-1;
    - ``point``: ``(y, x)`` ints, a pixel of the mask far from its border (see
      ``_representative_points``), always inside the mask;
    - ``min_depth`` / ``median_depth``: over the mask's valid depth pixels, NaN when there are none;
    - ``truncated``: the mask touches the image border, or comes within ``border_px`` of it (an
      estimated mask whose outline may sit that far inside the object's: the object may extend
      beyond the frame);
    - ``occluded``: fraction of the mask's outline (pixels with a differently labelled 4-neighbour
      inside the image) whose neighbour is nearer by more than ``OCCLUSION_MARGIN`` of its depth
      (or, with ``border_px``, another object's pixel up to twice that much further out: both
      outlines may stop short of their shared edge);
    - ``valid_depth``: fraction of the mask's pixels with valid depth;
    - ``occluded_top``: the same fraction as ``occluded`` for the upper outline alone (pixels whose
      neighbour above is labelled otherwise): the object's top may be hidden there.
    """
    instances = _check_frame(depth, instances)
    groups = _group(instances, int(min_mask_px))
    return _views(groups, np.asarray(depth), instances, int(border_px))


#: half-width (pixels) of the band along a mask's outline whose depth must agree with the mask's core
EDGE_BAND_PX = 2
#: relative margin around the core's depth range that band pixels may take
EDGE_MARGIN = 0.05


def edge_filtered_depth(depth: np.ndarray, instances: np.ndarray, band: int = EDGE_BAND_PX,
                        margin: float = EDGE_MARGIN, behind: float | None = None) -> np.ndarray:
    """``depth`` with the pixels near a mask's outline made invalid (0) where their depth leaves the
    range the mask's core shows (widened by ``margin``).

    Estimated masks bleed a pixel or two into the background, and estimated depth smears values
    across depth edges ("flying pixels"): both put points far behind (or before) the object, and a
    box fitted to them grows by the depth gap. The core (pixels whose ``band``-neighbourhood holds
    only their own id) keeps its depth; the band around it keeps the pixels whose depth lies among
    the core's. An instance with no core (thinner than the band) keeps every pixel. With ``behind``,
    the band's pixels that are left then go through :func:`drop_bleed_behind` with that margin,
    sharing this pass's band."""
    inst = np.asarray(instances)
    d = np.asarray(depth, dtype=np.float64)
    inner = _inner(inst, band)
    core = inner & (inst > 0)
    with np.errstate(invalid="ignore"):
        valid = np.isfinite(d) & (d > 0)
    out = np.where(valid, d, 0.0)
    ids = inst.ravel()
    n = int(ids.max()) + 1 if ids.size and ids.max() > 0 else 1
    core_v = (core & valid).ravel()
    lo = np.full(n, np.inf)
    hi = np.full(n, -np.inf)
    np.minimum.at(lo, ids[core_v], out.ravel()[core_v])
    np.maximum.at(hi, ids[core_v], out.ravel()[core_v])
    band_px = (inst > 0) & ~core & valid
    bid = inst[band_px]
    has_core = np.isfinite(lo[bid])
    z = out[band_px]
    ok = ~has_core | ((z >= lo[bid] * (1 - margin)) & (z <= hi[bid] * (1 + margin)))
    flat = out.ravel()
    flat[np.flatnonzero(band_px.ravel())[~ok]] = 0.0
    out = flat.reshape(out.shape)
    if behind is not None:
        _drop_behind(out, inst, inner, band, behind)
    return out.astype(np.asarray(depth).dtype, copy=False)


def _inner(inst: np.ndarray, band: int) -> np.ndarray:
    """Pixels whose ``band``-neighbourhood holds only their own id (the rest of a mask is its band)."""
    size = 2 * band + 1
    return (ndimage.minimum_filter(inst, size=size, mode="nearest") == inst) & \
           (ndimage.maximum_filter(inst, size=size, mode="nearest") == inst)


def _drop_behind(out: np.ndarray, inst: np.ndarray, inner: np.ndarray, band: int, margin: float) -> None:
    """Zero, in place, the band pixels of ``out`` (valid where > 0) lying more than ``margin`` behind
    the nearest valid pixel of their own mask within ``band``."""
    valid = out > 0
    edge = (inst > 0) & ~inner & valid
    if not edge.any():
        return
    size = 2 * band + 1
    drop = np.zeros(inst.shape, dtype=bool)
    for sl, oid in zip(ndimage.find_objects(np.where(edge, inst, 0)), range(1, int(inst.max()) + 1)):
        if sl is None:
            continue
        win = tuple(slice(max(0, x.start - band), x.stop + band) for x in sl)
        own = (inst[win] == oid) & valid[win]
        nearest = ndimage.minimum_filter(np.where(own, out[win], np.inf), size=size, mode="nearest")
        drop[win] |= edge[win] & (inst[win] == oid) & (out[win] > nearest * (1.0 + margin))
    out[drop] = 0.0


#: how far (relative) an outline pixel may lie behind the nearest pixel of its own mask around it
BEHIND_MARGIN = 0.1


def drop_bleed_behind(depth: np.ndarray, instances: np.ndarray, band: int = EDGE_BAND_PX,
                      margin: float = BEHIND_MARGIN) -> np.ndarray:
    """``depth`` with each mask's outline pixels (within ``band`` of its edge) made invalid (0) where
    they lie more than ``margin`` behind the nearest pixel of the same mask within ``band`` of them.

    A mask that bleeds past its object lands on whatever lies behind the object's edge: the wall
    behind a lamp's pole, the floor between a chair's legs. A thin part has no core for
    :func:`edge_filtered_depth` to compare with, and a large object's core spans so wide a depth
    range that the surface behind one edge lies within it; but next to every bled pixel lies the
    object itself, nearer. A surface that recedes from the camera (a side seen at a slant) changes
    depth by a few percent over a few pixels and keeps its outline."""
    inst = np.asarray(instances)
    d = np.asarray(depth, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        out = np.where(np.isfinite(d) & (d > 0), d, 0.0)
    _drop_behind(out, inst, _inner(inst, band), band, margin)
    return out.astype(np.asarray(depth).dtype, copy=False)


#: a 3x3 neighbourhood whose depths span more than this (relative) straddles a depth discontinuity
DISCONTINUITY = 0.1
#: a pixel there is a surface of one side when it lies within this (relative) of the nearest or
#: farthest depth around it
SIDE_TOLERANCE = 0.03


def drop_between_sides(depth: np.ndarray, jump: float = DISCONTINUITY, tol: float = SIDE_TOLERANCE) -> np.ndarray:
    """``depth`` with the pixels at a depth discontinuity that lie between its two sides made
    invalid (0).

    Depth sensors and depth models blend the two surfaces that meet at an occluding edge ("flying
    pixels"): the blended pixel lies in the empty space between them, anywhere along the ray, and a
    box fitted to an object grows by the gap. A pixel whose 3x3 neighbourhood spans more than
    ``jump`` is at such an edge; it is kept when it belongs to one side (within ``tol`` of the
    nearest or of the farthest valid depth around it) and dropped when it lies between. Both
    thresholds grow with the frame's pixel noise (the median relative step between horizontal
    neighbours), so that noisy depth is not read as edges everywhere."""
    d = np.asarray(depth, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        valid = np.isfinite(d) & (d > 0)
        pair = valid[:, 1:] & valid[:, :-1]
        steps = np.abs(d[:, 1:] - d[:, :-1])[pair] / d[:, :-1][pair]
    noise = float(np.median(steps)) if steps.size else 0.0
    jump, tol = max(jump, 6.0 * noise), max(tol, 2.0 * noise)
    near = ndimage.minimum_filter(np.where(valid, d, np.inf), size=3, mode="nearest")
    far = ndimage.maximum_filter(np.where(valid, d, 0.0), size=3, mode="nearest")
    z = np.where(valid, d, 0.0)
    with np.errstate(invalid="ignore"):
        edge = valid & (far > near * (1.0 + jump))
        between = edge & (z - near > tol * z) & (far - z > tol * z)
    out = np.where(valid, d, 0.0)
    out[between] = 0.0
    return out.astype(np.asarray(depth).dtype, copy=False)


def depth_consistent(depth: np.ndarray, instances: np.ndarray, focal: float, factor: float = 2.0,
                     margin: float = 0.1) -> np.ndarray:
    """``depth`` with each instance's pixels made invalid (0) where they lie farther in depth from the
    instance's median than ``factor`` times its size across the image (its mask box's longer side
    at the median depth) plus ``margin`` of that depth.

    An object is about as deep as it is wide; flying pixels and a bled mask put points along the
    rays between it and the background, metres behind a small object. The outline test
    (:func:`edge_filtered_depth`) misses them on an object too thin to have a core, and wherever the
    core's own depth range is wide; this test bounds the depth range by the object's image size."""
    inst = np.asarray(instances)
    d = np.asarray(depth, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        valid = np.isfinite(d) & (d > 0)
    labels = np.where(valid & (inst > 0), inst, 0).astype(np.int64)
    ids = np.unique(labels[labels > 0])
    out = np.where(valid, d, 0.0)
    if ids.size == 0 or focal <= 0:
        return out.astype(np.asarray(depth).dtype, copy=False)
    med = np.asarray(ndimage.median(out, labels, ids), dtype=np.float64)
    allowed = np.full(int(ids.max()) + 1, np.inf)
    centre = np.zeros(int(ids.max()) + 1)
    boxes = ndimage.find_objects(labels)
    for oid, m in zip(ids.tolist(), med.tolist()):
        rows, cols = boxes[oid - 1]
        side = max(rows.stop - rows.start, cols.stop - cols.start)
        allowed[oid] = factor * side * m / focal + margin * m
        centre[oid] = m
    bad = (labels > 0) & (np.abs(out - centre[labels]) > allowed[labels])
    out[bad] = 0.0
    return out.astype(np.asarray(depth).dtype, copy=False)


def lift_frame_with_views(depth: np.ndarray, instances: np.ndarray, K: np.ndarray, pose: np.ndarray,
                          min_mask_px: int = MIN_MASK_PX, stride: int = 1, border_px: int = 0,
                          occlusion_depth: np.ndarray | None = None) -> tuple[dict[int, np.ndarray], dict[int, dict]]:
    """``(lift_frame(...), frame_views(...))`` sharing one grouping pass over the frame.

    ``occlusion_depth``: the frame's depth before outline filtering (``edge_filtered_depth``), which
    the occlusion flags read instead of ``depth``. The filter empties the band along every outline,
    the very pixels whose nearer neighbour says an object is hidden: read on filtered depth, a tree
    behind another tree's crown came out clean in most of its views."""
    instances = _check_frame(depth, instances)
    if int(stride) < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    groups = _group(instances, int(min_mask_px))
    depth = np.asarray(depth)
    occ = None if occlusion_depth is None else np.asarray(occlusion_depth)
    return (_lift(groups, depth, K, pose, int(stride)),
            _views(groups, depth, instances, int(border_px), occlusion_depth=occ))


def voxel_downsample(points: np.ndarray, voxel: float) -> np.ndarray:
    """Replace the points in each cubic voxel of side ``voxel`` by their mean.

    Voxels are aligned to the world origin (cell ``floor(p / voxel)``); the output is ordered by
    voxel index (x, then y, then z), so it does not depend on the input order's chunking and is
    deterministic.
    """
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 3:
        raise ValueError(f"points must have shape (N, 3), got {points.shape}")
    if not (voxel > 0 and np.isfinite(voxel)):
        raise ValueError(f"voxel size must be positive and finite, got {voxel}")
    if points.shape[0] == 0:
        return points.copy()
    if not np.all(np.isfinite(points)):
        raise ValueError("points contain non-finite values")
    cells = np.floor(points / voxel).astype(np.int64)
    lo = cells.min(axis=0)
    cells -= lo
    span = cells.max(axis=0) + 1
    if float(span[0]) * float(span[1]) * float(span[2]) < 2.0 ** 62:
        key = (cells[:, 0] * span[1] + cells[:, 1]) * span[2] + cells[:, 2]
        _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    else:  # a huge extent against a tiny voxel: fall back to row-wise unique
        _, inverse, counts = np.unique(cells, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    out = np.empty((counts.size, 3))
    for axis in range(3):
        out[:, axis] = np.bincount(inverse, weights=points[:, axis], minlength=counts.size) / counts
    return out


class VoxelAccumulator:
    """Per-instance voxel means, merged frame by frame, so memory follows the scene's occupied volume
    rather than the number of frames.

    ``add`` buffers one frame's points; once the buffer holds ``flush_points`` points it is folded
    into the running sum and count of every occupied voxel (one sort of the buffer and the held
    voxels, so a long video costs about as much per frame as a short one). ``result`` gives each id's
    voxel means, ordered by voxel index. ``max_voxels`` bounds the voxels held over all ids: beyond it
    ``add`` raises ``MemoryError`` naming the count, so an input in the wrong unit fails instead of
    exhausting memory.
    """

    #: voxel cells are packed into one int64 key, 21 bits per axis around 0
    _OFFSET = 1 << 20

    def __init__(self, voxel: float, max_voxels: int | None = None, flush_points: int = 1_000_000) -> None:
        if not (voxel > 0 and np.isfinite(voxel)):
            raise ValueError(f"voxel size must be positive and finite, got {voxel}")
        self.voxel = float(voxel)
        self.max_voxels = max_voxels
        self.flush_points = int(flush_points)
        self._keys: dict[int, np.ndarray] = {}    # id -> (V,) int64 packed voxel cells, sorted, unique
        self._sums: dict[int, np.ndarray] = {}    # id -> (V, 3) float64 sums
        self._counts: dict[int, np.ndarray] = {}  # id -> (V,) int64 counts
        self._buffer: dict[int, list[np.ndarray]] = {}
        self._buffered = 0

    @property
    def size(self) -> int:
        """Voxels held over all ids (after the last fold)."""
        return sum(len(c) for c in self._counts.values())

    def _pack(self, pts: np.ndarray) -> np.ndarray:
        cells = np.floor(pts / self.voxel).astype(np.int64) + self._OFFSET
        if cells.min() < 0 or cells.max() >= 2 * self._OFFSET:
            raise MemoryError(f"points span more than {2 * self._OFFSET} voxels of {self.voxel:g} m along an "
                              "axis (depth in the wrong unit, or a scene far larger than its scale?)")
        return (cells[:, 0] << 42) | (cells[:, 1] << 21) | cells[:, 2]

    def add(self, frame: dict[int, np.ndarray]) -> None:
        for oid, pts in frame.items():
            pts = np.asarray(pts, dtype=np.float64)
            if pts.ndim != 2 or pts.shape[1] != 3:
                raise ValueError(f"points of instance {oid} must have shape (N, 3), got {pts.shape}")
            if not len(pts):
                continue
            if not np.all(np.isfinite(pts)):
                raise ValueError("points contain non-finite values")
            self._buffer.setdefault(int(oid), []).append(pts)
            self._buffered += len(pts)
        if self._buffered >= self.flush_points:
            self._fold()

    def _fold(self) -> None:
        for oid, chunks in self._buffer.items():
            pts = np.concatenate(chunks)
            keys = self._pack(pts)
            if oid in self._keys:
                keys = np.concatenate([self._keys[oid], keys])
                sums = np.concatenate([self._sums[oid], pts])
                counts = np.concatenate([self._counts[oid], np.ones(len(pts), np.int64)])
            else:
                sums, counts = pts, np.ones(len(pts), np.int64)
            uniq, inverse = np.unique(keys, return_inverse=True)
            merged = np.empty((len(uniq), 3))
            for axis in range(3):
                merged[:, axis] = np.bincount(inverse, weights=sums[:, axis], minlength=len(uniq))
            self._keys[oid] = uniq
            self._sums[oid] = merged
            self._counts[oid] = np.bincount(inverse, weights=counts, minlength=len(uniq)).astype(np.int64)
        self._buffer, self._buffered = {}, 0
        if self.max_voxels is not None and self.size > self.max_voxels:
            raise MemoryError(f"point clouds need more than {self.max_voxels} voxels of "
                              f"{self.voxel:g} m (depth in the wrong unit, or a scene far larger "
                              "than its scale?)")

    def result(self) -> dict[int, np.ndarray]:
        """``{id: (n, 3) voxel means}``, ids ascending."""
        self._fold()
        return {oid: self._sums[oid] / self._counts[oid][:, None] for oid in sorted(self._keys)}


def accumulate(per_frame: list[dict[int, np.ndarray]], voxel: float | None = None) -> dict[int, np.ndarray]:
    """Merge per-frame point clouds by instance id.

    Points are concatenated in frame order; with ``voxel`` set, each id's cloud is then
    voxel-downsampled (``voxel_downsample``). Returns ``{id: (n, 3) float64}`` with ids ascending.
    """
    if voxel is not None and not (voxel > 0 and np.isfinite(voxel)):
        raise ValueError(f"voxel size must be positive and finite, got {voxel}")
    chunks: dict[int, list[np.ndarray]] = {}
    for frame in per_frame:
        for oid, pts in frame.items():
            pts = np.asarray(pts, dtype=np.float64)
            if pts.ndim != 2 or pts.shape[1] != 3:
                raise ValueError(f"points of instance {oid} must have shape (N, 3), got {pts.shape}")
            chunks.setdefault(int(oid), []).append(pts)
    out: dict[int, np.ndarray] = {}
    for oid in sorted(chunks):
        merged = np.concatenate(chunks[oid], axis=0)
        out[oid] = voxel_downsample(merged, voxel) if voxel is not None else merged
    return out


def inlier_mask(points: np.ndarray, k: int = 8, std_ratio: float = 2.0) -> np.ndarray:
    """Statistical outlier test: True for points whose mean distance to their ``k`` nearest
    neighbours is at most ``mean + std_ratio * std`` of that statistic over the cloud.

    Clouds with ``k`` points or fewer are returned whole (all True).
    """
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 3:
        raise ValueError(f"points must have shape (N, 3), got {points.shape}")
    if int(k) < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    n = points.shape[0]
    if n <= k:
        return np.ones(n, dtype=bool)
    dist, _ = cKDTree(points).query(points, k=int(k) + 1)
    # Column 0 is the point itself (distance 0).
    mean_d = dist[:, 1:].mean(axis=1)
    return mean_d <= mean_d.mean() + std_ratio * mean_d.std()


def main_clusters(points: np.ndarray, link: float, min_fraction: float = 0.03) -> np.ndarray:
    """True for the points of the clusters that hold at least ``min_fraction`` of the cloud.

    Clusters are the connected components of the graph that links points closer than ``link``. A
    mask that leaked onto another surface in a few frames, or a track that followed another object
    for a moment, leaves a small dense clump far from the object: the k-nearest-neighbour test keeps
    it (its points have close neighbours) and one such clump sets a box's extent. An object split
    by an occluder keeps both parts, each well above the fraction."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    points = np.asarray(points, dtype=np.float64)
    n = len(points)
    if n < 2 or link <= 0:
        return np.ones(n, dtype=bool)
    pairs = cKDTree(points).query_pairs(float(link), output_type="ndarray")
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    sizes = np.bincount(labels)
    return sizes[labels] >= max(1.0, min_fraction * n)


def remove_outliers(points: np.ndarray, k: int = 8, std_ratio: float = 2.0) -> np.ndarray:
    """``points`` without statistical outliers (``inlier_mask``), order kept; deterministic."""
    points = np.asarray(points, dtype=np.float64)
    return points[inlier_mask(points, k, std_ratio)]
