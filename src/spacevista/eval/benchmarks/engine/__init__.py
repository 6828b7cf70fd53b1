"""Sets written by this project's engine: a folder ``DIR`` holding ``qa.jsonl`` of
:class:`~spacevista.records.QARecord` lines, frames at paths relative to ``DIR``."""

from __future__ import annotations

from pathlib import Path

from spacevista.eval.benchmarks import BENCHMARKS, Benchmark
from spacevista.qa.items import EvalItem, record_to_item
from spacevista.io.jsonl import read_jsonl

QA_FILE = "qa.jsonl"


@BENCHMARKS.register("engine")
class EngineSet(Benchmark):
    """A QA set written by the SpaceVista engine (DIR/qa.jsonl)."""

    name = "engine"
    primary = "item_mean"

    @classmethod
    def detect(cls, path: Path) -> bool:
        return (path.is_dir() and (path / QA_FILE).is_file()) or path.name == QA_FILE

    def load(self, path: Path) -> list[EvalItem]:
        qa = path / QA_FILE if path.is_dir() else path
        root = qa.parent
        return [record_to_item(r, root, self.name) for r in read_jsonl(qa)]
