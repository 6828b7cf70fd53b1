"""End to end on local files: bench JSON round trip, oracle = 1.0, chance near 1/options."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from spacevista.eval.backends import BackendConfig, create_backend
from spacevista.eval.benchmarks import detect_format, load_benchmark
from spacevista.cli.eval import eval_cmd, leaderboard, score
from spacevista.qa.prompts import build_prompt, prompt_text
from spacevista.eval.runner import RunOptions, run_items
from spacevista.io.bench import read_bench_json, write_bench_json
from spacevista.io.jsonl import read_jsonl

from evalfixtures import make_records


def test_write_read_bench_json(engine_set: Path, tmp_path: Path):
    recs = list(read_jsonl(engine_set / "qa.jsonl"))
    out = tmp_path / "bench" / "bench.json"
    assert write_bench_json(recs, out, engine_set) == len(recs)
    entries = read_bench_json(out)
    e = entries[0]
    assert set(e) >= {"id", "question", "answer", "videos", "input_type", "annotations", "metadata"}
    assert isinstance(e["videos"], list) and isinstance(e["videos"][0], list)
    assert all((out.parent / p).is_file() for p in e["videos"][0])
    assert e["metadata"]["category"] in {"Indoor", "Outdoor", "Tabletop", "TinyTabletop"}
    assert {x["metadata"]["scale"] for x in entries} <= {"mm", "cm", "m", "<km"}
    drone = [x for x, r in zip(entries, recs) if r.scale == "drone"]
    assert drone and all(x["metadata"]["category"] == "Outdoor" for x in drone)
    mc = [x for x in entries if x["answer"] in "ABCDE"]
    assert "A. object a" in mc[0]["question"]
    masks = [x for x in entries if x["input_type"] == "image_mask_text"]
    assert (out.parent / masks[0]["annotations"]["masks"][0]["mask_path"]).is_file()
    assert detect_format(out) == "spacevista"
    # same records -> same bytes
    out2 = tmp_path / "bench" / "bench2.json"
    write_bench_json(recs, out2, engine_set)
    assert out.read_bytes() == out2.read_bytes()


def test_read_bench_json_errors(tmp_path: Path):
    p = tmp_path / "bad.json"
    p.write_text(json.dumps([{"id": "x", "question": "q"}]))
    with pytest.raises(ValueError, match="bad.json.*lacks"):
        read_bench_json(p)


@pytest.mark.parametrize("as_json", [False, True])
def test_oracle_scores_one(engine_set: Path, tmp_path: Path, as_json: bool):
    path = engine_set
    if as_json:
        path = tmp_path / "b" / "bench.json"
        write_bench_json(read_jsonl(engine_set / "qa.jsonl"), path, engine_set)
    bench, items = load_benchmark(path)
    assert bench.name == ("spacevista" if as_json else "engine")
    summary = run_items(items, create_backend("oracle", BackendConfig()), tmp_path / f"out{as_json}",
                        RunOptions(n_frames=3, max_side=16, concurrency=2))
    assert len(summary.rows) == len(items) == 30
    assert all(r["score"] == 1.0 and r["reason"] is None for r in summary.rows)
    assert {r["answer_type"] for r in summary.rows} == {"mc", "numerical", "text"}


def test_chance_near_one_over_options(tmp_path: Path):
    root = tmp_path / "big"
    recs = [r for r in make_records(root, n=600, seed=1) if r.answer_type == "mc"]
    from spacevista.io.jsonl import write_jsonl
    write_jsonl(recs, root / "qa.jsonl")
    _, items = load_benchmark(root)
    summary = run_items(items, create_backend("chance", BackendConfig(seed=3)), tmp_path / "o",
                        RunOptions(concurrency=1, with_images=False))
    expected = np.mean([1 / len(r.options) for r in recs])
    got = np.mean([r["score"] for r in summary.rows])
    assert abs(got - expected) < 3 * np.sqrt(expected * (1 - expected) / len(recs))
    # seeded per item: a second run gives the same answers
    again = run_items(items, create_backend("chance", BackendConfig(seed=3)), tmp_path / "o2",
                      RunOptions(concurrency=4, with_images=False))
    assert [r["prediction"] for r in again.rows] == [r["prediction"] for r in summary.rows]


def test_prior_uses_training_set(engine_set: Path, tmp_path: Path):
    _, items = load_benchmark(engine_set)
    b = create_backend("prior", BackendConfig(train=str(engine_set)))
    b.prepare(items)
    num = [it for it in items if it.answer_type == "numerical"]
    pred = b.answer([build_prompt(num[0], with_images=False)])[0]
    expected = np.mean([float(it.answer) for it in num if it.id != num[0].id])
    assert float(pred.removeprefix("<answer>").removesuffix("</answer>")) == pytest.approx(expected)


def test_prompt_draws_visual_prompts(engine_set: Path):
    _, items = load_benchmark(engine_set)
    pt = next(it for it in items if it.input_type == "image_point_text")
    p = build_prompt(pt, n_frames=2, max_side=0)
    # the annotated frame (index 1) is included even though uniform sampling of 2 gives 0 and 3
    assert len(p.images) == 2
    red = (p.images[0][..., 0] == 255) & (p.images[0][..., 1] == 0) & (p.images[0][..., 2] == 0)
    assert red.sum() > 20
    assert "<answer>" in p.text and "Options" not in p.text
    mc = next(it for it in items if it.answer_type == "mc")
    direct = prompt_text(mc, "direct")
    assert direct.startswith("These are frames of a video.\n")
    assert direct.endswith("Answer with the option's letter from the given choices directly.")
    assert "A. object a" in direct


def test_cli_eval_score_leaderboard(engine_set: Path, tmp_path: Path):
    runner = CliRunner()
    out = tmp_path / "run_oracle"
    r = runner.invoke(eval_cmd, ["--bench", str(engine_set), "--backend", "oracle", "--out", str(out),
                                 "--no-progress", "--table", "markdown", "--frames", "2"])
    assert r.exit_code == 0, r.output
    rows = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert len(rows) == 30 and set(rows[0]) >= {"id", "prediction", "parsed", "score", "reason", "task",
                                                "category", "answer_type"}
    m = json.loads((out / "metrics.json").read_text())
    assert m["overall"]["item_mean"] == 1.0 and set(m) >= {"per_category", "per_task", "per_answer_type"}
    out2 = tmp_path / "run_chance"
    r = runner.invoke(eval_cmd, ["--bench", str(engine_set), "--backend", "chance", "--out", str(out2),
                                 "--no-progress", "--table", "json"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(score, [str(out2 / "results.jsonl"), "--table", "csv"])
    assert r.exit_code == 0 and r.output.startswith("category,task,answer_type,count,score")
    png = tmp_path / "radar.png"
    r = runner.invoke(leaderboard, [str(out), str(out2), "--table", "markdown", "--radar", str(png),
                                    "--radar-by", "category"])
    assert r.exit_code == 0, r.output
    assert r.output.index("run_oracle") < r.output.index("run_chance")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # without --resume an existing run is not overwritten
    r = runner.invoke(eval_cmd, ["--bench", str(engine_set), "--backend", "oracle", "--out", str(out), "--no-progress"])
    assert r.exit_code != 0 and "--resume" in r.output


def test_official_entry_without_extra_metadata(tmp_path: Path):
    """An entry as the official file has it (no unit/task/options keys): types, units, prompts."""
    from PIL import Image

    (tmp_path / "f").mkdir()
    for i in range(3):
        Image.new("RGB", (40, 30), (i * 50, 0, 0)).save(tmp_path / "f" / f"{i}.jpg")
    frames = [f"f/{i}.jpg" for i in range(3)]
    entries = [
        {"id": "o1", "question": "How long is the cup, in centimeters?", "answer": "8.5", "videos": [frames],
         "input_type": "image_bbox_text", "annotations": {"bboxes": [{"coords": [5, 5, 20, 20], "image_index": 2}]},
         "metadata": {"category": "Indoor", "scale": "m", "original_type": "OBJECT_SIZE"}},
        {"id": "o2", "question": "Which is closer?\nA. cup\nB. plate\nC. fork", "answer": "C", "videos": [frames],
         "input_type": "image_text", "annotations": {}, "metadata": {"category": "Tabletop", "scale": "cm",
                                                                      "original_type": "RELATIVE_DISTANCE"}},
        {"id": "o3", "question": "How many mugs?", "answer": "3", "videos": [frames], "input_type": "image_text",
         "annotations": {}, "metadata": {"category": "Tabletop", "scale": "cm", "original_type": "OBJECT_COUNTING"}},
        {"id": "o4", "question": "What supports the cup?", "answer": "the table", "videos": [frames],
         "input_type": "image_text", "annotations": {}, "metadata": {"category": "Indoor", "scale": "m",
                                                                     "original_type": "SPATIAL_RELATION"}},
    ]
    p = tmp_path / "bench_all_clean.json"
    p.write_text(json.dumps(entries))
    bench, items = load_benchmark(p)
    assert bench.name == "spacevista"
    assert [it.answer_type for it in items] == ["numerical", "mc", "numerical", "text"]
    assert items[0].unit == "cm" and items[2].unit == ""
    assert items[1].options == ["cup", "plate", "fork"] and items[1].n_options == 3
    assert items[0].task == "OBJECT_SIZE" and items[0].category == "Indoor"
    prompt = build_prompt(items[0], n_frames=2, max_side=0)
    assert len(prompt.images) == 2  # frames 0 and 2: the box frame is kept
    from spacevista.eval.scoring import score_item
    assert score_item(items[0], "<answer>0.085 m</answer>", "robust").score == 1.0
    assert score_item(items[1], "<answer>(c)</answer>", "robust").score == 1.0
    assert score_item(items[3], "<answer>The table.</answer>", "robust").score == 1.0
    # the official reader converts no unit, reads no bracketed letter and keeps punctuation
    assert score_item(items[0], "<answer>0.085 m</answer>", "official").score == 0.0
    assert score_item(items[1], "<answer>(c)</answer>", "official").score == 0.0
    assert score_item(items[3], "<answer>The table.</answer>", "official").score == 0.0
    assert score_item(items[3], "<answer>the TABLE</answer>", "official").score == 1.0
