"""Rotation estimation: how far the camera turns, or how far an object turns in view, between frames."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from spacevista.evidence import centre_shift
from spacevista.geometry.poses import rotation_angle_deg
from spacevista.graph import SceneGraph
from spacevista.tasks.base import TASKS, Facts, Question, Task, Unanswerable
from spacevista.tasks.common import askable, pick, sample

MIN_ANGLE = 10.0  # degrees: smaller turns are not asked (relative accuracy on tiny angles is noise)


def object_turn(graph: SceneGraph, oid: int, i: int, j: int) -> float:
    """Angle (deg) between the horizontal directions from the object's centre to the two cameras:
    how far the camera orbits about the object's vertical axis, i.e. how far the object appears to turn."""
    c = graph.object(oid).centroid[:2]
    a = graph.camera(i).position[:2] - c
    b = graph.camera(j).position[:2] - c
    if np.linalg.norm(a) == 0 or np.linalg.norm(b) == 0:
        raise Unanswerable("camera above the object centre")
    cos = float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


@TASKS.register("rotation_estimation")
class RotationEstimation(Task):
    """Camera rotation angle between two frames, or the object's apparent turn about its vertical axis."""

    original_type = "OBJECT_ROTATION"
    spread_has_error = True
    quantity = "angle"
    metric = False
    needs = ()
    per_scene = 3
    min_ratio = 1.3

    def original_type_of(self, q: Question) -> str:
        return "CAMERA_ROTATION" if q.kind == "camera" else "OBJECT_ROTATION"

    def candidates(self, graph: SceneGraph, rng: np.random.Generator) -> Iterator[Question]:
        frames = [c.frame for c in graph.cameras]
        if len(frames) < 2:
            return
        form = None
        for _ in range(self.per_scene * 3):
            i, j = sorted(int(f) for f in rng.choice(frames, size=2, replace=False))
            drawn = pick(self.forms, rng)
            form = form or drawn  # every question in the form of the first: whole rank cycles
            if rng.random() < 0.5 or not graph.objects:
                angle = rotation_angle_deg(graph.camera(i).pose[:3, :3], graph.camera(j).pose[:3, :3])
                if angle >= MIN_ANGLE and angle <= 170:
                    yield Question(self.name, form, "camera", frames=[i, j])
                continue
            objs = [o for o in askable(graph) if i in o.views and j in o.views]
            for o in sample(objs, 1, rng):
                angle = object_turn(graph, o.id, i, j)
                if MIN_ANGLE <= angle <= 170:
                    yield Question(self.name, form, "object", objects=[o.id], frames=[i, j])

    def chooses_number(self, q: Question) -> bool:
        return True

    def unseen_spread(self, q: Question, graph: SceneGraph) -> float:
        """An object's apparent turn is measured about its centre: the angle may move by the angle the
        centre's possible shift subtends from each camera, relative to the turn itself."""
        if q.kind != "object":
            return 0.0
        obj = graph.object(q.objects[0])
        shift = centre_shift(obj)
        if shift == 0.0:
            return 0.0
        turn = object_turn(graph, obj.id, *q.frames)
        moved = sum(shift / max(float(np.linalg.norm(graph.camera(f).position[:2] - obj.centroid[:2])), 1e-9)
                    for f in q.frames)
        return float(np.degrees(moved) / turn) if turn > 0 else float("inf")

    def answer(self, q: Question, graph: SceneGraph) -> Facts:
        i, j = q.frames
        if q.kind == "camera":
            angle = rotation_angle_deg(graph.camera(i).pose[:3, :3], graph.camera(j).pose[:3, :3])
            return Facts(angle, {"deg_value": angle})
        if not graph.has(q.objects[0]):
            raise Unanswerable("object missing")
        angle = object_turn(graph, q.objects[0], i, j)
        return Facts(angle, {"deg_value": angle})

    def choices(self, q, facts, graph, rng):
        return self.numeric_choices(q, facts.value, graph, rng, lower=1.0, upper=180.0)
