"""`zwgk compile`: crafted districts in, the catalogue and its findings out."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import networkx as nx
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from test_compile_support import (
    AS_OF,
    CLAUSE_NAMES,
    DISTRICT_UNIT,
    TOWNSHIP,
    TOWNSHIP_NAMES,
    clause_district,
    copy_in_order,
    item,
    mixed_district,
    output_bytes,
    write_district,
)
from zwgk.catalogs import load_reference
from zwgk.compiler import compile as compile_module
from zwgk.compiler.check import check_file
from zwgk.compiler.compile import MARKER, OUTPUTS, CompileError, compile_district
from zwgk.compiler.emit.catalogue_json import catalogue_schema
from zwgk.compiler.manifest import ManifestError
from zwgk.validators.catalogue import Catalogue

from zwgk.cli import main

UNCOVERED = ("clause-uncovered", "clause-uncovered-district", "clause-uncovered-township")
SETTINGS = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                          HealthCheck.too_slow])


def compile_(src: Path, out: Path, **kw: object) -> tuple[compile_module.CompileResult, Catalogue]:
    kw.setdefault("as_of", AS_OF)
    kw.setdefault("jobs", 1)
    result = compile_district(src, out, **kw)  # type: ignore[arg-type]
    return result, result.catalogue()


def uncovered(cat: Catalogue) -> set[tuple[str, str | None, str | None]]:
    return {(f.code, f.clause, f.unit) for f in cat.findings if f.code in UNCOVERED}


@pytest.fixture(scope="module")
def clause_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Catalogue]:
    root = tmp_path_factory.mktemp("clauses")
    write_district(root / "in", clause_district())
    _, cat = compile_(root / "in", root / "build")
    return root / "in", root / "build", cat


@pytest.fixture(scope="module")
def mixed_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, compile_module.CompileResult, Catalogue]:
    root = tmp_path_factory.mktemp("mixed")
    write_district(root / "in", mixed_district())
    (root / "in" / "说明.docx").write_bytes(b"PK\x03\x04 not a workbook")
    (root / "in" / "zwgk.toml").write_text(
        'district = "上海市宝山区"\nas_of = "2020-09-30"\n'
        '[[not_involved]]\nunit = "罗店镇"\ndomain = "扶贫"\nreason = "辖区内无扶贫对象"\n', encoding="utf-8")
    result, cat = compile_(root / "in", root / "build", as_of=None)
    return root / "in", root / "build", result, cat


# -- statutory clauses ---------------------------------------------------------------------------------------


def test_crafted_district_covers_every_clause(clause_build: tuple[Path, Path, Catalogue]) -> None:
    _, _, cat = clause_build
    assert uncovered(cat) == set()
    coverage = {c.id: c for c in cat.clauses}
    assert set(coverage) == {c.id for c in load_reference().clauses}
    for cid in CLAUSE_NAMES:
        assert DISTRICT_UNIT in coverage[cid].units, cid
    for cid in TOWNSHIP_NAMES:
        assert coverage[cid].units == [TOWNSHIP], cid
    # Each crafted item names exactly one clause of its unit's scopes (the premise of the next test).
    for it in cat.items:
        own = [c for c in it.clauses if not (it.unit == TOWNSHIP and c.startswith("art21-district"))]
        assert len(own) == 1, (it.level1, it.level2, it.clauses)


# Clauses whose crafted item is the only item naming them (第二十一条 区级 四/五/七 share their keywords with
# the 乡镇 list, so a 街镇 item covers them too and removing one item cannot uncover them alone).
EXCLUSIVE = [c for c in CLAUSE_NAMES if c not in ("art21-district-4", "art21-district-5", "art21-district-7")] + list(TOWNSHIP_NAMES)


@SETTINGS
@given(clause=st.sampled_from(EXCLUSIVE))
def test_removing_one_clause_items_yields_exactly_that_finding(clause: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.mktemp("minus")
    district = clause_district()
    unit = TOWNSHIP if clause in TOWNSHIP_NAMES else DISTRICT_UNIT
    names = (TOWNSHIP_NAMES if unit == TOWNSHIP else CLAUSE_NAMES)[clause]
    sheet, items = district[unit][0]
    district[unit] = [(sheet, [i for i in items if (i["level1"], i["level2"]) != names])]
    assert len(district[unit][0][1]) == len(items) - 1
    write_district(root / "in", district)
    _, cat = compile_(root / "in", root / "build")
    code = ("clause-uncovered-township" if unit == TOWNSHIP else
            "clause-uncovered" if clause.startswith("art20") else "clause-uncovered-district")
    assert uncovered(cat) == {(code, clause, TOWNSHIP if unit == TOWNSHIP else None)}
    [f] = [f for f in cat.findings if f.code == code]
    assert f.severity == "error" and load_reference().clause(clause).label in f.message  # type: ignore[union-attr]


def test_cited_clause_counts_and_fuzzy_candidate_does_not(tmp_path: Path) -> None:
    district = clause_district()
    sheet, items = district[DISTRICT_UNIT][0]
    kept = [i for i in items if (i["level1"], i["level2"]) not in (CLAUSE_NAMES["art20-7"], CLAUSE_NAMES["art20-9"])]
    # art20-7 is cited explicitly in 公开依据; art20-9's only trace is a look-alike name (no keyword).
    kept.append(item(90, "资金信息", "经费安排", basis="《中华人民共和国政府信息公开条例》第二十条第（七）项"))
    kept.append(item(91, "集中购买", "政府集中购买项目的目录标准"))
    district[DISTRICT_UNIT] = [(sheet, kept)]
    write_district(tmp_path / "in", district)
    _, cat = compile_(tmp_path / "in", tmp_path / "build")
    assert uncovered(cat) == {("clause-uncovered", "art20-9", None)}
    cited = next(i for i in cat.items if i.level1 == "资金信息")
    assert cited.clauses == ["art20-7"]
    reviews = [f for f in cat.findings if f.code == "clause-review" and f.clause == "art20-9"]
    assert reviews and all(f.severity == "info" for f in reviews)
    look_alike = next(i for i in cat.items if i.level1 == "集中购买")
    assert "art20-9" not in look_alike.clauses
    assert any(r.params["item"].startswith("集中购买") for r in reviews)


# -- determinism -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes], list[str]]:
    root = tmp_path_factory.mktemp("ref")
    district = mixed_district()
    district["区教育局"].append(("综合政务", [item(60, "机构信息", "机构职能", subject="宝山区教育局")]))
    write_district(root / "src", district)
    sub = root / "src" / "镇" / "罗店"
    sub.mkdir(parents=True)
    shutil.move(str(root / "src" / "罗店镇.xlsx"), sub / "罗店镇.xlsx")
    names = sorted(p.relative_to(root / "src").as_posix() for p in (root / "src").rglob("*.xlsx"))
    compile_district(root / "src", root / "build", as_of=AS_OF, jobs=1)
    return root / "src", output_bytes(root / "build"), names


@SETTINGS
@given(data=st.data(), jobs=st.sampled_from([1, 2]), warm=st.booleans())
def test_any_order_and_any_jobs_give_identical_bytes(data: st.DataObject, jobs: int, warm: bool,
                                                     reference_build: tuple[Path, dict[str, bytes], list[str]],
                                                     tmp_path_factory: pytest.TempPathFactory) -> None:
    src, expected, names = reference_build
    order = data.draw(st.permutations(names))
    root = tmp_path_factory.mktemp("order")
    copy_in_order(src, root / "in", order)
    compile_district(root / "in", root / "build", as_of=AS_OF, jobs=jobs)
    if warm:  # a second, forced compile serves every file from the cache: still the same bytes
        result = compile_district(root / "in", root / "build", as_of=AS_OF, jobs=jobs, force=True)
        assert result.cached == len(names) and result.read == 0 and not result.up_to_date
    assert output_bytes(root / "build") == expected


# -- nothing lost ----------------------------------------------------------------------------------------

names_st = st.text(alphabet="招生管理政策计划学校信息公开目录指南服务", min_size=2, max_size=6)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(units=st.lists(st.tuples(st.sampled_from(["区教育局", "区民政局", "罗店镇", "区水务局"]),
                                st.lists(st.tuples(names_st, names_st), min_size=0, max_size=6),
                                st.booleans()),
                      min_size=1, max_size=3, unique_by=lambda u: u[0]),
       empty_files=st.integers(0, 2))
def test_every_data_row_is_an_item_or_a_finding(units: list[tuple[str, list[tuple[str, str]], bool]], empty_files: int,
                                                 tmp_path_factory: pytest.TempPathFactory) -> None:
    from builders import national, write

    root = tmp_path_factory.mktemp("lost")
    (root / "in").mkdir()
    expected_items: dict[tuple[str, int], tuple[str, str]] = {}
    expected_rows: set[tuple[str, int]] = set()
    for n, (unit, names, junk) in enumerate(units):
        items = [item(100 * n + k, a, b) for k, (a, b) in enumerate(names)]
        sheet = national(items, name="义务教育", title=f"宝山{unit}义务教育领域基层政务公开标准目录", unit=unit,
                         link_label="链接", merge_level1=False)
        if junk:
            sheet.rows.append(["", "", "", "情况说明见附件", "", "", "", "", "", "", "", "", "", "", ""])
            expected_rows.add((f"{unit}.xlsx", len(sheet.rows)))
        write(root / "in" / f"{unit}.xlsx", [sheet])
        for row, it in zip(sheet.item_rows, items, strict=True):
            expected_items[(f"{unit}.xlsx", row)] = (it["level1"], it["level2"])
    for k in range(empty_files):
        (root / "in" / f"空文件{k}.xlsx").write_bytes(b"")
    (root / "in" / "备注.txt").write_text("不是目录", encoding="utf-8")
    _, cat = compile_(root / "in", root / "build")
    got = {(i.source.path, i.source.row): (i.level1, i.level2) for i in cat.items}
    assert {k: v for k, v in got.items() if k in expected_items} == expected_items
    # A junk row is read as an (incomplete) item or reported as a finding at its row — never dropped.
    located = {(f.path, f.row) for f in cat.findings if f.row} | set(got)
    assert expected_rows <= located
    assert set(got) - set(expected_items) <= expected_rows
    for k in range(empty_files):
        assert [f.code for f in cat.findings if f.path == f"空文件{k}.xlsx"] == ["file-unreadable"]
    assert [f.code for f in cat.findings if f.path == "备注.txt"] == ["file-skipped"]


def test_folder_of_empty_files_finishes_with_one_finding_each(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for k in range(300):
        (src / f"{k:04d}.xlsx").write_bytes(b"")
    result, cat = compile_(src, tmp_path / "build", jobs=2)
    per_file = Counter(f.path for f in cat.findings if f.path and f.path.endswith(".xlsx"))
    assert len(per_file) == 300 and set(per_file.values()) == {1}
    assert result.unreadable == 300 and result.items == 0 and result.exit_code == 1


# -- the catalogue and its schema ------------------------------------------------------------------------


def test_catalogue_json_validates_against_the_published_schema(mixed_build: tuple[Path, Path, object, Catalogue]) -> None:
    _, build, _, cat = mixed_build
    data = json.loads((build / "catalogue.json").read_text(encoding="utf-8"))
    validator = Draft202012Validator(catalogue_schema())  # python-jsonschema: independent of the writer's checker
    assert [e.message for e in validator.iter_errors(data)] == []
    assert data["district"] == "上海市宝山区" and data["as_of"] == "2020-09-30"
    item0 = data["items"][0]
    assert {"id", "unit", "domain", "links", "source"} <= set(item0) and set(item0["source"]) == {"path", "sheet", "row"}
    assert len(cat.items) == 9 and all(i.id.startswith("it-") for i in cat.items)
    assert len({i.id for i in cat.items}) == len(cat.items)


def test_invalid_catalogue_stops_and_keeps_previous_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_district(tmp_path / "in", mixed_district())
    compile_(tmp_path / "in", tmp_path / "build")
    before = output_bytes(tmp_path / "build")
    original = compile_module.Entry.catalogue_dict

    def broken(self: compile_module.Entry) -> dict[str, object]:
        d = original(self)
        d["mode"] = ["随时"]  # not a 公开方式
        return d

    monkeypatch.setattr(compile_module.Entry, "catalogue_dict", broken)
    # A real bug is a change of zwgk's code, which changes the key of every kept file part (a part holds the
    # items' rendered lines): the patched method must not be bypassed by the first compile's parts.
    monkeypatch.setattr(compile_module, "_parts_salt", lambda: "other code")
    with pytest.raises(CompileError) as err:
        compile_district(tmp_path / "in", tmp_path / "build", as_of="2021-01-01", jobs=1)
    assert "catalogue.schema.json" in err.value.zh and "mode" in err.value.zh
    assert output_bytes(tmp_path / "build") == before
    assert not list(tmp_path.glob(".build.staging-*"))


def test_completeness_findings_of_a_mixed_district(mixed_build: tuple[Path, Path, compile_module.CompileResult, Catalogue]) -> None:
    _, _, result, cat = mixed_build
    codes = Counter(f.code for f in cat.findings)
    roster = load_reference().units
    assert codes["unit-not-submitted"] == len(roster) - 3
    assert result.as_of_source == "manifest" and result.submitted_units == 3
    # 区民政局 answers for 社会救助 and 养老服务 (notice item 30) and has no 养老服务 item.
    assert any(f.code == "responsible-unit-no-items" and f.unit == "区民政局" and f.domain == "养老服务" for f in cat.findings)
    assert not any(f.code == "responsible-unit-no-items" and f.unit == "区民政局" and f.domain == "社会救助" for f in cat.findings)
    # 主动 at 区民政局, 依申请 at 罗店镇 for 最低生活保障 / 办事指南.
    [mode] = [f for f in cat.findings if f.code == "item-mode-conflict"]
    assert "区民政局：主动" in mode.params["values"] and "罗店镇：依申请" in mode.params["values"]
    # 区教育局 and 区民政局 both list 招生政策 with the same content; 罗店镇's copy is a 街镇's own.
    [claimed] = [f for f in cat.findings if f.code == "item-claimed-twice"]
    assert claimed.params["units"] == "区教育局、区民政局"
    # 公开主体 "区教育委" is no roster unit; the closest one is suggested.
    [subject] = [f for f in cat.findings if f.code == "subject-unit-unknown"]
    assert subject.params["value"] == "区教育委" and subject.params["closest"] == "区教育局"
    [nolink] = [f for f in cat.findings if f.code == "item-no-link"]
    assert nolink.cell and nolink.cell.endswith(str(nolink.row)) and nolink.unit == "区教育局"
    assert [f.params["path"] for f in cat.findings if f.code == "file-skipped"] == ["说明.docx"]
    # 未涉及 declared in zwgk.toml: no township-guideline finding for 罗店镇 扶贫.
    township = {(f.unit, f.domain) for f in cat.findings if f.code == "township-guideline-uncovered"}
    assert ("罗店镇", "扶贫") not in township and ("罗店镇", "义务教育") in township
    unit = next(u for u in cat.units if u.name == "罗店镇")
    assert [n.domain for n in unit.not_involved] == ["扶贫"] and unit.files == ["罗店镇.xlsx"]
    for f in cat.findings:
        assert f.message and f.severity in ("error", "warning", "info")


def test_guideline_matching_counts_code_and_name_never_fuzzy(tmp_path: Path) -> None:
    from zwgk.catalogs.vocabulary import load_vocabulary
    from zwgk.compiler.emit.workbook import save_workbook, write_catalogue_sheet

    edu = [item(1, "招生管理", "招生政策", subject="区教育局"),
           item(2, "学校情况", "学校名单", guideline_code="ywjy-002", subject="区教育局"),
           item(3, "招生管理", "年度招生计划表", subject="区教育局")]
    # The template layout carries the 指引编码 column that an explicit code is read from.
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "义务教育"
    write_catalogue_sheet(ws, edu, layout="national", vocabulary=load_vocabulary(), code_column=True,
                          title="宝山区教育局义务教育领域基层政务公开标准目录", unit_line="填报单位：宝山区教育局")
    (tmp_path / "in").mkdir()
    save_workbook(wb, tmp_path / "in" / "区教育局.xlsx")
    _, cat = compile_(tmp_path / "in", tmp_path / "build")
    by_name = {i.level2: i for i in cat.items}
    assert [(m.code, m.method, m.counted) for m in by_name["招生政策"].guideline] == [("YWJY-006", "name", True)]
    assert [(m.code, m.method, m.counted) for m in by_name["学校名单"].guideline] == [("YWJY-002", "code", True)]
    [fuzzy] = by_name["年度招生计划表"].guideline
    assert fuzzy.method == "fuzzy" and not fuzzy.counted and fuzzy.code == "YWJY-007" and 70 <= fuzzy.score < 100
    domain = next(d for d in cat.domains if d.name == "义务教育")
    assert domain.guideline_covered == 2 and domain.guideline_items == 11
    review = [f for f in cat.findings if f.code == "guideline-review"]
    assert [f.params["guideline"] for f in review] == ["YWJY-007"] and review[0].severity == "info"
    uncovered_codes = {f.params["guideline"] for f in cat.findings if f.code == "guideline-uncovered" and f.domain == "义务教育"}
    assert "YWJY-007" in uncovered_codes and "YWJY-006" not in uncovered_codes


# -- the other outputs ---------------------------------------------------------------------------------------


def test_graph_has_the_issue_nodes_and_edges(mixed_build: tuple[Path, Path, object, Catalogue]) -> None:
    _, build, _, cat = mixed_build
    data = json.loads((build / "graph.json").read_text(encoding="utf-8"))
    g = nx.node_link_graph(data, edges="edges")
    kinds = Counter(d["kind"] for _, d in g.nodes(data=True))
    assert kinds["item"] == len(cat.items) and kinds["unit"] == len(cat.units) and kinds["domain"] == len(cat.domains)
    assert kinds["clause"] == len(cat.clauses) and kinds["guideline"] == 115 and kinds["city_department"] == 6
    edge_kinds = Counter(k for _, _, k in g.edges(keys=True))
    for kind in ("in_domain", "responsible_for", "published_at", "satisfies", "implements",
                 "responsible_for_domain", "paired_with"):
        assert edge_kinds[kind], kind
    claimed = next(i for i in cat.items if i.unit == "罗店镇" and i.level2 == "招生政策")
    node = f"item:{claimed.id}"
    assert g.has_edge("unit:罗店镇", node, key="responsible_for")
    assert g.has_edge(node, "domain:义务教育", key="in_domain")
    assert g.has_edge(node, "guideline:YWJY-006", key="implements")
    assert g.has_edge(node, f"link:{claimed.links[0]}", key="published_at")
    subject_item = next(i for i in cat.items if i.unit == "区民政局")
    assert g.edges["unit:区民政局", f"item:{subject_item.id}", "responsible_for"]["role"] == "submitted+subject"
    assert g.has_edge("unit:区水务局", "city_department:上海市水务局", key="paired_with")
    assert g.has_edge("unit:区教育局", "domain:义务教育", key="responsible_for_domain")
    # GraphML holds the same nodes, edges and attributes.
    gml = nx.read_graphml(build / "graph.graphml", force_multigraph=True)
    assert set(gml.nodes) == set(g.nodes)
    assert {(u, v, k) for u, v, k in gml.edges(keys=True)} == {(u, v, k) for u, v, k in g.edges(keys=True)}
    assert gml.nodes[node]["unit"] == "罗店镇" and gml.nodes["domain:义务教育"]["pilot"] is True


def test_sqlite_holds_the_catalogue_with_indexes(mixed_build: tuple[Path, Path, object, Catalogue]) -> None:
    _, build, _, cat = mixed_build
    con = sqlite3.connect(f"file:{build / 'catalogue.sqlite'}?mode=ro", uri=True)
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"items", "units", "domains", "links", "clauses", "findings", "meta"} <= tables
    assert con.execute("SELECT count(*) FROM items").fetchone()[0] == len(cat.items)
    assert con.execute("SELECT count(*) FROM findings").fetchone()[0] == len(cat.findings)
    assert con.execute("SELECT count(*) FROM links").fetchone()[0] == sum(len(i.links) for i in cat.items)
    assert con.execute("SELECT value FROM meta WHERE key='version'").fetchone()[0] == cat.version
    indexes = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"items_unit", "items_domain", "links_url", "findings_code"} <= indexes
    plan = " ".join(str(r) for r in con.execute("EXPLAIN QUERY PLAN SELECT * FROM items WHERE unit='罗店镇'"))
    assert "items_unit" in plan
    rows = con.execute("SELECT unit, count(*) FROM items GROUP BY unit ORDER BY unit").fetchall()
    assert dict(rows) == dict(Counter(i.unit for i in cat.items))


def test_xlsx_one_sheet_per_domain_reads_back(mixed_build: tuple[Path, Path, object, Catalogue]) -> None:
    _, build, _, cat = mixed_build
    wb = openpyxl.load_workbook(build / "catalogue.xlsx")
    per_domain = Counter(i.domain for i in cat.items)
    assert wb.sheetnames == [d.name for d in cat.domains if per_domain[d.name]]
    ws = wb["义务教育"]
    header = [c.value for c in ws[3]]
    assert header[1:3] == ["相应领域", "填报单位"] and ws.freeze_panes == "A5"
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows
    back = check_file(build / "catalogue.xlsx")
    assert Counter(i.domain for i in back.items) == per_domain
    ids = {i.extra.get("事项编号") for i in back.items}
    assert ids == {i.id for i in cat.items}


# -- the build folder, the cache ------------------------------------------------------------------------------


def test_cache_hit_is_not_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = write_district(tmp_path / "in", mixed_district())
    first, _ = compile_(tmp_path / "in", tmp_path / "build")
    assert first.read == 3 and first.cached == 0
    calls: list[str] = []
    real = compile_module.check_file

    def counting(path: object, **kw: object) -> object:
        calls.append(str(kw.get("display_path")))
        return real(path, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(compile_module, "check_file", counting)
    again, _ = compile_(tmp_path / "in", tmp_path / "build", force=True)
    assert calls == [] and again.cached == 3 and again.read == 0 and not again.up_to_date
    district = mixed_district()
    district["区民政局"][0][1][0]["time_limit"] = "10个工作日"
    write_district(tmp_path / "in", {"区民政局": district["区民政局"]})
    assert paths["区民政局"].exists()
    third, cat = compile_(tmp_path / "in", tmp_path / "build")
    assert calls == ["区民政局.xlsx"] and third.read == 1 and third.cached == 2
    assert any(i.time_limit == "10个工作日" for i in cat.items)
    entries = sorted((tmp_path / "build" / ".cache").rglob("*.json"))
    # Per file: its read result, its part and its catalogue.xlsx rows; those of the old 区民政局.xlsx are dropped.
    kinds = Counter("rows" if e.name.endswith(".rows.json") else "part" if '"info"' in e.read_text(encoding="utf-8")[:20]
                    else "read" for e in entries)
    assert kinds == {"read": 3, "part": 3, "rows": 3}
    before = output_bytes(tmp_path / "build")
    for entry in entries:
        entry.write_text("{damaged", encoding="utf-8")  # a damaged entry is a miss: the file is read again
    calls.clear()
    fourth, _ = compile_(tmp_path / "in", tmp_path / "build", force=True)
    assert sorted(calls) == sorted(p.name for p in paths.values()) and fourth.read == 3
    assert output_bytes(tmp_path / "build") == before


def test_killed_compile_leaves_previous_build_intact(tmp_path: Path) -> None:
    from builders import national, write

    src = tmp_path / "in"
    src.mkdir()
    for n, unit in enumerate(("区教育局", "区民政局", "区水务局", "区财政局")):
        items = [item(1000 * n + k, f"事项{k // 20}", f"子项{k}") for k in range(150)]
        write(src / f"{unit}.xlsx", [national(items, name="综合政务", unit=unit, link_label="链接")])
    compile_(src, tmp_path / "build")  # the previous build, and a warm cache
    before = output_bytes(tmp_path / "build")
    killed = False
    for attempt in range(6):
        proc = subprocess.Popen([sys.executable, "-m", "zwgk", "compile", str(src), "-o", str(tmp_path / "build"),
                                 "--as-of", f"2021-0{attempt + 1}-01", "--jobs", "1"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            staging = list(tmp_path.glob(".build.staging-*"))
            if staging and (staging[0] / "catalogue.json").exists():
                os.kill(proc.pid, signal.SIGKILL)
                killed = True
                break
            time.sleep(0.002)
        proc.wait()
        if killed:
            break
        compile_(src, tmp_path / "build")  # it finished first: restore the reference build and retry
        before = output_bytes(tmp_path / "build")
    assert killed, "the compile finished every time before it could be killed"
    assert output_bytes(tmp_path / "build") == before
    assert list(tmp_path.glob(".build.staging-*"))  # the dead compile's leftovers …
    result, cat = compile_(src, tmp_path / "build", as_of="2022-01-01")
    assert not list(tmp_path.glob(".build.staging-*"))  # … are cleared by the next one
    assert cat.as_of == "2022-01-01" and result.cached == 4


def test_recompile_keeps_other_commands_files_and_refuses_foreign_folders(tmp_path: Path) -> None:
    write_district(tmp_path / "in", mixed_district())
    compile_(tmp_path / "in", tmp_path / "build")
    (tmp_path / "build" / "reports").mkdir()
    (tmp_path / "build" / "reports" / "status.html").write_text("<p>report</p>", encoding="utf-8")
    compile_(tmp_path / "in", tmp_path / "build", as_of="2021-01-01")
    assert (tmp_path / "build" / "reports" / "status.html").read_text(encoding="utf-8") == "<p>report</p>"
    assert (tmp_path / "build" / MARKER).exists()
    foreign = tmp_path / "documents"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(CompileError) as err:
        compile_(tmp_path / "in", foreign)
    assert "不是 zwgk 的构建目录" in err.value.zh
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "mine" and len(list(foreign.iterdir())) == 1


# -- manifest -----------------------------------------------------------------------------------------------


def test_manifest_maps_a_file_to_its_unit(tmp_path: Path) -> None:
    from builders import national, write

    items = [item(1, "最低生活保障", "办事指南")]
    (tmp_path / "in").mkdir()
    write(tmp_path / "in" / "附件3.xlsx", [national(items, name="社会救助", title="社会救助领域基层政务公开标准目录", unit=None)])
    (tmp_path / "in" / "zwgk.toml").write_text('[[files]]\npath = "附件3.xlsx"\nunit = "罗店镇人民政府"\n', encoding="utf-8")
    _, cat = compile_(tmp_path / "in", tmp_path / "build")
    assert {i.unit for i in cat.items} == {"罗店镇"}
    assert next(u for u in cat.units if u.name == "罗店镇").files == ["附件3.xlsx"]


@pytest.mark.parametrize(("text", "expected"), [
    ('district = "宝山区"\nas_of = "2020-13-01"\n', "日期「2020-13-01」无效"),
    ('[[not_involved]]\nunit = "罗店"\ndomain = "扶贫"\nreason = "无"\n', "是否应为「罗店镇」"),
    ('[[not_involved]]\nunit = "罗店镇"\ndomain = "扶贫"\n', "缺少「reason」"),
    ('[[not_involved]]\nunit = "罗店镇"\ndomain = "扶贫工作"\nreason = "无"\n', "是否应为「扶贫」"),
    ('[[files]]\npath = "不存在.xlsx"\nunit = "罗店镇"\n', "提交目录中没有文件「不存在.xlsx」"),
    ('[[not_invloved]]\nunit = "罗店镇"\n', "不认识的键「not_invloved」"),
    ('district = "宝山区\n', "不是有效的 TOML"),
])
def test_bad_manifest_is_refused_with_a_chinese_message(tmp_path: Path, text: str, expected: str,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    write_district(tmp_path / "in", {"罗店镇": [("社会救助", [item(1, "最低生活保障", "办事指南")])]})
    (tmp_path / "in" / "zwgk.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError) as err:
        compile_district(tmp_path / "in", tmp_path / "build", jobs=1)
    assert expected in err.value.zh and "zwgk.toml" in err.value.zh
    with pytest.raises(SystemExit) as exit_:
        main(["compile", str(tmp_path / "in"), "-o", str(tmp_path / "build")])
    assert exit_.value.code == 2
    assert expected in capsys.readouterr().err
    assert not (tmp_path / "build" / "catalogue.json").exists()


# -- the command line ---------------------------------------------------------------------------------------


def test_cli_summary_and_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_district(tmp_path / "in", clause_district())
    with pytest.raises(SystemExit) as exit_:
        main(["compile", str(tmp_path / "in"), "-o", str(tmp_path / "build"), "--as-of", AS_OF, "--jobs", "1"])
    out = capsys.readouterr().out
    assert exit_.value.code == 1  # 55 roster units have not submitted
    assert "汇编完成：上海市宝山区，截至 2020-09-30" in out and "事项：30 个" in out
    assert "条例第二十条（区级单位）：15/15（100%）" in out and "第二十一条乡镇清单（各街镇）：8/8（100%）" in out
    assert "单位未提交目录  [unit-not-submitted]" in out
    with pytest.raises(SystemExit) as exit_:
        main(["compile", str(tmp_path / "in"), "-o", str(tmp_path / "build"), "--as-of", AS_OF, "--lang", "en"])
    out = capsys.readouterr().out
    assert exit_.value.code == 1 and "Compiled 上海市宝山区, as of 2020-09-30" in out and "2 from cache" in out
    with pytest.raises(SystemExit) as exit_:
        main(["compile", str(tmp_path / "nowhere"), "-o", str(tmp_path / "b2")])
    assert exit_.value.code == 2 and "不存在" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["compile", str(tmp_path / "in"), "-o", str(tmp_path / "b3"), "--as-of", "2020/9/30"])
    assert exit_.value.code == 2 and "YYYY-MM-DD" in capsys.readouterr().err


def test_cli_exit_zero_for_a_clean_district(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """With the roster cut to the two crafted units (and guideline items left out) nothing is missing."""
    ref = load_reference()
    small = type(ref)(domains=ref.domains, units=tuple(u for u in ref.units if u.name in (DISTRICT_UNIT, TOWNSHIP)),
                      clauses=ref.clauses, milestones=ref.milestones)
    monkeypatch.setattr(compile_module, "load_reference", lambda: small)
    write_district(tmp_path / "in", clause_district())
    with pytest.raises(SystemExit) as exit_:
        main(["compile", str(tmp_path / "in"), "-o", str(tmp_path / "build"), "--as-of", AS_OF, "--jobs", "1"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0, out
    assert "错误 0 个" in out


def test_unchanged_inputs_leave_the_build_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = write_district(tmp_path / "in", mixed_district())
    first, _ = compile_(tmp_path / "in", tmp_path / "build")
    stamps = {name: (tmp_path / "build" / name).stat().st_mtime_ns for name in OUTPUTS}
    os.utime(paths["区教育局"], (1, 1))  # touched, not changed
    again = compile_district(tmp_path / "in", tmp_path / "build", as_of=AS_OF, jobs=1)
    assert again.up_to_date and again.version == first.version and again.items == first.items
    assert again.coverage == first.coverage and again.by_code == first.by_code and again.errors == first.errors
    assert {name: (tmp_path / "build" / name).stat().st_mtime_ns for name in OUTPUTS} == stamps
    with pytest.raises(SystemExit):
        main(["compile", str(tmp_path / "in"), "-o", str(tmp_path / "build"), "--as-of", AS_OF])
    assert "已是最新" in capsys.readouterr().out
    for changed in ({"as_of": "2021-01-01"}, {"force": True}):
        result = compile_district(tmp_path / "in", tmp_path / "build", jobs=1, **{"as_of": AS_OF, **changed})  # type: ignore[arg-type]
        assert not result.up_to_date
    (tmp_path / "build" / "graph.graphml").unlink()  # an incomplete build is rebuilt
    assert not compile_district(tmp_path / "in", tmp_path / "build", as_of=AS_OF, jobs=1).up_to_date
    # Without the spreadsheet: the old catalogue.xlsx goes, the rest is written, and that build is up to date too.
    lean = compile_district(tmp_path / "in", tmp_path / "build", as_of=AS_OF, jobs=2, xlsx=False)
    assert not lean.up_to_date and not (tmp_path / "build" / "catalogue.xlsx").exists()
    assert all((tmp_path / "build" / n).exists() for n in OUTPUTS if n != "catalogue.xlsx")
    assert compile_district(tmp_path / "in", tmp_path / "build", as_of=AS_OF, jobs=1, xlsx=False).up_to_date
    assert not compile_district(tmp_path / "in", tmp_path / "build", as_of=AS_OF, jobs=1).up_to_date
    assert (tmp_path / "build" / "catalogue.xlsx").exists()
    district = mixed_district()
    district["罗店镇"][0][1][0]["basis"] = "《社会救助暂行办法》"
    write_district(tmp_path / "in", {"罗店镇": district["罗店镇"]})
    result, cat = compile_(tmp_path / "in", tmp_path / "build")
    assert not result.up_to_date and result.read == 1
    assert any(i.basis == "《社会救助暂行办法》" for i in cat.items)


def test_a_crashing_worker_costs_one_file_not_the_compile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_district(tmp_path / "in", mixed_district())
    real = compile_module.check_file

    def crashing(path: object, **kw: object) -> object:
        if str(path).endswith("区民政局.xlsx"):
            os._exit(3)  # what the kernel's OOM killer or a native crash looks like to the pool
        return real(path, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(compile_module, "check_file", crashing)
    result, cat = compile_(tmp_path / "in", tmp_path / "build", jobs=2)
    [f] = [f for f in cat.findings if f.path == "区民政局.xlsx"]
    assert f.code == "file-unreadable" and "进程异常退出" in f.message
    assert {i.unit for i in cat.items} == {"区教育局", "罗店镇"} and result.unreadable == 1


def test_exported_graph_is_the_networkx_graph(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from zwgk.compiler.emit.graph_export import streams, write_graphml, write_node_link
    from zwgk.compiler.graph import build_graph

    write_district(tmp_path / "in", mixed_district())
    seen: list[compile_module.Compiled] = []
    real = compile_module._emit

    def keep(c: compile_module.Compiled, *args: object) -> None:
        seen.append(c)
        real(c, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(compile_module, "_emit", keep)
    compile_(tmp_path / "in", tmp_path / "build")
    g = build_graph(seen[0])
    assert g.graph["version"] == seen[0].version and g.graph["as_of"] == AS_OF
    exported = nx.node_link_graph(json.loads((tmp_path / "build" / "graph.json").read_text(encoding="utf-8")), edges="edges")
    gml = nx.read_graphml(tmp_path / "build" / "graph.graphml", force_multigraph=True)
    for other in (exported, gml):
        assert dict(other.nodes(data=True)) == dict(g.nodes(data=True))
        assert sorted(other.edges(keys=True, data=True)) == sorted(g.edges(keys=True, data=True))
        assert {k: v for k, v in other.graph.items() if not k.endswith("_default")} == g.graph
    # A networkx graph exported through the same writers reads back as itself.
    attrs, node_stream, edge_stream = streams(g)
    write_node_link(tmp_path / "again.json", attrs, node_stream, edge_stream)
    write_graphml(tmp_path / "again.graphml", attrs, node_stream, edge_stream)
    again = nx.read_graphml(tmp_path / "again.graphml", force_multigraph=True)
    assert dict(again.nodes(data=True)) == dict(g.nodes(data=True))
    assert sorted(again.edges(keys=True, data=True)) == sorted(g.edges(keys=True, data=True))
    data = json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))
    assert nx.utils.graphs_equal(nx.node_link_graph(data, edges="edges"), g)
