"""Every free-text phrase the file layer writes into a finding has an English rendering."""

import re
from pathlib import Path

import pytest
from zwgk.validators.phrases import english

ROOT = Path(__file__).resolve().parents[1]
# Where free-text finding parameters are written: the file layer, and the link rule's reasons.
SOURCES = [*(ROOT / "compiler" / "reader").glob("*.py"), ROOT / "validators" / "rules" / "links.py"]
_HAN = re.compile(r"[\u4e00-\u9fff]")
# reason="…" / limit="…" / reason=f"…{x}…" literals in the reader's source.
_LITERAL = re.compile(r'\b(?:reason|limit)=f?"([^"]+)"|\breturn f?"([^"]*[\u4e00-\u9fff][^"]*)"')


def _phrases() -> list[str]:
    found = set()
    for path in SOURCES:
        for m in _LITERAL.finditer(path.read_text(encoding="utf-8")):
            # An f-string's {expressions} stand for details: give them a plain value.
            found.add(re.sub(r"\{[^}]*\}", "X", m.group(1) or m.group(2)))
    return sorted(found)


def test_the_reader_writes_phrases() -> None:
    assert len(_phrases()) > 20  # the scan itself works


@pytest.mark.parametrize("phrase", _phrases())
def test_every_reader_phrase_has_english(phrase: str) -> None:
    out = english(phrase)
    assert not _HAN.search(out), f"no English for: {phrase}"


def test_details_carry_over() -> None:
    assert english("工作表「义务教育」的列数") == "columns of sheet '义务教育'"
    assert english("压缩比（xl/worksheets/sheet1.xml）") == "compression ratio (xl/worksheets/sheet1.xml)"
    assert english("超过 120 秒") == "more than 120 s"


def test_unknown_text_is_left_as_it_is() -> None:
    assert english("某个新的原因") == "某个新的原因"
