"""The QA record: one generated question with its answer, anchors, visual prompt and provenance.

This is the one format every stage after the task generators reads (writers, eval, train, review).
Field meanings are documented in docs/formats.md.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

ANSWER_TYPES = ("numerical", "mc", "text")
INPUT_TYPES = ("image_text", "image_point_text", "image_bbox_text", "image_mask_text")


@dataclass
class QARecord:
    """One question-answer item.

    ``answer`` is the option letter for ``mc``, the number as text (in ``unit``) for ``numerical``
    and free text for ``text``. ``exact_answer`` is the same question answered from ground-truth
    geometry (synthetic scenes) and ``engine_score`` scores ``answer`` against it with the
    benchmark's rules; both stay ``None`` without ground truth.
    """

    id: str
    scene_id: str
    source: str
    scale: str
    category: str
    task: str
    answer_type: str
    question: str
    answer: str
    options: list[str] = field(default_factory=list)
    unit: str = ""
    rationale: str = ""
    anchors: dict[str, Any] = field(default_factory=dict)
    input_type: str = "image_text"
    annotations: dict[str, Any] = field(default_factory=dict)
    frames: list[str] = field(default_factory=list)
    frame_indices: list[int] = field(default_factory=list)
    reference_frame: int | None = None
    original_type: str = ""
    exact_answer: str | None = None
    engine_score: float | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.answer_type not in ANSWER_TYPES:
            raise ValueError(f"record {self.id}: answer_type {self.answer_type!r} not in {ANSWER_TYPES}")
        if self.input_type not in INPUT_TYPES:
            raise ValueError(f"record {self.id}: input_type {self.input_type!r} not in {INPUT_TYPES}")
        if self.answer_type == "mc":
            letters = [chr(ord("A") + i) for i in range(len(self.options))]
            if self.answer not in letters:
                raise ValueError(f"record {self.id}: mc answer {self.answer!r} not among {letters}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        """Canonical one-line JSON (sorted keys) so identical records give identical bytes."""
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "QARecord":
        names = {f.name for f in fields(cls)}
        unknown = set(d) - names
        if unknown:
            raise ValueError(f"record {d.get('id')}: unknown fields {sorted(unknown)}")
        return cls(**d)

    @property
    def option_text(self) -> str | None:
        """Text of the correct option for mc records."""
        if self.answer_type != "mc":
            return None
        return self.options[ord(self.answer) - ord("A")]
