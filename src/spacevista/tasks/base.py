"""What every task generator is: propose questions from a scene graph, answer them from any graph.

A task never reads files or runs models. The engine calls ``propose`` on the *estimated* scene
graph, then ``answer`` on the estimated graph (the dataset's answer) and on the ground-truth graph
(the exact answer), so the engine's own correctness is measured question by question.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from spacevista.graph import SceneGraph
from spacevista.registry import Registry
from spacevista.scene import Scale

ALL_SCALES: tuple[Scale, ...] = tuple(Scale)


class Unanswerable(Exception):
    """The question cannot be answered from this graph (object missing, no view, ...)."""


@dataclass
class Question:
    """A question before it is worded: what is asked about which objects and frames.

    ``form`` is the answer form (numerical, mc or text); ``kind`` a task-specific sub-type
    (e.g. "longest" for object size); ``objects`` the referenced object ids in order; ``frames`` the
    frame indices the question names; ``params`` anything else the task needs to answer it.
    """

    task: str
    form: str
    kind: str
    objects: list[int] = field(default_factory=list)
    frames: list[int] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Facts:
    """A computed answer and the intermediate quantities the rationale may state.

    ``value`` is canonical: a float in metres / degrees / count for numerical questions, or a
    hashable label (str, int id, tuple) for categorical ones. ``facts`` are named numbers and
    strings the rationale template may quote; nothing else is stated in a rationale.
    """

    value: Any
    facts: dict[str, Any] = field(default_factory=dict)


class Task:
    """Base class of the task generators; subclasses register with ``@TASKS.register(name)``."""

    name: ClassVar[str] = ""
    original_type: ClassVar[str] = ""
    scales: ClassVar[tuple[Scale, ...]] = ALL_SCALES
    forms: ClassVar[tuple[str, ...]] = ("numerical", "mc")
    metric: ClassVar[bool] = True  # needs a metric scene
    needs: ClassVar[tuple[str, ...]] = ("depth", "instances")  # signals the estimated graph needs
    #: what "value" means for numerical answers: "length" (metres), "area", "volume", "angle", "count"
    quantity: ClassVar[str] = "length"
    #: the answer measures 3D geometry (a size, distance, depth, room size, area or count), which a
    #: source's own 3D annotation gives for the whole object; the engine answers from it when it can
    from_annotation: ClassVar[bool] = False

    def quantity_of(self, q: Question) -> str:
        """Quantity of this question's numerical value (tasks asking area or volume override it)."""
        return self.quantity

    def label_options(self, q: Question) -> bool:
        """True when mc values are labels (e.g. object ids) even though they are ints, so options are
        worded by ``describe`` rather than as numbers with units."""
        return False

    def propose(self, graph: SceneGraph, rng: np.random.Generator) -> list[Question]:
        """Candidate questions that the estimated graph supports unambiguously."""
        raise NotImplementedError

    def answer(self, q: Question, graph: SceneGraph) -> Facts:
        """Answer ``q`` from ``graph``; raise ``Unanswerable`` when the graph lacks what it needs."""
        raise NotImplementedError

    def choices(self, q: Question, facts: Facts, graph: SceneGraph, rng: np.random.Generator) -> list[Any]:
        """Distractor values for a multiple-choice form (the correct value excluded)."""
        raise NotImplementedError

    def matches(self, q: Question, option: Any, value: Any) -> bool:
        """Whether an option value stands for ``value`` (used to find the exact letter)."""
        return option == value

    def describe(self, q: Question, option: Any, graph: SceneGraph) -> str:
        """Option text of a categorical value."""
        return str(option)


TASKS: Registry[type[Task]] = Registry("task", modules=("spacevista.tasks.catalog",))
