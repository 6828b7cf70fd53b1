"""One registry mechanism for readers, specialists, tasks, benchmarks and backends.

Entries register with a decorator at import time of their own module; ``spacevista ls`` lists them.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, Generic, Iterator, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """A named mapping filled by ``@registry.register("name")``.

    ``modules`` are imported on first lookup so that registering never happens as a side effect of
    importing the registry itself.
    """

    def __init__(self, kind: str, modules: tuple[str, ...] = ()):
        self.kind = kind
        self._entries: dict[str, T] = {}
        self._modules = modules
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
            for m in self._modules:
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


def describe(obj: Any) -> str:
    """First line of an entry's docstring, for listings."""
    doc = getattr(obj, "__doc__", None) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""
