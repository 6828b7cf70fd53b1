"""The model scored while it trains (``train.eval_every``): held-out items of the training folder,
answered by the evaluation's transformers backend and scored by the evaluation's own scorer.

``held_out_split`` sets ``train.eval_items`` items aside before training (a seeded sample spread
over task and scale, :mod:`spacevista.qa.sampling`; only items with an answer to score), so the
score is on items the model never trained on. ``HeldOutEval`` shows each item as training shows
it (same frames, visual prompt, prompt text and pixel limits, :func:`spacevista.train.data.item_view`),
generates greedily with :class:`spacevista.model.backend.TransformersBackend` around the model in
memory, and reports ``eval/score`` (:func:`spacevista.qa.metrics.score_answer`: option letter, MRA,
normalised text) and ``eval/format`` (the share of replies in the tag format the reward checks).
A model in the experts stage (hard routing by scale label) is scored with its learned routers, as
evaluation runs it.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any, Callable

import torch

from spacevista.qa.metrics import score_answer
from spacevista.qa.sampling import stratified_sample
from spacevista.qa.types import Prompt
from spacevista.train.config import DataSection, TrainSection
from spacevista.train.data import TrainItem, item_view
from spacevista.train.rewards import format_reward, has_anchors

ANSWER_TYPES = ("mc", "numerical", "text")


def held_out_split(items: list[TrainItem], n: int, seed: int) -> tuple[list[TrainItem], list[TrainItem]]:
    """(items to train on, ``n`` held-out items to score), both in file order."""
    scorable = [i for i, it in enumerate(items) if it.answer and it.answer_type in ANSWER_TYPES]
    if not scorable:
        raise ValueError("train.eval_every: no training item has an answer to score (SFT items take "
                         "answer and answer_type from grpo.jsonl beside sft.json)")
    if n >= len(items):
        raise ValueError(f"train.eval_items={n} would leave none of the {len(items)} items to train on")
    picked = stratified_sample([(items[i].task, items[i].scale) for i in scorable], n, seed)
    held = {scorable[j] for j in picked}
    return [it for i, it in enumerate(items) if i not in held], [items[i] for i in sorted(held)]


class HeldOutEval:
    """Scores a model on held-out items; the prompts (with their frames) are built once."""

    def __init__(self, items: list[TrainItem], data: DataSection, tokenizer, max_new_tokens: int) -> None:
        self.items = items
        self.data = data
        self.tokenizer = tokenizer
        self.max_new_tokens = max_new_tokens
        self._prompts: list[Prompt] | None = None

    def prompts(self) -> list[Prompt]:
        if self._prompts is None:
            root = Path(self.data.root)
            self._prompts = []
            for it in self.items:
                frames, text, _ = item_view(it, root, self.data)
                self._prompts.append(Prompt(id=it.id, text=text, images=frames, max_new_tokens=self.max_new_tokens))
        return self._prompts

    def __call__(self, model, accelerator) -> dict[str, float]:
        """``eval/score`` and ``eval/format`` of ``model`` (left in the mode and routing it came in)."""
        from spacevista.model.backend import TransformersBackend

        net = accelerator.unwrap_model(model)
        training, routing = net.training, getattr(net.config, "expert_routing", None)
        hard = routing == "hard" and getattr(net.config, "num_experts", 0) and hasattr(net, "set_routing")
        net.eval()
        if hard:
            net.set_routing("router")
        try:
            backend = TransformersBackend.from_model(net, self.tokenizer, max_new_tokens=self.max_new_tokens,
                                                     min_pixels=self.data.min_pixels, max_pixels=self.data.max_pixels)
            with torch.no_grad(), accelerator.autocast():
                replies = backend.answer(self.prompts())
        finally:
            if hard:
                net.set_routing(routing)
            net.train(training)
        return score_replies(self.items, replies)


def held_out_evaluator(items: list[TrainItem], data: DataSection, train: TrainSection, tokenizer, model,
                       accelerator) -> Callable[[], dict[str, float]] | None:
    """What ``TrainLoop`` calls to score ``model`` on the held-out ``items`` (None without any)."""
    if not items:
        return None
    return partial(HeldOutEval(items, data, tokenizer, train.eval_max_new_tokens), model, accelerator)


def score_replies(items: list[TrainItem], replies: list[str]) -> dict[str, Any]:
    """Mean answer score and format share of ``replies`` to ``items``."""
    scores = [score_answer(r, it.answer, it.answer_type, unit=it.unit, options=it.options or None).score
              for it, r in zip(items, replies, strict=True)]
    fmt = [format_reward(r, has_anchors(it.anchors)) for it, r in zip(items, replies)]
    return {"eval/score": sum(scores) / len(scores), "eval/format": sum(fmt) / len(fmt)}
