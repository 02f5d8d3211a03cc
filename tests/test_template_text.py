"""catalogs/template_text.json: the file against its schema, the schema against its model, the texts
against the vocabulary that reads them back."""

from __future__ import annotations

import copy
import json
from importlib.resources import files

import pytest
from jsonschema import Draft202012Validator
from zwgk.catalogs import load_reference
from zwgk.catalogs.template_text import DATA_FILE, SCHEMA_FILE, load_template_text, render_schema
from zwgk.catalogs.vocabulary import load_vocabulary
from zwgk.validators.models import AUDIENCES, LEVELS, MODES

VOCAB = load_vocabulary()
TEXT = load_template_text()
GROUPS = {"audience": AUDIENCES, "mode": MODES, "levels": LEVELS}


def _data() -> dict:
    return json.loads(files("zwgk.catalogs").joinpath(DATA_FILE).read_text(encoding="utf-8"))


def _schema() -> dict:
    return json.loads(files("zwgk.schema").joinpath(SCHEMA_FILE).read_text(encoding="utf-8"))


def test_committed_schema_is_generated_from_the_model() -> None:
    committed = files("zwgk.schema").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    assert committed == render_schema(), "run: python -m zwgk.catalogs.template_text"


def test_file_validates_against_its_schema() -> None:
    schema = _schema()
    Draft202012Validator.check_schema(schema)
    assert [e.message for e in Draft202012Validator(schema).iter_errors(_data())] == []


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("contact", "email"), "not-an-address"),
        (("contact", "verification"), "X"),
        (("sheet", "verification"), "maybe"),
        (("template", "blank_rows"), -1),
        (("instructions", "sheet_name"), "一个超过三十一个字符的工作表名称一个超过三十一个字符的工作表名称"),
        (("stray",), 1),
    ],
)
def test_schema_rejects_a_broken_file(path: tuple[str, ...], value: object) -> None:
    data = copy.deepcopy(_data())
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert not Draft202012Validator(_schema()).is_valid(data)


def test_schema_requires_sources() -> None:
    data = copy.deepcopy(_data())
    del data["contact"]["source"]
    assert not Draft202012Validator(_schema()).is_valid(data)
    del data["_meta"]
    assert not Draft202012Validator(_schema()).is_valid(data)


def test_tick_labels_read_back_as_their_value() -> None:
    for group, values in GROUPS.items():
        assert set(TEXT.sheet.tick_labels[group]) == set(values)
        for value, label in TEXT.sheet.tick_labels[group].items():
            assert VOCAB.tick_group_of(label) == (group, value)


def test_words_read_back_as_their_value_alone_and_listed() -> None:
    sep = TEXT.sheet.list_separator
    for group, values in GROUPS.items():
        assert set(TEXT.sheet.words[group]) == set(values)
        for value, word in TEXT.sheet.words[group].items():
            assert VOCAB.parse_words(group, word) == ((value,), (), None)
        joined = sep.join(TEXT.sheet.words[group][v] for v in values)
        assert VOCAB.parse_words(group, joined) == (tuple(values), (), None)


def test_template_names_and_facts_resolve() -> None:
    ref = load_reference()
    assert VOCAB.is_instruction_sheet(TEXT.instructions.sheet_name)
    assert ref.unit(TEXT.contact.unit) is not None
    assert TEXT.deadline_milestone in {m.id for m in ref.milestones}
    assert set(TEXT.template.hints) >= {"level1", "level2", "content", "basis", "time_limit", "subject", "channels",
                                        "audience", "mode", "levels", "links", "guideline_code"}
    assert set(TEXT.template.hints_shanghai) <= set(TEXT.template.hints)
