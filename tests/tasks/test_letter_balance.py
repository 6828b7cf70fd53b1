"""The correct letter of multiple-choice items is placed uniformly (chi-square on 2,000 items)."""

from collections import Counter

from scipy.stats import chisquare

from spacevista.engine.scene.questions import generate_qa

# letter placement lives in compose, shared by every task; these tasks make items quickly
FAST = ["object_size", "absolute_distance", "object_counting", "size_comparison", "relative_distance",
        "rotation_estimation"]


def test_correct_letters_are_uniform(room_graph):
    letters: list[str] = []
    seed = 0
    while len(letters) < 2000:
        for r in generate_qa(room_graph, None, seed=seed, task_names=FAST).records:
            if r.answer_type == "mc" and len(r.options) == 4:
                letters.append(r.answer)
        seed += 1
    counts = Counter(letters[:2000])
    stat, p = chisquare([counts[c] for c in "ABCD"])
    assert p > 0.001, (counts, stat, p)
    for r in generate_qa(room_graph, None, seed=1).records:
        if r.answer_type == "mc":
            assert len(set(r.options)) == len(r.options)
