"""The check report: what ``zwgk check --format json`` prints (schema/report.schema.json)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _M(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class IssueReport(_M):
    code: str = Field(description="稳定的规则编码")
    severity: Literal["error", "warning", "info"]
    sheet: str | None = None
    row: int | None = Field(default=None, description="工作表中的行号")
    cell: str | None = Field(default=None, description="单元格, e.g. C10")
    field: str | None = None
    message: str = Field(description="说明与修改建议")


class SheetReport(_M):
    name: str
    role: Literal["catalogue", "instructions", "empty", "unrecognised"]
    layout: str | None = None
    domain: str | None = None
    header_rows: list[int] = []
    items: int = 0


class FileReport(_M):
    path: str
    unit: str | None = None
    readable: bool = True
    items: int = Field(description="读出的事项数")
    links: int = Field(description="有链接的事项数")
    errors: int = 0
    warnings: int = 0
    sheets: list[SheetReport] = []
    issues: list[IssueReport] = []


class CheckReport(_M):
    tool: str = "zwgk"
    version: str
    lang: Literal["zh", "en"] = "zh"
    files: list[FileReport]
    errors: int = 0
    warnings: int = 0
