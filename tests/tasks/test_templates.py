import string

import yaml
from importlib import resources

from spacevista.tasks.base import TASKS
from spacevista.tasks.wording import template_count, templates


def test_every_task_form_has_twenty_paraphrases_and_rationales():
    for name, cls in TASKS.items():
        data = templates(name)
        for form in cls.forms:
            assert form in data, f"{name}: no {form} templates"
            n = sum(len(v) for v in data[form].values())
            assert n >= 20, f"{name}/{form}: only {n} paraphrases"
            for kind in data[form]:
                assert kind in data["rationale"], f"{name}: no rationale for kind {kind}"


def test_paraphrases_are_distinct_and_well_formed():
    for name, _ in TASKS.items():
        data = templates(name)
        for form, kinds in data.items():
            if form == "rationale":
                continue
            for kind, lines in kinds.items():
                assert len(set(lines)) == len(lines), f"{name}/{form}/{kind} has repeats"
                for line in lines:
                    list(string.Formatter().parse(line))  # raises on unbalanced braces
                    assert line.strip().endswith(("?", ".", ":")), line


def test_total_count_reported():
    counts = template_count()
    assert sum(counts.values()) >= 20 * len(TASKS.names())
