import math

import numpy as np
import pytest
import torch

from spacevista.model import processing as P


def test_patchifier_matches_qwen_image_processor():
    from transformers import Qwen2VLImageProcessorPil

    rng = np.random.default_rng(3)
    img = rng.integers(0, 256, (97, 131, 3), dtype=np.uint8)
    proc = Qwen2VLImageProcessorPil(min_pixels=56 * 56, max_pixels=28 * 28 * 30)
    ref = proc(images=[img], return_tensors="np")
    rows, grid = P.patchify_video([img, img], min_pixels=56 * 56, max_pixels=28 * 28 * 30)
    assert list(grid) == ref["image_grid_thw"][0].tolist()
    assert rows.shape == ref["pixel_values"].shape
    np.testing.assert_allclose(rows, ref["pixel_values"], rtol=0, atol=1e-6)


def test_odd_frame_count_repeats_last_frame():
    rng = np.random.default_rng(4)
    fr = [rng.integers(0, 256, (56, 56, 3), dtype=np.uint8) for _ in range(3)]
    rows3, g3 = P.patchify_video(fr)
    rows4, g4 = P.patchify_video(fr + [fr[-1]])
    assert g3 == g4 == (2, 4, 4)
    np.testing.assert_array_equal(rows3, rows4)


@pytest.mark.parametrize("seed", range(5))
def test_smart_resize_rules(seed):
    rng = np.random.default_rng(seed)
    for _ in range(200):
        h, w = (int(v) for v in rng.integers(20, 3000, 2))
        if max(h, w) / min(h, w) > 20:
            continue
        lo = int(rng.integers(1, 20)) * 28 * 28
        hi = lo + int(rng.integers(0, 400)) * 28 * 28
        rh, rw = P.smart_resize(h, w, 28, lo, hi)
        assert rh % 28 == 0 and rw % 28 == 0 and rh >= 28 and rw >= 28
        assert rh * rw <= max(hi, 28 * 28 * math.ceil(lo / (28 * 28)) * 4)
        if rh * rw > hi:  # only possible when the min-pixels branch rounded up
            assert rh * rw >= lo
        if min(rh, rw) > 28:  # away from the floor of one factor, the aspect ratio is kept
            assert abs(math.log((rh / rw) / (h / w))) < math.log((min(rh, rw) + 28) / min(rh, rw)) + 1e-9
    with pytest.raises(ValueError, match="aspect ratio"):
        P.smart_resize(10, 2100)


def test_build_inputs_tokens_and_types(tok, frames):
    inp = P.build_inputs(tok, frames, "Which is closer?", max_pixels=56 * 84)
    t, h, w = inp["video_grid_thw"][0].tolist()
    vid = tok.convert_tokens_to_ids("<|video_pad|>")
    n = int((inp["input_ids"] == vid).sum())
    assert n == t * h * w // 4
    assert torch.equal(inp["mm_token_type_ids"], (inp["input_ids"] == vid).long() * 2)
    assert inp["pixel_values_videos"].shape == (t * h * w, 3 * 2 * 14 * 14)
    assert inp["dense_pixel_values"].shape == (2 * t, 3, h * 16, w * 16)
    ids = inp["input_ids"][0].tolist()
    start = tok.convert_tokens_to_ids("<|vision_start|>")
    end = tok.convert_tokens_to_ids("<|vision_end|>")
    assert ids[ids.index(start) + n + 1] == end
    text = tok.decode(ids)
    assert text.startswith("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n")
    assert text.endswith("Which is closer?<|im_end|>\n<|im_start|>assistant\n")


def test_bad_frames_are_rejected(tok):
    with pytest.raises(ValueError, match="frame 1"):
        P.patchify_video([np.zeros((56, 56, 3), np.uint8), np.zeros((56, 56, 3), np.float32)])
    with pytest.raises(ValueError, match="first frame"):
        P.patchify_video([np.zeros((56, 56, 3), np.uint8), np.zeros((60, 56, 3), np.uint8)])


def test_real_qwen_tokenizer_offline():
    tok = P.qwen_tokenizer()
    assert tok("Hello world")["input_ids"] == [9707, 1879]
    assert tok.convert_tokens_to_ids("<|video_pad|>") == 151656
    assert tok.convert_tokens_to_ids("<|endoftext|>") == 151643
    assert tok.convert_tokens_to_ids("<|im_end|>") == 151645
    assert tok.eos_token == "<|im_end|>"
    ids = tok(P.chat_prompt("hi"))["input_ids"]
    assert ids[0] == 151644 and 151656 in ids


def test_build_inputs_with_answer_masks_the_prompt(tok, frames):
    inp = P.build_inputs(tok, frames, "How far?", max_pixels=56 * 84, answer="<answer>1.5</answer>")
    labels = inp["labels"][0]
    keep = labels != -100
    assert keep.sum() > 0 and not keep[: -int(keep.sum())].any()
    assert tok.decode(inp["input_ids"][0][keep]) == "<answer>1.5</answer><|im_end|>\n"
    batch = P.collate([inp, P.build_inputs(tok, frames[:1], "Hi?", max_pixels=56 * 84, answer="x")], tok.pad_token_id)
    assert batch["labels"].shape == batch["input_ids"].shape and batch["video_grid_thw"].shape == (2, 3)


def test_scale_labels_map_to_experts():
    from spacevista.model.experts import scale_ids

    assert scale_ids(["tiny", "Tabletop", "indoor", "outdoor", "drone"]).tolist() == [0, 1, 2, 3, 3]


def test_fps_sets_temporal_spacing(tok, frames):
    from model_helpers import make_model

    a = P.build_inputs(tok, frames, "How far?", max_pixels=56 * 84)
    b = P.build_inputs(tok, frames, "How far?", max_pixels=56 * 84, fps=2.0)
    c = P.build_inputs(tok, frames, "How far?", max_pixels=56 * 84, fps=0.5)
    assert b["second_per_grid_ts"].tolist() == [1.0]
    model = make_model(tok, seed=1)
    with torch.no_grad():
        la, lb, lc = (model(**x).logits for x in (a, b, c))
    assert torch.allclose(la, lb, atol=1e-6)
    assert not torch.allclose(la, lc, atol=1e-4)
