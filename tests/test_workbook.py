"""The catalogue-sheet writer: what it writes reads back through `zwgk check` to the same items."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from zwgk.catalogs import load_reference
from zwgk.catalogs.template_text import load_template_text
from zwgk.catalogs.vocabulary import load_vocabulary
from zwgk.compiler.check import check_file, rule_context
from zwgk.compiler.emit import workbook as workbook_module
from zwgk.compiler.emit.catalogue_xlsx import ID_COLUMN, write_catalogue_xlsx
from zwgk.compiler.emit.workbook import (
    SheetLayoutInfo,
    StreamingWorkbook,
    save_workbook,
    workbook_bytes,
    write_catalogue_sheet,
)
from zwgk.validators.models import AUDIENCES, LEVELS, MODES, DisclosureItem, FileResult
from zwgk.validators.normalise import clean_cell

VOCAB = load_vocabulary()
TEXT = load_template_text().sheet
CTX = rule_context()

# Findings that mean the writer produced something the reader does not understand.
STRUCTURAL = {
    "header-not-found", "column-missing", "column-duplicate", "column-unknown", "row-not-item",
    "tick-mark-unrecognised", "value-not-in-vocabulary", "domain-missing", "domain-unknown", "link-invalid",
}

# Characters of realistic catalogue text that never spell a header label, a tick mark, 同上, a note or a
# signature line, so that any text drawn from them is data to the reader (the reader's own tolerance for
# such words is tested with the reader).
_CJK = "宝山区教育局学校招生入学政策信息名称范围计划数据年度报告民生保障救助养老服务就业补贴医疗卫生文化法律财政预算决算规划建设项目审批结果监督管理统计办理流程材料条件标准地址电话机构职能"
_ALPHABET = _CJK + "ABCxyz0123456789、，。《》（）“”：；"
texts = st.text(alphabet=_ALPHABET, min_size=1, max_size=24).map(clean_cell).filter(bool)
notes = st.text(alphabet=_CJK, min_size=1, max_size=6)
url_paths = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-/", min_size=1, max_size=16)
hosts = st.sampled_from(["https://www.shbsq.gov.cn/", "http://xxgk.shbsq.gov.cn/", "https://www.shanghai.gov.cn/"])
urls = st.builds(lambda h, p: h + p.strip("/"), hosts, url_paths).filter(lambda u: not u.endswith("/"))
# Channels the vocabulary knows under their own name (a synonym such as 政务微博 reads back as 两微一端).
CHANNELS = tuple(VOCAB.channels.standard) + tuple(c for c in VOCAB.channels.seen if c not in VOCAB.channels.synonyms)
DOMAINS = tuple(d.name for d in load_reference().domains)
UNITS = tuple(u.name for u in load_reference().units)


def ordered_subset(values: Sequence[str]) -> st.SearchStrategy[tuple[str, ...]]:
    return st.sets(st.sampled_from(tuple(values))).map(lambda s: tuple(v for v in values if v in s))


def rows_strategy(layout: str, level_values: Sequence[str]) -> st.SearchStrategy[list[dict[str, Any]]]:
    optional = st.one_of(st.none(), texts)
    row = st.fixed_dictionaries(
        {
            "level1": texts,
            "level2": optional,
            "content": optional,
            "basis": optional,
            "time_limit": optional,
            "subject": optional,
            "channels": st.lists(st.sampled_from(CHANNELS), unique=True, max_size=4),
            "audience": ordered_subset(AUDIENCES),
            "mode": ordered_subset(MODES),
            "levels": ordered_subset(level_values if layout == "national" else LEVELS),
            "links": st.lists(urls, unique=True, max_size=3),
            "guideline_code": st.one_of(st.none(), st.from_regex(r"\A[A-Z]{2,6}-\d{3}\Z")),
            "domain": st.sampled_from(DOMAINS),
            "unit": st.sampled_from(UNITS),
            # A blank 类别 under a filled one reads as the one above (a merged block), so rows always carry one.
            "category": texts,
            "audience_note": st.one_of(st.none(), notes),
            "extra": st.fixed_dictionaries({"备注": optional}),
        }
    )
    return st.lists(row, min_size=1, max_size=6)


def write_and_check(rows: list[dict[str, Any]], folder: Path, **options: Any) -> tuple[SheetLayoutInfo, FileResult]:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "义务教育"
    info = write_catalogue_sheet(ws, rows, vocabulary=VOCAB, **options)
    path = folder / "目录.xlsx"
    path.write_bytes(workbook_bytes(wb))  # save_workbook's fsync is tested once below; skipped here for speed
    return info, check_file(path, ctx=CTX)


def expected_channels(chosen: Sequence[str], layout: str) -> tuple[str, ...]:
    if layout == "shanghai":
        return tuple(chosen)
    standard = VOCAB.channels.standard
    return tuple(c for c in standard if c in chosen) + tuple(c for c in chosen if c not in standard)


def assert_same_item(item: DisclosureItem, row: dict[str, Any], layout: str, options: dict[str, Any]) -> None:
    leading = options.get("leading_columns", ())
    for fld in ("level1", "level2", "content", "basis", "time_limit", "subject"):
        assert getattr(item, fld) == row[fld], fld
    assert item.channels == expected_channels(row["channels"], layout)
    assert item.audience == row["audience"]
    assert item.mode == row["mode"]
    assert item.levels == row["levels"]
    assert item.links == tuple(row["links"])
    assert item.guideline_code == (row["guideline_code"] if options.get("code_column") else None)
    expect_note = row["audience_note"] if layout == "shanghai" and row["audience"] else None
    assert item.audience_note == expect_note
    assert item.domain == (row["domain"] if "domain" in leading else "义务教育")
    if "unit" in leading:
        assert item.unit == row["unit"]
    if layout == "shanghai" or "category" in leading:
        assert item.category == row["category"]
    if options.get("extra_columns"):
        assert item.extra == ({"备注": row["extra"]["备注"]} if row["extra"]["备注"] else {})


def options_strategy(layout: str) -> st.SearchStrategy[dict[str, Any]]:
    leading = ordered_subset(("domain", "unit", "category") if layout == "national" else ("domain", "unit"))
    return st.fixed_dictionaries(
        {
            "layout": st.just(layout),
            "title": st.one_of(st.none(), st.just("上海市宝山区教育局义务教育领域基层政务公开标准目录")),
            "unit_line": st.one_of(st.none(), st.just("填报单位：区教育局")),
            "date_line": st.one_of(st.none(), st.just("填报时间：2020年9月30日")),
            "leading_columns": leading,
            "code_column": st.booleans(),
            "extra_columns": st.sampled_from([(), ("备注",)]),
        }
    )


def _round_trip(layout: str, data: st.DataObject) -> None:
    options = data.draw(options_strategy(layout))
    level_values = data.draw(ordered_subset(LEVELS).filter(bool)) if layout == "national" else ("区级", "街镇级")
    if layout == "national":
        options["level_values"] = level_values
    rows = data.draw(rows_strategy(layout, level_values))
    with tempfile.TemporaryDirectory() as tmp:
        info, result = write_and_check(rows, Path(tmp), **options)
    assert result.readable
    structural = [f for f in result.findings if f.code in STRUCTURAL]
    if options["extra_columns"]:  # said once, as information: the 备注 column is kept as extra data
        assert [(f.code, f.params["label"]) for f in structural] == [("column-unknown", "备注")]
    else:
        assert structural == [], [f.message() for f in structural]
    assert len(result.items) == len(rows)
    for n, (item, row) in enumerate(zip(result.items, rows, strict=True)):
        assert item.source.row == info.first_data_row + n
        assert_same_item(item, row, layout, options)
    summary = result.sheets[0]
    assert summary.header_rows == info.header_rows
    assert summary.layout == f"{layout}-link"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_national_sheet_reads_back_to_the_same_items(data: st.DataObject) -> None:
    _round_trip("national", data)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_shanghai_sheet_reads_back_to_the_same_items(data: st.DataObject) -> None:
    _round_trip("shanghai", data)


# -- structure (golden, parsed) --------------------------------------------------------------------------

ROW = {
    "level1": "招生管理", "level2": "招生政策", "content": "各校招生工作实施方案",
    "basis": "《中华人民共和国政府信息公开条例》", "time_limit": "信息形成或者变更之日起20个工作日内",
    "subject": "宝山区教育局", "channels": ["政府网站", "两微一端", "投资项目在线审批监管平台"],
    "audience": ["全社会"], "mode": ["主动"], "levels": ["区级", "街镇级"],
    "links": ["https://www.shbsq.gov.cn/jyj/zsgl"], "guideline_code": "YWJY-006",
}


def _sheet(rows: list[dict[str, Any]], **options: Any) -> tuple[Any, SheetLayoutInfo]:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "义务教育"
    info = write_catalogue_sheet(ws, rows, vocabulary=VOCAB, **options)
    back = openpyxl.load_workbook(io.BytesIO(workbook_bytes(wb)))
    return back["义务教育"], info


def test_national_layout_structure() -> None:
    ws, info = _sheet([ROW], layout="national", title="标题", unit_line="填报单位：区教育局",
                      date_line="填报时间：", leading_columns=("domain", "unit"), code_column=True)
    assert (info.title_row, info.unit_row, info.header_rows, info.first_data_row) == (1, 2, (3, 4), 5)
    top = [ws.cell(3, c).value for c in range(1, info.width + 1)]
    sub = [ws.cell(4, c).value for c in range(1, info.width + 1)]
    assert top == ["序号", "相应领域", "填报单位", "公开事项", None, "公开内容（要素）", "公开依据", "公开时限", "公开主体",
                   "公开渠道和载体", "公开对象", None, "公开方式", None, "公开层级", None, "链接", "指引编码"]
    assert sub == [None, None, None, "一级事项", "二级事项", None, None, None, None, None, "全社会", "特定群众", "主动",
                   "依申请公开", "区级", "街镇级", None, None]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:R1", "D3:E3", "K3:L3", "M3:N3", "O3:P3", "A3:A4", "F3:F4", "Q3:Q4", "R3:R4"} <= merged
    assert ws.freeze_panes == "A5"
    assert ws.print_title_rows == "$3:$4"
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.column_dimensions[info.column("guideline_code").letter].width < ws.column_dimensions["F"].width
    data = {c.field if c.kind != "tick" else f"{c.field}:{c.value}": ws.cell(5, c.index).value for c in info.columns}
    assert data["seq"] == 1
    assert data["audience:全社会"] == "√" and data["audience:特定群众"] is None
    assert data["mode:主动"] == "√" and data["mode:依申请"] is None
    assert data["levels:区级"] == data["levels:街镇级"] == "√"
    assert data["channels"].startswith("■政府网站 □政府公报 ■两微一端 ")
    assert data["channels"].endswith(" □其他 ■投资项目在线审批监管平台")
    assert data["guideline_code"] == "YWJY-006"
    link = ws.cell(5, info.column("links").index)
    assert link.value == "https://www.shbsq.gov.cn/jyj/zsgl" and link.hyperlink.target == link.value
    assert ws.cell(5, info.column("content").index).alignment.wrap_text is True


def test_shanghai_layout_structure() -> None:
    row = dict(ROW, category="综合政务", audience=["特定群众"], audience_note="教师", mode=["主动", "依申请"])
    ws, info = _sheet([row], layout="shanghai")
    assert (info.title_row, info.unit_row, info.header_rows) == (None, None, (1, 2))
    top = [ws.cell(1, c).value for c in range(1, info.width + 1)]
    assert top == ["类别", "公开事项", None, "公开内容（要素）", "公开依据", "公开时限", "公开主体", "公开渠道和载体",
                   "链接", "公开对象", "公开方式", "公开层级"]
    values = {c.field: ws.cell(3, c.index).value for c in info.columns}
    assert values["channels"] == "政府网站、两微一端、投资项目在线审批监管平台"
    assert values["audience"] == "特定群众（教师）"
    assert values["mode"] == "主动公开、依申请公开"
    assert values["levels"] == "区级、街镇级"
    link = ws.cell(3, info.column("links").index)
    assert link.value == TEXT.link_text == "查看"
    assert link.hyperlink.target == "https://www.shbsq.gov.cn/jyj/zsgl"


def test_several_or_broken_links_stay_visible() -> None:
    rows = [dict(ROW, links=["https://www.shbsq.gov.cn/a", "https://www.shbsq.gov.cn/b"]),
            dict(ROW, level2="招生计划", links=["www.shbsq.gov.cn/c"])]
    ws, info = _sheet(rows, layout="shanghai")
    col = info.column("links").index
    assert ws.cell(3, col).value == "https://www.shbsq.gov.cn/a\nhttps://www.shbsq.gov.cn/b"
    assert ws.cell(3, col).hyperlink.target == "https://www.shbsq.gov.cn/a"
    assert ws.cell(4, col).value == "www.shbsq.gov.cn/c"
    assert ws.cell(4, col).hyperlink is None  # a broken address is never made clickable


def test_labels_come_from_the_vocabulary() -> None:
    fields = tuple(f.model_copy(update={"label": "公开的内容"}) if f.field == "content" else f for f in VOCAB.fields)
    vocab = VOCAB.model_copy(update={"fields": fields})
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    info = write_catalogue_sheet(ws, [ROW], layout="national", vocabulary=vocab)
    assert ws.cell(1, info.column("content").index).value == "公开的内容"


def test_every_text_cell_is_neutralised() -> None:
    row = dict(ROW, content="=HYPERLINK(\"http://evil.example\",\"x\")", subject="+1", basis="@SUM(A1)")
    ws, info = _sheet([row], layout="national")
    for fld in ("content", "subject", "basis"):
        cell = ws.cell(3, info.column(fld).index)
        assert cell.data_type == "s"
        assert cell.value == "'" + row[fld]


def test_bad_options_are_refused() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    with pytest.raises(ValueError):
        write_catalogue_sheet(ws, [ROW], layout="national", vocabulary=VOCAB, leading_columns=("content",))
    with pytest.raises(ValueError):
        write_catalogue_sheet(ws, [ROW], layout="national", vocabulary=VOCAB, level_values=("省级",))
    with pytest.raises(ValueError):
        write_catalogue_sheet(ws, [ROW], layout="html", vocabulary=VOCAB)  # type: ignore[arg-type]


def test_level3_column_appears_when_a_row_has_one() -> None:
    ws, info = _sheet([dict(ROW, level3="小学")], layout="national")
    assert [c.field for c in info.columns][1:4] == ["level1", "level2", "level3"]
    assert ws.cell(2, info.column("level3").index).value == "三级事项"
    assert "B1:D1" in {str(r) for r in ws.merged_cells.ranges}


def test_saving_is_deterministic_and_carries_the_given_date() -> None:
    def build() -> bytes:
        wb = openpyxl.Workbook()
        ws = wb.active
        assert ws is not None
        write_catalogue_sheet(ws, [ROW], layout="national", vocabulary=VOCAB, title="标题")
        return workbook_bytes(wb, dt.date(2020, 9, 30))

    first, second = build(), build()
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as zf:
        assert {i.date_time for i in zf.infolist()} == {(2020, 9, 30, 0, 0, 0)}
        core = zf.read("docProps/core.xml").decode()
    assert "2020-09-30T00:00:00Z" in core


def test_save_workbook_writes_atomically(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    write_catalogue_sheet(ws, [ROW], layout="national", vocabulary=VOCAB)
    target = tmp_path / "sub" / "out.xlsx"
    save_workbook(wb, target)
    assert target.is_file() and [p.name for p in target.parent.iterdir()] == ["out.xlsx"]
    assert check_file(target, ctx=CTX).items[0].guideline_code is None  # no code column unless asked


def test_cell_styles_are_right_in_every_workbook() -> None:
    # Styles are looked up once per workbook and kind of cell; a second workbook must not borrow the first's.
    for _ in range(2):
        ws, info = _sheet([ROW, dict(ROW, level2="招生计划", links=[])], layout="national", code_column=True)
        link = ws.cell(3, info.column("links").index)
        assert link.font.u == "single" and link.border.left.style == "thin"
        assert ws.cell(4, info.column("links").index).font.u is None  # no link, no underline
        code = ws.cell(3, info.column("guideline_code").index)
        assert code.font.sz == 9 and code.alignment.horizontal == "center"
        tick = ws.cell(3, info.column("mode", "主动").index)
        assert tick.alignment.horizontal == "center" and tick.border.bottom.style == "thin"
        text = ws.cell(4, info.column("content").index)
        assert text.alignment.wrap_text is True and text.alignment.vertical == "top"


# -- the streaming writer (catalogue.xlsx of zwgk compile and the site) ----------------------------------


def _stream(rows: list[dict[str, Any]], folder: Path, name: str = "义务教育", **options: Any) -> tuple[Path, SheetLayoutInfo]:
    path = folder / "stream.xlsx"
    with StreamingWorkbook(path, dt.date(2020, 9, 30)) as book:
        info = book.add_catalogue_sheet(name, rows, vocabulary=VOCAB, **options)
    return path, info


def _rgb(color: Any) -> str | None:
    # openpyxl writes colours with alpha 00, XlsxWriter with FF; Excel ignores the alpha of a cell colour.
    return str(color.rgb)[-6:] if color is not None and isinstance(color.rgb, str) else None


def _snapshot(ws: Any) -> dict[str, Any]:
    """What a reader of the sheet sees: values, links, merges, the look of every styled cell, page setup."""
    cells = {}
    for row in ws.iter_rows():
        for c in row:
            if c.value is None and not c.has_style:
                continue
            cells[c.coordinate] = (
                c.value, c.data_type, c.hyperlink.target if c.hyperlink else None,
                bool(c.font.b), c.font.sz or 11.0, c.font.u, _rgb(c.font.color),
                _rgb(c.fill.fgColor) if c.fill.fill_type else None,
                c.alignment.horizontal, c.alignment.vertical, bool(c.alignment.wrap_text),
                c.border.left.style, c.border.bottom.style, _rgb(c.border.left.color),
            )
    widths: dict[int, float] = {}
    for dim in ws.column_dimensions.values():
        for i in range(dim.min or 0, (dim.max or 0) + 1):
            widths[i] = dim.width
    heights = {k: v.height for k, v in ws.row_dimensions.items() if v.height}
    return {
        "cells": cells, "merged": sorted(str(r) for r in ws.merged_cells.ranges), "widths": widths,
        "heights": heights, "freeze": ws.freeze_panes, "print_titles": ws.print_title_rows,
        "page": (ws.page_setup.orientation, int(ws.page_setup.paperSize), ws.page_setup.fitToWidth or 1,
                 ws.page_setup.fitToHeight, ws.sheet_properties.pageSetUpPr.fitToPage,
                 ws.print_options.horizontalCentered, ws.page_margins.left, ws.page_margins.right,
                 ws.page_margins.top, ws.page_margins.bottom),
    }


def _same_sheet(rows: list[dict[str, Any]], folder: Path, **options: Any) -> tuple[Path, SheetLayoutInfo]:
    """Write ``rows`` with both writers and assert a reader sees the same sheet; the streamed file is returned."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "义务教育"
    info = write_catalogue_sheet(ws, rows, vocabulary=VOCAB, **options)
    normal = _snapshot(openpyxl.load_workbook(io.BytesIO(workbook_bytes(wb)))["义务教育"])
    path, streamed_info = _stream(rows, folder, **options)
    streamed = _snapshot(openpyxl.load_workbook(path)["义务教育"])
    assert streamed_info == info
    # XlsxWriter stores a width with Excel's cell padding (+0.71 characters): the same visible width.
    want, got = normal.pop("widths"), streamed.pop("widths")
    assert want.keys() <= got.keys() and all(0 <= got[i] - w < 1 for i, w in want.items())
    assert streamed["cells"] == normal["cells"]
    assert streamed == normal
    return path, info


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_streaming_writer_writes_the_same_sheet(data: st.DataObject) -> None:
    layout = data.draw(st.sampled_from(["national", "shanghai"]))
    options = data.draw(options_strategy(layout))
    level_values = data.draw(ordered_subset(LEVELS).filter(bool)) if layout == "national" else ("区级", "街镇级")
    if layout == "national":
        options["level_values"] = level_values
    options["number_rows"] = data.draw(st.booleans())
    rows = data.draw(rows_strategy(layout, level_values))
    with tempfile.TemporaryDirectory() as tmp:
        path, info = _same_sheet(rows, Path(tmp), **options)
        result = check_file(path, ctx=CTX)
    assert len(result.items) == len(rows)
    for n, (item, row) in enumerate(zip(result.items, rows, strict=True)):
        assert item.source.row == info.first_data_row + n
        assert_same_item(item, row, layout, options)


def test_streaming_writer_structure_matches_the_golden_layout(tmp_path: Path) -> None:
    rows = [ROW, dict(ROW, level2="招生计划", level3="小学", links=[], extra={"备注": "b"})]
    path, info = _same_sheet(rows, tmp_path, layout="national", title="标题", unit_line="填报单位：区教育局",
                             date_line="填报时间：", leading_columns=("domain", "unit"), code_column=True,
                             extra_columns=("备注",))
    ws = openpyxl.load_workbook(path)["义务教育"]
    assert {"A1:T1", "D3:F3", "L3:M3", "A3:A4", "G3:G4", "T3:T4"} <= {str(r) for r in ws.merged_cells.ranges}
    assert ws.freeze_panes == "A5" and ws.print_title_rows == "$3:$4"
    link = ws.cell(5, info.column("links").index)
    assert link.hyperlink.target == link.value == "https://www.shbsq.gov.cn/jyj/zsgl" and link.font.u == "single"
    assert ws.cell(6, info.column("links").index).font.u is None
    assert ws.cell(5, info.column("channels").index).value.startswith("■政府网站 □政府公报 ■两微一端 ")
    assert ws.cell(6, info.column("level3").index).value == "小学"


def test_streaming_writer_escapes_hostile_text(tmp_path: Path) -> None:
    hostile = {
        "level1": "<r><t>raw</t></r>", "level2": "a & b <c> \"d\"", "content": "=1+1", "basis": " 前后空格 ",
        "time_limit": "_x0041_ 字面", "subject": "控制\x01字符\x1f", "links": ["javascript:alert(1)"],
    }
    path, info = _stream([dict(ROW, **hostile)], tmp_path, layout="national")
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    assert "<r><t>raw" not in sheet  # never raw XML
    ws = openpyxl.load_workbook(path)["义务教育"]
    got = {f: ws.cell(info.first_data_row, info.column(f).index).value for f in hostile}
    assert got["level1"] == "<r><t>raw</t></r>" and got["level2"] == "a & b <c> \"d\""
    assert got["content"] == "'=1+1" and got["basis"] == " 前后空格 "
    assert "_x005F_x0041_" in sheet and "控制_x0001_字符_x001F_" in sheet  # Excel's escapes, not bare controls
    assert got["links"] == "javascript:alert(1)"
    assert ws.cell(info.first_data_row, info.column("links").index).hyperlink is None


def test_streaming_writer_keeps_link_text_beyond_excels_link_limits(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workbook_module, "_MAX_LINKS", 2)
    long = "https://www.shbsq.gov.cn/" + "a" * 2100
    rows = [dict(ROW, level2="长链接", links=[long])]  # first: Excel's URL length limit, not the count
    rows.extend(dict(ROW, level2=f"事项{n}", links=[f"https://www.shbsq.gov.cn/{n}"]) for n in range(3))
    path, info = _stream(rows, tmp_path, layout="national")
    ws = openpyxl.load_workbook(path)["义务教育"]
    col = info.column("links").index
    cells = [ws.cell(r, col) for r in info.data_rows]
    assert [c.value for c in cells] == [long] + [f"https://www.shbsq.gov.cn/{n}" for n in range(3)]
    assert [c.hyperlink.target if c.hyperlink else None for c in cells] == [None, cells[1].value, cells[2].value, None]
    assert [i.links[0] for i in check_file(path, ctx=CTX).items] == [c.value for c in cells]


def test_catalogue_xlsx_is_deterministic_and_dated(tmp_path: Path) -> None:
    sheets = [("义务教育", [dict(ROW, domain="义务教育", unit="区教育局", extra={ID_COLUMN: "BS-1"})]),
              ("义务教育", [dict(ROW, domain="义务教育", unit="区教育局", level2="另一", extra={ID_COLUMN: "BS-2"})])]
    first, second = tmp_path / "a" / "catalogue.xlsx", tmp_path / "b" / "catalogue.xlsx"
    for target in (first, second):
        write_catalogue_xlsx(target, sheets, district="上海市宝山区", as_of="2020-09-30", vocabulary=VOCAB)
    assert first.read_bytes() == second.read_bytes()
    assert sorted(p.name for p in first.parent.iterdir()) == ["catalogue.xlsx"]  # no temporary left behind
    with zipfile.ZipFile(first) as zf:
        assert "2020-09-30T00:00:00Z" in zf.read("docProps/core.xml").decode()
    wb = openpyxl.load_workbook(first)
    assert wb.sheetnames == ["义务教育", "义务教育(2)"]
    assert wb["义务教育"]["A1"].value == "上海市宝山区义务教育领域政务公开标准目录"
    back = check_file(first, ctx=CTX)
    assert sorted(i.extra[ID_COLUMN] for i in back.items) == ["BS-1", "BS-2"]


def test_catalogue_xlsx_without_items_and_failed_writes(tmp_path: Path) -> None:
    target = tmp_path / "catalogue.xlsx"
    write_catalogue_xlsx(target, [], district="上海市宝山区", as_of="2020-09-30", vocabulary=VOCAB)
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames == ["目录"] and wb["目录"]["A1"].value == "没有读到任何事项。"
    before = target.read_bytes()

    def broken() -> Any:
        yield "义务教育", [ROW]
        raise RuntimeError("the rows stopped")

    with pytest.raises(RuntimeError):
        write_catalogue_xlsx(target, broken(), district="上海市宝山区", as_of="2020-09-30", vocabulary=VOCAB)
    assert target.read_bytes() == before  # the old file stays whole
    assert [p.name for p in tmp_path.iterdir()] == ["catalogue.xlsx"]  # no temporary row files left either


def test_streaming_rows_wait_beside_the_output(tmp_path: Path) -> None:
    book = StreamingWorkbook(tmp_path / "out.xlsx")
    book.add_catalogue_sheet("义务教育", [ROW], layout="national", vocabulary=VOCAB)
    assert len(list(tmp_path.iterdir())) == 1  # the sheet's row file, not in /tmp
    book.close()
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


def test_streaming_writer_keeps_link_targets_exactly(tmp_path: Path) -> None:
    links = ["https://www.shbsq.gov.cn/a?x=1&y=二#第2节", "https://www.shbsq.gov.cn/100%zz", "https://www.shbsq.gov.cn/\"q\""]
    rows = [dict(ROW, category="综合政务", level2=f"事项{n}", links=[link]) for n, link in enumerate(links)]
    path, info = _same_sheet(rows, tmp_path, layout="shanghai")  # 查看 cells: the link is only in the target
    assert [i.links for i in check_file(path, ctx=CTX).items] == [(link,) for link in links]


def test_streaming_writer_sheet_without_rows(tmp_path: Path) -> None:
    path, info = _same_sheet([], tmp_path, layout="national", title="标题", date_line="截至：2020-09-30")
    assert info.last_data_row == info.first_data_row - 1 == 4
    assert len(check_file(path, ctx=CTX).items) == 0
