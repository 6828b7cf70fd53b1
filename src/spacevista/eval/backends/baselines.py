"""Baselines that need no model: oracle, chance and blind prior.

- ``oracle`` answers the ground truth (checks the pipeline end to end: it must score 1.0).
- ``chance`` draws, seeded per item id (so the draw does not depend on order or concurrency):
  a uniform option letter for multiple choice; for numerical items a draw from the training-set
  answers of the same task (``--train``), falling back to the other items' answers of that task
  in the evaluated set (leave-one-out), and to 1.0 when the task has no other item; for text, the
  same with answer texts.
- ``prior`` (blind): per task, the most frequent correct option text (answered by the letter of
  the option with that text, else the most frequent letter), the mean numerical answer and the
  most frequent text answer, from ``--train`` or, without it, leave-one-out on the evaluated set.
"""

from __future__ import annotations

import zlib
from collections import Counter

import numpy as np

from spacevista.qa.answers import normalize_text
from spacevista.eval.backends import BACKENDS, BackendConfig
from spacevista.qa.items import EvalItem
from spacevista.qa.types import Prompt


def _reply(item: EvalItem, answer: str) -> str:
    """``answer`` as the benchmark's reference prompt asks for it: in ``<answer>`` tags, or bare
    for benchmarks whose reference scorer reads the reply as it is."""
    from spacevista.eval.benchmarks import get_benchmark

    return f"<answer>{answer}</answer>" if get_benchmark(item.benchmark).answer_tags else answer


def _option_text(item: EvalItem) -> str | None:
    if item.answer_type != "mc" or not item.options:
        return None
    i = ord(item.answer.upper()) - ord("A")
    return item.options[i] if 0 <= i < len(item.options) else None


def _load_train(path: str | None, fmt: str) -> list[EvalItem]:
    if not path:
        return []
    from spacevista.eval.benchmarks import load_benchmark

    return load_benchmark(path, fmt)[1]


class _ItemBackend:
    """A baseline that looks items up by prompt id."""

    name = "baseline"

    def __init__(self) -> None:
        self.items: dict[str, EvalItem] = {}

    def prepare(self, items: list[EvalItem]) -> None:
        self.items.update({it.id: it for it in items})

    def _item(self, prompt: Prompt) -> EvalItem:
        try:
            return self.items[prompt.id]
        except KeyError:
            raise KeyError(f"{self.name} backend: item {prompt.id!r} was not prepared") from None

    def answer(self, prompts: list[Prompt]) -> list[str]:
        return [self.answer_item(self._item(p)) for p in prompts]

    def answer_item(self, item: EvalItem) -> str:
        raise NotImplementedError


class OracleBackend(_ItemBackend):
    """Answers the ground truth."""

    name = "oracle"

    def answer_item(self, item: EvalItem) -> str:
        return _reply(item, item.answer)


class ChanceBackend(_ItemBackend):
    """Seeded random answers (see the module docstring)."""

    name = "chance"

    def __init__(self, seed: int = 0, train: list[EvalItem] | None = None):
        super().__init__()
        self.seed = seed
        self.train = train or []

    def _pool(self, item: EvalItem) -> list[str]:
        src = self.train or list(self.items.values())
        return [o.answer for o in src if o.task == item.task and o.answer_type == item.answer_type
                and o.id != item.id]

    def answer_item(self, item: EvalItem) -> str:
        rng = np.random.default_rng([self.seed, zlib.crc32(item.id.encode())])
        if item.answer_type == "mc":
            n = item.n_options or 4
            return _reply(item, chr(ord("A") + int(rng.integers(n))))
        pool = self._pool(item)
        if not pool:
            return _reply(item, "1.0" if item.answer_type == "numerical" else "")
        return _reply(item, pool[int(rng.integers(len(pool)))])


class PriorBackend(_ItemBackend):
    """Blind prior per task (see the module docstring)."""

    name = "prior"

    def __init__(self, train: list[EvalItem] | None = None):
        super().__init__()
        self.train = train or []

    def _source(self, item: EvalItem) -> list[EvalItem]:
        src = self.train or list(self.items.values())
        return [o for o in src if o.task == item.task and o.answer_type == item.answer_type and o.id != item.id]

    def answer_item(self, item: EvalItem) -> str:
        src = self._source(item)
        if item.answer_type == "mc":
            texts = Counter(normalize_text(t) for t in (_option_text(o) for o in src) if t)
            norm_opts = [normalize_text(o) for o in item.options]
            for text, _ in sorted(texts.items(), key=lambda kv: (-kv[1], kv[0])):
                if text in norm_opts:
                    return _reply(item, chr(ord("A") + norm_opts.index(text)))
            letters = Counter(o.answer.upper() for o in src)
            best = min(letters.items(), key=lambda kv: (-kv[1], kv[0]))[0] if letters else "A"
            return _reply(item, best)
        if item.answer_type == "numerical":
            vals = []
            for o in src:
                try:
                    vals.append(float(o.answer))
                except ValueError:
                    continue
            return _reply(item, repr(float(np.mean(vals))) if vals else "1.0")
        texts = Counter(o.answer for o in src)
        return _reply(item, min(texts.items(), key=lambda kv: (-kv[1], kv[0]))[0] if texts else "")


@BACKENDS.register("oracle")
def create_oracle(cfg: BackendConfig) -> OracleBackend:
    """Answers the ground truth (pipeline check; scores 1.0)."""
    return OracleBackend()


@BACKENDS.register("chance")
def create_chance(cfg: BackendConfig) -> ChanceBackend:
    """Seeded random answers: uniform letters, numbers drawn from the training answers."""
    return ChanceBackend(cfg.seed, _load_train(cfg.train, cfg.train_format))


@BACKENDS.register("prior")
def create_prior(cfg: BackendConfig) -> PriorBackend:
    """Blind prior: most frequent option text / mean number per task from a training set."""
    return PriorBackend(_load_train(cfg.train, cfg.train_format))


