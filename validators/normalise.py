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
# Controls and invisible format characters: zero-width spaces and joiners, bidi marks, the BOM, and what
# text pasted from web pages and Word carries unseen (soft hyphen U+00AD, word joiner U+2060, invisible
# operators U+2061–2064, Mongolian vowel separator U+180E, deprecated format characters U+206A–206F).
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\xad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
# Brackets NFKC leaves alone but units use interchangeably.
_BRACKETS = str.maketrans({"【": "[", "】": "]", "〔": "[", "〕": "]", "［": "[", "］": "]"})
# Punctuation that never distinguishes two names.
_KEY_DROP = re.compile(r"[\s\-_·•・.,，。、:：;；'\"“”‘’()（）\[\]【】〔〕<>《》/\\|]+")
# A space between two CJK characters, written to start with the literal space so that the regex engine
# jumps from space to space instead of testing the class at every character (five times faster).
_SPACE_IN_CJK = re.compile(rf" (?<=[{_CJK}] )(?=[{_CJK}])")
# Joins a row's cells for one test: printable, not a space, not CJK — so each cell's ends stay visible.
ROW_JOIN = "|"


def is_clean(text: str) -> bool:
    """True when clean_cell(text) == text, decided at C speed for the common case.

    ``str.isprintable`` is False for every control, format (zero-width, bidi) and whitespace character
    except the plain space, i.e. for everything clean_cell drops or folds; what is left is spaces: one at
    either end, two in a row, or one between CJK characters.  Some printable-false characters clean_cell
    keeps (private use, say) only send the text down the slow path."""
    if not text.isprintable():
        return False
    if " " not in text:
        return True
    return not (text[0] == " " or text[-1] == " " or "  " in text or _SPACE_IN_CJK.search(text))


def row_is_clean(cells: list[str]) -> bool:
    """is_clean for every cell of a row at once (one join, one test): the reader's per-row fast path."""
    return joined_is_clean(ROW_JOIN.join(cells))


def joined_is_clean(joined: str) -> bool:
    """row_is_clean for a row its caller joined with ROW_JOIN already."""
    if not joined.isprintable():
        return False
    if " " not in joined:
        return True
    return " |" not in joined and "| " not in joined and is_clean(joined)


def clean_cell(value: object) -> str:
    """A cell's text as a person reads it: controls dropped, wrap breaks inside CJK removed, spaces folded.

    Keeps the user's characters (no width folding) so that messages quote what they typed.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else _scalar_text(value)
    if is_clean(text):
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
        # Excel shows 15 significant digits: the 序号 1.2 a formula computed as 1.2000000000000002 is "1.2".
        return format(value, ".15g")
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
