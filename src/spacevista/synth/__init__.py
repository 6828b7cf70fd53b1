"""Procedural scenes at all five scales with exact ground truth, rendered by ray casting.

``from spacevista.synth import generate_scene`` works; the heavy modules (trimesh, Embree) load
only when it is first used, so importing this package has no cost.

May import ``geometry`` and the core types.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CAPTURES", "generate_scene", "scene_id"]

#: the ways a scene can be filmed: ``clip`` (a short sparse orbit or loop that sees every object)
#: or ``handheld`` (a long, partial, shaky video-rate path; see ``spacevista.synth.handheld``)
CAPTURES = ("clip", "handheld")


def __getattr__(name: str) -> Any:
    if name in ("generate_scene", "scene_id"):
        from spacevista.synth import generate

        return getattr(generate, name)
    raise AttributeError(f"module 'spacevista.synth' has no attribute {name!r}")
