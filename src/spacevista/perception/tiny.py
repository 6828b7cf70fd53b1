"""Tiny random-weight models of every specialist, written to local folders, for tests and benchmarks.

Each ``save_tiny_*`` builds the real transformers class from a small config, seeds torch, and saves
it with ``save_pretrained`` (plus a tokenizer built in memory where the model reads text), so that a
specialist can ``load()`` it exactly like released weights. Nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

#: words of the in-memory WordPiece vocabulary (detector prompts in tests use these)
VOCAB_WORDS = ["cup", "bowl", "chair", "table", "car", "tree", "person", "bottle", "box", "book", "lamp",
               "sofa", "bed", "building", "road", "sign", "a", "an", "the", "object"]


def _dinov2(image_size: int, patch: int, hidden: int = 32, layers: int = 2, **kw: object) -> dict:
    return dict(model_type="dinov2", image_size=image_size, patch_size=patch, hidden_size=hidden,
                num_hidden_layers=layers, num_attention_heads=2, intermediate_size=2 * hidden, **kw)


def save_tiny_depth_pro(path: str | Path, seed: int = 0, fov: bool = True) -> Path:
    """Depth Pro with Dinov2 encoders of width 32, input 64x64, FOV head on by default."""
    import torch
    from transformers import DepthProConfig, DepthProForDepthEstimation

    torch.manual_seed(seed)
    sub = _dinov2(32, 8)
    cfg = DepthProConfig(patch_size=32, fusion_hidden_size=16, intermediate_hook_ids=[1, 0],
                         intermediate_feature_dims=[8, 8], scaled_images_ratios=[0.5, 1.0],
                         scaled_images_overlap_ratios=[0.0, 0.25], scaled_images_feature_dims=[16, 16],
                         use_fov_model=fov, num_fov_head_layers=1, image_model_config=sub,
                         patch_model_config=sub, fov_model_config=sub)
    DepthProForDepthEstimation(cfg).save_pretrained(str(path))
    return Path(path)


def save_tiny_depth_anything(path: str | Path, seed: int = 0, kind: str = "metric") -> Path:
    """Depth Anything on a 4-layer Dinov2 of width 32 (patch 14, input 56), ``kind`` metric or relative."""
    import torch
    from transformers import DepthAnythingConfig, DepthAnythingForDepthEstimation

    torch.manual_seed(seed)
    bb = _dinov2(56, 14, layers=4, out_features=["stage1", "stage2", "stage3", "stage4"],
                 reshape_hidden_states=False)
    cfg = DepthAnythingConfig(backbone_config=bb, reassemble_hidden_size=32, patch_size=14,
                              neck_hidden_sizes=[16, 16, 16, 16], fusion_hidden_size=16, head_hidden_size=8,
                              depth_estimation_type=kind, max_depth=20)
    DepthAnythingForDepthEstimation(cfg).save_pretrained(str(path))
    return Path(path)


def bert_tokenizer(words: list[str] = VOCAB_WORDS, model_max_length: int = 64):  # noqa: ANN201
    """A BERT (WordPiece, lower-case) fast tokenizer over ``words`` plus the special tokens, in memory."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import BertTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab = {t: i for i, t in enumerate(specials + [".", ","] + sorted(set(words)))}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])])
    return BertTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", sep_token="[SEP]", pad_token="[PAD]",
                             cls_token="[CLS]", mask_token="[MASK]", model_max_length=model_max_length)


def save_tiny_grounding_dino(path: str | Path, seed: int = 0) -> Path:
    """Grounding DINO: Swin of width 16 + one-layer BERT of width 32, d_model 32, 20 queries, two
    decoder layers, pure-PyTorch deformable attention; the WordPiece tokenizer is saved alongside."""
    import torch
    from transformers import GroundingDinoConfig, GroundingDinoForObjectDetection

    torch.manual_seed(seed)
    tok = bert_tokenizer()
    cfg = GroundingDinoConfig(
        backbone_config=dict(model_type="swin", image_size=64, patch_size=4, embed_dim=16, depths=[1, 1, 1, 1],
                             num_heads=[1, 1, 2, 2], window_size=4, out_features=["stage2", "stage3", "stage4"]),
        text_config=dict(model_type="bert", vocab_size=len(tok), hidden_size=32, num_hidden_layers=1,
                         num_attention_heads=2, intermediate_size=64, max_position_embeddings=64),
        num_queries=20, encoder_layers=1, decoder_layers=2, d_model=32, encoder_ffn_dim=64, decoder_ffn_dim=64,
        encoder_attention_heads=2, decoder_attention_heads=2, num_feature_levels=3, encoder_n_points=2,
        decoder_n_points=2, disable_custom_kernels=True, max_text_len=32)
    GroundingDinoForObjectDetection(cfg).save_pretrained(str(path))
    tok.save_pretrained(str(path))
    return Path(path)


def save_tiny_owlv2(path: str | Path, seed: int = 0) -> Path:
    """OWLv2 with one-layer text and vision towers of width 32, 64x64 input in 16-px patches; the
    WordPiece tokenizer is saved alongside (its [CLS]/[SEP] serve as CLIP's start/end tokens)."""
    import torch
    from transformers import Owlv2Config, Owlv2ForObjectDetection

    torch.manual_seed(seed)
    tok = bert_tokenizer(model_max_length=16)
    cfg = Owlv2Config(
        text_config=dict(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                         num_attention_heads=2, max_position_embeddings=16, pad_token_id=tok.pad_token_id,
                         bos_token_id=tok.cls_token_id, eos_token_id=tok.sep_token_id),
        vision_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
                           image_size=64, patch_size=16),
        projection_dim=32)
    Owlv2ForObjectDetection(cfg).save_pretrained(str(path))
    tok.save_pretrained(str(path))
    return Path(path)


def save_tiny_sam2_video(path: str | Path, seed: int = 0, image_size: int = 128) -> Path:
    """SAM2 video: Hiera stages of width 16..128 (the global-attention block second in its stage),
    hidden 128, memory encoder output 64, one memory-attention layer, three memory frames."""
    import torch
    from transformers import Sam2VideoConfig, Sam2VideoModel

    torch.manual_seed(seed)
    s, hid = int(image_size), 128
    cfg = Sam2VideoConfig(
        vision_config=dict(
            backbone_config=dict(model_type="sam2_hiera_det_model", image_size=[s, s], hidden_size=16,
                                 blocks_per_stage=[1, 1, 2, 1], embed_dim_per_stage=[16, 32, 64, 128],
                                 num_attention_heads_per_stage=[1, 1, 1, 1], window_size_per_stage=[4, 4, 4, 4],
                                 global_attention_blocks=[3], window_positional_embedding_background_size=[4, 4]),
            backbone_channel_list=[128, 64, 32, 16],
            backbone_feature_sizes=[[s // 4, s // 4], [s // 8, s // 8], [s // 16, s // 16]], fpn_hidden_size=hid),
        prompt_encoder_config=dict(hidden_size=hid, image_size=s, patch_size=16),
        mask_decoder_config=dict(hidden_size=hid, mlp_dim=128, num_attention_heads=2, iou_head_hidden_dim=64),
        image_size=s, num_maskmem=3, memory_attention_hidden_size=hid, memory_attention_num_layers=1,
        memory_attention_feed_forward_hidden_size=128, memory_attention_rope_feat_sizes=[s // 16, s // 16],
        memory_encoder_hidden_size=hid, memory_encoder_output_channels=64, mask_downsampler_embed_dim=hid,
        memory_fuser_embed_dim=hid, memory_fuser_intermediate_dim=256)
    model = Sam2VideoModel(cfg)
    # random weights would mostly score "no object" and output the constant no-object logit; a
    # positive object-score bias keeps the mask logits flowing so tests see real mask content
    with torch.no_grad():
        model.mask_decoder.pred_obj_score_head.proj_out.bias.fill_(10.0)
    model.save_pretrained(str(path))
    return Path(path)


TINY_BUILDERS: dict[str, Callable[..., Path]] = {
    "depth-pro": save_tiny_depth_pro,
    "depth-anything-metric": lambda p, seed=0: save_tiny_depth_anything(p, seed, "metric"),
    "depth-anything-relative": lambda p, seed=0: save_tiny_depth_anything(p, seed, "relative"),
    "grounding-dino": save_tiny_grounding_dino,
    "owlv2": save_tiny_owlv2,
    "sam2-video": save_tiny_sam2_video,
}
