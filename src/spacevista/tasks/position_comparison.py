"""Position comparison: left/right, above/below, nearer/farther of A relative to B, in the camera
frame of a stated reference frame, with A and B possibly seen in different frames."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from spacevista.graph import GraphObject, SceneGraph
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
    """Per axis: (offset of A from B, mean extent of the two objects along that axis). Left/right
    and near/far are in the camera axes of ``frame``; up/down along world +z."""
    pose = graph.camera(frame).pose
    R, t = pose[:3, :3], pose[:3, 3]
    ca, cb = R.T @ (a.centroid - t), R.T @ (b.centroid - t)
    ext_h = 0.5 * (a.box.width + b.box.width)
    return {"lr": (float(ca[0] - cb[0]), ext_h),
            "ud": (float(a.centroid[2] - b.centroid[2]), 0.5 * (a.box.height + b.box.height)),
            "nf": (float(ca[2] - cb[2]), 0.5 * (a.box.longest + b.box.longest))}


def clear(off: tuple[float, float], need: float) -> bool:
    return abs(off[0]) >= need * max(off[1], 1e-12)


def label_of(axis: str, off: float) -> str:
    return AXES[axis][0][1 if off > 0 else 0]


@TASKS.register("position_comparison")
class PositionComparison(ChoiceTask):
    """Where A is relative to B seen from the camera of a stated frame."""

    original_type = "POSITION_ACROSS_FRAME"

    def candidates(self, graph: SceneGraph, rng: np.random.Generator) -> Iterator[Question]:
        for a, b in shuffled(pairs(askable(graph)), rng):
            if rng.random() < 0.5:
                a, b = b, a
            cross = rng.random() < 0.5
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
            yield Question(self.name, "mc", "cross" if cross else "single", objects=[a.id, b.id],
                           frames=qframes, params={**params, "axis": pick(axes, rng)})

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
        """The opposite on the asked axis, plus on each other axis the direction that clearly does
        not hold (so that no distractor is also true)."""
        axis = q.params["axis"]
        pair = AXES[axis][0]
        wrong = [pair[0] if facts.value == pair[1] else pair[1]]
        offs = offsets(graph, graph.object(q.objects[0]), graph.object(q.objects[1]), q.frames[0])
        for ax, (labels, need) in AXES.items():
            if ax != axis and clear(offs[ax], need):
                held = label_of(ax, offs[ax][0])
                wrong.append(labels[0] if held == labels[1] else labels[1])
        return [wrong[int(i)] for i in rng.permutation(len(wrong))]

    def describe(self, q, option, graph):
        return TEXT[option]
