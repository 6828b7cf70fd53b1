"""View change inference: the dominant camera translation and turn from frame i to frame j."""

from __future__ import annotations

import itertools
from typing import Iterator

import numpy as np

from spacevista.graph import SceneGraph
from spacevista.tasks.base import TASKS, ChoiceTask, Facts, Question
from spacevista.tasks.common import sample, shuffled

#: the dominant axis must exceed the next by this factor, and the turn this many degrees
DOMINANCE = 1.5
MIN_TURN = 10.0
MOVES = ("forward", "backward", "left", "right", "up", "down")
TURNS = ("turn left", "turn right", "no turn")


def motion(graph: SceneGraph, i: int, j: int) -> tuple[np.ndarray, float]:
    """Translation of camera j expressed in camera i's axes, as (right, up, forward), and the yaw
    change in degrees (positive = turned left, about world up)."""
    Pi, Pj = graph.camera(i).pose, graph.camera(j).pose
    d = Pi[:3, :3].T @ (Pj[:3, 3] - Pi[:3, 3])  # OpenCV: x right, y down, z forward
    rel = np.array([d[0], -d[1], d[2]])
    fi, fj = Pi[:3, 2], Pj[:3, 2]
    yaw_i, yaw_j = np.arctan2(fi[1], fi[0]), np.arctan2(fj[1], fj[0])
    turn = float(np.degrees((yaw_j - yaw_i + np.pi) % (2 * np.pi) - np.pi))
    return rel, turn


def classify(rel: np.ndarray, turn: float) -> tuple[str, str, float]:
    """(move, turn word, dominance margin) of a relative motion."""
    mags = np.abs(rel)
    order = np.argsort(-mags)
    axis = int(order[0])
    margin = float(mags[order[0]] / max(mags[order[1]], 1e-9))
    move = {0: ("right", "left"), 1: ("up", "down"), 2: ("forward", "backward")}[axis][0 if rel[axis] > 0 else 1]
    t = "no turn" if abs(turn) < MIN_TURN else ("turn left" if turn > 0 else "turn right")
    return move, t, margin


@TASKS.register("view_change")
class ViewChange(ChoiceTask):
    """How the camera moved and turned from frame i to frame j, in frame i's camera axes."""

    original_type = "CAMERA_MOVING"
    needs = ()
    per_scene = 3

    def candidates(self, graph: SceneGraph, rng: np.random.Generator) -> Iterator[Question]:
        frames = [c.frame for c in graph.cameras]
        for i, j in shuffled(list(itertools.combinations(frames, 2)), rng):
            rel, turn = motion(graph, i, j)
            move, t, margin = classify(rel, turn)
            if margin < DOMINANCE or np.linalg.norm(rel) == 0:
                continue
            if 0.6 * MIN_TURN < abs(turn) < 1.5 * MIN_TURN:  # border of "no turn"
                continue
            yield Question(self.name, "mc", "move_turn", frames=[i, j])

    def answer(self, q: Question, graph: SceneGraph) -> Facts:
        rel, turn = motion(graph, *q.frames)
        move, t, _ = classify(rel, turn)
        return Facts((move, t), {"right": float(rel[0]), "upward": float(rel[1]), "ahead": float(rel[2]),
                                 "deg_turn": abs(turn), "move": move, "turn": t})

    def choices(self, q, facts, graph, rng):
        move, t = facts.value
        cands = [(m, tt) for m in MOVES for tt in TURNS if (m, tt) != (move, t)]
        # prefer distractors that share one half with the answer: plausible but wrong
        close = [c for c in cands if c[0] == move or c[1] == t]
        far = [c for c in cands if c not in close]
        picked = sample(close, 2, rng) + sample(far, 1, rng)
        return picked

    def describe(self, q, option, graph):
        move, t = option
        return f"moved {move}, {t}" if t != "no turn" else f"moved {move}, no turn"
