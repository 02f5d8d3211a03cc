"""Output safety helpers: formula neutralisation and printable file names."""

import json

from hypothesis import given
from hypothesis import strategies as st
from zwgk.compiler.emit.safe import neutralise, printable, valid_utf8


@given(st.text())
def test_neutralised_text_never_starts_a_formula(text: str) -> None:
    out = neutralise(text)
    assert not out.startswith(("=", "+", "-", "@", "\t", "\r", "\n"))
    assert out.endswith(text)  # nothing of the user's text is lost


def test_neutralise_leaves_ordinary_text_alone() -> None:
    assert neutralise("区教育局") == "区教育局"
    assert neutralise("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"


@given(st.text())
def test_printable_has_no_control_or_bidi_characters(text: str) -> None:
    out = printable(text)
    assert not any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F or 0x202A <= ord(ch) <= 0x202E for ch in out)
    out.encode("utf-8")  # always encodable


def test_printable_shows_escapes_where_a_name_would_forge_lines() -> None:
    assert printable("a\nb\u202ec.xlsx") == "a\\u000ab\\u202ec.xlsx"


def test_undecodable_file_name_becomes_valid_json() -> None:
    name = b"\xff\xfe\xe6\x95\x99.xlsx".decode("utf-8", "surrogateescape")
    text = json.dumps({"path": valid_utf8(name)}, ensure_ascii=False)
    assert json.loads(text.encode("utf-8"))["path"].endswith("教.xlsx")
