"""Headless Debian Chromium for the review tests and the docs screenshot (no traffic leaves loopback)."""

from __future__ import annotations

from pathlib import Path

CHROMIUM = "/usr/lib/chromium/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]


def chromium_missing_reason(binary: str = CHROMIUM) -> str | None:
    """Why browser tests cannot run here, or None when they can."""
    if not Path(binary).is_file():
        return f"Debian chromium not installed at {binary} (apt-get install -y chromium)"
    return None
