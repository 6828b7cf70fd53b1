"""End to end on rendered synthetic scenes: determinism, report layout, engine accuracy present."""

import json

import pytest

from spacevista.engine.build.demo import DemoConfig, run_demo
from spacevista.io.jsonl import read_jsonl
from spacevista.scene import Scale

SMALL = dict(scenes_per_scale=1, frames=8, width=160, height=120, workers=1)


@pytest.fixture(scope="module")
def demo_dirs(tmp_path_factory):
    a = tmp_path_factory.mktemp("demo_a")
    b = tmp_path_factory.mktemp("demo_b")
    ra = run_demo(a, DemoConfig(seed=7, **SMALL))
    rb = run_demo(b, DemoConfig(seed=7, **SMALL))
    return a, b, ra, rb


def test_same_seed_same_bytes(demo_dirs):
    a, b, _, _ = demo_dirs
    assert (a / "qa.jsonl").read_bytes() == (b / "qa.jsonl").read_bytes()
    assert (a / "qa.parquet").read_bytes() == (b / "qa.parquet").read_bytes()


def test_report_layout(demo_dirs):
    a, _, report, _ = demo_dirs
    on_disk = json.loads((a / "report.json").read_text())
    assert on_disk["qa_count"] == report["qa_count"] > 0
    assert set(on_disk["scales"]) == {s.value for s in Scale}
    assert sum(on_disk["tasks"].values()) == on_disk["qa_count"]
    for task, by_scale in on_disk["engine_accuracy"].items():
        for scale, acc in by_scale.items():
            assert 0.0 <= acc <= 1.0
    assert not on_disk["errors"]


def test_records_point_at_written_files(demo_dirs):
    a, _, _, _ = demo_dirs
    records = list(read_jsonl(a / "qa.jsonl"))
    for r in records:
        for f in r.frames:
            assert (a / f).is_file()
        for m in r.annotations.get("masks", []):
            assert (a / m["mask_path"]).is_file()
        assert r.exact_answer is not None and r.engine_score is not None
        assert r.anchors["scale"] > 0


def test_different_seed_differs(tmp_path, demo_dirs):
    a, _, _, _ = demo_dirs
    run_demo(tmp_path, DemoConfig(seed=8, **SMALL))
    assert (tmp_path / "qa.jsonl").read_bytes() != (a / "qa.jsonl").read_bytes()


def test_exports_validate_against_schemas(demo_dirs):
    import jsonschema
    from importlib import resources

    def schema(name):
        return json.loads(resources.files("spacevista.io").joinpath("schemas", f"{name}.json").read_text())

    a, _, report, _ = demo_dirs
    lines = (a / "qa.jsonl").read_text().splitlines()
    for line in lines:
        jsonschema.validate(json.loads(line), schema("qa_record"))
    bench = json.loads((a / "bench.json").read_text())
    sft = json.loads((a / "sft.json").read_text())
    grpo = [json.loads(x) for x in (a / "grpo.jsonl").read_text().splitlines()]
    assert len(bench) == len(sft) == len(grpo) == len(lines)
    for e in bench:
        jsonschema.validate(e, schema("bench_entry"))
        for f in e["videos"][0]:
            assert (a / f).is_file()
    for e in sft:
        jsonschema.validate(e, schema("sharegpt"))
        assert e["messages"][0]["content"].startswith("<video>")
        assert "<answer>" in e["messages"][1]["content"]
    for e in grpo:
        jsonschema.validate(e, schema("grpo"))


def test_handheld_capture(tmp_path):
    cfg = DemoConfig(seed=3, scenes_per_scale=1, frames=12, width=96, height=72, workers=1, scales=("tabletop",),
                     capture="handheld")
    report = run_demo(tmp_path, cfg)
    assert not report["errors"] and report["qa_count"] > 0
    assert report["config"]["capture"] == "handheld"
    records = list(read_jsonl(tmp_path / "qa.jsonl"))
    assert all(r.provenance["capture"] == "handheld" for r in records)
    assert len(list((tmp_path / "frames").glob("*/*.jpg"))) == 12


def test_clip_records_do_not_name_the_capture(demo_dirs):
    a, _, report, _ = demo_dirs
    assert report["config"]["capture"] == "clip"
    assert all("capture" not in r.provenance for r in read_jsonl(a / "qa.jsonl"))


def test_unknown_capture():
    with pytest.raises(ValueError, match="capture"):
        DemoConfig(capture="tripod")
