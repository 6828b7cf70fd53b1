"""Benchmarks: one folder each, with its loader and scoring conventions, in one registry.

A benchmark turns local files into :class:`~spacevista.qa.items.EvalItem` lists and says how
its overall score is formed (mean over items, or mean over task groups as VSI-Bench does).
"""

from __future__ import annotations

import re
from pathlib import Path

from spacevista.qa.items import EvalItem
from spacevista.registry import Registry


class Benchmark:
    """Base class of benchmark loaders."""

    #: registry name
    name: str = ""
    #: which overall the benchmark reports first: ``item_mean`` or ``task_mean``
    primary: str = "item_mean"

    def load(self, path: Path) -> list[EvalItem]:
        """Items of the benchmark stored at ``path`` (a file or a folder)."""
        raise NotImplementedError

    @classmethod
    def detect(cls, path: Path) -> bool:
        """Whether ``path`` looks like this benchmark's files."""
        return False

    def task_group(self, task: str) -> str:
        """Group of a task for the task-type mean (VSI-Bench merges direction levels)."""
        return task


BENCHMARKS: Registry[type[Benchmark]] = Registry("benchmark", modules=(
    "spacevista.eval.benchmarks.spacevista_bench",
    "spacevista.eval.benchmarks.engine",
    "spacevista.eval.benchmarks.vsibench",
    "spacevista.eval.benchmarks.stibench",
    "spacevista.eval.benchmarks.mmsi",
    "spacevista.eval.benchmarks.spar",
))

#: order in which ``auto`` tries the formats
_DETECT_ORDER = ("engine", "spacevista", "vsibench", "stibench", "mmsi", "spar")


def detect_format(path: str | Path) -> str:
    """The registered benchmark whose files ``path`` holds; raises naming the path otherwise."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"benchmark path {path} does not exist")
    for name in _DETECT_ORDER:
        if BENCHMARKS.get(name).detect(path):
            return name
    raise ValueError(f"cannot tell the benchmark format of {path}; pass --bench-format "
                     f"({', '.join(BENCHMARKS.names())})")


def load_benchmark(path: str | Path, fmt: str = "auto") -> tuple[Benchmark, list[EvalItem]]:
    """Load a benchmark from local files; ``fmt`` ``auto`` detects the format."""
    path = Path(path)
    name = detect_format(path) if fmt == "auto" else fmt
    bench = BENCHMARKS.get(name)()
    items = bench.load(path)
    seen: set[str] = set()
    for it in items:
        if it.id in seen:
            raise ValueError(f"{path}: item id {it.id!r} occurs twice")
        seen.add(it.id)
    return bench, items


def get_benchmark(name: str) -> Benchmark:
    """An instance of a registered benchmark (``""`` gives the base conventions)."""
    if not name or name not in BENCHMARKS:
        return Benchmark()
    return BENCHMARKS.get(name)()


_OPTION_LINE_RE = re.compile(r"(?m)(?:^|\s|,)\(?([A-J])[\.\):]\s*(.+?)(?=(?:,\s*\(?[A-J][\.\):])|$)")


def options_in_text(question: str) -> list[str]:
    """Option texts listed in a question (``A. x`` / ``(B) y`` / ``C: z`` lines, or ``A: x, B: y``)."""
    found: dict[str, str] = {}
    for m in _OPTION_LINE_RE.finditer(question):
        letter = m.group(1)
        expected = chr(ord("A") + len(found))
        if letter == expected:
            found[letter] = m.group(2).strip()
        elif letter == "A":
            found = {"A": m.group(2).strip()}
    return list(found.values())


def parquet_rows(path: Path, pattern: str = "*.parquet") -> list[dict]:
    """Rows of one parquet file or of every matching parquet file in a folder, in name order."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = [path] if path.is_file() else sorted(path.glob(pattern)) or sorted(path.rglob(pattern))
    if not files:
        raise FileNotFoundError(f"no parquet files at {path}")
    rows: list[dict] = []
    for f in files:
        try:
            rows.extend(pq.read_table(f).to_pylist())
        except (OSError, ValueError, pa.ArrowException) as e:
            raise ValueError(f"cannot read parquet {f}: {e}") from e
    return rows


def parquet_columns(path: Path) -> set[str]:
    """Column names of the (first) parquet file at ``path``; empty when there is none."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = [path] if path.is_file() else sorted(path.glob("*.parquet")) or sorted(path.rglob("*.parquet"))
    if not files or files[0].suffix != ".parquet":
        return set()
    try:
        return set(pq.read_schema(files[0]).names)
    except (OSError, ValueError, pa.ArrowException):  # not a parquet file after all
        return set()
