"""The one writer of catalogue sheets in the published layouts.

Used by ``zwgk template`` (the forms units fill in), by ``zwgk compile`` (catalogue.xlsx) and by the site's
xlsx download, so that every spreadsheet zwgk hands out looks the same and reads back through
``zwgk check`` to the same items.  Two writers share the columns, labels, values and styles planned here:
:func:`write_catalogue_sheet` fills an openpyxl worksheet (templates and examples: small sheets that get
protection, data validation and later edits), :class:`StreamingWorkbook` streams large catalogues to disk
(catalogue.xlsx: 30,000 items in ~3 s, memory that does not grow with the rows).

* ``national`` — the layout of the national 标准指引 tables: title row, 填报单位/填报时间 line, a two-row
  merged header (序号 | 公开事项{一级事项, 二级事项} | 公开内容（要素） | … | 公开对象{全社会, 特定群众} |
  公开方式{主动, 依申请公开} | 公开层级{…} | 链接), √ ticks and the ■/□ channel check-list.
* ``shanghai`` — the Shanghai 全领域 layout (宝山区财政局, 崇明区教育局): 类别 | 一级事项 | 二级事项 | … |
  链接 (查看 + hyperlink) | 公开对象 | 公开方式 | 公开层级 with the values written as words.  Its header
  has two rows too (公开事项 over 一级事项/二级事项), as the 宝山区财政局 catalogue does.

Header labels come from the vocabulary (``vocabulary.label(field)``), tick marks and the channel list from
its ``marks`` and ``channels``, and the spellings of tick and word values from catalogs/template_text.json:
nothing a reader sees is written here.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import weakref
import zipfile
from collections.abc import Mapping, Sequence
from copy import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import xlsxwriter
import xlsxwriter.exceptions
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter
from xlsxwriter.url import Url
from zwgk.catalogs.template_text import SheetText, load_template_text
from zwgk.compiler.emit.atomic import write_bytes
from zwgk.compiler.emit.safe import neutralise
from zwgk.validators.models import AUDIENCES, MODES
from zwgk.validators.rules.links import link_problem
from zwgk.validators.vocabulary import Vocabulary

LayoutName = Literal["national", "shanghai"]
ColumnKind = Literal["text", "tick", "words", "channels", "links", "code", "extra"]

TICK_GROUPS: tuple[str, ...] = ("audience", "mode", "levels")
TEXT_FIELDS: tuple[str, ...] = ("content", "basis", "time_limit", "subject")
NAME_FIELDS: tuple[str, ...] = ("level1", "level2", "level3")
LEADING_FIELDS: tuple[str, ...] = ("domain", "unit", "category")

# Column widths in characters (presentation only; the labels themselves come from the vocabulary).
_WIDTHS: dict[str, float] = {
    "seq": 6, "domain": 12, "unit": 14, "category": 10, "level1": 14, "level2": 18, "level3": 16,
    "content": 38, "basis": 32, "time_limit": 20, "subject": 16, "channels": 30, "links": 28,
    "guideline_code": 11, "tick": 6.5, "words": 11, "extra": 14,
}
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_CODE_FONT = Font(color="595959", size=9)
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_TALL_ROW = 30  # title and first header row height (points)
_MARGIN_SIDE, _MARGIN_TOP = 0.4, 0.6  # print margins (inches)
# Fixed package timestamp when the caller gives none: the same inputs always give the same bytes.
_EPOCH = dt.datetime(2020, 1, 1)
# workbook → kind of data cell → its finished style (indices into that workbook's own style tables).
_STYLES: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class ColumnInfo:
    """One leaf column of a written sheet."""

    index: int  # 1-based
    field: str  # DisclosureItem field; "extra" columns carry the extra key in ``label``
    kind: ColumnKind
    label: str  # the leaf header label as written
    value: str | None = None  # canonical value of a tick column

    @property
    def letter(self) -> str:
        return get_column_letter(self.index)


@dataclass(frozen=True)
class SheetLayoutInfo:
    """Where ``write_catalogue_sheet`` put things (1-based rows and columns, as Excel shows them)."""

    layout: LayoutName
    title_row: int | None
    unit_row: int | None
    header_rows: tuple[int, ...]
    first_data_row: int
    last_data_row: int  # first_data_row - 1 when no rows were written
    columns: tuple[ColumnInfo, ...]

    @property
    def width(self) -> int:
        return len(self.columns)

    @property
    def data_rows(self) -> range:
        return range(self.first_data_row, self.last_data_row + 1)

    def column(self, field: str, value: str | None = None) -> ColumnInfo:
        for col in self.columns:
            if col.field == field and (value is None or col.value == value):
                return col
        raise KeyError(f"{field}:{value}" if value else field)

    def has(self, field: str) -> bool:
        return any(c.field == field for c in self.columns)

    def columns_of(self, field: str) -> tuple[ColumnInfo, ...]:
        return tuple(c for c in self.columns if c.field == field)

    def ref(self, row: int, field: str, value: str | None = None) -> str:
        return f"{self.column(field, value).letter}{row}"


@dataclass(frozen=True)
class _Group:
    """A header cell of the first header row: one leaf column (rowspan 2) or a parent over several."""

    label: str
    leaves: tuple[ColumnInfo, ...]
    parent: bool


def write_catalogue_sheet(
    ws: Worksheet,
    rows: Sequence[Mapping[str, object]],
    *,
    layout: LayoutName,
    vocabulary: Vocabulary,
    title: str | None = None,
    unit_line: str | None = None,
    date_line: str | None = None,
    leading_columns: Sequence[str] = (),
    code_column: bool = False,
    level_values: Sequence[str] = ("区级", "街镇级"),
    level3: bool | None = None,
    extra_columns: Sequence[str] = (),
    number_rows: bool = True,
    text: SheetText | None = None,
) -> SheetLayoutInfo:
    """Write ``rows`` (mappings keyed by DisclosureItem field names) as a catalogue sheet on ``ws``.

    List fields (``channels``, ``audience``, ``mode``, ``levels``, ``links``) take sequences of canonical
    values; ``extra`` a mapping whose keys named in ``extra_columns`` get a column each.  ``level3`` adds a
    三级事项 column (default: when a row has one).  ``number_rows`` fills an empty 序号 with the row's number
    (national layout only; the Shanghai layout has no 序号).  Every text passes ``neutralise``.
    """
    text, groups, columns = _prepare(layout, vocabulary, text, rows, leading_columns, code_column, level_values,
                                     level3, extra_columns)
    width = len(columns)

    row = 1
    title_row = unit_row = None
    if title:
        title_row = row
        ws.cell(row, 1, neutralise(title)).font = Font(bold=True, size=14)
        ws.cell(row, 1).alignment = _CENTER
        if width > 1:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        ws.row_dimensions[row].height = _TALL_ROW
        row += 1
    if unit_line or date_line:
        unit_row = row
        half = max(1, width // 2)
        if unit_line:
            ws.cell(row, 1, neutralise(unit_line)).alignment = Alignment(vertical="center")
            if half > 1:
                ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=half)
        if date_line:
            start = half + 1 if width > 1 else 1
            ws.cell(row, start, neutralise(date_line)).alignment = Alignment(vertical="center")
        row += 1

    top, sub = row, row + 1
    for group in groups:
        first, last = group.leaves[0].index, group.leaves[-1].index
        ws.cell(top, first, group.label)
        if group.parent:
            if last > first:
                ws.merge_cells(start_row=top, start_column=first, end_row=top, end_column=last)
            for leaf in group.leaves:
                ws.cell(sub, leaf.index, leaf.label)
        else:
            ws.merge_cells(start_row=top, start_column=first, end_row=sub, end_column=first)
    for r in (top, sub):
        for col in columns:
            cell = ws.cell(r, col.index)
            cell.font = Font(bold=True)
            cell.fill = _HEADER_FILL
            cell.alignment = _CENTER
            cell.border = _BORDER
    ws.row_dimensions[top].height = _TALL_ROW
    first_data = sub + 1

    info = SheetLayoutInfo(
        layout=layout,
        title_row=title_row,
        unit_row=unit_row,
        header_rows=(top, sub),
        first_data_row=first_data,
        last_data_row=first_data + len(rows) - 1,
        columns=columns,
    )
    for n, data in enumerate(rows, start=1):
        fill_row(ws, info, first_data + n - 1, data, vocabulary=vocabulary, text=text,
                 number=n if number_rows else None)

    for col in columns:
        ws.column_dimensions[col.letter].width = _width(col)
    ws.freeze_panes = ws.cell(first_data, 1).coordinate
    ws.print_title_rows = f"{top}:{sub}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = _MARGIN_SIDE
    ws.page_margins.top = ws.page_margins.bottom = _MARGIN_TOP
    return info


def fill_row(
    ws: Worksheet,
    info: SheetLayoutInfo,
    row: int,
    data: Mapping[str, object],
    *,
    vocabulary: Vocabulary,
    text: SheetText | None = None,
    number: int | None = None,
    only_given: bool = False,
) -> None:
    """Write one item onto sheet row ``row`` of a sheet laid out as ``info`` (styles included).

    ``number`` fills an empty 序号.  With ``only_given`` only the columns whose field is a key of ``data``
    are touched — how a filled-in template or a correction is written over existing cells.
    """
    text = text or load_template_text().sheet
    yes = vocabulary.marks.yes[0]
    styles = _STYLES.setdefault(ws.parent, {})
    for col in info.columns:
        if only_given and col.field not in data and not (col.field == "extra" and "extra" in data):
            continue
        cell = ws.cell(row, col.index)
        value, link = _cell_value(col, data, number, info.layout, vocabulary, text, yes)
        cell.value = value
        cell.hyperlink = link
        key = _style_key(col, link)
        style = styles.get(key)
        if style is None:
            cell.border = _BORDER
            cell.alignment = _CENTER if key in ("center", "code") else _WRAP_TOP
            if key == "link":
                cell.font = Font(color="0563C1", underline="single")
            elif key == "code":
                cell.font = _CODE_FONT
            styles[key] = copy(cell._style)
        else:
            # Setting border/alignment/font one by one hashes every style object for every cell (≈75 % of
            # the time on a large catalogue); the finished style of a kind of cell is looked up once.
            cell._style = copy(style)


def _prepare(
    layout: LayoutName,
    vocabulary: Vocabulary,
    text: SheetText | None,
    rows: Sequence[Mapping[str, object]],
    leading_columns: Sequence[str],
    code_column: bool,
    level_values: Sequence[str],
    level3: bool | None,
    extra_columns: Sequence[str],
) -> tuple[SheetText, list[_Group], tuple[ColumnInfo, ...]]:
    """Check the options and plan the header: the one place both writers get their columns from."""
    if layout not in ("national", "shanghai"):
        raise ValueError(f"unknown layout {layout!r}")
    text = text or load_template_text().sheet
    unknown = [f for f in leading_columns if f not in LEADING_FIELDS]
    if unknown:
        raise ValueError(f"leading columns must be among {LEADING_FIELDS}: {unknown}")
    bad_levels = [v for v in level_values if v not in text.tick_labels.get("levels", {})]
    if bad_levels:
        raise ValueError(f"unknown level values: {bad_levels}")
    with_level3 = level3 if level3 is not None else any(r.get("level3") for r in rows)
    groups = _plan(layout, vocabulary, text, leading_columns, code_column, level_values, with_level3, extra_columns)
    return text, groups, tuple(leaf for g in groups for leaf in g.leaves)


def _width(col: ColumnInfo) -> float:
    key = col.kind if col.kind in ("tick", "words", "extra") else col.field
    return _WIDTHS.get(key, _WIDTHS["extra"])


def _style_key(col: ColumnInfo, link: str | None) -> str:
    """The kind of a data cell's style: link, code, center or wrap."""
    if link:
        return "link"
    if col.kind == "code":
        return "code"
    return "center" if col.kind in ("tick", "words") else "wrap"


def _plan(
    layout: LayoutName,
    vocab: Vocabulary,
    text: SheetText,
    leading: Sequence[str],
    code_column: bool,
    level_values: Sequence[str],
    with_level3: bool,
    extra_columns: Sequence[str],
) -> list[_Group]:
    groups: list[_Group] = []
    index = 0

    def leaf(field: str, kind: ColumnKind, label: str, value: str | None = None) -> ColumnInfo:
        nonlocal index
        index += 1
        return ColumnInfo(index, field, kind, label, value)

    def single(field: str, kind: ColumnKind = "text") -> None:
        col = leaf(field, kind, vocab.label(field))
        groups.append(_Group(col.label, (col,), parent=False))

    if layout == "national":
        single("seq")
    for fld in leading:
        single(fld)
    if layout == "shanghai" and "category" not in leading:
        single("category")
    names = ("level1", "level2", "level3") if with_level3 else ("level1", "level2")
    groups.append(_Group(vocab.label("name"), tuple(leaf(f, "text", vocab.label(f)) for f in names), parent=True))
    for fld in TEXT_FIELDS:
        single(fld)
    single("channels", "channels")
    if layout == "national":
        for group, values in (("audience", AUDIENCES), ("mode", MODES), ("levels", tuple(level_values))):
            labels = text.tick_labels[group]
            leaves = tuple(leaf(group, "tick", labels[v], v) for v in values)
            groups.append(_Group(vocab.label(group), leaves, parent=True))
        single("links", "links")
    else:
        single("links", "links")
        for group in TICK_GROUPS:
            single(group, "words")
    for label in extra_columns:
        col = leaf("extra", "extra", label)
        groups.append(_Group(label, (col,), parent=False))
    if code_column:
        single("guideline_code", "code")
    return groups


def _cell_value(
    col: ColumnInfo,
    data: Mapping[str, object],
    n: int | None,
    layout: LayoutName,
    vocab: Vocabulary,
    text: SheetText,
    yes: str,
) -> tuple[str | int | None, str | None]:
    """(cell value, hyperlink target) of one cell."""
    if col.kind == "tick":
        return (yes if col.value in _values(data.get(col.field)) else None), None
    if col.kind == "words":
        words = [text.words[col.field].get(v, v) for v in _values(data.get(col.field))]
        joined = text.list_separator.join(words)
        note = data.get("audience_note") if col.field == "audience" else None
        if joined and note:
            joined = f"{joined}（{note}）"
        return (neutralise(joined) or None), None
    if col.kind == "channels":
        return (neutralise(_channels_text(_values(data.get("channels")), layout, vocab, text)) or None), None
    if col.kind == "links":
        return _links_cell(_values(data.get("links")), layout, text)
    if col.kind == "extra":
        extra = data.get("extra")
        value = extra.get(col.label) if isinstance(extra, Mapping) else None
        return (neutralise(str(value)) if value not in (None, "") else None), None
    raw = data.get(col.field)
    if col.field == "seq":
        seq = str(raw).strip() if raw not in (None, "") else (str(n) if n is not None else "")
        return (int(seq) if seq.isdigit() and len(seq) < 10 else (neutralise(seq) or None)), None
    if raw is None or raw == "":
        return None, None
    return neutralise(str(raw)), None


def _values(value: object) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Sequence):
        return tuple(str(v) for v in value if v not in (None, ""))
    return (str(value),)


def _channels_text(chosen: Sequence[str], layout: LayoutName, vocab: Vocabulary, text: SheetText) -> str:
    if layout == "shanghai":
        return text.list_separator.join(chosen)
    selected, unselected = vocab.marks.channel_selected[0], vocab.marks.channel_unselected[0]
    standard = vocab.channels.standard
    parts = [f"{selected if c in chosen else unselected}{c}" for c in standard]
    parts.extend(f"{selected}{c}" for c in chosen if c not in standard)
    return " ".join(parts)


def _links_cell(links: Sequence[str], layout: LayoutName, text: SheetText) -> tuple[str | None, str | None]:
    if not links:
        return None, None
    # Only a well-formed http(s) address becomes a hyperlink; a broken one stays visible as typed.
    target = links[0] if link_problem(links[0]) is None else None
    if layout == "shanghai" and len(links) == 1 and target:
        return text.link_text, target
    return neutralise("\n".join(links)), target


# -- saving ----------------------------------------------------------------------------------------------


def workbook_bytes(wb: Workbook, when: dt.date | dt.datetime | None = None) -> bytes:
    """The .xlsx bytes of ``wb``, identical for identical content.

    openpyxl stamps the document properties and every zip member with the wall clock; both are set to
    ``when`` (default 2020-01-01) here so that the same inputs give byte-identical files.
    """
    stamp = _EPOCH if when is None else dt.datetime(when.year, when.month, when.day)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = "zwgk"
    wb.properties.lastModifiedBy = "zwgk"
    raw = io.BytesIO()
    archive = zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(wb, archive).save()  # closes the archive; unlike openpyxl.save_workbook it keeps `modified`
    out = io.BytesIO()
    date_time = (max(stamp.year, 1980), stamp.month, stamp.day, 0, 0, 0)
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=date_time)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.create_system = 3
            member.external_attr = 0o644 << 16
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()


def save_workbook(wb: Workbook, target: str | Path, when: dt.date | dt.datetime | None = None) -> Path:
    """Write ``wb`` to ``target`` atomically and deterministically (see :func:`workbook_bytes`)."""
    write_bytes(target, workbook_bytes(wb, when))
    return Path(target)


# -- the streaming writer (large catalogues) --------------------------------------------------------------

# Excel's limits: longer URLs and more hyperlinks per sheet make Excel refuse the file; the text stays visible.
_MAX_URL = 2079
_MAX_LINKS = 65530


class StreamingWorkbook:
    """A write-once workbook of catalogue sheets for ``zwgk compile`` and the site download.

    The same sheets as :func:`write_catalogue_sheet` (columns, labels, values and styles come from the same
    helpers), written row by row straight to disk: ~5 µs a cell, and memory that does not grow with the rows.
    XlsxWriter (``constant_memory`` mode) packages the file — styles, column widths, merges, hyperlinks, print
    setup — while the rows' XML is put together here: XlsxWriter's own cell writer costs ~9 µs a cell and
    writes a string of the form ``<r>…</r>`` as raw XML.  Sheets are written one after the other.  The file
    appears at ``path`` on :meth:`close`; the same calls give the same bytes (document dates from ``when``,
    zip members with XlsxWriter's fixed timestamp).
    """

    def __init__(self, path: str | Path, when: dt.date | dt.datetime | None = None) -> None:
        stamp = _EPOCH if when is None else dt.datetime(when.year, when.month, when.day)
        # Row data waits in temporary files beside the output, not in /tmp (often a RAM-backed tmpfs).
        self._book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "tmpdir": str(Path(path).parent)})
        self._book.set_properties({"created": stamp, "author": "zwgk"})
        border = {"border": 1, "border_color": "#808080"}
        add = self._book.add_format
        formats = {
            "title": add({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter", "text_wrap": True}),
            "line": add({"valign": "vcenter"}),
            "header": add({"bold": True, "bg_color": "#D9E1F2", "pattern": 1, "align": "center",
                           "valign": "vcenter", "text_wrap": True, **border}),
            "wrap": add({"text_wrap": True, "valign": "top", **border}),
            "center": add({"align": "center", "valign": "vcenter", "text_wrap": True, **border}),
            "code": add({"align": "center", "valign": "vcenter", "text_wrap": True, "font_color": "#595959",
                         "font_size": 9, **border}),
            "link": add({"text_wrap": True, "valign": "top", "font_color": "#0563C1", "underline": 1, **border}),
        }
        self._style = {key: str(fmt._get_xf_index()) for key, fmt in formats.items()}

    def __enter__(self) -> StreamingWorkbook:
        return self

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if kind is None:
            self.close()
        else:
            self.discard()

    def discard(self) -> None:
        """Give up the workbook: remove the sheets' temporary row files; no file is written."""
        for ws in self._book.worksheets():
            fh, name = getattr(ws, "row_data_fh", None), getattr(ws, "row_data_filename", None)
            if fh is not None:
                fh.close()
            if name:
                Path(name).unlink(missing_ok=True)
        self._book.fileclosed = True

    def close(self) -> None:
        try:
            self._book.close()
        except xlsxwriter.exceptions.FileCreateError as exc:  # callers handle OSError like any failed write
            raise OSError(str(exc)) from exc

    def add_note_sheet(self, name: str, note: str) -> None:
        """A sheet with one line of text in A1 (the catalogue of a district without items)."""
        ws = self._book.add_worksheet(name)
        ws.row_data_fh.write(f'<row r="1">{_cell("A1", None, neutralise(note))}</row>')
        ws._check_dimensions(0, 0)

    def add_catalogue_sheet(
        self,
        name: str,
        rows: Sequence[Mapping[str, object]],
        *,
        layout: LayoutName,
        vocabulary: Vocabulary,
        title: str | None = None,
        unit_line: str | None = None,
        date_line: str | None = None,
        leading_columns: Sequence[str] = (),
        code_column: bool = False,
        level_values: Sequence[str] = ("区级", "街镇级"),
        level3: bool | None = None,
        extra_columns: Sequence[str] = (),
        number_rows: bool = True,
        text: SheetText | None = None,
    ) -> SheetLayoutInfo:
        """A sheet named ``name`` laid out as :func:`write_catalogue_sheet` lays out ``ws`` (same options)."""
        text, groups, columns = _prepare(layout, vocabulary, text, rows, leading_columns, code_column,
                                         level_values, level3, extra_columns)
        ws = self._book.add_worksheet(name)
        out = ws.row_data_fh  # the sheet's <sheetData> rows; XlsxWriter wraps them into the sheet on close
        style = self._style
        width = len(columns)
        letters = [col.letter for col in columns]
        merges: list[list[int]] = []  # 0-based first row, first col, last row, last col
        tall = f' ht="{_TALL_ROW}" customHeight="1"'

        row = 1  # 1-based, as in the sheet XML
        title_row = unit_row = None
        if title:
            title_row = row
            out.write(f'<row r="{row}"{tall}>{_cell(f"A{row}", style["title"], neutralise(title))}</row>')
            if width > 1:
                merges.append([row - 1, 0, row - 1, width - 1])
            row += 1
        if unit_line or date_line:
            unit_row = row
            half = max(1, width // 2)
            cells = []
            if unit_line:
                cells.append(_cell(f"A{row}", style["line"], neutralise(unit_line)))
                if half > 1:
                    merges.append([row - 1, 0, row - 1, half - 1])
            if date_line:
                start = half if width > 1 else 0
                cells.append(_cell(f"{letters[start]}{row}", style["line"], neutralise(date_line)))
            out.write(f'<row r="{row}">{"".join(cells)}</row>')
            row += 1

        top, sub = row, row + 1
        top_cells, sub_cells = [""] * width, [""] * width
        for group in groups:
            first, last = group.leaves[0].index - 1, group.leaves[-1].index - 1
            for leaf in group.leaves:
                c = leaf.index - 1
                top_cells[c] = _cell(f"{letters[c]}{top}", style["header"], group.label if c == first else None)
                sub_cells[c] = _cell(f"{letters[c]}{sub}", style["header"], leaf.label if group.parent else None)
            if group.parent and last > first:
                merges.append([top - 1, first, top - 1, last])
            elif not group.parent:
                merges.append([top - 1, first, sub - 1, first])
        out.write(f'<row r="{top}"{tall}>{"".join(top_cells)}</row><row r="{sub}">{"".join(sub_cells)}</row>')
        first_data = sub + 1

        info = SheetLayoutInfo(
            layout=layout,
            title_row=title_row,
            unit_row=unit_row,
            header_rows=(top, sub),
            first_data_row=first_data,
            last_data_row=first_data + len(rows) - 1,
            columns=columns,
        )
        self._data_rows(ws, info, rows, vocabulary, text, number_rows)
        ws._check_dimensions(0, 0)  # the sheet's <dimension>: cells were written behind XlsxWriter's back
        ws._check_dimensions(info.last_data_row - 1 if rows else sub - 1, width - 1)

        for col in columns:
            ws.set_column(col.index - 1, col.index - 1, _width(col))
        ws.merge.extend(merges)  # registered directly: merge_range() would write cells of its own
        ws.freeze_panes(first_data - 1, 0)
        ws.repeat_rows(top - 1, sub - 1)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        ws.set_margins(left=_MARGIN_SIDE, right=_MARGIN_SIDE, top=_MARGIN_TOP, bottom=_MARGIN_TOP)
        return info

    def _data_rows(self, ws: Any, info: SheetLayoutInfo, rows: Sequence[Mapping[str, object]],
                   vocabulary: Vocabulary, text: SheetText, number_rows: bool) -> None:
        yes = vocabulary.marks.yes[0]
        style = self._style
        plan = [(col, col.index - 1, col.letter, style[_style_key(col, None)]) for col in info.columns]
        link_style = style["link"]
        hyperlinks = ws.hyperlinks
        links = ws.hlink_count
        out = ws.row_data_fh
        chunk: list[str] = []
        layout = info.layout
        first = info.first_data_row
        for n, data in enumerate(rows, start=1):
            ref = str(first + n - 1)
            number = n if number_rows else None
            chunk.append(f'<row r="{ref}">')
            for col, c, letter, s in plan:
                value, link = _cell_value(col, data, number, layout, vocabulary, text, yes)
                if link and links < _MAX_LINKS and len(link.encode("utf-16-le")) // 2 <= _MAX_URL:
                    links += 1
                    url = Url(link)
                    # The target exactly as given, as the openpyxl writer stores it: XlsxWriter would move a
                    # #fragment to a location attribute and %-escape quotes — another link when read back.
                    url._link = url._relationship_link = link
                    url._anchor = ""
                    url.text = "" if value is None else str(value)
                    hyperlinks[first + n - 2][c] = url
                    s = link_style
                if value is None:
                    chunk.append(f'<c r="{letter}{ref}" s="{s}"/>')
                elif isinstance(value, int):
                    chunk.append(f'<c r="{letter}{ref}" s="{s}"><v>{value}</v></c>')
                else:
                    chunk.append(_cell(letter + ref, s, value))
            chunk.append("</row>")
            if len(chunk) > 4096:
                out.write("".join(chunk))
                chunk.clear()
        out.write("".join(chunk))
        ws.hlink_count = links


def _cell(ref: str, style: str | None, value: str | None) -> str:
    """One cell of the sheet XML: a blank styled cell or an inline string."""
    s = f' s="{style}"' if style else ""
    if not value:
        return f'<c r="{ref}"{s}/>' if s else ""
    space = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{_xml_text(value)}</t></is></c>'


_XML_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_EXCEL_ESCAPED = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")


def _xml_text(value: str) -> str:
    """Cell text for the sheet XML: XML-escaped, control characters as Excel's ``_xHHHH_`` escapes."""
    if _XML_SPECIAL.search(value) is None:
        return value
    value = _EXCEL_ESCAPED.sub(r"_x005F\1", value)  # a literal "_x0041_" must not read back as "A"
    value = _CONTROL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", value)
    value = value.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = [
    "ColumnInfo",
    "SheetLayoutInfo",
    "StreamingWorkbook",
    "fill_row",
    "save_workbook",
    "workbook_bytes",
    "write_catalogue_sheet",
]
