"""Output safety shared by every exporter: formula neutralisation and file names that stay in their folder."""

from __future__ import annotations

import re
import unicodedata

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f/\\:*?\"<>|\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")


def neutralise(text: str) -> str:
    """A cell value that a spreadsheet would run as a formula gets a leading apostrophe (OWASP CSV injection)."""
    if text and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def safe_filename(name: str, fallback: str = "item", max_len: int = 80) -> str:
    """A file name derived from a unit or domain name that cannot leave its folder or confuse a reader."""
    cleaned = unicodedata.normalize("NFKC", name)
    cleaned = _UNSAFE_NAME.sub("_", cleaned).strip(" .")
    cleaned = re.sub(r"\.{2,}", "_", cleaned)
    if not cleaned or cleaned in (".", ".."):
        cleaned = fallback
    return cleaned[:max_len]


_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")


def valid_utf8(text: str) -> str:
    """Undecodable bytes of a file name (surrogate-escaped by Python) as U+FFFD, so JSON output is valid UTF-8."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def printable(text: str) -> str:
    """A user-supplied name made safe to print: valid UTF-8, and control or bidi characters shown as escapes.

    A file name may hold undecodable bytes (surrogate-escaped by Python) or characters that forge terminal
    lines or reverse text; reports show them as visible escapes instead.
    """
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", valid_utf8(text))
