"""End-to-end tests in headless Chromium: judge with mouse and keyboard, two annotators at once."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Iterator

import pytest

from review_browser import CHROMIUM, CHROMIUM_ARGS, chromium_missing_reason

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

SAMPLE = 9  # one item per task x scale stratum of the test dataset


@pytest.fixture(scope="module")
def browser() -> Iterator:
    reason = chromium_missing_reason()
    if reason:
        pytest.skip(reason)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def test_skip_reason_names_the_missing_binary(tmp_path: Path) -> None:
    reason = chromium_missing_reason(str(tmp_path / "no-chromium"))
    assert reason and "no-chromium" in reason and "apt-get install" in reason


def rows(db: Path) -> list[tuple[str, str, str, str]]:
    """All judgements in insertion order: (item_id, annotator, verdict, comment)."""
    with sqlite3.connect(db) as con:
        return list(con.execute("SELECT item_id, annotator, verdict, comment FROM judgements ORDER BY id"))


def open_page(browser, srv, annotator: str):
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{srv.url}?annotator={annotator}")
    page.wait_for_selector("body[data-ready='1']")
    page.errors = errors
    return ctx, page


def current_id(page) -> str:
    return page.get_attribute("#panel", "data-item-id")


def settle(page) -> None:
    page.wait_for_selector("body[data-pending='0']")


def test_mouse_accept_reject_and_prompt_drawn(browser, start_server) -> None:
    srv = start_server(sample=SAMPLE)
    db = srv.app.config.db_path
    ctx, page = open_page(browser, srv, "ann")
    assert page.inner_text("#progress-text") == f"0 / {SAMPLE}"
    first = current_id(page)
    page.click("#btn-accept")
    page.wait_for_selector(f"#progress-text:text-is('1 / {SAMPLE}')")
    assert rows(db) == [(first, "ann", "accept", "")]
    second = current_id(page)
    assert second != first
    page.click("#comment")
    page.keyboard.type("box misses the chair")  # typing "a"/"r" in the comment must not judge
    page.click("#btn-reject")
    page.wait_for_selector(f"#progress-text:text-is('2 / {SAMPLE}')")
    assert rows(db)[-1] == (second, "ann", "reject", "box misses the chair")
    assert len(rows(db)) == 2
    assert page.inner_text("#count-accept") == "1" and page.inner_text("#count-reject") == "1"

    # Walk with the mouse to a point-prompt item: the right option is marked, the point is drawn.
    item = next(i for i in srv.app.items if i["input_type"] == "image_point_text")
    for _ in range(SAMPLE):
        if current_id(page) == item["id"]:
            break
        page.click("#btn-next")
    assert current_id(page) == item["id"]
    correct = item["options"][ord(item["answer"]) - 65]
    assert page.inner_text(".options li.correct .text") == correct
    assert page.locator(".options li").count() == len(item["options"])
    page.wait_for_timeout(150)
    y, x = item["prompts"][0]["coords"]
    rgba = page.evaluate(
        """([x, y]) => { const c = document.getElementById('frame-canvas');
             const s = c.width / 160; return Array.from(c.getContext('2d').getImageData(x * s, y * s, 1, 1).data); }""",
        [x, y])
    assert rgba[0] > 200 and rgba[1] < 120 and rgba[2] < 120, rgba  # the red point, not the yellow object
    assert page.errors == []
    ctx.close()


def test_keyboard_shortcuts(browser, start_server) -> None:
    srv = start_server(sample=SAMPLE)
    db = srv.app.config.db_path
    ctx, page = open_page(browser, srv, "kbd")
    seen = []
    for key, verdict in (("a", "accept"), ("x", "reject"), ("ArrowRight", "accept"), ("r", "reject")):
        seen.append(current_id(page))
        page.keyboard.press(key)
        settle(page)
        assert rows(db)[-1][:3] == (seen[-1], "kbd", verdict)
    assert page.inner_text("#progress-text") == f"4 / {SAMPLE}"
    # C focuses the comment; keys typed there are text, Escape leaves, then R rejects with it.
    page.keyboard.press("c")
    assert page.evaluate("document.activeElement.id") == "comment"
    page.keyboard.type("unit looks wrong")
    page.keyboard.press("Escape")
    fifth = current_id(page)
    page.keyboard.press("r")
    settle(page)
    assert rows(db)[-1] == (fifth, "kbd", "reject", "unit looks wrong")
    assert len(rows(db)) == 5
    # Navigation: K / ArrowUp back, J / ArrowDown forward; re-judging an item updates it.
    here = current_id(page)
    page.keyboard.press("k")
    back = current_id(page)
    assert back != here
    page.keyboard.press("j")
    assert current_id(page) == here
    page.keyboard.press("ArrowUp")
    assert current_id(page) == back
    page.keyboard.press("ArrowDown")
    assert current_id(page) == here
    page.keyboard.press("ArrowLeft")
    assert current_id(page) == back
    page.keyboard.press("a")  # back was judged "reject" (it is the fifth): now accepted
    settle(page)
    assert back == fifth and rows(db)[-1][:3] == (fifth, "kbd", "accept")
    latest = {r[0]: r[2] for r in rows(db)}
    assert latest[fifth] == "accept" and page.inner_text("#progress-text") == f"5 / {SAMPLE}"
    assert page.errors == []
    ctx.close()


def test_two_annotators_at_once_lose_nothing(browser, start_server) -> None:
    srv = start_server(sample=SAMPLE)
    db = srv.app.config.db_path
    ctx_a, page_a = open_page(browser, srv, "ann")
    ctx_b, page_b = open_page(browser, srv, "bob")
    for _ in range(SAMPLE):
        # Both requests are in flight together: neither page waits before the other presses.
        page_a.keyboard.press("a")
        page_b.keyboard.press("r")
        settle(page_a)
        settle(page_b)
    for page in (page_a, page_b):
        assert page.inner_text("#progress-text") == f"{SAMPLE} / {SAMPLE}"
    got = rows(db)
    assert len(got) == 2 * SAMPLE
    ids = {i["id"] for i in srv.app.items}
    assert {r[0] for r in got if r[1] == "ann"} == ids and {r[2] for r in got if r[1] == "ann"} == {"accept"}
    assert {r[0] for r in got if r[1] == "bob"} == ids and {r[2] for r in got if r[1] == "bob"} == {"reject"}
    # A third context for "bob" sees bob's progress, not ann's.
    ctx_c, page_c = open_page(browser, srv, "bob")
    assert page_c.inner_text("#progress-text") == f"{SAMPLE} / {SAMPLE}"
    assert page_c.inner_text("#count-reject") == str(SAMPLE)
    for ctx in (ctx_a, ctx_b, ctx_c):
        ctx.close()


def test_token_mode_in_the_browser(browser, start_server) -> None:
    """With a token: the page opened once with ?token= works on through its cookie."""
    srv = start_server(sample=SAMPLE, token="tok-9", remote=True)
    ctx = browser.new_context()
    page = ctx.new_page()
    res = page.goto(f"{srv.url}?annotator=tess")
    assert res.status == 401
    page.goto(f"{srv.url}?token=tok-9&annotator=tess")
    assert "token" not in page.url and "annotator=tess" in page.url
    page.wait_for_selector("body[data-ready='1']")
    first = current_id(page)
    page.keyboard.press("a")
    settle(page)
    assert rows(srv.app.config.db_path) == [(first, "tess", "accept", "")]
    ctx.close()
