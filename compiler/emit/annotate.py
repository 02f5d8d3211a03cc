"""`zwgk check --annotate OUT.xlsx`: the user's own workbook with every flagged cell filled and commented.

The original is never touched.  An .xlsx/.xlsm is copied cell for cell by openpyxl (macros dropped);
.xls, .ods and .csv are rebuilt as .xlsx from the values zwgk read.  A first sheet lists every finding
with a hyperlink to its cell, so a person can fix the file from this copy alone.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import quote_sheetname
from zwgk.compiler.emit.atomic import atomic_path
from zwgk.compiler.reader.limits import DEFAULT_LIMITS, Limits
from zwgk.compiler.reader.sources import load, sniff
from zwgk.validators.messages import render
from zwgk.validators.models import FileResult, Finding, Severity

FILLS = {
    Severity.ERROR: PatternFill("solid", fgColor="FFC7CE"),
    Severity.WARNING: PatternFill("solid", fgColor="FFEB9C"),
    Severity.INFO: PatternFill("solid", fgColor="DDEBF7"),
}
SUMMARY_SHEET = "zwgk检查结果"


def _formula_safe(text: str) -> str:
    # A message quoting a cell that starts with = must not become a formula in the copy.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def annotate(source: str | Path, result: FileResult, out: str | Path, lang: str = "zh",
             limits: Limits = DEFAULT_LIMITS) -> Path:
    src, dst = Path(source), Path(out)
    if dst.resolve() == src.resolve():
        raise ValueError("annotated copy must not overwrite the original")
    kind = sniff(src)
    if kind == "xlsx":
        wb = load_workbook(src, rich_text=False, keep_vba=False, keep_links=False)
    else:
        wb = Workbook()
        wb.remove(wb.active)
        for grid in load(src, limits).grids:
            ws = wb.create_sheet(_sheet_title(grid.name, wb.sheetnames))
            for row in grid.rows:
                ws.append([_formula_safe(v) for v in row])
            for r0, c0, r1, c1 in grid.merged:
                if r1 > r0 or c1 > c0:
                    ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in result.findings:
        loc = f.location
        if loc.sheet and loc.sheet in wb.sheetnames and (loc.cell or loc.row):
            cell = loc.cell if loc.cell and any(ch.isdigit() for ch in loc.cell) else f"{loc.cell or 'A'}{loc.row or 1}"
            by_cell[(loc.sheet, cell)].append(f)
    for (sheet, ref), fs in by_cell.items():
        ws = wb[sheet]
        try:
            cell = ws[ref]
        except (ValueError, IndexError):
            continue
        if type(cell).__name__ == "MergedCell":
            for rng in ws.merged_cells.ranges:
                if ref in rng:
                    cell = ws.cell(row=rng.min_row, column=rng.min_col)
                    break
        worst = min(fs, key=lambda f: list(Severity).index(f.severity))
        cell.fill = FILLS[worst.severity]
        text = "\n".join(f"[{f.code}] {render(f, lang, with_location=False)}" for f in fs)
        cell.comment = Comment(text[:30000], "zwgk", width=420, height=160)
    _summary_sheet(wb, result, lang)
    with atomic_path(dst) as tmp:
        wb.save(tmp)
    return dst


def _sheet_title(name: str, existing: list[str]) -> str:
    title = "".join(ch for ch in name if ch not in '[]:*?/\\')[:31] or "Sheet"
    base, n = title, 2
    while title in existing:
        title = f"{base[:28]}_{n}"
        n += 1
    return title


def _summary_sheet(wb: Workbook, result: FileResult, lang: str) -> None:
    if SUMMARY_SHEET in wb.sheetnames:
        del wb[SUMMARY_SHEET]
    ws = wb.create_sheet(SUMMARY_SHEET, 0)
    head = ["级别", "规则", "工作表", "单元格", "说明"] if lang != "en" else ["severity", "rule", "sheet", "cell", "message"]
    ws.append(head)
    for c in ws[1]:
        c.font = Font(bold=True)
    sev = {"error": "错误", "warning": "警告", "info": "提示"} if lang != "en" else {}
    for f in result.findings:
        loc = f.location
        where = loc.cell if loc.cell and any(ch.isdigit() for ch in loc.cell) else (f"{loc.cell or 'A'}{loc.row}" if loc.row else "")
        ws.append([sev.get(f.severity.value, f.severity.value), f.code, _formula_safe(loc.sheet or ""), where,
                   _formula_safe(render(f, lang, with_location=False))])
        if loc.sheet and where and loc.sheet in wb.sheetnames:
            link_cell = ws.cell(row=ws.max_row, column=4)
            link_cell.hyperlink = f"#{quote_sheetname(loc.sheet)}!{where}"
            link_cell.font = Font(color="0563C1", underline="single")
        ws.cell(row=ws.max_row, column=1).fill = FILLS[f.severity]
    widths = [8, 28, 16, 10, 100]
    for i, w in enumerate(widths):
        ws.column_dimensions[chr(65 + i)].width = w
    for row in ws.iter_rows(min_row=2, min_col=5, max_col=5):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"

