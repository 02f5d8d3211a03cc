"""Build catalogue workbooks the way units fill them, for tests (and anyone else who needs a fixture).

Two steps: a *layout* function turns a list of item dicts into a :class:`Sheet` (cells, merges, hyperlinks,
formulas, and where each item landed), and :func:`write` saves sheets as .xlsx, .xls, .ods or .csv::

    from builders import national, shanghai, instructions, write   # tests/ is on sys.path under pytest

    items = [{"level1": "招生管理", "level2": "招生政策", "content": "…", "basis": "《…》", "time_limit": "实时",
              "subject": "区教育局", "channels": ["政府网站"], "audience": ["全社会"], "mode": ["主动"],
              "levels": ["区级"]}]
    path = write(tmp_path / "宝山区教育局.xlsx", [national(items, name="义务教育"), instructions()])

Item dict keys are :class:`~zwgk.validators.models.DisclosureItem` field names (lists for channels,
audience, mode, levels, links).  Layouts:

* :func:`national` — the national template: title row, 填报单位/填报时间 line, two-row merged header whose
  parents 公开事项/公开对象/公开方式/公开层级 span their children, √ ticks, 一级事项 merged over its block,
  optional 同上 cells, ■/□ channel check-lists and a 注： row; ``level3=True`` adds 三级事项,
  ``domain_column=True`` adds 相应领域 (the compiled multi-domain layout), ``link_label`` a link column.
* :func:`shanghai` — Shanghai's text layout: 类别, 一级/二级事项 (or one "一级/二级" column), 全社会 /
  主动公开 / 区级 written as words, optional 链接 column holding a URL, a 查看 cell hyperlink or a
  HYPERLINK() formula.
* :func:`instructions` — a 填表说明 sheet.

Helpers: :func:`sample_item` (a complete valid item, fields overridable), :func:`insert_row` (insert a row
and move merges/links/row numbers with it), ``Sheet.cell("C10")`` and ``Sheet.column_letter("全社会")``.

All coordinates in a :class:`Sheet` are 0-based (row, column); ``item_rows`` are 1-based sheet rows as a
person sees them.  Nothing here imports zwgk: a fixture must not share the code it tests.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

Item = dict[str, Any]

STANDARD_CHANNELS = (
    "政府网站", "政府公报", "两微一端", "发布会/听证会", "广播电视", "纸质媒体", "公开查阅点", "政务服务中心", "便民服务站",
    "入户/现场", "社区/企事业单位/村公示栏(电子屏)", "精准推送", "其他",
)
# Canonical level → the label the national template prints over its tick column.
NATIONAL_LEVELS = {"区级": "县级", "街镇级": "乡、村级"}
WORD_MODE = {"主动": "主动公开", "依申请": "依申请公开"}
DITTO_FIELDS = ("basis", "time_limit", "subject", "channels")


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1 inclusive, 0-based
    hyperlinks: dict[tuple[int, int], str] = field(default_factory=dict)  # cell → URL behind its text
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # cell → formula (no "="); rows hold its value
    header_rows: tuple[int, ...] = ()  # 1-based
    item_rows: list[int] = field(default_factory=list)  # 1-based sheet row of each item, in order
    columns: list[str] = field(default_factory=list)  # leaf label of each column

    def cell(self, ref: str) -> Any:
        """The value at an A1 reference (for assertions)."""
        m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
        assert m, ref
        col = 0
        for ch in m.group(1):
            col = col * 26 + ord(ch) - 64
        row = self.rows[int(m.group(2)) - 1]
        return row[col - 1] if col - 1 < len(row) else ""

    def column_letter(self, label: str) -> str:
        """The letter of the column whose leaf label is ``label``."""
        return _letter(self.columns.index(label))


def _letter(index: int) -> str:
    letters, n = "", index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _join(values: Iterable[str]) -> str:
    return "、".join(values)


def _checklist(chosen: Sequence[str]) -> str:
    """■/□ over the 13 standard channels, then any other chosen channel ticked at the end."""
    parts = [("■" if c in chosen else "□") + c for c in STANDARD_CHANNELS]
    parts += ["■" + c for c in chosen if c not in STANDARD_CHANNELS]
    return " ".join(parts)


def _tick(on: bool) -> str:
    return "√" if on else ""


def _merge_runs(sheet: Sheet, col: int, first_row: int, values: list[str]) -> None:
    """Merge equal consecutive values of one column vertically, leaving the value in the top cell only."""
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start] or not values[start]:
            if i - start > 1 and values[start]:
                sheet.merges.append((first_row + start, col, first_row + i - 1, col))
                for k in range(start + 1, i):
                    sheet.rows[first_row + k][col] = ""
            start = i


def _preamble(sheet: Sheet, width: int, title: str | None, unit: str | None, date: str | None) -> None:
    if title:
        sheet.rows.append([title] + [""] * (width - 1))
        sheet.merges.append((len(sheet.rows) - 1, 0, len(sheet.rows) - 1, width - 1))
    if unit or date:
        line = [""] * width
        if unit:
            line[0] = f"填报单位：{unit}"
        if date:
            line[max(width - 4, 1)] = f"填报时间：{date}"
        sheet.rows.append(line)


def national(
    items: Sequence[Item],
    *,
    name: str = "义务教育",
    title: str | None = "宝山区教育局义务教育领域基层政务公开标准目录",
    unit: str | None = "宝山区教育局",
    date: str | None = "2020年9月1日",
    levels: dict[str, str] | None = None,
    audience_labels: tuple[str, str] = ("全社会", "特定群众"),
    mode_labels: tuple[str, str] = ("主动", "依申请公开"),
    level3: bool = False,
    domain_column: bool = False,
    link_label: str | None = None,
    merge_level1: bool = True,
    merge: Sequence[str] = (),
    ditto: bool = False,
    channels: str = "checklist",
    notes: bool = True,
    number_row: bool = False,
) -> Sheet:
    """The national template layout (see the module docstring).

    ``levels`` maps canonical levels to the tick-column labels (default 县级 / 乡、村级); ``merge`` names
    further fields whose equal consecutive values are merged vertically; ``ditto`` writes 同上 for a
    basis/time limit/subject/channel list equal to the row above; ``channels="plain"`` writes 政府网站、两微一端.
    """
    levels = dict(NATIONAL_LEVELS if levels is None else levels)
    name_fields = ["level1", "level2"] + (["level3"] if level3 else [])
    name_labels = {"level1": "一级事项", "level2": "二级事项", "level3": "三级事项"}
    top: list[str] = ["序号"] + (["相应领域"] if domain_column else [])
    sub: list[str] = [""] * len(top)
    top += ["公开事项"] + [""] * (len(name_fields) - 1)
    sub += [name_labels[f] for f in name_fields]
    texts = ["公开内容（要素）", "公开依据", "公开时限", "公开主体", "公开渠道和载体"]
    top += texts
    sub += [""] * len(texts)
    groups = [("公开对象", list(audience_labels)), ("公开方式", list(mode_labels)), ("公开层级", list(levels.values()))]
    for parent, labels in groups:
        if labels:
            top += [parent] + [""] * (len(labels) - 1)
            sub += labels
    if link_label:
        top.append(link_label)
        sub.append("")
    width = len(top)
    sheet = Sheet(name=name)
    _preamble(sheet, width, title, unit, date)
    h = len(sheet.rows)
    sheet.rows += [top, sub]
    sheet.header_rows = (h + 1, h + 2)
    col = 0
    for label, child in zip(top, sub, strict=True):
        if label and not child:
            sheet.merges.append((h, col, h + 1, col))
        col += 1
    col = 0
    while col < width:
        if top[col] and sub[col]:
            end = col
            while end + 1 < width and not top[end + 1] and sub[end + 1]:
                end += 1
            if end > col:
                sheet.merges.append((h, col, h, end))
            col = end + 1
        else:
            col += 1
    sheet.columns = [s or t for t, s in zip(top, sub, strict=True)]
    if number_row:
        sheet.rows.append([str(i + 1) for i in range(width)])
    first = len(sheet.rows)
    previous: Item | None = None
    for i, it in enumerate(items):
        row: list[Any] = [str(i + 1)]
        if domain_column:
            row.append(it.get("domain", ""))
        row += [it.get(f) or "" for f in name_fields]
        chans = list(it.get("channels", ()))
        chan_text = _checklist(chans) if channels == "checklist" else _join(chans)
        cells = {"basis": it.get("basis") or "", "time_limit": it.get("time_limit") or "",
                 "subject": it.get("subject") or "", "channels": chan_text if chans else ""}
        if ditto and previous is not None:
            for f in DITTO_FIELDS:
                if cells[f] and cells[f] == previous[f]:
                    cells = {**cells, f: "同上"}
        row += [it.get("content") or "", cells["basis"], cells["time_limit"], cells["subject"], cells["channels"]]
        for value, label in zip(("全社会", "特定群众"), audience_labels, strict=True):
            if label:
                row.append(_tick(value in it.get("audience", ())))
        row += [_tick("主动" in it.get("mode", ())), _tick("依申请" in it.get("mode", ()))]
        row += [_tick(level in it.get("levels", ())) for level in levels]
        if link_label:
            row.append(" ".join(it.get("links", ())))
        sheet.rows.append(row)
        sheet.item_rows.append(len(sheet.rows))
        previous = {"basis": it.get("basis") or "", "time_limit": it.get("time_limit") or "",
                    "subject": it.get("subject") or "", "channels": chan_text if chans else ""}
    to_merge = (["level1"] if merge_level1 else []) + list(merge)
    for fld in to_merge:
        label = {"level1": "一级事项", "level2": "二级事项", "level3": "三级事项", "content": "公开内容（要素）",
                 "basis": "公开依据", "time_limit": "公开时限", "subject": "公开主体", "domain": "相应领域"}[fld]
        c = sheet.columns.index(label)
        _merge_runs(sheet, c, first, [str(sheet.rows[first + k][c]) for k in range(len(items))])
    if notes:
        sheet.rows.append(["注：1.“公开对象”“公开方式”“公开层级”请在对应栏内打“√”；2.公开渠道请勾选“■”。"] + [""] * (width - 1))
        sheet.merges.append((len(sheet.rows) - 1, 0, len(sheet.rows) - 1, width - 1))
    return sheet


def shanghai(
    items: Sequence[Item],
    *,
    name: str = "综合政务",
    title: str | None = "宝山区财政局政务公开标准目录",
    unit: str | None = None,
    date: str | None = None,
    combined_name: bool = False,
    two_row: bool = True,
    link: str | None = None,
    link_text: str = "查看",
) -> Sheet:
    """Shanghai's 全领域 text layout.

    ``combined_name`` writes 公开事项(一级/二级) in one column as "一级/二级"; otherwise 公开事项 spans 一级事项 and
    二级事项 (``two_row``) or the header is one row with 一级事项 | 二级事项.  ``link`` adds a 链接 column:
    ``"url"`` (the address as text), ``"hyperlink"`` (a 查看 cell hyperlinked to it) or ``"formula"``
    (=HYPERLINK("url","查看")).
    """
    sheet = Sheet(name=name)
    if combined_name:
        top = ["类别", "公开事项(一级/二级)"]
        sub = ["", ""]
    elif two_row:
        top, sub = ["类别", "公开事项", ""], ["", "一级事项", "二级事项"]
    else:
        top, sub = ["类别", "一级事项", "二级事项"], ["", "", ""]
    rest = ["公开内容(要素)", "公开依据", "公开时限", "公开主体", "公开渠道和载体"] + (["链接"] if link else []) + [
        "公开对象", "公开方式", "公开层级"]
    top += rest
    sub += [""] * len(rest)
    width = len(top)
    _preamble(sheet, width, title, unit, date)
    h = len(sheet.rows)
    header_two = two_row and not combined_name
    sheet.rows.append(top)
    if header_two:
        sheet.rows.append(sub)
        sheet.header_rows = (h + 1, h + 2)
        for c, (t, s) in enumerate(zip(top, sub, strict=True)):
            if t and not s:
                sheet.merges.append((h, c, h + 1, c))
        sheet.merges.append((h, 1, h, 2))
    else:
        sheet.header_rows = (h + 1,)
    sheet.columns = [s or t for t, s in zip(top, sub, strict=True)]
    link_col = sheet.columns.index("链接") if link else -1
    for it in items:
        if combined_name:
            names = ["/".join(p for p in (it.get("level1"), it.get("level2"), it.get("level3")) if p)]
        else:
            names = [it.get("level1") or "", it.get("level2") or ""]
        audience = list(it.get("audience", ()))
        aud_words = ["特定群体" + (f"（{it['audience_note']}）" if it.get("audience_note") else "") if a == "特定群众" else a
                     for a in audience]
        row: list[Any] = [it.get("category") or "", *names, it.get("content") or "", it.get("basis") or "",
                          it.get("time_limit") or "", it.get("subject") or "", ",".join(it.get("channels", ()))]
        links = list(it.get("links", ()))
        if link:
            row.append(" ".join(links) if link == "url" else (link_text if links else ""))
        row += [_join(aud_words), _join(WORD_MODE[m] for m in it.get("mode", ())), _join(it.get("levels", ()))]
        sheet.rows.append(row)
        r = len(sheet.rows) - 1
        if link in ("hyperlink", "formula") and links:
            if link == "hyperlink":
                sheet.hyperlinks[(r, link_col)] = links[0]
            else:
                sheet.formulas[(r, link_col)] = f'HYPERLINK("{links[0]}","{link_text}")'
        sheet.item_rows.append(r + 1)
    return sheet


def insert_row(sheet: Sheet, index: int, row: list[Any]) -> None:
    """Insert ``row`` before 0-based row ``index``, moving merges, links, formulas and row numbers below it."""
    sheet.rows.insert(index, row)

    def move(r: int) -> int:
        return r + 1 if r >= index else r

    sheet.merges = [(move(r0), c0, move(r1) if r1 >= index else r1, c1) for r0, c0, r1, c1 in sheet.merges]
    sheet.hyperlinks = {(move(r), c): v for (r, c), v in sheet.hyperlinks.items()}
    sheet.formulas = {(move(r), c): v for (r, c), v in sheet.formulas.items()}
    sheet.item_rows = [n + 1 if n - 1 >= index else n for n in sheet.item_rows]
    sheet.header_rows = tuple(n + 1 if n - 1 >= index else n for n in sheet.header_rows)


def instructions(name: str = "填表说明") -> Sheet:
    return Sheet(name=name, rows=[["填表说明"], ["1. 每个领域一张工作表，工作表以领域命名。"],
                                  ["2. 公开对象、公开方式、公开层级请在对应栏内打“√”。"], ["3. 公开渠道和载体请勾选“■”。"]])


# --- writers -------------------------------------------------------------------------------------------------

def write(path: str | Path, sheets: Sequence[Sheet], *, encoding: str = "utf-8") -> Path:
    """Save sheets in the format the suffix names (.xlsx/.xlsm, .xls, .ods, .csv — CSV takes the first sheet)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        write_xlsx(p, sheets)
    elif suffix == ".xls":
        write_xls(p, sheets)
    elif suffix == ".ods":
        write_ods(p, sheets)
    elif suffix == ".csv":
        write_csv(p, sheets[0], encoding=encoding)
    else:
        raise ValueError(f"unsupported suffix {suffix}")
    return p


def write_xlsx(path: Path, sheets: Sequence[Sheet]) -> None:
    """openpyxl, then HYPERLINK() cells get the cached value Excel would have saved (openpyxl writes none)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for sh in sheets:
        ws = wb.create_sheet(sh.name)
        for r, row in enumerate(sh.rows):
            for c, value in enumerate(row):
                if value not in ("", None):
                    ws.cell(row=r + 1, column=c + 1, value=value)
        for (r, c), formula in sh.formulas.items():
            ws.cell(row=r + 1, column=c + 1, value="=" + formula)
        for (r, c), url in sh.hyperlinks.items():
            ws.cell(row=r + 1, column=c + 1).hyperlink = url
        for r0, c0, r1, c1 in sh.merges:
            ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    wb.save(path)
    if any(sh.formulas for sh in sheets):
        _cache_formula_values(path, sheets)


def _cache_formula_values(path: Path, sheets: Sequence[Sheet]) -> None:
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    for index, sh in enumerate(sheets, start=1):
        member = f"xl/worksheets/sheet{index}.xml"
        xml = members[member].decode("utf-8")
        for (r, c), _formula in sh.formulas.items():
            ref = f"{_letter(c)}{r + 1}"
            value = sh.rows[r][c] if c < len(sh.rows[r]) else ""
            xml = re.sub(rf'<c r="{ref}"([^>]*)><f>(.*?)</f><v\s*/>',
                         lambda m, v=value, ref=ref: f'<c r="{ref}"{m.group(1)} t="str"><f>{m.group(2)}</f><v>{escape(str(v))}</v>',
                         xml)
        members[member] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def write_xls(path: Path, sheets: Sequence[Sheet]) -> None:
    """xlwt (BIFF8).  Hyperlinks and formulas become their display text: xlwt stores no cached formula values."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    for sh in sheets:
        ws = wb.add_sheet(sh.name, cell_overwrite_ok=True)
        covered = {(r, c) for r0, c0, r1, c1 in sh.merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        for r0, c0, r1, c1 in sh.merges:
            ws.write_merge(r0, r1, c0, c1, sh.rows[r0][c0] if c0 < len(sh.rows[r0]) else "")
        for r, row in enumerate(sh.rows):
            for c, value in enumerate(row):
                if value not in ("", None) and (r, c) not in covered:
                    ws.write(r, c, value)
    wb.save(str(path))


def write_csv(path: Path, sheet: Sheet, *, encoding: str = "utf-8") -> None:
    """One sheet as CSV (merges become a value in the first cell and blanks, as spreadsheet programs export)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for row in sheet.rows:
        writer.writerow(["" if v is None else v for v in row])
    path.write_bytes(buf.getvalue().encode(encoding))


_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.2"'
)


def write_ods(path: Path, sheets: Sequence[Sheet]) -> None:
    """A minimal OpenDocument spreadsheet: strings, spans (merges) with covered cells, and text:a hyperlinks."""
    parts = [f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NS}><office:body><office:spreadsheet>']
    for sh in sheets:
        spans = {(r0, c0): (r1 - r0 + 1, c1 - c0 + 1) for r0, c0, r1, c1 in sh.merges}
        covered = {(r, c) for r0, c0, r1, c1 in sh.merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)} - set(spans)
        width = max((len(r) for r in sh.rows), default=0)
        parts.append(f"<table:table table:name={quoteattr(sh.name)}>")
        for r, row in enumerate(sh.rows):
            parts.append("<table:table-row>")
            for c in range(width):
                value = row[c] if c < len(row) else ""
                if (r, c) in covered:
                    parts.append("<table:covered-table-cell/>")
                    continue
                attrs = ""
                if (r, c) in spans:
                    rows_n, cols_n = spans[(r, c)]
                    attrs = f' table:number-rows-spanned="{rows_n}" table:number-columns-spanned="{cols_n}"'
                if value in ("", None):
                    parts.append(f"<table:table-cell{attrs}/>")
                    continue
                text = escape(str(value))
                url = sh.hyperlinks.get((r, c))
                if url:
                    text = f"<text:a xlink:href={quoteattr(url)}>{text}</text:a>"
                parts.append(f'<table:table-cell office:value-type="string"{attrs}><text:p>{text}</text:p></table:table-cell>')
            parts.append("</table:table-row>")
        parts.append("</table:table>")
    parts.append("</office:spreadsheet></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        zf.writestr("content.xml", "".join(parts), zipfile.ZIP_DEFLATED)


def sample_item(n: int = 1, **overrides: Any) -> Item:
    """A complete, valid item (numbered so that several are distinct); keyword arguments override fields."""
    item: Item = {
        "level1": "招生管理",
        "level2": f"招生政策{n}",
        "content": f"{n}.随迁子女入学办法 2.招生范围及学区划分详细情况",
        "basis": "《中华人民共和国政府信息公开条例》《中华人民共和国义务教育法》",
        "time_limit": "信息形成或者变更之日起20个工作日内",
        "subject": "宝山区教育局",
        "channels": ["政府网站", "两微一端"],
        "audience": ["全社会"],
        "mode": ["主动"],
        "levels": ["区级"],
    }
    item.update(overrides)
    return item
