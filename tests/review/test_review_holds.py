"""The review server holds up: slow clients cost no threads and are cut off, a burst of annotators
loses no verdict, and it serves over IPv6 loopback."""

from __future__ import annotations

import http.client
import json
import socket
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from spacevista.cli.review import review
from spacevista.review.httpd import request_size
from spacevista.review.server import ReviewApp, ReviewConfig, ReviewServer


def get(host: str, port: int, path: str, timeout: float = 10.0) -> tuple[int, bytes]:
    con = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        con.putrequest("GET", path, skip_host=True)
        con.putheader("Host", f"[{host}]:{port}" if ":" in host else f"{host}:{port}")
        con.endheaders()
        res = con.getresponse()
        return res.status, res.read()
    finally:
        con.close()


def post_judge(srv: ReviewServer, item: str, annotator: str) -> int:
    body = json.dumps({"item_id": item, "verdict": "accept", "annotator": annotator}).encode()
    con = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    try:
        con.request("POST", "/api/judge", body, {"Host": f"127.0.0.1:{srv.port}", "X-CSRF-Token": srv.app.csrf_token,
                                                  "Content-Type": "application/json"})
        res = con.getresponse()
        res.read()
        return res.status
    finally:
        con.close()


def drain(sock: socket.socket, timeout: float) -> bytes:
    """Everything the server sends until it closes the connection (raises if it does not)."""
    sock.settimeout(timeout)
    out = b""
    while chunk := sock.recv(4096):
        out += chunk
    return out


def test_request_size():
    assert request_size(b"GET / HTTP/1.1\r\nHost: x\r\n", 100) is None
    assert request_size(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 100) == 27
    post = b"POST /a HTTP/1.1\r\ncontent-length: 5\r\n\r\n"
    assert request_size(post + b"12", 100) is None
    assert request_size(post + b"12345extra", 100) == len(post) + 5
    # a body larger than the server takes is not waited for: the handler refuses it unread
    assert request_size(b"POST /a HTTP/1.1\r\nContent-Length: 500\r\n\r\n", 100) == 41


def test_slow_clients_hold_no_threads_and_are_cut_off(start_server) -> None:
    srv = start_server(threads=4, request_timeout=3.0)
    assert get("127.0.0.1", srv.port, "/api/items")[0] == 200
    threads_before = threading.active_count()
    host = f"Host: 127.0.0.1:{srv.port}\r\n".encode()
    slow: list[socket.socket] = []
    try:
        for k in range(200):
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
            if k % 2:  # half a header, never finished
                s.sendall(b"GET /api/items HTTP/1.1\r\n" + host + b"X-Slow: ")
            else:  # a body announced and never sent
                s.sendall(b"POST /api/judge HTTP/1.1\r\n" + host + b"Content-Type: application/json\r\n"
                          b"X-CSRF-Token: " + srv.app.csrf_token.encode() + b"\r\nContent-Length: 500\r\n\r\n{")
            slow.append(s)
        t_attack = time.monotonic()
        # while all 200 hang on, normal requests are answered without waiting for them to time
        # out, and no thread was added
        for _ in range(3):
            status, body = get("127.0.0.1", srv.port, "/api/items")
            assert status == 200 and json.loads(body)["total"] == len(srv.app.items)
        assert time.monotonic() - t_attack < 2.0
        assert srv.reading >= 150
        assert threading.active_count() <= threads_before + srv.threads
        # each slow client is answered 408 and closed about request_timeout after it connected
        for s in slow:
            assert drain(s, timeout=30).startswith(b"HTTP/1.0 408")
        assert time.monotonic() - t_attack < 30
    finally:
        for s in slow:
            s.close()
    deadline = time.monotonic() + 30
    while (srv.reading or srv.busy) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.reading == 0 and srv.busy == 0
    assert threading.active_count() <= threads_before + srv.threads


def test_oversized_headers_are_refused(start_server) -> None:
    srv = start_server()
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    try:
        s.sendall(b"GET / HTTP/1.1\r\nX-Big: " + b"a" * (srv.max_header + 10))
        assert drain(s, timeout=10).startswith(b"HTTP/1.0 431")
    finally:
        s.close()
    assert get("127.0.0.1", srv.port, "/api/items")[0] == 200


def test_burst_of_annotators_loses_no_verdict(start_server) -> None:
    srv = start_server()
    items = [i["id"] for i in srv.app.items][:3]
    start = threading.Barrier(100)
    failures: list[object] = []

    def annotator(k: int) -> None:
        start.wait()
        for item in items:
            try:
                status = post_judge(srv, item, f"ann{k:03d}")
            except OSError as e:  # a reset or refused connection is a failure too
                failures.append((k, item, repr(e)))
                continue
            if status != 200:
                failures.append((k, item, status))

    workers = [threading.Thread(target=annotator, args=(k,)) for k in range(100)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(120)
    assert failures == []
    with sqlite3.connect(srv.app.config.db_path) as con:
        assert con.execute("SELECT COUNT(*) FROM judgements").fetchone()[0] == 100 * len(items)
        assert con.execute("SELECT COUNT(DISTINCT annotator) FROM judgements").fetchone()[0] == 100
    assert srv.request_queue_size >= 100


def _ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _ipv6_loopback(), reason="this machine has no IPv6 loopback")
def test_ipv6_loopback_serves(dataset: Path) -> None:
    srv = ReviewServer(ReviewApp(ReviewConfig(dataset)), "::1", 0)
    srv.serve_in_thread()
    try:
        assert srv.url == f"http://[::1]:{srv.port}/"
        status, body = get("::1", srv.port, "/api/items")
        assert status == 200 and json.loads(body)["items"]
        # the Host pinning of loopback still holds over IPv6
        con = http.client.HTTPConnection("::1", srv.port, timeout=10)
        con.request("GET", "/api/items", headers={"Host": f"evil.example:{srv.port}"})
        assert con.getresponse().status == 403
        con.close()
    finally:
        srv.shutdown()
        srv.server_close()
    # written with brackets, as in a URL, it binds too
    srv = ReviewServer(ReviewApp(ReviewConfig(dataset)), "[::1]", 0)
    srv.server_close()


def test_cli_says_why_it_cannot_bind(dataset: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        r = CliRunner().invoke(review, [str(dataset), "--port", str(port)])
    assert r.exit_code != 0
    assert f"cannot serve on 127.0.0.1 port {port}" in r.output and "in use" in r.output
