"""MMSI-Bench (parquet: id, images, question, answer, question_type).

Multi-image multiple choice; the options are in the question text and the images are embedded
(encoded bytes, or ``{"bytes": ...}`` structs, or paths relative to the parquet). Overall: mean
over question types.
"""

from __future__ import annotations

from pathlib import Path

from spacevista.eval.benchmarks import BENCHMARKS
from spacevista.eval.benchmarks.base import ParquetBenchmark, image_payloads, options_in_text
from spacevista.qa.items import EvalItem

COLUMNS = frozenset({"id", "images", "question", "answer", "question_type"})


@BENCHMARKS.register("mmsi")
class MMSIBench(ParquetBenchmark):
    """MMSI-Bench: multi-image spatial intelligence, multiple choice."""

    name = "mmsi"
    primary = "task_mean"
    detect_priority = 50
    columns = COLUMNS
    #: a file that also has ``img_type`` is SPAR-Bench's
    excluded_columns = frozenset({"img_type"})

    def to_item(self, row: dict, root: Path, path: Path) -> EvalItem:
        blobs, paths = image_payloads(row["images"], root, str(row["id"]))
        return self.make_item(
            row["id"], row["question"], row["answer"], "mc", str(row["question_type"]),
            category=str(row.get("difficulty") or ""), options=options_in_text(row["question"]),
            default_n_options=4, frames=paths, image_bytes=blobs)
