"""HTTP tests of the review server: files, path traversal, token, CSRF, validation, errors."""

from __future__ import annotations

import http.client
import io
import json
import os
import threading
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from spacevista.cli.review import review
from spacevista.review.server import ReviewApp, ReviewConfig, ReviewServer, check_bind, is_loopback
from spacevista.review.storage import JudgementStore


def call(srv: ReviewServer, method: str, path: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """Send one raw request (http.client keeps the path exactly as given)."""
    con = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    try:
        con.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        hdrs = {"Host": f"127.0.0.1:{srv.port}"}
        hdrs.update(headers or {})
        if body is not None:
            hdrs.setdefault("Content-Length", str(len(body)))
        for k, v in hdrs.items():
            if v is not None:
                con.putheader(k, v)
        con.endheaders(body)
        res = con.getresponse()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, res.read()
    finally:
        con.close()


def post_judge(srv: ReviewServer, payload: object, headers: dict[str, str] | None = None,
               raw: bytes | None = None) -> tuple[int, dict]:
    hdrs = {"Content-Type": "application/json", "X-CSRF-Token": srv.app.csrf_token,
            "Origin": f"http://127.0.0.1:{srv.port}"}
    hdrs.update(headers or {})
    status, _, body = call(srv, "POST", "/api/judge", raw if raw is not None else json.dumps(payload).encode(), hdrs)
    return status, json.loads(body) if body else {}


def first_id(srv: ReviewServer) -> str:
    return srv.app.items[0]["id"]


# --- pages and files -------------------------------------------------------------------------

def test_page_embeds_csrf_and_serves_sample(start_server) -> None:
    srv = start_server(sample=5)
    status, headers, body = call(srv, "GET", "/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert srv.app.csrf_token.encode() in body
    assert "default-src 'none'" in headers["content-security-policy"]
    status, _, body = call(srv, "GET", "/api/items")
    items = json.loads(body)["items"]
    assert status == 200 and len(items) == 5
    for name in ("app.js", "app.css"):
        assert call(srv, "GET", f"/static/{name}")[0] == 200
    assert call(srv, "GET", "/static/../server.py")[0] == 404


def test_frame_files_are_served(start_server, dataset: Path) -> None:
    srv = start_server()
    rel = srv.app.items[0]["frames"][0]
    status, headers, body = call(srv, "GET", "/files/" + rel)
    assert status == 200 and headers["content-type"] == "image/jpeg"
    assert body == (dataset / rel).read_bytes()


@pytest.fixture
def outside(tmp_path: Path, dataset: Path) -> dict[str, Path]:
    """A secret image outside the dataset, reached through symlinks planted inside it."""
    secret = tmp_path / "secret.png"
    Image.new("RGB", (4, 4), (255, 0, 0)).save(secret)
    (tmp_path / "secret_dir").mkdir()
    Image.new("RGB", (4, 4), (0, 255, 0)).save(tmp_path / "secret_dir" / "x.png")
    scene_dir = dataset / "frames" / sorted(os.listdir(dataset / "frames"))[0]
    os.symlink(scene_dir, dataset / "link_in")
    os.symlink(secret, dataset / "frames" / "link_out.png")
    os.symlink(tmp_path / "secret_dir", dataset / "frames" / "dir_out")
    return {"secret": secret}


TRAVERSALS = [
    "/files/../secret.png",
    "/files/frames/../../secret.png",
    "/files/%2e%2e/secret.png",
    "/files/%2E%2E/%2E%2E/etc/passwd",
    "/files/frames/%2e%2e%2f%2e%2e%2fsecret.png",
    "/files/..%2fsecret.png",
    "/files/%252e%252e/secret.png",
    "/files/frames/..%5c..%5csecret.png",
    "/files//etc/passwd",
    "/files/%2fetc%2fpasswd",
    "/files/./qa.jsonl",
    "/files/C:/Windows/win.ini",
    "/files/frames/link_out.png",
    "/files/frames/dir_out/x.png",
    "/files/qa.jsonl",
    "/files/review.sqlite",
    "/files/frames/nope.png",
    "/files/%00.png",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_refused(start_server, outside: dict[str, Path], path: str) -> None:
    srv = start_server()
    status, _, body = call(srv, "GET", path)
    assert status in (403, 404), (path, status)
    assert b"\x89PNG" not in body and b"root:" not in body


def test_traversal_status_codes(start_server, outside: dict[str, Path], tmp_path: Path) -> None:
    srv = start_server()
    assert call(srv, "GET", "/files/%2e%2e/secret.png")[0] == 403
    assert call(srv, "GET", "/files/frames/link_out.png")[0] == 403
    assert call(srv, "GET", "/files/frames/dir_out/x.png")[0] == 403
    assert call(srv, "GET", "/files/" + str(outside["secret"]))[0] == 403  # absolute path
    assert call(srv, "GET", "/files/%2F" + str(outside["secret"]).lstrip("/"))[0] == 403
    # A symlink that stays inside the folder is fine: the checks above are not blanket refusals.
    assert call(srv, "GET", "/files/link_in")[0] == 404  # a folder, not a file
    inner = sorted(os.listdir(srv.app.config.dataset_dir / "link_in"))[0]
    assert call(srv, "GET", f"/files/link_in/{inner}")[0] == 200


# --- token ("remote" mode) -------------------------------------------------------------------

def test_bind_beyond_loopback_needs_token() -> None:
    for host in ("127.0.0.1", "::1", "localhost", "127.0.0.2"):
        check_bind(host, None)
        assert is_loopback(host)
    for host in ("0.0.0.0", "192.168.1.7", "::", "example.org"):
        with pytest.raises(ValueError, match="without --token"):
            check_bind(host, None)
        check_bind(host, "s3cret")


def test_server_refuses_to_start_unprotected(dataset: Path) -> None:
    app = ReviewApp(ReviewConfig(dataset, sample=3))
    with pytest.raises(ValueError, match="without --token"):
        ReviewServer(app, "0.0.0.0", 0)  # refused before any socket is bound
    res = CliRunner().invoke(review, [str(dataset), "--host", "0.0.0.0", "--port", "0"], env={})
    assert res.exit_code != 0 and "without --token" in res.output


def test_remote_mode_requires_token(start_server) -> None:
    """Bound to 127.0.0.1 but configured as remote: the same checks a non-loopback bind gets."""
    srv = start_server(token="tok-123", remote=True)
    item = first_id(srv)
    for path in ("/", "/api/items", "/static/app.js", "/files/" + srv.app.items[0]["frames"][0]):
        assert call(srv, "GET", path)[0] == 401, path
        assert call(srv, "GET", path, headers={"X-Review-Token": "wrong"})[0] == 401
        assert call(srv, "GET", path, headers={"X-Review-Token": "tok-123"})[0] == 200
    status, headers, _ = call(srv, "GET", "/?annotator=ann&token=tok-123")
    assert status == 303 and headers["location"] == "/?annotator=ann"
    cookie = headers["set-cookie"].split(";")[0]
    assert "HttpOnly" in headers["set-cookie"] and "SameSite=Strict" in headers["set-cookie"]
    assert call(srv, "GET", "/api/items", headers={"Cookie": cookie})[0] == 200
    assert call(srv, "GET", "/", headers={"Cookie": cookie.replace("tok-123", "nope")})[0] == 401
    payload = {"item_id": item, "verdict": "accept", "annotator": "ann"}
    assert post_judge(srv, payload)[0] == 401
    assert post_judge(srv, payload, headers={"Cookie": cookie})[0] == 200
    # Beyond loopback the Host header is not pinned (the token protects), but Origin still is.
    assert call(srv, "GET", "/api/items", headers={"Cookie": cookie, "Host": "10.1.2.3:8765"})[0] == 200


def test_loopback_pins_host_header(start_server) -> None:
    srv = start_server()
    assert call(srv, "GET", "/api/items", headers={"Host": f"localhost:{srv.port}"})[0] == 200
    assert call(srv, "GET", "/api/items", headers={"Host": f"evil.example:{srv.port}"})[0] == 403
    assert call(srv, "GET", "/api/items", headers={"Host": None})[0] == 403


# --- CSRF and POST validation ----------------------------------------------------------------

def test_csrf_and_origin(start_server) -> None:
    srv = start_server()
    payload = {"item_id": first_id(srv), "verdict": "accept", "annotator": "ann"}
    assert post_judge(srv, payload, {"X-CSRF-Token": None})[0] == 403
    assert post_judge(srv, payload, {"X-CSRF-Token": "forged"})[0] == 403
    assert post_judge(srv, payload, {"Origin": "http://evil.example"})[0] == 403
    assert post_judge(srv, payload, {"Origin": "null"})[0] == 403
    assert post_judge(srv, payload, {"Sec-Fetch-Site": "cross-site"})[0] == 403
    assert JudgementStore(srv.app.config.db_path).history() == []
    status, body = post_judge(srv, payload)
    assert status == 200 and body["ok"] and body["done"] == 1
    assert post_judge(srv, payload, {"Origin": None})[0] == 200  # non-browser clients send no Origin


@pytest.mark.parametrize("payload,status", [
    ({"item_id": "no-such-item", "verdict": "accept", "annotator": "ann"}, 404),
    ({"item_id": "../../etc/passwd", "verdict": "accept", "annotator": "ann"}, 404),
    ({"item_id": 7, "verdict": "accept", "annotator": "ann"}, 400),
    ({"item_id": "", "verdict": "accept", "annotator": "ann"}, 400),
    ({"item_id": None, "verdict": "reject", "annotator": "ann"}, 400),
    ({"verdict": "accept", "annotator": "ann"}, 400),
    ({"item_id": "FIRST", "verdict": "maybe", "annotator": "ann"}, 400),
    ({"item_id": "FIRST", "verdict": "accept", "annotator": ""}, 400),
    ({"item_id": "FIRST", "verdict": "accept", "annotator": "<script>"}, 400),
    ({"item_id": "FIRST", "verdict": "accept", "annotator": "ann", "comment": "x" * 2001}, 400),
    ({"item_id": "FIRST", "verdict": "accept", "annotator": "ann", "comment": 5}, 400),
    ({"item_id": "FIRST", "verdict": "accept", "annotator": "ann", "admin": True}, 400),
    (["FIRST", "accept"], 400),
])
def test_bad_judgements_get_4xx(start_server, payload: object, status: int) -> None:
    srv = start_server(sample=4)
    if isinstance(payload, dict) and payload.get("item_id") == "FIRST":
        payload["item_id"] = first_id(srv)
    if isinstance(payload, list):
        payload[0] = first_id(srv)
    assert post_judge(srv, payload)[0] == status
    assert JudgementStore(srv.app.config.db_path).history() == []


def test_id_outside_sample_is_refused(start_server) -> None:
    srv = start_server(sample=3)
    outside = next(r.id for r in srv.app.records if r.id not in srv.app.by_id)
    assert post_judge(srv, {"item_id": outside, "verdict": "accept", "annotator": "ann"})[0] == 404


def test_malformed_posts(start_server) -> None:
    srv = start_server()
    ok = json.dumps({"item_id": first_id(srv), "verdict": "accept", "annotator": "ann"}).encode()
    assert post_judge(srv, None, {"Content-Type": "text/plain"}, raw=ok)[0] == 415
    assert post_judge(srv, None, {"Content-Type": "application/x-www-form-urlencoded"}, raw=b"a=b")[0] == 415
    assert post_judge(srv, None, raw=b"{not json")[0] == 400
    assert post_judge(srv, None, raw=b"\xff\xfe")[0] == 400
    assert post_judge(srv, None, raw=b"x" * 20000)[0] == 413
    status, _, _ = call(srv, "POST", "/api/judge", None, {"Content-Type": "application/json",
                                                          "X-CSRF-Token": srv.app.csrf_token})
    assert status == 411
    assert call(srv, "POST", "/api/other", b"{}", {"Content-Type": "application/json"})[0] == 405
    assert call(srv, "PUT", "/api/judge", b"{}")[0] == 501


def test_bad_ids_on_get_endpoints(start_server) -> None:
    srv = start_server()
    mask_item = next(i["id"] for i in srv.app.items if any(p["kind"] == "mask" for p in i["prompts"]))
    assert call(srv, "GET", "/api/overlay?item=nope&mask=0")[0] == 404
    assert call(srv, "GET", f"/api/overlay?item={mask_item}&mask=9")[0] == 404
    assert call(srv, "GET", f"/api/overlay?item={mask_item}&mask=-1")[0] == 404
    assert call(srv, "GET", f"/api/overlay?item={mask_item}")[0] == 404
    assert call(srv, "GET", "/api/judgements?annotator=")[0] == 400
    assert call(srv, "GET", "/api/judgements")[0] == 400
    assert call(srv, "GET", "/files/%ff%fe.png")[0] == 400
    assert call(srv, "GET", "/nothing-here")[0] == 404


def test_mask_overlay_selects_object_ids(start_server) -> None:
    srv = start_server()
    mask_item = next(i["id"] for i in srv.app.items if any(p["kind"] == "mask" for p in i["prompts"]))
    status, headers, body = call(srv, "GET", f"/api/overlay?item={mask_item}&mask=0")
    assert status == 200 and headers["content-type"] == "image/png"
    alpha = np.asarray(Image.open(io.BytesIO(body)).convert("RGBA"))[..., 3]
    assert alpha[60, 80] > 0 and alpha[40, 80] == 255  # object 3: tinted, outline opaque
    assert alpha[10, 10] == 0 and alpha[0, 0] == 0  # object 7 is not asked for


# --- robustness and storage through HTTP -----------------------------------------------------

def test_handler_exception_returns_500_and_server_goes_on(start_server, monkeypatch) -> None:
    srv = start_server()

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(srv.app.store, "record", boom)
    status, body = post_judge(srv, {"item_id": first_id(srv), "verdict": "accept", "annotator": "ann"})
    assert status == 500 and "RuntimeError: disk on fire" in body["error"]
    monkeypatch.undo()
    assert call(srv, "GET", "/api/items")[0] == 200
    assert post_judge(srv, {"item_id": first_id(srv), "verdict": "accept", "annotator": "ann"})[0] == 200


def test_rejudging_updates_and_keeps_history(start_server) -> None:
    srv = start_server()
    item = first_id(srv)
    post_judge(srv, {"item_id": item, "verdict": "accept", "annotator": "ann"})
    post_judge(srv, {"item_id": item, "verdict": "reject", "annotator": "ann", "comment": "wrong unit"})
    _, _, body = call(srv, "GET", "/api/judgements?annotator=ann")
    state = json.loads(body)
    assert state["done"] == 1 and state["judgements"][item]["verdict"] == "reject"
    assert state["judgements"][item]["comment"] == "wrong unit"
    assert [j.verdict for j in JudgementStore(srv.app.config.db_path).history(item)] == ["accept", "reject"]


def test_concurrent_posts_lose_nothing(start_server) -> None:
    srv = start_server()
    ids = [i["id"] for i in srv.app.items]
    errors: list[object] = []

    def worker(k: int) -> None:
        for item in ids:
            status, body = post_judge(srv, {"item_id": item, "verdict": "accept" if k % 2 else "reject",
                                            "annotator": f"ann{k}"})
            if status != 200:
                errors.append((status, body))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    latest = JudgementStore(srv.app.config.db_path).latest()
    assert len(latest) == 6 * len(ids)
    _, _, body = call(srv, "GET", "/api/agreement")
    pairs = json.loads(body)["pairs"]
    assert len(pairs) == 15 and all(p["n_items"] == len(ids) for p in pairs)


def test_review_command_serves(dataset: Path) -> None:
    """``spacevista review`` as a real process: prints the URL, serves, stops on SIGINT."""
    import signal
    import subprocess
    import sys
    import urllib.request

    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.Popen(
        [sys.executable, "-c", "from spacevista.cli.review import review; review()", str(dataset),
         "--port", "0", "--sample", "4", "--annotator", "ann", "--token", "t0k"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        # a runner started in the background (``cmd &``) passes SIGINT on ignored, and Python then
        # installs no KeyboardInterrupt: start the server as a terminal would
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        url = ""
        for _ in range(5):
            line = proc.stdout.readline()
            if line.startswith("open "):
                url = line.split()[1]
                break
        assert url.startswith("http://127.0.0.1:") and url.endswith("/?token=t0k"), url
        base = url.split("?")[0]
        req = urllib.request.Request(base + "api/items", headers={"X-Review-Token": "t0k"})
        with urllib.request.urlopen(req, timeout=10) as res:
            assert json.load(res)["total"] == 4
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(base + "api/items", timeout=10)
        assert err.value.code == 401
        err.value.close()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            # generous: on a loaded machine the interpreter's exit alone can take seconds
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
            pytest.fail(f"the server did not stop within 30 s of SIGINT; its output:\n{out}")
    assert proc.returncode == 0 and "stopped" in out


def test_binary_mask_with_object_ids_still_shows(start_server) -> None:
    srv = start_server()
    item = next(i for i in srv.app.items if any(p["kind"] == "mask" for p in i["prompts"]))
    mask_path = srv.app.config.dataset_dir / srv.app.by_id[item["id"]].annotations["masks"][0]["mask_path"]
    binary = np.zeros((120, 160), np.uint8)
    binary[40:80, 50:110] = 255
    Image.fromarray(binary, "L").save(mask_path)
    status, _, body = call(srv, "GET", f"/api/overlay?item={item['id']}&mask=0")
    alpha = np.asarray(Image.open(io.BytesIO(body)).convert("RGBA"))[..., 3]
    assert status == 200 and alpha[60, 80] > 0 and alpha[10, 10] == 0
