"""`zwgk compile` kept between compiles: a recompile after an edit writes what a cold compile writes.

Each file's part (its items matched, its catalogue.json lines, its findings worded) and its catalogue.xlsx
rows are kept under BUILD/.cache; the fast writers (graph text, xlsx rows) must give the bytes of the
generic ones.  Every test compares whole output files byte for byte.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from builders import national, write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_compile_support import AS_OF, item, mixed_district, output_bytes, write_district
from zwgk.catalogs.vocabulary import load_vocabulary
from zwgk.compiler import compile as compile_module
from zwgk.compiler.compile import compile_district
from zwgk.compiler.emit.catalogue_xlsx import (
    ID_COLUMN,
    PreparedRow,
    RowPart,
    _usable,
    write_catalogue_xlsx,
)
from zwgk.compiler.emit.graph_export import write_graph
from zwgk.compiler.emit.workbook import StreamingWorkbook
from zwgk.compiler.graph import edges, graph_attributes, nodes
from zwgk.validators.rules.links import link_problem

VOCAB = load_vocabulary()


def _extra_file(root: Path, unit: str, items: list[dict[str, object]], name: str) -> None:
    """A second workbook of ``unit`` (its 填报单位 line names the unit)."""
    write(root / name, [national(items, name="义务教育", title=f"宝山{unit}补充目录", unit=f"宝山{unit}", link_label="链接")])


def _edit_content(root: Path) -> None:
    d = mixed_district()
    sheet, items = d["区教育局"][0]
    items[0] = {**items[0], "content": "改过的公开内容"}
    write_district(root, {"区教育局": [(sheet, items)]})


def _add_item(root: Path) -> None:
    d = mixed_district()
    sheet, items = d["罗店镇"][0]
    write_district(root, {"罗店镇": [(sheet, [*items, item(77, "新增事项", "新增子项")])]})


def _remove_file(root: Path) -> None:
    (root / "罗店镇.xlsx").unlink()


def _duplicate_shifts_ids(root: Path) -> None:
    # 区教育局-补充.xlsx sorts before 区教育局.xlsx: its copy of an item takes the plain id and the unchanged
    # file's copy becomes -2, so a kept part of the unchanged file must not be reused as it was.
    _, items = mixed_district()["区教育局"][0]
    _extra_file(root, "区教育局", [items[0]], "区教育局-补充.xlsx")


EDITS: dict[str, Callable[[Path], None]] = {
    "content": _edit_content, "add-item": _add_item, "remove-file": _remove_file, "duplicate": _duplicate_shifts_ids,
}


@pytest.mark.parametrize("edit", sorted(EDITS))
@pytest.mark.parametrize("jobs", [1, 2])
def test_warm_compile_after_an_edit_equals_a_cold_one(edit: str, jobs: int, tmp_path: Path) -> None:
    src = tmp_path / "in"
    write_district(src, mixed_district())
    warm = tmp_path / "warm"
    first = compile_district(src, warm, as_of=AS_OF, jobs=jobs)
    assert first.read == first.files
    assert list((warm / ".cache").rglob("*.rows.json")), "rendered xlsx rows are kept"
    EDITS[edit](src)
    again = compile_district(src, warm, as_of=AS_OF, jobs=jobs)
    changed = {"content": 1, "add-item": 1, "remove-file": 0, "duplicate": 1}[edit]
    assert again.read == changed and again.cached == again.files - changed
    cold = tmp_path / "cold"
    compile_district(src, cold, as_of=AS_OF, jobs=jobs)
    assert output_bytes(warm) == output_bytes(cold)
    if edit == "duplicate":
        ids = [i["id"] for i in json.loads((cold / "catalogue.json").read_text(encoding="utf-8"))["items"]]
        assert any(i.endswith("-2") for i in ids)


def test_damaged_parts_are_rebuilt_not_trusted(tmp_path: Path) -> None:
    src = tmp_path / "in"
    write_district(src, mixed_district())
    build = tmp_path / "build"
    compile_district(src, build, as_of=AS_OF, jobs=1)
    expected = output_bytes(build)
    for p in (build / ".cache").rglob("*.json"):
        p.write_text('{"info": [1, 2]' if p.name.endswith(".rows.json") else "[", encoding="utf-8")
    result = compile_district(src, build, as_of=AS_OF, jobs=1, force=True)
    assert result.read == result.files  # damaged parts and read results are misses: every file is read again
    assert output_bytes(build) == expected


def test_fast_graph_writer_gives_the_generic_writers_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "in"
    district = mixed_district()
    sheet, items = district["区教育局"][0]
    items.append(item(80, "A & <B>", '"引号"', links=["https://www.shbsq.gov.cn/a?x=1&y=<2>"], domain=None))
    items.append(item(81, "集中购买", "政府集中购买项目的目录标准"))  # a fuzzy clause candidate (may_satisfy)
    write_district(src, district)
    seen: list[compile_module.Compiled] = []
    real = compile_module._emit

    def keep(c: compile_module.Compiled, *args: object) -> None:
        seen.append(c)
        real(c, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(compile_module, "_emit", keep)
    compile_district(src, tmp_path / "build", as_of=AS_OF, jobs=1)
    c = seen[0]
    assert c.clause_candidates and any(m for e in c.entries for m in e.guideline)  # every kind of edge is there
    write_graph(tmp_path / "g.json", tmp_path / "g.graphml", graph_attributes(c), lambda: nodes(c), lambda: edges(c))
    assert (tmp_path / "g.json").read_bytes() == (tmp_path / "build" / "graph.json").read_bytes()
    assert (tmp_path / "g.graphml").read_bytes() == (tmp_path / "build" / "graph.graphml").read_bytes()


def _rows() -> list[dict[str, object]]:
    links = [["https://www.shbsq.gov.cn/zwgk/1.html"], ["ftp://files.example.org/x"], [],
             ["https://WWW.SHBSQ.GOV.CN/Upper"], ["https://www.shbsq.gov.cn/a b"], ["http://10.0.0.1:8080/x"],
             ["https://www.shbsq.gov.cn/1", "https://www.shbsq.gov.cn/2"]]
    rows = []
    for n in range(40):
        rows.append({"domain": "义务教育", "unit": "区教育局" if n % 3 else "区民政局", "seq": str(n) if n % 4 else None,
                     "level1": "招生管理", "level2": f"招生政策{n % 5}", "level3": "细则" if n == 7 else None,
                     "content": "=SUM(A1)" if n == 3 else f"内容 {n}<&>", "basis": "《条例》", "time_limit": "实时",
                     "subject": None, "channels": ("政府网站",) if n % 2 else ("政府网站", "公开查阅点"),
                     "audience": ("全社会",), "audience_note": None, "mode": ("主动",) if n % 5 else ("主动", "依申请公开"),
                     "levels": ("区级",), "links": tuple(links[n % len(links)]), "guideline_code": "YWJY-006" if n == 1 else None,
                     "extra": {ID_COLUMN: f"it-{n:04d}"}})
    return rows


def test_fast_xlsx_rows_give_the_shared_writers_bytes(tmp_path: Path) -> None:
    import datetime as dt

    rows = _rows()
    sheets = [("义务教育", rows[:25]), ("未识别领域", rows[25:])]
    write_catalogue_xlsx(tmp_path / "fast.xlsx", sheets, district="上海市宝山区", as_of=AS_OF, vocabulary=VOCAB)
    # The same sheets through the shared writer's own row writer (the base class).
    from zwgk.compiler.emit import catalogue_xlsx

    monkey = catalogue_xlsx._CatalogueWorkbook
    try:
        catalogue_xlsx._CatalogueWorkbook = StreamingWorkbook  # type: ignore[misc]
        write_catalogue_xlsx(tmp_path / "shared.xlsx", sheets, district="上海市宝山区", as_of=AS_OF, vocabulary=VOCAB)
    finally:
        catalogue_xlsx._CatalogueWorkbook = monkey  # type: ignore[misc]
    assert (tmp_path / "fast.xlsx").read_bytes() == (tmp_path / "shared.xlsx").read_bytes()
    # Rows brought already rendered (and one rendered for other columns: rendered again) give the same bytes.
    parts: list[RowPart] = []
    write_catalogue_xlsx(tmp_path / "a.xlsx", [("义务教育", [PreparedRow(r, None, parts.append) for r in rows])],
                         district="上海市宝山区", as_of=AS_OF, vocabulary=VOCAB)
    assert len(parts) == len(rows)
    stale = RowPart("other-plan", "<row/>", None)
    again = [PreparedRow(r, stale if n == 5 else p) for n, (r, p) in enumerate(zip(rows, parts, strict=True))]
    write_catalogue_xlsx(tmp_path / "b.xlsx", [("义务教育", again)], district="上海市宝山区", as_of=AS_OF, vocabulary=VOCAB)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    assert dt.date.fromisoformat(AS_OF)  # the date the files carry comes from as_of, not the clock


_URL_CHARS = st.sampled_from(list("abcxyz019-._~:/?#[]@!$&'()*+,;=% ABCZ\t") + ["中", "\u3000", "é"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scheme=st.sampled_from(["http://", "https://", "HTTP://", "ftp://", "", "https:/"]),
       host=st.lists(st.sampled_from(list("ab0-.Z中") + ["xn--", "a" * 64]), max_size=8).map("".join),
       rest=st.text(alphabet=_URL_CHARS, max_size=16))
def test_quick_link_test_agrees_with_link_problem(scheme: str, host: str, rest: str) -> None:
    url = scheme + host + rest
    assert _usable(url) == (link_problem(url) is None), url


def test_parts_are_not_kept_for_tiny_files(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "空.xlsx").write_bytes(b"")
    write_district(src, {k: v for k, v in mixed_district().items() if k == "区教育局"})
    build = tmp_path / "build"
    compile_district(src, build, as_of=AS_OF, jobs=1)
    parts = [p for p in (build / ".cache").rglob("*.json") if not p.name.endswith(".rows.json")]
    rows = list((build / ".cache").rglob("*.rows.json"))
    # 区教育局.xlsx: its read result and its part; the empty file: nothing.
    assert len(parts) == 2 and len(rows) == 1
    shutil.rmtree(build)
