"""Tasks are found by their ``@TASKS.register`` decorators, with no list of task modules kept by hand."""

import ast
from pathlib import Path

import spacevista.tasks
from spacevista.tasks.base import TASKS, Task, TaskRegistry, package_modules

PACKAGE = Path(spacevista.tasks.__file__).parent


def decorated_tasks() -> dict[str, str]:
    """Registry name -> module name of every ``@TASKS.register("...")`` in the package's source,
    read with ``ast`` (so independently of how the registry imports modules)."""
    found = {}
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef):
                continue
            for deco in node.decorator_list:
                if (isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute)
                        and deco.func.attr == "register" and ast.unparse(deco.func.value) == "TASKS"):
                    found[deco.args[0].value] = path.stem
    return found


def test_registered_tasks_are_the_decorated_ones_one_module_each():
    found = decorated_tasks()
    assert len(found) >= 21
    assert set(TASKS.names()) == set(found)
    for name, module in found.items():
        # one module per task, named after it
        assert module == name
        assert TASKS.get(name).__module__ == f"spacevista.tasks.{name}"


def test_discovery_lists_every_module_of_the_package():
    listed = {m.rsplit(".", 1)[1] for m in package_modules()}
    assert listed == {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}


def test_registering_sets_the_task_name():
    for name, cls in TASKS.items():
        assert cls.name == name

    registry = TaskRegistry("task")

    @registry.register("made_up")
    class MadeUp(Task):
        pass

    assert MadeUp.name == "made_up" and registry.get("made_up") is MadeUp
    assert Task.name == ""
