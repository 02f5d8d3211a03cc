"""The compiled district catalogue: what ``zwgk compile`` writes as ``catalogue.json``.

A published format others read (reports, the site, Datasette users), described by
``schema/catalogue.schema.json``.  Fields may be added; none may be renamed or removed without a
version bump of ``FORMAT_VERSION``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from zwgk.validators.models import Audience, Finding, Level, Mode

FORMAT_VERSION = "1"


class _M(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ItemSource(_M):
    path: str = Field(description="提交文件（相对于提交目录）")
    sheet: str | None = None
    row: int | None = None


class GuidelineMatch(_M):
    code: str = Field(description="国家标准指引事项编码")
    method: Literal["code", "name", "fuzzy"] = Field(description="code: 模板编码; name: 规范名称一致; fuzzy: 近似，需人工确认")
    score: float = Field(description="0–100")
    counted: bool = Field(description="是否计入覆盖率 (fuzzy matches never are)")


class CatalogueItem(_M):
    id: str = Field(description="内容派生的稳定编号")
    unit: str = Field(description="填报单位 (roster short name, or the name as submitted)")
    domain: str | None = Field(description="领域")
    category: str | None = None
    seq: str | None = None
    level1: str | None = None
    level2: str | None = None
    level3: str | None = None
    content: str | None = None
    basis: str | None = None
    time_limit: str | None = None
    subject: str | None = None
    subject_units: list[str] = Field(default_factory=list, description="公开主体 resolved to roster units")
    channels: list[str] = Field(default_factory=list)
    audience: list[Audience] = Field(default_factory=list)
    audience_note: str | None = None
    mode: list[Mode] = Field(default_factory=list)
    levels: list[Level] = Field(default_factory=list)
    links: list[str] = Field(default_factory=list)
    guideline_code: str | None = None
    guideline: list[GuidelineMatch] = Field(default_factory=list)
    clauses: list[str] = Field(default_factory=list, description="StatutoryClause ids the item satisfies")
    extra: dict[str, str] = Field(default_factory=dict)
    source: ItemSource


class NotInvolved(_M):
    domain: str
    reason: str


class CatalogueUnit(_M):
    name: str
    kind: str | None = Field(description="委办局 | 街道 | 镇 | 园区, None for a unit outside the roster")
    level: str | None = Field(description="区级 | 街镇级")
    in_roster: bool
    submitted: bool
    files: list[str] = Field(default_factory=list)
    items: int = 0
    errors: int = Field(default=0, description="errors that `zwgk check` finds in the unit's own files "
                        "(completeness findings of the compile are in `findings`, with `unit` set)")
    warnings: int = Field(default=0, description="warnings that `zwgk check` finds in the unit's own files")
    domains: list[str] = Field(default_factory=list, description="domains the unit has items in")
    responsible_for: list[str] = Field(default_factory=list, description="domains named for it by notice item 30")
    not_involved: list[NotInvolved] = Field(default_factory=list, description="未涉及 declarations")
    paired_with: str | None = Field(default=None, description="city department (notice item 29)")


class CatalogueDomain(_M):
    name: str
    no: int | None = None
    pilot: bool
    units: list[str] = Field(default_factory=list, description="units with items in this domain")
    responsible_units: list[str] = Field(default_factory=list, description="units named by notice item 30")
    items: int = 0
    guideline_items: int = 0
    guideline_covered: int = 0


class ClauseCoverage(_M):
    id: str
    label: str
    text: str
    scope: Literal["all", "district", "township"]
    items: list[str] = Field(default_factory=list, description="ids of items satisfying it")
    units: list[str] = Field(default_factory=list, description="units with an item satisfying it (added by zwgk compile)")


class CatalogueFinding(_M):
    code: str
    severity: Literal["error", "warning", "info"]
    message: str
    unit: str | None = None
    domain: str | None = None
    clause: str | None = None
    path: str | None = None
    sheet: str | None = None
    row: int | None = None
    cell: str | None = None
    field: str | None = None
    params: dict[str, str] = Field(default_factory=dict)


class Catalogue(_M):
    format_version: str = FORMAT_VERSION
    district: str
    as_of: str = Field(description="ISO date the catalogue speaks for (never the wall clock)")
    version: str = Field(description="content hash of the catalogue (items, units, findings)")
    units: list[CatalogueUnit]
    domains: list[CatalogueDomain]
    items: list[CatalogueItem]
    clauses: list[ClauseCoverage] = Field(default_factory=list)
    findings: list[CatalogueFinding] = Field(default_factory=list)


def finding_row(f: Finding, message: str, **extra: str | None) -> CatalogueFinding:
    """A located finding as a catalogue row."""
    loc = f.location
    return CatalogueFinding(
        code=f.code,
        severity=f.severity.value,
        message=message,
        path=loc.path,
        sheet=loc.sheet,
        row=loc.row,
        cell=loc.cell,
        field=loc.field,
        params=dict(f.params),
        **extra,
    )
