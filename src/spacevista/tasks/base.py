"""What every task generator is: propose questions from a scene graph, answer them from any graph.

A task never reads files or runs models. The engine calls ``propose`` on the *estimated* scene
graph, then ``answer`` on the estimated graph (the dataset's answer) and on the ground-truth graph
(the exact answer), so the engine's own correctness is measured question by question.
"""

from __future__ import annotations

import dataclasses
import importlib
import itertools
import pkgutil
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Hashable, Iterator

import numpy as np

from spacevista.graph import SceneGraph
from spacevista.registry import Registry
from spacevista.scene import Scale
from spacevista.tasks.layout import Layout
from spacevista.tasks.spread import ranked_spread
from spacevista.tasks.wording import shown_factor, templates, unit_for

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
    """Base class of the task generators; subclasses register with ``@TASKS.register(name)``, which
    also sets their ``name``, and state only the class attributes that differ from these defaults."""

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
    #: at most this many questions per scene
    per_scene: ClassVar[int] = 4
    #: question kinds ("*": any) whose named objects must each have been seen whole in some view
    evidence: ClassVar[dict[str, str]] = {}
    #: the answer is an extent of the objects it names, so their measurement error bounds it
    measures_extent: ClassVar[bool] = False
    #: ``unseen_spread`` already holds the named surfaces' position errors (estimated depth and
    #: masks), which bound the depth error's share of the answer
    spread_has_error: ClassVar[bool] = False
    #: the answer is a plan around every object's box (routes, manipulation), which estimated depth
    #: or masks move: on estimated perception asked only when ``plan_holds_under_error`` says the
    #: plan keeps clear of every box moved by its position error
    needs_exact_obstacles: ClassVar[bool] = False
    #: share of the room's floor outline that a seen wall must close (``room["wall_coverage"]``);
    #: 0: no room needed
    room_coverage: ClassVar[float] = 0.0
    #: numeric multiple choice: neighbouring options differ at least by this ratio (raise it where
    #: the answer is less certain, so that no distractor is within the answer's error) and their
    #: gaps are drawn up to ``max_ratio``
    min_ratio: ClassVar[float] = 1.25
    max_ratio: ClassVar[float] = 3.0
    #: why candidate questions were not asked, counted by the last ``propose`` (reported per scene)
    dropped: Counter

    #: the engine's evidence gate, set before ``propose``: why a question is refused, or None
    gate: Callable[[Question], str | None] | None = None

    def admit(self, q: Question, count: bool = True) -> bool:
        """Whether the engine's gate lets ``q`` be asked. Tasks that balance their answers over a
        scene ask it while choosing, so a refused question never leaves a hole in the balance; a
        refusal is counted (``refuse``) when ``count``, else as a filter drop."""
        reason = self.gate(q) if self.gate is not None else None
        if reason is None:
            return True
        if count:
            self.refuse(reason)
        else:
            self.dropped[reason] += 1
        return False

    def refuse(self, reason: str, n: int = 1) -> None:
        """Count a candidate question the evidence does not determine (a gate's refusal); the engine
        reports refusals per task, scale and reason beside the items emitted."""
        if not hasattr(self, "refused"):
            self.refused: Counter = Counter()
        self.refused[reason] += n

    def unseen_spread(self, q: Question, graph: SceneGraph) -> float:
        """How far the answer could move because of what the capture never showed (hidden backs,
        hidden bottoms), as a relative spread: 0 when the capture determines it (the default), inf
        when a comparison could flip. The engine refuses questions whose spread is too wide."""
        return 0.0

    def measured_floor(self, q: Question, graph: SceneGraph) -> float:
        """The least share of its measured value the answer may truly have for a reason the
        relative error does not cover (1.0 by default): a thin object's lifted height is the ground's
        depth noise (``Evidence.thin``), so its true height may be near nothing, and a box run down
        below the ground seen around it may be too tall by that much (``Evidence.base_offset``).
        The gates take the lower end of the answer's interval down by it
        (``engine.scene.gates.answer_interval``)."""
        return 1.0

    def plan_holds_under_error(self, q: Question, graph: SceneGraph) -> bool:
        """Whether the question's plan stays valid with every object's box moved by the position
        error of its surfaces (estimated perception); False by default: a plan a task cannot check
        that way is asked only on exact perception."""
        return False

    def quantity_of(self, q: Question) -> str:
        """Quantity of this question's numerical value (tasks asking area or volume override it)."""
        return self.quantity

    def chooses_number(self, q: Question) -> bool:
        """Whether the multiple-choice form of ``q`` is a choice among numbers
        (``numeric_choices``), which the gates let hold under a wider error than a number
        written out (``engine.scene.gates.choice_refusal``)."""
        return False

    def as_choice(self, q: Question) -> Question | None:
        """The multiple-choice form of a numerical ``q``, where this task asks it as a choice among
        numbers (:meth:`chooses_number`) and has wording for it; None otherwise. A number the
        evidence cannot give to 5% may still pick one of options spaced wider apart."""
        if q.form != "numerical" or "mc" not in self.forms:
            return None
        choice = dataclasses.replace(q, form="mc")
        if not self.chooses_number(choice) or not (templates(self.name).get("mc") or {}).get(q.kind):
            return None
        return choice

    def label_options(self, q: Question) -> bool:
        """True when mc values are labels (e.g. object ids) even though they are ints, so options are
        worded by ``describe`` rather than as numbers with units."""
        return False

    def propose(self, graph: SceneGraph, rng: np.random.Generator) -> list[Question]:
        """Questions that the estimated graph supports unambiguously: the first ``per_scene`` that
        ``candidates`` offers. Candidates after those are never looked at, so they draw nothing
        from ``rng`` (which goes on to word the questions)."""
        self.dropped = Counter()
        self.layout = Layout(rng)
        return list(itertools.islice(self.candidates(graph, rng), self.per_scene))

    def layout_for(self, rng: np.random.Generator) -> Layout:
        """This scene's balancing cycles (letters, ranks, labels): made by ``propose``, or from
        ``rng`` when a question is composed without it."""
        if getattr(self, "layout", None) is None:
            self.layout = Layout(rng)
        return self.layout

    def candidates(self, graph: SceneGraph, rng: np.random.Generator) -> Iterator[Question]:
        """Askable questions in the order they are offered; what a filter drops is counted in
        ``self.dropped``."""
        raise NotImplementedError

    def answer(self, q: Question, graph: SceneGraph) -> Facts:
        """Answer ``q`` from ``graph``; raise ``Unanswerable`` when the graph lacks what it needs."""
        raise NotImplementedError

    def choices(self, q: Question, facts: Facts, graph: SceneGraph, rng: np.random.Generator) -> list[Any]:
        """Distractor values for a multiple-choice form (the correct value excluded)."""
        raise NotImplementedError

    def numeric_choices(self, q: Question, value: float, graph: SceneGraph, rng: np.random.Generator,
                        lower: float | None = None, upper: float | None = None) -> list[float]:
        """Three distractors for a positive numeric answer (SI units; ``lower``/``upper`` in the
        unit the options are written in), spaced by this task's ``min_ratio`` and ``max_ratio``
        with the answer's rank from the scene's cycle (``spread.ranked_spread``). They are spread
        in the written unit, so that rounding and the checks see the numbers the text shows."""
        factor = shown_factor(self.quantity_of(q), unit_for(graph.scale, self.quantity_of(q)))
        return [d * factor for d in ranked_spread(value / factor, self.layout_for(rng), rng, 3, self.min_ratio,
                                                  self.max_ratio, lower, upper)]

    def answer_label(self, q: Question, value: Any) -> Hashable | None:
        """The answer as one of a few labels (a side, a relation, yes or no; a tuple of such
        words), which questions word in step so that no paraphrase goes with one label more than
        another; None for answers that are numbers, objects or plans."""
        if isinstance(value, str) or (isinstance(value, tuple) and value and all(isinstance(v, str) for v in value)):
            return value
        return None

    def matches(self, q: Question, option: Any, value: Any) -> bool:
        """Whether an option value stands for ``value`` (used to find the exact letter)."""
        return option == value

    def describe(self, q: Question, option: Any, graph: SceneGraph) -> str:
        """Option text of a categorical value."""
        return str(option)


class ChoiceTask(Task):
    """A task asked only as multiple choice among labels (sides, orders, relations, yes or no)
    that any scene supports, metric or not; its values carry no unit."""

    forms = ("mc",)
    metric = False
    quantity = "count"


class TaskRegistry(Registry[type[Task]]):
    """The registry of task generators: registering a class under a name also makes that its
    ``name``, so the registry key, the template file and the records' task are one string."""

    def register(self, name: str) -> Callable[[type[Task]], type[Task]]:
        """Class decorator: register the task under ``name`` and set its ``name``."""
        add = super().register(name)

        def deco(cls: type[Task]) -> type[Task]:
            cls.name = name
            return add(cls)
        return deco


def package_modules() -> tuple[str, ...]:
    """Every module of the ``spacevista.tasks`` package. All are imported when tasks are first
    looked up: a task module registers its task on import, a helper module registers nothing, so
    a new task is found by its decorator alone and no list of task modules is kept by hand."""
    package = importlib.import_module(__package__)
    return tuple(m.name for m in pkgutil.iter_modules(package.__path__, prefix=f"{__package__}."))


TASKS = TaskRegistry("task", modules=package_modules())
