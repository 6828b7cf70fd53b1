"""Helpers shared by the model tests (a unique module name: other test folders have a conftest too)."""

import torch


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
