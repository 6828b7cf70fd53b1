"""Take the docs screenshot of the review page: ``python tests/review/review_screenshot.py docs/img/review.png``.

Builds a small dataset of drawn room scenes, starts a server on 127.0.0.1, judges a few items as
"ann" so the progress shows, and captures one item with a box and a mask prompt.
Run from the repository root with ``PYTHONPATH=src:tests/review``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from review_browser import CHROMIUM, CHROMIUM_ARGS, chromium_missing_reason
from spacevista.io.jsonl import write_jsonl
from spacevista.records import QARecord
from spacevista.review.server import ReviewApp, ReviewConfig, ReviewServer

W, H = 640, 420


def room(shift: int, rng: np.random.Generator) -> tuple[Image.Image, np.ndarray]:
    """A drawn room (wall, floor, window, table, lamp, chair) seen from a camera moved by ``shift`` px."""
    im = Image.new("RGB", (W, H), (222, 214, 200))
    d = ImageDraw.Draw(im)
    d.polygon([(0, 250), (W, 250), (W, H), (0, H)], fill=(150, 118, 88))
    for x in range(-40, W + 40, 48):
        d.line([(x + shift // 2, 250), (x * 1.6 - 190 + shift, H)], fill=(136, 105, 78), width=2)
    d.rectangle([330 - shift, 60, 470 - shift, 190], fill=(176, 206, 230), outline=(250, 250, 250), width=6)
    d.line([(400 - shift, 60), (400 - shift, 190)], fill=(250, 250, 250), width=4)
    tx = 120 - shift
    d.rectangle([tx, 250, tx + 230, 268], fill=(96, 66, 44))
    d.rectangle([tx + 12, 268, tx + 24, 360], fill=(84, 58, 38))
    d.rectangle([tx + 206, 268, tx + 218, 360], fill=(84, 58, 38))
    d.polygon([(tx + 150, 250), (tx + 166, 196), (tx + 182, 250)], fill=(60, 60, 64))
    d.ellipse([tx + 138, 176, tx + 196, 206], fill=(246, 222, 140))
    cx = 430 - shift
    d.rectangle([cx, 220, cx + 80, 300], fill=(112, 128, 96))
    d.rectangle([cx, 300, cx + 90, 316], fill=(98, 112, 84))
    d.rectangle([cx + 4, 316, cx + 12, 372], fill=(30, 30, 30))
    d.rectangle([cx + 78, 316, cx + 86, 372], fill=(30, 30, 30))
    arr = np.asarray(im).astype(np.int16) + rng.integers(-6, 7, size=(H, W, 3))
    mask = np.zeros((H, W), np.uint8)
    mask[220:300, max(cx, 0):max(cx + 80, 0)] = 2
    mask[300:316, max(cx, 0):max(cx + 90, 0)] = 2
    mask[316:372, max(cx + 4, 0):max(cx + 12, 0)] = 2
    mask[316:372, max(cx + 78, 0):max(cx + 86, 0)] = 2
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)), mask


def build(root: Path) -> list[QARecord]:
    rng = np.random.default_rng(3)
    records = []
    tasks = [("object_size", "numerical"), ("position_comparison", "mc"), ("absolute_distance", "numerical"),
             ("object_counting", "numerical")]
    for n in range(12):
        scene = f"synth-indoor-{n:04d}"
        frames = []
        for f in range(6):
            img, mask = room(f * 14 + n * 3, rng)
            rel = f"frames/{scene}/{f:05d}.jpg"
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            img.save(root / rel, quality=92)
            frames.append(rel)
            if f == 2:
                mrel = f"masks/{scene}/{f:05d}.png"
                (root / mrel).parent.mkdir(parents=True, exist_ok=True)
                Image.fromarray(mask, "L").save(root / mrel)
        task, kind = tasks[n % len(tasks)]
        shift = 2 * 14 + n * 3
        tx = 120 - shift
        if kind == "mc":
            rec = QARecord(
                id=f"{scene}-pos-0", scene_id=scene, source="synth", scale="indoor", category="Indoor",
                task=task, answer_type="mc", input_type="image_mask_text",
                question="In frame 3, is the object in box 1 to the left or to the right of the chair "
                         "shown by mask 2, as seen from the camera of frame 3?",
                options=["left of the chair", "right of the chair", "directly in front of the chair",
                         "directly behind the chair"],
                answer="A", frames=frames, reference_frame=2,
                annotations={"bboxes": [{"coords": [tx + 136, 172, tx + 200, 252], "image_index": 2}],
                             "masks": [{"mask_path": f"masks/{scene}/00002.png", "object_ids": [2],
                                        "image_path": frames[2]}]},
                rationale="In frame 3 the lamp's box centre is at x = 0.3 m in camera axes and the chair's "
                          "mask centroid at x = 1.9 m; the lamp is 1.6 m further left, so it is left of the chair.",
                anchors={"semantics": ["lamp", "chair"], "scale": 4.2})
        else:
            val = f"{0.45 + 0.1 * n:.2f}"
            rec = QARecord(
                id=f"{scene}-{task}-0", scene_id=scene, source="synth", scale="indoor", category="Indoor",
                task=task, answer_type="numerical", input_type="image_bbox_text",
                question="What is the longest dimension of the table in box 1, in metres?",
                answer=val, unit="m", frames=frames, exact_answer=val,
                annotations={"bboxes": [{"coords": [tx, 246, tx + 232, 362], "image_index": 1}]},
                rationale="The table's oriented 3D box measures 1.21 x 0.62 x 0.74 m; its longest side is "
                          f"{val} m.")
        records.append(rec)
    write_jsonl(records, root / "qa.jsonl")
    return records


def main(out: str) -> None:
    reason = chromium_missing_reason()
    if reason:
        raise SystemExit(reason)
    from playwright.sync_api import sync_playwright

    root = Path(tempfile.mkdtemp()) / "indoor-demo"
    root.mkdir()
    build(root)
    srv = ReviewServer(ReviewApp(ReviewConfig(root, sample=12, seed=0)), "127.0.0.1", 0)
    srv.serve_in_thread()
    try:
        target = next(i["id"] for i in srv.app.items if i["answer_type"] == "mc")
        for k, item in enumerate(i for i in srv.app.items if i["id"] != target):
            if k < 5:
                srv.app.store.record(item["id"], "ann", "reject" if k == 1 else "accept")
        with sync_playwright() as pw:
            b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = b.new_page(viewport={"width": 1440, "height": 900}, device_scale_factor=1)
            page.goto(srv.url + "?annotator=ann")
            page.wait_for_selector("body[data-ready='1']")
            for _ in range(len(srv.app.items)):
                if page.get_attribute("#panel", "data-item-id") == target:
                    break
                page.keyboard.press("j")
            page.click("#comment")
            page.keyboard.type("Lamp box is tight; chair mask complete.")
            page.keyboard.press("Escape")
            page.wait_for_timeout(500)
            page.screenshot(path=out)
            b.close()
    finally:
        srv.shutdown()
        srv.server_close()
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/img/review.png")
