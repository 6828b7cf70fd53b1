"""Benchmarks: one folder each, with its loader and scoring conventions, in one registry.

A benchmark turns local files into :class:`~spacevista.qa.items.EvalItem` lists and says how
its overall score is formed (mean over items, or mean over task groups as VSI-Bench does). Every
submodule of this package is imported on the first registry lookup, so a new benchmark is a new
folder whose loader registers with ``@BENCHMARKS.register(name)`` and declares its
``detect_priority``; the shared loader machinery is in :mod:`.base`.
"""

from __future__ import annotations

from pathlib import Path

from spacevista.eval.benchmarks.base import Benchmark, options_in_text, parquet_columns, parquet_rows
from spacevista.qa.items import EvalItem
from spacevista.registry import Registry

__all__ = ["BENCHMARKS", "Benchmark", "detect_format", "detection_order", "get_benchmark", "load_benchmark",
           "options_in_text", "parquet_columns", "parquet_rows"]

BENCHMARKS: Registry[type[Benchmark]] = Registry("benchmark", package=__name__)


def detection_order() -> list[str]:
    """Registered benchmarks in the order ``auto`` tries them: ascending ``detect_priority``, then name."""
    return sorted(BENCHMARKS.names(), key=lambda name: (BENCHMARKS.get(name).detect_priority, name))


def detect_format(path: str | Path) -> str:
    """The registered benchmark whose files ``path`` holds; raises naming the path otherwise."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"benchmark path {path} does not exist")
    for name in detection_order():
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
