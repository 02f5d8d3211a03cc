"""A real headless browser for end-to-end tests: Debian's chromium driven by Playwright's sync API.

``require_browser()`` skips a test (saying why) when chromium or Playwright is missing on a developer's
machine, and FAILS it under CI (``CI=true``), where ``.ci/run`` installs chromium: a missing browser in CI
is a broken pipeline, not a reason to pass.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def browser_missing() -> str | None:
    """Why no browser can be started here, or None when one can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install playwright; it is in the dev extra)"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"chromium not found at {CHROMIUM} (apt-get install -y --no-install-recommends chromium)"
    return None


def require_browser() -> None:
    """Skip the calling test when no browser is available; under CI=true fail instead."""
    reason = browser_missing()
    if reason is None:
        return
    if in_ci():
        pytest.fail(f"CI=true but the end-to-end browser is unavailable: {reason}", pytrace=False)
    pytest.skip(f"end-to-end browser test skipped: {reason}")


@contextlib.contextmanager
def launch_browser(**launch_kwargs: Any) -> Iterator[Any]:
    """A Playwright chromium ``BrowserContext`` with a fresh, throw-away user-data-dir.

    Use ``ctx.new_page()``; everything (context, Playwright driver, profile folder) is closed on exit.
    """
    require_browser()
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="zwgk-chromium-")
    try:
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                headless=True,
                args=CHROMIUM_ARGS,
                **launch_kwargs,
            )
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def screenshot(page: Any, target: Path) -> Path:
    """Save a full-page PNG screenshot (creating the folder) and return its path."""
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
    return target
