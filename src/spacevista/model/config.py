"""Configuration of the SpaceVista model: Qwen2.5-VL plus a dense DINOv3 branch, cross-attention fusion
and scale experts with per-layer routers.

``SpaceVistaConfig`` extends ``Qwen2_5_VLConfig`` so that a plain Qwen2.5-VL checkpoint (``config.json`` and
weights) loads into the SpaceVista classes with the same parameter names; the new parts are extra fields.
"""

from __future__ import annotations

from huggingface_hub.dataclasses import strict
from transformers import DINOv3ViTConfig, Qwen2_5_VLConfig
from transformers.configuration_utils import SubConfigSpec

#: expert names in index order; the item's scale maps to an index with ``Scale.expert_index``
DEFAULT_EXPERT_NAMES = ["tiny", "tabletop", "indoor", "outdoor"]
#: linear layers of each LLM decoder layer that carry experts by default
DEFAULT_EXPERT_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]
ROUTING_MODES = ("router", "hard")
ROUTER_SCOPES = ("layer", "model")


def dinov3_vitl16_config() -> DINOv3ViTConfig:
    """The DINOv3 ViT-L/16 (LVD-1689M) architecture used by the official dense branch."""
    return DINOv3ViTConfig(
        patch_size=16, hidden_size=1024, intermediate_size=4096, num_hidden_layers=24,
        num_attention_heads=16, num_register_tokens=4, layerscale_value=1.0e-5, image_size=224,
        key_bias=False, query_bias=True, value_bias=True, use_gated_mlp=False,
    )


def qwen25vl_sizes(size: str = "7b") -> dict:
    """``text_config`` / ``vision_config`` / ``tie_word_embeddings`` of the released Qwen2.5-VL 3B or 7B."""
    vision = dict(depth=32, hidden_size=1280, intermediate_size=3420, num_heads=16, patch_size=14,
                  spatial_merge_size=2, temporal_patch_size=2, window_size=112, fullatt_block_indexes=[7, 15, 23, 31],
                  tokens_per_second=2, hidden_act="silu")
    rope = {"rope_type": "default", "rope_theta": 1000000.0, "mrope_section": [16, 24, 24]}
    if size == "7b":
        text = dict(hidden_size=3584, intermediate_size=18944, num_hidden_layers=28, num_attention_heads=28,
                    num_key_value_heads=4, vocab_size=152064, max_position_embeddings=128000, rope_parameters=rope)
        return {"text_config": text, "vision_config": {**vision, "out_hidden_size": 3584}, "tie_word_embeddings": False}
    if size == "3b":
        text = dict(hidden_size=2048, intermediate_size=11008, num_hidden_layers=36, num_attention_heads=16,
                    num_key_value_heads=2, vocab_size=151936, max_position_embeddings=128000, rope_parameters=rope)
        return {"text_config": text, "vision_config": {**vision, "out_hidden_size": 2048}, "tie_word_embeddings": True}
    raise ValueError(f"size must be '3b' or '7b', got {size!r}")


@strict
class SpaceVistaConfig(Qwen2_5_VLConfig):
    r"""Qwen2.5-VL configuration plus the SpaceVista parts.

    Dense branch and fusion:
        use_dense (`bool`, defaults to True): run the frozen DINOv3 branch and fuse it into the video tokens.
            False gives plain Qwen2.5-VL video tokens.
        dense_config (`DINOv3ViTConfig` or dict): architecture of the dense encoder (ViT-L/16 when omitted).
        dense_merger_hidden_size (`int`, 2048): hidden width of the dense merger MLP.
        dense_image_mean / dense_image_std: normalisation applied in the model to dense frames in [0, 1].
        fusion_num_layers (`int`, 1), fusion_num_heads (`int`, 8), fusion_mlp_ratio (`int`, 4),
        fusion_dropout (`float`, 0.1): cross-attention fusion blocks.

    Scale experts:
        num_experts (`int`, 4): LoRA-like experts per target linear layer; 0 disables experts.
        expert_names (`list[str]`): one name per expert (tiny, tabletop, indoor, outdoor).
        expert_rank (`int`, 8), expert_alpha (`float`, 16.0): each expert adds (alpha / rank) * B_k A_k x.
        expert_dropout (`float`, 0.0): dropout on the expert input.
        expert_target_modules (`list[str]`): linear layer names of each decoder layer that carry experts.
        expert_routing (`"router"` or `"hard"`): learned per-layer routing, or a one-hot from ``scale_ids``.
        router_hidden_size (`int`, 64), router_temperature (`float`, 0.2): the per-layer router MLP and its
            softmax temperature.
        router_scope (`"layer"` or `"model"`): one router per decoder layer (the paper's default), or one router
            at the first layer whose weights every layer uses (the paper's model-wise ablation).
        router_aux_loss_coef (`float`, 0.0): weight of the cross-entropy of router weights against scale labels.
        router_balance_loss_coef (`float`, 0.0): weight of the load-balance term.
    """

    model_type = "spacevista"
    sub_configs_defaults = {
        **Qwen2_5_VLConfig.sub_configs_defaults,
        "dense_config": SubConfigSpec(DINOv3ViTConfig, optional=True),
    }

    dense_config: dict | DINOv3ViTConfig | None = None
    use_dense: bool = True
    dense_merger_hidden_size: int = 2048
    dense_image_mean: list[float] | None = None
    dense_image_std: list[float] | None = None
    fusion_num_layers: int = 1
    fusion_num_heads: int = 8
    fusion_mlp_ratio: int = 4
    fusion_dropout: float = 0.1
    num_experts: int = 4
    expert_names: list[str] | None = None
    expert_rank: int = 8
    expert_alpha: float = 16.0
    expert_dropout: float = 0.0
    expert_target_modules: list[str] | None = None
    expert_routing: str = "router"
    router_hidden_size: int = 64
    router_temperature: float = 0.2
    router_scope: str = "layer"
    router_aux_loss_coef: float = 0.0
    router_balance_loss_coef: float = 0.0

    def __post_init__(self, **kwargs):
        if self.text_config is None and self.vision_config is None and "hidden_size" not in kwargs:
            # no architecture given: the 7B model of the paper (transformers' own defaults are inconsistent)
            sizes = qwen25vl_sizes("7b")
            self.text_config, self.vision_config = sizes["text_config"], sizes["vision_config"]
        if self.use_dense and self.dense_config is None:
            self.dense_config = dinov3_vitl16_config()
        super().__post_init__(**kwargs)
        if self.dense_image_mean is None:
            self.dense_image_mean = list(IMAGENET_MEAN)
        if self.dense_image_std is None:
            self.dense_image_std = list(IMAGENET_STD)
        if self.expert_target_modules is None:
            self.expert_target_modules = list(DEFAULT_EXPERT_TARGETS)
        if self.expert_names is None:
            self.expert_names = list(DEFAULT_EXPERT_NAMES[: self.num_experts]) if self.num_experts <= 4 else [
                f"expert{k}" for k in range(self.num_experts)]
        self.check()

    def check(self) -> None:
        """Raise ``ValueError`` naming the field when the configuration cannot build a model."""
        hidden = self.text_config.hidden_size
        if self.vision_config.out_hidden_size != hidden:
            raise ValueError(f"vision_config.out_hidden_size ({self.vision_config.out_hidden_size}) must equal "
                             f"text_config.hidden_size ({hidden})")
        if self.use_dense:
            if self.fusion_num_layers < 1:
                raise ValueError(f"fusion_num_layers must be >= 1 when use_dense, got {self.fusion_num_layers}")
            if self.fusion_num_heads < 1 or hidden % self.fusion_num_heads:
                raise ValueError(f"fusion_num_heads ({self.fusion_num_heads}) must divide the LLM hidden size "
                                 f"({hidden})")
            if hidden % 4:
                raise ValueError(f"the 2D sin-cos position embedding needs a hidden size divisible by 4, got {hidden}")
            if self.fusion_mlp_ratio < 1 or self.dense_merger_hidden_size < 1:
                raise ValueError("fusion_mlp_ratio and dense_merger_hidden_size must be positive")
            if not 0.0 <= self.fusion_dropout < 1.0:
                raise ValueError(f"fusion_dropout must be in [0, 1), got {self.fusion_dropout}")
            if len(self.dense_image_mean) != 3 or len(self.dense_image_std) != 3 or min(self.dense_image_std) <= 0:
                raise ValueError("dense_image_mean/std need three values, std positive")
        if self.num_experts < 0:
            raise ValueError(f"num_experts must be >= 0, got {self.num_experts}")
        if self.num_experts:
            if len(self.expert_names) != self.num_experts:
                raise ValueError(f"expert_names has {len(self.expert_names)} names for {self.num_experts} experts")
            if self.expert_rank < 1:
                raise ValueError(f"expert_rank must be >= 1, got {self.expert_rank}")
            if not self.expert_target_modules:
                raise ValueError("expert_target_modules is empty; set num_experts=0 to disable experts")
            unknown = sorted(set(self.expert_target_modules) - set(DEFAULT_EXPERT_TARGETS))
            if unknown:
                raise ValueError(f"unknown expert_target_modules {unknown}; choose from {DEFAULT_EXPERT_TARGETS}")
            if self.expert_routing not in ROUTING_MODES:
                raise ValueError(f"expert_routing must be one of {ROUTING_MODES}, got {self.expert_routing!r}")
            if self.router_scope not in ROUTER_SCOPES:
                raise ValueError(f"router_scope must be one of {ROUTER_SCOPES}, got {self.router_scope!r}")
            if self.router_temperature <= 0:
                raise ValueError(f"router_temperature must be > 0, got {self.router_temperature}")
            if self.router_hidden_size < 1:
                raise ValueError(f"router_hidden_size must be >= 1, got {self.router_hidden_size}")
            if not 0.0 <= self.expert_dropout < 1.0:
                raise ValueError(f"expert_dropout must be in [0, 1), got {self.expert_dropout}")

    @property
    def expert_scaling(self) -> float:
        """Factor applied to every expert's B A x (PEFT's lora_alpha / r)."""
        return float(self.expert_alpha) / float(self.expert_rank)


__all__ = ["SpaceVistaConfig", "dinov3_vitl16_config", "DEFAULT_EXPERT_NAMES", "DEFAULT_EXPERT_TARGETS"]
