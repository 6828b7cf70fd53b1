"""Errors that name what went wrong and where, so one bad scene can be reported and skipped."""

from __future__ import annotations


class SpaceVistaError(Exception):
    """Base class of the project's own errors."""


class SceneError(SpaceVistaError):
    """A scene cannot be read or used; names the scene, the file (if any) and the reason."""

    def __init__(self, scene: str | None, file: str | None, reason: str):
        self.scene = scene
        self.file = None if file is None else str(file)
        self.reason = reason
        where = f"scene {scene!r}" if scene else "scene"
        if self.file:
            where += f", file {self.file}"
        super().__init__(f"{where}: {reason}")

    def to_dict(self) -> dict[str, str | None]:
        return {"scene": self.scene, "file": self.file, "reason": self.reason}


class ConfigError(SpaceVistaError):
    """A configuration value is missing or invalid."""
