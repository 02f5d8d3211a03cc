"""`zwgk check --annotate OUT.xlsx`: the user's own workbook with every flagged cell filled and commented.

The original is never touched.  An .xlsx/.xlsm is copied cell for cell by openpyxl (macros dropped);
.xls, .ods and .csv are rebuilt as .xlsx from the values zwgk read.  A first sheet lists every finding
with a hyperlink to its cell, so a person can fix the file from this copy alone.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import quote_sheetname
from openpyxl.worksheet.hyperlink import Hyperlink
from zwgk.compiler.emit.atomic import atomic_path
from zwgk.compiler.emit.safe import neutralise
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


def annotate(source: str | Path, result: FileResult, out: str | Path, lang: str = "zh",
             limits: Limits = DEFAULT_LIMITS) -> Path:
    src, dst = Path(source), Path(out)
    if dst.resolve() == src.resolve():
        raise ValueError("标注副本不能覆盖原文件，请换一个文件名")
    if dst.suffix.lower() != ".xlsx":
        raise ValueError(f"标注副本总是 .xlsx 工作簿，请把 {dst.name} 改为以 .xlsx 结尾的文件名")
    kind = sniff(src)
    titles: dict[str, str] = {}  # sheet name in the findings → sheet title in the copy
    if kind == "xlsx":
        with warnings.catch_warnings():  # openpyxl's notes on styles it fills in are not the user's business
            warnings.simplefilter("ignore")
            wb = load_workbook(src, rich_text=False, keep_vba=False, keep_links=False)
        titles = {n: n for n in wb.sheetnames}
    else:
        wb = Workbook()
        wb.remove(wb.active)
        for grid in load(src, limits).grids:
            titles[grid.name] = _sheet_title(grid.name, wb.sheetnames)
            ws = wb.create_sheet(titles[grid.name])
            for row in grid.rows:
                ws.append([neutralise(v) for v in row])
            for r0, c0, r1, c1 in grid.merged:
                if r1 > r0 or c1 > c0:
                    ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in result.findings:
        loc = f.location
        if loc.sheet and loc.sheet in titles and (loc.cell or loc.row):
            cell = loc.cell if loc.cell and any(ch.isdigit() for ch in loc.cell) else f"{loc.cell or 'A'}{loc.row or 1}"
            by_cell[(titles[loc.sheet], cell)].append(f)
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
    _summary_sheet(wb, result, lang, titles)
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


def _summary_sheet(wb: Workbook, result: FileResult, lang: str, titles: dict[str, str]) -> None:
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
        ws.append([sev.get(f.severity.value, f.severity.value), f.code, neutralise(loc.sheet or ""), where,
                   neutralise(render(f, lang, with_location=False))])
        if loc.sheet and where and loc.sheet in titles:
            link_cell = ws.cell(row=ws.max_row, column=4)
            # An internal link (location, not an external target) so Excel and WPS jump to the cell.
            link_cell.hyperlink = Hyperlink(ref=link_cell.coordinate, location=f"{quote_sheetname(titles[loc.sheet])}!{where}")
            link_cell.font = Font(color="0563C1", underline="single")
        ws.cell(row=ws.max_row, column=1).fill = FILLS[f.severity]
    widths = [8, 28, 16, 10, 100]
    for i, w in enumerate(widths):
        ws.column_dimensions[chr(65 + i)].width = w
    for row in ws.iter_rows(min_row=2, min_col=5, max_col=5):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"

