"""A loopback chat-completions server for tests, with injectable faults and per-item counters."""

from __future__ import annotations

import json
import socket
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ITEM_RE = re.compile(r"ITEM<([^>]+)>")


class ChatServer:
    """Answers ``<answer>{answers[id]}</answer>`` for the item id found as ``ITEM<id>`` in the text.

    ``faults[id]`` lists what the successive requests for that item get before a normal reply:
    ``429``, ``500``, ``503``, ``slow`` (reply after ``slow_s``), ``drop`` (close the connection
    without a reply), ``malformed`` (200 with broken JSON), ``badshape`` (200 without choices),
    ``trickle`` (the whole normal reply, status line included, one byte every ``trickle_s``).
    """

    def __init__(self, answers: dict[str, str], faults: dict[str, list[str]] | None = None,
                 delay_s: float = 0.0, slow_s: float = 1.0, trickle_s: float = 0.5):
        self.answers = answers
        self.faults = {k: list(v) for k, v in (faults or {}).items()}
        self.delay_s, self.slow_s, self.trickle_s = delay_s, slow_s, trickle_s
        self.requests: Counter[str] = Counter()
        self.ok: Counter[str] = Counter()
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # as production servers do: without it Nagle + delayed ACK add ~40 ms per reply
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                    self.close_connection = True

            def _reply(self, item: str, model: str) -> bytes:
                return json.dumps({"id": "x", "object": "chat.completion", "model": model,
                                   "choices": [{"index": 0, "finish_reason": "stop",
                                                "message": {"role": "assistant",
                                                            "content": f"<think>hm</think><answer>{server.answers.get(item, '')}</answer>"}}]}).encode()

            def _trickle(self, item: str, model: str) -> None:
                body = self._reply(item, model)
                raw = (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                       .encode() + body)
                self.close_connection = True
                try:
                    for k in range(len(raw)):
                        self.wfile.write(raw[k:k + 1])
                        self.wfile.flush()
                        time.sleep(server.trickle_s)
                except OSError:  # the client gave up, as it should
                    return
                with server.lock:
                    server.ok[item] += 1

            def do_POST(self) -> None:
                n = int(self.headers.get("Content-Length", "0"))
                req = json.loads(self.rfile.read(n))
                if self.path != "/v1/chat/completions":
                    self._send(404, b'{"error": "not found"}')
                    return
                text = "".join(p.get("text", "") for p in req["messages"][-1]["content"] if p["type"] == "text")
                m = ITEM_RE.search(text)
                item = m.group(1) if m else "?"
                with server.lock:
                    server.requests[item] += 1
                    fault = server.faults.get(item, []).pop(0) if server.faults.get(item) else None
                if server.delay_s:
                    time.sleep(server.delay_s)
                if fault in ("429", "500", "503"):
                    self._send(int(fault), b'{"error": "try again"}', {"Retry-After": "0"} if fault == "429" else None)
                    return
                if fault == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if fault == "malformed":
                    self._send(200, b'{"choices": [{"message": ')
                    return
                if fault == "badshape":
                    self._send(200, b'{"choices": []}')
                    return
                if fault == "slow":
                    time.sleep(server.slow_s)
                if fault == "trickle":
                    self._trickle(item, req["model"])
                    return
                with server.lock:
                    server.ok[item] += 1
                self._send(200, self._reply(item, req["model"]))

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> "ChatServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
