"""``spacevista stats``: tables, plots, one self-contained HTML page, and the numbers behind them."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from PIL import Image

from spacevista.engine.stats.tables import compute_stats, letter_balance, to_base_unit
from spacevista.io.jsonl import read_jsonl
from spacevista.records import QARecord

PLOTS = ("task_scale.png", "answer_types.png", "numeric.png", "letters.png", "categories.png")


def test_cli_writes_tables_plots_and_page(reference_build, tmp_path):
    from spacevista.cli import main

    out = tmp_path / "st"
    res = CliRunner().invoke(main, ["stats", str(reference_build), "--out", str(out), "--sample", "5"])
    assert res.exit_code == 0, res.output
    assert "QA items per task and scale" in res.output and "Correct-letter balance" in res.output
    for name in PLOTS:
        with Image.open(out / name) as im:
            assert im.format == "PNG" and im.width > 300 and im.height > 200
    page = (out / "stats.html").read_text()
    assert len(re.findall(r'src="data:image/png;base64,', page)) == len(PLOTS)
    assert not re.search(r'(src|href)="(?!data:)', page)  # nothing outside the page
    records = list(read_jsonl(reference_build / "qa.jsonl"))
    st = json.loads((out / "stats.json").read_text())
    assert sum(sum(by.values()) for by in st["task_scale"].values()) == len(records)
    n_mc = sum(1 for r in records if r.answer_type == "mc")
    assert sum(sum(c.values()) for c in st["letters"].values()) == n_mc
    assert len(list(read_jsonl(out / "sample.jsonl"))) == 5


def test_missing_dataset_is_a_clear_error(tmp_path):
    from spacevista.cli import main

    res = CliRunner().invoke(main, ["stats", str(tmp_path)])
    assert res.exit_code != 0 and "no qa.jsonl" in res.output


@pytest.mark.parametrize("value,unit,expected", [(25, "cm", (0.25, "m")), (2, "km", (2000.0, "m")),
                                                 (3, "m2", (3.0, "m2")), (10000, "cm2", (1.0, "m2")),
                                                 (45, "deg", (45, "deg")), (3, "", (3, "count"))])
def test_units_to_base(value, unit, expected):
    v, u = to_base_unit(value, unit)
    assert u == expected[1] and v == pytest.approx(expected[0])


def test_letter_balance_counts_every_letter():
    def mc(i, ans, n):
        return QARecord(id=f"r{i}", scene_id="s", source="t", scale="indoor", category="Indoor", task="t",
                        answer_type="mc", question="q", answer=ans, options=[str(k) for k in range(n)],
                        anchors={"semantics": ["chair"]})
    recs = [mc(0, "A", 4), mc(1, "A", 4), mc(2, "C", 4), mc(3, "B", 2)]
    assert letter_balance(recs) == {"2": {"A": 0, "B": 1}, "4": {"A": 2, "B": 0, "C": 1, "D": 0}}
    assert compute_stats(recs)["categories"] == {"indoor": [["chair", 4]]}
