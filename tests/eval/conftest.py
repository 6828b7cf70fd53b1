"""Fixtures of the eval tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalfixtures import make_records
from spacevista.io.jsonl import write_jsonl


@pytest.fixture
def engine_set(tmp_path: Path) -> Path:
    """An engine-written dataset folder: DIR/qa.jsonl plus frames."""
    root = tmp_path / "set"
    recs = make_records(root)
    write_jsonl(recs, root / "qa.jsonl")
    return root
