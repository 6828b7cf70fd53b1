"""Model backends for evaluation, in one registry: API clients, local models, baselines.

Each entry is a factory ``create(cfg: BackendConfig) -> Backend``. Backends that need to see the
items first (the baselines) have a ``prepare(items)`` method that the runner calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from spacevista.qa.types import Backend
from spacevista.registry import Registry


@dataclass
class BackendConfig:
    """Options a backend factory may use; each backend reads the ones it needs."""

    model: str = ""
    base_url: str = "http://127.0.0.1:8000/v1"
    api_key: str | None = None
    seed: int = 0
    concurrency: int = 8
    timeout: float = 120.0
    max_retries: int = 8
    rate_limit: float = 0.0
    temperature: float = 0.0
    max_new_tokens: int = 1024
    device: str = "cpu"
    dtype: str = "float32"
    train: str | None = None
    train_format: str = "auto"
    #: API backends: failures to reach the server in a row that stop the run (see backends/breaker.py)
    trip_after: int = 3


BackendFactory = Callable[[BackendConfig], Backend]

BACKENDS: Registry[BackendFactory] = Registry("backend", modules=(
    "spacevista.eval.backends.openai_api",
    "spacevista.eval.backends.baselines",
    "spacevista.eval.backends.local",
))


def create_backend(name: str, cfg: BackendConfig) -> Backend:
    """Build the backend registered as ``name``."""
    return BACKENDS.get(name)(cfg)
