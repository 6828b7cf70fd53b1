"""VSI-Bench (parquet: id, dataset, scene_name, question_type, question, ground_truth, options).

Videos are ``{dataset}/{scene_name}.mp4`` under the parquet's folder. Multiple-choice types are
scored by letter, numerical types by MRA. The overall score is the mean over question types with
the three relative-direction levels merged into one type first (mean of the three), as lmms-eval
reports it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from spacevista.eval.benchmarks import BENCHMARKS
from spacevista.eval.benchmarks.base import ParquetBenchmark
from spacevista.eval.benchmarks.vsibench import official
from spacevista.eval.benchmarks.vsibench.official import MC_TYPES
from spacevista.qa.items import EvalItem
from spacevista.qa.metrics import Score
from spacevista.qa.prompts import prompt_text

#: the unit each numerical question asks for (stated in the question text)
UNITS = {"object_abs_distance": "m", "object_counting": "", "object_size_estimation": "cm",
         "room_size_estimation": "m2"}
_LETTER_PREFIX_RE = re.compile(r"^\s*\(?[A-Z][\.\):]\s*")
COLUMNS = frozenset({"id", "dataset", "scene_name", "question_type", "question", "ground_truth", "options"})


@BENCHMARKS.register("vsibench")
class VSIBench(ParquetBenchmark):
    """VSI-Bench (Thinking in Space), video QA over ScanNet, ScanNet++ and ARKitScenes."""

    name = "vsibench"
    primary = "task_mean"
    detect_priority = 30
    answer_tags = False
    columns = COLUMNS

    def task_group(self, task: str) -> str:
        return "object_rel_direction" if task.startswith("object_rel_direction") else task

    def score_official(self, prediction: str | None, fields: dict[str, Any]) -> Score:
        return official.score_official(prediction, fields)

    def prompt_text(self, item: EvalItem, mode: str) -> str:
        """``official`` is lmms-eval's layout, the same text as ``direct``."""
        return prompt_text(item, "direct" if mode == "official" else mode)

    def to_item(self, row: dict, root: Path, path: Path) -> EvalItem:
        qtype = row["question_type"]
        opts = list(row.get("options") or [])
        mc = qtype in MC_TYPES or bool(opts)
        video = root / row["dataset"] / f"{row['scene_name']}.mp4"
        return self.make_item(
            row["id"], row["question"], row["ground_truth"], "mc" if mc else "numerical", qtype,
            category=str(row["dataset"]), options=[_LETTER_PREFIX_RE.sub("", o) for o in opts],
            options_block="\n".join(opts), unit=UNITS.get(qtype, ""),
            video=str(video), extra={"scene_name": row["scene_name"]})
