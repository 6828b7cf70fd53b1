"""Scale experts: K LoRA-like experts on the LLM's linear layers, mixed in one pass by a per-layer router.

For an input ``x`` of a target linear layer with weight ``W``:

    y = W x + b + (alpha / r) * sum_k g_k * B_k A_k x

where ``g`` (one weight per expert, per item, per decoder layer) comes from the layer's router (an MLP and a
softmax with temperature over the layer's input hidden states, mean-pooled over the sequence with the attention
mask) or is the one-hot of the item's scale label (hard routing). The K experts are stored stacked, so the
extra cost is two matmuls of rank K*r, not K separate LoRA calls.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn


class ExpertGate:
    """Mixing weights shared by the expert layers of one decoder layer (set by the layer's routing hook)."""

    __slots__ = ("weights",)

    def __init__(self) -> None:
        self.weights: torch.Tensor | None = None  # (batch, K)


class ExpertLinear(nn.Linear):
    """An ``nn.Linear`` (same parameter names, so base checkpoints load unchanged) with K stacked experts.

    ``expert_A`` has shape (K, r, in); ``expert_B`` has shape (out, K, r) so that both flatten to the
    matrices of one rank-K*r product without copies.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool, num_experts: int, rank: int,
                 scaling: float, dropout: float = 0.0, device=None, dtype=None) -> None:
        super().__init__(in_features, out_features, bias=bias, device=device, dtype=dtype)
        self.num_experts = num_experts
        self.rank = rank
        self.scaling = scaling
        self.expert_A = nn.Parameter(torch.empty(num_experts, rank, in_features, device=device, dtype=dtype))
        self.expert_B = nn.Parameter(torch.empty(out_features, num_experts, rank, device=device, dtype=dtype))
        self.expert_dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.gate: ExpertGate | None = None
        self.reset_expert_parameters()

    @classmethod
    def from_linear(cls, linear: nn.Linear, num_experts: int, rank: int, scaling: float,
                    dropout: float = 0.0) -> "ExpertLinear":
        """Wrap an existing linear layer, sharing its weight and bias tensors."""
        new = cls(linear.in_features, linear.out_features, linear.bias is not None, num_experts, rank, scaling,
                  dropout, device=linear.weight.device, dtype=linear.weight.dtype)
        new.weight = linear.weight
        if linear.bias is not None:
            new.bias = linear.bias
        # the wrapped weights are already initialised (or loaded): keep transformers from drawing them again
        new._is_hf_initialized = getattr(linear, "_is_hf_initialized", False)
        return new

    def reset_expert_parameters(self) -> None:
        """PEFT's default LoRA start: A Kaiming-uniform, B zero, so a fresh expert changes nothing."""
        if self.expert_A.device.type == "meta":
            return
        # Kaiming-uniform with a=sqrt(5) (torch's Linear default) reduces to U(-1/sqrt(in), 1/sqrt(in));
        # tensor methods are used because transformers stubs torch.nn.init while loading checkpoints.
        bound = 1.0 / math.sqrt(self.in_features)
        with torch.no_grad():
            self.expert_A.uniform_(-bound, bound)
            self.expert_B.zero_()

    def init_own_weights(self) -> None:
        """Initialise the expert tensors unless they were loaded from a checkpoint."""
        bound = 1.0 / math.sqrt(self.in_features)
        with torch.no_grad():
            if not getattr(self.expert_A, "_is_hf_initialized", False):
                self.expert_A.uniform_(-bound, bound)
                self.expert_A._is_hf_initialized = True
            if not getattr(self.expert_B, "_is_hf_initialized", False):
                self.expert_B.zero_()
                self.expert_B._is_hf_initialized = True

    def expert_delta(self, x: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        """sum_k weights[:, k] * scaling * B_k A_k x for x of shape (batch, ..., in)."""
        k, r = self.num_experts, self.rank
        h = F.linear(self.expert_dropout(x), self.expert_A.reshape(k * r, self.in_features))  # (b, ..., K*r)
        shape = (weights.shape[0],) + (1,) * (x.dim() - 2) + (k, 1)
        h = h.unflatten(-1, (k, r)) * (weights.to(h.dtype) * self.scaling).view(shape)
        return F.linear(h.flatten(-2), self.expert_B.reshape(self.out_features, k * r))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.linear(x, self.weight, self.bias)
        weights = self.gate.weights if self.gate is not None else None
        if weights is None:
            return y
        return y + self.expert_delta(x, weights)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, experts={self.num_experts}, rank={self.rank}, scaling={self.scaling:g}"


class ScaleRouter(nn.Module):
    """Per-layer router: masked mean of the layer input -> MLP -> softmax(logits / temperature)."""

    def __init__(self, hidden_size: int, router_hidden_size: int, num_experts: int, temperature: float) -> None:
        super().__init__()
        self.fc1 = nn.Linear(hidden_size, router_hidden_size)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(router_hidden_size, num_experts)
        self.temperature = temperature

    def init_own_weights(self) -> None:
        """Zero output layer: every expert starts with weight 1/K."""
        with torch.no_grad():
            for p in (self.fc1.weight, self.fc1.bias, self.fc2.weight, self.fc2.bias):
                if getattr(p, "_is_hf_initialized", False):
                    continue
                if p is self.fc1.weight:
                    p.normal_(0.0, 0.02)
                else:
                    p.zero_()
                p._is_hf_initialized = True

    def logits(self, hidden: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        """Router logits (batch, K) from hidden states (batch, seq, hidden) and a 0/1 mask (batch, seq)."""
        if mask is None:
            pooled = hidden.mean(dim=1)
        else:
            m = mask.to(hidden.dtype).unsqueeze(-1)
            pooled = (hidden * m).sum(dim=1) / m.sum(dim=1).clamp_min(1.0)
        pooled = pooled.to(self.fc1.weight.dtype)
        return self.fc2(self.act(self.fc1(pooled)))

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        return torch.softmax(self.logits(hidden, mask).float() / self.temperature, dim=-1)


@dataclass
class RoutingState:
    """What the routing hooks need during one forward: the 2D attention mask, scale labels, whether this is
    a cached decoding step, and what they produce (router probabilities per layer)."""

    mode: str = "router"
    attention_mask: torch.Tensor | None = None
    scale_ids: torch.Tensor | None = None
    reuse: bool = False
    probs: dict[int, torch.Tensor] = field(default_factory=dict)

    def begin(self, mode: str, attention_mask: torch.Tensor | None, scale_ids: torch.Tensor | None,
              reuse: bool) -> None:
        self.mode = mode
        self.attention_mask = attention_mask if attention_mask is not None and attention_mask.dim() == 2 else None
        self.scale_ids = scale_ids
        self.reuse = reuse
        if not reuse:
            self.probs = {}

    def end(self) -> None:
        self.attention_mask = None
        self.scale_ids = None


class LayerRoutingHook:
    """Forward pre-hook of one decoder layer: computes the layer's expert weights before it runs."""

    def __init__(self, layer_idx: int, router: ScaleRouter, gate: ExpertGate, state: RoutingState,
                 num_experts: int) -> None:
        self.layer_idx = layer_idx
        self.router = router
        self.gate = gate
        self.state = state
        self.num_experts = num_experts

    def __call__(self, module: nn.Module, args: tuple, kwargs: dict):
        hidden = args[0] if args else kwargs["hidden_states"]
        st = self.state
        batch = hidden.shape[0]
        if st.mode == "hard":
            if st.scale_ids is None:
                raise ValueError("expert_routing='hard' needs scale_ids (one expert index per item) in forward")
            ids = st.scale_ids.to(hidden.device).long().view(-1)
            if ids.numel() != batch or int(ids.min()) < 0 or int(ids.max()) >= self.num_experts:
                raise ValueError(f"scale_ids must hold {batch} expert indices in [0, {self.num_experts}), got "
                                 f"{ids.tolist()}")
            self.gate.weights = F.one_hot(ids, self.num_experts).to(hidden.dtype)
            return None
        if st.reuse and self.gate.weights is not None and self.gate.weights.shape[0] == batch:
            # cached decoding: keep the routing computed over the whole prompt
            return None
        mask = st.attention_mask
        if mask is not None and mask.shape[1] != hidden.shape[1]:
            mask = mask[:, -hidden.shape[1]:]
        probs = self.router(hidden, mask)
        st.probs[self.layer_idx] = probs
        self.gate.weights = probs.to(hidden.dtype)
        return None


def router_losses(probs: torch.Tensor, scale_ids: torch.Tensor | None) -> tuple[torch.Tensor | None, torch.Tensor]:
    """Auxiliary router losses from probabilities (batch, layers, K).

    Returns (cross-entropy of the router weights against the scale labels, averaged over layers and items, or
    None without labels; load balance ``K * sum_k mean_b(p_bk)^2 - 1`` averaged over layers, 0 when balanced).
    """
    k = probs.shape[-1]
    ce = None
    if scale_ids is not None:
        ids = scale_ids.to(probs.device).long().view(-1, 1).expand(-1, probs.shape[1])
        ce = F.nll_loss(torch.log(probs.clamp_min(1e-9)).flatten(0, 1), ids.reshape(-1))
    load = probs.mean(dim=0)  # (layers, K)
    balance = (k * (load ** 2).sum(dim=-1) - 1.0).mean()
    return ce, balance


def inject_experts(layers: nn.ModuleList, hidden_size: int, *, num_experts: int, rank: int, scaling: float,
                   dropout: float, targets: list[str], router_hidden_size: int, temperature: float,
                   state: RoutingState, scope: str = "layer") -> list[torch.utils.hooks.RemovableHandle]:
    """Replace the target linear layers of every decoder layer with ``ExpertLinear`` and attach a
    ``scale_router`` plus its routing pre-hook to each layer (``scope="layer"``), or to the first layer only,
    its weights shared by all layers (``scope="model"``). Returns the hook handles."""
    if scope not in ("layer", "model"):
        raise ValueError(f"router scope must be 'layer' or 'model', got {scope!r}")
    handles = []
    shared = ExpertGate() if scope == "model" else None
    for idx, layer in enumerate(layers):
        gate = shared if shared is not None else ExpertGate()
        found = 0
        for parent in (layer.self_attn, layer.mlp):
            for name in targets:
                lin = getattr(parent, name, None)
                if lin is None:
                    continue
                if not isinstance(lin, nn.Linear):
                    raise TypeError(f"layer {idx}: {name} is {type(lin).__name__}, expected nn.Linear")
                new = lin if isinstance(lin, ExpertLinear) else ExpertLinear.from_linear(
                    lin, num_experts, rank, scaling, dropout)
                new.gate = gate
                setattr(parent, name, new)
                found += 1
        if found != len(targets):
            raise ValueError(f"layer {idx}: found {found} of the expert targets {targets}")
        if shared is not None and idx > 0:
            continue
        layer.scale_router = ScaleRouter(hidden_size, router_hidden_size, num_experts, temperature).to(
            device=layer.self_attn.q_proj.weight.device, dtype=layer.self_attn.q_proj.weight.dtype)
        hook = LayerRoutingHook(idx, layer.scale_router, gate, state, num_experts)
        handles.append(layer.register_forward_pre_hook(hook, with_kwargs=True))
    return handles


def expert_parameter_report(model: nn.Module, names: list[str] | None = None) -> dict:
    """Trainable parameters of each expert (over all layers), of the routers, and their share of the model."""
    total = sum(p.numel() for p in model.parameters())
    per_expert = 0
    k = 0
    router = 0
    for mod in model.modules():
        if isinstance(mod, ExpertLinear):
            k = mod.num_experts
            per_expert += (mod.expert_A.numel() + mod.expert_B.numel()) // mod.num_experts
        elif isinstance(mod, ScaleRouter):
            router += sum(p.numel() for p in mod.parameters())
    names = names or [f"expert{i}" for i in range(k)]
    return {
        "total_parameters": total,
        "num_experts": k,
        "per_expert": {n: per_expert for n in names[:k]},
        "per_expert_fraction": per_expert / total if total else 0.0,
        "router_parameters": router,
        "router_fraction": router / total if total else 0.0,
    }


def scale_ids(scales: list) -> torch.Tensor:
    """Expert indices (batch,) for scale labels ("tiny", "Tabletop", "drone", Scale.INDOOR, ...); drone shares
    the outdoor expert, as in the official four-expert model."""
    from spacevista.scene import Scale

    return torch.tensor([Scale.parse(s).expert_index for s in scales], dtype=torch.long)
