"""OpenAI-compatible chat-completions client (vLLM, SGLang, LM Studio, hosted APIs), stdlib only.

Frames go as base64 JPEG ``image_url`` parts before the text. Requests run on a thread pool; each
retries with exponential backoff and jitter on 429, 5xx, timeouts, dropped connections and
malformed replies (honouring ``Retry-After``), and a shared limiter spaces request starts when a
rate limit is set. A :class:`~spacevista.eval.backends.breaker.CircuitBreaker` stops every request
with one :class:`~spacevista.errors.EndpointUnreachable` once the server proves unreachable. Connections are kept alive per thread. ``timeout`` is a deadline for each
attempt as a whole (connecting, sending, and reading the reply to its last byte), not a limit on
each socket read, so a server that trickles bytes cannot hold a request past it.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import socket
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from spacevista.errors import SpaceVistaError
from spacevista.eval.backends import BACKENDS, BackendConfig
from spacevista.eval.backends.breaker import CONFIG_STATUSES, DEFAULT_THRESHOLD, CircuitBreaker, connect_failure
from spacevista.eval.backends.deadline import Deadline, DeadlineHTTPConnection, DeadlineHTTPSConnection
from spacevista.qa.framecache import encode_jpeg
from spacevista.qa.types import Prompt


class BackendError(SpaceVistaError):
    """A request failed for good (a client error, or retries used up)."""


class RetryableError(SpaceVistaError):
    """A failure worth retrying; ``retry_after`` is the server's hint in seconds, if any."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


def chat_messages(prompt: Prompt, quality: int = 85) -> list[dict[str, Any]]:
    """The ``messages`` list of one prompt (the prompt's own JPEGs when it carries them)."""
    jpeg = prompt.jpeg if len(prompt.jpeg) == len(prompt.images) else [encode_jpeg(im, quality) for im in prompt.images]
    content: list[dict[str, Any]] = [
        {"type": "image_url", "image_url": {"url": f"data:image/jpeg;base64,{b64}"}} for b64 in jpeg]
    content.append({"type": "text", "text": prompt.text})
    msgs: list[dict[str, Any]] = []
    if prompt.system:
        msgs.append({"role": "system", "content": prompt.system})
    msgs.append({"role": "user", "content": content})
    return msgs


class RateLimiter:
    """Spaces request starts at least ``1 / rate`` seconds apart across threads (0: no limit)."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()
        self._clock, self._sleep = clock, sleep

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self._sleep(start - now)


def _content_text(reply: Any) -> str:
    """The completion text of a chat-completions reply; raises RetryableError when malformed."""
    try:
        msg = reply["choices"][0]["message"]
        content = msg.get("content")
        if content is None:
            content = msg.get("reasoning_content") or ""
        if isinstance(content, list):
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        if not isinstance(content, str):
            raise TypeError(type(content).__name__)
        return content
    except (KeyError, IndexError, TypeError, AttributeError) as e:
        raise RetryableError(f"malformed reply ({type(e).__name__}: {e})") from e


class OpenAIChatBackend:
    """Chat-completions client with retries, backoff, a rate limit and a thread pool."""

    name = "openai"

    def __init__(self, model: str, base_url: str, api_key: str | None = None, *, timeout: float = 120.0,
                 max_retries: int = 8, backoff_base: float = 0.5, backoff_max: float = 30.0,
                 rate_limit: float = 0.0, concurrency: int = 8, temperature: float = 0.0, seed: int = 0,
                 jpeg_quality: int = 85, sleep: Callable[[float], None] | None = None,
                 trip_after: int = DEFAULT_THRESHOLD):
        if not model:
            raise ValueError("the openai backend needs --model")
        u = urllib.parse.urlsplit(base_url.rstrip("/"))
        if u.scheme not in ("http", "https") or not u.hostname:
            raise ValueError(f"base URL {base_url!r} must be http(s)://host[:port]/path")
        self.model, self.api_key = model, api_key
        self._scheme, self._host, self._port = u.scheme, u.hostname, u.port
        self._path = (u.path or "") + "/chat/completions"
        self.timeout, self.max_retries = timeout, max_retries
        self.backoff_base, self.backoff_max = backoff_base, backoff_max
        self.concurrency, self.temperature, self.jpeg_quality = max(1, concurrency), temperature, jpeg_quality
        self.limiter = RateLimiter(rate_limit)
        self.breaker = CircuitBreaker(base_url.rstrip("/"), trip_after)
        # a backoff sleep ends early when the breaker trips, so that no request lingers
        self._sleep = sleep or self.breaker.wait
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self._local = threading.local()
        #: requests sent, retries made (for reports and tests)
        self.requests = 0
        self.retries = 0
        self._count_lock = threading.Lock()

    # -- connection handling
    def _conn(self) -> DeadlineHTTPConnection | DeadlineHTTPSConnection:
        c = getattr(self._local, "conn", None)
        if c is None:
            cls = DeadlineHTTPSConnection if self._scheme == "https" else DeadlineHTTPConnection
            c = cls(self._host, self._port, timeout=self.timeout)
            self._local.conn = c
        return c

    def _drop_conn(self) -> None:
        c = getattr(self._local, "conn", None)
        if c is not None:
            c.close()
            self._local.conn = None

    def _post(self, body: bytes) -> str:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        conn = self._conn()
        conn.deadline = Deadline(self.timeout)
        with self._count_lock:
            self.requests += 1
        if conn.sock is None:  # connecting apart, so that the breaker sees what could not reach the server
            try:
                conn.connect()
            except OSError as e:
                self._drop_conn()
                cause, definite = connect_failure(e, self.timeout)
                self.breaker.failure(cause, definite)
                raise RetryableError(cause) from e
        try:
            conn.request("POST", self._path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except (TimeoutError, socket.timeout) as e:
            self._drop_conn()
            raise RetryableError(f"timeout after {self.timeout:g} s") from e
        except (ConnectionError, http.client.HTTPException, OSError) as e:
            self._drop_conn()
            raise RetryableError(f"connection failed ({type(e).__name__}: {e})") from e
        if resp.getheader("Connection", "").lower() == "close" or resp.version == 10:
            self._drop_conn()
        if resp.status in CONFIG_STATUSES:
            self.breaker.failure(f"HTTP {resp.status} {resp.reason} (wrong URL path, model or API key?): "
                                 f"{data[:200]!r}")
        else:
            self.breaker.success()
        if resp.status == 429 or resp.status >= 500:
            ra = resp.getheader("Retry-After")
            try:
                hint = float(ra) if ra else None
            except ValueError:
                hint = None
            raise RetryableError(f"HTTP {resp.status}: {data[:200]!r}", hint)
        if resp.status != 200:
            raise BackendError(f"HTTP {resp.status} from {self._host}{self._path}: {data[:500]!r}")
        try:
            reply = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise RetryableError(f"malformed JSON reply ({e})") from e
        text = _content_text(reply)
        usage = reply.get("usage") if isinstance(reply, dict) else None
        self._local.usage = usage if isinstance(usage, dict) else {}
        return text

    def _delay(self, attempt: int, hint: float | None) -> float:
        with self._rng_lock:
            jitter = 0.5 + 0.5 * self._rng.random()
        d = min(self.backoff_max, self.backoff_base * (2 ** attempt)) * jitter
        if hint is not None:
            d = max(d, min(hint, self.backoff_max))
        return d

    def complete(self, prompt: Prompt) -> str:
        """One completion, retried until it succeeds or ``max_retries`` retries are used; raises
        :class:`~spacevista.errors.EndpointUnreachable` once the breaker has tripped."""
        body = json.dumps({"model": self.model, "messages": chat_messages(prompt, self.jpeg_quality),
                           "max_tokens": prompt.max_new_tokens, "temperature": self.temperature}).encode()
        last: RetryableError | None = None
        for attempt in range(self.max_retries + 1):
            self.breaker.check()
            self.limiter.wait()
            try:
                return self._post(body)
            except BackendError:
                self.breaker.check()  # the failure that tripped it is reported as the breaker's error
                raise
            except RetryableError as e:
                last = e
                self.breaker.check()
                if attempt == self.max_retries:
                    break
                with self._count_lock:
                    self.retries += 1
                self._sleep(self._delay(attempt, e.retry_after))
        self.breaker.check()
        raise BackendError(f"item {prompt.id}: gave up after {self.max_retries + 1} attempts: {last}")

    def complete_with_usage(self, prompt: Prompt) -> tuple[str, dict[str, Any]]:
        """One completion and the ``usage`` object of the reply that gave it ({} when the server
        sent none); the usage is read on the thread that made the request."""
        self._local.usage = {}
        text = self.complete(prompt)
        return text, dict(getattr(self._local, "usage", {}) or {})

    def answer(self, prompts: list[Prompt]) -> list[str]:
        """Completions in order; up to ``concurrency`` requests in flight."""
        if len(prompts) <= 1 or self.concurrency == 1:
            return [self.complete(p) for p in prompts]
        with ThreadPoolExecutor(min(self.concurrency, len(prompts))) as ex:
            return list(ex.map(self.complete, prompts))


@BACKENDS.register("openai")
def create_openai(cfg: BackendConfig) -> OpenAIChatBackend:
    """OpenAI-compatible chat-completions API (--model, --base-url, OPENAI_API_KEY)."""
    return OpenAIChatBackend(cfg.model, cfg.base_url, cfg.api_key or os.environ.get("OPENAI_API_KEY"),
                             timeout=cfg.timeout, max_retries=cfg.max_retries, rate_limit=cfg.rate_limit,
                             concurrency=cfg.concurrency, temperature=cfg.temperature, seed=cfg.seed,
                             trip_after=cfg.trip_after)
