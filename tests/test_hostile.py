"""Issue 8: every hostile or broken input gets findings or a one-sentence refusal, in bounded time and memory.

The corpus is built in code (tests/hostile/corpus.py) once per session; each case is checked through the
library (``check_file``) and the CLI, every read under a wall-clock guard.  The guards are then tested one
by one with the other limits relaxed, so each is shown to hold on its own, and the second layer (the
forked, memory-capped reader) is tested with the first one switched off.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hostile.corpus import (
    Case,
    build_corpus,
    catalogue_rows,
    empty_folder,
    hostile_name_bytes,
    sheet_xml,
    write_xlsx,
)
from hostile.guard import within
from hypothesis import given, settings
from hypothesis import strategies as st
from zwgk.compiler.check import check_file, rule_context
from zwgk.compiler.reader import ooxml, sources, zygote
from zwgk.compiler.reader.limits import Limits, ReadRefused
from zwgk.validators.messages import render
from zwgk.validators.models import FileResult

from zwgk.cli import cli

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")
READ_SECONDS = 60  # the default budget is 120 s; nothing in the corpus needs more than a few


# Built once at collection (a few seconds, a few MB on disk): the case names parametrize the tests.
_CORPUS_DIR = tempfile.TemporaryDirectory(prefix="zwgk-hostile-")
_CORPUS = {c.name: c for c in build_corpus(Path(_CORPUS_DIR.name))}
CASES = list(_CORPUS)


@pytest.fixture(scope="session")
def corpus() -> dict[str, Case]:
    return _CORPUS


@pytest.fixture(scope="session")
def ctx():  # type: ignore[no-untyped-def]
    return rule_context()


def _check(path: Path, ctx, limits: Limits | None = None) -> FileResult:  # type: ignore[no-untyped-def]
    with within(READ_SECONDS, str(path)):
        return check_file(path, ctx=ctx, limits=limits or Limits())


def assert_answer(case: Case, result: FileResult) -> None:
    codes = {f.code for f in result.findings}
    if case.expect == "refused":
        assert not result.readable, f"{case.name} was read: {sorted(codes)}"
        # A refusal is one finding: the one sentence the user sees.
        assert len(result.findings) == 1, [f.code for f in result.findings]
        refusal = result.findings[0]
        assert refusal.code in case.codes, f"{case.name}: {refusal.code} {refusal.params}"
        text = render(refusal, "zh", with_location=False)
        assert CJK.search(text) and "\n" not in text and "Traceback" not in text, text
    else:
        assert result.readable, f"{case.name} refused: {[(f.code, f.params) for f in result.findings]}"
        if case.name.startswith(("benign", "real-", "name:")):
            assert len(result.items) >= 3, f"{case.name}: {len(result.items)} items"
        if case.codes and "" not in case.codes:
            assert codes & set(case.codes), f"{case.name}: wanted one of {case.codes}, got {sorted(codes)}"


@pytest.mark.parametrize("name", CASES)
def test_library_answers_every_case(corpus: dict[str, Case], ctx, name: str) -> None:  # type: ignore[no-untyped-def]
    case = corpus[name]
    started = time.monotonic()
    result = _check(case.path, ctx)
    assert_answer(case, result)
    assert time.monotonic() - started < 30


@pytest.mark.parametrize("name", CASES)
def test_cli_answers_every_case(corpus: dict[str, Case], name: str) -> None:
    case = corpus[name]
    runner = CliRunner()
    with within(READ_SECONDS, f"zwgk check {name}"):
        res = runner.invoke(cli, ["check", "--format", "json", "--", str(case.path)])
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in res.output
    if case.expect == "refused":
        assert res.exit_code == 2
    else:
        assert res.exit_code in (0, 1)
    report = json.loads(res.output)
    (entry,) = report["files"]
    assert entry["path"] == str(case.path)
    assert entry["readable"] is (case.expect == "read")
    if case.expect == "refused":
        (issue,) = entry["issues"]
        assert CJK.search(issue["message"]) and "\n" not in issue["message"]


@pytest.mark.parametrize("name", ["far-corner-single-quotes.xlsx", "far-corner-XFD1048576.xlsx",
                                  "zipbomb-sheet-lying-header.xlsx", "dimension-lies.xls", "encrypted.xlsx"])
def test_cli_process_survives(corpus: dict[str, Case], name: str) -> None:
    """In a real process: no abort (signal 6 was python-calamine's answer to these), one Chinese sentence."""
    proc = subprocess.run([sys.executable, "-m", "zwgk", "check", "--", str(corpus[name].path)],
                          capture_output=True, text=True, timeout=READ_SECONDS, cwd=ROOT)
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-500:])
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "panicked" not in proc.stderr and "RUST_BACKTRACE" not in proc.stderr
    assert CJK.search(proc.stdout + proc.stderr)


# --------------------------------------------------------------------------- each guard on its own

OPEN = Limits(max_compression_ratio=10**9, max_uncompressed_bytes=10**10)


def _refusal(path: Path, limits: Limits) -> ReadRefused:
    with within(READ_SECONDS), pytest.raises(ReadRefused) as info:
        sources.load(path, limits)
    return info.value


def test_long_cell_guard_alone(corpus: dict[str, Case]) -> None:
    # Size and ratio limits out of the way: the text-run scan alone refuses a 100 MB cell, in a sheet and
    # in sharedStrings, before python-calamine would need three times that.
    for name in ("cell-100mb.xlsx", "shared-cell-100mb.xlsx"):
        refused = _refusal(corpus[name].path, OPEN)
        assert refused.code == "file-limit-exceeded" and "单元格长度" in refused.params["limit"]


def test_lying_header_guard_alone(corpus: dict[str, Case]) -> None:
    refused = _refusal(corpus["zipbomb-sheet-lying-header.xlsx"].path, OPEN)
    assert refused.code == "file-unreadable" and "声明" in refused.params["reason"]


def test_uncompressed_total_guard(corpus: dict[str, Case]) -> None:
    refused = _refusal(corpus["zipbomb-sheet-2gib.xlsx"].path, Limits(max_compression_ratio=10**9))
    assert refused.code == "file-limit-exceeded" and refused.params["limit"] == "解压后大小"


def test_ratio_guard(corpus: dict[str, Case]) -> None:
    refused = _refusal(corpus["zipbomb-ratio.xlsx"].path, Limits())
    assert "压缩比" in refused.params["limit"]


def test_area_guard_counts_cells_without_references(tmp_path: Path) -> None:
    # 2,000 cells in one row, none with a reference: placed one after another, they reach column 2000.
    body = "<row>" + "<c><v>1</v></c>" * 2000 + "</row>"
    path = write_xlsx(tmp_path / "norefs.xlsx", sheet_xml(rows=[], body=body))
    refused = _refusal(path, Limits())
    assert refused.params["actual"] == "2000"
    # A sheet written entirely without references, at a normal size, is read.
    rows = "".join("<row>" + "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in row) + "</row>"
                   for row in catalogue_rows())
    path = write_xlsx(tmp_path / "norefs-ok.xlsx", sheet_xml(rows=[], body=rows))
    loaded = sources.load(path, Limits())
    assert loaded.grids[0].rows[1][:2] == ["序号", "一级事项"]


def test_limits_are_configurable(corpus: dict[str, Case]) -> None:
    # The same benign file is refused once a documented limit is set below it.
    path = corpus["benign.xlsx"].path
    assert _refusal(path, Limits(max_columns=5)).params["actual"] == "11"
    assert _refusal(path, Limits(max_cells=20)).code == "file-limit-exceeded"
    assert _refusal(path, Limits(max_file_bytes=100)).params["limit"] == "文件大小"
    assert _refusal(path, Limits(max_uncompressed_bytes=1000)).params["limit"] == "解压后大小"
    loaded = sources.load(corpus["cell-40000.xlsx"].path, Limits(max_cell_chars=100))
    assert loaded.grids[0].long_cells and all(len(c) <= 100 for row in loaded.grids[0].rows for c in row)


def test_ods_repeats_are_measured_not_trusted(corpus: dict[str, Case]) -> None:
    # 1,048,000 blank padding rows (LibreOffice writes these) cost nothing; repeated content is counted.
    loaded = sources.load(corpus["ods-trailing-repeats.ods"].path, Limits())
    assert any("机关简介" in c for row in loaded.grids[0].rows for c in row)
    for name in ("ods-repeated-rows.ods", "ods-repeated-columns.ods", "ods-repeated-both.ods"):
        assert _refusal(corpus[name].path, Limits()).code == "file-limit-exceeded"
    assert _refusal(corpus["ods-repeated-both.ods"].path, Limits()).params["actual"] == "9005×900"


# ------------------------------------------------------------------- the isolated reader (layer two)


def test_isolation_turns_an_abort_into_a_refusal() -> None:
    with within(30):
        with pytest.raises(ReadRefused) as info:
            sources._isolated(os.abort, Limits(), time.monotonic())  # type: ignore[arg-type]
    assert info.value.code == "file-unreadable" and "信号 6" in info.value.params["reason"]


def test_isolation_enforces_the_time_budget() -> None:
    started = time.monotonic()
    with within(30), pytest.raises(ReadRefused) as info:
        sources._isolated(lambda: time.sleep(20), Limits(max_seconds=0.5), started)  # type: ignore[arg-type,return-value]
    assert info.value.params["limit"] == "读取时间"
    assert time.monotonic() - started < 5


def test_isolation_enforces_the_memory_budget() -> None:
    limits = Limits(max_memory_bytes=64 * 1024 * 1024)

    def hog() -> sources.LoadedFile:
        blocks = [bytearray(16 * 1024 * 1024) for _ in range(16)]  # 256 MB, four times the budget
        raise AssertionError(len(blocks))

    with within(30), pytest.raises(ReadRefused) as info:
        sources._isolated(hog, limits, time.monotonic())
    assert info.value.params["limit"] == "读取所需内存"


def test_far_corner_without_the_prescan_is_still_a_refusal(corpus: dict[str, Case], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Switch the package scan off: python-calamine now sees the XFD1048576 cell and dies in the child
    (it would abort the interpreter in-process); the parent answers with a refusal."""
    monkeypatch.setattr(sources, "scan_xlsx", lambda zf, limits: ooxml.PackageScan(kind="xlsx"))
    refused = _refusal(corpus["far-corner-XFD1048576.xlsx"].path, Limits())
    assert refused.code in ("file-unreadable", "file-limit-exceeded")


def test_isolated_read_returns_the_same_grids(corpus: dict[str, Case]) -> None:
    for name in ("benign.xlsx", "benign.xls", "benign.ods", "real-openpyxl.xlsx"):
        forked = sources.load(corpus[name].path, Limits())
        inline = sources.load(corpus[name].path, Limits(isolate=False))
        assert [g.rows for g in forked.grids] == [g.rows for g in inline.grids]
        assert [g.hyperlinks for g in forked.grids] == [g.hyperlinks for g in inline.grids]
        assert forked.grids[0].rows[2][1] in ("机构信息", "1")


# --------------------------------------------------- the isolated reader through the zygote (many files)


def test_zygote_reads_give_the_same_grids_as_direct_forks(corpus: dict[str, Case]) -> None:
    names = ("benign.xlsx", "benign.xls", "benign.ods", "real-openpyxl.xlsx")
    direct = [sources.load(corpus[n].path, Limits()) for n in names]
    with within(60), zygote.reading_many():
        served = [sources.load(corpus[n].path, Limits()) for n in names]
        assert zygote._client is not None and zygote._client.proc.poll() is None  # they really went through it
    assert [[g.rows for g in f.grids] for f in served] == [[g.rows for g in f.grids] for f in direct]
    assert [[g.hyperlinks for g in f.grids] for f in served] == [[g.hyperlinks for g in f.grids] for f in direct]
    assert zygote._client is None  # the block stopped its zygote


def test_zygote_child_abort_is_a_refusal(corpus: dict[str, Case], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """With our package scan switched off, calamine dies on the far-corner cell in the zygote's child."""
    monkeypatch.setattr(sources, "scan_xlsx", lambda zf, limits: ooxml.PackageScan(kind="xlsx"))
    with zygote.reading_many():
        refused = _refusal(corpus["far-corner-XFD1048576.xlsx"].path, Limits())
        ok = sources.load(corpus["benign.xlsx"].path, Limits())  # and the next file is read as usual
    assert refused.code in ("file-unreadable", "file-limit-exceeded")
    assert ok.grids and ok.grids[0].rows


def test_zygote_child_memory_cap_is_a_refusal(corpus: dict[str, Case]) -> None:
    with zygote.reading_many():
        refused = _refusal(corpus["benign.xlsx"].path, Limits(max_memory_bytes=1))
    assert refused.code in ("file-unreadable", "file-limit-exceeded")


def test_a_dead_zygote_is_replaced(corpus: dict[str, Case]) -> None:
    with within(60), zygote.reading_many():
        sources.load(corpus["benign.xlsx"].path, Limits())
        first = zygote._client
        assert first is not None
        first.proc.kill()
        first.proc.wait()
        # The read that finds it gone falls back to a direct fork; the one after gets a new zygote.
        assert sources.load(corpus["benign.xlsx"].path, Limits()).grids
        assert sources.load(corpus["benign.xlsx"].path, Limits()).grids
        assert zygote._client is not None and zygote._client is not first


def test_a_process_forked_inside_the_block_gets_its_own_zygote(corpus: dict[str, Case]) -> None:
    with within(60), zygote.reading_many():
        sources.load(corpus["benign.xlsx"].path, Limits())
        parent_zygote = zygote._client
        pid = os.fork()
        if pid == 0:  # a compile worker, in effect
            code = 1
            try:
                loaded = sources.load(corpus["benign.xlsx"].path, Limits())
                mine = zygote._client
                code = 0 if loaded.grids and mine is not None and mine is not parent_zygote else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


# ------------------------------------------------------------------------------ names and folders


def test_hostile_file_names_are_reported_as_given(corpus: dict[str, Case], tmp_path: Path) -> None:
    named = [c for c in corpus.values() if c.name.startswith("name:")]
    bad = hostile_name_bytes(tmp_path, corpus["benign.xlsx"].path)
    paths = [str(c.path) for c in named] + [str(bad)]
    proc = subprocess.run([sys.executable, "-m", "zwgk", "check", "--format", "json", "--", *paths],
                          capture_output=True, timeout=READ_SECONDS, cwd=ROOT)
    assert proc.returncode in (0, 1), proc.stderr[-400:]
    assert b"Traceback" not in proc.stdout + proc.stderr
    # The name that is not UTF-8 comes back byte for byte (surrogate-escaped), so decode the same way.
    report = json.loads(proc.stdout.decode("utf-8", "surrogateescape"))
    assert len(report["files"]) == len(paths)
    assert all(f["readable"] for f in report["files"])
    # Text output too (the terminal writer must cope with a name that is not valid UTF-8).
    proc = subprocess.run([sys.executable, "-m", "zwgk", "check", "--", *paths], capture_output=True,
                          timeout=READ_SECONDS, cwd=ROOT)
    assert proc.returncode in (0, 1) and b"Traceback" not in proc.stdout + proc.stderr, proc.stderr[-400:]


def test_annotated_copies_stay_in_their_folder(corpus: dict[str, Case], tmp_path: Path) -> None:
    out = tmp_path / "annotated"
    out.mkdir()
    paths = [str(c.path) for c in corpus.values() if c.name.startswith("name:")]
    res = CliRunner().invoke(cli, ["check", "--annotate", str(out), "--", *paths])
    assert res.exit_code in (0, 1), res.output
    written = [p for p in tmp_path.rglob("*.检查结果.xlsx")]
    assert written and all(p.parent == out for p in written)
    assert not list(corpus["benign.xlsx"].path.parent.parent.glob("*.检查结果.xlsx"))


def test_folder_of_ten_thousand_empty_files(tmp_path: Path, ctx) -> None:  # type: ignore[no-untyped-def]
    folder = empty_folder(tmp_path)
    files = sorted(folder.iterdir())
    assert len(files) == 10_000
    started = time.monotonic()
    with within(120, "10,000 empty files"):
        results = [check_file(f, ctx=ctx) for f in files]
    assert time.monotonic() - started < 60
    assert all(not r.readable and [f.code for f in r.findings] == ["file-unreadable"] for r in results)
    assert {r.path for r in results} == {str(f) for f in files}
    res = CliRunner().invoke(cli, ["check", "--format", "json", *map(str, files)])
    assert res.exit_code == 2
    report = json.loads(res.output)
    assert len(report["files"]) == 10_000 and not any(f["readable"] for f in report["files"])


def test_a_folder_instead_of_a_file(tmp_path: Path, ctx) -> None:  # type: ignore[no-untyped-def]
    result = check_file(tmp_path, ctx=ctx)
    assert not result.readable and "文件夹" in result.findings[0].params["reason"]


# ------------------------------------------------------------------------------ compile goes on


def test_compile_goes_on_and_names_each_refused_file(corpus: dict[str, Case], tmp_path: Path) -> None:
    compile_mod = pytest.importorskip("zwgk.compiler.compile")
    folder = tmp_path / "submissions"
    folder.mkdir()
    refused = ["far-corner-XFD1048576.xlsx", "zipbomb-sheet-2gib.xlsx", "billion-laughs-sheet.xlsx",
               "encrypted.xlsx", "truncated.xlsx", "dimension-lies.xls", "ods-repeated-both.ods"]
    for name in [*refused, "benign.xlsx"]:
        (folder / name).write_bytes(corpus[name].path.read_bytes())
    with within(180, "compile"):
        result = compile_mod.compile_district(folder, tmp_path / "build", as_of="2026-01-01", jobs=1)
    assert result.unreadable == len(refused)
    assert result.items >= 3  # the benign file's rows are in the catalogue
    findings = json.loads((tmp_path / "build" / "catalogue.json").read_text(encoding="utf-8"))["findings"]
    named = {f["path"] for f in findings if f["code"] in ("file-unreadable", "file-limit-exceeded", "file-encrypted")}
    assert set(refused) <= {Path(p).name for p in named if p}


# ------------------------------------------------------------------------------ exports


def _formula_cells(path: Path) -> list[tuple[str, str, object]]:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    return [(ws.title, c.coordinate, c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "f"]


INJECTIONS = ['=HYPERLINK("http://evil.example")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)"]


def test_annotated_copy_of_csv_carries_no_formula(tmp_path: Path, ctx) -> None:  # type: ignore[no-untyped-def]
    """A rebuilt copy (csv/xls/ods → xlsx) writes cell text that starts with = + - @ as text, not formulas."""
    from openpyxl import load_workbook
    from zwgk.compiler.emit.annotate import annotate

    rows = [["宝山区财政局政务公开标准目录"], ["序号", "一级事项", "二级事项", "公开内容(要素)", "公开依据"],
            ["1", *INJECTIONS]]
    src = tmp_path / "注入.csv"
    src.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    out = tmp_path / "out.xlsx"
    annotate(src, check_file(src, ctx=ctx), out)
    assert _formula_cells(out) == []
    values = {c.value for ws in load_workbook(out).worksheets for row in ws.iter_rows() for c in row}
    for text in INJECTIONS:
        assert text not in values and "'" + text in values


def test_annotated_copy_of_xlsx_keeps_text_as_text(corpus: dict[str, Case], tmp_path: Path, ctx) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook
    from zwgk.compiler.emit.annotate import annotate

    src = corpus["formula-injection-text.xlsx"].path
    out = tmp_path / "out.xlsx"
    annotate(src, check_file(src, ctx=ctx), out)
    assert _formula_cells(out) == []  # the injected strings were strings in the source and stay strings
    ws = load_workbook(out)["财政预决算"]
    assert {ws["B3"].data_type, ws["C3"].data_type} == {"s"}


@given(st.text(max_size=200))
@settings(max_examples=400, deadline=None)
def test_safe_filename_stays_in_its_folder(name: str) -> None:
    from zwgk.compiler.emit.safe import safe_filename

    out = safe_filename(name)
    assert out and len(out) <= 80
    assert "/" not in out and "\\" not in out and "\x00" not in out and out not in (".", "..")
    assert not any(ch in out for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
    assert not any(ord(ch) < 32 or ord(ch) == 127 for ch in out)
    root = Path("/srv/site/units")
    assert (root / out).resolve().parent == root


@pytest.mark.parametrize("name", ["../../etc/passwd", "..", ".", "区教育局/../../x", "．．／．．／x", "‥/x", "a\\..\\b",
                                  "\u202egnp.exe", "con\x00trol\n", "", " . ", "宝山区" * 100])
def test_safe_filename_examples(name: str) -> None:
    from zwgk.compiler.emit.safe import safe_filename

    out = safe_filename(name)
    root = Path("/srv/site")
    assert (root / out).resolve().parent == root and ".." not in out and "/" not in out
