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


class FrameError(SceneError):
    """One frame of a scene is unusable (its pose, camera, image or index); readers drop the frame
    and record the reason rather than fail the scene (see ``io.checks.FrameLog``)."""

    def __init__(self, scene: str | None, file: str | None, reason: str, frame: object = None):
        self.frame = frame
        #: the reason without the frame named, for lists that name the frame apart
        self.detail = reason
        super().__init__(scene, file, reason if frame is None else f"frame {frame}: {reason}")


class PoseError(FrameError):
    """A pose is not a rigid transform, not even within the rounding tolerance of ``io.checks``."""


class IntrinsicsError(FrameError):
    """A camera's intrinsics do not fit its image: focal lengths, principal point or stated size."""


class DuplicateFrameError(FrameError):
    """A frame index that an earlier frame of the same scene already has."""


class UnsafePathError(SceneError):
    """A file named by a scene (an image, a depth map) lies outside the scene's folder; the whole
    scene is refused, since its file list cannot be trusted."""


class TooFewFramesError(SceneError):
    """So many frames were dropped that the scene is refused; ``dropped`` lists them with reasons."""

    def __init__(self, scene: str | None, file: str | None, reason: str, dropped: list[dict] | None = None):
        self.dropped = list(dropped or [])
        super().__init__(scene, file, reason)


class ConfigError(SpaceVistaError):
    """A configuration value is missing or invalid."""


class EndpointUnreachable(SpaceVistaError):
    """A model server cannot be reached (or refuses every request): a run stops rather than send
    the rest of its requests into the void. ``url`` is the endpoint, ``cause`` what went wrong."""

    def __init__(self, url: str, cause: str):
        self.url = url
        self.cause = cause
        super().__init__(f"cannot reach {url}: {cause}")
