"""MMSI-Bench (parquet: id, images, question, answer, question_type).

Multi-image multiple choice; the options are in the question text and the images are embedded
(encoded bytes, or ``{"bytes": ...}`` structs, or paths relative to the parquet). Overall: mean
over items, as the authors report it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spacevista.eval.benchmarks import BENCHMARKS
from spacevista.eval.benchmarks.base import ParquetBenchmark, image_payloads, options_in_text
from spacevista.eval.benchmarks.mmsi import official
from spacevista.qa.items import EvalItem
from spacevista.qa.metrics import Score

COLUMNS = frozenset({"id", "images", "question", "answer", "question_type"})


@BENCHMARKS.register("mmsi")
class MMSIBench(ParquetBenchmark):
    """MMSI-Bench: multi-image spatial intelligence, multiple choice."""

    name = "mmsi"
    #: the authors' and lmms-eval's average is over all items
    primary = "item_mean"
    detect_priority = 50
    answer_tags = False
    columns = COLUMNS
    #: a file that also has ``img_type`` is SPAR-Bench's
    excluded_columns = frozenset({"img_type"})

    def score_official(self, prediction: str | None, fields: dict[str, Any]) -> Score:
        return official.score_official(prediction, fields)

    def prompt_text(self, item: EvalItem, mode: str) -> str:
        return official.official_prompt(item.question) if mode == "official" else super().prompt_text(item, mode)

    def to_item(self, row: dict, root: Path, path: Path) -> EvalItem:
        blobs, paths = image_payloads(row["images"], root, str(row["id"]))
        return self.make_item(
            row["id"], row["question"], row["answer"], "mc", str(row["question_type"]),
            category=str(row.get("difficulty") or ""), options=options_in_text(row["question"]),
            default_n_options=4, frames=paths, image_bytes=blobs)
