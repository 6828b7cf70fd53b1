"""Sets written by this project's engine: a folder ``DIR`` holding ``qa.jsonl`` of
:class:`~spacevista.records.QARecord` lines, frames at paths relative to ``DIR``."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from spacevista.eval.benchmarks import BENCHMARKS
from spacevista.eval.benchmarks.base import Benchmark
from spacevista.eval.benchmarks.spacevista_bench.official import score_official
from spacevista.io.jsonl import read_jsonl
from spacevista.qa.items import EvalItem, record_to_item
from spacevista.qa.metrics import Score
from spacevista.records import QARecord

QA_FILE = "qa.jsonl"


@BENCHMARKS.register("engine")
class EngineSet(Benchmark):
    """A QA set written by the SpaceVista engine (DIR/qa.jsonl)."""

    name = "engine"
    detect_priority = 10

    @classmethod
    def detect(cls, path: Path) -> bool:
        return (path.is_dir() and (path / QA_FILE).is_file()) or path.name == QA_FILE

    def score_official(self, prediction: str | None, fields: dict[str, Any]) -> Score:
        """SpaceVista-Bench's official rules, as the set's exported ``bench.json`` is scored."""
        return score_official(prediction, fields["answer"])

    def rows(self, path: Path) -> Iterator[QARecord]:
        return read_jsonl(path / QA_FILE if path.is_dir() else path)

    def to_item(self, row: QARecord, root: Path, path: Path) -> EvalItem:
        return record_to_item(row, root, self.name)
