"""`zwgk diff OLD NEW`: two compilations compared item by item."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_compile_support import AS_OF, item, mixed_district, write_district
from zwgk.compiler.compile import compile_district
from zwgk.compiler.diff import diff_catalogues, render_text

from zwgk.cli import main

SETTINGS = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                          HealthCheck.too_slow])


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("base")
    write_district(root / "in", mixed_district())
    compile_district(root / "in", root / "build", as_of=AS_OF, jobs=1)
    return root / "build"


def test_diff_of_a_compilation_with_itself_is_empty(base: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = diff_catalogues(base, base / "catalogue.json")
    assert d.same and not d.added and not d.removed and not d.changed and d.exit_code == 0
    with pytest.raises(SystemExit) as exit_:
        main(["diff", str(base), str(base)])
    assert exit_.value.code == 0 and "两次汇编的事项完全相同" in capsys.readouterr().out


EDITS = st.sampled_from([
    ("区教育局", 0, "time_limit", "5个工作日内"),
    ("区教育局", 1, "basis", "《中华人民共和国义务教育法》"),
    ("区民政局", 0, "subject", "宝山区民政局社会救助科"),
    ("区民政局", 1, "content", "审核对象名单"),  # changes the id: paired again by unit + domain + names
    ("罗店镇", 0, "level2", "低保办事指南"),  # changes the id: paired again by unit + domain + content
    ("区教育局", 2, "channels", ["政府网站"]),
    ("区教育局", 3, "audience", ["特定群众"]),
])


@SETTINGS
@given(edit=EDITS)
def test_diff_after_one_edit_names_exactly_that_edit(edit: tuple[str, int, str, object], base: Path,
                                                     tmp_path_factory: pytest.TempPathFactory) -> None:
    unit, index, field, value = edit
    root = tmp_path_factory.mktemp("edit")
    district = mixed_district()
    flat = [it for _, items in district[unit] for it in items]
    old_value = flat[index][field]
    flat[index][field] = value
    write_district(root / "in", district)
    compile_district(root / "in", root / "build", as_of=AS_OF, jobs=1)
    d = diff_catalogues(base, root / "build")
    assert not d.added and not d.removed
    [change] = d.changed
    assert [(c.field, c.old, c.new) for c in change.changes] == [(field, old_value, value)]
    assert change.new["unit"] == unit
    lines = list(render_text(d))
    assert "新增 0 个事项，删除 0 个，修改 1 个。" in lines


def test_added_and_removed_items(base: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    district = mixed_district()
    removed = district["区民政局"][0][1].pop()
    district["区教育局"][0][1].append(item(99, "民办学校信息", "民办学校办学基本信息", subject="区教育局"))
    write_district(tmp_path / "in", district)
    compile_district(tmp_path / "in", tmp_path / "build", as_of=AS_OF, jobs=1)
    d = diff_catalogues(base, tmp_path / "build")
    assert [(i["level1"], i["level2"]) for i in d.added] == [("民办学校信息", "民办学校办学基本信息")]
    assert [(i["level1"], i["level2"]) for i in d.removed] == [(removed["level1"], removed["level2"])]
    assert not d.changed
    with pytest.raises(SystemExit) as exit_:
        main(["diff", str(base), str(tmp_path / "build"), "--format", "json"])
    assert exit_.value.code == 1
    data = json.loads(capsys.readouterr().out)
    assert data["same"] is False and len(data["added"]) == 1 and data["added"][0]["unit"] == "区教育局"
    with pytest.raises(SystemExit) as exit_:
        main(["diff", str(base), str(tmp_path / "build"), "--lang", "en"])
    out = capsys.readouterr().out
    assert exit_.value.code == 1 and "1 added, 1 removed, 0 changed." in out


def test_unreadable_input_exits_2(base: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "other.json").write_text('{"items": [{"name": "x"}]}', encoding="utf-8")
    for other, words in ((tmp_path / "missing", "找不到"), (tmp_path / "bad.json", "不是有效的 JSON"),
                         (tmp_path / "other.json", "不是 zwgk compile 生成的目录")):
        with pytest.raises(SystemExit) as exit_:
            main(["diff", str(base), str(other)])
        assert exit_.value.code == 2
        assert words in capsys.readouterr().err
