"""The unit of evaluation: one question of any benchmark, in one shape, and one scored result row."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class EvalItem:
    """One benchmark question, whatever file it came from.

    ``question`` is the bare question; ``options_block`` the option lines exactly as the benchmark
    shows them (empty when the question text already holds them); ``options`` the option texts
    without letters (for matching an answer given as option text). Visual input is one of
    ``frames`` (image files), ``video`` (a video file, optionally cut to ``time_range`` seconds)
    or ``image_bytes`` (encoded images embedded in the benchmark file). ``scorer`` names a
    benchmark-specific scoring rule (``default`` uses ``answer_type``).
    """

    id: str
    benchmark: str
    question: str
    answer: str
    answer_type: str
    task: str
    category: str = ""
    options: list[str] = field(default_factory=list)
    options_block: str = ""
    n_options: int = 0
    unit: str = ""
    frames: list[str] = field(default_factory=list)
    video: str | None = None
    time_range: tuple[float, float] | None = None
    image_bytes: list[bytes] = field(default_factory=list, repr=False)
    input_type: str = "image_text"
    annotations: dict[str, Any] = field(default_factory=dict)
    scorer: str = "default"
    extra: dict[str, Any] = field(default_factory=dict)

    def result_fields(self) -> dict[str, Any]:
        """What a results row keeps of the item, enough to rescore it without the benchmark."""
        return {"id": self.id, "benchmark": self.benchmark, "task": self.task,
                "category": self.category, "answer_type": self.answer_type, "answer": self.answer,
                "unit": self.unit, "n_options": self.n_options, "options": self.options,
                "scorer": self.scorer}
