"""Local-backend registration, baseline fallbacks, report formats."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from spacevista.errors import ConfigError
from spacevista.eval.backends import BACKENDS, BackendConfig, create_backend
from spacevista.qa.items import EvalItem
from spacevista.qa.prompts import build_prompt
from spacevista.eval.report import compute_metrics, long_table, render, to_csv
from spacevista.qa.types import Backend


def test_registry_names():
    assert set(BACKENDS.names()) >= {"openai", "oracle", "chance", "prior", "transformers", "vllm"}


def test_transformers_backend_missing_gives_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "spacevista.model.backend", None)  # import fails
    with pytest.raises(ConfigError, match="TransformersBackend"):
        create_backend("transformers", BackendConfig(model="/nowhere"))


def test_transformers_backend_is_called_lazily(monkeypatch):
    import types

    made = {}

    class Fake:
        name = "fake"

        def __init__(self, model_path, device="cpu", dtype="float32", max_new_tokens=1024):
            made.update(model_path=model_path, device=device, dtype=dtype, max_new_tokens=max_new_tokens)

        def answer(self, prompts):
            return ["<answer>A</answer>"] * len(prompts)

    monkeypatch.setitem(sys.modules, "spacevista.model.backend", types.SimpleNamespace(TransformersBackend=Fake))
    b = create_backend("transformers", BackendConfig(model="/m", max_new_tokens=7))
    assert isinstance(b, Backend) and made == {"model_path": "/m", "device": "cpu", "dtype": "float32", "max_new_tokens": 7}


def test_vllm_missing_gives_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "vllm", None)
    with pytest.raises(ConfigError, match="vllm"):
        create_backend("vllm", BackendConfig(model="/m"))


def _num(i: int, task: str = "dist", answer: str = "2.0") -> EvalItem:
    return EvalItem(id=f"n{i}", benchmark="engine", question="q", answer=answer, answer_type="numerical", task=task)


def test_chance_numerical_draws_from_training_answers():
    train = [_num(100 + i, answer=str(v)) for i, v in enumerate([5.0, 7.0])]
    b = create_backend("chance", BackendConfig(seed=1))
    b.train = train
    items = [_num(i) for i in range(20)]
    b.prepare(items)
    outs = {b.answer([build_prompt(it, with_images=False)])[0] for it in items}
    assert outs <= {"<answer>5.0</answer>", "<answer>7.0</answer>"} and len(outs) == 2
    lone = create_backend("chance", BackendConfig())
    lone.prepare([_num(0, task="only")])
    assert lone.answer([build_prompt(_num(0, task="only"), with_images=False)]) == ["<answer>1.0</answer>"]


def test_prior_mc_picks_most_frequent_option_text():
    def mc(i, opts, ans):
        return EvalItem(id=f"m{i}", benchmark="engine", question="q", answer=ans, answer_type="mc", task="rel",
                        options=opts, n_options=len(opts))
    train = [mc(1, ["left", "right"], "B"), mc(2, ["right", "left"], "A"), mc(3, ["left", "right"], "A")]
    b = create_backend("prior", BackendConfig())
    b.train = train
    test = mc(9, ["up", "left", "right"], "A")
    b.prepare([test])
    assert b.answer([build_prompt(test, with_images=False)]) == ["<answer>C</answer>"]


ROWS = [dict(id=f"r{i}", benchmark="spacevista", category=c, task=t, answer_type=a, score=s, parsed=p)
        for i, (c, t, a, s, p) in enumerate([
            ("Indoor", "counting", "numerical", 0.5, 3.0), ("Indoor", "relation", "mc", 1.0, "A"),
            ("Outdoor", "counting", "numerical", 0.0, None), ("Tabletop", "relation", "mc", 0.0, "B")])]


def test_metrics_tables():
    m = compute_metrics(ROWS)
    assert m["overall"]["item_mean"] == pytest.approx(1.5 / 4)
    assert m["overall"]["task_mean"] == pytest.approx((0.25 + 0.5) / 2)
    assert m["per_category"]["Indoor"] == {"score": 0.75, "count": 2}
    assert m["per_category_task"]["Outdoor"]["counting"]["count"] == 1
    assert m["parse_failures"] == 1
    md = render(m, "markdown")
    assert "| task | Indoor | Outdoor | Tabletop | ALL |" in md and "37.50" in md
    csv_text = to_csv(m)
    assert csv_text.splitlines()[0] == "category,task,answer_type,count,score"
    assert len(csv_text.splitlines()) == 1 + len(long_table(m))
    assert json.loads(render(m, "json"))["count"] == 4
    with pytest.raises(ValueError):
        render(m, "html")


def test_radar_needs_three_axes(tmp_path: Path):
    from spacevista.eval.report import radar_chart

    m = compute_metrics(ROWS)
    with pytest.raises(ValueError, match="at least 3"):
        radar_chart([("a", m)], tmp_path / "r.png", by="task")
    p = radar_chart([("a", m), ("b", m)], tmp_path / "r.png", by="category")
    assert p.stat().st_size > 1000


def test_transformers_backend_end_to_end(engine_set: Path, tmp_path: Path):
    """The CLI drives the model package's tiny random model through the transformers backend."""
    pytest.importorskip("torch")
    tiny = pytest.importorskip("spacevista.model.tiny")
    from click.testing import CliRunner

    from spacevista.cli.eval import eval_cmd

    model_dir = tiny.save_tiny(tmp_path / "tiny")
    out = tmp_path / "run"
    r = CliRunner().invoke(eval_cmd, ["--bench", str(engine_set), "--backend", "transformers", "--model",
                                      str(model_dir), "--out", str(out), "--limit", "3", "--frames", "2",
                                      "--max-side", "56", "--max-new-tokens", "4", "--no-progress",
                                      "--table", "json"])
    assert r.exit_code == 0, r.output
    rows = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert len(rows) == 3 and all(isinstance(x["prediction"], str) for x in rows)
    assert all((x["parsed"] is None) == (x["reason"] is not None) for x in rows)
