"""Audit of `zwgk check`'s answer as a unit's clerk meets it (issue 2, "done when"): can a person who never
saw the code fix the workbook from the annotated copy alone?  Every fixture is built in code; assertions
read the copy back with openpyxl (and its comment drawings from the package), never compare bytes."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from builders import Sheet, national, sample_item, shanghai, write
from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from zwgk.compiler.check import check_file
from zwgk.compiler.emit.annotate import COMMENT_MAX_HEIGHT, COMMENT_WIDTH, SUMMARY_SHEET, annotate
from zwgk.compiler.emit.check_report import write_terminal
from zwgk.validators.messages import render
from zwgk.validators.models import FileResult, Finding, Severity, SourceLocation
from zwgk.validators.registry import RULES, get
from zwgk.validators.sheet import RuleContext

# Latin words a clerk knows (file formats, programs, the tool's own name, web addresses): anything else
# in a Chinese check-time message is a code name or an option.
_ALLOWED_LATIN = {"http", "https", "Excel", "WPS", "UTF", "CSV", "VBA", "NUL", "xlsx", "xlsm", "xls", "ods", "csv",
                  "zwgk", "Sheet", "A", "B"}


def _latin_words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z][A-Za-z_]*(?:-[A-Za-z]+)*", text)) - _ALLOWED_LATIN


def _summary_rows(path: Path) -> list[tuple[object, ...]]:
    return list(load_workbook(path)[SUMMARY_SHEET].iter_rows(min_row=2, max_col=6, values_only=True))


def _vml_shapes(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        return [m for name in zf.namelist() if name.endswith(".vml")
                for m in re.findall(r'<[^>]*shape [^>]*style="([^"]*)"', zf.read(name).decode("utf-8"))]


def _faulty_national(tmp_path: Path, name: str = "宝山区教育局.xlsx") -> Path:
    items = [sample_item(i) for i in range(1, 5)] + [
        sample_item(5, mode=[]),                                  # K9: mode-none
        sample_item(6, basis="《中华人民共和国义务教育法"),         # E10: brackets
        sample_item(7, content=""),                               # D11: required
    ]
    return write(tmp_path / name, [national(items, name="义务教育")])


# --- the comment on a flagged cell -----------------------------------------------------------------------

def test_comment_says_in_chinese_what_is_wrong_and_how_to_fix_it(tmp_path: Path, ctx: RuleContext) -> None:
    src = _faulty_national(tmp_path)
    res = check_file(src, ctx=ctx)
    ws = load_workbook(annotate(src, res, tmp_path / "out.xlsx"))["义务教育"]
    for ref, title, words in (("K9", "未选择公开方式", "打 √"), ("E10", "书名号不配对", "请补全"),
                              ("D11", "必填单元格为空", "请在该单元格填写公开内容")):
        text = ws[ref].comment.text
        head, message = text.split("\n")[:2]
        assert head == f"【错误】{title}"
        assert words in message
        assert not _latin_words(head + message), (ref, message)  # the code is only a trailing reference
        assert ws[ref].fill.fgColor.rgb.endswith("FFC7CE")


def test_a_users_own_comment_on_a_flagged_cell_is_kept(tmp_path: Path, ctx: RuleContext) -> None:
    src = _faulty_national(tmp_path)
    wb = load_workbook(src)
    wb["义务教育"]["E10"].comment = Comment("王科长：依据请再核对", "王科长")
    wb.save(src)
    res = check_file(src, ctx=ctx)
    out = annotate(src, res, tmp_path / "out.xlsx")
    c = load_workbook(out)["义务教育"]["E10"].comment
    assert c.text.startswith("王科长：依据请再核对") and "书名号不配对" in c.text
    # Checking the annotated copy again replaces zwgk's own note instead of stacking a second one.
    again = annotate(out, check_file(out, ctx=ctx), tmp_path / "again.xlsx")
    c2 = load_workbook(again)["义务教育"]["E10"].comment
    assert c2.text.count("书名号不配对") == 1 and c2.text.count("王科长：依据请再核对") == 1


def test_findings_inside_one_merged_range_share_its_top_left_note(tmp_path: Path, ctx: RuleContext) -> None:
    items = [sample_item(i) for i in range(1, 4)]
    src = write(tmp_path / "a.xlsx", [national(items, name="义务教育")])  # 一级事项 B5:B7 merged
    assert "B5:B7" in {str(r) for r in load_workbook(src)["义务教育"].merged_cells.ranges}
    loc = SourceLocation(path=str(src), sheet="义务教育", field="level1")
    findings = (
        Finding(code="required-cell-empty", severity=Severity.ERROR, location=loc.model_copy(update={"row": 6, "cell": "B6"}),
                params={"item": "甲"}),
        Finding(code="mode-both", severity=Severity.WARNING, location=loc.model_copy(update={"row": 7, "cell": "B7"}),
                params={"item": "乙"}),
    )
    out = annotate(src, FileResult(path=str(src), findings=findings), tmp_path / "out.xlsx")
    ws = load_workbook(out)["义务教育"]
    note = ws["B5"].comment.text
    assert "「一级事项」为空（甲）" in note and "「乙」同时勾选" in note  # neither overwrites the other
    assert note.index("【错误】") < note.index("【警告】")
    assert ws["B5"].fill.fgColor.rgb.endswith("FFC7CE")  # the worst of the two
    assert [r[3] for r in _summary_rows(out)] == ["B5", "B5"]


def test_unknown_location_field_never_shows_its_code_name() -> None:
    f = Finding(code="required-cell-empty", severity=Severity.ERROR,
                location=SourceLocation(path="a.xlsx", sheet="s", row=5, field="name"), params={"item": "第 5 行"})
    assert render(f, "zh").count("「事项名称」为空") == 1 and "name" not in render(f, "zh")
    assert "'item name' is empty" in render(f, "en")


# --- findings without a cell of their own ------------------------------------------------------------------

def test_row_sheet_and_file_findings_are_all_visible(tmp_path: Path, ctx: RuleContext) -> None:
    sh = national([sample_item(i, subject="宝山区某某委") for i in range(1, 4)], name="义务教育", unit="宝山区某某委",
                  title="宝山区某某委标准目录")
    junk = Sheet(name="Sheet2", rows=[["甲", "乙"], ["1", "2"], ["3", "4"]])
    src = write(tmp_path / "a.xlsx", [sh, junk])
    wb = load_workbook(src)
    wb["义务教育"].row_dimensions[6].hidden = True
    wb.save(src)
    res = check_file(src, ctx=ctx)
    codes = {f.code for f in res.findings}
    assert {"rows-hidden", "header-not-found", "unit-unknown"} <= codes
    out = annotate(src, res, tmp_path / "out.xlsx")
    wb = load_workbook(out)
    assert "隐藏" in wb["义务教育"]["A6"].comment.text          # row-level: on the row's first cell
    assert "找不到表头" in wb["Sheet2"]["A1"].comment.text       # sheet-level: on the sheet's first cell
    assert wb["Sheet2"].sheet_properties.tabColor.rgb.endswith("C00000")
    rows = _summary_rows(out)
    assert len(rows) == len(res.findings)
    where = {r[5]: r[3] for r in rows}
    assert where["unit-unknown"] == "整个文件" and where["header-not-found"] == "整张表" and where["rows-hidden"] == "第 6 行"
    summary = wb[SUMMARY_SHEET]
    assert "错误" in summary["H1"].value and f"警告 {res.warnings} 处" in summary["H1"].value
    link = next(c for c in summary["D"][1:] if c.value == "整张表")
    assert link.hyperlink.location == "'Sheet2'!A1"


def test_summary_opens_alone_and_names_problems_in_words(tmp_path: Path, ctx: RuleContext) -> None:
    src = _faulty_national(tmp_path)
    wb = load_workbook(src)
    wb["义务教育"].sheet_view.tabSelected = True  # as Excel saves the sheet it was on
    wb.save(src)
    out = annotate(src, check_file(src, ctx=ctx), tmp_path / "out.xlsx")
    wb = load_workbook(out)
    assert wb.active.title == SUMMARY_SHEET
    # Two selected tabs would open Excel in group-edit mode, where typing changes every selected sheet.
    assert [ws.title for ws in wb.worksheets if ws.sheet_view.tabSelected] == [SUMMARY_SHEET]
    header = [c.value for c in wb[SUMMARY_SHEET][1][:6]]
    assert header == ["级别", "问题", "工作表", "位置", "说明及修改方法", "规则编码"]
    assert ("错误", "未选择公开方式", "义务教育", "K9") == _summary_rows(out)[0][:4]
    assert wb[SUMMARY_SHEET].auto_filter.ref == f"A1:F{len(_summary_rows(out)) + 1}"


def test_english_copy_reads_as_english(tmp_path: Path, ctx: RuleContext) -> None:
    src = _faulty_national(tmp_path)
    out = annotate(src, check_file(src, ctx=ctx), tmp_path / "out.xlsx", lang="en")
    wb = load_workbook(out)
    assert [c.value for c in wb[SUMMARY_SHEET][1][:4]] == ["severity", "problem", "sheet", "where"]
    note = wb["义务教育"]["K9"].comment.text
    assert note.startswith("[error] no disclosure mode\n") and "Tick 主动" in note
    assert "errors" in wb[SUMMARY_SHEET]["H1"].value


# --- the user's workbook survives ---------------------------------------------------------------------------

def test_formatting_of_the_users_workbook_survives(tmp_path: Path, ctx: RuleContext) -> None:
    src = _faulty_national(tmp_path)
    wb = load_workbook(src)
    ws = wb["义务教育"]
    ws.column_dimensions["D"].width = 41
    ws.column_dimensions["O"].hidden = True
    ws.row_dimensions[8].hidden = True
    ws.freeze_panes = "D5"
    ws["B5"].fill = PatternFill("solid", fgColor="CCFFCC")
    ws["C6"].font = Font(bold=True, color="FF0000")
    dv = DataValidation(type="list", formula1='"√"', allow_blank=True)
    ws.add_data_validation(dv)
    dv.add("I5:N20")
    ws.sheet_properties.tabColor = "00B050"
    wb.save(src)
    before = src.read_bytes()
    merged = {str(r) for r in ws.merged_cells.ranges}
    out = annotate(src, check_file(src, ctx=ctx), tmp_path / "out.xlsx")
    assert src.read_bytes() == before
    ws = load_workbook(out)["义务教育"]
    assert ws.column_dimensions["D"].width == 41 and ws.column_dimensions["O"].hidden
    assert ws.row_dimensions[8].hidden and ws.freeze_panes == "D5"
    assert ws["B5"].fill.fgColor.rgb.endswith("CCFFCC") and ws["C6"].font.b
    assert {str(r) for r in ws.merged_cells.ranges} == merged
    assert [str(d.sqref) for d in ws.data_validations.dataValidation] == ["I5:N20"]
    assert ws.sheet_properties.tabColor.rgb.endswith("00B050")  # the user's tab colour is not replaced


def test_sheet_names_with_special_characters_link_correctly(tmp_path: Path, ctx: RuleContext) -> None:
    name = "教育(招生)&考试'一"
    src = write(tmp_path / "a.xlsx", [national([sample_item(1), sample_item(2, mode=[])], name=name)])
    out = annotate(src, check_file(src, ctx=ctx), tmp_path / "out.xlsx")
    wb = load_workbook(out)
    link = next(c for c in wb[SUMMARY_SHEET]["D"][1:] if c.value == "K6")
    assert link.hyperlink.location == "'教育(招生)&考试''一'!K6"
    assert "未选择公开方式" in wb[name]["K6"].comment.text


@pytest.mark.parametrize("suffix", [".xls", ".ods", ".csv"])
def test_rebuilt_copy_still_looks_like_the_input(tmp_path: Path, ctx: RuleContext, suffix: str) -> None:
    items = [sample_item(1, category="综合政务", links=["https://www.shbsq.gov.cn/a.html"]),
             sample_item(2, category="综合政务", mode=[], links=["https://www.shbsq.gov.cn/b.html"])]
    link = "url" if suffix == ".csv" else "hyperlink"
    src = write(tmp_path / f"宝山区财政局{suffix}", [shanghai(items, name="综合政务", link=link, unit="宝山区财政局")])
    before = src.read_bytes()
    res = check_file(src, ctx=ctx)
    assert any(f.code in ("mode-none", "value-not-in-vocabulary") for f in res.findings)
    out = annotate(src, res, tmp_path / "out.xlsx")
    assert src.read_bytes() == before
    wb = load_workbook(out)
    ws = wb[wb.sheetnames[1]]
    assert ws["D5"].value == sample_item(1)["content"]
    widths = {k: v.width for k, v in ws.column_dimensions.items()}
    assert widths["D"] > widths["A"] >= 6 and max(widths.values()) <= 50  # sized to the text, not Excel's 8.43
    assert widths["A"] < 20  # the title row across the table does not widen the first column
    assert "未选择公开方式" in ws["K6"].comment.text
    assert ws["I5"].value == ("https://www.shbsq.gov.cn/a.html" if suffix == ".csv" else "查看")
    if suffix == ".ods":  # (the test builder's .xls writer stores no hyperlinks)
        assert ws["I5"].hyperlink.target == "https://www.shbsq.gov.cn/a.html"
    if suffix == ".xls":
        assert "B3:C3" in {str(r) for r in ws.merged_cells.ranges}


def test_ods_copy_keeps_merged_ranges(tmp_path: Path, ctx: RuleContext) -> None:
    src = write(tmp_path / "a.ods", [national([sample_item(i) for i in range(1, 4)], name="义务教育")])
    out = annotate(src, check_file(src, ctx=ctx), tmp_path / "out.xlsx")
    assert "B5:B7" in {str(r) for r in load_workbook(out)["义务教育"].merged_cells.ranges}


# --- a sheet with a hundred findings -------------------------------------------------------------------------

def test_hundred_findings_keep_the_sheet_usable(tmp_path: Path, ctx: RuleContext) -> None:
    items = [sample_item(i, mode=[], time_limit="按需", basis="《条例") for i in range(1, 40)]
    items[0]["content"] = ""
    src = write(tmp_path / "a.xlsx", [national(items, name="义务教育")])
    res = check_file(src, ctx=ctx)
    assert len(res.findings) >= 100
    out = annotate(src, res, tmp_path / "out.xlsx")
    shapes = _vml_shapes(out)
    flagged = {(f.location.cell) for f in res.findings if f.location.cell}
    assert len(shapes) == len(flagged)
    assert all("visibility:hidden" in s for s in shapes)  # shown on hover only: nothing covers the table
    sizes = [tuple(int(x) for x in re.findall(r"(?:width|height):(\d+)px", s)) for s in shapes]
    assert all(w == COMMENT_WIDTH and 40 <= h <= COMMENT_MAX_HEIGHT for w, h in sizes)
    assert len({h for _, h in sizes}) > 1  # sized to their text, not one fixed box
    assert len(_summary_rows(out)) == len(res.findings)


def test_comment_box_grows_with_its_text(tmp_path: Path, ctx: RuleContext) -> None:
    src = write(tmp_path / "a.xlsx", [national([sample_item(1), sample_item(2)], name="义务教育")])
    loc = SourceLocation(path=str(src), sheet="义务教育", row=5, cell="E5", field="basis")
    one = (Finding(code="basis-brackets-unbalanced", severity=Severity.ERROR, location=loc, params={"value": "《甲"}),)
    many = one + tuple(Finding(code="time-limit-unrecognised", severity=Severity.WARNING, location=loc,
                               params={"value": "按需" * k}) for k in range(1, 5))
    small = max(int(h) for s in _vml_shapes(annotate(src, FileResult(path=str(src), findings=one), tmp_path / "1.xlsx"))
                for h in re.findall(r"height:(\d+)px", s))
    big = max(int(h) for s in _vml_shapes(annotate(src, FileResult(path=str(src), findings=many), tmp_path / "2.xlsx"))
              for h in re.findall(r"height:(\d+)px", s))
    assert big > 2 * small


# --- written atomically ---------------------------------------------------------------------------------------

def test_a_failed_save_leaves_the_previous_copy_and_no_debris(tmp_path: Path, ctx: RuleContext,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    src = _faulty_national(tmp_path)
    res = check_file(src, ctx=ctx)
    out = tmp_path / "out" / "copy.xlsx"
    out.parent.mkdir()
    out.write_bytes(b"previous")

    def broken(self: openpyxl.Workbook, filename: str) -> None:
        Path(filename).write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken)
    with pytest.raises(OSError):
        annotate(src, res, out)
    assert out.read_bytes() == b"previous" and [p.name for p in out.parent.iterdir()] == ["copy.xlsx"]


# --- the messages ---------------------------------------------------------------------------------------------

def test_check_time_messages_speak_to_a_clerk() -> None:
    """Every message `zwgk check` can show: Chinese with a fix (errors and warnings), no option or code name."""
    get("mode-none")  # loads every rule module
    bad = {}
    for rule in RULES.values():
        if rule.scope not in ("file", "sheet"):
            continue  # catalogue-scope findings go to the district office's compile report
        text = rule.message_zh + rule.fix_zh
        words = _latin_words(re.sub(r"\{[a-z_]+\}", "", text))
        if words or "--" in text or (rule.severity is not Severity.INFO and not rule.fix_zh):
            bad[rule.code] = sorted(words) or text
        assert rule.message_en.isascii() or re.search(r"[A-Za-z]{3}", rule.message_en), rule.code
    assert bad == {}


def test_terminal_group_headings_carry_the_rule_title(tmp_path: Path, ctx: RuleContext) -> None:
    src = _faulty_national(tmp_path)
    res = check_file(src, ctx=ctx)
    out = io.StringIO()
    write_terminal([res], out, "zh", color=False)
    assert re.search(r"^  未选择公开方式  mode-none（1）$", out.getvalue(), re.M)
    en = io.StringIO()
    write_terminal([res], en, "en", color=False)
    assert re.search(r"^  no disclosure mode  mode-none \(1\)$", en.getvalue(), re.M)


# --- the clerk fixes the copy and checks it again --------------------------------------------------------------

def test_a_fixed_cell_loses_its_marks_when_the_copy_is_checked_again(tmp_path: Path, ctx: RuleContext) -> None:
    src = _faulty_national(tmp_path)
    copy = annotate(src, check_file(src, ctx=ctx), tmp_path / "copy.xlsx")
    wb = load_workbook(copy)
    ws = wb["义务教育"]
    ws["K9"] = "√"  # the clerk ticks 主动 as the note said
    wb.save(copy)
    again = annotate(copy, check_file(copy, ctx=ctx), tmp_path / "again.xlsx")
    ws = load_workbook(again)["义务教育"]
    assert ws["K9"].comment is None and ws["K9"].fill.fill_type is None  # fixed: no stale red, no stale note
    assert ws["E10"].comment.text.count("书名号不配对") == 1 and ws["E10"].fill.fgColor.rgb.endswith("FFC7CE")
    assert ws["D11"].comment is not None


def test_checking_the_annotated_copy_ignores_its_summary_sheet(tmp_path: Path, ctx: RuleContext) -> None:
    src = _faulty_national(tmp_path)
    first = check_file(src, ctx=ctx)
    copy = annotate(src, first, tmp_path / "copy.xlsx")
    second = check_file(copy, ctx=ctx)
    assert second.errors == first.errors
    assert not [f for f in second.findings if f.location.sheet == SUMMARY_SHEET and f.severity is Severity.ERROR]


def test_html_names_where_a_file_level_finding_is(tmp_path: Path, ctx: RuleContext) -> None:
    from html.parser import HTMLParser

    from zwgk.compiler.emit.check_report import to_html

    class Wheres(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.wheres: list[str] = []
            self._on = False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self._on = tag == "span" and ("class", "where") in attrs
            if self._on:
                self.wheres.append("")

        def handle_data(self, data: str) -> None:
            if self._on:
                self.wheres[-1] += data

        def handle_endtag(self, tag: str) -> None:
            self._on = False

    items = [sample_item(i, subject="宝山区某某委") for i in range(1, 3)]
    src = write(tmp_path / "a.xlsx", [national(items, name="义务教育", unit="宝山区某某委", title="宝山区某某委标准目录")])
    res = check_file(src, ctx=ctx)
    assert any(f.code == "unit-unknown" and not f.location.sheet for f in res.findings)
    page = Wheres()
    page.feed(to_html([res]))
    assert len(page.wheres) == len(res.findings) and all(page.wheres)
    assert "整个文件" in page.wheres


@pytest.mark.filterwarnings("ignore:Workbook contains no default style")
def test_a_workbook_openpyxl_cannot_load_still_gets_a_marked_copy(tmp_path: Path, ctx: RuleContext) -> None:
    """A chart sheet without its drawing part (some exporters write one) makes openpyxl fail: the copy is then
    rebuilt from the cells, as for .xls, instead of an internal error."""
    from test_reader_blind2 import EDU, XSheet, nat_row, write_xlsx
    from test_reader_blind2 import national as blind_national

    sh = XSheet("义务教育")
    sh.add("宝山区教育局义务教育领域基层政务公开标准目录")
    first = blind_national(sh)
    for k, it in enumerate(EDU, 1):
        row = nat_row(k, it)
        if k == 1:
            row[5] = ""  # 公开时限 left empty: one finding to mark
        sh.add(*row)
    src = tmp_path / "宝山区教育局.xlsx"
    write_xlsx([sh, XSheet("统计图", chart=True)], src)
    with pytest.raises(Exception):  # noqa: B017 - the premise: openpyxl cannot open this file
        load_workbook(src)
    result = check_file(src, ctx=ctx)
    copy = annotate(src, result, tmp_path / "copy.xlsx")
    wb = load_workbook(copy)
    assert wb.sheetnames[0] == SUMMARY_SHEET and "义务教育" in wb.sheetnames
    cell = wb["义务教育"][f"F{first + 1}"]
    assert cell.comment is not None and "公开时限" in cell.comment.text
