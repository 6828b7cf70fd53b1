"""Benchmarks are found by discovery and auto-detection tries them in their declared priority."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import spacevista
import spacevista.eval.benchmarks as benchmarks_pkg
from spacevista.eval.benchmarks import BENCHMARKS, detection_order
from spacevista.registry import Registry

SRC = Path(spacevista.__file__).resolve().parents[1]


def test_detection_order_is_the_declared_priority():
    order = detection_order()
    # distinct priorities, so that the order never falls back on names
    assert len({BENCHMARKS.get(n).detect_priority for n in order}) == len(order)
    # the order auto-detection has always used
    assert order == ["engine", "spacevista", "vsibench", "stibench", "mmsi", "spar"]


def test_registry_names_match_the_benchmark_names():
    for name, cls in BENCHMARKS.items():
        assert cls.name == name


def test_every_benchmark_folder_registers_one_benchmark():
    folders = {p.name for p in Path(benchmarks_pkg.__file__).parent.iterdir() if (p / "__init__.py").is_file()}
    modules = [cls.__module__.rsplit(".", 1)[-1] for _, cls in BENCHMARKS.items()]
    assert sorted(modules) == sorted(folders)


def test_registry_imports_the_public_submodules_of_its_package(tmp_path: Path, monkeypatch):
    pkg = tmp_path / "probe_plugins"
    (pkg / "beta").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from spacevista.registry import Registry\n"
                                     "THINGS = Registry('thing', package=__name__)\n")
    (pkg / "alpha.py").write_text("from probe_plugins import THINGS\nTHINGS.register('alpha')(object)\n")
    (pkg / "beta" / "__init__.py").write_text("from probe_plugins import THINGS\nTHINGS.register('beta')(int)\n")
    (pkg / "_private.py").write_text("raise RuntimeError('a private module must not be imported')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [m for m in sys.modules if m.split(".")[0] == "probe_plugins"]:
        monkeypatch.delitem(sys.modules, name)
    try:
        things: Registry = importlib.import_module("probe_plugins").THINGS
        assert things.names() == ["alpha", "beta"]
        assert things.get("beta") is int
    finally:
        for name in [m for m in sys.modules if m.split(".")[0] == "probe_plugins"]:
            del sys.modules[name]


PROBE_MODULE = '''
from pathlib import Path

from spacevista.eval.benchmarks import BENCHMARKS
from spacevista.eval.benchmarks.base import Benchmark


class _Probe(Benchmark):
    @classmethod
    def detect(cls, path: Path) -> bool:
        return path.suffix == ".probe"


@BENCHMARKS.register("aaa_late")
class Late(_Probe):
    """Tried after every built-in format."""

    name = "aaa_late"
    detect_priority = 70


@BENCHMARKS.register("zzz_early")
class Early(_Probe):
    """Tried before every built-in format."""

    name = "zzz_early"
    detect_priority = 5
'''

PROBE_SCRIPT = '''
import json, sys
import spacevista.eval.benchmarks as b

b.__path__.append(sys.argv[1])  # a folder that holds one more benchmark module, named in no list
print(json.dumps({"names": b.BENCHMARKS.names(), "order": b.detection_order(),
                  "probe": b.detect_format(sys.argv[2]), "engine": b.detect_format(sys.argv[3])}))
'''


def test_a_benchmark_in_a_new_module_is_found_and_tried_by_priority(tmp_path: Path, engine_set: Path):
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "probe_bench.py").write_text(textwrap.dedent(PROBE_MODULE))
    probe = tmp_path / "items.probe"
    probe.write_text("")
    out = subprocess.run([sys.executable, "-c", PROBE_SCRIPT, str(extra), str(probe), str(engine_set)],
                         capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(SRC)})
    got = json.loads(out.stdout)
    assert {"aaa_late", "zzz_early"} <= set(got["names"])
    assert got["order"] == ["zzz_early", "engine", "spacevista", "vsibench", "stibench", "mmsi", "spar", "aaa_late"]
    # both probes claim the file: the lower priority wins although its name sorts last
    assert got["probe"] == "zzz_early"
    assert got["engine"] == "engine"
