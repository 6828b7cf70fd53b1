"""Official-layout SpaceVista-Bench files: every mask, point, box and path variant the official
evaluator reads loads, draws and scores as its rules say (fixtures in ``officialfixtures``)."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from officialfixtures import MASKS, expected_mask, write_official_bench
from spacevista.eval.backends import BackendConfig, create_backend
from spacevista.eval.benchmarks import load_benchmark
from spacevista.eval.runner import RunOptions, run_items
from spacevista.qa.marks import COLORS_RGB, draw_marks, prompt_marks
from spacevista.qa.masks import label_map, load_mask, select_mask

RED, BLUE, GREEN = COLORS_RGB["red"], COLORS_RGB["blue"], COLORS_RGB["green"]


@pytest.fixture
def official(tmp_path: Path) -> dict:
    _, items = load_benchmark(write_official_bench(tmp_path / "b"))
    return {it.id: it for it in items}


def drawn(item, frame: int) -> tuple[np.ndarray, np.ndarray]:
    """The frame as loaded and with its marks drawn."""
    img = Image.open(item.frames[frame]).convert("RGB")
    marks = [m for m in prompt_marks(item.input_type, item.annotations, item.frames, Path(".")) if m["frame"] == frame]
    return np.asarray(img), np.asarray(draw_marks(img, marks))


@pytest.mark.parametrize("eid", list(MASKS))
def test_mask_variants_draw_the_selected_objects(official: dict, eid: str):
    raw, out = drawn(official[eid], 2)
    want = expected_mask(eid)
    if want is None:
        assert np.array_equal(raw, out)
        return
    assert (out[want] == RED).all()                  # opaque fill, as the official overlay gives
    assert np.array_equal(out[~want], raw[~want])


def test_points(official: dict):
    raw, out = drawn(official["p_yx"], 1)
    assert tuple(out[10, 30]) == RED and tuple(out[10, 30 + 8]) == RED and tuple(out[10, 30 - 9]) != RED
    raw, out = drawn(official["p_nested"], 3)        # [[y, x]] and a named colour
    assert tuple(out[20, 5]) == BLUE
    raw, out = drawn(official["p_outside"], 1)       # x beyond the frame: not drawn
    assert np.array_equal(raw, out)


def test_boxes(official: dict):
    raw, ref = drawn(official["b_list"], 0)
    assert tuple(ref[12, 5]) == RED and tuple(ref[4, 15]) == RED and np.array_equal(ref[12, 15], raw[12, 15])
    assert np.array_equal(drawn(official["b_reversed"], 0)[1], ref)   # corners swapped
    _, xyxy = drawn(official["b_xyxy"], 1)
    _, xywh = drawn(official["b_xywh"], 1)
    assert tuple(xyxy[12, 5]) == GREEN
    assert np.array_equal((xywh == RED).all(-1), (xyxy == GREEN).all(-1))  # same outline, {x, y, w, h}
    _, clipped = drawn(official["b_clipped"], 2)
    assert tuple(clipped[10, 0]) == RED and tuple(clipped[10, 39]) == RED and tuple(clipped[29, 20]) == RED
    raw, out = drawn(official["b_left_edge"], 2)     # clipped onto the left edge: not drawn
    assert np.array_equal(raw, out)


def test_dual_bbox_finds_its_frames(official: dict):
    it = official["b_dual"]
    marks = prompt_marks(it.input_type, it.annotations, it.frames, Path("."))
    assert [(m["frame"], m["color"]) for m in marks] == [(1, RED), (3, BLUE), (3, GREEN)]
    _, out = drawn(it, 3)
    assert tuple(out[17, 20]) == BLUE and tuple(out[20, 1]) == GREEN


def test_inline_options_and_scores(official: dict, tmp_path: Path):
    it = official["o_inline"]
    assert it.options == ["1 m", "2 m", "3 m", "4 m"] and it.n_options == 4
    rows = run_items(list(official.values()), create_backend("oracle", BackendConfig()), tmp_path / "run",
                     RunOptions(n_frames=4, max_side=0, concurrency=2, mode="official"))
    assert all(r["scores"] == {"official": 1.0, "robust": 1.0} for r in rows.rows)


def test_paths_from_the_working_directory_and_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    root = tmp_path / "data"
    src = write_official_bench(root)
    moved = tmp_path / "json" / "bench.json"        # paths in it are relative to data/, not to json/
    moved.parent.mkdir()
    shutil.copy(src, moved)
    monkeypatch.chdir(root)                          # where the official evaluator resolves them
    _, items = load_benchmark(moved)
    it = {i.id: i for i in items}["m_label"]
    assert Path(it.frames[0]).is_file() and Path(it.annotations["masks"][0]["mask_path"]).is_file()
    raw, out = drawn(it, 2)
    assert (out[expected_mask("m_label")] == RED).all()
    # absolute frame paths with a relative image_path: the same frame is found
    _, items = load_benchmark(write_official_bench(tmp_path / "abs", absolute_frames=True))
    it = {i.id: i for i in items}["m_hwk_int"]
    assert prompt_marks(it.input_type, it.annotations, it.frames, Path("."))[0]["frame"] == 2


def test_pickles_hold_arrays_only(tmp_path: Path):
    bad = tmp_path / "evil.pkl"
    bad.write_bytes(pickle.dumps(Path("x")))          # any global other than numpy's array rebuilders
    with pytest.raises(ValueError, match="numpy arrays only"):
        load_mask(bad, None)
    good = tmp_path / "ok.pkl"
    good.write_bytes(pickle.dumps(np.eye(3, dtype=np.int64)))
    assert load_mask(good, [1]).sum() == 3


@pytest.mark.parametrize("ids", [[11], [0], [0, 4], [], None, [300]])
def test_label_map_reads_back_as_the_mask(ids):
    mask = np.zeros((6, 8), dtype=bool)
    mask[1:4, 2:6] = True
    lab = label_map(mask, ids)
    assert np.array_equal(select_mask(lab, ids), mask)


def test_black_and_white_png_is_the_mask(tmp_path: Path):
    mask = np.zeros((6, 8), dtype=np.uint8)
    mask[1:3, 1:5] = 255
    p = tmp_path / "m.png"
    Image.fromarray(mask).save(p)
    assert np.array_equal(load_mask(p, [7]), mask > 0)
    json.dumps(MASKS["m_label"][2])  # ids stay JSON-serialisable in the fixture


def test_official_mode_samples_and_resizes_as_the_official_script(tmp_path: Path):
    from spacevista.qa.frames import uniform_indices
    from spacevista.qa.prompts import build_prompt

    root = tmp_path / "many"
    (root / "f").mkdir(parents=True)
    for i in range(20):
        Image.new("RGB", (45, 30), (i * 10, 0, 0)).save(root / "f" / f"{i:02d}.png")
    frames = [f"f/{i:02d}.png" for i in range(20)]
    sampled = uniform_indices(20, 4)                   # [0, 6, 12, 19]
    entry = {"id": "x", "question": "How far is the point in frame 5?", "answer": "2", "videos": [frames],
             "input_type": "image_point_text", "annotations": {"points": [{"coords": [10, 10], "image_index": 4}]},
             "metadata": {"category": "Indoor", "scale": "m", "original_type": "OBJECT_DISTANCE"}}
    (root / "bench.json").write_text(json.dumps([entry]))
    _, (it,) = load_benchmark(root / "bench.json")
    ours = build_prompt(it, n_frames=4, max_side=30, mode="think")
    official = build_prompt(it, n_frames=4, max_side=30, mode="official")
    # ours keeps the marked frame and renumbers the text; the official script samples evenly and
    # draws the point on the nearest sampled frame (6), text unchanged
    assert "frame 2" in ours.text and "frame 5" in official.text
    nearest = sampled.index(6)
    assert tuple(official.images[nearest][6, 6]) == RED
    assert official.images[0].shape == (20, 30, 3)    # 45x30 -> 30 x int(30 * 30 / 45) = 30 x 20
