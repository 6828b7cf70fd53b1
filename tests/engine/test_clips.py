"""Item clips: every record of a long capture holds at most 16 frames, and every frame number in its
text and every mark names the image it means (checked on the instance maps and the geometry)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from spacevista.engine.scene.clips import choose_clip, restrict
from spacevista.engine.scene.pipeline import process_scene
from spacevista.graph import Box3D, CameraPose, GraphObject, SceneGraph, View
from spacevista.scene import Camera, Scale
from spacevista.synth import generate_scene
from spacevista.tasks.base import Question, Task, Unanswerable

FRAME_REF = re.compile(r"\bframes? (\d+)((?:, \d+(?![\d%.]))*)(?: and (\d+)(?![\d%.]))?")


def frame_numbers(text: str) -> set[int]:
    """Every frame number a text names ("frame 3", "frames 2, 5 and 9")."""
    out: set[int] = set()
    for m in FRAME_REF.finditer(text):
        out.add(int(m.group(1)))
        out.update(int(x) for x in re.findall(r"\d+", m.group(2) or ""))
        if m.group(3):
            out.add(int(m.group(3)))
    return out


def _graph(n_frames: int, views: dict[int, dict[int, int]]) -> SceneGraph:
    cam = Camera.from_fov(64, 48, 60.0)
    objects = [GraphObject(id=oid, category=f"thing{oid}", box=Box3D(np.zeros(3), np.ones(3)),
                           points=np.zeros((1, 3)),
                           views={f: View(f, px, (0, 0, 1, 1), (0, 0), 1.0, 1.0) for f, px in vs.items()})
               for oid, vs in views.items()]
    cams = [CameraPose(f, cam, np.eye(4)) for f in range(n_frames)]
    return SceneGraph("s", Scale.INDOOR, True, objects, cams, np.array([0.0, 0.0, 1.0]))


class _Plain(Task):
    name = "plain"


def test_short_capture_is_its_own_clip():
    g = _graph(10, {1: {3: 50}})
    order = [c.frame for c in g.cameras]
    assert choose_clip(_Plain(), Question("plain", "mc", "k", objects=[1]), g, order, 16) == order


def test_clip_holds_named_frames_and_best_views_in_time_order():
    g = _graph(200, {1: {20: 10, 150: 400, 151: 30}, 2: {90: 50}})
    order = [c.frame for c in g.cameras]
    q = Question("plain", "mc", "k", objects=[1, 2], frames=[5])
    clip = choose_clip(_Plain(), q, g, order, 16)
    assert len(clip) == 16 and clip == sorted(clip)
    assert {5, 150, 90} <= set(clip)
    assert min(clip) >= 5 and max(clip) <= 151  # the span the question covers


def test_narrow_span_is_widened_to_a_full_clip():
    g = _graph(300, {})
    order = [c.frame for c in g.cameras]
    clip = choose_clip(_Plain(), Question("plain", "mc", "k", frames=[100, 102]), g, order, 16)
    assert len(clip) == 16 and {100, 102} <= set(clip)
    assert max(clip) - min(clip) <= 20


def test_too_many_required_frames_is_unanswerable():
    g = _graph(100, {i: {i * 5: 100} for i in range(1, 19)})
    order = [c.frame for c in g.cameras]
    with pytest.raises(Unanswerable):
        choose_clip(_Plain(), Question("plain", "mc", "k", objects=list(range(1, 19))), g, order, 16)


def test_restricted_graph_sees_only_the_clip():
    g = _graph(50, {1: {3: 10, 40: 20}})
    r = restrict(g, [40, 41])
    assert [c.frame for c in r.cameras] == [40, 41]
    assert r.object(1).first_frame == 40 and g.object(1).first_frame == 3
    assert restrict(g, range(50)) is g


@pytest.fixture(scope="module")
def long_capture(tmp_path_factory):
    """Two scales with 64 frames: each item must pick its own 16."""
    out = tmp_path_factory.mktemp("clips")
    results = {}
    for scale in ("tabletop", "indoor"):
        scene = generate_scene(scale, seed=3, n_frames=64, width=128, height=96)
        results[scale] = (scene, process_scene(scene, out, seed=0))
    return out, results


def test_every_record_has_a_short_clip_and_valid_frame_numbers(long_capture):
    out, results = long_capture
    n = 0
    for scene, qa in results.values():
        for r in qa.records:
            n += 1
            assert 1 <= len(r.frames) <= 16 and len(r.frames) == len(r.frame_indices)
            assert r.frame_indices == sorted(r.frame_indices)
            for f in r.frames:
                assert (out / f).is_file()
            for text in (r.question, r.rationale):
                assert all(1 <= k <= len(r.frames) for k in frame_numbers(text)), (r.id, text)
    assert n > 50


def test_named_frames_are_the_frames_the_question_means(long_capture):
    """A question about frame indices (metadata) says "frame k" with k its 1-based clip position."""
    _, results = long_capture
    checked = 0
    for scene, qa in results.values():
        for r in qa.records:
            frames = r.metadata.get("frames") or []
            for f in frames:
                k = r.frame_indices.index(f) + 1
                assert k in frame_numbers(r.question), (r.id, r.question, k)
                checked += 1
    assert checked > 10


def test_a_frame_is_named_once_where_the_question_and_its_mark_share_it(long_capture):
    """"the car inside the red box in frame 12 in frame 12": a mark on the frame the question names
    is not followed by the frame a second time."""
    _, results = long_capture
    twice = re.compile(r"\bframe (\d+)(?:'s view)? in frame \1\b")
    marked_on_own_frame = 0
    for scene, qa in results.values():
        for r in qa.records:
            assert not twice.search(r.question), (r.id, r.question)
            frames = r.metadata.get("frames") or []
            marks = [a for kind in r.annotations.values() for a in kind]
            if len(frames) == 1 and any(r.frame_indices[a["image_index"]] == frames[0] for a in marks):
                marked_on_own_frame += 1
    assert marked_on_own_frame > 0


def test_marks_lie_on_their_object_in_the_image_sent(long_capture):
    _, results = long_capture
    checked = 0
    for scene, qa in results.values():
        frames = {f.index: f for f in scene.frames}
        for r in qa.records:
            ann = r.annotations
            for p in ann.get("points", []):
                inst = frames[r.frame_indices[p["image_index"]]].instances()
                y, x = p["coords"]
                assert inst[y, x] in r.metadata["objects"], r.id
                checked += 1
            for b in ann.get("bboxes", []):
                inst = frames[r.frame_indices[b["image_index"]]].instances()
                x1, y1, x2, y2 = b["coords"]
                inside = inst[y1:y2 + 1, x1:x2 + 1]
                assert np.isin(inside, r.metadata["objects"]).any(), r.id
                checked += 1
            for m in ann.get("masks", []):
                inst = frames[r.frame_indices[m["image_index"]]].instances()
                assert np.isin(inst, m["object_ids"]).sum() > 0, r.id
                checked += 1
    assert checked > 10


def test_a_clip_that_misses_a_named_object_is_refused_and_counted(tmp_path, monkeypatch):
    """An item whose clip does not show an object it names is refused as ``not_shown``: report.json
    lists it among the refusals and it lowers the yield, as the evidence gates' refusals do."""
    from spacevista.engine.dataset.summary import summarise
    from spacevista.engine.scene import questions

    scene = generate_scene("tabletop", seed=1, n_frames=16, width=160, height=120)
    tasks = ["object_size", "absolute_distance", "relative_distance", "size_comparison"]  # no frame named
    honest = process_scene(scene, tmp_path / "honest", seed=0, task_names=tasks, clip_frames=4)
    assert not any(k.endswith(":not_shown") for k in honest.dropped)
    # every clip cut to the one frame that shows the fewest objects
    counts = {f.index: len(set(f.instances().ravel().tolist()) - {0}) for f in scene.frames}
    sparse = min(counts, key=lambda f: (counts[f], f))
    monkeypatch.setattr(questions, "choose_clip", lambda task, q, graph, order, n: [sparse])
    first = process_scene(scene, tmp_path / "first", seed=0, task_names=tasks, clip_frames=4)
    not_shown = {k.split(":")[1]: v for k, v in first.dropped.items() if k.endswith(":not_shown")}
    assert sum(not_shown.values()) > 0
    report = summarise([first])
    assert "not_shown" not in report["dropped"]
    for task, n in not_shown.items():
        assert report["refusals"][task]["tabletop"]["not_shown"] == n
        cell = report["precision_yield"][task]["tabletop"]
        assert cell["candidates"] - cell["emitted"] >= n and cell["yield"] < 1
    for r in first.records:
        assert r.frame_indices == [sparse]
        seen = set(scene.frames[sparse].instances().ravel().tolist())
        assert set(r.metadata.get("objects", [])) <= seen, r.id
