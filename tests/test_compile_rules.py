"""The pieces of `zwgk compile` that need no files: matching, 公开主体, manifest dates, the rule view."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from zwgk.catalogs import load_reference
from zwgk.compiler.manifest import ManifestError, check_as_of
from zwgk.compiler.matching import ClauseMatcher, GuidelineMatcher, _numeral
from zwgk.validators.registry import rules_for
from zwgk.validators.rules.completeness import CatalogueView, UnitFacts, resolve_subject, split_subject

REF = load_reference()


@pytest.mark.parametrize(("text", "n"), [("一", 1), ("七", 7), ("十", 10), ("十五", 15), ("二十", 20), ("二十一", 21)])
def test_chinese_numerals(text: str, n: int) -> None:
    assert _numeral(text) == n


def test_clause_keywords_are_searched_cell_by_cell() -> None:
    m = ClauseMatcher(REF)
    # "…规" ending one cell and "划…" starting the next must not make 规划 (第二十条（三）).
    assert m.match(text_parts=("城市规", "划定范围"), cited_in=(), township=False) == []
    assert [x.target for x in m.match(text_parts=("城市规划",), cited_in=(), township=False)] == ["art20-3"]
    cited = m.match(text_parts=("其他",), cited_in=("《条例》第二十条第（十三）项",), township=False)
    assert [(x.target, x.method) for x in cited] == [("art20-13", "code")]
    # 乡镇 clauses only for a 街镇's items; 第二十一条 cited by a 街镇 means its 乡镇 list.
    assert [x.target for x in m.match(text_parts=("宅基地审核",), cited_in=(), township=False)] == []
    assert [x.target for x in m.match(text_parts=("宅基地审核",), cited_in=(), township=True)] == ["art21-township-4"]
    assert [x.target for x in m.match(text_parts=("x",), cited_in=("第二十一条（二）",), township=True)] == ["art21-township-2"]


def test_a_longer_keyword_carries_the_clauses_of_its_prefixes() -> None:
    m = ClauseMatcher(REF)
    # 最低生活保障 is found as a keyword of two clauses; 社会救助 also contains the shorter keyword 救助.
    assert {x.target for x in m.match(text_parts=("社会救助",), cited_in=(), township=False)} == {"art21-district-7"}
    assert {x.target for x in m.match(text_parts=("最低生活保障",), cited_in=(), township=True)} == {
        "art21-district-7", "art21-township-8"}


def test_guideline_match_order_code_then_name_then_fuzzy() -> None:
    g = GuidelineMatcher(REF)
    assert [(x.target, x.method, x.counted) for x in g.match("义务教育", "x", "y", None, "ＹＷＪＹ－００６")] == [
        ("YWJY-006", "code", True)]
    assert [(x.target, x.method) for x in g.match("义务教育", "招生管理", "招生政策", None, None)] == [("YWJY-006", "name")]
    # 政策法规文件 is a 二级事项 of several 社会救助 blocks: the name alone is ambiguous, the 一级事项 decides.
    assert [x.target for x in g.match("社会救助", "最低生活保障", "政策法规文件", None, None)] == ["SHJZ-003"]
    fuzzy = g.match("义务教育", "招生管理", "招生计划安排", None, None)
    assert [(x.method, x.counted) for x in fuzzy] == [("fuzzy", False)] and 70 <= fuzzy[0].score < 100
    assert g.match("综合政务", "招生管理", "招生政策", None, None) == ()
    assert g.match("义务教育", "完全无关", "天气", None, None) == ()


@pytest.mark.parametrize(("text", "units", "unknown"), [
    ("宝山区教育局、罗店镇人民政府", ("区教育局", "罗店镇"), ()),
    ("区教育局和各街镇", ("区教育局",), ()),
    ("相关审批部门；上海市教育委员会", (), ()),
    ("区教育委", (), ("区教育委",)),
    (None, (), ()),
])
def test_subject_resolution(text: str | None, units: tuple[str, ...], unknown: tuple[str, ...]) -> None:
    assert resolve_subject(text, REF) == (units, unknown)


def test_subject_split_keeps_names_whole() -> None:
    assert split_subject("区民政局、区教育局/罗店镇 ; 吴淞街道") == ["区民政局", "区教育局", "罗店镇", "吴淞街道"]


def test_as_of_is_an_iso_date() -> None:
    assert check_as_of(" 2020-09-30 ") == "2020-09-30"
    for bad in ("2020-9-30", "2020/09/30", "2020-02-30", "明天"):
        with pytest.raises(ManifestError) as err:
            check_as_of(bad)
        assert "YYYY-MM-DD" in err.value.zh and "YYYY-MM-DD" in err.value.en


@dataclass
class It:
    id: str
    unit: str
    domain: str | None
    level1: str | None = "招生管理"
    level2: str | None = "招生政策"
    level3: str | None = None
    content: str | None = "招生范围"
    subject: str | None = None
    mode: tuple[str, ...] = ("主动",)
    audience: tuple[str, ...] = ("全社会",)
    levels: tuple[str, ...] = ()
    links: tuple[str, ...] = ("http://x.gov.cn/a",)
    guideline_code: str | None = None
    path: str = "a.xlsx"
    sheet: str | None = "义务教育"
    row: int | None = 5
    clauses: tuple[str, ...] = ()
    guideline_counted: tuple[str, ...] = ()
    subject_units: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)


def _view(items: list[It], **units: UnitFacts) -> CatalogueView:
    facts = {u.name: UnitFacts(name=u.name, kind=u.kind, level=u.level, in_roster=True, submitted=False) for u in REF.units}
    facts.update(units)
    return CatalogueView(reference=REF, units=facts, items=items)


def _run(view: CatalogueView, code: str) -> list[dict[str, str]]:
    [r] = [r for r in rules_for("catalogue") if r.code == code]
    assert r.check is not None
    return [f.params for f in r.check(view)]


def test_rules_on_a_hand_built_view() -> None:
    edu = UnitFacts(name="区教育局", kind="委办局", level="区级", in_roster=True, submitted=True,
                    not_involved={"社会救助": "不承担"})
    civil = UnitFacts(name="区民政局", kind="委办局", level="区级", in_roster=True, submitted=True)
    items = [It("a", "区教育局", "义务教育", levels=("区级",)), It("b", "区民政局", "义务教育", levels=("区级",), mode=("依申请",)),
             It("c", "区教育局", "社会救助", level1="最低生活保障", level2="办事指南")]
    view = _view(items, 区教育局=edu, 区民政局=civil)
    assert [p["units"] for p in _run(view, "item-claimed-twice")] == ["区教育局、区民政局"]
    assert [p["values"] for p in _run(view, "item-mode-conflict")] == ["区教育局：主动；区民政局：依申请"]
    assert _run(view, "item-audience-conflict") == []
    assert [(p["unit"], p["domain"]) for p in _run(view, "not-involved-has-items")] == [("区教育局", "社会救助")]
    # 区民政局 answers for 社会救助 and 养老服务 and has neither; 区教育局 has 义务教育.
    missing = {(p["unit"], p["domain"]) for p in _run(view, "responsible-unit-no-items")}
    assert ("区民政局", "社会救助") in missing and ("区民政局", "养老服务") in missing
    assert not any(u == "区教育局" for u, _ in missing)
    not_submitted = {p["unit"] for p in _run(view, "unit-not-submitted")}
    assert "区教育局" not in not_submitted and "罗店镇" in not_submitted and len(not_submitted) == len(REF.units) - 2


def test_graph_writers_escape_what_xml_and_json_need(tmp_path: Path) -> None:
    import json

    import networkx as nx
    from zwgk.compiler.emit.graph_export import write_graph

    nodes = [("item:1", {"kind": "item", "label": 'A & <B> "C"\x07', "n": 3}),
             ("link:http://x.gov.cn/?a=1&b=<2>", {"kind": "link", "label": "http://x.gov.cn/?a=1&b=<2>", "n": "mixed"})]
    edges = [("item:1", "link:http://x.gov.cn/?a=1&b=<2>", "published_at", {"kind": "published_at", "score": 87.5})]
    write_graph(tmp_path / "g.json", tmp_path / "g.graphml", {"district": "宝山区"}, lambda: nodes, lambda: edges)
    gml = nx.read_graphml(tmp_path / "g.graphml", force_multigraph=True)
    assert gml.nodes["item:1"]["label"] == 'A & <B> "C"'  # the BEL character XML cannot carry is dropped
    assert gml.nodes["item:1"]["n"] == "3"  # an attribute with mixed types is declared as a string
    assert gml.edges["item:1", "link:http://x.gov.cn/?a=1&b=<2>", "published_at"]["score"] == 87.5
    data = json.loads((tmp_path / "g.json").read_text(encoding="utf-8"))
    g = nx.node_link_graph(data, edges="edges")
    assert g.nodes["item:1"]["label"] == 'A & <B> "C"\x07' and g.graph == {"district": "宝山区"}
    assert not list(tmp_path.glob(".*"))  # no scratch file left behind


def test_township_lists_apply_to_streets_and_towns_not_parks() -> None:
    park = UnitFacts(name="宝山工业园区", kind="园区", level="街镇级", in_roster=True, submitted=True)
    town = UnitFacts(name="罗店镇", kind="镇", level="街镇级", in_roster=True, submitted=True)
    view = _view([], 宝山工业园区=park, 罗店镇=town)
    assert {p["unit"] for p in _run(view, "clause-uncovered-township")} == {"罗店镇"}
    assert len(_run(view, "clause-uncovered-township")) == len(REF.clauses_for("township")) - len(REF.clauses_for("all"))
    assert {p["unit"] for p in _run(view, "township-guideline-uncovered")} == {"罗店镇"}
