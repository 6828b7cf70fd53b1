"""Shared fixtures: a tiny dataset written on the fly and a review server running in a thread."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterator

import pytest

from review_fixtures import make_dataset
from spacevista.review.server import ReviewApp, ReviewConfig, ReviewServer


@pytest.fixture(scope="session")
def dataset_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("review-template") / "ds"
    root.mkdir()
    make_dataset(root)
    return root


@pytest.fixture
def dataset(tmp_path: Path, dataset_template: Path) -> Path:
    """A fresh copy of the tiny dataset per test (tests add symlinks and databases to it)."""
    root = tmp_path / "ds"
    shutil.copytree(dataset_template, root)
    return root


@pytest.fixture
def start_server(dataset: Path) -> Iterator:
    """Factory: start a review server in a thread; all started ones stop at teardown."""
    started: list[ReviewServer] = []

    def start(sample: int | None = None, token: str | None = None, remote: bool | None = None,
              root: Path | None = None, threads: int = 16, request_timeout: float = 10.0,
              **kw) -> ReviewServer:
        cfg = ReviewConfig(root or dataset, sample=sample, token=token, **kw)
        srv = ReviewServer(ReviewApp(cfg), "127.0.0.1", 0, require_token=remote, threads=threads,
                           request_timeout=request_timeout)
        srv.serve_in_thread()
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.shutdown()
        srv.server_close()
