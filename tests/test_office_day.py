"""The district office's day: a folder of submissions as units really send them, compiled and followed up.

Every file in the folder must be accounted for (read, skipped with a reason, or refused with one sentence),
nothing silently merged, and the summary must say what the office has to chase.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
from builders import national, sample_item, shanghai, write
from zwgk.compiler.compile import CompileResult, compile_district, discover_files
from zwgk.compiler.manifest import ManifestError
from zwgk.compiler.reports.status import status_report
from zwgk.validators.catalogue import Catalogue

from zwgk.cli import main
from zwgk.commands.compile import chase_lines, summary_lines

AS_OF = "2020-09-30"
GBK_NAME = "宝山区卫生健康委.xlsx"


def _item(n: int, **kw: Any) -> dict[str, Any]:
    return sample_item(n, **kw)


def _sheet(items: list[dict[str, Any]], domain: str, unit: str | None, title: str | None = None) -> Any:
    return national(items, name=domain, title=title or f"{unit or ''}{domain}领域政务公开标准目录", unit=unit)


def _can_write_raw_names(folder: Path) -> bool:
    probe = bytes(folder) + b"/\xb1\xa6probe"
    try:
        with open(probe, "wb"):
            pass
        os.remove(probe)
        return True
    except OSError:
        return False


def office_folder(root: Path) -> dict[str, str]:
    """The folder; returns {file on disk (display name) → what the office expects of it}."""
    root.mkdir(parents=True)
    expect: dict[str, str] = {}

    def xlsx(name: str, sheets: list[Any]) -> None:
        write(root / name, sheets)
        expect[name] = "read"

    xlsx("宝山区教育局政务公开标准目录（定稿）.xlsx", [_sheet([_item(1), _item(2, level2="招生计划")], "义务教育", "宝山区教育局")])
    # Two versions of one catalogue from 区民政局.
    mz = [_item(1, level1="社会救助", level2="低保标准", subject="区民政局"),
          _item(2, level1="养老服务", level2="养老机构名录", subject="区民政局")]
    xlsx("宝山区民政局目录v1.xlsx", [_sheet(mz, "社会救助", "宝山区民政局")])
    xlsx("宝山区民政局目录v2（修改后）.xlsx", [_sheet([dict(mz[0], time_limit="10个工作日内"), mz[1]], "社会救助", "宝山区民政局")])
    # One file per domain from 区财政局 (no item in common): not a version.
    xlsx("宝山区财政局-财政预决算.xlsx", [_sheet([_item(1, level1="预算", level2="部门预算", subject="区财政局")], "财政预决算", "宝山区财政局")])
    write(root / "宝山区财政局-综合政务.csv", [shanghai([_item(2, level1="机构信息", level2="机关简介", subject="区财政局")],
                                                   title="宝山区财政局政务公开标准目录")], encoding="gb18030")
    expect["宝山区财政局-综合政务.csv"] = "read"
    # The unit only in the title; the former name 区环保局; a sub-folder with an .ods.
    xlsx("目录汇总（终稿）.xlsx", [national([_item(1, level1="法律援助", level2="法律援助申请", subject="区司法局")],
                                       name="公共法律服务", title="宝山区司法局公共法律服务领域基层政务公开标准目录", unit=None, date=None)])
    xlsx("宝山区环保局公开目录.xlsx", [_sheet([_item(1, level1="环境监管", level2="环评审批", subject="区环保局")], "生态环境", "宝山区环保局")])
    (root / "街镇").mkdir()
    write(root / "街镇" / "大场镇政务公开标准目录.ods",
          [_sheet([_item(1, levels=["街镇级"], subject="大场镇人民政府", level1="救助对象认定", level2="最低生活保障")], "社会救助", "大场镇人民政府")])
    expect["街镇/大场镇政务公开标准目录.ods"] = "read"
    # What else lands in the folder.
    (root / "~$宝山区教育局政务公开标准目录（定稿）.xlsx").write_bytes(b"\x0bWPS" + b"\x00" * 160)
    expect["~$宝山区教育局政务公开标准目录（定稿）.xlsx"] = "file-skipped-temp"
    (root / ".~lock.宝山区民政局目录v1.xlsx#").write_text(",wps,PC-01;", encoding="utf-8")
    expect[".~lock.宝山区民政局目录v1.xlsx#"] = "file-skipped-temp"
    for junk in ("desktop.ini", "Thumbs.db", ".DS_Store"):
        (root / junk).write_bytes(b"\x00junk")
        expect[junk] = "file-skipped-system"
    (root / "关于印发工作要点的通知.docx").write_bytes(b"PK\x03\x04 not really")
    (root / "宝府办〔2020〕14号.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    expect["关于印发工作要点的通知.docx"] = expect["宝府办〔2020〕14号.pdf"] = "file-skipped"
    inner = io.BytesIO()
    write(root.parent / "inner.xlsx", [_sheet([_item(1, subject="区文化旅游局")], "公共文化服务", "宝山区文化旅游局")])
    with zipfile.ZipFile(inner, "w") as z:
        z.write(root.parent / "inner.xlsx", "宝山区文化旅游局.xlsx")
        z.writestr("说明.txt", "第二批")
    (root / "第二批报送材料.zip").write_bytes(inner.getvalue())
    expect["第二批报送材料.zip"] = "file-skipped-archive"
    (root / "宝山区水务局政务公开标准目录.xlsx").write_bytes(b"")
    expect["宝山区水务局政务公开标准目录.xlsx"] = "file-unreadable"
    if _can_write_raw_names(root):
        write(root.parent / "gbk.xlsx", [_sheet([_item(1, level1="医疗服务", level2="医疗机构名录", subject="区卫生健康委")],
                                                "医疗卫生", "宝山区卫生健康委")])
        os.rename(bytes(root.parent / "gbk.xlsx"), bytes(root) + b"/" + GBK_NAME.encode("gbk"))
        expect[GBK_NAME] = "read"
    return expect


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], CompileResult, Catalogue]:
    root = tmp_path_factory.mktemp("office")
    expect = office_folder(root / "sub")
    result = compile_district(root / "sub", root / "build", as_of=AS_OF, jobs=2)
    return root, expect, result, result.catalogue()


def test_every_file_is_read_skipped_with_its_reason_or_refused(day: tuple[Path, dict[str, str], CompileResult, Catalogue]) -> None:
    _, expect, result, cat = day
    read = {i.source.path for i in cat.items}
    by_path: dict[str, set[str]] = {}
    for f in cat.findings:
        if f.path:
            by_path.setdefault(f.path, set()).add(f.code)
    for name, fate in expect.items():
        if fate == "read":
            assert name in read, name
        else:
            assert fate in by_path.get(name, set()), (name, by_path.get(name))
            assert name not in read
    assert result.skipped_files == {n: c for n, c in expect.items() if c.startswith("file-skipped")}
    assert result.skipped == len(result.skipped_files)
    assert result.exit_code == 1


def test_an_archive_says_what_it_holds_and_to_unpack_it(day: tuple[Path, dict[str, str], CompileResult, Catalogue]) -> None:
    cat = day[3]
    [archive] = [f for f in cat.findings if f.code == "file-skipped-archive"]
    assert archive.severity == "warning"
    assert archive.params["files"] == "宝山区文化旅游局.xlsx" and archive.params["count"] == "1"
    assert "解压" in archive.message
    # Its unit is still reported as not submitted: nothing inside was compiled.
    assert "区文化旅游局" in day[2].not_submitted


def test_a_gbk_file_name_is_read_under_its_chinese_name(day: tuple[Path, dict[str, str], CompileResult, Catalogue]) -> None:
    _, expect, _, cat = day
    if GBK_NAME not in expect:
        pytest.skip("this file system does not store non-UTF-8 file names")
    assert {i.unit for i in cat.items if i.source.path == GBK_NAME} == {"区卫生健康委"}
    assert [f.code for f in cat.findings if f.path == GBK_NAME and f.code == "file-name-not-utf8"] == ["file-name-not-utf8"]
    # The outputs are valid UTF-8 text throughout.
    json.loads((day[0] / "build" / "issues.json").read_bytes().decode("utf-8"))


def test_an_unreadable_file_is_charged_to_the_unit_its_name_gives(day: tuple[Path, dict[str, str], CompileResult, Catalogue]) -> None:
    _, _, result, cat = day
    name = "宝山区水务局政务公开标准目录.xlsx"
    assert result.unreadable_units == {name: "区水务局"}
    assert not any(u.name == "宝山区水务局政务公开标准目录" for u in cat.units)
    [water] = [u for u in cat.units if u.name == "区水务局"]
    assert water.files == [name]
    status = status_report(cat, dt_as_of())
    gaps = {g.code for m in status.unit("区水务局").milestones for g in m.gaps}
    assert "unreadable" in gaps and "no-items" not in gaps


def dt_as_of() -> Any:
    import datetime as dt

    return dt.date.fromisoformat(AS_OF)


def test_two_versions_of_one_catalogue_are_an_error_two_domains_are_not(
        day: tuple[Path, dict[str, str], CompileResult, Catalogue]) -> None:
    _, _, result, cat = day
    versions = [f for f in cat.findings if f.code == "unit-file-versions"]
    assert {(f.unit, f.path, f.params["other"]) for f in versions} == {
        ("区民政局", "宝山区民政局目录v2（修改后）.xlsx", "宝山区民政局目录v1.xlsx"),
    }
    assert versions[0].severity == "error" and versions[0].params["count"] == "2"
    # Both versions' items are in the catalogue (nothing dropped on a guess) and the office is told.
    assert sum(1 for i in cat.items if i.unit == "区民政局") == 4
    assert set(result.multi_file_units) == {"区民政局", "区财政局"}
    assert not any(f.unit == "区财政局" for f in cat.findings if f.code in ("unit-file-versions", "unit-files-overlap"))


def test_a_partial_overlap_is_a_warning_at_the_repeated_item(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    shared = _item(9, level1="机构信息", level2="机关简介", subject="区财政局")
    write(src / "财政局-预决算.xlsx", [_sheet([shared] + [_item(k, level1="预算", level2=f"预算{k}", subject="区财政局")
                                                     for k in range(4)], "财政预决算", "宝山区财政局")])
    write(src / "财政局-综合.xlsx", [_sheet([shared] + [_item(k, level1="政策", level2=f"文件{k}", subject="区财政局")
                                                  for k in range(4)], "财政预决算", "宝山区财政局")])
    result = compile_district(src, tmp_path / "build", as_of=AS_OF, jobs=1)
    [overlap] = [f for f in result.catalogue().findings if f.code == "unit-files-overlap"]
    assert overlap.severity == "warning" and overlap.params["count"] == "1" and overlap.row is not None
    assert overlap.params["item"] == "机构信息 / 机关简介"
    assert not any(f.code == "unit-file-versions" for f in result.catalogue().findings)


def test_the_former_name_and_the_title_place_files_in_the_roster(day: tuple[Path, dict[str, str], CompileResult, Catalogue]) -> None:
    cat = day[3]
    units = {i.source.path: i.unit for i in cat.items}
    assert units["宝山区环保局公开目录.xlsx"] == "区生态环境局"
    assert units["目录汇总（终稿）.xlsx"] == "区司法局"
    assert units["街镇/大场镇政务公开标准目录.ods"] == "大场镇"
    assert day[2].extra_unit_files == {}


def test_the_summary_names_what_to_chase(day: tuple[Path, dict[str, str], CompileResult, Catalogue]) -> None:
    result = day[2]
    zh = "\n".join(summary_lines(result, "zh"))
    assert "无法读取（请单位重交）：宝山区水务局政务公开标准目录.xlsx（区水务局）" in zh
    assert "区民政局（2 个：宝山区民政局目录v1.xlsx、宝山区民政局目录v2（修改后）.xlsx）" in zh
    assert "压缩包（未解压） 1（第二批报送材料.zip）" in zh
    assert "系统文件 3" in zh and "临时/锁定文件 2" in zh
    assert f"未提交：{len(result.not_submitted)} 个单位" in zh
    en = "\n".join(summary_lines(result, "en"))
    assert "unreadable (ask for a new copy): 宝山区水务局政务公开标准目录.xlsx (区水务局)" in en
    assert "archive (not unpacked) 1" in en and "系统文件" not in en


def test_recompiling_with_nothing_changed_repeats_the_chase_list(day: tuple[Path, dict[str, str], CompileResult, Catalogue]) -> None:
    root, _, first, _ = day
    again = compile_district(root / "sub", root / "build", as_of=AS_OF, jobs=1)
    assert again.up_to_date
    assert list(chase_lines(again)) == list(chase_lines(first)) != []


def test_discovery_keeps_hidden_folders_out_and_reads_macos_leftovers_as_system_files(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.xlsx").write_bytes(b"")
    (tmp_path / "__MACOSX").mkdir()
    (tmp_path / "__MACOSX" / "._a.xlsx").write_bytes(b"\x00")
    (tmp_path / "._b.xlsx").write_bytes(b"\x00")
    (tmp_path / "c.xlsx").write_bytes(b"")
    found = discover_files(tmp_path, [])
    assert found.files == ["c.xlsx"]
    assert [(s.rel, s.code) for s in found.skipped] == [("._b.xlsx", "file-skipped-system")]


def _manifest(tmp_path: Path, text: str) -> Path:
    src = tmp_path / "in"
    src.mkdir(exist_ok=True)
    write(src / "宝山区教育局政务公开标准目录（定稿）.xlsx", [_sheet([_item(1)], "义务教育", "宝山区教育局")])
    (src / "zwgk.toml").write_text(text, encoding="utf-8")
    return src


TYPOS = """
[[files]]
path = "宝山区教育局政务公开标准目录(定稿).xlsx"
unit = "区教育局"
[[not_involved]]
unit = "罗店"
domain = "扶贫"
reason = "本镇无建档立卡贫困户。"
[[not_involved]]
unit = "罗店镇"
domian = "就业"
reason = "由区人社局统一公开。"
"""


def test_a_manifest_with_three_typos_names_all_three_with_fixes(tmp_path: Path) -> None:
    src = _manifest(tmp_path, TYPOS)
    with pytest.raises(ManifestError) as raised:
        compile_district(src, tmp_path / "build", as_of=AS_OF, jobs=1)
    zh, en = raised.value.message("zh"), raised.value.message("en")
    assert "有 3 处错误" in zh and len(zh.splitlines()) == 4
    assert "是否应为「宝山区教育局政务公开标准目录（定稿）.xlsx」？" in zh
    assert "是否应为「罗店镇」？" in zh and "是否应为「domain」？" in zh
    assert "has 3 mistakes" in en and "Did you mean 'domain'?" in en
    assert not (tmp_path / "build").exists()


def test_one_mistake_stays_one_sentence(tmp_path: Path) -> None:
    src = _manifest(tmp_path, '[[not_involved]]\nunit = "罗店"\ndomain = "扶贫"\nreason = "无"\n')
    with pytest.raises(ManifestError) as raised:
        compile_district(src, tmp_path / "build", as_of=AS_OF, jobs=1)
    assert len(raised.value.message("zh").splitlines()) == 1


def test_a_far_off_path_gets_no_wild_guess(tmp_path: Path) -> None:
    src = _manifest(tmp_path, '[[files]]\npath = "区城管执法局.xlsx"\nunit = "区城管执法局"\n')
    with pytest.raises(ManifestError) as raised:
        compile_district(src, tmp_path / "build", as_of=AS_OF, jobs=1)
    assert "是否应为" not in raised.value.message("zh") and "请检查文件名" in raised.value.message("zh")


def test_the_day_on_the_command_line(day: tuple[Path, dict[str, str], CompileResult, Catalogue], tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    root = day[0]
    build = tmp_path / "build"
    codes = {}
    for name, argv in [
        ("compile", ["compile", str(root / "sub"), "-o", str(build), "--as-of", AS_OF, "--jobs", "2", "--lang", "en"]),
        ("audit", ["audit", str(build)]),
        ("status", ["status", str(build), "--lang", "en"]),
        ("pairs", ["pairs", str(build)]),
        ("site", ["site", str(build), "-o", str(tmp_path / "site")]),
        ("diff", ["diff", str(root / "build"), str(build)]),
    ]:
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        codes[name] = exit_.value.code
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err + captured.out and "内部错误" not in captured.err, name
    assert codes == {"compile": 1, "audit": 1, "status": 1, "pairs": 1, "site": 0, "diff": 0}
    assert (tmp_path / "site" / "index.html").is_file()
    # --lang en changes the worded findings, not the items: the two builds hold the same catalogue.
    with pytest.raises(SystemExit) as exit_:
        main(["diff", str(root / "build"), str(tmp_path / "nonexistent")])
    assert exit_.value.code == 2


def test_diff_says_who_submitted_since_and_which_files_came_and_went(tmp_path: Path) -> None:
    from zwgk.compiler.diff import diff_catalogues, render_text

    src = tmp_path / "in"
    src.mkdir()
    mz = [_item(1, level1="社会救助", level2="低保标准", subject="区民政局")]
    write(src / "区民政局v1.xlsx", [_sheet(mz, "社会救助", "宝山区民政局")])
    write(src / "区民政局v2.xlsx", [_sheet(mz, "社会救助", "宝山区民政局")])
    compile_district(src, tmp_path / "old", as_of=AS_OF, jobs=1)
    (src / "区民政局v1.xlsx").unlink()
    write(src / "宝山区文化旅游局.xlsx", [_sheet([_item(1, subject="区文化旅游局")], "公共文化服务", "宝山区文化旅游局")])
    compile_district(src, tmp_path / "new", as_of=AS_OF, jobs=1)
    d = diff_catalogues(tmp_path / "old", tmp_path / "new")
    assert d.units_submitted == ["区文化旅游局"] and d.units_withdrawn == []
    assert d.files_added == ["宝山区文化旅游局.xlsx"] and d.files_removed == ["区民政局v1.xlsx"]
    text = list(render_text(d))
    assert "新提交的单位：区文化旅游局" in text and "移除文件：区民政局v1.xlsx" in text
    assert d.to_json()["files_removed"] == ["区民政局v1.xlsx"]
    assert "units that submitted since: 区文化旅游局" in list(render_text(d, "en"))
