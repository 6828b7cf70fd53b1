"""Which parameters train in each training stage.

Parameter groups (by name in ``SpaceVistaForConditionalGeneration``):
vision_tower (Qwen ViT without its merger), visual_merger (Qwen's patch merger / projector), dense_encoder
(DINOv3, always frozen), dense_merger, fusion, experts (expert A/B), routers, llm (the language model's own
weights, embeddings and LM head).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from torch import nn

GROUPS = ("vision_tower", "visual_merger", "dense_encoder", "dense_merger", "fusion", "experts", "routers", "llm")


@dataclass(frozen=True)
class FreezePlan:
    """True for each parameter group that trains."""

    vision_tower: bool = False
    visual_merger: bool = False
    dense_encoder: bool = False
    dense_merger: bool = False
    fusion: bool = False
    experts: bool = False
    routers: bool = False
    llm: bool = False


#: stage presets. sft: the paper's cold start (input projection, fusion and experts; vision tower and Qwen's
#: projector frozen; the LLM by flag). experts: expert A/B only, hard routing by scale label. router: only the
#: routers. grpo: experts and routers by default, anything else by override.
STAGES: dict[str, FreezePlan] = {
    "sft": FreezePlan(dense_merger=True, fusion=True, experts=True),
    "experts": FreezePlan(experts=True),
    "router": FreezePlan(routers=True),
    "grpo": FreezePlan(experts=True, routers=True),
}


def param_group(name: str) -> str:
    """The freeze group of a parameter name."""
    if ".expert_A" in name or ".expert_B" in name:
        return "experts"
    if ".scale_router." in name:
        return "routers"
    if name.startswith("model.visual.merger.") or name.startswith("visual.merger."):
        return "visual_merger"
    if name.startswith(("model.visual.", "visual.")):
        return "vision_tower"
    if name.startswith(("model.dense_encoder.", "dense_encoder.")):
        return "dense_encoder"
    if name.startswith(("model.dense_merger.", "dense_merger.")):
        return "dense_merger"
    if name.startswith(("model.fusion.", "fusion.")):
        return "fusion"
    return "llm"


def plan_for(stage: str | FreezePlan, **overrides: bool) -> FreezePlan:
    """The plan of a stage name (or a plan) with group overrides, e.g. ``plan_for("sft", llm=True)``."""
    if isinstance(stage, FreezePlan):
        plan = stage
    elif stage in STAGES:
        plan = STAGES[stage]
    else:
        raise ValueError(f"unknown training stage {stage!r}; choose from {sorted(STAGES)}")
    unknown = sorted(set(overrides) - {f.name for f in fields(FreezePlan)})
    if unknown:
        raise ValueError(f"unknown parameter groups {unknown}; groups are {list(GROUPS)}")
    return replace(plan, **overrides)


def apply_freeze_plan(model: nn.Module, stage: str | FreezePlan, *, train_llm: bool | None = None,
                      **overrides: bool) -> dict[str, dict[str, int]]:
    """Set ``requires_grad`` for every parameter by the stage's plan; the dense encoder never trains.

    ``train_llm`` is the flag of the paper's SFT (full LLM fine-tuning). Returns {group: {"trainable": n,
    "frozen": n}} counted in parameters. Routing for the stage is set too: "experts" uses hard routing by
    scale label, "router" learned routing.
    """
    if train_llm is not None:
        overrides["llm"] = train_llm
    plan = plan_for(stage, **overrides)
    if plan.dense_encoder:
        raise ValueError("the dense encoder is frozen in every stage")
    report = {g: {"trainable": 0, "frozen": 0} for g in GROUPS}
    for name, p in model.named_parameters():
        group = param_group(name)
        p.requires_grad_(bool(getattr(plan, group)))
        report[group]["trainable" if p.requires_grad else "frozen"] += p.numel()
    set_routing = getattr(model, "set_routing", None)
    if set_routing is not None and getattr(model.config, "num_experts", 0):
        if stage == "experts":
            set_routing("hard")
        elif stage in ("router", "grpo"):
            set_routing("router")
    return report
