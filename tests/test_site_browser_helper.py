"""tests/browser.py: a missing browser skips with a reason on a developer's machine and fails under CI."""

from __future__ import annotations

import browser
import pytest


def test_missing_chromium_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="chromium not found at /nonexistent/chromium"):
        browser.require_browser()


def test_missing_chromium_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true but the end-to-end browser is unavailable"):
        browser.require_browser()


def test_launch_arguments_are_the_documented_ones() -> None:
    assert browser.CHROMIUM == "/usr/bin/chromium"
    assert browser.CHROMIUM_ARGS == ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                                     "--disable-background-networking", "--disable-component-update", "--disable-sync"]
