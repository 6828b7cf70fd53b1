"""Procedural scenes at all five scales with exact ground truth, rendered by ray casting.

``from spacevista.synth import generate_scene`` works; the heavy modules (trimesh, Embree) load
only when it is first used, so importing this package has no cost.

May import ``geometry`` and the core types.
"""

from __future__ import annotations

from typing import Any

__all__ = ["generate_scene", "scene_id"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from spacevista.synth import generate

        return getattr(generate, name)
    raise AttributeError(f"module 'spacevista.synth' has no attribute {name!r}")
