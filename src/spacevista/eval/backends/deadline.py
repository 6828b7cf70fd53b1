"""HTTP connections whose requests each run under one deadline, from connecting to the last byte.

A socket timeout bounds one read; a server that trickles a byte just inside it can hold a request
forever. Here every request gets a :class:`Deadline`: before connecting, sending and each read of
the reply, the time left is checked and the socket timeout set to it, so the request fails with
:class:`DeadlineExceeded` (a ``TimeoutError``) once the deadline has passed, however the server
paces its bytes.
"""

from __future__ import annotations

import functools
import http.client
import io
import socket
import time
from typing import Any, Callable


class DeadlineExceeded(TimeoutError):
    """The request did not finish before its deadline."""


class Deadline:
    """A point in time ``seconds`` from now; ``remaining()`` raises once it has passed."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.seconds = float(seconds)
        self._clock = clock
        self.expires = clock() + self.seconds

    def remaining(self) -> float:
        """Seconds left (> 0); raises :class:`DeadlineExceeded` when none are."""
        left = self.expires - self._clock()
        if left <= 0:
            raise DeadlineExceeded(f"no complete reply within {self.seconds:g} s")
        return left


class _DeadlineReader(io.RawIOBase):
    """The reply side of a socket; each read first arms the socket timeout with the time left."""

    def __init__(self, sock: socket.socket, deadline: Callable[[], Deadline]):
        super().__init__()
        self._sock = sock
        # the socket's own raw file keeps its reference count, so http.client may close the
        # connection while this reply is still being read (it does for "Connection: close")
        self._raw = sock.makefile("rb", buffering=0)
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int | None:
        self._sock.settimeout(self._deadline().remaining())
        return self._raw.readinto(b)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class _DeadlineResponse(http.client.HTTPResponse):
    def __init__(self, sock: socket.socket, debuglevel: int = 0, method: str | None = None,
                 url: str | None = None, *, deadline: Callable[[], Deadline]):
        super().__init__(sock, debuglevel, method, url)
        self.fp.close()
        self.fp = io.BufferedReader(_DeadlineReader(sock, deadline))


class _DeadlineMixin:
    """Connect, send and read under ``self.deadline`` (set one before each request)."""

    deadline: Deadline | None = None
    sock: socket.socket | None
    timeout: float | None

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.response_class = functools.partial(_DeadlineResponse, deadline=self._current)

    def _current(self) -> Deadline:
        if self.deadline is None:
            raise RuntimeError("set .deadline before a request")
        return self.deadline

    def connect(self) -> None:
        self.timeout = self._current().remaining()
        super().connect()  # type: ignore[misc]

    def send(self, data: Any) -> None:
        if self.sock is None:
            self.connect()
        assert self.sock is not None
        # since Python 3.5 the timeout of sendall bounds the whole send, not each chunk
        self.sock.settimeout(self._current().remaining())
        super().send(data)  # type: ignore[misc]


class DeadlineHTTPConnection(_DeadlineMixin, http.client.HTTPConnection):
    """``http.client.HTTPConnection`` under a per-request deadline."""


class DeadlineHTTPSConnection(_DeadlineMixin, http.client.HTTPSConnection):
    """``http.client.HTTPSConnection`` under a per-request deadline."""
