"""Texts of catalogue sheets and unit templates (catalogs/template_text.json): model, loader and schema.

The writer (:mod:`zwgk.compiler.emit.workbook`) takes header labels from the vocabulary and the spellings of
tick and word values from ``sheet`` here; the template builder (:mod:`zwgk.compiler.template`) takes every
other sentence it writes from here.  The committed schema ``schema/catalog-template-text.schema.json`` is
generated from :class:`TemplateText` (``python -m zwgk.catalogs.template_text`` rewrites it).
"""

from __future__ import annotations

import json
import sys
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from zwgk.validators.reference import CatalogMeta, Fact

DATA_FILE = "template_text.json"
SCHEMA_FILE = "catalog-template-text.schema.json"
_DIALECT = "https://json-schema.org/draft/2020-12/schema"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SheetText(Fact):
    """How a catalogue sheet spells canonical values (the vocabulary knows how to read them back)."""

    tick_labels: dict[str, dict[str, str]] = Field(
        description="tick group (audience/mode/levels) → canonical value → national sub-header label")
    words: dict[str, dict[str, str]] = Field(
        description="word group → canonical value → the word the Shanghai layout writes in the cell")
    link_text: str = Field(min_length=1, description="Text of a 链接 cell that carries a hyperlink (查看)")
    list_separator: str = Field(min_length=1, description="Between several words or channels in one cell")


class TemplateSheet(_Frozen):
    title: str = Field(min_length=1, description="Title row of a pilot-domain sheet; {unit_full} {domain}")
    title_other: str = Field(min_length=1, description="Title row of a non-pilot domain sheet")
    unit_line: str = Field(min_length=1, description="填报单位 line; {unit}")
    date_line: str = Field(min_length=1, description="填报时间 label (the unit writes the date)")
    blank_rows: int = Field(ge=0, le=1000, description="Empty, unlocked rows under the pre-filled items")
    hints: dict[str, str] = Field(description="field → input hint on its header cell (≤ 255 characters)")
    hints_shanghai: dict[str, str] = Field(description="field → hint replacing hints[field] in the Shanghai layout")
    tick_error: str = Field(min_length=1)
    word_error: str = Field(min_length=1)
    error_title: str = Field(min_length=1, max_length=32)
    stripped_markers: tuple[str, ...] = Field(description="Editorial markers in guideline text, removed")
    incomplete_comment: str = Field(min_length=1, description="Cell comment where guideline text is incomplete")


class InstructionLine(_Frozen):
    text: str = Field(min_length=1)
    when: Literal["national", "shanghai", "township", "district"] | None = Field(
        default=None, description="Only in templates of this layout or this kind of unit")


class InstructionSection(_Frozen):
    heading: str = Field(min_length=1)
    lines: tuple[InstructionLine, ...] = Field(min_length=1)


class Instructions(_Frozen):
    sheet_name: str = Field(min_length=1, max_length=31)
    title: str = Field(min_length=1)
    sheet_table_header: tuple[str, str]
    sections: tuple[InstructionSection, ...] = Field(min_length=1)


class Contact(Fact):
    unit: str = Field(min_length=1, description="Roster short name of the unit units ask")
    office: str = Field(min_length=1)
    address: str = Field(min_length=1)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class TemplateText(_Frozen):
    """catalogs/template_text.json."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    meta: CatalogMeta = Field(alias="_meta")
    sheet: SheetText
    template: TemplateSheet
    instructions: Instructions
    contact: Contact
    deadline_milestone: str = Field(min_length=1, description="milestones.json id of the submission deadline")


@cache
def load_template_text() -> TemplateText:
    text = files("zwgk.catalogs").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return TemplateText.model_validate_json(text)


def template_text_schema() -> dict[str, Any]:
    body = TemplateText.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": _DIALECT, "$id": "urn:zwgk:schema:catalog-template-text", **body,
            "title": f"zwgk reference catalogue {DATA_FILE}"}


def render_schema() -> str:
    return json.dumps(template_text_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":  # rewrite the committed schema from the model
    import zwgk.schema

    target = Path(zwgk.schema.__file__).resolve().parent / SCHEMA_FILE
    target.write_text(render_schema(), encoding="utf-8")
    sys.stdout.write(f"wrote {target}\n")
