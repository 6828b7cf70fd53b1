"""Sets written by this project's engine: a folder ``DIR`` holding ``qa.jsonl`` of
:class:`~spacevista.records.QARecord` lines, frames at paths relative to ``DIR``."""

from __future__ import annotations

from pathlib import Path

from spacevista.eval.benchmarks import BENCHMARKS, Benchmark
from spacevista.eval.benchmarks.spacevista_bench import resolve_annotations
from spacevista.eval.items import EvalItem
from spacevista.io.bench import question_with_options
from spacevista.io.jsonl import read_jsonl
from spacevista.records import QARecord
from spacevista.scene import Scale

QA_FILE = "qa.jsonl"


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
