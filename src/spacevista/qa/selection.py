"""Which of an item's frames are sent, and what its text then calls them: one rule for eval, SFT and GRPO.

An item's frames are its clip, and "frame k" in its text is the k-th of them. When a consumer sends
all of them (the default: clips hold at most 16 frames, the count sent), nothing changes. When it is
asked to send fewer, the frames the text or a mark refers to are kept, the rest sampled evenly, and
every "frame k" in the text is renumbered to the position of that image among those sent, so that no
reference ever points at a different image.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from spacevista.qa.frames import sample_with_required

#: "frame 3", "frames 2 and 5", "frames 1, 4 and 9" (a number followed by %, a decimal point or more
#: digits is a quantity, not a frame)
_REF = re.compile(r"\b(frames?) (\d+(?!\d|%|\.\d)(?:(?:, | and |, and )\d+(?!\d|%|\.\d))*)")
_NUM = re.compile(r"\d+")


def frame_references(text: str) -> set[int]:
    """1-based frame numbers named in ``text``."""
    return {int(n) for m in _REF.finditer(text) for n in _NUM.findall(m.group(2))}


def renumber(text: str, mapping: dict[int, int]) -> str:
    """``text`` with every named frame number ``k`` replaced by ``mapping[k]`` (1-based both)."""
    def sub(m: re.Match[str]) -> str:
        numbers = _NUM.sub(lambda n: str(mapping.get(int(n.group()), int(n.group()))), m.group(2))
        return f"{m.group(1)} {numbers}"
    return _REF.sub(sub, text)


@dataclass(frozen=True)
class FramePlan:
    """Positions (0-based, in order) of the item's frames to send, and the renumbering of its text."""

    positions: list[int]
    mapping: dict[int, int] = field(default_factory=dict)  # old 1-based -> new 1-based, when renumbered

    @property
    def renumbered(self) -> bool:
        return any(k != v for k, v in self.mapping.items())

    def text(self, text: str) -> str:
        """``text`` as it must read with these frames."""
        return renumber(text, self.mapping) if self.renumbered else text


def plan_frames(n_total: int, n_max: int, texts: Iterable[str] = (), marked: Iterable[int] = ()) -> FramePlan:
    """Which of ``n_total`` frames to send when at most ``n_max`` may go.

    ``texts`` are the item's question (and options, rationale) whose frame references must hold;
    ``marked`` the 0-based positions of frames carrying a visual prompt. All frames go when they fit.
    Otherwise referenced and marked frames are kept and the rest spread evenly; raises ``ValueError``
    when the referenced frames alone do not fit in ``n_max``.
    """
    if n_max <= 0 or n_total <= n_max:
        return FramePlan(list(range(n_total)))
    refs = {k - 1 for t in texts for k in frame_references(t) if 1 <= k <= n_total}
    required = sorted(refs | {m for m in marked if 0 <= m < n_total})
    if len(required) > n_max:
        raise ValueError(f"the text and marks refer to {len(required)} frames; {n_max} may be sent")
    positions = sorted(sample_with_required(n_total, n_max, required))
    mapping = {p + 1: i + 1 for i, p in enumerate(positions) if p in required}
    return FramePlan(positions, mapping)
