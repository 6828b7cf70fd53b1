"""Sampling-based motion planning among upright boxes: RRT-Connect, exact segment checks, shortcuts.

The free space is an axis-aligned bounding region minus a set of boxes that may be rotated about
the vertical axis (the scene graph's upright boxes). It works in 2-D (the ground plane: x, y) and in
3-D (x, y, z with z up). Boxes are inflated by the moving body's half extents (a conservative stand-in
for the Minkowski sum: a disc of radius r becomes a square of half side r), so the body is a point.

Collision checks are exact, not sampled: a segment is tested against every box with the slab method
in the box's own frame, so a path that passes the check touches no inflated box anywhere.

Why our own RRT-Connect and not OMPL: OMPL's Python bindings (2.x) seed planners from one global
seed generator that can be set once per process, before the first sampler exists; every later
sampler takes the next seed in that stream. A question's plan would then depend on how many plans
the process made before it, so the same scene and seed would not give byte-identical records when
scenes are spread over workers. Here every plan draws from the ``numpy.random.Generator`` it is
given, so a plan is a function of its inputs and seed alone. The algorithm is RRT-Connect
(Kuffner & LaValle, 2000): two trees grown towards random samples and greedily towards each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: tolerance under which a segment grazing a box face does not count as entering it
_EPS = 1e-9


@dataclass(frozen=True)
class BoxSpace:
    """Free space: the region ``lo``..``hi`` minus open boxes (centre, half size, yaw about z).

    ``centers`` and ``halves`` are (n, d) with d = 2 (ground plane) or 3 (z up); ``yaws`` (n,).
    """

    lo: np.ndarray
    hi: np.ndarray
    centers: np.ndarray
    halves: np.ndarray
    yaws: np.ndarray

    @classmethod
    def from_boxes(cls, lo, hi, centers, sizes, yaws, inflate) -> "BoxSpace":
        """Boxes given by full ``sizes``, each grown by ``inflate`` (scalar or per-axis) on every side."""
        lo = np.asarray(lo, dtype=np.float64)
        d = len(lo)
        centers = np.asarray(centers, dtype=np.float64).reshape(-1, d)
        halves = np.asarray(sizes, dtype=np.float64).reshape(-1, d) / 2 + np.broadcast_to(
            np.asarray(inflate, dtype=np.float64), (d,))
        return cls(lo, np.asarray(hi, dtype=np.float64), centers, halves,
                   np.asarray(yaws, dtype=np.float64).reshape(-1))

    @property
    def dim(self) -> int:
        return len(self.lo)

    def __post_init__(self) -> None:
        # rotation of every box into its own frame, flattened for one matrix product per check
        n, d = self.centers.shape if len(self.centers) else (0, len(self.lo))
        rot = np.zeros((n, d, d))
        c, s = np.cos(self.yaws), np.sin(self.yaws)
        rot[:, 0, 0], rot[:, 0, 1], rot[:, 1, 0], rot[:, 1, 1] = c, s, -s, c
        if d == 3:
            rot[:, 2, 2] = 1.0
        object.__setattr__(self, "_rot", rot)
        object.__setattr__(self, "_shrunk", self.halves - _EPS)

    def _local(self, p: np.ndarray) -> np.ndarray:
        """A point (d,) in every box's frame: (n, d)."""
        return np.matmul(self._rot, (p - self.centers)[:, :, None])[:, :, 0]

    def in_bounds(self, p: np.ndarray) -> bool:
        p = np.asarray(p, dtype=np.float64)
        return bool(((p >= self.lo - _EPS) & (p <= self.hi + _EPS)).all())

    def point_free(self, p) -> bool:
        """Inside the region and strictly outside every box."""
        p = np.asarray(p, dtype=np.float64)
        if not self.in_bounds(p):
            return False
        if len(self.centers) == 0:
            return True
        return not bool((np.abs(self._local(p)) < self._shrunk).all(axis=-1).any())

    def hits(self, a, b) -> np.ndarray:
        """Boolean (n,): which boxes the segment a -> b passes through (touching does not count)."""
        if len(self.centers) == 0:
            return np.zeros(0, dtype=bool)
        ends = np.stack([np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)])
        local = np.matmul(self._rot, (ends[None] - self.centers[:, None]).transpose(0, 2, 1))  # (n, d, 2)
        pa = local[:, :, 0]
        d = local[:, :, 1] - pa
        # a tiny stand-in for a zero direction puts parallel slabs at +-1e300: inside a slab it never
        # limits the interval, outside it empties it, which is the slab test's rule for parallel rays
        inv = 1.0 / np.where(d == 0.0, 1e-300, d)
        t1 = (-self._shrunk - pa) * inv
        t2 = (self._shrunk - pa) * inv
        enter = np.minimum(t1, t2).max(axis=-1)
        leave = np.maximum(t1, t2).min(axis=-1)
        return (enter < leave) & (enter < 1.0) & (leave > 0.0)

    def segment_free(self, a, b) -> bool:
        """The whole segment lies in the region (it is convex) and touches no box's interior."""
        if not (self.in_bounds(a) and self.in_bounds(b)):
            return False
        return not bool(self.hits(a, b).any())

    def path_free(self, path: np.ndarray) -> bool:
        path = np.asarray(path, dtype=np.float64)
        return all(self.segment_free(path[i], path[i + 1]) for i in range(len(path) - 1))


def rrt_connect(space: BoxSpace, start, goal, rng: np.random.Generator, step: float | None = None,
                max_samples: int = 3000) -> np.ndarray | None:
    """RRT-Connect from ``start`` to ``goal``; the raw tree path (k, d) or None when none is found
    within ``max_samples`` random samples. ``step`` defaults to 1/15 of the region's diagonal."""
    start = np.asarray(start, dtype=np.float64)
    goal = np.asarray(goal, dtype=np.float64)
    if not (space.point_free(start) and space.point_free(goal)):
        return None
    if space.segment_free(start, goal):
        return np.stack([start, goal])
    if step is None:
        step = float(np.linalg.norm(space.hi - space.lo)) / 15
    cap = 2 * max_samples + 2
    trees = [_Tree(start, cap), _Tree(goal, cap)]
    from_start = trees[0]
    for _ in range(max_samples):
        sample = rng.uniform(space.lo, space.hi)
        a, b = trees
        new = a.extend(space, sample, step)
        if new is not None:
            # greedily grow the other tree towards the new node until it connects or is blocked
            first = True
            while True:
                # the first try is the whole way: in sparse scenes the trees meet in one check
                last = b.extend(space, a.nodes[new], np.inf if first else step)
                if last is None and first:
                    first = False
                    continue
                first = False
                if last is None:
                    break
                if np.allclose(b.nodes[last], a.nodes[new]):
                    pa, pb = a.path_to(new), b.path_to(last)
                    path = np.concatenate([pa, pb[::-1][1:]])
                    return path if a is from_start else path[::-1]
        trees.reverse()
    return None


class _Tree:
    """A growing tree: node coordinates and parent indices in preallocated arrays."""

    def __init__(self, root: np.ndarray, cap: int):
        self.nodes = np.empty((cap, len(root)))
        self.parent = np.full(cap, -1, dtype=np.int64)
        self.nodes[0] = root
        self.n = 1

    def extend(self, space: BoxSpace, target: np.ndarray, step: float) -> int | None:
        """One step (at most ``step`` long) from the nearest node towards ``target``; the new
        node's index or None when blocked. ``step`` = inf jumps straight to the target."""
        if self.n >= len(self.nodes):
            return None
        d2 = np.sum((self.nodes[: self.n] - target) ** 2, axis=1)
        near = int(np.argmin(d2))
        dist = float(np.sqrt(d2[near]))
        if dist < 1e-12:
            return None
        new = target if dist <= step else self.nodes[near] + (target - self.nodes[near]) * (step / dist)
        if not space.segment_free(self.nodes[near], new):
            return None
        self.nodes[self.n] = new
        self.parent[self.n] = near
        self.n += 1
        return self.n - 1

    def path_to(self, i: int) -> np.ndarray:
        out = []
        while i >= 0:
            out.append(self.nodes[i])
            i = int(self.parent[i])
        return np.stack(out[::-1])


def shortcut(space: BoxSpace, path: np.ndarray, rng: np.random.Generator | None = None,
             rounds: int = 10, tighten: int = 4) -> np.ndarray:
    """Shorten a free path towards a taut string with few corners: greedy visibility (jump from each
    vertex to the farthest vertex in view), ``rounds`` random chord shortcuts between points on two
    edges, ``tighten`` passes pulling each corner towards its neighbours' midpoint, and a last greedy
    pass. Every accepted change keeps the path free, so the result is free whenever the input is."""
    path = visibility(space, np.asarray(path, dtype=np.float64))
    if rng is not None:
        for _ in range(rounds):
            if len(path) < 3:
                break
            i, j = sorted(int(k) for k in rng.choice(len(path) - 1, size=2, replace=False))
            ti, tj = rng.uniform(0, 1, size=2)
            p = path[i] + ti * (path[i + 1] - path[i])
            q = path[j] + tj * (path[j + 1] - path[j])
            if space.segment_free(p, q):
                cand = np.concatenate([path[: i + 1], [p, q], path[j + 1:]])
                if path_length(cand) < path_length(path) - 1e-12:
                    path = cand
        path = visibility(space, path)
    for _ in range(tighten):
        before = path_length(path)
        path = _slide(space, path)
        path = visibility(space, path)
        if path_length(path) > before - 1e-9:
            break
    return simplify(path)


def _slide(space: BoxSpace, path: np.ndarray, iters: int = 6) -> np.ndarray:
    """Slide each corner along its outgoing edge, then its incoming edge, as far as the segment from
    the neighbour behind (ahead) stays free (bisection). The moved corner stays on an old edge, so
    the path stays free, and by the triangle inequality it only gets shorter."""
    path = path.copy()
    for k in range(1, len(path) - 1):
        for nb, ahead in ((k - 1, k + 1), (k + 1, k - 1)):
            lo, hi = 0.0, 1.0
            p, q = path[k].copy(), path[ahead]
            if space.segment_free(path[nb], q):
                lo = 1.0
            else:
                for _ in range(iters):
                    mid = (lo + hi) / 2
                    if space.segment_free(path[nb], p + mid * (q - p)):
                        lo = mid
                    else:
                        hi = mid
            path[k] = p + lo * (q - p)
    return path


def visibility(space: BoxSpace, path: np.ndarray) -> np.ndarray:
    """Greedy visibility pass: from each kept vertex jump to the farthest later vertex in view."""
    out = [path[0]]
    i = 0
    while i < len(path) - 1:
        j = len(path) - 1
        while j > i + 1 and not space.segment_free(path[i], path[j]):
            j -= 1
        out.append(path[j])
        i = j
    return np.stack(out)


def simplify(path: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """Drop repeated and collinear vertices (a free path stays free: the segments are unchanged)."""
    pts = [path[0]]
    for p in path[1:]:
        if np.linalg.norm(p - pts[-1]) > tol:
            pts.append(p)
    if len(pts) < 3:
        return np.stack(pts)
    keep = [pts[0]]
    for k in range(1, len(pts) - 1):
        u, v = pts[k] - keep[-1], pts[k + 1] - pts[k]
        cos = float(u @ v) / (np.linalg.norm(u) * np.linalg.norm(v))
        if cos < 1 - 1e-9:
            keep.append(pts[k])
    keep.append(pts[-1])
    return np.stack(keep)


def path_length(path: np.ndarray) -> float:
    path = np.asarray(path, dtype=np.float64)
    return float(np.linalg.norm(np.diff(path, axis=0), axis=1).sum()) if len(path) > 1 else 0.0


def plan(space: BoxSpace, start, goal, rng: np.random.Generator, step: float | None = None,
         max_samples: int = 1500, attempts: int = 2) -> np.ndarray | None:
    """Plan and post-process: RRT-Connect (retried ``attempts`` times), then shortcut. The result is
    a free polyline from ``start`` to ``goal`` (k, d), or None when the goal cannot be reached."""
    for _ in range(attempts):
        raw = rrt_connect(space, start, goal, rng, step=step, max_samples=max_samples)
        if raw is not None:
            return shortcut(space, raw, rng)
    return None
