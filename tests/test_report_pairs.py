"""`zwgk pairs`: the 市区结对 units, their two milestones, and item-by-item coverage of a city template."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook
from report_fixtures import (
    by_id,
    crafted_catalogue,
    crafted_reference,
    parse_html,
    row_by_header,
    sheet_rows,
    table_rows,
    text_of,
    write_build,
)
from zwgk.catalogs import load_reference
from zwgk.compiler.reports.common import ReportInputError, State
from zwgk.compiler.reports.pairs import (
    PairsReport,
    load_templates,
    pairs_report,
    to_html,
    to_xlsx,
    write_pairs,
    write_terminal,
)
from zwgk.validators.catalogue import Catalogue, CatalogueItem, ItemSource

from zwgk.cli import cli

D = dt.date
HEADER = ["序号", "一级事项", "二级事项", "三级事项", "公开内容（要素）", "公开依据", "公开时限", "公开主体", "公开渠道和载体",
          "公开对象", "公开方式", "公开层级"]
LIMIT = "信息形成之日起20个工作日内"


def template_workbook(path: Path, rows: list[list[object]], subject: str = "区水务局", title: str = "上海市水务局") -> Path:
    """A city template in the national layout, built in code."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "市政服务"
    ws.append([f"{title} 市政服务领域基层政务公开标准目录"])
    ws.append(HEADER)
    for i, r in enumerate(rows, start=1):
        level1, level2, level3, content, basis, limit, channels = r
        ws.append([i, level1, level2, level3, content, basis, limit, subject, channels, "全社会", "主动", "区级"])
    wb.save(path)
    return path


# Template rows (level1, level2, level3, content, basis, time limit, channels) against the 区水务局 items:
WATER_TEMPLATE = [
    ["供水服务", "供水服务信息", None, "供水服务内容", "《政府信息公开条例》", LIMIT, "政府网站"],  # matched, same
    ["防汛信息", "防汛信息信息", None, "防汛信息内容", "《政府信息公开条例》", "实时", "政府网站、新闻发布会"],  # 2 fields differ
    ["排水服务", "排水服务信息", None, "排水内容", "《城镇排水与污水处理条例》", LIMIT, "政府网站"],  # missing
    ["河道管理", "河道管理信息", "河长制", "河道管理内容", "《政府信息公开条例》", LIMIT, "政府网站"],  # near (87)
]


def water_catalogue() -> Catalogue:
    """The crafted catalogue plus two 区水务局 items: one like a template row, one the template lacks."""
    cat = crafted_catalogue()
    base = next(i for i in cat.items if i.id == "w2")

    def item(item_id: str, name: str, row: int) -> CatalogueItem:
        return base.model_copy(update={"id": item_id, "level1": name, "level2": name + "信息", "content": name + "内容",
                                       "source": ItemSource(path="区水务局.xlsx", sheet="市政服务", row=row)})

    return cat.model_copy(update={"items": [*cat.items, item("w3", "河道管理", 5), item("w4", "污水处理", 6)]})


def report(as_of: dt.date | None = None, **kw: object) -> PairsReport:
    return pairs_report(kw.pop("cat", None) or crafted_catalogue(), as_of, crafted_reference(), **kw)  # type: ignore[arg-type]


# -- the pairs ---------------------------------------------------------------------------------------------


def test_the_six_pairs_of_item_29_from_the_shipped_table() -> None:
    r = pairs_report(crafted_catalogue(), None, load_reference())
    assert [p.unit for p in r.pairs] == ["区机管局", "区建设管理委", "区水务局", "区住房保障房屋管理局", "区民防办", "区交通委"]
    assert r.pair("区水务局").city_department == "上海市水务局"
    assert all(p.city_department and p.domain and p.verification == "R" for p in r.pairs)
    root = parse_html(to_html(r))
    note = text_of(by_id(root, "pairing-note"))
    assert "catalogs/pairings.json" in note and "未经核实" in note and "可编辑" in note


def test_milestones_items_and_cleanliness_per_pair() -> None:
    r = report()
    water, admin = r.pair("区水务局"), r.pair("区机管局")
    assert [(m.id, m.date) for m in water.milestones] == [("paired-items-sorted", "2020-06-30"),
                                                           ("paired-catalogue", "2020-09-30")]
    assert (water.submitted, water.items, water.errors, water.items_sorted, water.compiled, water.clean) == (
        True, 2, 0, True, True, True)
    assert [m.state for m in water.milestones] == [State.DONE, State.DONE] and water.state is State.DONE
    assert (admin.submitted, admin.items, admin.items_sorted, admin.compiled, admin.clean) == (False, 0, False, False, False)
    assert [m.state for m in admin.milestones] == [State.AT_RISK, State.OPEN]
    assert admin.milestones[0].gaps == "未提交目录" and admin.milestones[0].gaps_en == "no catalogue submitted"
    assert water.template is None and r.exit_code == 0


def test_as_of_across_6_30_and_9_30_moves_only_the_missing_pair() -> None:
    def states(day: dt.date) -> dict[str, list[str]]:
        return {p.unit: [m.state.value for m in p.milestones] for p in report(day).pairs}

    assert states(D(2020, 6, 30)) == {"区水务局": ["done", "done"], "区机管局": ["at_risk", "open"]}
    assert states(D(2020, 7, 1)) == {"区水务局": ["done", "done"], "区机管局": ["overdue", "open"]}
    assert states(D(2020, 10, 1)) == {"区水务局": ["done", "done"], "区机管局": ["overdue", "overdue"]}
    assert report(D(2020, 7, 1)).exit_code == 1


# -- templates ---------------------------------------------------------------------------------------------


def test_template_coverage_item_by_item(tmp_path: Path) -> None:
    path = template_workbook(tmp_path / "上海市水务局.xlsx", WATER_TEMPLATE)
    read, unassigned = load_templates([f"区水务局={path}"], crafted_reference())
    assert list(read) == ["区水务局"] and unassigned == []
    c = report(cat=water_catalogue(), templates=read).pair("区水务局").template
    assert c is not None and c.readable
    assert (c.template_items, c.unit_items_compared, c.domains_compared) == (4, 4, ["市政服务"])
    assert [(m.template.name, m.unit.id, m.method) for m in c.matched] == [
        ("供水服务 / 供水服务信息", "w1", "name"), ("防汛信息 / 防汛信息信息", "w2", "name")]
    assert c.matched[0].differences == []
    assert [(d.field, d.template, d.unit) for d in c.matched[1].differences] == [
        ("time_limit", "实时", LIMIT), ("channels", "政府网站、发布会/听证会", "政府网站")]
    assert [(m.template.name, m.unit.id, m.method, m.score) for m in c.near] == [
        ("河道管理 / 河道管理信息 / 河长制", "w3", "fuzzy", 87.0)]
    assert [(m.name, m.row) for m in c.missing] == [("排水服务 / 排水服务信息", 5)]
    assert [(m.name, m.id) for m in c.extra] == [("污水处理 / 污水处理信息", "w4")]
    assert (c.coverage, c.differing) == (50.0, 1)
    # nothing lost: every template item and every compared unit item lands in exactly one place
    assert len(c.matched) + len(c.near) + len(c.missing) == c.template_items
    assert len(c.matched) + len(c.near) + len(c.extra) == c.unit_items_compared


def test_guideline_code_matches_before_names(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "市政服务"
    ws.append([*HEADER, "指引编码"])
    ws.append([1, "供水公告", "供水公告信息", None, "x", "《条例》", LIMIT, "区水务局", "政府网站", "全社会", "主动", "区级",
               "SZFW-001"])
    wb.save(tmp_path / "t.xlsx")
    read, _ = load_templates([f"区水务局={tmp_path / 't.xlsx'}"], crafted_reference())
    assert read["区水务局"][0].items[0].guideline_code == "SZFW-001"
    c = report(templates=read).pair("区水务局").template
    assert c is not None
    assert [(m.unit.id, m.method) for m in c.matched] == [("w1", "code")]  # w1 carries a counted SZFW-001 match


def test_folder_of_templates_assigned_by_the_names_inside(tmp_path: Path) -> None:
    folder = tmp_path / "city"
    folder.mkdir()
    template_workbook(folder / "模板一.xlsx", WATER_TEMPLATE[:1])  # 公开主体 区水务局 → the pair
    template_workbook(folder / "上海市机关事务管理局.xlsx", WATER_TEMPLATE[:1], subject="某某单位")  # by file name
    template_workbook(folder / "教育.xlsx", WATER_TEMPLATE[:1], subject="区教育局", title="上海市教育委员会")  # no pair
    (folder / "readme.txt").write_text("not a workbook", encoding="utf-8")
    read, unassigned = load_templates([str(folder)], crafted_reference())
    assert {u: [Path(r.path).name for r in rs] for u, rs in read.items()} == {
        "区水务局": ["模板一.xlsx"], "区机管局": ["上海市机关事务管理局.xlsx"]}
    assert [(Path(u.path).name, u.reason) for u in unassigned] == [("教育.xlsx", "no-pair")]
    r = report(templates=read, unassigned=unassigned)
    root = parse_html(to_html(r))
    assert "教育.xlsx" in text_of(root) and "单位=路径" in text_of(root)


def test_unreadable_template_is_named_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is not a workbook")
    read, _ = load_templates([f"区机管局={bad}"], crafted_reference())
    r = report(templates=read)
    c = r.pair("区机管局").template
    assert c is not None and not c.readable and c.problems
    assert r.exit_code == 2
    root = parse_html(to_html(r))
    assert row_by_header(root, "pairs-table", "区机管局")["模板覆盖"] == "无法读取"


def test_template_spec_errors() -> None:
    with pytest.raises(ReportInputError, match="不是结对单位"):
        load_templates(["区教育局=x.xlsx"], crafted_reference())
    with pytest.raises(ReportInputError, match="找不到"):
        load_templates(["区水务局=/nonexistent/x.xlsx"], crafted_reference())


# -- outputs ----------------------------------------------------------------------------------------------


def _with_template(tmp_path: Path) -> PairsReport:
    path = template_workbook(tmp_path / "上海市水务局.xlsx", WATER_TEMPLATE)
    read, _ = load_templates([f"区水务局={path}"], crafted_reference())
    return report(D(2020, 7, 1), cat=water_catalogue(), templates=read)


def test_html_structure_and_numbers(tmp_path: Path) -> None:
    root = parse_html(to_html(_with_template(tmp_path)))
    assert root.find("html").get("lang") == "zh-CN"  # type: ignore[union-attr]
    assert all(th.get("scope") in ("col", "row") for th in root.iter("th"))
    assert not list(root.iter("script")) and all(a.get("href", "").startswith("#") for a in root.iter("a"))
    water = row_by_header(root, "pairs-table", "区水务局")
    assert (water["市级部门"], water["事项"], water["错误"], water["2020-06-30"], water["2020-09-30"]) == (
        "上海市水务局", "4", "0", "已完成", "已完成")
    assert (water["已梳理"], water["已汇编"], water["无错误"], water["模板覆盖"]) == ("是", "是", "是", "2/4（50.0%）")
    admin = row_by_header(root, "pairs-table", "区机管局")
    assert (admin["2020-06-30"], admin["2020-09-30"], admin["模板覆盖"]) == ("逾期", "进行中", "—")
    anchor = [a.get("href") for a in root.iter("a") if text_of(a) == "区水务局"][0]
    assert anchor is not None
    section = by_id(root, anchor[1:])
    _, counts = table_rows(section, f"{anchor[1:]}-counts")
    assert counts == [["2", "50.0%", "1", "1", "1", "1"]]
    _, matched = table_rows(section, f"{anchor[1:]}-matched-table")
    assert "公开时限" in matched[1][3] and "实时" in matched[1][3] and "公开渠道和载体" in matched[1][3]
    assert [text_of(li) for li in by_id(section, f"{anchor[1:]}-missing-list")] == [
        f"排水服务 / 排水服务信息 {tmp_path / '上海市水务局.xlsx'} 「市政服务」 第 5 行"]


def test_xlsx_values(tmp_path: Path) -> None:
    wb = load_workbook(io.BytesIO(to_xlsx(_with_template(tmp_path))))
    assert wb.sheetnames == ["说明", "结对单位", "模板对照", "字段差异"]
    rows = sheet_rows(wb["结对单位"])
    data = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    w = data["区水务局"]
    assert (w["事项"], w["模板事项"], w["匹配"], w["覆盖率"], w["近似待确认"], w["缺少"], w["多出"], w["字段不同"]) == (
        4, 4, 2, "50.0%", 1, 1, 1, 1)
    assert data["区机管局"]["2020-06-30 paired-items-sorted"] == "逾期"
    results = [(r[0], r[1]) for r in sheet_rows(wb["模板对照"])[1:]]
    assert results == [("区水务局", "匹配"), ("区水务局", "匹配"), ("区水务局", "近似待确认"), ("区水务局", "缺少"),
                       ("区水务局", "多出")]
    diffs = [r[3:] for r in sheet_rows(wb["字段差异"])[1:]]
    assert diffs == [["公开时限", "实时", LIMIT], ["公开渠道和载体", "政府网站、发布会/听证会", "政府网站"]]
    assert any("pairings.json" in str(c) for r in sheet_rows(wb["说明"]) for c in r)


def test_terminal_and_english(tmp_path: Path) -> None:
    r = _with_template(tmp_path)
    out = io.StringIO()
    write_terminal(r, out, "zh", color=False)
    assert "区水务局 市级模板对照：匹配 2/4（50.0%），近似待确认 1，缺少 1，多出 1，字段不同 1" in out.getvalue()
    assert "pairings.json" in out.getvalue()
    root = parse_html(to_html(r, "en"))
    assert root.find("html").get("lang") == "en"  # type: ignore[union-attr]
    assert row_by_header(root, "pairs-table", "区机管局")["Clean"] == "no"


def test_deterministic(tmp_path: Path) -> None:
    a = write_pairs(_with_template(tmp_path), tmp_path / "a")
    b = write_pairs(_with_template(tmp_path), tmp_path / "b")
    assert [x.read_bytes() for x in a] == [y.read_bytes() for y in b]


def test_cli(tmp_path: Path) -> None:
    build = write_build(tmp_path / "build", water_catalogue())
    path = template_workbook(tmp_path / "上海市水务局.xlsx", WATER_TEMPLATE)
    res = CliRunner().invoke(cli, ["pairs", str(build), "--template", f"区水务局={path}", "--as-of", "2020-06-15"])
    assert res.exit_code == 0, res.output
    data = json.loads((build / "reports" / "pairs.json").read_text(encoding="utf-8"))
    water = next(p for p in data["pairs"] if p["unit"] == "区水务局")
    assert len(water["template"]["matched"]) == 2 and len(water["template"]["missing"]) == 1
    res = CliRunner().invoke(cli, ["pairs", str(build), "--template", f"区教育局={path}"])
    assert res.exit_code == 2 and "不是结对单位" in res.output
