"""The list of items rejected in review, for exporters to leave out.

``spacevista review-report DATASET_DIR --mark-rejected`` writes ``DATASET_DIR/rejected.txt``: one
QA record id per line, sorted, for every item that a strict majority of its annotators rejected.
This module imports nothing else of the project so that any writer can use it cheaply.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

REJECTED_FILE = "rejected.txt"


def load_rejected(dataset_dir: str | Path) -> set[str]:
    """Ids listed in ``dataset_dir/rejected.txt`` (empty set when the file does not exist).

    Blank lines and lines starting with ``#`` are ignored.
    """
    path = Path(dataset_dir) / REJECTED_FILE
    if not path.is_file():
        return set()
    ids = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            ids.add(line)
    return ids


def write_rejected(dataset_dir: str | Path, ids: Iterable[str]) -> Path:
    """Write ``ids`` sorted, one per line, to ``dataset_dir/rejected.txt`` (atomically)."""
    path = Path(dataset_dir) / REJECTED_FILE
    tmp = path.with_name(path.name + ".tmp")
    body = "".join(f"{i}\n" for i in sorted(set(ids)))
    tmp.write_text(body, encoding="utf-8")
    tmp.replace(path)
    return path
