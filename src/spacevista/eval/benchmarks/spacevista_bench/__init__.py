"""SpaceVista-Bench: the official JSON list (see :mod:`spacevista.io.bench`).

Answer type from the answer (A–E mc, a float numerical, else text); the unit of a numerical
answer is the one the question asks for ("in centimeters"), else the scale's; the overall score is the
mean of the four category means (Indoor, Outdoor, Tabletop, TinyTabletop) as the paper's Table 5
reports it (the official script prints the mean over items, also reported), and per
``original_type``. Point, box and mask prompts are drawn on the frame they name, in every layout the
official evaluator reads (:mod:`spacevista.qa.marks`). Relative paths resolve against the file's
folder, else (as the official evaluator resolves them) against the working directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spacevista.eval.benchmarks import BENCHMARKS
from spacevista.eval.benchmarks.base import Benchmark, options_in_text
from spacevista.eval.benchmarks.spacevista_bench.official import score_official
from spacevista.io.bench import read_bench_json
from spacevista.qa.answers import unit_in_question
from spacevista.qa.items import EvalItem, resolve_annotations, resolve_path
from spacevista.qa.metrics import Score, answer_type_of

_UNIT_OF_SCALE = {"mm": "mm", "cm": "cm", "m": "m", "<km": "m", "km": "km"}


@BENCHMARKS.register("spacevista")
class SpaceVistaBench(Benchmark):
    """SpaceVista-Bench official JSON (bench_all_clean.json layout)."""

    name = "spacevista"
    #: the paper's Table 5 "Overall" is the plain mean of its four categories
    primary = "category_mean"
    detect_priority = 20

    @classmethod
    def detect(cls, path: Path) -> bool:
        if path.is_dir() or path.suffix.lower() != ".json":
            return False
        with open(path, encoding="utf-8") as f:
            head = f.read(1 << 20)  # an entry is far shorter than 1 MB
        return head.lstrip().startswith("[") and '"videos"' in head

    def score_official(self, prediction: str | None, fields: dict[str, Any]) -> Score:
        return score_official(prediction, fields["answer"])

    def rows(self, path: Path) -> list[dict[str, Any]]:
        return read_bench_json(path)

    def to_item(self, row: dict[str, Any], root: Path, path: Path) -> EvalItem:
        meta = row.get("metadata") or {}
        otype = str(meta.get("original_type", ""))
        unit = meta.get("unit")
        if unit is None:  # the unit the question asks for, else the scene's scale unit
            unit = unit_in_question(row["question"])
        if unit is None:
            unit = "" if "COUNT" in otype.upper() else _UNIT_OF_SCALE.get(str(meta.get("scale", "")), "")
        return self.make_item(
            row["id"], row["question"], row["answer"], answer_type_of(row["answer"]),
            str(meta.get("task") or otype or "unknown"), category=str(meta.get("category", "")),
            options=list(meta.get("options") or []) or options_in_text(row["question"]), default_n_options=5,
            unit=unit, frames=[resolve_path(f, root) for f in row["videos"][0]],
            input_type=row.get("input_type") or "image_text",
            annotations=resolve_annotations(row.get("annotations") or {}, root),
            extra={"original_type": otype, "scale": meta.get("scale")})
