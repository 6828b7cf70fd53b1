"""JSON Lines reading and writing of QA records, atomically."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable, Iterator

from spacevista.records import QARecord


def write_jsonl(records: Iterable[QARecord], path: str | Path) -> int:
    """Write records one per line to ``path`` via a temporary file and rename; returns the count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    n = 0
    with open(tmp, "w", encoding="utf-8") as f:
        for r in records:
            f.write(r.to_json())
            f.write("\n")
            n += 1
    os.replace(tmp, path)
    return n


def read_jsonl(path: str | Path) -> Iterator[QARecord]:
    """Yield records from a JSONL file; a malformed line raises naming the file and line."""
    path = Path(path)
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield QARecord.from_dict(json.loads(line))
            except (ValueError, TypeError) as e:
                raise ValueError(f"{path}:{lineno}: {e}") from e
