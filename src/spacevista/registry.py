"""One registry mechanism for readers, specialists, tasks, benchmarks and backends.

Entries register with a decorator at import time of their own module; ``spacevista ls`` lists them.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any, Callable, Generic, Iterator, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """A named mapping filled by ``@registry.register("name")``.

    ``modules``, and every public submodule of ``package``, are imported on first lookup so that
    registering never happens as a side effect of importing the registry itself. With ``package``
    a new entry needs only a new module: no list names it.
    """

    def __init__(self, kind: str, modules: tuple[str, ...] = (), package: str | None = None):
        self.kind = kind
        self._entries: dict[str, T] = {}
        self._modules = modules
        self._package = package
        self._loaded = False

    def register(self, name: str) -> Callable[[T], T]:
        def deco(obj: T) -> T:
            if name in self._entries and self._entries[name] is not obj:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._entries[name] = obj
            return obj
        return deco

    def _load(self) -> None:
        if not self._loaded:
            self._loaded = True
            found = submodules(self._package) if self._package else []
            for m in (*self._modules, *found):
                importlib.import_module(m)

    def get(self, name: str) -> T:
        self._load()
        if name not in self._entries:
            raise KeyError(f"unknown {self.kind} {name!r}; registered: {', '.join(sorted(self._entries)) or 'none'}")
        return self._entries[name]

    def names(self) -> list[str]:
        self._load()
        return sorted(self._entries)

    def items(self) -> Iterator[tuple[str, T]]:
        self._load()
        for k in sorted(self._entries):
            yield k, self._entries[k]

    def __contains__(self, name: object) -> bool:
        self._load()
        return name in self._entries


def submodules(package: str) -> list[str]:
    """Full names of the direct submodules of ``package`` whose names do not start with ``_``, in name order."""
    paths = importlib.import_module(package).__path__
    return sorted({f"{package}.{m.name}" for m in pkgutil.iter_modules(paths) if not m.name.startswith("_")})


def describe(obj: Any) -> str:
    """First line of an entry's docstring, for listings."""
    doc = getattr(obj, "__doc__", None) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""
