"""Pure text normalisation shared by the reader, the rules and the compiler.

Units type the same word many ways: full-width letters and brackets, in-cell line breaks in the middle of
a word ("出生\\n登记"), stray spaces.  Everything that compares text goes through here so that one
spelling rule holds everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# A CJK ideograph or CJK punctuation: whitespace between two of them is a line-wrap artefact, not a word gap.
_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef《》“”‘’、，。；：？！（）"
_WS_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_WS_RUN = re.compile(r"\s+")
# Any character clean_cell would touch: without one, a cell is already clean (the common case, and the
# reader's hot path: every cell of every sheet passes here).
_NEEDS_CLEANING = re.compile(r"[\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
# Brackets NFKC leaves alone but units use interchangeably.
_BRACKETS = str.maketrans({"【": "[", "】": "]", "〔": "[", "〕": "]", "［": "[", "］": "]"})
# Punctuation that never distinguishes two names.
_KEY_DROP = re.compile(r"[\s\-_·•・.,，。、:：;；'\"“”‘’()（）\[\]【】〔〕<>《》/\\|]+")


def clean_cell(value: object) -> str:
    """A cell's text as a person reads it: controls dropped, wrap breaks inside CJK removed, spaces folded.

    Keeps the user's characters (no width folding) so that messages quote what they typed.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else _scalar_text(value)
    if _NEEDS_CLEANING.search(text) is None:
        return text
    text = _CONTROL.sub("", text)
    text = _WS_BETWEEN_CJK.sub("", text)
    return _WS_RUN.sub(" ", text).strip()


def _scalar_text(value: object) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        # Spreadsheet numbers: 3.0 is the 序号 3, not "3.0".
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


def fold(text: str) -> str:
    """Width- and compatibility-folded text (NFKC), brackets unified, spaces folded."""
    text = unicodedata.normalize("NFKC", clean_cell(text)).translate(_BRACKETS)
    return _WS_RUN.sub(" ", text).strip()


@lru_cache(maxsize=65536)
def name_key(text: str) -> str:
    """A comparison key for names and headers: folded, punctuation and spaces removed, lower case."""
    return _KEY_DROP.sub("", fold(text)).lower()


def is_blank(text: str | None) -> bool:
    return text is None or clean_cell(text) == ""
