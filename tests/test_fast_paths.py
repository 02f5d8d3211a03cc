"""Fast paths that must decide exactly what the slow ones would: cell cleaning, model pickling (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from zwgk.compiler.reader.sources import _clean_rows
from zwgk.validators.normalise import clean_cell, is_clean, row_is_clean

# Text built from the characters that matter: CJK, ASCII, every kind of space and control clean_cell
# handles, the row separator itself, and the rest of Unicode.
_SPECIAL = " \t\n\r\u3000\xa0\u200b\u200e\u202a\u2066\ufeff\x00\x07\x1f\x7f|《》，。中文a1\ue000\u2028"
texts = st.text(alphabet=st.one_of(st.sampled_from(_SPECIAL), st.characters()), max_size=30)


@settings(max_examples=800)
@given(texts)
def test_a_text_called_clean_is_left_alone_by_clean_cell(text: str) -> None:
    if is_clean(text):
        assert clean_cell(text) == text
    # And clean_cell's output is always clean by the fast test's standard, or at least stable.
    assert clean_cell(clean_cell(text)) == clean_cell(text)


@settings(max_examples=500)
@given(st.lists(texts, max_size=8))
def test_a_row_called_clean_has_only_clean_cells(cells: list[str]) -> None:
    if row_is_clean(cells):
        assert all(clean_cell(c) == c for c in cells)


@settings(max_examples=300)
@given(st.lists(st.lists(st.one_of(texts, st.floats(allow_nan=False), st.integers(), st.booleans()), max_size=6),
                max_size=6), st.integers(min_value=1, max_value=40))
def test_clean_rows_equals_cleaning_every_cell(raw: list[list[object]], cap: int) -> None:
    expected_long: list[tuple[int, int, int]] = []
    expected = []
    for r, row in enumerate(raw):
        out = []
        for c, v in enumerate(row):
            text = clean_cell(v) if v != "" else ""
            if len(text) > cap:
                expected_long.append((r, c, len(text)))
                text = text[:cap]
            out.append(text)
        expected.append(out)
    long_cells: list[tuple[int, int, int]] = []
    assert _clean_rows([list(row) for row in raw], cap, long_cells) == expected
    assert long_cells == expected_long


def test_the_usual_cases() -> None:
    assert is_clean("1.教师招聘及相关说明 2.安全预案")  # a space after CJK before a digit stays
    assert not is_clean("出生 登记")  # a wrap break inside CJK goes
    assert not is_clean("a  b") and not is_clean(" a") and not is_clean("a ") and not is_clean("a\nb")
    assert not row_is_clean(["a ", "b"]) and not row_is_clean(["a", " b"]) and row_is_clean(["a b", "c"])


def test_models_pickle_as_field_tuples_and_come_back_equal() -> None:
    """The compile's workers send items to the main process by pickle (validators.models.Frozen.__reduce__)."""
    import pickle

    from zwgk.validators.models import DisclosureItem, SourceLocation

    partial = SourceLocation(path="a.xlsx", row=3)
    full = DisclosureItem(level1="招生", content="招生计划", links=("https://www.shbsq.gov.cn/a",), source=partial)
    for obj in (partial, full):
        back = pickle.loads(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
        assert back == obj and type(back) is type(obj)
        assert back.model_fields_set == obj.model_fields_set  # exclude_unset dumps stay the same
        assert back.model_dump(exclude_unset=True) == obj.model_dump(exclude_unset=True)
    assert hash(pickle.loads(pickle.dumps(partial))) == hash(partial)  # usable as a key, as before
