"""Parameter counts of SpaceVista configurations without allocating weights (modules built on the meta
device), by freeze group, with each expert's share. ``python -m spacevista.model.params`` prints the 3B and
7B tables."""

from __future__ import annotations

import torch

from spacevista.model.config import SpaceVistaConfig, qwen25vl_sizes
from spacevista.model.freeze import GROUPS, param_group


def count_parameters(config: SpaceVistaConfig) -> dict:
    """{group: n} over the freeze groups, plus total, per-expert count and fractions; nothing is allocated."""
    from spacevista.model.experts import ExpertLinear
    from spacevista.model.modeling import SpaceVistaForConditionalGeneration

    with torch.device("meta"):
        model = SpaceVistaForConditionalGeneration(config)
    groups = dict.fromkeys(GROUPS, 0)
    seen = set()
    for name, p in model.named_parameters(remove_duplicate=True):
        if id(p) in seen:
            continue
        seen.add(id(p))
        groups[param_group(name)] += p.numel()
    per_expert = sum((m.expert_A.numel() + m.expert_B.numel()) // m.num_experts
                     for m in model.modules() if isinstance(m, ExpertLinear))
    total = sum(groups.values())
    base = total - groups["experts"] - groups["routers"]
    return {"groups": groups, "total": total, "per_expert": per_expert, "per_expert_of_base": per_expert / base,
            "num_experts": config.num_experts}


def paper_config(size: str, **overrides) -> SpaceVistaConfig:
    """The SpaceVista configuration on Qwen2.5-VL 3B or 7B (DINOv3 ViT-L/16, 4 experts of rank 8)."""
    return SpaceVistaConfig(**{**qwen25vl_sizes(size), **overrides})


def table() -> str:
    """Markdown table of the 3B and 7B configurations."""
    rows = ["| group | 3B | 7B |", "|---|---:|---:|"]
    counts = {s: count_parameters(paper_config(s)) for s in ("3b", "7b")}
    for g in GROUPS:
        rows.append(f"| {g} | {counts['3b']['groups'][g]:,} | {counts['7b']['groups'][g]:,} |")
    rows.append(f"| **total** | {counts['3b']['total']:,} | {counts['7b']['total']:,} |")
    rows.append(f"| one expert (all layers) | {counts['3b']['per_expert']:,} | {counts['7b']['per_expert']:,} |")
    rows.append(f"| one expert / model without experts | {100 * counts['3b']['per_expert_of_base']:.3f}% | "
                f"{100 * counts['7b']['per_expert_of_base']:.3f}% |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
