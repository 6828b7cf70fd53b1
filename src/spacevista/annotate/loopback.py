"""A scripted OpenAI-compatible chat server on 127.0.0.1, for tests and dry runs of an annotation.

``ScriptedServer(script)`` answers ``POST <root>/chat/completions`` with ``script(request)``, where
``request`` is a :class:`ChatRequest` (model, system text, user text, number of images, raw body).
The script returns the completion text, an ``int`` HTTP status to fail that request, or a
:class:`Trickle` to send the reply one byte at a time (a stalling server, for deadline tests). Every
request is counted, and its body's SHA-256 kept, so a test can prove what was (not) sent.
Usage fields are reported (prompt tokens: words of the text plus 64 per image; completion tokens:
words of the reply) so token counting can be checked end to end.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable


@dataclass
class ChatRequest:
    """What the scripted model sees of one request."""

    model: str
    system: str
    text: str
    images: int
    body: dict[str, Any] = field(repr=False, default_factory=dict)


def parse_request(body: dict[str, Any]) -> ChatRequest:
    system, texts, images = "", [], 0
    for msg in body.get("messages", []):
        content = msg.get("content")
        if msg.get("role") == "system":
            system = content if isinstance(content, str) else ""
            continue
        if isinstance(content, str):
            texts.append(content)
            continue
        for part in content or []:
            if part.get("type") == "text":
                texts.append(part.get("text", ""))
            elif part.get("type") == "image_url":
                images += 1
    return ChatRequest(str(body.get("model", "")), system, "\n".join(texts), images, body)


@dataclass(frozen=True)
class Trickle:
    """A reply sent whole (status line, headers, body) but one byte every ``every_s`` seconds."""

    text: str
    every_s: float = 0.5


Script = Callable[[ChatRequest], "str | int | Trickle"]


class ScriptedServer:
    """Serve ``script`` on 127.0.0.1:<free port> in a background thread; use as a context manager."""

    def __init__(self, script: Script):
        self.script = script
        self.requests = 0
        self.bodies: list[str] = []  # SHA-256 of each request body, in arrival order
        self.seen: list[ChatRequest] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt: str, *args: Any) -> None:  # keep test output clean
                return

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                try:
                    body = json.loads(raw)
                except json.JSONDecodeError:
                    self._send(400, {"error": "bad json"})
                    return
                req = parse_request(body)
                with server._lock:
                    server.requests += 1
                    server.bodies.append(hashlib.sha256(raw).hexdigest())
                    server.seen.append(req)
                out = server.script(req)
                if isinstance(out, int):
                    self._send(out, {"error": f"scripted status {out}"})
                    return
                text = out.text if isinstance(out, Trickle) else out
                usage = {"prompt_tokens": len(req.text.split()) + len(req.system.split()) + 64 * req.images,
                         "completion_tokens": len(text.split())}
                usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
                self._send(200, {"id": "cmpl", "object": "chat.completion", "model": req.model,
                                 "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                              "finish_reason": "stop"}], "usage": usage},
                           out.every_s if isinstance(out, Trickle) else 0.0)

            def _send(self, status: int, obj: dict[str, Any], every_s: float = 0.0) -> None:
                data = json.dumps(obj).encode()
                if not every_s:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    try:
                        self.end_headers()
                        self.wfile.write(data)
                    except OSError:  # the client is gone (killed, or gave up waiting)
                        self.close_connection = True
                    return
                raw = (f"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\n"
                       f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n").encode() + data
                self.close_connection = True
                try:
                    for k in range(len(raw)):
                        self.wfile.write(raw[k:k + 1])
                        time.sleep(every_s)
                except OSError:  # the client gave up waiting
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> "ScriptedServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)
