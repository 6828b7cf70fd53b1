"""An HTTP/1.0 server that slow clients cannot hold: one loop reads whole requests, a pool answers.

``ThreadingHTTPServer`` starts a thread per connection, and that thread then waits for the request
for as long as the client likes: 200 clients that each send half a header (slowloris), or declare
``Content-Length: 500`` and send one byte, hold 200 threads for good. Here:

- the thread that calls :meth:`PooledHTTPServer.serve_forever` runs a selector loop that accepts
  connections and reads each request without blocking until its headers and its declared body
  are in. A connection that has not delivered them ``request_timeout`` seconds after it was
  accepted gets a 408 and is closed (one that sent nothing is just closed); headers longer than
  ``max_header`` bytes get a 431. Reading costs a buffer, never a thread;
- complete requests go to a pool of ``threads`` handler threads, which parse them from memory
  (:class:`BufferedRequestHandler`) and write the reply under a socket timeout of
  ``write_timeout`` seconds;
- at most ``max_pending`` connections are read at once; beyond that the loop stops accepting and
  clients wait in the listen backlog (``request_queue_size``, sized for a burst of 128).

A host that is an IPv6 literal (``::1``) is served over IPv6.
"""

from __future__ import annotations

import io
import selectors
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

_TIMED_OUT = (b"HTTP/1.0 408 Request Timeout\r\nContent-Type: text/plain\r\nContent-Length: 29\r\n"
              b"Connection: close\r\n\r\nrequest not received in time\n")
_TOO_LARGE = (b"HTTP/1.0 431 Request Header Fields Too Large\r\nContent-Type: text/plain\r\n"
              b"Content-Length: 21\r\nConnection: close\r\n\r\nheaders are too long\n")


def host_family(host: str) -> socket.AddressFamily:
    """AF_INET6 for an IPv6 literal (``::1``, ``[::1]``), AF_INET otherwise."""
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def head_end(buf: bytes | bytearray) -> tuple[int, int] | None:
    """(end of the headers, start of the body) once the blank line after the headers is in."""
    ends = [(i, i + n) for i, n in ((buf.find(b"\r\n\r\n"), 4), (buf.find(b"\n\n"), 2)) if i >= 0]
    return min(ends) if ends else None


def request_size(buf: bytes | bytearray, max_body: int) -> int | None:
    """Bytes of the first request in ``buf`` once its headers and body are complete, else None.

    A body is awaited only as far as ``Content-Length`` says and at most ``max_body`` bytes: a
    request declaring more is complete at its headers (its handler refuses it unread)."""
    head = head_end(buf)
    if head is None:
        return None
    end, body_start = head
    length = 0
    for line in bytes(buf[:end]).split(b"\n")[1:]:
        name, sep, value = line.partition(b":")
        if sep and name.strip().lower() == b"content-length":
            value = value.strip()
            length = int(value) if value.isdigit() else 0
            break
    if length > max_body:
        return body_start
    return body_start + length if len(buf) >= body_start + length else None


@dataclass
class _Reading:
    """A connection whose request is still coming in."""

    address: Any
    expires: float
    buf: bytearray = field(default_factory=bytearray)


class BufferedRequestHandler(BaseHTTPRequestHandler):
    """A handler for :class:`PooledHTTPServer`: its request was read whole by the server's loop and
    is parsed from memory, so it never waits on the client to send; replies are written under the
    server's ``write_timeout``."""

    server: "PooledHTTPServer"

    def __init__(self, request: socket.socket, client_address: Any, server: "PooledHTTPServer",
                 data: bytes = b""):
        self._data = data
        super().__init__(request, client_address, server)

    @property
    def timeout(self) -> float | None:  # type: ignore[override] - read by StreamRequestHandler.setup
        return self.server.write_timeout

    def setup(self) -> None:
        super().setup()
        self.rfile.close()
        self.rfile = io.BytesIO(self._data)


class PooledHTTPServer(HTTPServer):
    """See the module docstring. ``busy`` and ``reading`` count handlers running and connections
    being read (for tests and monitoring)."""

    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BufferedRequestHandler], *, threads: int = 16,
                 request_timeout: float = 10.0, write_timeout: float | None = 30.0, max_pending: int = 512,
                 max_header: int = 64 * 1024, max_body: int = 1 << 20):
        self.address_family = host_family(address[0])
        self.threads, self.request_timeout, self.write_timeout = max(1, threads), request_timeout, write_timeout
        self.max_pending, self.max_header, self.max_body = max(1, max_pending), max_header, max_body
        self.busy = 0
        self.reading = 0
        self._busy_lock = threading.Lock()
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()
        # made before binding: a failed bind calls server_close(), which shuts the pool down
        self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="http-handler")
        super().__init__(address, handler)

    # --- the loop ---------------------------------------------------------------------------
    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Accept, read and dispatch requests until :meth:`shutdown`."""
        self._stopped.clear()
        self.socket.setblocking(False)
        reading: dict[socket.socket, _Reading] = {}
        sel = selectors.DefaultSelector()
        sel.register(self.socket, selectors.EVENT_READ)
        accepting = True
        try:
            while not self._stop.is_set():
                wait = poll_interval
                if reading:
                    wait = min(wait, max(0.0, min(r.expires for r in reading.values()) - time.monotonic()))
                for key, _ in sel.select(wait):
                    if key.fileobj is self.socket:
                        self._accept(sel, reading)
                    else:
                        self._read(sel, reading, key.fileobj)  # type: ignore[arg-type]
                self._expire(sel, reading)
                if accepting and len(reading) >= self.max_pending:
                    # full: new clients wait in the listen backlog until a slot frees
                    sel.unregister(self.socket)
                    accepting = False
                elif not accepting and len(reading) < self.max_pending:
                    sel.register(self.socket, selectors.EVENT_READ)
                    accepting = True
                self.reading = len(reading)
                self.service_actions()
        finally:
            for conn in list(reading):
                self._drop(sel, reading, conn)
            self.reading = 0
            sel.close()
            # cleared here, not on entry, so a shutdown() that came before the loop started still stops it
            self._stop.clear()
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop :meth:`serve_forever` and wait until it has returned (call from another thread)."""
        self._stop.set()
        self._stopped.wait()

    def server_close(self) -> None:
        super().server_close()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _accept(self, sel: selectors.BaseSelector, reading: dict[socket.socket, _Reading]) -> None:
        while len(reading) < self.max_pending:
            try:
                conn, addr = self.socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # e.g. out of file descriptors: try again on the next round
                return
            conn.setblocking(False)
            reading[conn] = _Reading(addr, time.monotonic() + self.request_timeout)
            sel.register(conn, selectors.EVENT_READ)

    def _read(self, sel: selectors.BaseSelector, reading: dict[socket.socket, _Reading], conn: socket.socket) -> None:
        r = reading[conn]
        try:
            data = conn.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # the client went away before finishing its request
            self._drop(sel, reading, conn)
            return
        r.buf += data
        head = head_end(r.buf)
        if (head[0] if head else len(r.buf)) > self.max_header:
            self._drop(sel, reading, conn, _TOO_LARGE)
            return
        size = request_size(r.buf, self.max_body)
        if size is None:
            return
        sel.unregister(conn)
        del reading[conn]
        self._pool.submit(self._handle, conn, r.address, bytes(r.buf[:size]))

    def _expire(self, sel: selectors.BaseSelector, reading: dict[socket.socket, _Reading]) -> None:
        now = time.monotonic()
        for conn in [c for c, r in reading.items() if r.expires <= now]:
            self._drop(sel, reading, conn, _TIMED_OUT if reading[conn].buf else b"")

    def _drop(self, sel: selectors.BaseSelector, reading: dict[socket.socket, _Reading], conn: socket.socket,
              reply: bytes = b"") -> None:
        sel.unregister(conn)
        del reading[conn]
        if reply:
            try:
                conn.send(reply)  # best effort: the socket buffer takes it, or the client never sees it
            except OSError:
                pass
        self.shutdown_request(conn)

    # --- the pool ---------------------------------------------------------------------------
    def _handle(self, conn: socket.socket, address: Any, data: bytes) -> None:
        with self._busy_lock:
            self.busy += 1
        try:
            self.RequestHandlerClass(conn, address, self, data)  # type: ignore[call-arg]
        except Exception:  # noqa: BLE001 - one broken request must not take the server down
            self.handle_error(conn, address)
        finally:
            self.shutdown_request(conn)
            with self._busy_lock:
                self.busy -= 1
