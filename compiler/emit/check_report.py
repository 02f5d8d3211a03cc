"""Emitters for `zwgk check`: JSON report, terminal summary and a self-contained HTML page."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import TextIO

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
                path=res.path,
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


def write_terminal(results: Sequence[FileResult], out: TextIO, lang: str = "zh", max_per_rule: int = 20,
                   color: bool | None = None) -> None:
    """Grouped by rule with counts, CJK-aligned, then the cells (display capped, counts never)."""
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out, force_terminal=color, no_color=color is False, width=120, highlight=False,
                      soft_wrap=False)
    sev = SEVERITY_LABEL["en" if lang == "en" else "zh"]
    for res in results:
        head = res.path + (f"  [{res.unit}]" if res.unit else "")
        console.print(f"[bold]{_esc(head)}[/bold]")
        if lang == "en":
            console.print(f"  {len(res.items)} items, {sum(1 for i in res.items if i.links)} with links; "
                          f"{res.errors} errors, {res.warnings} warnings")
        else:
            console.print(f"  读取事项 {len(res.items)} 个（有链接 {sum(1 for i in res.items if i.links)} 个）；"
                          f"错误 {res.errors} 处，警告 {res.warnings} 处")
        if not res.findings:
            console.print("  [green]" + ("No problems found." if lang == "en" else "未发现问题。") + "[/green]")
            continue
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        table.add_column("级别" if lang != "en" else "severity")
        table.add_column("规则" if lang != "en" else "rule")
        table.add_column("数量" if lang != "en" else "count", justify="right")
        table.add_column("说明" if lang != "en" else "title")
        groups = group_by_rule(res.findings)
        for code, fs in groups:
            style = {"error": "red", "warning": "yellow", "info": "cyan"}[fs[0].severity.value]
            table.add_row(f"[{style}]{sev[fs[0].severity.value]}[/{style}]", code, str(len(fs)),
                          _esc(get(code).title(lang)))
        console.print(table)
        for code, fs in groups:
            console.print(f"\n  [bold]{code}[/bold]（{len(fs)}）" if lang != "en" else f"\n  [bold]{code}[/bold] ({len(fs)})")
            for f in fs[:max_per_rule]:
                where = location_text(f, lang) or ("(file)" if lang == "en" else "（文件）")
                console.print(f"    {_esc(where)}  {_esc(render(f, lang, with_location=False))}", soft_wrap=True)
            if len(fs) > max_per_rule:
                more = len(fs) - max_per_rule
                console.print(f"    … {more} more (see --format json)" if lang == "en" else f"    … 另有 {more} 处（完整列表见 --format json）")
        console.print("")


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)


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
    from zwgk.compiler.templating import render_template

    files = []
    for res in results:
        by_row = {(it.source.sheet, it.source.row): it for it in res.items}
        groups = []
        for code, fs in group_by_rule(res.findings):
            entries = []
            for f in fs:
                item = by_row.get((f.location.sheet, f.location.row))
                entries.append({
                    "where": location_text(f, lang),
                    "message": render(f, lang, with_location=False),
                    "field": f.location.field or "",
                    "context": item_context(item, lang) if item else [],
                })
            groups.append({"code": code, "severity": fs[0].severity.value, "title": get(code).title(lang),
                           "count": len(fs), "entries": entries})
        files.append({"path": res.path, "unit": res.unit or "", "items": len(res.items),
                      "links": sum(1 for i in res.items if i.links), "errors": res.errors,
                      "warnings": res.warnings, "groups": groups, "readable": res.readable})
    return render_template("check_report.html", lang=lang, files=files, version=__version__,
                           severity=SEVERITY_LABEL["en" if lang == "en" else "zh"])
