"""`zwgk template`: the form a unit fills in reads back, filled, to exactly the pre-filled guideline items."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from zwgk.catalogs import load_reference
from zwgk.catalogs.template_text import load_template_text
from zwgk.catalogs.vocabulary import load_vocabulary
from zwgk.compiler import template as template_module
from zwgk.compiler.check import check_file, rule_context
from zwgk.compiler.emit.workbook import workbook_bytes
from zwgk.compiler.template import (
    TemplateError,
    TemplatePlan,
    build_template,
    default_domains,
    plan_template,
    write_template,
)
from zwgk.validators.models import FileResult

from zwgk.cli import cli

REF = load_reference()
VOCAB = load_vocabulary()
TEXT = load_template_text()
CTX = rule_context()
STRUCTURAL = {
    "header-not-found", "column-missing", "column-duplicate", "column-unknown", "row-not-item", "sheet-empty",
    "tick-mark-unrecognised", "value-not-in-vocabulary", "domain-missing", "domain-unknown", "unit-missing",
    "unit-unknown",
}


@cache
def _planned(unit: str, layout: str = "national") -> tuple[bytes, TemplatePlan]:
    """The template as bytes (built once per test run) and its plan; open a fresh copy with _open."""
    wb, plan = plan_template(unit, layout=layout)  # type: ignore[arg-type]
    return workbook_bytes(wb), plan


def _open(unit: str, layout: str = "national") -> tuple[openpyxl.Workbook, TemplatePlan]:
    data, plan = _planned(unit, layout)
    return openpyxl.load_workbook(io.BytesIO(data)), plan


def _check(wb: openpyxl.Workbook, folder: Path, name: str = "模板.xlsx") -> FileResult:
    path = folder / name
    path.write_bytes(workbook_bytes(wb))
    return check_file(path, ctx=CTX)


def _value(ws: Any, ref: str) -> str:
    v = ws[ref].value
    return "" if v is None else str(v).strip()


# -- the empty template --------------------------------------------------------------------------------


@pytest.mark.parametrize(("unit", "layout"), [("区教育局", "national"), ("区民政局", "shanghai"), ("罗店镇", "national")])
def test_template_checks_with_only_the_cells_a_unit_must_fill(unit: str, layout: str, tmp_path: Path) -> None:
    wb, plan = _open(unit, layout)
    result = _check(wb, tmp_path)
    assert result.readable and result.unit == unit
    expected: Counter[tuple[str, str, str | None]] = Counter({("sheet-instructions-skipped", TEXT.instructions.sheet_name, None): 1})
    for sheet in plan.sheets:
        ws, info = wb[sheet.sheet], sheet.layout
        for r in info.data_rows:
            # What the unit must write: 公开主体, 渠道, 对象, 方式, 层级 — plus any text the guideline lacks.
            for fld in ("level2", "content", "basis", "time_limit", "subject"):
                if not _value(ws, info.ref(r, fld)):
                    expected[("required-cell-empty", sheet.sheet, info.ref(r, fld))] += 1
            expected[("required-cell-empty", sheet.sheet, info.ref(r, "channels"))] += 1
            first = {g: info.columns_of(g)[0].letter + str(r) for g in ("audience", "mode", "levels")}
            expected[("audience-none", sheet.sheet, first["audience"])] += 1
            expected[("mode-none", sheet.sheet, first["mode"])] += 1
            expected[("level-none", sheet.sheet, first["levels"])] += 1
    got = Counter((f.code, f.location.sheet, f.location.cell) for f in result.findings)
    assert got == expected
    # Every cell a finding asks the unit to fill can be filled: it is not locked by the sheet protection.
    for f in result.findings:
        if f.location.cell:
            assert wb[f.location.sheet].protection.sheet is True
            assert wb[f.location.sheet][f.location.cell].protection.locked is False, f.location


def test_prefilled_rows_carry_the_guideline_items_and_their_codes() -> None:
    wb, plan = plan_template("区教育局")
    sheet = plan.sheets[0]
    ws, info = wb[sheet.sheet], sheet.layout
    items = REF.guideline_items_for("义务教育")
    assert sheet.codes == tuple(i.code for i in items)
    for r, item in zip(info.data_rows, items, strict=True):
        assert _value(ws, info.ref(r, "guideline_code")) == item.code
        assert _value(ws, info.ref(r, "level2")) == item.level2
        assert _value(ws, info.ref(r, "content")) == item.content
        assert _value(ws, info.ref(r, "basis")) == (item.basis or "")


def test_township_template_has_the_township_items_only() -> None:
    wb, plan = _open("罗店镇")
    assert plan.township
    assert [s.domain for s in plan.sheets] == [d.name for d in REF.pilot_domains if d.township]
    for sheet in plan.sheets:
        township = tuple(i.code for i in REF.guideline_items_for(sheet.domain) if i.township)
        assert sheet.codes == township
    district = {i.code for i in REF.guideline_items_for("户籍管理")}
    assert district and not district & {c for s in plan.sheets for c in s.codes}
    lines = [c.value for row in wb[TEXT.instructions.sheet_name].iter_rows() for c in row if c.value]
    assert any("乡级" in str(v) for v in lines)


def test_merged_and_ditto_cells_of_the_guideline_are_written_out() -> None:
    wb, plan = plan_template("区卫生健康委")
    ws, info = wb["医疗卫生"], plan.sheets[0].layout
    # YLWS-004/005 have no 一级事项 in the source table (a merged cell): they take the one above.
    assert all(_value(ws, info.ref(r, "level1")) for r in info.data_rows)
    wb, plan = plan_template("区发展改革委", ["重大建设项目"])
    ws, info = wb["重大建设项目"], plan.sheets[0].layout
    row = info.first_data_row + plan.sheets[0].codes.index("ZDJSXM-009")
    assert _value(ws, info.ref(row, "time_limit")) == _value(ws, info.ref(row - 1, "time_limit")) != ""
    assert not any(VOCAB.is_ditto(str(c.value)) for r in ws.iter_rows() for c in r if c.value)


def test_incomplete_guideline_text_is_left_for_the_unit_with_a_comment() -> None:
    wb, plan = plan_template("区市场监管局")
    sheet = plan.sheets[0]
    assert sheet.incomplete
    for ref in sheet.incomplete:
        cell = wb[sheet.sheet][ref]
        assert cell.value is None
        assert cell.comment is not None and "《中华人民共和国食品…" in cell.comment.text
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert "truncated" not in str(c.value or "")


def test_protection_validations_hints_and_print_setup() -> None:
    wb, plan = plan_template("区民政局")
    sheet = plan.sheets[0]
    ws, info = wb[sheet.sheet], sheet.layout
    last_blank = info.last_data_row + TEXT.template.blank_rows
    assert ws.protection.sheet is True and not ws.protection.password
    assert ws.protection.insertRows is False and ws.protection.insertHyperlinks is False
    code = info.column("guideline_code")
    for r in (*info.header_rows, info.title_row):
        assert all(ws.cell(r, c.index).protection.locked for c in info.columns)
    for r in (info.first_data_row, info.last_data_row, last_blank):
        for c in info.columns:
            assert ws.cell(r, c.index).protection.locked is (c.index == code.index), (r, c.field)
    assert ws.cell(last_blank + 1, 2).protection.locked is True
    validations = ws.data_validations.dataValidation
    ticks = [dv for dv in validations if dv.type == "list"]
    assert len(ticks) == 1 and ticks[0].formula1 == '"√"'
    tick_cols = {c.letter for c in info.columns if c.kind == "tick"}
    assert {str(r) for r in ticks[0].sqref.ranges} == {f"{c}{info.first_data_row}:{c}{last_blank}" for c in tick_cols}
    prompted = {(rng.min_col, rng.min_row, rng.max_row) for dv in validations if dv.prompt for rng in dv.sqref.ranges}
    assert prompted == {(c.index, *info.header_rows) for c in info.columns}  # a hint on every header cell
    assert all(len(dv.prompt) <= 255 and "{" not in dv.prompt for dv in validations if dv.prompt)
    assert ws.freeze_panes == f"A{info.first_data_row}"
    assert ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows == f"${info.header_rows[0]}:${info.header_rows[-1]}"


def test_shanghai_template_offers_the_words_as_dropdowns() -> None:
    wb, plan = plan_template("区民政局", layout="shanghai")
    ws, info = wb[plan.sheets[0].sheet], plan.sheets[0].layout
    lists = {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv for dv in ws.data_validations.dataValidation
             if dv.type == "list"}
    assert lists[info.column("mode").letter].formula1 == '"主动公开,依申请公开"'
    assert lists[info.column("audience").letter].formula1 == '"全社会,特定群众"'
    assert lists[info.column("levels").letter].formula1 == '"区级,街镇级"'
    assert all(dv.errorStyle == "warning" for dv in lists.values())  # 区级、街镇级 must stay possible
    assert _value(ws, info.ref(info.first_data_row, "category")) == "社会救助"


def test_instructions_sheet_says_how_when_and_whom_to_ask() -> None:
    wb = build_template("区教育局")
    ws = wb.worksheets[0]
    assert VOCAB.is_instruction_sheet(ws.title)
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    assert "2020年9月30日" in text  # milestones.json: full-domain-catalogue
    assert TEXT.contact.email in text and TEXT.contact.office in text
    assert "√" in text and "■" in text and "□" in text
    assert "{" not in text and "}" not in text
    assert "乡级" not in text  # the township line is for 街镇 templates only


def test_every_text_comes_from_the_catalogs(monkeypatch: pytest.MonkeyPatch) -> None:
    contact = TEXT.contact.model_copy(update={"email": "someone@example.gov.cn", "office": "测试科"})
    template = TEXT.template.model_copy(update={"title": "测试标题{domain}", "unit_line": "报送单位：{unit}"})
    changed = TEXT.model_copy(update={"contact": contact, "template": template})
    monkeypatch.setattr(template_module, "load_template_text", lambda: changed)
    wb = build_template("区教育局")
    cells = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert "测试标题义务教育" in cells and "报送单位：区教育局" in cells
    assert any("someone@example.gov.cn" in c and "测试科" in c for c in cells)


def test_unknown_unit_or_domain_names_the_closest() -> None:
    with pytest.raises(TemplateError) as unit_error:
        build_template("区教育")
    assert "区教育局" in unit_error.value.message("zh")
    with pytest.raises(TemplateError) as domain_error:
        build_template("区教育局", ["义务教肓"])
    assert "义务教育" in domain_error.value.message("zh") and "义务教育" in domain_error.value.message("en")
    with pytest.raises(TemplateError):
        build_template("区审计局")  # answers for no pilot domain and none was named


def test_domain_option_narrows_or_adds() -> None:
    assert [d.name for d in default_domains(REF.unit("区民政局"), REF)] == ["社会救助", "养老服务"]  # type: ignore[arg-type]
    narrowed = plan_template("区民政局", ["养老服务"])[1]
    assert [s.domain for s in narrowed.sheets] == ["养老服务"]
    added = plan_template("区审计局", ["综合政务", "财政预决算"])[1]
    assert [s.domain for s in added.sheets] == ["综合政务", "财政预决算"]
    assert added.sheets[0].codes == () and added.sheets[1].codes


def test_written_template_is_byte_identical(tmp_path: Path) -> None:
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_template(a, "区民政局")
    write_template(b, "区民政局")
    assert a.read_bytes() == b.read_bytes()


# -- filled by a unit ------------------------------------------------------------------------------------

_CJK = "宝山区民政局社会救助养老服务最低生活保障特困人员供养对象名单标准申请材料流程地址电话"
texts = st.text(alphabet=_CJK + "0123456789、，", min_size=2, max_size=16)
time_limits = st.sampled_from(["信息形成或者变更之日起20个工作日内", "实时", "每年1月31日前", "审批后7个工作日内"])
channels = st.lists(st.sampled_from(VOCAB.channels.standard), min_size=1, max_size=4, unique=True)


def _ticks(values: tuple[str, ...]) -> st.SearchStrategy[tuple[str, ...]]:
    return st.sets(st.sampled_from(values), min_size=1).map(lambda s: tuple(v for v in values if v in s))


fill = st.fixed_dictionaries({
    "subject": texts, "channels": channels, "audience": _ticks(("全社会", "特定群众")),
    "mode": _ticks(("主动", "依申请")), "levels": _ticks(("区级", "街镇级")),
    "basis": texts.map(lambda t: f"《{t}》"), "time_limit": time_limits, "content": texts,
})


def _fill_like_a_person(ws: Any, info: Any, r: int, data: dict[str, Any], layout: str) -> None:
    """Type into the cells the way a unit does: √ in tick columns, □ → ■ in the check-list, words in text."""
    ws[info.ref(r, "subject")] = data["subject"]
    for fld in ("basis", "time_limit", "content"):
        if not _value(ws, info.ref(r, fld)):
            ws[info.ref(r, fld)] = data[fld]
    if layout == "national":
        checklist = _value(ws, info.ref(r, "channels")) or " ".join(f"□{c}" for c in VOCAB.channels.standard)
        for c in data["channels"]:
            checklist = checklist.replace(f"□{c}", f"■{c}")
        ws[info.ref(r, "channels")] = checklist
        for group in ("audience", "mode", "levels"):
            for v in data[group]:
                ws[info.ref(r, group, v)] = "√"
    else:
        ws[info.ref(r, "channels")] = "、".join(data["channels"])
        words = {"mode": {"主动": "主动公开", "依申请": "依申请公开"}}
        for group in ("audience", "mode", "levels"):
            ws[info.ref(r, group)] = "、".join(words.get(group, {}).get(v, v) for v in data[group])


def _filled_round_trip(layout: str, data: st.DataObject) -> None:
    wb, plan = _open("区民政局", layout)  # as the unit opens it
    expected: list[tuple[str | None, dict[str, Any]]] = []
    for sheet in plan.sheets:
        ws, info = wb[sheet.sheet], sheet.layout
        for r, code in zip(info.data_rows, sheet.codes, strict=True):
            values = data.draw(fill)
            _fill_like_a_person(ws, info, r, values, layout)
            expected.append((code, values))
        own = data.draw(st.lists(texts, max_size=3, unique=True))
        for k, name in enumerate(own):  # the unit's own items, typed into the blank rows
            r = info.last_data_row + 1 + k
            values = data.draw(fill)
            ws[info.ref(r, "level1")] = "本单位事项"
            ws[info.ref(r, "level2")] = name
            _fill_like_a_person(ws, info, r, values, layout)
            expected.append((None, values))
    with tempfile.TemporaryDirectory() as tmp:
        result = _check(wb, Path(tmp), "区民政局.xlsx")
    assert [f.message() for f in result.findings if f.code in STRUCTURAL] == []
    assert result.errors == 0, [f.message() for f in result.findings]
    assert {f.code for f in result.findings} <= {"sheet-instructions-skipped", "mode-both"}
    assert [it.guideline_code for it in result.items] == [code for code, _ in expected]
    for item, (_, values) in zip(result.items, expected, strict=True):
        assert item.subject == values["subject"]
        assert set(item.channels) == set(values["channels"]) and len(item.channels) == len(values["channels"])
        assert (item.audience, item.mode, item.levels) == (values["audience"], values["mode"], values["levels"])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_filled_national_template_reads_back_with_its_codes(data: st.DataObject) -> None:
    _filled_round_trip("national", data)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_filled_shanghai_template_reads_back_with_its_codes(data: st.DataObject) -> None:
    _filled_round_trip("shanghai", data)


# -- LibreOffice ------------------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("soffice") is None,
                    reason="LibreOffice (soffice) is not installed on this machine; the re-save test needs it")
def test_libreoffice_resave_reads_identically(tmp_path: Path) -> None:
    src = tmp_path / "区教育局.xlsx"
    write_template(src, "区教育局")
    out = tmp_path / "out"
    subprocess.run(["soffice", "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(src)],
                   check=True, timeout=120, capture_output=True)
    before, after = check_file(src, ctx=CTX), check_file(out / src.name, ctx=CTX)
    strip = lambda r: [it.model_dump(exclude={"source"}) for it in r.items]  # noqa: E731
    assert strip(after) == strip(before)
    assert Counter(f.code for f in after.findings) == Counter(f.code for f in before.findings)


# -- the command ------------------------------------------------------------------------------------------


def test_cli_writes_the_template(tmp_path: Path) -> None:
    target = tmp_path / "区教育局.xlsx"
    res = CliRunner().invoke(cli, ["template", "--unit", "区教育局", "-o", str(target)])
    assert res.exit_code == 0, res.output
    assert "已写出" in res.output and "11" in res.output
    assert check_file(target, ctx=CTX).unit == "区教育局"
    folder = tmp_path / "模板"
    folder.mkdir()
    res = CliRunner().invoke(cli, ["template", "--unit", "罗店镇", "--domain", "社会救助", "--layout", "shanghai",
                                   "-o", str(folder)])
    assert res.exit_code == 0, res.output
    result = check_file(folder / "罗店镇.xlsx", ctx=CTX)
    assert result.sheets[1].layout == "shanghai-link" and result.unit == "罗店镇"


def test_cli_unknown_names_exit_2_with_the_closest(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["template", "--unit", "区教育", "-o", str(tmp_path / "x.xlsx")])
    assert res.exit_code == 2 and "是否应为「区教育局」" in res.output and "Traceback" not in res.output
    res = CliRunner().invoke(cli, ["template", "--unit", "区教育局", "--domain", "义务教肓", "--lang", "en",
                                   "-o", str(tmp_path / "x.xlsx")])
    assert res.exit_code == 2 and "Did you mean '义务教育'" in res.output
    res = CliRunner().invoke(cli, ["template"])
    assert res.exit_code == 2
    res = CliRunner().invoke(cli, ["template", "--unit", "区教育局", "-o", str(tmp_path / "x.xls")])
    assert res.exit_code == 2
    assert not list(tmp_path.iterdir())


def test_cli_all_writes_one_template_per_unit(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["template", "--all", "--domain", "综合政务", "-o", str(tmp_path / "模板")])
    assert res.exit_code == 0, res.output
    assert sorted(p.stem for p in (tmp_path / "模板").iterdir()) == sorted(u.name for u in REF.units)
