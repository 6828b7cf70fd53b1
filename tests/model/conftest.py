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


def make_model(tok, seed=0, **overrides):
    from spacevista.model.modeling import SpaceVistaForConditionalGeneration
    from spacevista.model.processing import special_token_ids
    from spacevista.model.tiny import tiny_config

    cfg = tiny_config(vocab_size=448, special_ids=special_token_ids(tok), **overrides)
    torch.manual_seed(seed)
    return SpaceVistaForConditionalGeneration(cfg).eval()


def randomise_experts(model, seed=1, scale=0.05):
    """Give every expert B a nonzero value so the experts change the output."""
    from spacevista.model.experts import ExpertLinear

    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, ExpertLinear):
                m.expert_B.copy_(torch.randn(m.expert_B.shape, generator=g) * scale)
