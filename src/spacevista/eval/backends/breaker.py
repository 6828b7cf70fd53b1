"""A circuit breaker for one endpoint: a run stops at once when the server is not there.

Without it every request to a closed port retries with backoff for a minute before it fails, and
a 450-item run spends an hour failing its items one by one. The breaker counts requests that could
not reach the server (no connection, or an answer that says the endpoint or its credentials are
wrong: HTTP 401, 403, 404) and trips:

- on the first such failure when no request has reached the server yet and the failure is
  definite (connection refused, host name unknown, network or host unreachable): the server is
  down or the URL is wrong, and retrying will not change that;
- after ``threshold`` such failures in a row, with no success between them (a server that went
  away during the run, or one that never answers a connection).

Once tripped, every request raises the same :class:`~spacevista.errors.EndpointUnreachable` before
it is sent, and backoff sleeps end early (``wait``), so the requests in flight stop too. A dropped
connection after the request was sent, a timeout while reading, a 429 or a 5xx do not count: the
server is there, and the usual retries deal with those.
"""

from __future__ import annotations

import errno
import socket
import ssl
import threading

from spacevista.errors import EndpointUnreachable

#: HTTP statuses that mean "wrong endpoint, model or key" for every request alike
CONFIG_STATUSES = (401, 403, 404)
DEFAULT_THRESHOLD = 3


def connect_failure(e: BaseException, timeout: float) -> tuple[str, bool]:
    """(cause in words, definite) of an exception raised while connecting; ``definite`` when the
    network said no outright (refused, unknown host, unreachable), not merely slowly."""
    if isinstance(e, ConnectionRefusedError):
        return "connection refused (is the server running, on this port?)", True
    if isinstance(e, socket.gaierror):
        return f"host name not resolved ({e.strerror or e})", True
    if isinstance(e, ssl.SSLError):
        return f"TLS handshake failed ({e})", False
    if isinstance(e, (TimeoutError, socket.timeout)):
        return f"no connection within {timeout:g} s", False
    if isinstance(e, OSError) and e.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return f"{e.strerror or 'unreachable'}", True
    return f"connection failed ({type(e).__name__}: {e})", False


class CircuitBreaker:
    """Counts failures to reach ``url`` across threads; see the module docstring for when it trips."""

    def __init__(self, url: str, threshold: int = DEFAULT_THRESHOLD):
        if threshold < 1:
            raise ValueError(f"the circuit breaker needs a threshold >= 1, got {threshold}")
        self.url = url
        self.threshold = threshold
        self._lock = threading.Lock()
        self._streak = 0
        self._reached = False
        self._tripped = threading.Event()
        self.error: EndpointUnreachable | None = None

    @property
    def tripped(self) -> bool:
        return self._tripped.is_set()

    def check(self) -> None:
        """Raise the breaker's error once it has tripped."""
        if self.error is not None:
            raise self.error

    def success(self) -> None:
        """A request reached the server (whatever it answered, short of the statuses above)."""
        with self._lock:
            self._streak = 0
            self._reached = True

    def failure(self, cause: str, definite: bool = False) -> None:
        """A request could not reach the server, for ``cause``; trips when the rules say so."""
        with self._lock:
            self._streak += 1
            if self.error is None and ((definite and not self._reached) or self._streak >= self.threshold):
                streak = "" if self._streak == 1 else f" ({self._streak} requests in a row)"
                self.error = EndpointUnreachable(self.url, cause + streak)
                self._tripped.set()

    def wait(self, seconds: float) -> None:
        """Sleep ``seconds``, or less when the breaker trips meanwhile (a backoff that ends early)."""
        self._tripped.wait(seconds)
