"""`zwgk status`: the crafted district's every number, the milestones across --as-of, the three outputs."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from report_fixtures import (
    OUTSIDER,
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
from zwgk.compiler.reports.common import State, parse_date
from zwgk.compiler.reports.status import (
    StatusReport,
    status_report,
    to_html,
    to_xlsx,
    write_status,
    write_terminal,
)
from zwgk.validators.catalogue import Catalogue, CatalogueUnit

from zwgk.cli import cli

D = dt.date


def report(as_of: dt.date | None = None, risk_days: int = 30, cat: Catalogue | None = None) -> StatusReport:
    return status_report(cat or crafted_catalogue(), as_of, crafted_reference(), risk_days=risk_days)


def states(r: StatusReport) -> dict[str, str]:
    return {u.name: u.state.value for u in r.units}


# -- the data model: every number known in advance ----------------------------------------------------------


def test_every_unit_of_the_crafted_district() -> None:
    r = report()
    assert r.as_of == "2020-06-15"  # the catalogue's own date, never the wall clock
    assert [u.name for u in r.units] == ["区教育局", "区水务局", "区机管局", "区民政局", "罗店镇", "吴淞街道", "宝山工业园区", OUTSIDER]
    edu = r.unit("区教育局")
    assert (edu.submitted, edu.files, edu.items, edu.active_items, edu.errors, edu.warnings) == (True, 1, 4, 3, 1, 1)
    assert edu.domains_owed == ["义务教育", "社会救助"]
    assert edu.domains_covered == ["义务教育", "社会救助"]  # 社会救助 by its 未涉及 declaration
    assert edu.domain_coverage == 100.0
    assert edu.clauses_owed == ["art20-1", "art20-2", "art21-district-1"]
    assert edu.clauses_covered == ["art20-1", "art21-district-1"]
    assert edu.clause_coverage == 66.7
    civil = r.unit("区民政局")
    assert (civil.items, civil.active_items, civil.domains_missing, civil.domain_coverage) == (1, 0, ["社会救助"], 0.0)
    town = r.unit("罗店镇")
    assert (town.group, town.items, town.errors, town.warnings) == ("街镇", 3, 2, 0)  # the column-missing by its path
    assert town.clauses_owed == ["art20-1", "art20-2", "art21-township-1"]
    assert town.clauses_covered == ["art21-township-1"]
    assert town.domain_coverage is None
    absent = r.unit("区机管局")
    assert (absent.submitted, absent.items, absent.paired_with) == (False, 0, "上海市机关事务管理局")
    assert r.unit("吴淞街道").submitted is False and r.unit("吴淞街道").in_roster
    outsider = r.unit(OUTSIDER)
    assert (outsider.group, outsider.in_roster, outsider.clauses_owed) == ("其他", False, ["art20-1", "art20-2"])
    assert states(r) == {"区教育局": "open", "区水务局": "done", "区机管局": "at_risk", "区民政局": "at_risk",
                         "罗店镇": "open", "吴淞街道": "at_risk", "宝山工业园区": "at_risk", OUTSIDER: "done"}
    assert [u.name for u in r.attention] == ["区机管局", "区民政局", "吴淞街道", "宝山工业园区"]
    assert r.exit_code == 0


def test_milestones_and_their_evidence() -> None:
    r = report()
    by_id_ = {m.id: m for m in r.milestones}
    assert [m.date for m in r.milestones] == sorted(m.date for m in r.milestones)
    assert by_id_["active-directory-published"].evidence == "active"
    assert by_id_["application-rules"].evidence == "manual"  # item 7: a catalogue cannot show it
    assert by_id_["paired-items-sorted"].days_left == 15
    assert by_id_["full-domain-catalogue"].days_left == 107
    assert by_id_["active-directory-published"].counts == {"done": 4, "open": 0, "at_risk": 4, "overdue": 0,
                                                          "manual": 0, "na": 0}
    assert by_id_["paired-items-sorted"].counts["na"] == 6  # only the two paired units are judged
    edu = r.unit("区教育局").milestone("full-domain-catalogue")
    assert edu.state is State.OPEN and [g.code for g in edu.gaps] == ["has-errors"]
    civil = r.unit("区民政局").milestone("full-domain-catalogue")
    assert [g.code for g in civil.gaps] == ["domains-missing"] and civil.gaps[0].params["domains"] == "社会救助"
    assert r.unit("区民政局").milestone("active-directory-published").gaps[0].code == "no-active-items"
    assert r.unit("区机管局").milestone("paired-items-sorted").state is State.AT_RISK
    assert r.unit("区水务局").milestone("paired-catalogue").state is State.DONE


def test_groups_for_the_progress_chart() -> None:
    groups = {g.group: (g.units, g.submitted, g.items, g.counts) for g in report().groups}
    assert groups["委办局"] == (4, 3, 7, {"overdue": 0, "at_risk": 2, "open": 1, "done": 1, "na": 0})
    assert groups["街镇"] == (2, 1, 3, {"overdue": 0, "at_risk": 1, "open": 1, "done": 0, "na": 0})
    assert groups["园区"] == (1, 0, 0, {"overdue": 0, "at_risk": 1, "open": 0, "done": 0, "na": 0})
    assert groups["其他"][:3] == (1, 1, 1)


# -- --as-of across the milestones -------------------------------------------------------------------------


@pytest.mark.parametrize(("before", "after", "changed"), [
    # 6/30 passes: exactly the units short of a 6/30 milestone turn overdue.
    (D(2020, 6, 30), D(2020, 7, 1), {"区机管局": ("at_risk", "overdue"), "区民政局": ("at_risk", "overdue"),
                                     "吴淞街道": ("at_risk", "overdue"), "宝山工业园区": ("at_risk", "overdue")}),
    # 9/30 passes: the two submitted units with errors turn overdue; the others are already overdue.
    (D(2020, 9, 30), D(2020, 10, 1), {"区教育局": ("at_risk", "overdue"), "罗店镇": ("at_risk", "overdue")}),
    # 30 days before 6/30 the window opens.
    (D(2020, 5, 30), D(2020, 5, 31), {"区机管局": ("open", "at_risk"), "区民政局": ("open", "at_risk"),
                                      "吴淞街道": ("open", "at_risk"), "宝山工业园区": ("open", "at_risk")}),
    # 8/30 → 8/31: 9/30 enters the 30-day window for the units with errors.
    (D(2020, 8, 30), D(2020, 8, 31), {"区教育局": ("open", "at_risk"), "罗店镇": ("open", "at_risk")}),
])
def test_crossing_a_milestone_changes_exactly_the_units_it_should(before: dt.date, after: dt.date,
                                                                    changed: dict[str, tuple[str, str]]) -> None:
    a, b = states(report(before)), states(report(after))
    assert {n: (a[n], b[n]) for n in a if a[n] != b[n]} == changed
    assert {"区水务局": "done", OUTSIDER: "done"}.items() <= b.items()  # met milestones stay met whatever the date


def test_crossing_6_30_changes_only_6_30_milestones() -> None:
    a, b = report(D(2020, 6, 30)), report(D(2020, 7, 1))
    moved = {(u.name, m.id) for u, v in zip(a.units, b.units, strict=True)
             for m, n in zip(u.milestones, v.milestones, strict=True) if m.state != n.state}
    assert moved == {("区机管局", "active-directory-published"), ("区机管局", "paired-items-sorted"),
                     ("区民政局", "active-directory-published"), ("吴淞街道", "active-directory-published"),
                     ("宝山工业园区", "active-directory-published")}
    assert b.exit_code == 1 and a.exit_code == 0


def test_risk_window_is_configurable() -> None:
    assert states(report(D(2020, 6, 15), risk_days=10))["区机管局"] == "open"
    assert states(report(D(2020, 6, 15), risk_days=15))["区机管局"] == "at_risk"  # the deadline day counts
    assert states(report(D(2020, 6, 30), risk_days=0))["区机管局"] == "at_risk"


def test_parse_date_accepts_what_people_type() -> None:
    assert parse_date("2020-06-30") == parse_date("2020/6/30") == parse_date("2020年6月30日") == D(2020, 6, 30)
    with pytest.raises(ValueError):
        parse_date("六月底")
    with pytest.raises(ValueError):
        parse_date("2020-02-30")


# -- outputs ----------------------------------------------------------------------------------------------


def test_html_structure_and_numbers() -> None:
    html = to_html(report(D(2020, 7, 1)))
    root = parse_html(html)
    assert root.find("html").get("lang") == "zh-CN"  # type: ignore[union-attr]
    csp = [m for m in root.iter("meta") if m.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0].get("content", "")
    # self-contained: no script, no external stylesheet, image or link off the page
    assert not list(root.iter("script")) and not list(root.iter("link")) and not list(root.iter("img"))
    assert all(a.get("href", "").startswith("#") for a in root.iter("a"))
    assert all(th.get("scope") in ("col", "row") for th in root.iter("th"))
    assert text_of(by_id(root, "n-overdue")) == "4" and text_of(by_id(root, "n-at-risk")) == "0"
    assert text_of(by_id(root, "n-submitted")) == "5 / 8"
    _, attention = table_rows(root, "attention-table")
    assert [r[0] for r in attention] == ["区机管局", "区民政局", "吴淞街道", "宝山工业园区"]
    assert "没有主动公开事项" in attention[1][3] and "第10项" in attention[1][3]
    edu = row_by_header(root, "units-table", "区教育局")
    assert (edu["事项"], edu["错误"], edu["警告"], edu["领域覆盖"], edu["法定条款覆盖"], edu["总体状态"]) == (
        "4", "1", "1", "2/2（100.0%）", "2/3（66.7%）", "进行中")
    assert edu["2020-06-30 10"] == "已完成" and edu["2020-06-30 7"] == "人工确认"
    assert row_by_header(root, "units-table", "区民政局")["总体状态"] == "逾期"
    assert row_by_header(root, "groups-table", "委办局") == {
        "单位类型": "委办局", "单位": "4", "已提交": "3", "事项": "7", "已完成": "1", "进行中": "1", "有风险": "0",
        "逾期": "2"}
    m = row_by_header(root, "milestones-table", "编制政府信息主动公开目录并在区政府政府信息公开平台集中发布")
    assert (m["剩余天数"], m["已完成"], m["逾期"]) == ("-1", "4", "4")
    # the chart: one rect per non-empty segment, and the at-risk definition written out
    svg = by_id(root, "chart-progress").find("svg")
    assert svg is not None
    # one rect per non-empty segment: 委办局 done+open+overdue, 街镇 open+overdue, 园区 overdue, 名录外 done
    assert [r.get("class") for r in svg.iter("rect")] == ["s-done", "s-open", "s-overdue", "s-open", "s-overdue",
                                                         "s-overdue", "s-done"]
    dl = [d for d in root.iter("dl") if d.get("class") == "defs"]
    assert len(dl) == 1 and "不超过 30 天" in text_of(dl[0])


def test_html_in_english() -> None:
    root = parse_html(to_html(report(), "en"))
    assert root.find("html").get("lang") == "en"  # type: ignore[union-attr]
    assert row_by_header(root, "units-table", "区民政局")["Overall"] == "at risk"
    assert "no 主动 (proactive) items" in table_rows(root, "attention-table")[1][1][3]


def test_xlsx_values() -> None:
    wb = load_workbook(io.BytesIO(to_xlsx(report(D(2020, 7, 1)))))
    assert wb.sheetnames == ["说明", "单位进度", "节点", "按单位类型", "未完成明细"]
    rows = sheet_rows(wb["单位进度"])
    head = rows[0]
    data = {r[0]: dict(zip(head, r, strict=True)) for r in rows[1:]}
    assert len(data) == 8
    edu = data["区教育局"]
    assert (edu["事项"], edu["错误"], edu["警告"], edu["领域覆盖"], edu["总体状态"]) == (4, 1, 1, "2/2（100.0%）", "进行中")
    assert data["吴淞街道"]["已提交"] == "否" and data["吴淞街道"]["总体状态"] == "逾期"
    assert wb["单位进度"].freeze_panes == "A2"
    assert data["区民政局"]["说明"].startswith("2020-06-30（逾期）第10项：没有主动公开事项")
    groups = {r[0]: list(r[1:]) for r in sheet_rows(wb["按单位类型"])[1:]}
    # units, submitted, items, then overdue / at risk / open / done / n.a.
    assert groups["街镇"] == [2, 1, 3, 1, 0, 1, 0, 0]
    open_rows = sheet_rows(wb["未完成明细"])[1:]
    assert ["区民政局", "active-directory-published", "2020-06-30", "逾期", "没有主动公开事项"] in open_rows
    # one row per unit and unmet judged milestone: 区教育局 2, 区机管局 5, 区民政局 3, 罗店镇 2, 吴淞街道 3, 园区 3
    assert len(open_rows) == 18
    about = [c for r in sheet_rows(wb["说明"]) for c in r if c]
    assert any("不超过 30 天" in c for c in about)


def test_xlsx_cells_are_neutralised() -> None:
    cat = crafted_catalogue()
    evil = CatalogueUnit(name="=HYPERLINK(\"http://x\")", kind=None, level=None, in_roster=False, submitted=False)
    cat = cat.model_copy(update={"units": [*cat.units, evil]})
    wb = load_workbook(io.BytesIO(to_xlsx(report(cat=cat))))
    names = [r[0] for r in sheet_rows(wb["单位进度"])[1:]]
    assert "'=HYPERLINK(\"http://x\")" in names
    assert not any(isinstance(n, str) and n.startswith("=") for n in names)


def test_terminal_summary() -> None:
    out = io.StringIO()
    write_terminal(report(D(2020, 7, 1)), out, "zh", color=False)
    text = out.getvalue()
    assert "逾期 4 个" in text and "已提交 5/8" in text
    assert "区民政局" in text and "没有主动公开事项" in text
    lines = [ln for ln in text.splitlines() if ln.startswith(("区机管局 ", "吴淞街道 "))]
    # CJK-aligned: the state column starts at the same display column on every row
    from rich.cells import cell_len
    starts = {cell_len(ln[: ln.index("逾期")]) for ln in lines}
    assert len(lines) == 2 and len(starts) == 1


def test_outputs_are_deterministic_and_atomic(tmp_path: Path) -> None:
    r = report(D(2020, 7, 1))
    a = write_status(r, tmp_path / "a")
    b = write_status(report(D(2020, 7, 1)), tmp_path / "b")
    assert [p.name for p in a] == ["status.html", "status.xlsx", "status.json"]
    for x, y in zip(a, b, strict=True):
        assert x.read_bytes() == y.read_bytes()
    assert not [p for p in (tmp_path / "a").iterdir() if p.name.startswith(".")]  # no temp file left behind
    wb = load_workbook(a[1])
    assert wb.properties.created == dt.datetime(2020, 7, 1) == wb.properties.modified
    import zipfile

    with zipfile.ZipFile(a[1]) as z:  # no wall clock in the zip entries either
        assert {i.date_time for i in z.infolist()} == {(2020, 7, 1, 0, 0, 0)}
    assert json.loads(a[2].read_text(encoding="utf-8"))["as_of"] == "2020-07-01"


# -- the command ------------------------------------------------------------------------------------------


def test_cli_writes_the_library_report(tmp_path: Path) -> None:
    build = write_build(tmp_path / "build")
    res = CliRunner().invoke(cli, ["status", str(build), "--as-of", "2020-07-01"])
    assert res.exit_code == 1, res.output  # overdue units
    out = build / "reports"
    assert sorted(p.name for p in out.iterdir()) == ["status.html", "status.json", "status.xlsx"]
    expected = status_report(crafted_catalogue(), D(2020, 7, 1), load_reference())
    assert json.loads((out / "status.json").read_text(encoding="utf-8")) == json.loads(expected.model_dump_json())
    assert f"逾期 {expected.count(State.OVERDUE)} 个" in res.output


def test_cli_defaults_to_the_catalogue_date_and_honours_o(tmp_path: Path) -> None:
    build = write_build(tmp_path / "build")
    res = CliRunner().invoke(cli, ["status", str(build / "catalogue.json"), "-o", str(tmp_path / "out"), "--lang", "en"])
    assert res.exit_code in (0, 1), res.output
    data = json.loads((tmp_path / "out" / "status.json").read_text(encoding="utf-8"))
    assert data["as_of"] == "2020-06-15"
    assert "Report date 2020-06-15" in res.output
    assert parse_html((tmp_path / "out" / "status.html").read_text(encoding="utf-8")).find("html").get("lang") == "en"  # type: ignore[union-attr]


@pytest.mark.parametrize(("setup", "args", "message"), [
    ("missing", [], "找不到"),
    ("bad-date", [], "不是日期"),
    ("garbage", [], "不是有效的汇编目录"),
    ("wrong-shape", [], "不是有效的汇编目录"),
    ("ok", ["--as-of", "2020-13-01"], "不是日期"),
])
def test_cli_bad_input_exits_2_with_a_sentence(tmp_path: Path, setup: str, args: list[str], message: str) -> None:
    build = tmp_path / "build"
    if setup != "missing":
        build.mkdir()
        text = {"garbage": "{not json", "wrong-shape": json.dumps({"district": "宝山区"}),
                "bad-date": crafted_catalogue().model_copy(update={"as_of": "六月"}).model_dump_json(),
                "ok": crafted_catalogue().model_dump_json()}[setup]
        (build / "catalogue.json").write_text(text, encoding="utf-8")
    res = CliRunner().invoke(cli, ["status", str(build), *args])
    assert res.exit_code == 2
    assert message in res.output
    assert "Traceback" not in res.output


def test_catalogue_wide_gaps_do_not_count_as_errors_in_a_units_files() -> None:
    from report_fixtures import _finding

    cat = crafted_catalogue()
    gap = _finding("clause-uncovered-township", "error", "罗店镇", None, None, None, None, clause="art21-township-1")
    cat = cat.model_copy(update={"findings": [*cat.findings, gap]})
    town = report(cat=cat).unit("罗店镇")
    assert (town.errors, town.milestone("full-domain-catalogue").gaps[0].params["count"]) == (2, "2")
    from zwgk.compiler.reports.audit import audit_report

    assert audit_report(cat, crafted_reference()).unit("罗店镇").severity["error"] == 3  # the audit lists it


@pytest.mark.parametrize("command", ["status", "pairs", "audit"])
def test_an_empty_catalogue_still_reports(tmp_path: Path, command: str) -> None:
    empty = Catalogue(district="宝山区", as_of="2020-06-15", version="empty", units=[], domains=[], items=[])
    build = write_build(tmp_path / "build", empty)
    res = CliRunner().invoke(cli, [command, str(build)])
    assert res.exit_code in (0, 1), res.output
    assert sorted(p.suffix for p in (build / "reports").iterdir()) == [".html", ".json", ".xlsx"]
    parse_html((build / "reports" / f"{command}.html").read_text(encoding="utf-8"))


def test_write_all_writes_the_three_reports_for_a_build(tmp_path: Path) -> None:
    from zwgk.compiler.reports import write_all

    build = write_build(tmp_path / "build")
    paths = write_all(build)
    assert sorted(p.name for p in paths) == sorted(f"{s}.{e}" for s in ("status", "pairs", "audit")
                                                   for e in ("html", "xlsx", "json"))
    assert all(p.parent == build / "reports" and p.stat().st_size > 0 for p in paths)
