"""What a submission contains, and what is wrong with it.

These models are the published data model: the JSON Schemas under ``schema/`` are generated from them
(``python -m zwgk.schema.generate``) and a test fails when the committed files drift.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# Canonical vocabularies.  The reader maps every spelling units use onto these words.
Audience = Literal["全社会", "特定群众"]
Mode = Literal["主动", "依申请"]
Level = Literal["市级", "区级", "街镇级", "村级"]

AUDIENCES: tuple[Audience, ...] = ("全社会", "特定群众")
MODES: tuple[Mode, ...] = ("主动", "依申请")
LEVELS: tuple[Level, ...] = ("市级", "区级", "街镇级", "村级")


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled (between zwgk's own processes: the compile's workers send every file's items to the main
        # process) as the class and a tuple of field values: loading 30,000 items this way is several times
        # faster than pydantic's per-instance state dicts.  Nothing is validated again, as with pickle.
        names = _field_names(type(self))
        fields_set = self.__pydantic_fields_set__
        values = self.__dict__
        return (_restore, (type(self), tuple([values[n] for n in names]),
                           None if len(fields_set) == len(names) else tuple(sorted(fields_set))))


_NAMES: dict[type[BaseModel], tuple[str, ...]] = {}
_ALL_SET: dict[type[BaseModel], set[str]] = {}


def _field_names(cls: type[BaseModel]) -> tuple[str, ...]:
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(cls.model_fields)
    return names


def _restore(cls: type[Frozen], values: tuple[Any, ...], fields_set: tuple[str, ...] | None) -> Frozen:
    names = _field_names(cls)
    obj = cls.__new__(cls)
    object.__setattr__(obj, "__dict__", dict(zip(names, values, strict=True)))
    # One shared fields-set per class for the (usual) instance with every field set, as the reader's
    # instances have: pydantic copies it before any model_copy changes it.
    object.__setattr__(obj, "__pydantic_fields_set__",
                       _ALL_SET.get(cls) or _ALL_SET.setdefault(cls, set(names)) if fields_set is None else set(fields_set))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


class SourceLocation(Frozen):
    """Where something was read: like pydantic's ``loc``, but in spreadsheet terms."""

    path: str = Field(description="文件路径 — the file as given by the user")
    sheet: str | None = Field(default=None, description="工作表名称")
    row: int | None = Field(default=None, ge=1, description="工作表中的行号 (1-based, as Excel shows it)")
    column: int | None = Field(default=None, ge=1, description="列号 (1-based)")
    cell: str | None = Field(default=None, description="单元格引用, e.g. C10")
    field: str | None = Field(default=None, description="字段名 (DisclosureItem field)")


class DisclosureItem(Frozen):
    """公开事项: one row of a unit's standard catalogue, normalised."""

    domain: str | None = Field(default=None, description="领域 (canonical name when known)")
    category: str | None = Field(default=None, description="类别 (Shanghai layouts)")
    seq: str | None = Field(default=None, description="序号")
    level1: str | None = Field(default=None, description="一级事项")
    level2: str | None = Field(default=None, description="二级事项")
    level3: str | None = Field(default=None, description="三级事项")
    content: str | None = Field(default=None, description="公开内容（要素）")
    basis: str | None = Field(default=None, description="公开依据")
    time_limit: str | None = Field(default=None, description="公开时限")
    subject: str | None = Field(default=None, description="公开主体")
    channels: tuple[str, ...] = Field(default=(), description="公开渠道和载体 (selected channels)")
    audience: tuple[Audience, ...] = Field(default=(), description="公开对象")
    audience_note: str | None = Field(default=None, description="特定群众 named in words, e.g. 教师")
    mode: tuple[Mode, ...] = Field(default=(), description="公开方式")
    levels: tuple[Level, ...] = Field(default=(), description="公开层级")
    links: tuple[str, ...] = Field(default=(), description="链接 / 公开网址 (concrete information pages)")
    guideline_code: str | None = Field(default=None, description="国家标准指引事项编码 (templates carry it)")
    unit: str | None = Field(default=None, description="填报单位 (the submitting unit)")
    extra: dict[str, str] = Field(default_factory=dict, description="Columns zwgk does not model, kept verbatim")
    source: SourceLocation

    @property
    def name(self) -> str:
        """The item's display name: its 事项 levels joined."""
        return " / ".join(p for p in (self.level1, self.level2, self.level3) if p)


# Field → (Chinese label, English label).  Messages and emitters name fields with these.
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "domain": ("领域", "domain"),
    "category": ("类别", "category"),
    "seq": ("序号", "sequence number"),
    "level1": ("一级事项", "level-1 item"),
    "level2": ("二级事项", "level-2 item"),
    "level3": ("三级事项", "level-3 item"),
    "content": ("公开内容", "content"),
    "basis": ("公开依据", "legal basis"),
    "time_limit": ("公开时限", "time limit"),
    "subject": ("公开主体", "disclosing body"),
    "channels": ("公开渠道和载体", "channels"),
    "audience": ("公开对象", "audience"),
    "mode": ("公开方式", "disclosure mode"),
    "levels": ("公开层级", "administrative level"),
    "links": ("链接", "link"),
    "guideline_code": ("指引编码", "guideline code"),
    "unit": ("填报单位", "submitting unit"),
}


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"  # said so the user knows (a skipped instructions sheet); never affects the exit code


class Finding(Frozen):
    """One problem, as data.  Rules return these; nothing prints them but an emitter."""

    code: str = Field(description="稳定的规则编码, e.g. required-cell-empty")
    severity: Severity
    location: SourceLocation
    params: dict[str, str] = Field(default_factory=dict, description="Values the message is rendered from")

    def message(self, lang: str = "zh") -> str:
        from zwgk.validators.messages import render

        return render(self, lang)

    def sort_key(self) -> tuple[str, str, int, int, str]:
        loc = self.location
        return (loc.path, loc.sheet or "", loc.row or 0, loc.column or 0, self.code)


class SheetSummary(Frozen):
    """What the reader made of one sheet."""

    name: str
    role: Literal["catalogue", "instructions", "empty", "unrecognised"]
    layout: str | None = Field(default=None, description="national | shanghai | shanghai-link | …")
    header_rows: tuple[int, ...] = ()
    domain: str | None = None
    columns: dict[str, str] = Field(default_factory=dict, description="column letter → field")
    items: int = 0
    data_rows: int = 0


class FileResult(Frozen):
    """Everything zwgk read from one submitted file and everything wrong with it."""

    path: str
    unit: str | None = None
    sheets: tuple[SheetSummary, ...] = ()
    items: tuple[DisclosureItem, ...] = ()
    findings: tuple[Finding, ...] = ()
    readable: bool = True

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.WARNING)
