"""Loaders of the public benchmarks on tiny fixtures in their published schemas."""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from spacevista.eval.backends import BackendConfig, create_backend
from spacevista.eval.benchmarks import BENCHMARKS, detect_format, load_benchmark, options_in_text
from spacevista.eval.benchmarks.spar.scorer import score_view_change
from spacevista.qa.metrics import mean_relative_accuracy
from spacevista.qa.prompts import build_prompt, prompt_text
from spacevista.eval.report import compute_metrics
from spacevista.eval.runner import RunOptions, run_items


def write_video(path: Path, n: int = 12, size: int = 32) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=4)
        s.width = s.height = size
        s.pix_fmt = "yuv420p"
        for i in range(n):
            arr = np.full((size, size, 3), (i * 20) % 256, dtype=np.uint8)
            for p in s.encode(av.VideoFrame.from_ndarray(arr, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)


def png_bytes(seed: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (16, 20, 3), dtype=np.uint8)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def vsibench(tmp_path: Path) -> Path:
    root = tmp_path / "vsi"
    write_video(root / "scannet" / "scene0001_00.mp4")
    write_video(root / "arkitscenes" / "41069025.mp4")
    rows = [
        dict(id=1, dataset="scannet", scene_name="scene0001_00", question_type="object_counting",
             question="How many chair(s) are in this room?", ground_truth="4", options=None),
        dict(id=2, dataset="scannet", scene_name="scene0001_00", question_type="object_rel_direction_easy",
             question="If I am standing by the sofa and facing the tv, is the lamp to my left or right?",
             ground_truth="B", options=["A. left", "B. right"]),
        dict(id=3, dataset="arkitscenes", scene_name="41069025", question_type="object_rel_direction_hard",
             question="... is the bed to my front-left, front-right, back-left, or back-right?",
             ground_truth="C", options=["A. front-left", "B. front-right", "C. back-left", "D. back-right"]),
        dict(id=4, dataset="arkitscenes", scene_name="41069025", question_type="object_size_estimation",
             question="What is the length of the longest dimension (length, width, or height) of the table, "
                      "measured in centimeters?", ground_truth="152", options=None),
        dict(id=5, dataset="arkitscenes", scene_name="41069025", question_type="room_size_estimation",
             question="What is the size of this room (in square meters)?", ground_truth="21.3", options=None),
    ]
    pq.write_table(pa.Table.from_pylist(rows), root / "test-00000-of-00001.parquet")
    return root


@pytest.fixture
def stibench(tmp_path: Path) -> Path:
    root = tmp_path / "sti"
    write_video(root / "videos" / "clip_001.mp4", n=20)
    rows = [dict(ID=f"sti-{i}", Video="videos/clip_001.mp4", Question=f"How far did the car travel? {i}",
                 Candidates={"A": "1.2 m", "B": "3.4 m", "C": "5.0 m", "D": "7.1 m", "E": "9.9 m"},
                 Answer="BCDEA"[i], Task=["Displacement & Path Length", "Speed & Acceleration"][i % 2],
                 time_start=1.0, time_end=4.5, Source="waymo") for i in range(5)]
    pq.write_table(pa.Table.from_pylist(rows), root / "STI_Bench.parquet")
    return root / "STI_Bench.parquet"


@pytest.fixture
def mmsi(tmp_path: Path) -> Path:
    root = tmp_path / "mmsi"
    root.mkdir()
    rows = [dict(id=i, images=[png_bytes(i), png_bytes(i + 10)], question_type="Motion (Cam.)",
                 question="How did the camera move between the two images?\n"
                          "Options: A: left, B: right, C: forward, D: backward",
                 answer="ABCD"[i], thought="", difficulty="easy") for i in range(4)]
    pq.write_table(pa.Table.from_pylist(rows), root / "MMSI_Bench.parquet")
    return root / "MMSI_Bench.parquet"


@pytest.fixture
def spar(tmp_path: Path) -> Path:
    root = tmp_path / "spar" / "data"
    root.mkdir(parents=True)
    img = [{"bytes": png_bytes(1), "path": "a.png"}]
    rows = [
        dict(id="s1", img_type="single-view", format_type="fill", task="depth_prediction_oc", source="scannet",
             image=img, question="What is the depth of the chair (in meters)?", answer="2.3"),
        dict(id="s2", img_type="multi-view", format_type="select", task="obj_spatial_relation_oo", source="scannet",
             image=img * 2, question="Which is closer to the door?\nA. the lamp\nB. the bed\nC. the desk",
             answer="B"),
        dict(id="s3", img_type="multi-view", format_type="fill", task="view_change_infer", source="scannet",
             image=img * 2, question="How did the camera move from image 1 to image 2?",
             answer="move_right:0.5,move_forward:1.2,rotate_left:30"),
    ]
    pq.write_table(pa.Table.from_pylist(rows), root / "test-00000-of-00001.parquet")
    return root


def _oracle(items, tmp: Path):
    return run_items(items, create_backend("oracle", BackendConfig()), tmp, RunOptions(concurrency=2, n_frames=4))


def test_vsibench(vsibench: Path, tmp_path: Path):
    assert detect_format(vsibench) == "vsibench"
    bench, items = load_benchmark(vsibench)
    assert [it.answer_type for it in items] == ["numerical", "mc", "mc", "numerical", "numerical"]
    assert items[0].video.endswith("scannet/scene0001_00.mp4") and items[3].unit == "cm"
    assert items[2].options == ["front-left", "front-right", "back-left", "back-right"]
    p = build_prompt(items[1], n_frames=4, max_side=16, mode="direct")
    assert len(p.images) == 4 and max(p.images[0].shape[:2]) <= 16
    assert p.text == ("These are frames of a video.\nIf I am standing by the sofa and facing the tv, is the lamp "
                      "to my left or right?\nA. left\nB. right\nAnswer with the option's letter from the given "
                      "choices directly.")
    assert prompt_text(items[0], "direct").endswith("\nPlease answer the question using a single word or phrase.")
    s = _oracle(items, tmp_path)
    assert all(r["score"] == 1.0 for r in s.rows)


def test_vsibench_task_mean_merges_direction_levels():
    rows = [dict(benchmark="vsibench", task=t, category="scannet", answer_type="mc", score=sc, parsed="A")
            for t, sc in [("object_rel_direction_easy", 1.0), ("object_rel_direction_easy", 1.0),
                          ("object_rel_direction_medium", 0.0), ("object_rel_direction_hard", 0.0),
                          ("route_planning", 1.0)]]
    m = compute_metrics(rows)
    assert m["per_task_group"]["object_rel_direction"]["score"] == pytest.approx(1 / 3)
    assert m["overall"]["task_mean"] == pytest.approx((1 / 3 + 1) / 2)
    assert m["overall"]["primary"] == "task_mean" and m["overall"]["score"] == m["overall"]["task_mean"]
    assert m["overall"]["item_mean"] == pytest.approx(3 / 5)


def test_stibench(stibench: Path, tmp_path: Path):
    assert detect_format(stibench) == "stibench"
    _, items = load_benchmark(stibench)
    assert items[0].question.startswith("From 1.0 seconds to 4.5 seconds. How far")
    assert items[0].options_block.splitlines()[1] == "B. 3.4 m" and items[0].n_options == 5
    assert len(build_prompt(items[0], n_frames=6).images) == 6
    s = _oracle(items, tmp_path)
    assert all(r["score"] == 1.0 for r in s.rows)


def test_mmsi(mmsi: Path, tmp_path: Path):
    assert detect_format(mmsi) == "mmsi"
    _, items = load_benchmark(mmsi)
    assert items[0].options == ["left", "right", "forward", "backward"]
    assert len(build_prompt(items[0]).images) == 2
    assert all(r["score"] == 1.0 for r in _oracle(items, tmp_path).rows)


def test_spar(spar: Path, tmp_path: Path):
    assert detect_format(spar) == "spar"
    _, items = load_benchmark(spar)
    assert [it.scorer for it in items] == ["mra_zero_abs", "default", "vci"]
    assert all(r["score"] == 1.0 for r in _oracle(items, tmp_path).rows)


def reference_vci(pred: str, answer: str) -> float:
    # SPAR-Bench's view-change metric as its evaluation code states it
    def parse(s):
        return {k: float(v) for k, v in [x.split(":") for x in s.split(",")]}

    def adn(p, t):
        return abs(p - t) if t == 0.0 else abs((p - t) / t)

    def mra(p, t):
        c = np.linspace(0.5, 0.95, int((0.95 - 0.5) / 0.05 + 2))
        return (adn(p, t) <= 1 - c).mean()

    pd_, gd = parse(pred), parse(answer)
    pairs = [("move_right", "move_left"), ("move_up", "move_down"), ("move_forward", "move_backward"),
             ("rotate_right", "rotate_left"), ("rotate_up", "rotate_down")]
    return float(np.mean([mra(pd_.get(a, 0) - pd_.get(b, 0), gd.get(a, 0) - gd.get(b, 0)) for a, b in pairs]))


@pytest.mark.parametrize("pred", ["move_right:0.5,move_forward:1.2,rotate_left:30",
                                  "move_right:0.6,move_forward:1.0,rotate_left:25",
                                  "move_left:0.5,move_up:0.2,rotate_left:30", "move_right:0.5"])
def test_view_change_matches_reference(pred: str):
    gt = "move_right:0.5,move_forward:1.2,rotate_left:30"
    assert score_view_change(f"<answer>{pred}</answer>", gt).score == pytest.approx(reference_vci(pred, gt), abs=1e-12)


def test_view_change_unparsable():
    s = score_view_change("I think it moved", "move_right:0.5")
    assert s.score == 0.0 and s.reason


def test_zero_rule_variants():
    assert mean_relative_accuracy(0.04, 0.0) == 0.0
    assert mean_relative_accuracy(0.04, 0.0, zero_absolute=True) == 1.0


def test_options_in_text():
    assert options_in_text("Q?\nA. x\nB. y y\n(C) z") == ["x", "y y", "z"]
    assert options_in_text("Options: A: left, B: right") == ["left", "right"]
    assert options_in_text("no options here") == []


def test_registry_lists_all():
    assert set(BENCHMARKS.names()) == {"spacevista", "engine", "vsibench", "stibench", "mmsi", "spar"}


def test_unknown_format(tmp_path: Path):
    (tmp_path / "x.txt").write_text("hello")
    with pytest.raises(ValueError, match="cannot tell"):
        detect_format(tmp_path / "x.txt")
