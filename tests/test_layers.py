"""The package's imports follow the layer order written in docs/design-notes.md.

Every ``import spacevista...`` in ``src/`` (at module level or inside a function) is read with
``ast``; an import from a package to one on a higher line, or to a sibling on the same line, fails.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "spacevista"
NOTES = ROOT / "docs" / "design-notes.md"


def layer_blocks() -> dict[str, list[list[str]]]:
    """Fenced ``layers`` blocks of the design notes: scope ("" for the package) -> lines, top first."""
    text = NOTES.read_text(encoding="utf-8")
    blocks = {}
    for scope, body in re.findall(r"```layers ?(\w*)\n(.*?)```", text, flags=re.S):
        blocks[scope] = [line.split() for line in body.strip().splitlines() if line.strip()]
    return blocks


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every project import in a source file."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "spacevista" or node.module.startswith("spacevista."):
                out.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.startswith("spacevista")]
    return out


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def violations(scope: str, lines: list[list[str]]) -> list[str]:
    """Imports in ``src/`` that break the order ``lines`` within ``scope``."""
    rank = {name: i for i, line in enumerate(lines) for name in line}
    prefix = "spacevista." + (scope + "." if scope else "")
    depth = prefix.count(".")
    bad = []
    for path in sorted(SRC.rglob("*.py")):
        mod = module_name(path)
        if not (mod + ".").startswith(prefix):
            continue
        parts = mod.split(".")
        if len(parts) <= depth:
            continue  # the scope's own __init__ or the root module
        src = parts[depth]
        for lineno, target in imports_of(path):
            tparts = target.split(".")
            if not (target + ".").startswith(prefix) or len(tparts) <= depth:
                continue
            dst = tparts[depth]
            if src == dst:
                continue
            where = f"{path.relative_to(ROOT)}:{lineno}: {src} imports {target}"
            if src not in rank or dst not in rank:
                bad.append(f"{where} ({src if src not in rank else dst} is in no layer)")
            elif rank[src] >= rank[dst]:
                kind = "a sibling" if rank[src] == rank[dst] else "a higher layer"
                bad.append(f"{where} ({kind})")
    return bad


def test_design_notes_define_the_layers():
    blocks = layer_blocks()
    assert "" in blocks and "engine" in blocks
    names = [n for line in blocks[""] for n in line]
    assert len(names) == len(set(names))
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    modules = {p.stem for p in SRC.glob("*.py") if p.stem != "__init__"}
    assert set(names) == packages | modules, "every top-level package and module has a layer"


@pytest.mark.parametrize("scope", ["", "engine"])
def test_imports_point_down(scope):
    bad = violations(scope, layer_blocks()[scope])
    assert not bad, "imports against the layer order:\n" + "\n".join(bad)


def test_checker_catches_an_upward_import(tmp_path, monkeypatch):
    """The checker itself: a synthetic package with one upward import is reported."""
    pkg = tmp_path / "src" / "spacevista"
    for sub, body in {"low": "from spacevista.high import x\n", "high": "from spacevista.low import y\n"}.items():
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / "__init__.py").write_text(body)
    monkeypatch.setattr(sys.modules[__name__], "SRC", pkg)
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    bad = violations("", [["high"], ["low"]])
    assert len(bad) == 1 and "low imports spacevista.high" in bad[0]


def test_no_folder_holds_more_than_15_modules():
    """``tasks/`` holds one module per task beside its helpers and is exempt."""
    crowded = {}
    for d in [SRC, *(p for p in SRC.rglob("*") if p.is_dir() and p.name != "__pycache__")]:
        n = len([p for p in d.glob("*.py") if p.name != "__init__.py"])
        if n > 15 and d.relative_to(SRC).as_posix() != "tasks":
            crowded[d.relative_to(SRC).as_posix()] = n
    assert not crowded


def test_lower_layers_do_not_import_eval():
    for pkg in ("model", "train", "geometry"):
        for path in (SRC / pkg).rglob("*.py"):
            assert not [m for _, m in imports_of(path) if m.startswith("spacevista.eval")], path
