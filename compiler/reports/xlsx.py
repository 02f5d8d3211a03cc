"""Report workbooks: every text cell neutralised, headers frozen, and the same bytes for the same report.

openpyxl stamps ``modified`` with the wall clock and its zip entries with the local time; both are
replaced here by a timestamp derived from the report date, so two runs give byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.properties import CalcProperties
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.writer.excel import ExcelWriter
from zwgk.compiler.emit.atomic import write_bytes
from zwgk.compiler.emit.safe import neutralise

from zwgk import __version__

Cell = str | int | float | None
_HEADER_FILL = PatternFill("solid", fgColor="F2F2F2")
_FLAG_FILLS = {
    "overdue": PatternFill("solid", fgColor="F8D0D0"),
    "at_risk": PatternFill("solid", fgColor="FCE8C0"),
    "bad": PatternFill("solid", fgColor="F8D0D0"),
}
_INVALID_TITLE = str.maketrans({c: "_" for c in "[]:*?/\\"})


def new_workbook() -> Workbook:
    # Write-only: rows stream to disk as they are appended, several times faster on district-sized reports;
    # styles and links are therefore given with the rows (see add_sheet).
    return Workbook(write_only=True)


def sheet_title(text: str) -> str:
    """A valid, ≤31-character sheet name."""
    return text.translate(_INVALID_TITLE)[:31] or "Sheet"


def cell_value(value: Cell) -> Cell:
    return neutralise(value) if isinstance(value, str) else value


def internal_link(sheet: str, row: int) -> str:
    """The location of a row of a sheet in the same workbook, as a hyperlink's ``location``."""
    return f"{quote_sheetname(sheet_title(sheet))}!A{row}"


def add_sheet(
    wb: Workbook,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    widths: Sequence[int] | None = None,
    preamble: Sequence[str] = (),
    flags: Sequence[str | None] | None = None,
    links: Mapping[tuple[int, int], str] | None = None,
) -> int:
    """Append a sheet: optional lines of text, a bold frozen header row, then the data rows.

    ``flags[i]`` colours data row ``i`` (overdue / at_risk / bad); ``links[(i, j)]`` makes cell ``j`` of data row
    ``i`` a link to a location (:func:`internal_link`).  Returns the header's row number.
    """
    ws = wb.create_sheet(sheet_title(title))
    header = len(preamble) + 1
    ws.freeze_panes = f"A{header + 1}"
    for i, w in enumerate(widths or [14] * len(headers), start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.print_title_rows = f"{header}:{header}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    for line in preamble:
        ws.append([cell_value(line)])
    head = []
    for h in headers:
        c = WriteOnlyCell(ws, value=cell_value(h))
        c.font = Font(bold=True)
        c.fill = _HEADER_FILL
        c.alignment = Alignment(vertical="top", wrap_text=True)
        head.append(c)
    ws.append(head)
    n = 0
    for i, row in enumerate(rows):
        n += 1
        fill = _FLAG_FILLS.get(flags[i] or "") if flags is not None else None
        has_link = links is not None and any((i, j) in links for j in range(len(row)))
        if fill is None and not has_link:
            ws.append([cell_value(v) for v in row])
            continue
        cells = []
        for j, v in enumerate(row):
            c = WriteOnlyCell(ws, value=cell_value(v))
            if fill is not None:
                c.fill = fill
            target = links.get((i, j)) if links is not None else None
            if target is not None:
                c.hyperlink = Hyperlink(ref="", location=target, display=str(v) if v is not None else None)
                c.font = Font(color="0563C1", underline="single")
            cells.append(c)
        ws.append(cells)
    if headers:
        ws.auto_filter.ref = f"A{header}:{get_column_letter(len(headers))}{header + n}"
    return header


def to_bytes(wb: Workbook, when: dt.datetime) -> bytes:
    """The workbook as xlsx bytes with every timestamp set to ``when``."""
    wb.properties.created = when
    wb.properties.modified = when
    wb.properties.creator = f"zwgk {__version__}"
    wb.properties.lastModifiedBy = None
    wb.calculation = CalcProperties(fullCalcOnLoad=False)
    raw = io.BytesIO()
    archive = zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(wb, archive).save()  # closes the archive; unlike save_workbook it keeps our `modified`
    out = io.BytesIO()
    zip_when = max(when, dt.datetime(1980, 1, 1))  # the zip format cannot say anything earlier
    stamp = (zip_when.year, zip_when.month, zip_when.day, zip_when.hour, zip_when.minute, zip_when.second)
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def save(wb: Workbook, path: str | Path, when: dt.datetime) -> None:
    write_bytes(path, to_bytes(wb, when))
