"""Options without tells: permutation cycles, numeric spreads, label rounds and blocks, wording in
step, distractors around a centre. Each property is checked with the audit's own guesses."""

from collections import Counter

import numpy as np
import pytest
from relation_scenes import comparison_room

from spacevista.engine.dataset.audit import Item, _geomean_pick, _median_pick, _overlap_pick
from spacevista.engine.scene.questions import generate_qa
from spacevista.tasks.balance import Blocks, Rounds, balanced_pick, centred
from spacevista.tasks.layout import Cycle, Layout
from spacevista.tasks.base import TASKS
from spacevista.tasks.spread import ranked_counts, ranked_spread
from spacevista.tasks.wording import format_number, round_sig


def _item(values: list[float], answer: float) -> Item:
    texts = [format_number(v) for v in values]
    return Item("i", "t", 0, "t", "q", texts, texts.index(format_number(answer)), [float(t) for t in texts])


def test_cycle_blocks_hold_each_value_once():
    c = Cycle("ABCD", np.random.default_rng(0))
    draws = [c.draw() for _ in range(40)]
    assert all(sorted(draws[i:i + 4]) == list("ABCD") for i in range(0, 40, 4))
    assert draws[:4] != draws[4:8] or draws[4:8] != draws[8:12]  # a fresh order per round


def test_cycle_makes_up_for_restricted_draws():
    c = Cycle(range(4), np.random.default_rng(1))
    forced = [c.draw(allowed=[3]) for _ in range(2)]
    rest = [c.draw() for _ in range(6)]
    assert forced == [3, 3] and Counter(forced + rest) == {0: 2, 1: 2, 2: 2, 3: 2}


@pytest.mark.parametrize("upper,lower", [(None, None), (180.0, 1.0)])
def test_ranked_spread_keeps_distance_bounds_and_rank(upper, lower):
    rng = np.random.default_rng(0)
    layout = Layout(rng)
    values = np.exp(rng.uniform(-4, 5, 300))
    if upper:
        values = rng.uniform(2, 175, 300)
    for v in values:
        d = ranked_spread(float(v), layout, rng, min_ratio=1.3, lower=lower, upper=upper)
        opts = sorted(d + [round_sig(float(v))])
        assert len(d) == 3 and len({format_number(x) for x in opts}) == 4
        assert all(b / a >= 1.3 for a, b in zip(opts, opts[1:]))
        if upper:
            assert opts[0] >= lower and opts[-1] <= upper


def test_one_cycle_of_spreads_has_each_rank_once_and_each_middle_guess_right_once():
    """Four answers spread from one scene's cycles: the answer takes every sorted rank once, and
    the audit's median and geometric-mean guesses each hit the answer exactly once."""
    for seed in range(30):
        layout, rng = Layout(np.random.default_rng(seed)), np.random.default_rng(100 + seed)
        ranks, mean_hits, median_hits = [], 0, 0
        for v in (0.8, 2.5, 13.0, 0.05):
            base = round_sig(v)
            it = _item(ranked_spread(v, layout, rng) + [base], base)
            ranks.append(sorted(it.values).index(base))
            mean_hits += _geomean_pick(it) == it.answer
            median_hits += _median_pick(it) == it.answer
        assert sorted(ranks) == [0, 1, 2, 3] and mean_hits == 1 and median_hits == 1, (seed, ranks)


def test_spreads_before_the_cycle_was_built_give_the_answer_away():
    """The same guesses on options drawn the old way (answer first, distractors scattered around
    it) hit far more often than one in four: what the cycles are for."""
    rng = np.random.default_rng(0)
    hits = 0
    for v in np.exp(rng.uniform(-3, 3, 400)):
        base = round_sig(float(v))
        spread = [round_sig(base * float(np.exp(rng.choice([-1, 1]) * rng.uniform(0.23, 1.1)))) for _ in range(3)]
        if len({format_number(x) for x in spread + [base]}) < 4:
            continue
        it = _item(spread + [base], base)
        hits += _geomean_pick(it) == it.answer
    assert hits > 0.35 * 400


def test_ranked_counts_stay_positive_and_distinct():
    layout, rng = Layout(np.random.default_rng(3)), np.random.default_rng(4)
    ranks = Counter()
    for v in [1, 2, 2, 3, 5, 8, 13, 2, 4, 6, 3, 7] * 5:
        d = ranked_counts(v, layout, rng)
        opts = sorted(d + [v])
        assert len(set(opts)) == 4 and opts[0] >= 1 and all(isinstance(x, int) for x in d)
        ranks[opts.index(v)] += 1
    assert set(ranks) == {0, 1, 2, 3} and ranks[0] < 0.5 * sum(ranks.values())


def test_balanced_pick_takes_whole_rounds():
    items = [("a", i) for i in range(5)] + [("b", i) for i in range(2)] + [("c", i) for i in range(9)]
    picked = balanced_pick(items, lambda t: t[0], 8, np.random.default_rng(0))
    assert Counter(t[0] for t in picked) == {"a": 2, "b": 2, "c": 2}
    short = balanced_pick(items, lambda t: t[0], 2, np.random.default_rng(0))
    assert len(short) == 2 and len({t[0] for t in short}) == 2


def test_rounds_prefer_alike_items_and_can_require_them():
    items = [("on", "mug/book"), ("on", "vase/table"), ("apart", "lamp/sofa"), ("apart", "book/mug")]
    rounds = Rounds(items, lambda t: t[0], np.random.default_rng(0))
    same = lambda x, y: float(set(x[1].split("/")) == set(y[1].split("/")))  # noqa: E731
    assert sorted(rounds.take(2, same, need=1.0)) == [("apart", "book/mug"), ("on", "mug/book")]
    assert rounds.take(2, same, need=1.0) == []


def test_blocks_release_complete_blocks_only():
    b = Blocks({"h": ("more", "less"), "w": ("more", "less")}, np.random.default_rng(0))
    kind, label = b.want(["h"])
    assert b.take(kind, label, 1) == [] and b.want(["w"]) is None
    other = b.want(["h", "w"])
    assert other[0] == "h" and other[1] != label
    assert sorted(b.take(*other, 2)) == [1, 2] and b.open_kind is None


def test_centred_options_put_the_answer_in_the_middle_one_time_in_four():
    """Distractors varied from the answer make it the option sharing most words; around a centre
    drawn on the scene's cycle, that is so for one question in four."""
    def vary(words: tuple) -> list[tuple]:
        out = []
        for i, w in enumerate(words):
            for alt in ("left", "right", "up", "down"):
                if alt != w:
                    out.append(words[:i] + (alt,) + words[i + 1:])
        return [o for o in out if o != answer]

    answer = ("left", "up", "right", "down")
    layout, rng = Layout(np.random.default_rng(5)), np.random.default_rng(6)
    around_answer = overlap_hits = 0
    for _ in range(40):
        wrong = centred(answer, vary, layout, rng)
        assert len(wrong) == 3 and answer not in wrong and len(set(wrong)) == 3
        around_answer += all(sum(a != b for a, b in zip(w, answer)) == 1 for w in wrong)
        opts = [" ".join(w) for w in wrong] + [" ".join(answer)]
        overlap_hits += _overlap_pick(Item("i", "t", 0, "t", "q", opts, 3)) == 3
    assert around_answer == 10 and overlap_hits <= 12


def _records(task: str, graph, seeds) -> list:
    return [generate_qa(graph, graph, seed=s, task_names=[task]).records for s in seeds]


def test_binary_comparisons_balance_answers_letters_and_wording_per_scene():
    """Per scene: each kind (and axis) answered both ways equally often, each letter holding the
    answer equally often, and every paraphrase used as often for one answer as for the other."""
    for task in ("size_comparison", "position_comparison"):
        for recs in _records(task, comparison_room(), range(8)):
            assert recs
            assert Counter(r.answer for r in recs)["A"] * 2 == len(recs)
            answers = Counter(r.options[ord(r.answer) - 65] for r in recs)
            for text, n in answers.items():
                opposite = next(o for r in recs for o in r.options if text in r.options and o != text)
                assert answers[opposite] == n, answers
            per_template = Counter(r.metadata["template"] for r in recs)
            assert all(n % 2 == 0 for n in per_template.values()), per_template


def test_label_rounds_make_each_option_the_answer_once():
    """View change: a scene's motions asked once each, its options those motions, in one order."""
    from spacevista.engine.scene.truth import truth_graph
    from spacevista.synth.generate import generate_scene

    g = truth_graph(generate_scene("indoor", 3, n_frames=8, width=64, height=48))
    for seed in range(3):
        recs = generate_qa(g, g, seed=seed, task_names=["view_change"]).records
        assert recs
        answers = [r.options[ord(r.answer) - 65] for r in recs]
        assert len(set(answers)) == len(answers) == len(recs[0].options)
        assert all(r.options == recs[0].options for r in recs)
        assert sorted(r.answer for r in recs) == sorted("ABCD"[:len(recs)])


def test_numeric_letters_and_ranks_fill_cycles_per_scene(room_graph):
    full = 0
    for seed in range(10):
        for task in ("object_size", "absolute_distance"):
            recs = [r for r in generate_qa(room_graph, None, seed=seed, task_names=[task]).records
                    if r.answer_type == "mc"]
            letters = [r.answer for r in recs]
            ranks = []
            for r in recs:
                values = [float(o.split()[0]) for o in r.options]
                ranks.append(sorted(values).index(values[ord(r.answer) - 65]))
            assert len(set(letters[:4])) == len(letters[:4]) and len(set(ranks[:4])) == len(ranks[:4])
            full += len(recs) >= 4
    assert full


def test_template_ids_name_the_paraphrase_used(room_graph):
    from spacevista.tasks.wording import templates

    recs = generate_qa(room_graph, None, seed=0, task_names=["object_size", "existence_estimation"]).records
    assert recs
    for r in recs:
        form, kind, i = r.metadata["template"].split("/")
        text = templates(r.task)[form][kind][int(i)]
        assert text.split("{")[0] in r.question


def test_every_task_still_registers_its_forms():
    assert all(TASKS.get(name).forms for name in TASKS.names())
