"""What a model backend receives and returns. Shared by the eval harness and the model package."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np


@dataclass
class Prompt:
    """One request to a model: the full user text and the frames (visual prompts already drawn)."""

    id: str
    text: str
    images: list[np.ndarray] = field(default_factory=list)  # HxWx3 uint8, in temporal order
    system: str | None = None
    max_new_tokens: int = 1024
    #: base64 JPEG of each image when the harness has them encoded already (one per image, or none);
    #: API backends send these instead of encoding the arrays again
    jpeg: list[str] = field(default_factory=list, repr=False)


@runtime_checkable
class Backend(Protocol):
    """A model that answers prompts; implementations live in ``spacevista.eval.backends``
    (API, baselines) and ``spacevista.model.backend`` (local transformers models)."""

    name: str

    def answer(self, prompts: list[Prompt]) -> list[str]:
        """Return one completion text per prompt, in order."""
        ...
