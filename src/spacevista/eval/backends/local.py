"""Local model backends, imported only when chosen.

- ``transformers``: ``spacevista.model.backend.TransformersBackend(model_path, device, dtype,
  max_new_tokens)`` from the model package (the SpaceVista model and plain Qwen2.5-VL).
- ``vllm``: offline generation with vLLM's ``LLM.chat`` (optional dependency).
"""

from __future__ import annotations

import importlib

from spacevista.errors import ConfigError
from spacevista.eval.backends import BACKENDS, BackendConfig
from spacevista.qa.types import Backend, Prompt


@BACKENDS.register("transformers")
def create_transformers(cfg: BackendConfig) -> Backend:
    """Local transformers model from --model PATH (spacevista.model.backend)."""
    try:
        mod = importlib.import_module("spacevista.model.backend")
        cls = getattr(mod, "TransformersBackend")
    except (ImportError, AttributeError) as e:
        raise ConfigError("the transformers backend needs spacevista.model.backend.TransformersBackend, "
                          f"which is not available in this installation ({e})") from e
    if not cfg.model:
        raise ConfigError("the transformers backend needs --model PATH (a local model folder)")
    return cls(cfg.model, device=cfg.device, dtype=cfg.dtype, max_new_tokens=cfg.max_new_tokens)


class VLLMBackend:
    """Offline vLLM generation; frames go as image parts of one chat message."""

    name = "vllm"

    def __init__(self, model: str, max_new_tokens: int = 1024, temperature: float = 0.0, seed: int = 0,
                 max_images: int = 32):
        try:
            vllm = importlib.import_module("vllm")
        except ImportError as e:
            raise ConfigError("the vllm backend needs the optional package 'vllm' (pip install vllm)") from e
        self._llm = vllm.LLM(model=model, seed=seed, limit_mm_per_prompt={"image": max_images})
        self._params = vllm.SamplingParams(max_tokens=max_new_tokens, temperature=temperature, seed=seed)

    def answer(self, prompts: list[Prompt]) -> list[str]:
        from spacevista.eval.backends.openai_api import chat_messages

        convs = [chat_messages(p) for p in prompts]
        outs = self._llm.chat(convs, self._params, use_tqdm=False)
        return [o.outputs[0].text for o in outs]


@BACKENDS.register("vllm")
def create_vllm(cfg: BackendConfig) -> Backend:
    """Offline vLLM engine from --model PATH (optional dependency)."""
    if not cfg.model:
        raise ConfigError("the vllm backend needs --model PATH")
    return VLLMBackend(cfg.model, cfg.max_new_tokens, cfg.temperature, cfg.seed)


