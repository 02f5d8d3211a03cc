"""`zwgk check --annotate OUT.xlsx`: the user's own workbook with every flagged cell filled and commented.

The original is never touched.  An .xlsx/.xlsm is copied with its formatting (widths, merges, validations,
hidden rows and columns, freeze panes, the user's own comments; macros dropped); .xls, .ods and .csv are
rebuilt as .xlsx from the values zwgk read, with their merges, hyperlinks and hidden rows and columns
sized to their text.  A first sheet lists every finding with a link to its cell, so a person can fix
the file from this copy alone: a finding with no cell of its own is marked on its row's first cell
(row-level) or on the sheet's first cell (sheet-level), and a file-level one is listed on that first
sheet only.
"""

from __future__ import annotations

import math
import warnings
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet
from zwgk.compiler.emit.atomic import atomic_path
from zwgk.compiler.emit.check_report import display_width
from zwgk.compiler.emit.safe import neutralise
from zwgk.compiler.reader import ANNOTATION_SHEET, load_grids
from zwgk.compiler.reader.limits import DEFAULT_LIMITS, Limits
from zwgk.compiler.reader.sources import sniff
from zwgk.validators.messages import render
from zwgk.validators.models import FileResult, Finding, Severity
from zwgk.validators.registry import get

FILLS = {
    Severity.ERROR: PatternFill("solid", fgColor="FFC7CE"),
    Severity.WARNING: PatternFill("solid", fgColor="FFEB9C"),
    Severity.INFO: PatternFill("solid", fgColor="DDEBF7"),
}
TAB_COLOURS = {Severity.ERROR: "C00000", Severity.WARNING: "FFC000"}
SUMMARY_SHEET = ANNOTATION_SHEET  # the reader skips it when the copy is checked again
AUTHOR = "zwgk"
_ORDER = list(Severity)
_SEVERITY = {"zh": {"error": "错误", "warning": "警告", "info": "提示"},
             "en": {"error": "error", "warning": "warning", "info": "info"}}

# Comment boxes: Excel shows a note on hover only (openpyxl writes them hidden), so a sheet with a hundred
# findings stays usable; each box is sized to its text so that none is cut off or needlessly large.
COMMENT_WIDTH = 320  # px: about 25 Chinese characters a line
_PX_PER_COLUMN = 6.5  # px per display column (a Chinese character takes two) in Excel's 9 pt note font
_LINE_PX = 15
COMMENT_MAX_HEIGHT = 480
_SEPARATOR = "\n\n———— zwgk ————\n"  # between a user's own note and zwgk's findings in one comment


@dataclass(frozen=True)
class Anchor:
    """Where a finding is shown: a sheet title in the copy and a cell, and how precise that cell is."""

    sheet: str
    ref: str
    scope: str  # cell | row | sheet


def annotate(source: str | Path, result: FileResult, out: str | Path, lang: str = "zh",
             limits: Limits = DEFAULT_LIMITS) -> Path:
    src, dst = Path(source), Path(out)
    if dst.resolve() == src.resolve():
        raise ValueError("标注副本不能覆盖原文件，请换一个文件名")
    if dst.suffix.lower() != ".xlsx":
        raise ValueError(f"标注副本总是 .xlsx 工作簿，请把 {dst.name} 改为以 .xlsx 结尾的文件名")
    lang = "en" if lang == "en" else "zh"
    wb, titles = _open_copy(src, limits)
    anchors = {id(f): _anchor(wb, f, titles) for f in result.findings}
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in result.findings:
        a = anchors[id(f)]
        if a is not None:
            by_cell[(a.sheet, a.ref)].append(f)
    worst_by_sheet: dict[str, Severity] = {}
    for (sheet, ref), fs in by_cell.items():
        ws = wb[sheet]
        cell = ws[ref]
        worst = min((f.severity for f in fs), key=_ORDER.index)
        cell.fill = FILLS[worst]
        cell.comment = _comment(cell.comment, fs, lang)
        if worst in TAB_COLOURS and _ORDER.index(worst) < _ORDER.index(worst_by_sheet.get(sheet, Severity.INFO)):
            worst_by_sheet[sheet] = worst
    for sheet, worst in worst_by_sheet.items():
        props = wb[sheet].sheet_properties
        if props.tabColor is None:  # a tab colour of the user's own is kept
            props.tabColor = TAB_COLOURS[worst]
    _summary_sheet(wb, result, lang, anchors)
    with atomic_path(dst) as tmp:
        wb.save(tmp)
    return dst


def _open_copy(src: Path, limits: Limits) -> tuple[Workbook, dict[str, str]]:
    """The workbook to mark and the map: sheet name in the findings → sheet title in the copy."""
    if sniff(src) == "xlsx":
        try:
            with warnings.catch_warnings():  # openpyxl's notes on styles it fills in are not the user's business
                warnings.simplefilter("ignore")
                wb = load_workbook(src, rich_text=False, keep_vba=False, keep_links=False)
        except Exception:  # noqa: BLE001 - parts openpyxl cannot load (a chart sheet without its drawing …)
            wb = None  # the copy is rebuilt from the cells, as for .xls: the user still gets a marked copy
        if wb is not None:
            for ws in wb.worksheets:
                _clear_earlier_marks(ws)
            # An earlier run's summary sheet is replaced, never marked.
            return wb, {n: n for n in wb.sheetnames if n != SUMMARY_SHEET}
    wb = Workbook()
    wb.remove(wb.active)
    titles: dict[str, str] = {}
    # With what the reader adds to calamine's cells (.ods spans and links): else the copy's header and
    # 一级事项 blocks lose their merges.
    loaded = load_grids(src, limits)
    for grid in loaded.grids:
        titles[grid.name] = _sheet_title(grid.name, wb.sheetnames)
        ws = wb.create_sheet(titles[grid.name])
        for row in grid.rows:
            ws.append([neutralise(v) for v in row])
        spanning: set[tuple[int, int]] = set()
        for r0, c0, r1, c1 in grid.merged:
            if r1 > r0 or c1 > c0:
                ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
                if c1 > c0:
                    spanning.add((r0, c0))
        for (r, c), url in grid.hyperlinks.items():
            # The 查看 cells of a link column stay clickable; only web addresses are carried over.
            if url.lower().startswith(("http://", "https://")) and r < len(grid.rows):
                ws.cell(row=r + 1, column=c + 1).hyperlink = url
        for r in grid.hidden_rows:
            ws.row_dimensions[r].hidden = True
        _fit_columns(ws, grid.rows, spanning)
    return wb, titles


def _clear_earlier_marks(ws: Worksheet) -> None:
    """A clerk fixes the annotated copy and checks it again: the marks of the earlier run go (its notes,
    and its fills and tab colour where they are exactly zwgk's), so that a fixed cell no longer looks wrong."""
    ours = {fill.fgColor.rgb for fill in FILLS.values()}
    for cell in list(getattr(ws, "_cells", {}).values()):
        note = cell.comment
        if note is None or (note.author != AUTHOR and _SEPARATOR not in (note.text or "")):
            continue
        keep = (note.text or "").split(_SEPARATOR)[0].rstrip() if note.author != AUTHOR else ""
        cell.comment = Comment(keep, note.author) if keep else None
        if cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb in ours:
            cell.fill = PatternFill(fill_type=None)
    tab = ws.sheet_properties.tabColor
    if tab is not None and str(tab.rgb)[-6:] in TAB_COLOURS.values():
        ws.sheet_properties.tabColor = None


def _fit_columns(ws: Worksheet, rows: list[list[str]], spanning: set[tuple[int, int]]) -> None:
    """Widths from the text (a rebuilt copy has none of its own), so that it still reads like the input."""
    widest: dict[int, int] = defaultdict(int)
    for r, row in enumerate(rows[:2000]):
        if sum(1 for v in row if v) < 2:
            continue  # a title or a 注： line (merged across the table where the format keeps merges)
        for c, value in enumerate(row):
            if value and (r, c) not in spanning:  # a cell merged across columns says nothing of one column
                widest[c] = max(widest[c], max(display_width(line) for line in str(value).splitlines() or [""]))
    for c, w in widest.items():
        ws.column_dimensions[get_column_letter(c + 1)].width = min(max(w + 2, 6), 50)
    wrap = Alignment(wrap_text=True, vertical="top")
    for c, w in widest.items():
        if w + 2 > 50:  # long texts wrap inside their 50-wide column instead of running off the screen
            for r in range(1, min(len(rows), 2000) + 1):
                cell = ws.cell(row=r, column=c + 1)
                if cell.value and type(cell).__name__ != "MergedCell":
                    cell.alignment = wrap


def _sheet_title(name: str, existing: list[str]) -> str:
    title = "".join(ch for ch in name if ch not in '[]:*?/\\')[:31] or "Sheet"
    base, n = title, 2
    while title in existing or title == SUMMARY_SHEET:
        title = f"{base[:28]}_{n}"
        n += 1
    return title


def _anchor(wb: Workbook, f: Finding, titles: dict[str, str]) -> Anchor | None:
    """The cell a finding is marked on: its own cell, else its row's first cell, else the sheet's first
    cell; a merged cell's note goes on the top-left cell of the range (the only one Excel shows)."""
    loc = f.location
    if not loc.sheet or loc.sheet not in titles:
        return None
    title = titles[loc.sheet]
    ws = wb[title]
    if loc.cell and any(ch.isdigit() for ch in loc.cell):
        ref, scope = loc.cell, "cell"
    elif loc.row:
        # A cell given as a column letter alone (a header finding) is on the finding's row.
        ref, scope = f"{loc.cell or 'A'}{loc.row}", ("cell" if loc.cell else "row")
    else:
        ref, scope = "A1", "sheet"
    try:
        cell = ws[ref]
    except (ValueError, IndexError, KeyError):
        return None
    if not hasattr(cell, "row") or isinstance(cell, tuple):
        return None
    if type(cell).__name__ == "MergedCell":
        for rng in ws.merged_cells.ranges:
            if ref in rng:
                ref = ws.cell(row=rng.min_row, column=rng.min_col).coordinate
                break
    return Anchor(title, ref, scope)


def _comment(existing: Comment | None, findings: list[Finding], lang: str) -> Comment:
    sev = _SEVERITY[lang]
    parts = []
    for f in sorted(findings, key=lambda f: _ORDER.index(f.severity)):
        title = get(f.code).title(lang)
        ref = f"(rule: {f.code})" if lang == "en" else f"（规则编码：{f.code}）"
        head = f"[{sev[f.severity.value]}] {title}" if lang == "en" else f"【{sev[f.severity.value]}】{title}"
        parts.append(f"{head}\n{render(f, lang, with_location=False)}\n{ref}")
    text = "\n\n".join(parts)
    author = AUTHOR
    if existing is not None and existing.author != AUTHOR:  # the user's own note is kept, above zwgk's
        # What an earlier zwgk run added below the user's note is replaced, not stacked.
        keep = (existing.text or "").split(_SEPARATOR)[0].rstrip()
        if keep:
            text = f"{keep}{_SEPARATOR}{text}"
        author = existing.author or AUTHOR
    text = text[:30000]
    lines = sum(max(1, math.ceil(display_width(p) * _PX_PER_COLUMN / (COMMENT_WIDTH - 12))) for p in text.split("\n"))
    height = min(COMMENT_MAX_HEIGHT, lines * _LINE_PX + 14)
    return Comment(text, author, width=COMMENT_WIDTH, height=height)


def _summary_sheet(wb: Workbook, result: FileResult, lang: str, anchors: dict[int, Anchor | None]) -> None:
    en = lang == "en"
    if SUMMARY_SHEET in wb.sheetnames:
        del wb[SUMMARY_SHEET]
    ws = wb.create_sheet(SUMMARY_SHEET, 0)
    head = (["severity", "problem", "sheet", "where", "message and fix", "rule code"] if en
            else ["级别", "问题", "工作表", "位置", "说明及修改方法", "规则编码"])
    ws.append(head)
    for c in ws[1]:
        c.font = Font(bold=True)
    sev = _SEVERITY[lang]
    for f in result.findings:
        loc = f.location
        a = anchors.get(id(f))
        if a is None:
            where = ("whole file" if en else "整个文件") if not loc.sheet else ""
        elif a.scope == "cell":
            where = a.ref
        elif a.scope == "row":
            where = f"row {loc.row}" if en else f"第 {loc.row} 行"
        else:
            where = "whole sheet" if en else "整张表"
        ws.append([sev[f.severity.value], get(f.code).title(lang), neutralise(loc.sheet or ""), where,
                   neutralise(render(f, lang, with_location=False)), f.code])
        if a is not None:
            link_cell = ws.cell(row=ws.max_row, column=4)
            # An internal link (location, not an external target) so Excel and WPS jump to the cell.
            link_cell.hyperlink = Hyperlink(ref=link_cell.coordinate, location=f"{quote_sheetname(a.sheet)}!{a.ref}")
            link_cell.font = Font(color="0563C1", underline="single")
        ws.cell(row=ws.max_row, column=1).fill = FILLS[f.severity]
    for i, w in enumerate([8, 22, 16, 10, 90, 24]):
        ws.column_dimensions[get_column_letter(i + 1)].width = w
    for row in ws.iter_rows(min_row=2, min_col=5, max_col=5):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    if result.findings:
        ws.auto_filter.ref = f"A1:F{ws.max_row}"
    legend = ws.cell(row=1, column=8, value=_legend(result, en))
    legend.alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["H"].width = 60
    # This sheet opens first and alone: a second selected tab would put Excel in group-edit mode, where a
    # typed value lands on every selected sheet.
    for other in wb.worksheets:
        other.sheet_view.tabSelected = False
    ws.sheet_view.tabSelected = True
    wb.active = 0


def _legend(result: FileResult, en: bool) -> str:
    infos = sum(1 for f in result.findings if f.severity is Severity.INFO)
    if en:
        if not result.findings:
            return "No problems found."
        counts = ", ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in
                           ((result.errors, "error"), (result.warnings, "warning"), (infos, "note")))
        return (f"{counts}. Red cells are errors (must be fixed), "
                "amber ones warnings (please check), blue ones notes. Click a cell in the 'where' column to jump to it; "
                "hover over a coloured cell to read what is wrong and how to fix it.")
    if not result.findings:
        return "未发现问题。"
    return (f"共有错误 {result.errors} 处、警告 {result.warnings} 处、提示 {infos} 处。红色单元格是错误，必须修改；"
            "黄色是警告，请核对；蓝色是提示。点击「位置」列可跳到对应单元格；鼠标移到标色的单元格上，可看到问题和修改方法。"
            "工作表标签为红色或黄色的，表示该表有错误或警告。")
