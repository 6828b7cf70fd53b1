"""SpaceVista model classes on top of transformers' Qwen2.5-VL.

``SpaceVistaModel`` is a ``Qwen2_5_VLModel`` whose ``get_video_features`` returns fused video tokens:
Qwen's merged visual tokens (queries) cross-attend to DINOv3 features of the same frames (keys/values).
Because the fusion lives in ``get_video_features``, every path that encodes video (training forward,
``generate``'s pre-encoding, ``mm_encoder_outputs``) gets the fused tokens, while mrope positions and the
placeholder handling stay those of Qwen2.5-VL.

``SpaceVistaForConditionalGeneration`` adds scale experts on the LLM's linear layers (see ``experts.py``)
and the auxiliary router losses. Parameter names of the Qwen parts are unchanged, so a plain Qwen2.5-VL
checkpoint loads directly (new parts initialised; experts start as identity).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from transformers import DINOv3ViTModel, Qwen2_5_VLForConditionalGeneration, Qwen2_5_VLModel
from transformers.modeling_outputs import MultimodalCausalLMOutputWithPast
from transformers.models.qwen2_5_vl.modeling_qwen2_5_vl import Qwen2_5_VLPreTrainedModel

from spacevista.model.config import SpaceVistaConfig
from spacevista.model.dense import DenseFusion, DenseMerger, dense_patch_grid, resize_grid
from spacevista.model.experts import ExpertLinear, RoutingState, inject_experts, router_losses


#: legacy Qwen2.5-VL checkpoint names -> this module tree (names already in the new layout pass unchanged)
QWEN_KEY_MAPPING = {r"^visual": "model.visual", r"^model(?!\.(language_model|visual))": "model.language_model"}


@dataclass
class SpaceVistaCausalLMOutput(MultimodalCausalLMOutputWithPast):
    """Qwen2.5-VL's output plus the routing: ``router_weights`` (batch, layers, K) when experts are on
    (router mode with ``router_scope="model"``: (batch, 1, K)),
    ``router_loss`` (the weighted auxiliary terms already added to ``loss``), ``lm_loss`` (before them)."""

    router_weights: torch.Tensor | None = None
    router_loss: torch.Tensor | None = None
    lm_loss: torch.Tensor | None = None


class _OwnInitMixin:
    """Initialise the SpaceVista-specific tensors (experts, routers) that transformers' init does not know."""

    @torch.no_grad()
    def initialize_weights(self):  # noqa: D102 - extends PreTrainedModel.initialize_weights
        super().initialize_weights()
        for module in self.modules():
            own = getattr(module, "init_own_weights", None)
            if own is not None and next(iter(module.parameters())).device.type != "meta":
                own()


class SpaceVistaModel(_OwnInitMixin, Qwen2_5_VLModel):
    """Qwen2.5-VL base model + dense DINOv3 branch + cross-attention fusion + scale experts in the LLM."""

    config_class = SpaceVistaConfig
    config: SpaceVistaConfig

    def __init__(self, config: SpaceVistaConfig):
        super().__init__(config)
        hidden = config.text_config.hidden_size
        if config.use_dense:
            self.dense_encoder = DINOv3ViTModel._from_config(config.dense_config)
            self.dense_merger = DenseMerger(config.dense_config.hidden_size, config.dense_merger_hidden_size, hidden,
                                            merge=config.vision_config.spatial_merge_size)
            self.fusion = DenseFusion(hidden, config.fusion_num_layers, config.fusion_num_heads,
                                      config.fusion_mlp_ratio, config.fusion_dropout)
        self.routing_state = RoutingState(mode=config.expert_routing)
        self._routing_hooks = []
        if config.num_experts:
            self._routing_hooks = inject_experts(
                self.language_model.layers, hidden, num_experts=config.num_experts, rank=config.expert_rank,
                scaling=config.expert_scaling, dropout=config.expert_dropout,
                targets=list(config.expert_target_modules), router_hidden_size=config.router_hidden_size,
                temperature=config.router_temperature, state=self.routing_state, scope=config.router_scope)
        self.post_init()

    # ---- dense branch -------------------------------------------------------------------------------
    def encode_dense(self, frames: torch.Tensor, grid_h: int, grid_w: int) -> torch.Tensor:
        """Frames (F, 3, H, W) in [0, 1] -> dense tokens (F/2, grid_h/2, grid_w/2, hidden).

        The frozen encoder's last layer (after its final norm) is read on a patch grid; the grid is resampled
        to Qwen's patch grid (grid_h, grid_w) if the two differ, merged 2x2, projected, and consecutive frame
        pairs are averaged to match Qwen's temporal patch of 2.
        """
        if frames.dim() != 4 or frames.shape[1] != 3:
            raise ValueError(f"dense_pixel_values must be (frames, 3, H, W), got {tuple(frames.shape)}")
        if frames.shape[0] % 2:
            raise ValueError(f"dense branch needs an even number of frames, got {frames.shape[0]}")
        enc = self.dense_encoder
        weight = enc.embeddings.patch_embeddings.weight
        # computed from the config (not buffers) so checkpoints carry no normalisation state
        mean = torch.tensor(self.config.dense_image_mean, device=weight.device).view(1, 3, 1, 1)
        std = torch.tensor(self.config.dense_image_std, device=weight.device).view(1, 3, 1, 1)
        x = ((frames.to(weight.device, torch.float32) - mean) / std).to(weight.dtype)
        patch = enc.config.patch_size if isinstance(enc.config.patch_size, int) else enc.config.patch_size[0]
        h, w = x.shape[-2] // patch * patch, x.shape[-1] // patch * patch
        x = x[..., :h, :w]
        with torch.no_grad() if not any(p.requires_grad for p in enc.parameters()) else torch.enable_grad():
            hidden = enc(pixel_values=x).last_hidden_state
        grid = dense_patch_grid(hidden, 1 + enc.config.num_register_tokens, h, w, patch)
        grid = resize_grid(grid, grid_h, grid_w)
        merged = self.dense_merger(grid.to(self.dense_merger.mlp[0].weight.dtype))  # (F, gh/2, gw/2, D)
        f, mh, mw, d = merged.shape
        return merged.view(f // 2, 2, mh, mw, d).mean(dim=1)

    def fuse_video_tokens(self, video_tokens: tuple[torch.Tensor, ...] | list[torch.Tensor],
                          dense_pixel_values: torch.Tensor | list[torch.Tensor],
                          video_grid_thw: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Per video, fuse Qwen's merged tokens (t*h/2*w/2, D) with the dense tokens of its frames."""
        merge = self.config.vision_config.spatial_merge_size
        grids = [tuple(int(v) for v in g) for g in video_grid_thw]
        if isinstance(dense_pixel_values, torch.Tensor):
            sizes = [2 * t for t, _, _ in grids]
            if dense_pixel_values.shape[0] != sum(sizes):
                raise ValueError(f"dense_pixel_values has {dense_pixel_values.shape[0]} frames; the videos' grids "
                                 f"{grids} need {sum(sizes)} (2 per temporal patch)")
            dense_pixel_values = torch.split(dense_pixel_values, sizes)
        if len(dense_pixel_values) != len(grids):
            raise ValueError(f"{len(dense_pixel_values)} dense frame stacks for {len(grids)} videos")
        fused = []
        for tokens, frames, (t, gh, gw) in zip(video_tokens, dense_pixel_values, grids):
            if frames.shape[0] != 2 * t:
                raise ValueError(f"a video with {t} temporal patches needs {2 * t} dense frames, got {frames.shape[0]}")
            dense = self.encode_dense(frames, gh, gw).to(tokens.dtype)
            video = tokens.view(t, gh // merge, gw // merge, -1)
            fused.append(self.fusion(video, dense).reshape(tokens.shape))
        return tuple(fused)

    def get_video_features(self, pixel_values_videos: torch.Tensor, video_grid_thw: torch.LongTensor | None = None,
                           dense_pixel_values: torch.Tensor | list[torch.Tensor] | None = None, **kwargs):
        """Qwen's video features; with the dense branch on and ``dense_pixel_values`` given, the fused tokens."""
        kwargs["return_dict"] = True
        out = super().get_video_features(pixel_values_videos, video_grid_thw, **kwargs)
        if self.config.use_dense and dense_pixel_values is not None:
            out.pooler_output = self.fuse_video_tokens(out.pooler_output, dense_pixel_values, video_grid_thw)
        return out

    def forward(self, input_ids=None, attention_mask=None, position_ids=None, cache=None, inputs_embeds=None,
                use_cache=None, pixel_values=None, pixel_values_videos=None, image_grid_thw=None,
                video_grid_thw=None, mm_token_type_ids=None, second_per_grid_ts=None, mm_encoder_outputs=None,
                dense_pixel_values=None, **kwargs):
        if pixel_values_videos is not None and dense_pixel_values is not None and self.config.use_dense:
            if mm_encoder_outputs is not None and mm_encoder_outputs.get("video") is not None:
                raise ValueError("pass either pixel_values_videos or precomputed video features, not both")
            mm_encoder_outputs = dict(mm_encoder_outputs or {})
            mm_encoder_outputs["video"] = self.get_video_features(pixel_values_videos, video_grid_thw,
                                                                  dense_pixel_values=dense_pixel_values)
            pixel_values_videos = None
        return super().forward(
            input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids, cache=cache,
            inputs_embeds=inputs_embeds, use_cache=use_cache, pixel_values=pixel_values,
            pixel_values_videos=pixel_values_videos, image_grid_thw=image_grid_thw, video_grid_thw=video_grid_thw,
            mm_token_type_ids=mm_token_type_ids, second_per_grid_ts=second_per_grid_ts,
            mm_encoder_outputs=mm_encoder_outputs, **kwargs)


class SpaceVistaForConditionalGeneration(_OwnInitMixin, Qwen2_5_VLForConditionalGeneration):
    """The SpaceVista model: ``SpaceVistaModel`` + LM head, with scale routing and router losses.

    Extra forward arguments: ``dense_pixel_values`` (frames in [0, 1], (F, 3, H, W) with F = 2 * t per video,
    concatenated over the batch's videos, or a list per video) and ``scale_ids`` ((batch,) expert index per
    item: needed for hard routing, used for the router cross-entropy otherwise).
    """

    config_class = SpaceVistaConfig
    config: SpaceVistaConfig

    def __init__(self, config: SpaceVistaConfig):
        Qwen2_5_VLPreTrainedModel.__init__(self, config)
        self.model = SpaceVistaModel(config)
        self.lm_head = nn.Linear(config.text_config.hidden_size, config.text_config.vocab_size, bias=False)
        self.post_init()

    @property
    def routing_state(self) -> RoutingState:
        return self.model.routing_state

    def set_routing(self, mode: str) -> None:
        """Switch between learned ("router") and label ("hard") routing; recorded in the config."""
        if mode not in ("router", "hard"):
            raise ValueError(f"routing mode must be 'router' or 'hard', got {mode!r}")
        self.config.expert_routing = mode
        self.model.routing_state.mode = mode

    def forward(self, input_ids=None, attention_mask=None, position_ids=None, cache=None, inputs_embeds=None,
                labels=None, use_cache=None, pixel_values=None, pixel_values_videos=None, image_grid_thw=None,
                video_grid_thw=None, mm_token_type_ids=None, second_per_grid_ts=None, logits_to_keep=0,
                mm_encoder_outputs=None, dense_pixel_values=None, scale_ids=None, **kwargs):
        cfg = self.config
        experts = cfg.num_experts > 0
        if experts:
            reuse = cache is not None and cache.get_seq_length() > 0
            self.model.routing_state.begin(cfg.expert_routing, attention_mask, scale_ids, reuse)
        try:
            out = super().forward(
                input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids, cache=cache,
                inputs_embeds=inputs_embeds, labels=labels, use_cache=use_cache, pixel_values=pixel_values,
                pixel_values_videos=pixel_values_videos, image_grid_thw=image_grid_thw,
                video_grid_thw=video_grid_thw, mm_token_type_ids=mm_token_type_ids,
                second_per_grid_ts=second_per_grid_ts, logits_to_keep=logits_to_keep,
                mm_encoder_outputs=mm_encoder_outputs, dense_pixel_values=dense_pixel_values, **kwargs)
        finally:
            if experts:
                self.model.routing_state.end()
        result = SpaceVistaCausalLMOutput(**out, lm_loss=out.loss)
        if not experts:
            return result
        state = self.model.routing_state
        layers = self.model.language_model.layers
        if cfg.expert_routing == "hard" or state.reuse:
            gates = [g for g in (_layer_gate_weights(layer) for layer in layers) if g is not None]
            result.router_weights = torch.stack(gates, dim=1) if len(gates) == len(layers) else None
            return result
        probs = torch.stack([state.probs[i] for i in sorted(state.probs)], dim=1)  # (batch, routers, K)
        result.router_weights = probs
        if labels is not None and (cfg.router_aux_loss_coef > 0 or cfg.router_balance_loss_coef > 0):
            ce, balance = router_losses(probs, scale_ids)
            aux = cfg.router_balance_loss_coef * balance
            if ce is not None:
                aux = aux + cfg.router_aux_loss_coef * ce
            result.router_loss = aux
            result.loss = out.loss + aux.to(out.loss.dtype)
        return result

    def _prepare_position_ids_for_generation(self, inputs_tensor, model_kwargs):
        # Qwen's get_rope_index is fed every model kwarg; ours carry two it does not need
        kw = {k: v for k, v in model_kwargs.items() if k not in ("dense_pixel_values", "scale_ids")}
        return super()._prepare_position_ids_for_generation(inputs_tensor, kw)

    @classmethod
    def from_qwen(cls, qwen_path: str | Path, dense_path: str | Path | None = None, dtype=torch.float32,
                  **overrides) -> "SpaceVistaForConditionalGeneration":
        """Build SpaceVista from a local Qwen2.5-VL folder (and a local DINOv3 folder for the dense branch);
        fusion, dense merger, experts and routers start fresh (experts as identity). ``overrides`` set
        SpaceVista config fields (e.g. ``num_experts=0``, ``use_dense=False``)."""
        qwen_path = Path(qwen_path)
        if not (qwen_path / "config.json").is_file():
            raise FileNotFoundError(f"{qwen_path}: no config.json; pass a local Qwen2.5-VL model folder")
        from transformers import Qwen2_5_VLConfig

        base = Qwen2_5_VLConfig.from_pretrained(str(qwen_path)).to_dict()
        for k in ("model_type", "architectures", "transformers_version"):
            base.pop(k, None)
        dense_model = None
        if overrides.get("use_dense", True):
            if dense_path is not None:
                dense_model = DINOv3ViTModel.from_pretrained(str(dense_path), dtype=dtype)
                overrides.setdefault("dense_config", dense_model.config)
        config = SpaceVistaConfig(**{**base, **overrides})
        # released Qwen2.5-VL folders use the legacy names ("visual.*", "model.layers.*")
        model = cls.from_pretrained(str(qwen_path), config=config, dtype=dtype, key_mapping=QWEN_KEY_MAPPING)
        if dense_model is not None:
            model.model.dense_encoder.load_state_dict(dense_model.state_dict())
        return model


__all__ = ["SpaceVistaConfig", "SpaceVistaModel", "SpaceVistaForConditionalGeneration", "SpaceVistaCausalLMOutput",
           "register_auto_classes"]


def _layer_gate_weights(layer: nn.Module) -> torch.Tensor | None:
    """The expert weights a decoder layer used in its last forward."""
    for m in layer.modules():
        if isinstance(m, ExpertLinear) and m.gate is not None:
            return m.gate.weights
    return None


def register_auto_classes() -> None:
    """Make ``AutoConfig`` / ``AutoModel`` / ``AutoModelForImageTextToText`` know ``model_type
    "spacevista"`` (for tools that load by folder, e.g. a trainer reloading a reference model). Idempotent."""
    from transformers import AutoConfig, AutoModel, AutoModelForImageTextToText
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING

    if "spacevista" in CONFIG_MAPPING:
        return
    AutoConfig.register("spacevista", SpaceVistaConfig)
    AutoModel.register(SpaceVistaConfig, SpaceVistaModel)
    AutoModelForImageTextToText.register(SpaceVistaConfig, SpaceVistaForConditionalGeneration)
