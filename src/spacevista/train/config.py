"""Training configurations: dataclasses that validate themselves, loaded from YAML with dotted overrides.

``load_config(SFTConfig, "configs/tiny-sft.yaml", ["optim.lr=1e-4", "stages=[sft]"])`` reads the file, applies
each ``key.sub=value`` override (values parsed as YAML scalars or lists), builds the nested dataclasses and
validates every field; an unknown key or a bad value raises ``ValueError`` naming it.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from spacevista.train.rewards import RewardConfig

SFT_STAGES = ("sft", "experts", "router")
T = TypeVar("T")


@dataclass
class ModelSection:
    """Where the weights come from and which parts of the LLM train.

    ``path``: a local SpaceVista folder, a local Qwen2.5-VL folder (then ``dense_path`` names a local DINOv3
    folder), or ``tiny`` for a tiny random model written with ``save_tiny`` into ``<output_dir>/tiny-init``.
    ``llm``: ``frozen``, ``full`` (the paper's SFT) or ``lora`` (PEFT LoRA on the LLM's linear layers,
    merged into the weights when the model is saved)."""

    path: str = "tiny"
    dense_path: str | None = None
    tokenizer: str = "bpe"
    llm: str = "frozen"
    lora_rank: int = 16
    lora_alpha: float = 32.0
    gradient_checkpointing: bool = False

    def validate(self) -> None:
        if self.llm not in ("frozen", "full", "lora"):
            raise ValueError(f"model.llm must be frozen, full or lora, got {self.llm!r}")
        if self.tokenizer not in ("bpe", "qwen"):
            raise ValueError(f"model.tokenizer must be bpe or qwen, got {self.tokenizer!r}")
        if self.lora_rank < 1:
            raise ValueError(f"model.lora_rank must be >= 1, got {self.lora_rank}")


@dataclass
class DataSection:
    """The dataset folder (an engine export) and how frames become model inputs.

    ``anchor_tags``: with anchors known for an item, the SFT target gains ``<semantics>``/``<scale>`` between
    ``<think>`` and ``<answer>`` and the prompt asks for them (the format the GRPO reward checks)."""

    root: str = "demo_out"
    file: str = ""
    num_frames: int = 16
    max_side: int = 448
    min_pixels: int = 3136
    max_pixels: int = 262144
    max_items: int = 0
    scales: list[str] = field(default_factory=list)
    anchor_tags: bool = True

    def validate(self) -> None:
        if self.num_frames < 1:
            raise ValueError(f"data.num_frames must be >= 1, got {self.num_frames}")
        if self.min_pixels > self.max_pixels:
            raise ValueError(f"data.min_pixels ({self.min_pixels}) exceeds data.max_pixels ({self.max_pixels})")
        if self.max_items < 0:
            raise ValueError(f"data.max_items must be >= 0, got {self.max_items}")


@dataclass
class OptimSection:
    """AdamW with a cosine schedule after a linear warm-up."""

    lr: float = 5e-7
    weight_decay: float = 0.0
    betas: list[float] = field(default_factory=lambda: [0.9, 0.999])
    eps: float = 1e-8
    warmup_ratio: float = 0.1
    max_grad_norm: float = 1.0
    min_lr_ratio: float = 0.0

    def validate(self) -> None:
        if self.lr <= 0:
            raise ValueError(f"optim.lr must be > 0, got {self.lr}")
        if self.weight_decay < 0:
            raise ValueError(f"optim.weight_decay must be >= 0, got {self.weight_decay}")
        if not 0.0 <= self.warmup_ratio < 1.0:
            raise ValueError(f"optim.warmup_ratio must be in [0, 1), got {self.warmup_ratio}")
        if len(self.betas) != 2 or not all(0 <= b < 1 for b in self.betas):
            raise ValueError(f"optim.betas must be two numbers in [0, 1), got {self.betas}")
        if self.max_grad_norm < 0:
            raise ValueError(f"optim.max_grad_norm must be >= 0 (0 disables clipping), got {self.max_grad_norm}")


@dataclass
class TrainSection:
    """The loop: batch sizes, length, precision, checkpoints, logging.

    ``tracker``: ``tensorboard`` (event files in ``<stage folder>/logs``), ``wandb`` or ``none``.
    ``eval_every``: every N optimizer steps (and at the last) the model answers ``eval_items``
    held-out items of the training folder (left out of training), scored as evaluation scores
    them; 0: never."""

    epochs: float = 2.0
    max_steps: int = 0
    batch_size: int = 1
    grad_accum: int = 1
    mixed_precision: str = "auto"
    save_every: int = 0
    keep_checkpoints: int = 2
    log_every: int = 1
    resume: str | None = None
    stop_after: int = 0
    num_workers: int = 0
    tracker: str = "tensorboard"
    eval_every: int = 0
    eval_items: int = 16
    eval_max_new_tokens: int = 256

    def validate(self) -> None:
        if self.epochs <= 0 and self.max_steps <= 0:
            raise ValueError("train.epochs or train.max_steps must be positive")
        if self.batch_size < 1 or self.grad_accum < 1:
            raise ValueError(f"train.batch_size ({self.batch_size}) and train.grad_accum ({self.grad_accum}) "
                             "must be >= 1")
        if self.mixed_precision not in ("auto", "no", "bf16", "fp16"):
            raise ValueError(f"train.mixed_precision must be auto, no, bf16 or fp16, got {self.mixed_precision!r}")
        if self.save_every < 0 or self.stop_after < 0 or self.log_every < 1:
            raise ValueError("train.save_every and train.stop_after must be >= 0, train.log_every >= 1")
        if self.tracker not in ("tensorboard", "wandb", "none"):
            raise ValueError(f"train.tracker must be tensorboard, wandb or none, got {self.tracker!r}")
        if self.eval_every < 0 or self.eval_items < 1 or self.eval_max_new_tokens < 1:
            raise ValueError("train.eval_every must be >= 0, train.eval_items and train.eval_max_new_tokens >= 1")


@dataclass
class SFTConfig:
    """Supervised fine-tuning: stages in order (``sft`` cold start, ``experts`` per scale with hard routing,
    ``router``), each starting from the previous stage's weights. ``stage_max_steps`` caps one stage's
    optimizer steps (overriding ``train.max_steps`` / ``train.epochs`` for it)."""

    output_dir: str = "runs/sft"
    seed: int = 0
    stages: list[str] = field(default_factory=lambda: list(SFT_STAGES))
    model: ModelSection = field(default_factory=ModelSection)
    data: DataSection = field(default_factory=DataSection)
    optim: OptimSection = field(default_factory=OptimSection)
    train: TrainSection = field(default_factory=TrainSection)
    router_aux_loss_coef: float = 0.1
    stage_max_steps: dict[str, int] = field(default_factory=dict)
    deepspeed: str | None = None

    def validate(self) -> None:
        bad = sorted(set(self.stage_max_steps) - set(SFT_STAGES))
        if bad or any(not isinstance(v, int) or v < 1 for v in self.stage_max_steps.values()):
            raise ValueError(f"stage_max_steps must map stages {list(SFT_STAGES)} to step counts >= 1, "
                             f"got {self.stage_max_steps}")
        if not self.stages:
            raise ValueError("stages must name at least one of " + ", ".join(SFT_STAGES))
        bad = [s for s in self.stages if s not in SFT_STAGES]
        if bad:
            raise ValueError(f"unknown SFT stages {bad}; choose from {list(SFT_STAGES)}")
        if len(set(self.stages)) != len(self.stages):
            raise ValueError(f"stages repeat: {self.stages}")
        if self.router_aux_loss_coef < 0:
            raise ValueError(f"router_aux_loss_coef must be >= 0, got {self.router_aux_loss_coef}")
        for part in (self.model, self.data, self.optim, self.train):
            part.validate()


@dataclass
class GRPOSection:
    """Group sampling and the GRPO objective.

    ``trainable``: freeze-plan group overrides on top of the ``grpo`` stage (experts and routers)."""

    group_size: int = 8
    prompts_per_step: int = 1
    temperature: float = 1.0
    top_p: float = 1.0
    max_new_tokens: int = 1024
    beta: float = 0.04
    clip_eps: float = 0.2
    iterations: int = 1
    scale_rewards: bool = True
    trainable: dict[str, bool] = field(default_factory=dict)

    def validate(self) -> None:
        if self.group_size < 2:
            raise ValueError(f"grpo.group_size must be >= 2 (advantages compare completions), got {self.group_size}")
        if self.prompts_per_step < 1 or self.iterations < 1 or self.max_new_tokens < 1:
            raise ValueError("grpo.prompts_per_step, grpo.iterations and grpo.max_new_tokens must be >= 1")
        if self.temperature <= 0 or not 0 < self.top_p <= 1:
            raise ValueError(f"grpo.temperature must be > 0 and top_p in (0, 1], got {self.temperature}, {self.top_p}")
        if self.beta < 0 or not 0 < self.clip_eps < 1:
            raise ValueError(f"grpo.beta must be >= 0 and clip_eps in (0, 1), got {self.beta}, {self.clip_eps}")


@dataclass
class GRPOConfig:
    """Reinforcement learning with group-relative advantages and the progressive anchor reward."""

    output_dir: str = "runs/grpo"
    seed: int = 0
    model: ModelSection = field(default_factory=ModelSection)
    data: DataSection = field(default_factory=DataSection)
    optim: OptimSection = field(default_factory=lambda: OptimSection(lr=1e-6, weight_decay=0.01, warmup_ratio=0.0))
    train: TrainSection = field(default_factory=lambda: TrainSection(epochs=1.0))
    grpo: GRPOSection = field(default_factory=GRPOSection)
    rewards: RewardConfig = field(default_factory=RewardConfig)
    deepspeed: str | None = None

    def validate(self) -> None:
        for part in (self.model, self.data, self.optim, self.train, self.grpo):
            part.validate()


# ---- building dataclasses from plain data ------------------------------------------------------------------
def _coerce(tp: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ValueError(f"{where}: expected a mapping, got {value!r}")
        return from_dict(tp, value, f"{where}.")
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _coerce(args[0], value, where)
    if origin is list:
        (inner,) = typing.get_args(tp) or (Any,)
        if not isinstance(value, (list, tuple)):
            value = [value]
        return [_coerce(inner, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ValueError(f"{where}: expected a mapping, got {value!r}")
        return dict(value)
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise ValueError(f"{where}: expected true or false, got {value!r}")
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
            raise ValueError(f"{where}: expected an integer, got {value!r}")
        return int(value)
    if tp is float:
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                raise ValueError(f"{where}: expected a number, got {value!r}") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if tp is str:
        if isinstance(value, bool):  # YAML 1.1 reads a bare no/yes as a boolean
            return "yes" if value else "no"
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ValueError(f"{where}: expected a string, got {value!r}")
        return str(value)
    return value


def from_dict(cls: type[T], data: dict[str, Any], where: str = "") -> T:
    """Build dataclass ``cls`` from a mapping, recursively; unknown keys raise naming the key."""
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ValueError(f"unknown config keys {[f'{where}{k}' for k in unknown]}; known: {sorted(names)}")
    kwargs = {k: _coerce(hints[k], v, f"{where}{k}") for k, v in data.items()}
    return cls(**kwargs)


def to_dict(obj: Any) -> Any:
    """A config as plain data (for saving beside a run)."""
    return dataclasses.asdict(obj)


def save_config(cfg: Any, path: Path) -> Path:
    """Write a config as YAML (fields in declaration order) beside a run, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(to_dict(cfg), sort_keys=False), encoding="utf-8")
    return path


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Set ``a.b.c=value`` entries in a nested mapping (values parsed as YAML: numbers, booleans, lists)."""
    out = dict(data)
    for item in overrides:
        if "=" not in item:
            raise ValueError(f"override {item!r} must look like key.sub=value")
        key, raw = item.split("=", 1)
        parts = key.strip().split(".")
        if not all(parts):
            raise ValueError(f"override {item!r}: empty key part")
        value = yaml.safe_load(raw) if raw.strip() else ""
        node = out
        for p in parts[:-1]:
            nxt = node.get(p)
            nxt = dict(nxt) if isinstance(nxt, dict) else {}
            node[p] = nxt
            node = nxt
        node[parts[-1]] = value
    return out


def load_config(cls: type[T], path: str | Path | None = None, overrides: list[str] | None = None) -> T:
    """Read a YAML config (or start from defaults), apply overrides, build and validate."""
    data: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as e:
            raise ValueError(f"cannot read config {path}: {e}") from e
        if loaded is not None and not isinstance(loaded, dict):
            raise ValueError(f"config {path}: the top level must be a mapping")
        data = loaded or {}
    data = apply_overrides(data, overrides or [])
    try:
        cfg = from_dict(cls, data)
        cfg.validate()
    except ValueError as e:
        raise ValueError(f"config {path or '(defaults)'}: {e}") from None
    return cfg
