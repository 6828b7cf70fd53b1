"""Typed reader options: one frozen dataclass per reader, validated when it is made.

Options arrive loose (``--option KEY=VALUE`` on the command line, keyword arguments of
``read_source``, ``BuildConfig.options``); :meth:`ReaderOptions.parse` turns such a mapping into the
reader's dataclass. Values are coerced to the declared type where that loses nothing (``"2"`` or
``2.0`` for an int, a path for a string) and checked against the field's constraints (``at_least``,
``above``, ``one_of``) and the class's own ``check``. Every problem is a :class:`ReaderOptionError`
naming the reader and the option, so a typo never passes silently.
"""

from __future__ import annotations

import enum
import math
import os
import types
import typing
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Mapping, TypeVar

import numpy as np

from spacevista.errors import SceneError
from spacevista.readers.up import UP_METHODS
from spacevista.scene import Scale

O = TypeVar("O", bound="ReaderOptions")


class ReaderOptionError(SceneError, ValueError):
    """An option a reader does not know, or a value it cannot take; names the reader and the option.

    A ``SceneError`` (a build records it against the source) and a ``ValueError`` (the command line
    reports it before any scene is read)."""

    def __init__(self, reader: str, option: str, problem: str):
        self.reader = reader
        self.option = option
        super().__init__(None, None, f"{reader} reader: {problem}" if reader else problem)

    def __str__(self) -> str:
        return self.reason


def at_least(n: int) -> dict[str, Any]:
    """Field metadata: the value (when given) must be >= ``n``."""
    return {"at_least": n}


def above(x: float) -> dict[str, Any]:
    """Field metadata: the value (when given) must be > ``x``."""
    return {"above": x}


def one_of(*choices: str) -> dict[str, Any]:
    """Field metadata: the value must be one of ``choices``."""
    return {"one_of": choices}


@dataclass(frozen=True)
class ReaderOptions:
    """Base of the option classes; as it stands, the options of a reader that takes none."""

    #: the registered name of the reader these options belong to, for error messages
    reader: ClassVar[str] = "reader"

    def __post_init__(self) -> None:
        hints = typing.get_type_hints(type(self))
        for f in fields(self):
            value = _coerce(self.reader, f.name, hints[f.name], getattr(self, f.name))
            _check_constraints(self.reader, f.name, f.metadata, value)
            object.__setattr__(self, f.name, value)
        self.check()

    def check(self) -> None:
        """Rules that span fields or need more than a constraint; subclasses extend it."""

    def fail(self, option: str, problem: str) -> ReaderOptionError:
        """The error to raise for ``option``."""
        return ReaderOptionError(self.reader, option, f"option {option!r} {problem}")

    @classmethod
    def names(cls) -> list[str]:
        """The options this reader accepts, sorted."""
        return sorted(f.name for f in fields(cls))

    @classmethod
    def parse(cls: type[O], given: Mapping[str, Any] | None = None) -> O:
        """The options in ``given`` (name -> value); unknown names are an error."""
        given = dict(given or {})
        unknown = sorted(set(given) - set(cls.names()))
        if unknown:
            allowed = ", ".join(cls.names()) or "none"
            raise ReaderOptionError(cls.reader, ", ".join(unknown),
                                    f"unknown reader option(s) {', '.join(map(repr, unknown))} (allowed: {allowed})")
        return cls(**given)


@dataclass(frozen=True)
class SceneOptions(ReaderOptions):
    """Options every capture reader takes: the scene id (default: folder or file name), the scale
    (each reader has its default) and how to find the up vector (``readers.up.resolve_up``)."""

    scene_id: str | None = None
    scale: str = Scale.INDOOR.value
    up: str = field(default="auto", metadata=one_of(*UP_METHODS))

    def check(self) -> None:
        super().check()
        try:
            object.__setattr__(self, "scale", Scale.parse(self.scale).value)
        except ValueError as e:
            raise self.fail("scale", f"is not a scale ({e})") from e


@dataclass(frozen=True)
class FrameOptions(SceneOptions):
    """Options of readers of frame sequences: every ``stride``-th frame, then at most ``num_frames``."""

    num_frames: int | None = field(default=None, metadata=at_least(1))
    stride: int = field(default=1, metadata=at_least(1))

    def select(self, n: int) -> list[int]:
        """Indices of the frames to keep out of ``n``."""
        return select_indices(n, self.num_frames, self.stride)


@dataclass(frozen=True)
class DepthOptions(FrameOptions):
    """Options of readers of integer depth images: metres per depth unit."""

    depth_scale: float = field(default=1e-3, metadata=above(0))


@dataclass(frozen=True)
class MetricScaleOption:
    """``metric_scale``: metres per source unit, for sources posed at an unknown scale (SfM, video);
    giving it makes the scene metric."""

    metric_scale: float | None = field(default=None, metadata=above(0))

    @property
    def translation_scale(self) -> float:
        """What pose translations are multiplied by (1 when no scale is given)."""
        return 1.0 if self.metric_scale is None else self.metric_scale

    @property
    def metric(self) -> bool:
        """Whether the scale makes the scene metric."""
        return self.metric_scale is not None

    def to_metres(self, pose: np.ndarray) -> np.ndarray:
        """``pose`` with its translation multiplied by the scale, in place (unchanged without one)."""
        pose[:3, 3] *= self.translation_scale
        return pose

    def note(self, metadata: dict[str, Any]) -> dict[str, Any]:
        """``metadata`` with the scale recorded under ``"metric_scale"`` when one was given."""
        if self.metric_scale is not None:
            metadata["metric_scale"] = self.metric_scale
        return metadata


@dataclass(frozen=True)
class SfMOptions(MetricScaleOption, FrameOptions):
    """Options of frame readers whose poses come from structure from motion."""


def select_indices(n: int, num_frames: int | None = None, stride: int = 1) -> list[int]:
    """Indices of the frames to keep: every ``stride``-th, then at most ``num_frames`` evenly spaced.

    Deterministic: the same ``n`` and options always give the same indices.
    """
    if stride < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    idx = list(range(0, n, stride))
    if num_frames is not None:
        if num_frames < 1:
            raise ValueError(f"num_frames must be >= 1, got {num_frames}")
        if len(idx) > num_frames:
            picks = np.linspace(0, len(idx) - 1, num_frames).round().astype(int)
            idx = [idx[i] for i in picks]
    return idx


# --------------------------------------------------------------------------- coercion

def _coerce(reader: str, name: str, tp: Any, value: Any) -> Any:
    """``value`` as the field type ``tp`` (``X`` or ``X | None``), or a ReaderOptionError."""
    args = typing.get_args(tp) if typing.get_origin(tp) in (typing.Union, types.UnionType) else (tp,)
    if value is None:
        if type(None) in args:
            return None
        raise ReaderOptionError(reader, name, f"option {name!r} needs a value")
    base = next(a for a in args if a is not type(None))
    try:
        return _COERCE[base](value)
    except (TypeError, ValueError):
        raise ReaderOptionError(reader, name, f"option {name!r} must be {_KIND[base]}, got {value!r}") from None


def _to_int(v: Any) -> int:
    if isinstance(v, bool):
        raise TypeError("a flag is not a number")
    if isinstance(v, float):
        if not v.is_integer():
            raise ValueError("not a whole number")
        return int(v)
    if isinstance(v, (int, str)):
        return int(v)
    raise TypeError(type(v).__name__)


def _to_float(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        raise TypeError(type(v).__name__)
    out = float(v)
    if not math.isfinite(out):
        raise ValueError("not finite")
    return out


def _to_bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise TypeError(type(v).__name__)
    return v


def _to_str(v: Any) -> str:
    # ids such as "0001" arrive as numbers from YAML-parsed command lines; paths as Path objects
    if isinstance(v, bool) or not isinstance(v, (str, int, os.PathLike)):
        raise TypeError(type(v).__name__)
    if isinstance(v, enum.Enum):  # a Scale member: its value, not "Scale.INDOOR"
        return str(v.value)
    return os.fspath(v) if isinstance(v, os.PathLike) else str(v)


_COERCE = {int: _to_int, float: _to_float, bool: _to_bool, str: _to_str}
_KIND = {int: "an integer", float: "a finite number", bool: "true or false", str: "a string"}


def _check_constraints(reader: str, name: str, meta: Mapping[str, Any], value: Any) -> None:
    if value is None:
        return
    if "at_least" in meta and value < meta["at_least"]:
        raise ReaderOptionError(reader, name, f"option {name!r} must be >= {meta['at_least']}, got {value!r}")
    if "above" in meta and not value > meta["above"]:
        raise ReaderOptionError(reader, name, f"option {name!r} must be > {meta['above']}, got {value!r}")
    if "one_of" in meta and value not in meta["one_of"]:
        choices = ", ".join(map(repr, meta["one_of"]))
        raise ReaderOptionError(reader, name, f"option {name!r} must be one of {choices}, got {value!r}")
