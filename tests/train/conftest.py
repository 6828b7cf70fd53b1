"""Fixtures of the training tests: a hand-made dataset folder and a saved tiny model."""

from __future__ import annotations

from pathlib import Path

import pytest

from train_helpers import write_dataset


@pytest.fixture(scope="session")
def hand_data(tmp_path_factory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("train-data"))


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    from spacevista.model.tiny import save_tiny

    return save_tiny(tmp_path_factory.mktemp("tiny-model") / "tiny", seed=0)
