"""Position comparison: left/right, above/below, nearer/farther of A relative to B, in the camera
frame of a stated reference frame, with A and B possibly seen in different frames."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from spacevista.geometry.relations import vertical_scale
from spacevista.graph import GraphObject, SceneGraph
from spacevista.tasks.balance import Blocks
from spacevista.tasks.base import TASKS, ChoiceTask, Facts, Question, Unanswerable
from spacevista.tasks.common import askable, pairs, pick, shuffled

#: each axis: the two labels (negative, positive offset of A minus B) and the separation required,
#: in units of the objects' mean extent along that axis. Depth is looser because a lifted centroid
#: moves most along the viewing direction when an object's back is never seen.
AXES = {"lr": (("left", "right"), 0.5), "ud": (("below", "above"), 0.5), "nf": (("nearer", "farther"), 0.75)}
TEXT = {"left": "to the left of it", "right": "to the right of it", "above": "higher up than it",
        "below": "lower down than it", "nearer": "nearer to the camera than it",
        "farther": "farther from the camera than it"}


def offsets(graph: SceneGraph, a: GraphObject, b: GraphObject, frame: int) -> dict[str, tuple[float, float]]:
    """Per axis: (offset of A from B, mean extent of the two objects along that axis: for up/down
    their vertical scales, ``relations.vertical_scale``). Left/right and near/far are in the camera
    axes of ``frame``; up/down along world +z."""
    pose = graph.camera(frame).pose
    R, t = pose[:3, :3], pose[:3, 3]
    ca, cb = R.T @ (a.centroid - t), R.T @ (b.centroid - t)
    ext_h = 0.5 * (a.box.width + b.box.width)
    return {"lr": (float(ca[0] - cb[0]), ext_h),
            # a flat marking's box height is its thickness, which says nothing of how far apart in
            # height two of them are told (a field and the track round it): the vertical scale is
            # at least 5% of the longest side, as for contact relations
            "ud": (float(a.centroid[2] - b.centroid[2]), 0.5 * (vertical_scale(a.box) + vertical_scale(b.box))),
            "nf": (float(ca[2] - cb[2]), 0.5 * (a.box.longest + b.box.longest))}


def clear(off: tuple[float, float], need: float) -> bool:
    return abs(off[0]) >= need * max(off[1], 1e-12)


def label_of(axis: str, off: float) -> str:
    return AXES[axis][0][1 if off > 0 else 0]


def _opposite(label: str) -> str:
    pair = next(labels for labels, _ in AXES.values() if label in labels)
    return pair[1 - pair.index(label)]


@TASKS.register("position_comparison")
class PositionComparison(ChoiceTask):
    """Where A is relative to B seen from the camera of a stated frame."""

    original_type = "POSITION_ACROSS_FRAME"

    def candidates(self, graph: SceneGraph, rng: np.random.Generator) -> Iterator[Question]:
        # blocks of one kind and axis answered once with each side: A against B or B against A
        blocks = Blocks({(kind, ax): labels for kind in ("single", "cross") for ax, (labels, _) in AXES.items()}, rng)
        for a, b in shuffled(pairs(askable(graph)), rng):
            cross = rng.random() < 0.5 if blocks.open_kind is None else blocks.open_kind[0] == "cross"
            if cross:
                # A marked where B is not seen and vice versa, when the video allows it
                fa = [f for f in a.frames if f not in b.views] or a.frames
                fb = [f for f in b.frames if f not in a.views and f not in fa[:1]] or \
                     [f for f in b.frames if f != fa[0]]
                if not fb:
                    self.dropped["no_cross_frames"] += 1
                    continue
                ia, ib = pick(fa, rng), pick(fb, rng)
                ref = pick([c.frame for c in graph.cameras], rng)
                params = {"prompt_frames": [ia, ib]}
                qframes = [ref, ia, ib]
            else:
                both = [f for f in a.frames if f in b.views]
                if not both:
                    self.dropped["not_seen_together"] += 1
                    continue
                ref = pick(both, rng)
                params, qframes = {}, [ref]
            offs = offsets(graph, a, b, ref)
            axes = [ax for ax in AXES if clear(offs[ax], AXES[ax][1])]
            if not axes:
                self.dropped["border_position"] += 1
                continue
            kind = "cross" if cross else "single"
            want = blocks.want([(kind, ax) for ax in axes])
            if want is None:
                self.dropped["other_axis_wanted"] += 1
                continue
            (_, axis), side = want
            if label_of(axis, offs[axis][0]) != side:
                a, b = b, a
                if cross:
                    params["prompt_frames"] = params["prompt_frames"][::-1]
                    qframes = [qframes[0], *qframes[:0:-1]]
            q = Question(self.name, "mc", kind, objects=[a.id, b.id], frames=qframes, params={**params, "axis": axis})
            yield from blocks.take((kind, axis), side, q)

    def answer(self, q: Question, graph: SceneGraph) -> Facts:
        if not all(graph.has(o) for o in q.objects):
            raise Unanswerable("object missing")
        try:
            offs = offsets(graph, graph.object(q.objects[0]), graph.object(q.objects[1]), q.frames[0])
        except KeyError as e:
            raise Unanswerable(str(e)) from e
        axis = q.params["axis"]
        label = label_of(axis, offs[axis][0])
        return Facts(label, {"len_dx": abs(offs["lr"][0]), "side_x": label_of("lr", offs["lr"][0]),
                             "len_dz": abs(offs["ud"][0]), "side_z": label_of("ud", offs["ud"][0]),
                             "len_dd": abs(offs["nf"][0]), "side_d": label_of("nf", offs["nf"][0]),
                             "position": TEXT[label]})

    def choices(self, q, facts, graph, rng):
        """The other side on the asked axis. (Sides of other axes that clearly do not hold, beside
        these two, would never be the answer: a blind guess would keep to the pair.)"""
        return [_opposite(facts.value)]

    def describe(self, q, option, graph):
        return TEXT[option]
