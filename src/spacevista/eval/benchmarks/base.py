"""What every benchmark loader shares: the base classes and the readers of published file layouts.

A loader says how to list the rows of its files (:meth:`Benchmark.rows`) and how one row becomes an
item (:meth:`Benchmark.to_item`); :meth:`Benchmark.load` walks the rows, and
:meth:`Benchmark.make_item` applies the conventions all benchmarks follow (ids and answers as
stripped text, option fields only for multiple choice, a unit only for numerical answers).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable, Sequence

from spacevista.qa.items import EvalItem, absolute_path
from spacevista.qa.metrics import Score
from spacevista.qa.prompts import prompt_text


class Benchmark:
    """Base class of benchmark loaders."""

    #: registry name
    name: str = ""
    #: which overall the benchmark reports first: ``item_mean``, ``task_mean`` or ``category_mean``
    primary: str = "item_mean"
    #: auto-detection tries benchmarks in ascending priority (then by name): a format whose test
    #: is more specific goes first
    detect_priority: int = 100
    #: whether the reference prompt asks for the answer in ``<answer>`` tags (baselines reply so)
    answer_tags: bool = True

    @classmethod
    def detect(cls, path: Path) -> bool:
        """Whether ``path`` looks like this benchmark's files."""
        return False

    def task_group(self, task: str) -> str:
        """Group of a task for the task-type mean (VSI-Bench merges direction levels)."""
        return task

    def score_official(self, prediction: str | None, fields: dict[str, Any]) -> Score | None:
        """The benchmark's reference scorer applied to one results row's fields; ``None`` when the
        benchmark has none (its rows are then scored by the robust rules in both modes)."""
        return None

    def prompt_text(self, item: EvalItem, mode: str) -> str:
        """The user text sent for ``item``: ``official`` is the benchmark's reference prompt (the
        base sends SpaceVista-Bench's), the other modes are those of :mod:`spacevista.qa.prompts`."""
        return prompt_text(item, mode)

    def load(self, path: Path) -> list[EvalItem]:
        """Items of the benchmark stored at ``path`` (a file or a folder), in file order."""
        root = path if path.is_dir() else path.parent
        return [self.to_item(row, root, path) for row in self.rows(path)]

    def rows(self, path: Path) -> Iterable[Any]:
        """The raw entries stored at ``path``, one per question."""
        raise NotImplementedError

    def to_item(self, row: Any, root: Path, path: Path) -> EvalItem:
        """One entry as an item; relative file names resolve against ``root``, ``path`` names the source."""
        raise NotImplementedError

    def make_item(self, id: Any, question: str, answer: Any, answer_type: str, task: str, *,
                  options: Sequence[str] = (), options_block: str = "", default_n_options: int = 0,
                  unit: str = "", **fields: Any) -> EvalItem:
        """An item of this benchmark; ``default_n_options`` counts the choices of a multiple-choice
        question whose options could not be listed."""
        mc = answer_type == "mc"
        return EvalItem(
            id=str(id), benchmark=self.name, question=question, answer=str(answer).strip(),
            answer_type=answer_type, task=task, options=list(options) if mc else [],
            options_block=options_block if mc else "", n_options=(len(options) or default_n_options) if mc else 0,
            unit=unit if answer_type == "numerical" else "", **fields)


class ParquetBenchmark(Benchmark):
    """A benchmark published as parquet, recognised by the columns its files hold."""

    #: columns a file must have
    columns: frozenset[str] = frozenset()
    #: columns a file must not have (they belong to a look-alike benchmark)
    excluded_columns: frozenset[str] = frozenset()

    @classmethod
    def detect(cls, path: Path) -> bool:
        cols = parquet_columns(path)
        return bool(cls.columns) and cls.columns <= cols and not cls.excluded_columns & cols

    def rows(self, path: Path) -> list[dict]:
        return parquet_rows(path)


# an option starts after a line start, a space or a comma and runs to the next option marker
# (space or comma separated) or the line end: "A. x" lines, "A. 1 m B. 2 m" inline, "A: x, B: y"
_OPTION_RE = re.compile(r"(?m)(?:^|(?<=[\s,]))\(?([A-J])[\.\):]\s*(.+?)"
                        r"(?=\s*,?\s+\(?[A-J][\.\):]\s|\s*,\s*\(?[A-J][\.\):]|\s*$)")


def options_in_text(question: str) -> list[str]:
    """Option texts listed in a question, letters A to J in order: one per line (``A. x``, ``(B) y``,
    ``C: z``) or inline (``A. 1 m B. 2 m``, ``A: x, B: y``); a lone "A." is no list."""
    found: dict[str, str] = {}
    for m in _OPTION_RE.finditer(question):
        letter = m.group(1)
        expected = chr(ord("A") + len(found))
        if letter == expected:
            found[letter] = m.group(2).strip()
        elif letter == "A":
            found = {"A": m.group(2).strip()}
    return list(found.values()) if len(found) >= 2 else []


def parquet_files(path: Path, pattern: str = "*.parquet") -> list[Path]:
    """``path`` itself when it is a file, else the matching files in the folder (or below it), in name order."""
    return [path] if path.is_file() else sorted(path.glob(pattern)) or sorted(path.rglob(pattern))


def parquet_rows(path: Path, pattern: str = "*.parquet") -> list[dict]:
    """Rows of one parquet file or of every matching parquet file in a folder, in name order."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = parquet_files(path, pattern)
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

    files = parquet_files(path)
    if not files or files[0].suffix != ".parquet":
        return set()
    try:
        return set(pq.read_schema(files[0]).names)
    except (OSError, ValueError, pa.ArrowException):  # not a parquet file after all
        return set()


def image_payloads(images: Any, root: Path, item_id: str) -> tuple[list[bytes], list[str]]:
    """Embedded images as bytes, or as file paths (relative ones under ``root``) when the column holds paths."""
    blobs: list[bytes] = []
    paths: list[str] = []
    for im in list(images or []):
        if isinstance(im, dict):
            if im.get("bytes"):
                blobs.append(im["bytes"])
            elif im.get("path"):
                paths.append(absolute_path(im["path"], root))
        elif isinstance(im, (bytes, bytearray)):
            blobs.append(bytes(im))
        elif isinstance(im, str):
            paths.append(absolute_path(im, root))
        else:
            raise ValueError(f"item {item_id}: cannot read an image of type {type(im).__name__}")
    return blobs, paths
