"""The figures README.md and docs/ quote sit between markers that ``scripts/docs_figures.py``
rewrites from the commands that print them (``make docs-figures``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_script():
    spec = importlib.util.spec_from_file_location("docs_figures", ROOT / "scripts" / "docs_figures.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_markers_are_closed_known_and_every_figure_is_placed():
    fig = load_script()
    assert fig.check(fig.pages()) == []
    text = "\n".join(p.read_text(encoding="utf-8") for p in fig.pages())
    for _, names, _ in fig.FIGURES.values():
        for name in names:
            assert f"<!-- figures:{name} -->" in text, name


def test_write_replaces_only_the_named_figure(tmp_path):
    fig = load_script()
    page = tmp_path / "p.md"
    page.write_text("a\n<!-- figures:demo-size -->\nold\n<!-- /figures:demo-size -->\n"
                    "<!-- figures:train-quick -->\nkeep\n<!-- /figures:train-quick -->\nb\n")
    assert fig.write({"demo-size": "new 1\nnew 2"}, [page]) == {"demo-size": 1}
    assert page.read_text() == ("a\n<!-- figures:demo-size -->\nnew 1\nnew 2\n<!-- /figures:demo-size -->\n"
                                "<!-- figures:train-quick -->\nkeep\n<!-- /figures:train-quick -->\nb\n")


def test_check_reports_unknown_and_unclosed(tmp_path, monkeypatch):
    fig = load_script()
    monkeypatch.setattr(fig, "REPO", tmp_path)
    page = tmp_path / "p.md"
    page.write_text("<!-- figures:demo-size -->\n<!-- figures:nope -->\n<!-- /figures:nope -->\n")
    problems = fig.check([page])
    assert any("unknown figure 'nope'" in p for p in problems)
    assert any("opens inside 'demo-size'" in p for p in problems)
    assert any("'demo-size' never closed" in p for p in problems)


def test_make_target_runs_the_script():
    make = (ROOT / "Makefile").read_text()
    assert "docs-figures:" in make and "scripts/docs_figures.py" in make
