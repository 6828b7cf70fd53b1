"""Declared dependencies equal imported ones.

The runtime dependencies of ``pyproject.toml`` (core and every extra but ``dev``) must be exactly the
distributions that ``src/`` imports, plus the few that are used without an import statement (listed
below with the reason). Everything the tests and benchmarks import must be declared somewhere.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: distributions needed at run time that no ``import`` names
USED_WITHOUT_IMPORT = {
    "embreex": "trimesh's Embree ray-casting backend (synth rendering)",
    "tiktoken": "transformers' TikTokenConverter reads the Qwen2.5 ranks file",
}
#: dev distributions that are pytest plugins, loaded by entry point
PLUGINS = {"pytest-timeout"}
#: local helper modules of the test suite
LOCAL = {"tests", "chatserver", "evalfixtures", "officialfixtures", "model_helpers", "relation_scenes", "room_depth", "review_browser",
         "review_fixtures", "train_helpers", "conftest"}


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(req: str) -> str:
    return norm(re.split(r"[\s<>=!~;\[]", req.strip(), maxsplit=1)[0])


def declared() -> tuple[set[str], set[str]]:
    """(runtime distributions, dev distributions) from pyproject.toml; self-references dropped."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {requirement_name(r) for r in project["dependencies"]}
    for extra, reqs in project["optional-dependencies"].items():
        if extra != "dev":
            runtime |= {requirement_name(r) for r in reqs}
    dev = {requirement_name(r) for r in project["optional-dependencies"]["dev"]}
    return runtime - {"spacevista"}, dev


def imported(paths: list[Path]) -> dict[str, set[str]]:
    """Top-level third-party import names -> files that import them."""
    out: dict[str, set[str]] = {}
    for p in paths:
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for n in names:
                top = n.split(".")[0]
                if top not in sys.stdlib_module_names and top != "spacevista" and top not in LOCAL:
                    out.setdefault(top, set()).add(str(p.relative_to(ROOT)))
    return out


def distributions(imports: dict[str, set[str]]) -> set[str]:
    mapping = packages_distributions()
    missing = {name: files for name, files in imports.items() if name not in mapping}
    assert not missing, f"imported but installed by no distribution: {missing}"
    return {norm(mapping[name][0]) for name in imports}


def test_runtime_dependencies_equal_imports():
    runtime, _ = declared()
    used = distributions(imported(list((ROOT / "src").rglob("*.py")))) | set(USED_WITHOUT_IMPORT)
    assert runtime - used == set(), "declared but never imported: drop them or say why in USED_WITHOUT_IMPORT"
    assert used - runtime == set(), "imported but not declared in pyproject.toml"


def test_tests_and_benchmarks_import_only_declared_packages():
    runtime, dev = declared()
    paths = list((ROOT / "tests").rglob("*.py")) + list((ROOT / "benchmarks").rglob("*.py"))
    used = distributions(imported(paths))
    assert used - runtime - dev == set(), "tests import undeclared packages"
    assert dev - used - PLUGINS == set(), "dev extras nothing imports"
