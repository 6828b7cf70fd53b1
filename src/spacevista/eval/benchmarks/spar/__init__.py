"""SPAR-Bench (parquet: id, img_type, format_type, task, source, image, question, answer).

Tasks are multiple choice, numerical (MRA; SPAR-Bench's zero rule: absolute error when the
ground truth is 0) or view-change inference (mean MRA over five axes, see ``scorer.py``).
Overall: mean over tasks; ``img_type`` (single-view, multi-view, video) is the category.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spacevista.eval.benchmarks import BENCHMARKS
from spacevista.eval.benchmarks.base import ParquetBenchmark, image_payloads, options_in_text
from spacevista.eval.benchmarks.spar import official
from spacevista.eval.benchmarks.spar.official import MC_TASKS, NUMERICAL_TASKS
from spacevista.qa.items import EvalItem
from spacevista.qa.metrics import Score

VIEW_CHANGE_TASKS = ("view_change_infer",)
COLUMNS = frozenset({"id", "img_type", "format_type", "task", "source", "image", "question", "answer"})


@BENCHMARKS.register("spar")
class SPARBench(ParquetBenchmark):
    """SPAR-Bench: spatial perception and reasoning over single and multiple views."""

    name = "spar"
    primary = "task_mean"
    detect_priority = 60
    answer_tags = False
    columns = COLUMNS

    def score_official(self, prediction: str | None, fields: dict[str, Any]) -> Score:
        return official.score_official(prediction, fields)

    def prompt_text(self, item: EvalItem, mode: str) -> str:
        if mode == "official":
            return official.official_prompt(item.question, item.task)
        return super().prompt_text(item, mode)

    def to_item(self, row: dict, root: Path, path: Path) -> EvalItem:
        task = str(row["task"])
        blobs, paths = image_payloads(row["image"], root, str(row["id"]))
        if task in VIEW_CHANGE_TASKS:
            atype, scorer = "numerical", "vci"
        elif task in NUMERICAL_TASKS:
            atype, scorer = "numerical", "mra_zero_abs"
        elif task in MC_TASKS:
            ans = str(row["answer"]).strip()
            # a few SPAR answers are option texts rather than letters: score those as text
            atype = "mc" if len(ans) == 1 and ans.isalpha() else "text"
            scorer = "default"
        else:
            raise ValueError(f"{path}: item {row['id']}: unknown SPAR-Bench task {task!r}")
        return self.make_item(
            row["id"], row["question"], row["answer"], atype, task, category=str(row["img_type"]),
            options=options_in_text(row["question"]), frames=paths, image_bytes=blobs,
            scorer=scorer, extra={"format_type": row["format_type"], "source": row["source"]})
