"""The reader on every layout units submit (issue 2 §4), in every file format, built in code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from builders import Sheet, insert_row, instructions, national, sample_item, shanghai, write
from zwgk.compiler.check import check_file
from zwgk.compiler.reader import read_file
from zwgk.validators.models import DisclosureItem, FileResult, SourceLocation
from zwgk.validators.sheet import RuleContext

NATIONAL_FIELDS = ("level1", "level2", "content", "basis", "time_limit", "subject", "channels", "audience", "mode",
                   "levels")
SHANGHAI_FIELDS = ("category", "level1", "level2", "content", "basis", "time_limit", "subject", "channels",
                   "audience", "mode", "levels")


def as_dict(item: DisclosureItem, fields: tuple[str, ...]) -> dict[str, Any]:
    out = {}
    for f in fields:
        v = getattr(item, f)
        out[f] = list(v) if isinstance(v, tuple) else v
    return out


def expected(items: list[dict[str, Any]], fields: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{f: (list(it.get(f, ())) if f in ("channels", "audience", "mode", "levels", "links") else it.get(f))
             for f in fields} for it in items]


def codes(res: FileResult) -> list[str]:
    return [f.code for f in res.findings]


def five_items() -> list[dict[str, Any]]:
    items = [sample_item(i) for i in range(1, 6)]
    items[1].update(audience=["特定群众"], mode=["依申请"], levels=["区级", "街镇级"])
    items[3].update(level1="学籍管理", channels=["政府网站", "公开查阅点", "社区/企事业单位/村公示栏(电子屏)"])
    items[4].update(level1="学籍管理", time_limit="实时")
    return items


# --- formats -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("suffix", "encoding"), [(".xlsx", "utf-8"), (".xls", "utf-8"), (".ods", "utf-8"),
                                                  (".csv", "utf-8"), (".csv", "utf-8-sig"), (".csv", "gb18030")])
def test_national_layout_reads_back_in_every_format(tmp_path: Path, ctx: RuleContext, suffix: str, encoding: str) -> None:
    items = five_items()
    # CSV keeps no merges: a merged 公开主体 would come back blank under its first row, as Excel exports it.
    sheet = national(items, ditto=True, merge=("subject",) if suffix != ".csv" else ())
    path = write(tmp_path / f"宝山区教育局{suffix}", [sheet], encoding=encoding)
    res = check_file(path, ctx=ctx)
    assert [as_dict(i, NATIONAL_FIELDS) for i in res.items] == expected(items, NATIONAL_FIELDS)
    assert [i.source.row for i in res.items] == sheet.item_rows
    assert res.unit == "区教育局"
    assert {i.domain for i in res.items} == {"义务教育"}
    assert res.errors == 0 and res.warnings == 0, [f.message() for f in res.findings]
    assert res.sheets[0].layout == "national"
    assert res.sheets[0].header_rows == sheet.header_rows
    # Items are built without validation and share one fields-set: both must be invisible from outside.
    for item in res.items:
        assert DisclosureItem.model_validate(item.model_dump()) == item
        assert item.model_fields_set == set(DisclosureItem.model_fields)
        assert item.source.model_copy(update={"cell": "A1"}).model_fields_set >= {"cell"}
        assert item.source.model_fields_set == set(SourceLocation.model_fields)


def test_merged_and_ditto_cells_are_filled_and_remembered(tmp_path: Path, ctx: RuleContext) -> None:
    items = five_items()
    merged = write(tmp_path / "a.xlsx", [national(items, merge=("basis",))])
    recs = read_file(merged, reference=ctx.reference, vocabulary=ctx.vocabulary).sheets[0].records
    assert recs[1].filled == {"level1": "merge", "basis": "merge"}
    assert recs[0].filled == {}
    assert all(r.item.basis == items[0]["basis"] for r in recs)
    dittoed = write(tmp_path / "b.xlsx", [national(items, ditto=True, merge_level1=False)])
    recs = read_file(dittoed, reference=ctx.reference, vocabulary=ctx.vocabulary).sheets[0].records
    assert recs[1].filled == {"basis": "ditto", "time_limit": "ditto", "subject": "ditto", "channels": "ditto"}
    assert all(r.item.subject == "宝山区教育局" for r in recs)


def test_several_sheets_and_an_instructions_sheet(tmp_path: Path, ctx: RuleContext) -> None:
    edu = [sample_item(1), sample_item(2)]
    aid = [sample_item(1, level1="救助政策", subject="区民政局"), sample_item(2, level1="救助政策", subject="区民政局")]
    path = write(tmp_path / "宝山区教育局.xlsx", [instructions(), national(edu, name="义务教育"),
                                               national(aid, name="社会救助", title="社会救助领域基层政务公开标准目录")])
    res = check_file(path, ctx=ctx)
    assert [s.role for s in res.sheets] == ["instructions", "catalogue", "catalogue"]
    assert [(i.domain, i.level2) for i in res.items] == [("义务教育", "招生政策1"), ("义务教育", "招生政策2"),
                                                        ("社会救助", "招生政策1"), ("社会救助", "招生政策2")]
    skipped = [f for f in res.findings if f.code == "sheet-instructions-skipped"]
    assert len(skipped) == 1 and skipped[0].location.sheet == "填表说明"
    assert "填表说明" in skipped[0].message() and "不作为目录读取" in skipped[0].message()
    assert res.errors == 0


def test_instructions_recognised_by_content_whatever_the_sheet_is_called(tmp_path: Path, ctx: RuleContext) -> None:
    path = write(tmp_path / "a.xlsx", [national([sample_item()]), instructions(name="Sheet2")])
    res = check_file(path, ctx=ctx)
    assert [s.role for s in res.sheets] == ["catalogue", "instructions"]
    assert "header-not-found" not in codes(res)


# --- header --------------------------------------------------------------------------------------------------

def test_header_found_below_many_title_rows_and_above_a_number_row(tmp_path: Path, ctx: RuleContext) -> None:
    sheet = national([sample_item(1), sample_item(2)], number_row=True)
    sheet.rows[0:0] = [["附件2"], [""], ["政务公开事项标准目录模板"], ["（2020年版）"]]
    sheet.merges = [(r0 + 4, c0, r1 + 4, c1) for r0, c0, r1, c1 in sheet.merges]
    path = write(tmp_path / "a.xlsx", [sheet])
    res = check_file(path, ctx=ctx)
    assert res.sheets[0].header_rows == (7, 8, 9)
    assert [i.source.row for i in res.items] == [10, 11]
    assert res.errors == 0, [f.message() for f in res.findings]


def test_spellings_and_synonyms_of_header_labels(tmp_path: Path, ctx: RuleContext) -> None:
    sheet = national([sample_item(1, audience=["特定群众"], mode=["依申请"], levels=["街镇级"])],
                     audience_labels=("全 社 会", "特定群体"), mode_labels=("主动", "依申请"),
                     levels={"区级": "区级", "街镇级": "乡级"}, link_label="公开网址")
    header = sheet.header_rows[0] - 1
    sheet.rows[header] = [{"公开内容（要素）": "公开内容\n(要素)", "公开渠道和载体": "公开渠道及载体",
                           "公开依据": "公开依据 "}.get(x, x) for x in sheet.rows[header]]
    path = write(tmp_path / "a.xlsx", [sheet])
    res = check_file(path, ctx=ctx)
    cols = res.sheets[0].columns
    assert cols["D"] == "content" and cols["H"] == "channels" and cols["E"] == "basis"
    assert cols["J"] == "audience:特定群众" and cols["L"] == "mode:依申请" and cols["N"] == "levels:街镇级"
    assert cols["O"] == "links"
    it = res.items[0]
    assert (it.audience, it.mode, it.levels) == (("特定群众",), ("依申请",), ("街镇级",))


def test_tick_look_alikes(tmp_path: Path, ctx: RuleContext) -> None:
    sheet = national([sample_item(1), sample_item(2)])
    r = sheet.item_rows
    sheet.rows[r[0] - 1][8] = "✓"
    sheet.rows[r[1] - 1][10] = "✔"
    path = write(tmp_path / "a.xlsx", [sheet])
    res = check_file(path, ctx=ctx)
    assert [i.audience for i in res.items] == [("全社会",), ("全社会",)]
    assert [i.mode for i in res.items] == [("主动",), ("主动",)]
    assert res.errors == 0 and res.warnings == 0


def test_level3_and_domain_column_layouts(tmp_path: Path, ctx: RuleContext) -> None:
    items = [sample_item(1, level3="小学招生", domain="义务教育"), sample_item(2, level3="初中招生", domain="社会救助")]
    path = write(tmp_path / "区教育局.xlsx", [national(items, level3=True, domain_column=True, name="Sheet1",
                                                       title="宝山区标准目录汇编")])
    res = check_file(path, ctx=ctx)
    assert [(i.domain, i.level1, i.level2, i.level3) for i in res.items] == [
        ("义务教育", "招生管理", "招生政策1", "小学招生"), ("社会救助", "招生管理", "招生政策2", "初中招生")]
    assert "domain-missing" not in codes(res)


# --- Shanghai text layout -------------------------------------------------------------------------------------

def shanghai_items() -> list[dict[str, Any]]:
    base = {"category": "综合政务", "basis": "《中华人民共和国政府信息公开条例》《上海市政府信息公开规定》",
            "time_limit": "每年1月31日前", "subject": "区教育局", "channels": ["政府网站", "两微一端"],
            "audience": ["全社会"], "mode": ["主动"], "levels": ["区级"]}
    return [
        {**base, "level1": "政府信息公开", "level2": "政府信息公开年报", "content": "本单位政府信息公开工作年度报告",
         "links": ["https://www.shbsq.gov.cn/xxgk/nb2019.html"]},
        {**base, "level1": "政府信息公开", "level2": "依申请公开", "content": "依申请公开表格和途径", "mode": ["依申请"],
         "audience": ["特定群众"], "audience_note": "申请人", "links": ["https://www.shbsq.gov.cn/xxgk/ysq.html"]},
    ]


@pytest.mark.parametrize("link", ["url", "hyperlink", "formula"])
@pytest.mark.parametrize("combined", [True, False])
def test_shanghai_layout_with_links(tmp_path: Path, ctx: RuleContext, link: str, combined: bool) -> None:
    items = shanghai_items()
    path = write(tmp_path / "宝山区教育局.xlsx", [shanghai(items, combined_name=combined, link=link)])
    res = check_file(path, ctx=ctx)
    assert [as_dict(i, SHANGHAI_FIELDS) for i in res.items] == expected(items, SHANGHAI_FIELDS)
    assert [list(i.links) for i in res.items] == [it["links"] for it in items]
    assert res.items[1].audience_note == "申请人"
    assert {i.domain for i in res.items} == {"综合政务"}
    assert res.sheets[0].layout == "shanghai-link"
    assert res.errors == 0 and res.warnings == 0, [f.message() for f in res.findings]


def test_shanghai_one_row_header_is_not_taken_for_two(tmp_path: Path, ctx: RuleContext) -> None:
    # Data words (全社会 / 主动公开 / 区级) under single-column headers must not read as a second header row.
    path = write(tmp_path / "a.xlsx", [shanghai(shanghai_items(), two_row=False)])
    res = check_file(path, ctx=ctx)
    assert res.sheets[0].header_rows == (2,)
    assert len(res.items) == 2


def test_ods_hyperlinks_and_merges(tmp_path: Path, ctx: RuleContext) -> None:
    items = shanghai_items()
    path = write(tmp_path / "a.ods", [shanghai(items, link="hyperlink")])
    res = check_file(path, ctx=ctx)
    assert [list(i.links) for i in res.items] == [it["links"] for it in items]


def test_xls_view_cells_without_a_hyperlink_record_are_flagged(tmp_path: Path, ctx: RuleContext) -> None:
    # xlwt writes no HLINK records, so these 查看 cells carry no target (tests/test_xls_links.py reads real ones).
    path = write(tmp_path / "a.xls", [shanghai(shanghai_items(), link="hyperlink")])
    res = check_file(path, ctx=ctx)
    bad = [f for f in res.findings if f.code == "link-invalid"]
    assert len(bad) == 2 and all("超链接" in f.message() for f in bad)
    assert [f.location.cell for f in bad] == ["I4", "I5"]


# --- rows that are not items ---------------------------------------------------------------------------------

def test_notes_blank_rows_signatures_and_numbered_template_rows(tmp_path: Path, ctx: RuleContext) -> None:
    sheet = national([sample_item(1), sample_item(2)], merge_level1=False)
    width = len(sheet.columns)
    insert_row(sheet, sheet.item_rows[1] - 1, [""] * width)  # a blank row between items
    sheet.rows += [["填报人：张三", "", "联系电话：56781234"] + [""] * (width - 3)]
    sheet.rows += [[str(n)] + [""] * (width - 1) for n in (3, 4, 5)]
    path = write(tmp_path / "a.xlsx", [sheet])
    read = read_file(path, reference=ctx.reference, vocabulary=ctx.vocabulary)
    assert len(read.sheets[0].records) == 2
    reasons = [why for _, _, why in read.skipped]
    assert reasons == ["note", "signature", "numbered", "numbered", "numbered"]
    res = check_file(path, ctx=ctx)
    numbered = [f for f in res.findings if f.code == "rows-numbered-only"]
    assert len(numbered) == 1 and numbered[0].params["rows"] == "10–12"
    assert res.errors == 0


def test_row_without_name_or_content_is_reported_not_dropped(tmp_path: Path, ctx: RuleContext) -> None:
    sheet = national([sample_item(1), sample_item(2)], merge_level1=False)
    row = sheet.item_rows[1] - 1
    for c in (1, 2, 3):
        sheet.rows[row][c] = ""
    path = write(tmp_path / "a.xlsx", [sheet])
    res = check_file(path, ctx=ctx)
    lost = [f for f in res.findings if f.code == "row-not-item"]
    assert [f.location.row for f in lost] == [row + 1]
    assert len(res.items) == 1


def test_section_heading_sets_the_domain(tmp_path: Path, ctx: RuleContext) -> None:
    sheet = national([sample_item(1), sample_item(2)], name="Sheet1", title="宝山区标准目录", merge_level1=False)
    width = len(sheet.columns)
    at = sheet.item_rows[0] - 1
    insert_row(sheet, at, ["一、社会救助领域"] + [""] * (width - 1))
    sheet.merges.append((at, 0, at, width - 1))
    path = write(tmp_path / "a.xlsx", [sheet])
    res = check_file(path, ctx=ctx)
    assert [i.domain for i in res.items] == ["社会救助", "社会救助"]
    assert [f.code for f in res.findings if f.location.row == at + 1] == ["row-heading"]


def test_ditto_in_the_first_row_is_an_error(tmp_path: Path, ctx: RuleContext) -> None:
    sheet = national([sample_item(1)])
    sheet.rows[sheet.item_rows[0] - 1][4] = "同上"
    res = check_file(write(tmp_path / "a.xlsx", [sheet]), ctx=ctx)
    assert [(f.code, f.location.cell) for f in res.findings if f.severity == "error"] == [("ditto-nothing-above", "E5")]


# --- unit and domain -----------------------------------------------------------------------------------------

def test_unit_from_line_title_subject_and_file_name(tmp_path: Path, ctx: RuleContext) -> None:
    items = [sample_item(1, subject="区民政局"), sample_item(2, subject="区民政局")]
    by_line = check_file(write(tmp_path / "x.xlsx", [national(items, unit="罗店镇人民政府", title=None)]), ctx=ctx)
    assert by_line.unit == "罗店镇"
    by_title = check_file(write(tmp_path / "y.xlsx", [national(items, unit=None, title="上海市宝山区财政局政务公开标准目录")]),
                          ctx=ctx)
    assert by_title.unit == "区财政局"
    by_subject = check_file(write(tmp_path / "z.xlsx", [national(items, unit=None, title=None)]), ctx=ctx)
    assert by_subject.unit == "区民政局"
    items2 = [sample_item(1, subject="某某科"), sample_item(2, subject="某某科")]
    by_file = check_file(write(tmp_path / "宝山区张庙街道办事处_标准目录_终稿.xlsx", [national(items2, unit=None, title=None)]),
                         ctx=ctx)
    assert by_file.unit == "张庙街道"
    nothing = check_file(write(tmp_path / "目录.xlsx", [national(items2, unit=None, title=None)]), ctx=ctx)
    assert nothing.unit is None and "unit-missing" in codes(nothing)


def test_unit_and_domain_overrides(tmp_path: Path, ctx: RuleContext) -> None:
    path = write(tmp_path / "a.xlsx", [national([sample_item(1)], name="Sheet1", title=None, unit=None)])
    res = check_file(path, ctx=ctx, unit="宝山区民政局", domain="社会救助")
    assert res.unit == "区民政局"
    assert res.items[0].domain == "社会救助" and res.items[0].unit == "区民政局"
    odd = check_file(path, ctx=ctx, unit="区教育厅", domain="教育")
    unknown = {f.code: f for f in odd.findings if f.code in ("unit-unknown", "domain-unknown")}
    assert set(unknown) == {"unit-unknown", "domain-unknown"}
    assert "区教育局" in unknown["unit-unknown"].message()


def test_domain_from_title_when_the_sheet_is_not_named_after_it(tmp_path: Path, ctx: RuleContext) -> None:
    path = write(tmp_path / "a.xlsx", [national([sample_item(1)], name="Sheet1",
                                                title="宝山区卫生健康委员会卫生健康领域基层政务公开标准目录")])
    res = check_file(path, ctx=ctx)
    assert res.items[0].domain == "医疗卫生"
    no_domain = check_file(write(tmp_path / "b.xlsx", [national([sample_item(1)], name="Sheet1", title=None)]), ctx=ctx)
    assert "domain-missing" in codes(no_domain)


def test_sheet_shape_helpers() -> None:
    sheet = national([sample_item(1)])
    assert isinstance(sheet, Sheet)
    assert sheet.cell("B5") == "招生管理" and sheet.column_letter("全社会") == "I"
