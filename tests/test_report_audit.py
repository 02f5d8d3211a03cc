"""`zwgk audit`: the scorecard of the crafted district, number by number, and the path from each number to
its evidence (HTML anchors, xlsx links)."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from report_fixtures import (
    OUTSIDER,
    by_id,
    crafted_catalogue,
    crafted_reference,
    parse_html,
    sheet_rows,
    table_rows,
    text_of,
    write_build,
)
from zwgk.catalogs import load_reference
from zwgk.compiler.reports.audit import (
    COMPONENTS,
    WEIGHTS,
    AuditReport,
    Component,
    audit_report,
    grade_of,
    overall_score,
    to_html,
    to_xlsx,
    write_audit,
    write_terminal,
)

from zwgk.cli import cli

# unit → component → (numerator, denominator); worked out by hand from report_fixtures.
EXPECTED_UNITS: dict[str, dict[str, tuple[int, int]]] = {
    "区教育局": {"structure": (1, 1), "completeness": (31, 32), "rules": (3, 4), "guideline": (2, 4),
             "statutory": (2, 3), "links": (2, 4)},
    "区水务局": {"structure": (1, 1), "completeness": (16, 16), "rules": (2, 2), "guideline": (1, 2),
             "statutory": (1, 3), "links": (2, 2)},
    "区民政局": {"structure": (1, 1), "completeness": (8, 8), "rules": (1, 1), "guideline": (0, 3),
             "statutory": (0, 3), "links": (0, 1)},
    "罗店镇": {"structure": (0, 1), "completeness": (23, 24), "rules": (2, 3), "guideline": (3, 5),
            "statutory": (1, 3), "links": (1, 3)},
    OUTSIDER: {"structure": (1, 1), "completeness": (8, 8), "rules": (1, 1), "guideline": (0, 0),
               "statutory": (0, 2), "links": (1, 1)},
}
# (score, grade): e.g. 区教育局 (15×100 + 25×96.9 + 20×75 + 15×50 + 15×66.7 + 10×50) / 100 = 76.73.
EXPECTED_GRADES = {"区教育局": (76.7, "B"), "区水务局": (82.5, "B"), "区民政局": (60.0, "C"), "罗店镇": (54.6, "D"),
                   OUTSIDER: (82.4, "B"), "区机管局": (None, "N"), "吴淞街道": (None, "N"), "宝山工业园区": (None, "N")}
EXPECTED_DOMAINS = {
    "社会救助": ({"completeness": (15, 16), "rules": (1, 2), "guideline": (2, 3), "links": (1, 2)}, 69.2, "C"),
    "市政服务": ({"completeness": (16, 16), "rules": (2, 2), "guideline": (1, 2), "links": (2, 2)}, 89.3, "B"),
    "义务教育": ({"completeness": (39, 40), "rules": (4, 5), "guideline": (2, 4), "links": (2, 5)}, 74.1, "C"),
    "综合政务": ({"completeness": (16, 16), "rules": (2, 2), "guideline": (0, 0), "links": (1, 2)}, 90.9, "A"),
}


@pytest.fixture(scope="module")
def report() -> AuditReport:
    return audit_report(crafted_catalogue(), crafted_reference())


def test_unit_scorecards(report: AuditReport) -> None:
    for name, comps in EXPECTED_UNITS.items():
        card = report.unit(name)
        assert {k: (c.numerator, c.denominator) for k, c in card.components.items()} == comps, name
    for name, (score, grade) in EXPECTED_GRADES.items():
        assert (report.unit(name).score, report.unit(name).grade) == (score, grade), name
    assert report.grade_counts() == {"A": 0, "B": 3, "C": 1, "D": 1, "N": 3}
    edu = report.unit("区教育局")
    assert edu.severity == {"error": 1, "warning": 1, "info": 0}
    assert edu.by_rule == {"required-cell-empty": 1, "time-limit-unrecognised": 1}
    assert [(g.code, g.domain) for g in edu.guideline_missing] == [("YWJY-003", "义务教育"), ("YWJY-004", "义务教育")]
    assert [g.code for g in edu.clauses_missing] == ["art20-2"]
    assert [(i.item_id, i.detail) for i in edu.incomplete] == [("e3", ["basis"])]
    assert [i.item_id for i in edu.unlinked] == ["e3", "e4"]
    town = report.unit("罗店镇")
    assert [(f.path, f.conformant) for f in town.structure] == [("罗店镇.xlsx", False)]
    assert [report.findings[n].cell for n in town.structure[0].findings] == ["A3"]
    assert [(i.item_id, [report.findings[n].cell for n in i.findings]) for i in town.flagged] == [("l2", ["H5"])]
    # 街镇级 units owe the 乡级 guideline items of every domain with them (in reference order), 未涉及 aside
    assert [g.code for g in report.unit("吴淞街道").guideline_missing] == [
        "YWJY-001", "YWJY-002", "SHJZ-001", "SHJZ-002", "SHJZ-003"]


def test_domain_scorecards(report: AuditReport) -> None:
    assert [d.name for d in report.domains] == ["社会救助", "市政服务", "义务教育", "综合政务"]  # pilot number order
    for name, (comps, score, grade) in EXPECTED_DOMAINS.items():
        card = report.domain(name)
        got = {k: (c.numerator, c.denominator) for k, c in card.components.items() if k in comps}
        assert got == comps, name
        assert card.components["structure"].score is None and card.components["statutory"].score is None
        assert (card.score, card.grade) == (score, grade), name
    assert report.domain("社会救助").severity["error"] == 2  # both 罗店镇 errors sit on the 社会救助 sheet


def test_findings_by_rule(report: AuditReport) -> None:
    assert [(r.code, r.severity, r.count, r.units) for r in report.rules] == [
        ("audience-none", "error", 1, 1), ("column-missing", "error", 1, 1), ("required-cell-empty", "error", 1, 1),
        ("clause-uncovered", "warning", 1, 0), ("time-limit-unrecognised", "warning", 1, 1)]
    assert len(report.findings) == 5
    assert [report.findings[n].code for n in report.district_findings] == ["clause-uncovered"]
    assert report.exit_code == 1


@given(st.dictionaries(st.sampled_from(COMPONENTS), st.one_of(st.none(), st.floats(0, 100).map(lambda x: round(x, 1)))))
def test_score_is_the_weighted_mean_of_the_components_that_apply(scores: dict[str, float | None]) -> None:
    comps = {k: Component(numerator=0, denominator=1 if v is not None else 0, score=v) for k, v in scores.items()}
    used = {k: v for k, v in scores.items() if v is not None}
    got = overall_score(comps)
    if not used:
        assert got is None and grade_of(got) == "N"
        return
    assert got is not None
    expected = sum(WEIGHTS[k] * v for k, v in used.items()) / sum(WEIGHTS[k] for k in used)
    assert abs(got - expected) <= 0.05 + 1e-9
    assert min(used.values()) - 0.05 <= got <= max(used.values()) + 0.05
    assert grade_of(got) == ("A" if got >= 90 else "B" if got >= 75 else "C" if got >= 60 else "D")


# -- HTML: every number one click from its evidence -------------------------------------------------------


def test_html_numbers_and_anchors(report: AuditReport) -> None:
    root = parse_html(to_html(report))
    assert root.find("html").get("lang") == "zh-CN"  # type: ignore[union-attr]
    assert not list(root.iter("script")) and not list(root.iter("img"))
    assert all(th.get("scope") in ("col", "row") for th in root.iter("th"))
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    hrefs = [a.get("href", "") for a in root.iter("a")]
    assert all(h.startswith("#") and h[1:] in ids for h in hrefs)  # no dead link, nothing off the page
    assert "15×结构规范 + 25×要素完整" in text_of(by_id(root, "formula-text"))
    head, rows = table_rows(root, "u-table")
    cells = {r[0]: dict(zip(head, r, strict=True)) for r in rows}
    edu = cells["区教育局"]
    assert (edu["等级"], edu["得分"], edu["要素完整"], edu["规则符合"], edu["指引覆盖"], edu["法定覆盖"], edu["错误"]) == (
        "B", "76.7", "96.9%", "75.0%", "50.0%", "66.7%", "1")
    assert cells["区机管局"]["等级"] == "N" and cells["区机管局"]["得分"] == "—"
    # a click on 区教育局's rule compliance leads to the item and the cell of its error
    tr_ = next(t for t in by_id(root, "u-table").iter("tr") if t.get("data-name") == "区教育局")
    link = next(a for td in tr_ if td.get("data-comp") == "rules" for a in td.iter("a"))
    target = by_id(root, link.get("href", "#")[1:])
    section = next(s for s in root.iter("section") if target in list(s.iter()))
    after = text_of(section)
    assert "教育经费" in after and "D5" in after
    # 罗店镇's structure → the file and the cell of the missing column
    tr_ = next(t for t in by_id(root, "u-table").iter("tr") if t.get("data-name") == "罗店镇")
    link = next(a for td in tr_ if td.get("data-comp") == "structure" for a in td.iter("a"))
    block = by_id(root, link.get("href", "#")[1:])
    assert text_of(block).startswith("结构规范：0.0%（0/1）")
    sec = by_id(root, link.get("href", "#")[1:].rsplit("-", 1)[0])
    assert "罗店镇.xlsx" in text_of(sec) and "A3" in text_of(sec)
    # the rules table counts lead to the rule's findings with their cells
    _, rules = table_rows(root, "rules-table")
    assert [(r[0], r[3]) for r in rules][:2] == [("audience-none", "1"), ("column-missing", "1")]
    assert "H5" in text_of(by_id(root, "rule-audience-none"))
    assert text_of(by_id(root, "f4")).startswith("罗店镇")


def test_html_charts(report: AuditReport) -> None:
    root = parse_html(to_html(report))
    grades = by_id(root, "chart-grades").find("svg")
    assert grades is not None
    assert [t.text for t in grades.iter("text") if t.get("class") == "val"] == ["0", "3", "1", "1", "3"]
    coverage = by_id(root, "chart-coverage").find("svg")
    assert coverage is not None
    assert [t.text for t in coverage.iter("text") if t.get("class") == "val"] == [
        "66.7% (2/3)", "50.0% (1/2)", "50.0% (2/4)"]
    rules = by_id(root, "chart-rules").find("svg")
    assert rules is not None
    assert [r.get("class") for r in rules.iter("rect")] == ["c-err", "c-err", "c-err", "c-warn", "c-warn"]


def test_html_english_rerenders_registered_messages(report: AuditReport) -> None:
    root = parse_html(to_html(report, "en"))
    assert root.find("html").get("lang") == "en"  # type: ignore[union-attr]
    assert "'legal basis' is empty" in text_of(by_id(root, "rule-required-cell-empty"))
    assert "Score = (15×structure" in text_of(by_id(root, "formula-text"))


# -- xlsx: every number one sheet (and one link) from its evidence ----------------------------------------


def test_xlsx_values_and_links(report: AuditReport) -> None:
    wb = load_workbook(io.BytesIO(to_xlsx(report)))
    assert wb.sheetnames == ["说明", "单位评分", "领域评分", "规则统计", "结构问题", "要素缺失", "有错误的事项", "指引未覆盖",
                             "法定条款未覆盖", "无链接事项", "问题清单"]
    ws = wb["单位评分"]
    rows = sheet_rows(ws)
    head = rows[0]
    data = {r[0]: dict(zip(head, r, strict=True)) for r in rows[1:]}
    assert (data["罗店镇"]["等级"], data["罗店镇"]["得分"], data["罗店镇"]["结构规范"], data["罗店镇"]["结构规范 (计数)"]) == (
        "D", 54.6, 0.0, "0/1")
    assert data["区机管局"]["得分"] is None and data["区机管局"]["法定覆盖 (计数)"] == "0/3"
    # the 规则符合 cell of 区教育局 links to its first row in 有错误的事项, which names the cell D5
    r = [i for i, row in enumerate(rows) if row[0] == "区教育局"][0] + 1
    cell = ws.cell(row=r, column=head.index("规则符合") + 1)
    assert cell.hyperlink is not None and cell.hyperlink.location is not None
    sheet, ref = cell.hyperlink.location.rsplit("!", 1)
    target = wb[sheet.strip("'")][ref.replace("A", "", 1)]
    values = [c.value for c in target]
    assert values[0] == "区教育局" and values[5] == "D5" and "required-cell-empty" in values[7]
    # the 错误 count of 罗店镇 links to its first finding in the findings list
    cell = ws.cell(row=[i for i, row in enumerate(rows) if row[0] == "罗店镇"][0] + 1, column=head.index("错误") + 1)
    assert cell.hyperlink is not None and cell.hyperlink.location is not None
    sheet, ref = cell.hyperlink.location.rsplit("!", 1)
    assert wb[sheet.strip("'")][ref.replace("A", "", 1)][1].value == "罗店镇"
    findings = sheet_rows(wb["问题清单"])
    assert len(findings) == 1 + 5
    by_code = {f[9]: f for f in findings[1:]}
    assert by_code["column-missing"][1:7] == ["罗店镇", "社会救助", "罗店镇.xlsx", "社会救助", None, "A3"]
    assert by_code["audience-none"][11] == "'=HYPERLINK(\"x\")"  # neutralised: text, not a formula
    assert [r[:3] for r in sheet_rows(wb["结构问题"])[1:]] == [
        ["区教育局", "区教育局.xlsx", "是"], ["区水务局", "区水务局.xlsx", "是"], ["区民政局", "区民政局.xlsx", "是"],
        ["罗店镇", "罗店镇.xlsx", "否"], [OUTSIDER, "区某某办.xlsx", "是"]]
    gaps = sheet_rows(wb["指引未覆盖"])[1:]
    assert ["领域", "义务教育", "YWJY-003", "义务教育", "教育经费 / 教育经费信息"] in gaps
    assert len(gaps) == 2 + 1 + 3 + 2 + 5 + 5 + 1 + 1 + 2  # units 教育局,水务局,民政局,罗店镇,吴淞,园区; domains
    domains = {r[0]: r for r in sheet_rows(wb["领域评分"])[1:]}
    assert domains["综合政务"][3:5] == ["A", 90.9]
    about = " ".join(str(c) for r in sheet_rows(wb["说明"]) for c in r if c)
    assert "15×结构规范" in about and "A 优秀 ≥ 90" in about


def test_terminal(report: AuditReport) -> None:
    out = io.StringIO()
    write_terminal(report, out, "zh", color=False)
    text = out.getvalue()
    assert "B 良好 3" in text and "未提交 3" in text
    assert [ln.split()[:3] for ln in text.splitlines() if ln.startswith("罗店镇")] == [["罗店镇", "D", "54.6"]]
    assert "未提交目录的单位 3 个（等级 N）：区机管局、吴淞街道、宝山工业园区" in text
    assert not [ln for ln in text.splitlines() if ln.startswith("区机管局 ")]  # ungraded units: one line, not rows


def test_deterministic_and_cli(tmp_path: Path) -> None:
    a = write_audit(audit_report(crafted_catalogue(), crafted_reference()), tmp_path / "a")
    b = write_audit(audit_report(crafted_catalogue(), crafted_reference()), tmp_path / "b")
    assert [x.read_bytes() for x in a] == [y.read_bytes() for y in b]
    build = write_build(tmp_path / "build")
    res = CliRunner().invoke(cli, ["audit", str(build), "-o", str(tmp_path / "out")])
    assert res.exit_code == 1, res.output  # the catalogue has errors
    expected = audit_report(crafted_catalogue(), load_reference(), dt.date(2020, 6, 15))
    got = json.loads((tmp_path / "out" / "audit.json").read_text(encoding="utf-8"))
    assert got == json.loads(expected.model_dump_json())
    assert "已写出" in res.output
