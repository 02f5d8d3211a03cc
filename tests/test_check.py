"""`zwgk check` outputs (issue 2 §6): terminal, JSON (schema + golden), HTML (golden), the annotated copy,
and exit codes 0/1/2 — through click's CliRunner and through the library call."""

from __future__ import annotations

import io
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from builders import national, sample_item, shanghai, write
from click.testing import CliRunner
from jsonschema import Draft202012Validator
from openpyxl import load_workbook
from zwgk.compiler.check import check_file
from zwgk.compiler.emit.annotate import SUMMARY_SHEET, annotate
from zwgk.compiler.emit.check_report import to_html, to_json, write_terminal
from zwgk.validators.report import CheckReport
from zwgk.validators.sheet import RuleContext

from zwgk.cli import cli

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden" / "check"
SCHEMA = json.loads((ROOT / "schema" / "report.schema.json").read_text(encoding="utf-8"))


def defective_workbook(path: Path) -> Path:
    """Two sheets with known defects (the golden files describe exactly these)."""
    items = [sample_item(i) for i in range(1, 7)]
    items[1]["mode"] = []                                             # mode-none at K6
    items[2]["basis"] = "《中华人民共和国政府信息公开条例"             # brackets at E7
    items[3]["time_limit"] = "信息形成之日起30个工作日内"              # exceeds (warning) at F8
    items[4]["subject"] = ""                                          # required at G9
    edu = national(items, name="义务教育")
    sh_items = [sample_item(1, category="综合政务", level1="政府信息公开", links=["https://www.shbsq.gov.cn/a.html"]),
                sample_item(2, category="综合政务", level1="政府信息公开", links=["http://example.com/b"])]
    gen = shanghai(sh_items, name="综合政务", title=None, link="url")  # off-government link (warning) at I3
    return write(path, [edu, gen])


def project(report: dict[str, Any]) -> dict[str, Any]:
    """What the golden file pins: counts and every issue's place, not the wording of messages."""
    return {"errors": report["errors"], "warnings": report["warnings"], "files": [
        {"unit": f["unit"], "items": f["items"], "links": f["links"], "errors": f["errors"], "warnings": f["warnings"],
         "sheets": [[s["name"], s["role"], s["layout"], s["domain"], s["header_rows"], s["items"]] for s in f["sheets"]],
         "issues": [[i["code"], i["severity"], i["sheet"], i["row"], i["cell"], i["field"]] for i in f["issues"]]}
        for f in report["files"]]}


def golden(name: str, actual: dict[str, Any]) -> None:
    path = GOLDEN / name
    if os.environ.get("ZWGK_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(actual, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with ZWGK_UPDATE_GOLDEN=1 once and review it"
    assert actual == json.loads(path.read_text(encoding="utf-8"))


# --- JSON ----------------------------------------------------------------------------------------------------

def test_json_report_matches_schema_model_and_golden(tmp_path: Path, ctx: RuleContext) -> None:
    res = check_file(defective_workbook(tmp_path / "宝山区教育局.xlsx"), ctx=ctx)
    text = to_json([res])
    report = json.loads(text)
    Draft202012Validator(SCHEMA).validate(report)
    Draft202012Validator(CheckReport.model_json_schema()).validate(report)
    golden("defective.json", project(report))
    issues = report["files"][0]["issues"]
    assert all(i["message"] and "{" not in i["message"] for i in issues)
    assert report["files"][0]["path"].endswith("宝山区教育局.xlsx")


def test_json_in_english(tmp_path: Path, ctx: RuleContext) -> None:
    res = check_file(defective_workbook(tmp_path / "a.xlsx"), ctx=ctx)
    report = json.loads(to_json([res], "en"))
    assert report["lang"] == "en"
    mode = next(i for i in report["files"][0]["issues"] if i["code"] == "mode-none")
    assert "disclosure mode" in mode["message"]


# --- HTML ----------------------------------------------------------------------------------------------------

class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.groups: list[tuple[str, int]] = []
        self.flagged: list[str] = []
        self.findings = 0
        self.external: list[str] = []
        self._in_flag = False
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "summary" and a.get("data-code"):
            self.groups.append((a["data-code"] or "", int(a.get("data-count") or 0)))
        if tag == "td" and a.get("class") == "flag":
            self._in_flag, self._text = True, []
        if tag == "p" and a.get("class") == "finding":
            self.findings += 1
        if tag in ("script", "link", "img") or (tag == "a" and (a.get("href") or "").startswith("http")):
            self.external.append(tag)

    def handle_data(self, data: str) -> None:
        if self._in_flag:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._in_flag:
            self.flagged.append("".join(self._text))
            self._in_flag = False


def test_html_report_grouped_with_counts_and_row_context(tmp_path: Path, ctx: RuleContext) -> None:
    res = check_file(defective_workbook(tmp_path / "a.xlsx"), ctx=ctx)
    page = _Page()
    html = to_html([res])
    page.feed(html)
    golden("defective.html.json", {"groups": [list(g) for g in page.groups], "findings": page.findings,
                                   "flagged": page.flagged})
    assert sum(n for _, n in page.groups) == len(res.findings) == page.findings
    assert page.external == []  # self-contained: no scripts, stylesheets, images or outside links
    assert "《中华人民共和国政府信息公开条例" in page.flagged  # the flagged cell shown in its row
    assert 'lang="zh-CN"' in html and "工作表「义务教育」" in html


def test_html_escapes_cell_text(tmp_path: Path, ctx: RuleContext) -> None:
    path = write(tmp_path / "a.xlsx", [national([sample_item(1, time_limit="<script>alert(1)</script>")])])
    html = to_html([check_file(path, ctx=ctx)])
    assert "<script>" not in html and "&lt;script&gt;" in html


# --- terminal ------------------------------------------------------------------------------------------------

def test_terminal_groups_counts_and_caps_display(tmp_path: Path, ctx: RuleContext) -> None:
    items = [sample_item(i, mode=[]) for i in range(1, 26)]
    res = check_file(write(tmp_path / "a.xlsx", [national(items)]), ctx=ctx)
    out = io.StringIO()
    write_terminal([res], out, "zh", max_per_rule=20, color=False)
    text = out.getvalue()
    assert re.search(r"错误\s+mode-none\s+25\s+未选择公开方式", text)
    assert "mode-none（25）" in text and "另有 5 处" in text
    assert text.count("没有选择公开方式") == 20
    assert "工作表「义务教育」：国家标准格式（勾选），表头第 3–4 行，领域 义务教育，事项 25 个" in text
    en = io.StringIO()
    write_terminal([res], en, "en", color=False)
    assert "5 more" in en.getvalue() and "25" in en.getvalue()


# --- annotated copy ------------------------------------------------------------------------------------------

def test_annotated_copy_marks_cells_and_leaves_the_original(tmp_path: Path, ctx: RuleContext) -> None:
    src = defective_workbook(tmp_path / "a.xlsx")
    before = src.read_bytes()
    res = check_file(src, ctx=ctx)
    out = annotate(src, res, tmp_path / "out" / "a.检查结果.xlsx")
    assert src.read_bytes() == before
    wb = load_workbook(out)
    assert wb.sheetnames[0] == SUMMARY_SHEET and wb.sheetnames[1:] == ["义务教育", "综合政务"]
    ws = wb["义务教育"]
    assert ws["E7"].fill.fgColor.rgb.endswith("FFC7CE")
    assert "书名号" in ws["E7"].comment.text and "basis-brackets-unbalanced" in ws["E7"].comment.text
    assert ws["F8"].fill.fgColor.rgb.endswith("FFEB9C")  # a warning in amber
    assert ws["E5"].comment is None
    summary = wb[SUMMARY_SHEET]
    rows = list(summary.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(res.findings)
    link = next(c for c in summary["D"][1:] if c.value == "E7")
    assert link.hyperlink is not None and link.hyperlink.location == "'义务教育'!E7"


def test_xls_input_gives_an_xlsx_copy(tmp_path: Path, ctx: RuleContext) -> None:
    items = [sample_item(1), sample_item(2, mode=[])]
    src = write(tmp_path / "a.xls", [national(items)])
    before = src.read_bytes()
    res = check_file(src, ctx=ctx)
    out = annotate(src, res, tmp_path / "a.检查结果.xlsx")
    assert src.read_bytes() == before
    ws = load_workbook(out)["义务教育"]
    assert ws["K6"].comment is not None and "公开方式" in ws["K6"].comment.text
    assert ws["C6"].value == "招生政策2"


def test_annotate_refuses_to_overwrite_or_write_other_formats(tmp_path: Path, ctx: RuleContext) -> None:
    src = write(tmp_path / "a.xlsx", [national([sample_item(1)])])
    res = check_file(src, ctx=ctx)
    with pytest.raises(ValueError, match="不能覆盖"):
        annotate(src, res, src)
    with pytest.raises(ValueError, match=".xlsx"):
        annotate(src, res, tmp_path / "b.xls")


# --- exit codes ----------------------------------------------------------------------------------------------

def _unreadable(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    from hostile.corpus import ole_file

    good = write(tmp_path / "good.xlsx", [national([sample_item(1)])])
    cases = {
        "not-a-workbook": (tmp_path / "scan.xlsx", "不是电子表格"),
        "encrypted": (tmp_path / "locked.xlsx", "密码"),
        "truncated": (tmp_path / "cut.xlsx", "损坏"),
        "empty": (tmp_path / "empty.xlsx", "空的"),
        "folder": (tmp_path / "folder", "文件夹"),
        "missing": (tmp_path / "nope.xlsx", "不存在"),
    }
    cases["not-a-workbook"][0].write_bytes(b"%PDF-1.7\n" + b"\0" * 200)
    cases["encrypted"][0].write_bytes(ole_file({"EncryptionInfo": b"\x04\x00\x04\x00" + b"\0" * 200,
                                                "EncryptedPackage": b"\x10\0\0\0" + b"\x5a" * 5000}))
    data = good.read_bytes()
    cases["truncated"][0].write_bytes(data[: len(data) // 2])
    cases["empty"][0].write_bytes(b"")
    cases["folder"][0].mkdir()
    return cases


def test_unreadable_inputs_exit_2_with_one_chinese_sentence(tmp_path: Path, ctx: RuleContext) -> None:
    runner = CliRunner()
    for name, (path, words) in _unreadable(tmp_path).items():
        res = check_file(path, ctx=ctx)
        assert not res.readable and len(res.findings) == 1, name
        message = res.findings[0].message()
        assert words in message, (name, message)
        result = runner.invoke(cli, ["check", str(path)])
        assert result.exit_code == 2, (name, result.output)
        assert "Traceback" not in result.output and words in result.output, (name, result.output)
        as_json = runner.invoke(cli, ["check", "--format", "json", str(path)])
        assert as_json.exit_code == 2
        assert json.loads(as_json.output)["files"][0]["readable"] is False


def test_exit_codes_clean_warnings_errors_usage(tmp_path: Path) -> None:
    runner = CliRunner()
    clean = write(tmp_path / "宝山区教育局.xlsx", [national([sample_item(1), sample_item(2)])])
    warned = write(tmp_path / "w.xlsx", [national([sample_item(1, time_limit="信息形成之日起30个工作日内")])])
    broken = write(tmp_path / "e.xlsx", [national([sample_item(1, mode=[])])])
    assert runner.invoke(cli, ["check", str(clean)]).exit_code == 0
    assert runner.invoke(cli, ["check", str(warned)]).exit_code == 0
    result = runner.invoke(cli, ["check", str(broken)])
    assert result.exit_code == 1 and "K5" in result.output
    assert runner.invoke(cli, ["check", str(clean), str(broken)]).exit_code == 1
    assert runner.invoke(cli, ["check"]).exit_code == 2
    assert runner.invoke(cli, ["check", "--format", "pdf", str(clean)]).exit_code == 2
    bad_copy = runner.invoke(cli, ["check", str(broken), "--annotate", str(tmp_path / "x.xls")])
    assert bad_copy.exit_code == 2 and ".xlsx" in bad_copy.output


def test_cli_writes_reports_and_annotated_copies(tmp_path: Path) -> None:
    runner = CliRunner()
    a = defective_workbook(tmp_path / "宝山区教育局.xlsx")
    b = write(tmp_path / "罗店镇.xlsx", [national([sample_item(1, levels=["街镇级"])], unit="罗店镇")])
    out_dir = tmp_path / "copies"
    out_dir.mkdir()
    result = runner.invoke(cli, ["check", "--format", "html", "-o", str(tmp_path / "r.html"), "--annotate",
                                 str(out_dir), str(a), str(b)])
    assert result.exit_code == 1, result.output
    assert (tmp_path / "r.html").read_text(encoding="utf-8").count("<section>") == 2
    assert sorted(p.name for p in out_dir.iterdir()) == ["宝山区教育局.检查结果.xlsx", "罗店镇.检查结果.xlsx"]
    text = runner.invoke(cli, ["check", "-o", str(tmp_path / "r.txt"), "--lang", "en", str(a)])
    assert text.exit_code == 1 and "errors" in (tmp_path / "r.txt").read_text(encoding="utf-8")
    again = runner.invoke(cli, ["check", "--format", "json", str(a)])
    assert again.output == runner.invoke(cli, ["check", "--format", "json", str(a)]).output  # deterministic


def test_every_command_module_is_named_after_its_command() -> None:
    # zwgk.cli imports a subcommand's module only when that command runs, finding it by this name.
    import importlib

    from zwgk.cli import _COMMAND_MODULES

    for module in _COMMAND_MODULES:
        assert importlib.import_module(module).command.name == module.rsplit(".", 1)[1]
