import numpy as np
import pytest
import torch

torch.set_num_threads(1)


@pytest.fixture(scope="session")
def tok():
    from spacevista.model.processing import tiny_tokenizer

    return tiny_tokenizer()


@pytest.fixture(scope="session")
def frames():
    rng = np.random.default_rng(7)
    return [rng.integers(0, 256, (60, 84, 3), dtype=np.uint8) for _ in range(3)]


@pytest.fixture(scope="session")
def inputs(tok, frames):
    from spacevista.model.processing import build_inputs

    return build_inputs(tok, frames, "How far apart are the chair and the table?", max_pixels=56 * 84)
