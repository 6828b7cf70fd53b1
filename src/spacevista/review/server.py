"""The review web server: serves the page, the sample and judgements over a bounded pool of threads.

Routes (all GET unless said)::

    /                       the page (CSRF token and settings embedded)
    /static/app.js|app.css  package files
    /api/items              the sample: every item the page shows
    /api/judgements?annotator=NAME   that annotator's latest verdicts and progress
    POST /api/judge         {"item_id", "verdict": "accept"|"reject", "comment", "annotator"}
    /api/agreement          percent agreement and Cohen's kappa per annotator pair
    /api/overlay?item=ID&mask=K      PNG overlay of mask K of an item (transparent elsewhere)
    /files/REL              an image inside the dataset folder (frames, masks)

Safety: bound to loopback, the Host header must name a loopback host (no DNS rebinding); bound to
any other address, a token is required and every request must carry it (``X-Review-Token``
header, a cookie set after one ``?token=`` visit, or the query itself). POSTs must carry the
per-server CSRF token in ``X-CSRF-Token``, a same-origin ``Origin`` (when sent) and a JSON body.
Any exception in a handler becomes a 500 JSON reply naming it; the server goes on.

Holding up: the server is a :class:`~spacevista.review.httpd.PooledHTTPServer`. Its loop reads
each request whole (headers and body) before a handler thread sees it, so a client that trickles
or stalls its request (slowloris) holds no thread and is cut off ``request_timeout`` seconds after
connecting (408); ``threads`` handler threads answer complete requests; a burst of 100+ clients
waits in the listen backlog. ``--host ::1`` serves over IPv6; the loopback rules are the same
(``[::1]:PORT`` is an allowed Host).
"""

from __future__ import annotations

import hmac
import html
import io
import ipaddress
import json
import logging
import re
import secrets
import threading
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import numpy as np
from PIL import Image

from spacevista.records import QARecord
from spacevista.review.paths import Forbidden, NotFound, resolve_inside
from spacevista.review.sample import item_payload, load_dataset, stratified_sample
from spacevista.review.agreement import pairwise_agreement
from spacevista.review.httpd import BufferedRequestHandler, PooledHTTPServer
from spacevista.review.storage import VERDICTS, JudgementStore

log = logging.getLogger(__name__)

MAX_BODY = 16 * 1024
MAX_COMMENT = 2000
ANNOTATOR_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.@-]{0,63}$")
STATIC_FILES = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}
IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp",
               ".gif": "image/gif", ".bmp": "image/bmp"}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
MASK_RGB = (255, 0, 200)


def bare_host(host: str) -> str:
    """``::1`` for ``[::1]``: the address as bind() takes it."""
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def url_host(host: str) -> str:
    """``[::1]`` for ``::1``: the address as URLs and Host headers write it."""
    host = bare_host(host)
    return f"[{host}]" if ":" in host else host


def is_loopback(host: str) -> bool:
    """Whether ``host`` names only this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse (``ValueError``) to serve on a non-loopback address without a token."""
    if not is_loopback(host) and not token:
        raise ValueError(f"refusing to bind {host!r} without --token: the review page would be open "
                         "to anyone who can reach this machine (bind 127.0.0.1, or pass --token)")


@dataclass
class ReviewConfig:
    """Settings of one review server."""

    dataset_dir: Path
    db_path: Path | None = None
    sample: int | None = 200
    seed: int = 0
    annotator: str = ""
    token: str | None = None
    max_comment: int = MAX_COMMENT

    def __post_init__(self) -> None:
        self.dataset_dir = Path(self.dataset_dir).resolve()
        if self.db_path is None:
            self.db_path = self.dataset_dir / "review.sqlite"
        if self.annotator and not ANNOTATOR_RE.match(self.annotator):
            raise ValueError(f"annotator name {self.annotator!r}: use 1-64 letters, digits, space, _ . @ -")


class HttpError(Exception):
    """A client error to answer with ``status`` and a message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class ReviewApp:
    """The state behind the server: sample, store and secrets. Thread-safe."""

    config: ReviewConfig
    records: list[QARecord] | None = None
    csrf_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    def __post_init__(self) -> None:
        if self.records is None:
            self.records = load_dataset(self.config.dataset_dir)
        self.sample = stratified_sample(self.records, self.config.sample, self.config.seed)
        self.by_id = {r.id: r for r in self.sample}
        self.items = [item_payload(r) for r in self.sample]
        assert self.config.db_path is not None
        self.store = JudgementStore(self.config.db_path)

    # --- API bodies -------------------------------------------------------------------------
    def items_body(self) -> dict[str, Any]:
        return {"items": self.items, "total": len(self.items), "seed": self.config.seed,
                "dataset": self.config.dataset_dir.name}

    def judgements_body(self, annotator: str) -> dict[str, Any]:
        latest = {j.item_id: j.to_dict() for j in self.store.latest(annotator) if j.item_id in self.by_id}
        return {"annotator": annotator, "judgements": latest, "done": len(latest), "total": len(self.items)}

    def judge(self, payload: Any) -> dict[str, Any]:
        """Validate a POSTed judgement by hand and store it."""
        if not isinstance(payload, dict):
            raise HttpError(400, "body must be a JSON object")
        allowed = {"item_id", "verdict", "comment", "annotator"}
        extra = set(payload) - allowed
        if extra:
            raise HttpError(400, f"unknown fields {sorted(extra)}; allowed {sorted(allowed)}")
        item_id = payload.get("item_id")
        verdict = payload.get("verdict")
        comment = payload.get("comment", "")
        annotator = payload.get("annotator")
        if not isinstance(item_id, str) or not item_id:
            raise HttpError(400, "item_id must be a non-empty string")
        if item_id not in self.by_id:
            raise HttpError(404, f"item {item_id[:80]!r} is not in this review sample")
        if verdict not in VERDICTS:
            raise HttpError(400, f"verdict must be one of {list(VERDICTS)}")
        if not isinstance(comment, str):
            raise HttpError(400, "comment must be a string")
        if len(comment) > self.config.max_comment:
            raise HttpError(400, f"comment longer than {self.config.max_comment} characters")
        if not isinstance(annotator, str) or not ANNOTATOR_RE.match(annotator):
            raise HttpError(400, "annotator must be 1-64 letters, digits, space, _ . @ -")
        j = self.store.record(item_id, annotator, verdict, comment.strip())
        progress = self.judgements_body(annotator)
        return {"ok": True, "judgement": j.to_dict(), "done": progress["done"], "total": progress["total"]}

    def agreement_body(self) -> dict[str, Any]:
        latest = [j for j in self.store.latest() if j.item_id in self.by_id]
        return {"pairs": [p.to_dict() for p in pairwise_agreement(latest)]}

    def overlay_png(self, item_id: str, mask_index: str) -> bytes:
        """An RGBA PNG tinting the selected objects of one mask, outlined, transparent elsewhere."""
        record = self.by_id.get(item_id)
        if record is None:
            raise HttpError(404, "item is not in this review sample")
        masks = (record.annotations or {}).get("masks") or []
        if not mask_index.isdigit() or int(mask_index) >= len(masks):
            raise HttpError(404, f"item has no mask {mask_index[:10]!r}")
        entry = masks[int(mask_index)]
        try:
            path = resolve_inside(self.config.dataset_dir, str(entry.get("mask_path", "")))
        except Forbidden as e:
            raise HttpError(403, str(e)) from e
        except NotFound as e:
            raise HttpError(404, str(e)) from e
        with Image.open(path) as im:
            arr = np.asarray(im.convert("I") if im.mode in ("P", "I;16", "I;16B", "I;16L") else im)
        values = arr if arr.ndim == 2 else arr[..., :3].max(axis=-1)
        ids = [int(i) for i in entry.get("object_ids") or [] if isinstance(i, (int, float))]
        # An instance-id mask holding the listed ids selects those objects; a binary mask (0/1,
        # 0/255, or ids that do not occur in it) marks the object with every non-zero pixel.
        hit = np.isin(values, ids) if ids else None
        sel = hit if hit is not None and hit.any() else values > 0
        inner = sel.copy()
        inner[1:, :] &= sel[:-1, :]
        inner[:-1, :] &= sel[1:, :]
        inner[:, 1:] &= sel[:, :-1]
        inner[:, :-1] &= sel[:, 1:]
        rgba = np.zeros(sel.shape + (4,), dtype=np.uint8)
        rgba[sel, :3] = MASK_RGB
        rgba[sel, 3] = 96
        rgba[sel & ~inner, 3] = 255
        buf = io.BytesIO()
        Image.fromarray(rgba, "RGBA").save(buf, format="PNG")
        return buf.getvalue()

    def page(self) -> bytes:
        template = resources.files("spacevista.review").joinpath("static/index.html").read_text("utf-8")
        settings = json.dumps({"annotator": self.config.annotator, "total": len(self.items),
                               "dataset": self.config.dataset_dir.name, "seed": self.config.seed,
                               "max_comment": self.config.max_comment})
        # Safe inside a non-executed JSON <script>: no "</script>" can close it early.
        settings = settings.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        out = template.replace("{{CSRF_TOKEN}}", html.escape(self.csrf_token, quote=True))
        out = out.replace("{{SETTINGS_JSON}}", settings)
        out = out.replace("{{DATASET}}", html.escape(self.config.dataset_dir.name))
        return out.encode("utf-8")


class ReviewServer(PooledHTTPServer):
    """The HTTP server of one ``ReviewApp``; ``threads``, ``request_timeout`` (seconds a client
    has to deliver its request) and ``write_timeout`` go to :class:`PooledHTTPServer`."""

    def __init__(self, app: ReviewApp, host: str = "127.0.0.1", port: int = 0, *,
                 require_token: bool | None = None, threads: int = 16, request_timeout: float = 10.0,
                 write_timeout: float = 30.0):
        host = bare_host(host)
        check_bind(host, app.config.token)
        self.app = app
        self.bind_host = host
        # ``remote`` means token-protected; it is forced on beyond loopback, and can be switched
        # on for loopback too (tests exercise the remote code path that way).
        self.remote = bool(app.config.token) if require_token is None else require_token
        if self.remote and not app.config.token:
            raise ValueError("require_token needs a token")
        super().__init__((host, port), ReviewHandler, threads=threads, request_timeout=request_timeout,
                         write_timeout=write_timeout, max_body=MAX_BODY)
        self.port = int(self.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{url_host(self.bind_host)}:{self.port}/"

    def allowed_hosts(self) -> set[str]:
        names = {"127.0.0.1", "localhost", "[::1]", url_host(self.bind_host)}
        return {f"{n}:{self.port}" for n in names}

    def server_close(self) -> None:
        super().server_close()
        self.app.store.close()

    def serve_in_thread(self) -> threading.Thread:
        """Start ``serve_forever`` in a daemon thread (tests, embedding); stop with ``shutdown()``."""
        t = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                             name="review-server", daemon=True)
        t.start()
        return t


class ReviewHandler(BufferedRequestHandler):
    """One request, already read whole; every reply is built in full before anything is sent."""

    server: ReviewServer
    server_version = "SpaceVistaReview/1"
    sys_version = ""

    # --- plumbing ---------------------------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        self._handle("POST")

    def _handle(self, method: str) -> None:
        try:
            status, headers, body = self._route(method)
        except HttpError as e:
            status, headers, body = self._json(e.status, {"error": e.message})
        except Exception as e:  # a bug must answer 500 and leave the server running
            log.exception("review server: %s %s failed", method, self.path[:200])
            status, headers, body = self._json(500, {"error": f"internal error: {e.__class__.__name__}: {e}"})
        self._send(status, headers, body)

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        base = {"Content-Length": str(len(body)), "X-Content-Type-Options": "nosniff",
                "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
                "Content-Security-Policy": CSP, "Cache-Control": "no-store",
                "Cross-Origin-Resource-Policy": "same-origin"}
        base.update(headers)
        for k, v in base.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    @staticmethod
    def _json(status: int, obj: Any) -> tuple[int, dict[str, str], bytes]:
        return status, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(obj).encode("utf-8")

    # --- checks -----------------------------------------------------------------------------
    def _check_host(self) -> None:
        host = self.headers.get("Host", "")
        if not self.server.remote and host.lower() not in self.server.allowed_hosts():
            raise HttpError(403, f"unexpected Host header {host[:100]!r}")

    def _cookie_name(self) -> str:
        return f"review_token_{self.server.port}"

    def _check_token(self, query: dict[str, list[str]]) -> str | None:
        """None when the request may go on; else a URL to redirect to after setting the cookie."""
        if not self.server.remote:
            return None
        token = self.server.app.config.token or ""
        given = self.headers.get("X-Review-Token")
        if given is None:
            try:
                jar = SimpleCookie(self.headers.get("Cookie", ""))
            except CookieError:
                jar = SimpleCookie()
            if self._cookie_name() in jar:
                given = jar[self._cookie_name()].value
        if given is not None and hmac.compare_digest(given.encode(), token.encode()):
            return None
        q = query.get("token", [])
        if len(q) == 1 and hmac.compare_digest(q[0].encode(), token.encode()):
            # Token in the URL once: keep it in a cookie and drop it from the address bar.
            parts = urlsplit(self.path)
            rest = {k: v for k, v in query.items() if k != "token"}
            return parts.path + ("?" + urlencode(rest, doseq=True) if rest else "")
        raise HttpError(401, "this review server needs its token (X-Review-Token header, or ?token= once)")

    def _check_post(self) -> Any:
        site = self.headers.get("Sec-Fetch-Site")
        if site is not None and site not in ("same-origin", "none"):
            raise HttpError(403, f"cross-site request refused (Sec-Fetch-Site: {site[:40]})")
        origin = self.headers.get("Origin")
        if origin is not None:
            expected = f"http://{self.headers.get('Host', '')}".lower()
            if origin.lower() != expected:
                raise HttpError(403, f"cross-origin request refused (Origin {origin[:100]!r})")
        csrf = self.headers.get("X-CSRF-Token", "")
        if not hmac.compare_digest(csrf.encode(), self.server.app.csrf_token.encode()):
            raise HttpError(403, "missing or wrong X-CSRF-Token")
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            raise HttpError(415, "Content-Type must be application/json")
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            raise HttpError(411, "Content-Length required")
        if int(length) > MAX_BODY:
            raise HttpError(413, f"body larger than {MAX_BODY} bytes")
        raw = self.rfile.read(int(length))
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise HttpError(400, f"body is not valid JSON: {e}") from e

    # --- routes -----------------------------------------------------------------------------
    def _route(self, method: str) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        self._check_host()
        redirect = self._check_token(query)
        if redirect is not None:
            cookie = (f"{self._cookie_name()}={self.server.app.config.token}; Path=/; HttpOnly; "
                      "SameSite=Strict")
            return 303, {"Location": redirect, "Set-Cookie": cookie, "Content-Type": "text/plain"}, b"see other\n"
        app = self.server.app
        path = parts.path
        if method == "POST":
            if path != "/api/judge":
                raise HttpError(404 if not path.startswith("/api/") else 405, "no such POST endpoint")
            return self._json(200, app.judge(self._check_post()))
        if path in ("/", "/index.html"):
            return 200, {"Content-Type": "text/html; charset=utf-8"}, app.page()
        if path.startswith("/static/"):
            name = path[len("/static/"):]
            if name not in STATIC_FILES:
                raise HttpError(404, "no such static file")
            body = resources.files("spacevista.review").joinpath("static", name).read_bytes()
            return 200, {"Content-Type": STATIC_FILES[name]}, body
        if path == "/api/items":
            return self._json(200, app.items_body())
        if path == "/api/judgements":
            who = query.get("annotator", [""])[0]
            if not ANNOTATOR_RE.match(who):
                raise HttpError(400, "annotator must be 1-64 letters, digits, space, _ . @ -")
            return self._json(200, app.judgements_body(who))
        if path == "/api/agreement":
            return self._json(200, app.agreement_body())
        if path == "/api/overlay":
            body = app.overlay_png(query.get("item", [""])[0], query.get("mask", [""])[0])
            return 200, {"Content-Type": "image/png"}, body
        if path.startswith("/files/"):
            try:
                rel = unquote(path[len("/files/"):], errors="strict")
            except UnicodeDecodeError as e:
                raise HttpError(400, "path is not valid percent-encoded UTF-8") from e
            try:
                real = resolve_inside(app.config.dataset_dir, rel)
            except Forbidden as e:
                raise HttpError(403, str(e)) from e
            except NotFound as e:
                raise HttpError(404, str(e)) from e
            return 200, {"Content-Type": IMAGE_TYPES[real.suffix.lower()],
                         "Cache-Control": "private, max-age=3600"}, real.read_bytes()
        raise HttpError(404, "not found")


def make_server(config: ReviewConfig, host: str = "127.0.0.1", port: int = 0, **options: Any) -> ReviewServer:
    """Load the dataset, draw the sample, open the store and bind (refusing unsafe binds first);
    ``options`` go to :class:`ReviewServer` (threads, request_timeout, write_timeout)."""
    check_bind(bare_host(host), config.token)
    return ReviewServer(ReviewApp(config), host, port, **options)
