"""The unit of evaluation: one question of any benchmark, in one shape, and one scored result row."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacevista.io.bench import question_with_options
from spacevista.records import QARecord
from spacevista.scene import Scale


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


def absolute_path(p: str, base: Path) -> str:
    """``p`` itself when absolute, else ``base / p``."""
    q = Path(p)
    return str(q if q.is_absolute() else base / q)


def resolve_path(p: str, base: Path) -> str:
    """A benchmark file's path: ``p`` when absolute; else ``base / p`` when that exists, else the
    path from the working directory when that exists (where the official evaluator looks), else
    ``base / p``."""
    q = Path(p)
    if q.is_absolute():
        return str(q)
    if not (base / q).exists() and q.exists():
        return str(q.resolve())
    return str(base / q)


def resolve_annotations(ann: dict[str, Any], base: Path) -> dict[str, Any]:
    """Annotations with mask and image paths resolved against ``base`` (:func:`resolve_path`)."""
    out = dict(ann or {})
    masks = []
    for m in out.get("masks") or []:
        m = dict(m)
        for k in ("mask_path", "image_path"):
            if m.get(k):
                m[k] = resolve_path(m[k], base)
        masks.append(m)
    out["masks"] = masks
    dual = out.get("dual_bbox")
    if dual:
        dual = dict(dual)
        for k in ("source_image", "target_image"):
            if dual.get(k):
                dual[k] = resolve_path(dual[k], base)
        out["dual_bbox"] = dual
    return out


def record_to_item(r: QARecord, root: Path, benchmark: str = "engine") -> EvalItem:
    """An evaluation item from a QA record whose frame paths are relative to ``root``."""
    try:
        category = Scale.parse(r.scale).category
    except ValueError:
        category = r.category
    frames = [str(Path(f) if Path(f).is_absolute() else root / f) for f in r.frames]
    opts = list(r.options)
    full = question_with_options(r.question, opts)
    block = full[len(r.question):].lstrip("\n") if full != r.question else ""
    return EvalItem(
        id=r.id, benchmark=benchmark, question=r.question, answer=r.answer, answer_type=r.answer_type,
        task=r.task, category=category, options=opts, options_block=block,
        n_options=len(opts), unit=r.unit if r.answer_type == "numerical" else "", frames=frames,
        input_type=r.input_type, annotations=resolve_annotations(r.annotations, root),
        extra={"scene_id": r.scene_id, "scale": r.scale, "source": r.source})
