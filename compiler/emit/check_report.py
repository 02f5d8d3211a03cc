"""Emitters for `zwgk check`: JSON report, terminal summary and a self-contained HTML page."""

from __future__ import annotations

import json
import os
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from typing import TextIO

from zwgk.compiler.emit.safe import printable, valid_utf8
from zwgk.validators.messages import location_text, render
from zwgk.validators.models import FIELD_LABELS, DisclosureItem, FileResult, Finding, Severity
from zwgk.validators.registry import get
from zwgk.validators.report import CheckReport, FileReport, IssueReport, SheetReport

from zwgk import __version__

SEVERITY_LABEL = {
    "zh": {"error": "错误", "warning": "警告", "info": "提示"},
    "en": {"error": "error", "warning": "warning", "info": "info"},
}


def build_report(results: Sequence[FileResult], lang: str = "zh") -> CheckReport:
    files = []
    for res in results:
        files.append(
            FileReport(
                path=valid_utf8(res.path),
                unit=res.unit,
                readable=res.readable,
                items=len(res.items),
                links=sum(1 for it in res.items if it.links),
                errors=res.errors,
                warnings=res.warnings,
                sheets=[
                    SheetReport(name=s.name, role=s.role, layout=s.layout, domain=s.domain,
                                header_rows=list(s.header_rows), items=s.items)
                    for s in res.sheets
                ],
                issues=[
                    IssueReport(
                        code=f.code,
                        severity=f.severity.value,
                        sheet=f.location.sheet,
                        row=f.location.row,
                        cell=f.location.cell,
                        field=f.location.field,
                        message=render(f, lang, with_location=False),
                    )
                    for f in res.findings
                ],
            )
        )
    return CheckReport(
        version=__version__,
        lang="en" if lang == "en" else "zh",
        files=files,
        errors=sum(r.errors for r in results),
        warnings=sum(r.warnings for r in results),
    )


def to_json(results: Sequence[FileResult], lang: str = "zh") -> str:
    report = build_report(results, lang)
    return json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def group_by_rule(findings: Sequence[Finding]) -> list[tuple[str, list[Finding]]]:
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        groups[f.code].append(f)
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    return sorted(groups.items(), key=lambda kv: (order[kv[1][0].severity], -len(kv[1]), kv[0]))


LAYOUT_LABEL = {
    "zh": {"national": "国家标准格式（勾选）", "national-link": "国家标准格式（勾选，含链接列）", "shanghai": "上海文字格式",
           "shanghai-link": "上海文字格式（含链接列）", "custom": "非标准格式"},
    "en": {"national": "national tick layout", "national-link": "national tick layout with links",
           "shanghai": "Shanghai word layout", "shanghai-link": "Shanghai word layout with links", "custom": "custom layout"},
}
ROLE_LABEL = {
    "zh": {"instructions": "说明页，已跳过", "empty": "空表，已跳过", "unrecognised": "未能读取"},
    "en": {"instructions": "instructions, skipped", "empty": "empty, skipped", "unrecognised": "not read"},
}


def sheet_lines(res: FileResult, lang: str = "zh") -> list[str]:
    """One line per sheet: what the reader made of it (layout, header rows, domain, items)."""
    en = lang == "en"
    lines = []
    for s in res.sheets:
        if s.role != "catalogue":
            lines.append(f"sheet '{s.name}': {ROLE_LABEL['en'][s.role]}" if en
                         else f"工作表「{s.name}」：{ROLE_LABEL['zh'][s.role]}")
            continue
        layout = LAYOUT_LABEL["en" if en else "zh"].get(s.layout or "", s.layout or "")
        rows = "–".join(str(r) for r in (s.header_rows[0], s.header_rows[-1])) if len(s.header_rows) > 1 else (
            str(s.header_rows[0]) if s.header_rows else "?")
        if en:
            lines.append(f"sheet '{s.name}': {layout}, header row {rows}, domain {s.domain or '?'}, {s.items} items")
        else:
            lines.append(f"工作表「{s.name}」：{layout}，表头第 {rows} 行，领域 {s.domain or '未定'}，事项 {s.items} 个")
    return lines


_ANSI = {"error": "\x1b[31m", "warning": "\x1b[33m", "info": "\x1b[36m", "bold": "\x1b[1m", "green": "\x1b[32m"}
_RESET = "\x1b[0m"


def display_width(text: str) -> int:
    """Columns a terminal gives text: CJK characters (wide and full-width) take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _n(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - display_width(text))
    return gap + text if right else text + gap


def write_terminal(results: Sequence[FileResult], out: TextIO, lang: str = "zh", max_per_rule: int = 20,
                   color: bool | None = None) -> None:
    """Grouped by rule with counts, CJK-aligned, then the cells (display capped, counts never).

    Plain text with ANSI colour only on a terminal (``color=None``) or when asked: no rendering library,
    because this runs on every `zwgk check` and start-up time counts."""
    en = lang == "en"
    if color is None:
        color = bool(getattr(out, "isatty", lambda: False)()) and not os.environ.get("NO_COLOR")

    def paint(style: str, text: str) -> str:
        return f"{_ANSI[style]}{text}{_RESET}" if color else text

    sev = SEVERITY_LABEL["en" if en else "zh"]
    lines: list[str] = []
    for res in results:
        lines.append(paint("bold", printable(res.path) + (f"  [{res.unit}]" if res.unit else "")))
        if not res.readable:  # one sentence: what is wrong with the file and what to do
            lines.extend("  " + paint("error", render(f, lang, with_location=False)) for f in res.findings)
            lines.append("")
            continue
        links = sum(1 for i in res.items if i.links)
        if en:
            lines.append(f"  {len(res.items)} items, {links} with links; {_n(res.errors, 'error')}, {_n(res.warnings, 'warning')}")
        else:
            lines.append(f"  读取事项 {len(res.items)} 个（有链接 {links} 个）；错误 {res.errors} 处，警告 {res.warnings} 处")
        lines.extend(f"  {line}" for line in sheet_lines(res, lang))
        if not res.findings:
            lines.append("  " + paint("green", "No problems found." if en else "未发现问题。"))
            lines.append("")
            continue
        groups = group_by_rule(res.findings)
        head = ("severity", "rule", "count", "title") if en else ("级别", "规则", "数量", "说明")
        rows = [(sev[fs[0].severity.value], code, str(len(fs)), get(code).title(lang)) for code, fs in groups]
        widths = [max(display_width(r[i]) for r in (head, *rows)) for i in range(3)]
        lines.append("  " + "  ".join((_pad(head[0], widths[0]), _pad(head[1], widths[1]),
                                       _pad(head[2], widths[2], right=True), head[3])))
        for (_code, fs), row in zip(groups, rows, strict=True):
            lines.append("  " + "  ".join((paint(fs[0].severity.value, _pad(row[0], widths[0])), _pad(row[1], widths[1]),
                                           _pad(row[2], widths[2], right=True), row[3])))
        for code, fs in groups:
            lines.append("")
            # The rule's title first: the code alone means nothing to a unit's clerk.
            lines.append("  " + paint("bold", get(code).title(lang)) + "  " + code
                         + (f" ({len(fs)})" if en else f"（{len(fs)}）"))
            for f in fs[:max_per_rule]:
                where = location_text(f, lang) or ("(file)" if en else "（文件）")
                lines.append(f"    {where}  {render(f, lang, with_location=False)}")
            if len(fs) > max_per_rule:
                more = len(fs) - max_per_rule
                lines.append(f"    … {more} more (see --format json)" if en else f"    … 另有 {more} 处（完整列表见 --format json）")
        lines.append("")
    out.write("\n".join(lines) + "\n")


def item_context(item: DisclosureItem, lang: str = "zh") -> list[tuple[str, str]]:
    """The fields of an item as (label, value) pairs for showing a finding in its row's context."""
    pairs = []
    for fld in ("level1", "level2", "level3", "content", "basis", "time_limit", "subject", "channels", "audience",
                "mode", "levels", "links"):
        value = getattr(item, fld)
        if isinstance(value, tuple):
            value = "、".join(value)
        label = FIELD_LABELS[fld][1 if lang == "en" else 0]
        pairs.append((fld + "|" + label, value or ""))
    return pairs


def to_html(results: Sequence[FileResult], lang: str = "zh") -> str:
    """One self-contained page: per file the sheets read, then findings grouped by rule with counts, each
    shown with its row's fields (the flagged field marked)."""
    from zwgk.compiler.templating import render_template

    files = []
    for res in results:
        by_row = {(it.source.sheet, it.source.row): it for it in res.items}
        groups = []
        for code, fs in group_by_rule(res.findings):
            entries = []
            for f in fs:
                item = by_row.get((f.location.sheet, f.location.row)) if f.location.row else None
                entries.append({
                    "where": location_text(f, lang) or ("whole file" if lang == "en" else "整个文件"),
                    "message": render(f, lang, with_location=False),
                    "field": f.location.field or "",
                    "context": item_context(item, lang) if item else [],
                })
            groups.append({"code": code, "severity": fs[0].severity.value, "title": get(code).title(lang),
                           "count": len(fs), "entries": entries})
        files.append({"path": printable(res.path), "unit": res.unit or "", "items": len(res.items),
                      "links": sum(1 for i in res.items if i.links), "errors": res.errors,
                      "warnings": res.warnings, "groups": groups, "readable": res.readable,
                      "sheets": sheet_lines(res, lang)})
    return render_template("check_report.html", lang=lang, files=files, version=__version__,
                           severity=SEVERITY_LABEL["en" if lang == "en" else "zh"])
