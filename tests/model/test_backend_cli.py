import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from spacevista.qa.types import Backend, Prompt


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    from spacevista.model.tiny import save_tiny

    return save_tiny(tmp_path_factory.mktemp("m") / "tiny", seed=1)


def _write_mp4(path, n=6):
    import av

    rng = np.random.default_rng(0)
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=4)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        for _ in range(n):
            frame = av.VideoFrame.from_ndarray(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8), format="rgb24")
            for pkt in s.encode(frame):
                out.mux(pkt)
        for pkt in s.encode():
            out.mux(pkt)


def test_backend_answers_prompts(tiny_dir, frames):
    from spacevista.model.backend import TransformersBackend

    be = TransformersBackend(tiny_dir, max_new_tokens=5)
    assert isinstance(be, Backend) and be.kind == "spacevista"
    out = be.answer([Prompt(id="a", text="How far?", images=frames[:2]), Prompt(id="b", text="Count.", images=frames)])
    assert len(out) == 2 and all(isinstance(o, str) for o in out)
    assert be.answer([Prompt(id="a", text="How far?", images=frames[:2])]) == out[:1]  # greedy: repeatable


def test_backend_loads_plain_qwen_folder(tmp_path, tok, frames):
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration

    from model_helpers import make_model
    from spacevista.model.backend import TransformersBackend

    cfg = make_model(tok, use_dense=False, num_experts=0).config.to_dict()
    q = Qwen2_5_VLForConditionalGeneration(Qwen2_5_VLConfig(
        text_config=cfg["text_config"], vision_config=cfg["vision_config"], video_token_id=cfg["video_token_id"],
        image_token_id=cfg["image_token_id"], vision_start_token_id=cfg["vision_start_token_id"],
        vision_end_token_id=cfg["vision_end_token_id"]))
    q.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    be = TransformersBackend(tmp_path, max_new_tokens=3)
    assert be.kind == "qwen2_5_vl"
    assert len(be.answer([Prompt(id="x", text="Where?", images=frames)])) == 1


def test_backend_rejects_unknown_folder(tmp_path):
    from spacevista.model.backend import TransformersBackend

    (tmp_path / "config.json").write_text('{"model_type": "llama"}')
    with pytest.raises(ValueError, match="model_type"):
        TransformersBackend(tmp_path)


def test_ask_on_mp4_and_image_folder(tiny_dir, tmp_path):
    from spacevista.cli.ask import ask
    from spacevista.model.video import read_frames

    mp4 = tmp_path / "v.mp4"
    _write_mp4(mp4)
    assert len(read_frames(mp4, 4)) == 4
    res = CliRunner().invoke(ask, ["--model", str(tiny_dir), "--frames", "4", "--max-new-tokens", "4", str(mp4),
                                   "How far is the cup?"])
    assert res.exit_code == 0, res.output
    folder = tmp_path / "imgs"
    folder.mkdir()
    for i in range(3):
        Image.fromarray(np.full((40, 50, 3), 40 * i, np.uint8)).save(folder / f"{i:03d}.png")
    res = CliRunner().invoke(ask, ["--model", str(tiny_dir), "--max-new-tokens", "3", str(folder), "Count."])
    assert res.exit_code == 0, res.output
    empty = tmp_path / "empty"
    empty.mkdir()
    res = CliRunner().invoke(ask, ["--model", str(tiny_dir), str(empty), "Count."])
    assert res.exit_code != 0 and "no images" in res.output


def test_eval_registry_builds_our_backend(tiny_dir, frames):
    from spacevista.eval.backends import BACKENDS, BackendConfig

    be = BACKENDS.get("transformers")(BackendConfig(model=str(tiny_dir), max_new_tokens=3))
    assert len(be.answer([Prompt(id="q", text="How many?", images=frames)])) == 1
