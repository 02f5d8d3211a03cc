"""A crafted district for the report tests: every number each report prints is known in advance.

The reference is small and built in code (a few real units, domains and clauses; guideline items made up
with the domains' real code prefixes; the real milestones of the notice), so the tests do not move when the
shipped catalogues are edited.

The district on 2020-06-15 (the catalogue's date), risk window 30 days:

=============  ======  =========================================================  ==============
unit           kind    catalogue                                                   overall state
=============  ======  =========================================================  ==============
区教育局        委办局   4 items (义务教育), 1 error + 1 warning, 社会救助 未涉及       open
区水务局        委办局   2 items (市政服务), clean, paired                             done
区机管局        委办局   absent from the catalogue, paired                           at risk
区民政局        委办局   1 依申请 item (综合政务); owes 社会救助                         at risk
罗店镇          镇      3 items, 2 errors (one structural)                           open
吴淞街道        街道     absent from the catalogue                                   at risk
宝山工业园区    园区     listed, not submitted                                        at risk
区某某办        (none)  outside the roster, 1 clean item                             done
=============  ======  =========================================================  ==============
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from zwgk.catalogs import load_reference
from zwgk.validators.catalogue import (
    Catalogue,
    CatalogueDomain,
    CatalogueFinding,
    CatalogueItem,
    CatalogueUnit,
    ClauseCoverage,
    GuidelineMatch,
    ItemSource,
    NotInvolved,
)
from zwgk.validators.reference import (
    DomainResponsibility,
    GuidelineItem,
    Pairing,
    Reference,
)

AS_OF = "2020-06-15"
UNITS = ["区教育局", "区水务局", "区机管局", "区民政局", "罗店镇", "吴淞街道", "宝山工业园区"]
OUTSIDER = "区某某办"


def crafted_reference() -> Reference:
    real = load_reference()

    def unit(name: str) -> Any:
        found = real.unit(name)
        assert found is not None, name
        return found

    def domain(name: str) -> Any:
        found = real.domain(name)
        assert found is not None, name
        return found

    def g(code: str, dom: str, level1: str, township: bool) -> GuidelineItem:
        return GuidelineItem(code=code, domain=dom, level1=level1, level2=level1 + "信息", content=level1 + "内容",
                             township=township, source="test fixture", verification="R")

    clause_ids = ("art20-1", "art20-2", "art21-district-1", "art21-township-1")
    return Reference(
        domains=tuple(domain(n) for n in ("义务教育", "市政服务", "社会救助", "综合政务")),
        units=tuple(unit(n) for n in UNITS),
        clauses=tuple(c for c in real.clauses if c.id in clause_ids),
        guideline_items=(
            g("YWJY-001", "义务教育", "招生入学", True),
            g("YWJY-002", "义务教育", "学校概况", True),
            g("YWJY-003", "义务教育", "教育经费", False),
            g("YWJY-004", "义务教育", "教师队伍", False),
            g("SZFW-001", "市政服务", "供水服务", False),
            g("SZFW-002", "市政服务", "排水服务", False),
            g("SHJZ-001", "社会救助", "最低生活保障", True),
            g("SHJZ-002", "社会救助", "特困人员救助", True),
            g("SHJZ-003", "社会救助", "临时救助", True),
        ),
        responsibilities=(
            DomainResponsibility(domain="义务教育", units=("区教育局",), source="test", verification="R"),
            DomainResponsibility(domain="市政服务", units=("区水务局",), source="test", verification="R"),
            DomainResponsibility(domain="社会救助", units=("区民政局", "区教育局"), source="test", verification="R"),
        ),
        pairings=(
            Pairing(unit="区水务局", city_department="上海市水务局", domain="水务（供水、排水）", source="test",
                    verification="R"),
            Pairing(unit="区机管局", city_department="上海市机关事务管理局", domain="机关事务管理", source="test",
                    verification="R"),
        ),
        milestones=real.milestones,
    )


def _item(item_id: str, unit: str, domain: str | None, path: str, sheet: str, row: int, name: str, *,
          basis: str | None = "《政府信息公开条例》", audience: tuple[str, ...] = ("全社会",),
          mode: tuple[str, ...] = ("主动",), links: tuple[str, ...] = (), guideline: tuple[GuidelineMatch, ...] = (),
          clauses: tuple[str, ...] = (), content: str | None = None) -> CatalogueItem:
    return CatalogueItem(
        id=item_id, unit=unit, domain=domain, level1=name, level2=name + "信息", content=content or name + "内容",
        basis=basis, time_limit="信息形成之日起20个工作日内", subject=unit, channels=["政府网站"],
        audience=list(audience), mode=list(mode), levels=["区级"], links=list(links), guideline=list(guideline),
        clauses=list(clauses), source=ItemSource(path=path, sheet=sheet, row=row),
    )


def counted(code: str) -> GuidelineMatch:
    return GuidelineMatch(code=code, method="code", score=100.0, counted=True)


def fuzzy(code: str) -> GuidelineMatch:
    return GuidelineMatch(code=code, method="fuzzy", score=86.0, counted=False)


def _finding(code: str, severity: str, unit: str | None, path: str | None, sheet: str | None, row: int | None,
             cell: str | None, field: str | None = None, message: str = "", **extra: str | None) -> CatalogueFinding:
    return CatalogueFinding(code=code, severity=severity, message=message or f"{code} @ {cell or row}", unit=unit,  # type: ignore[arg-type]
                            path=path, sheet=sheet, row=row, cell=cell, field=field, **extra)


EDU = "区教育局.xlsx"
WATER = "区水务局.xlsx"
CIVIL = "区民政局.xlsx"
LUODIAN = "罗店镇.xlsx"
OUT = "区某某办.xlsx"


def crafted_catalogue() -> Catalogue:
    link = "http://www.shbsq.gov.cn/a/1.html"
    items = [
        _item("e1", "区教育局", "义务教育", EDU, "义务教育", 3, "招生入学", links=(link,),
              guideline=(counted("YWJY-001"),), clauses=("art20-1",)),
        _item("e2", "区教育局", "义务教育", EDU, "义务教育", 4, "学校概况", links=(link,),
              guideline=(counted("YWJY-002"),)),
        _item("e3", "区教育局", "义务教育", EDU, "义务教育", 5, "教育经费", basis=None, mode=("依申请",),
              guideline=(fuzzy("YWJY-003"),)),
        _item("e4", "区教育局", "义务教育", EDU, "义务教育", 6, "招生计划", clauses=("art21-district-1",)),
        _item("w1", "区水务局", "市政服务", WATER, "市政服务", 3, "供水服务", links=(link,),
              guideline=(counted("SZFW-001"),), clauses=("art20-2",)),
        _item("w2", "区水务局", "市政服务", WATER, "市政服务", 4, "防汛信息", links=(link,)),
        _item("c1", "区民政局", "综合政务", CIVIL, "综合政务", 3, "机构职能", mode=("依申请",)),
        _item("l1", "罗店镇", "社会救助", LUODIAN, "社会救助", 4, "最低生活保障", links=(link,),
              guideline=(counted("SHJZ-001"),), clauses=("art21-township-1",)),
        _item("l2", "罗店镇", "社会救助", LUODIAN, "社会救助", 5, "特困人员救助", audience=(),
              guideline=(counted("SHJZ-002"),)),
        _item("l3", "罗店镇", "义务教育", LUODIAN, "义务教育", 3, "招生入学", guideline=(counted("YWJY-001"),)),
        _item("o1", OUTSIDER, "综合政务", OUT, "综合政务", 3, "政府信息公开指南", links=(link,)),
    ]
    findings = [
        _finding("required-cell-empty", "error", "区教育局", EDU, "义务教育", 5, "D5", "basis", "「公开依据」为空（教育经费）。"),
        _finding("time-limit-unrecognised", "warning", "区教育局", EDU, "义务教育", 6, "E6", "time_limit"),
        _finding("column-missing", "error", None, LUODIAN, "社会救助", None, "A3", None, "表头缺少「公开对象」列。"),
        _finding("audience-none", "error", "罗店镇", LUODIAN, "社会救助", 5, "H5", "audience", "=HYPERLINK(\"x\")"),
        _finding("clause-uncovered", "warning", None, None, None, None, None, None, "第二十条（二）无区级事项。",
                 clause="art20-2"),
    ]
    units = [
        CatalogueUnit(name="区教育局", kind="委办局", level="区级", in_roster=True, submitted=True, files=[EDU],
                      items=4, errors=1, warnings=1, domains=["义务教育"], responsible_for=["义务教育", "社会救助"],
                      not_involved=[NotInvolved(domain="社会救助", reason="本单位不承担社会救助职能")]),
        CatalogueUnit(name="区水务局", kind="委办局", level="区级", in_roster=True, submitted=True, files=[WATER],
                      items=2, domains=["市政服务"], responsible_for=["市政服务"], paired_with="上海市水务局"),
        CatalogueUnit(name="区民政局", kind="委办局", level="区级", in_roster=True, submitted=True, files=[CIVIL],
                      items=1, domains=["综合政务"], responsible_for=["社会救助"]),
        CatalogueUnit(name="罗店镇", kind="镇", level="街镇级", in_roster=True, submitted=True, files=[LUODIAN],
                      items=3, errors=2, domains=["社会救助", "义务教育"]),
        CatalogueUnit(name="宝山工业园区", kind="园区", level="街镇级", in_roster=True, submitted=False),
        CatalogueUnit(name=OUTSIDER, kind=None, level=None, in_roster=False, submitted=True, files=[OUT], items=1,
                      domains=["综合政务"]),
    ]
    domains = [
        CatalogueDomain(name="义务教育", no=25, pilot=True, units=["区教育局", "罗店镇"], responsible_units=["区教育局"],
                        items=5, guideline_items=4, guideline_covered=2),
        CatalogueDomain(name="市政服务", no=24, pilot=True, units=["区水务局"], responsible_units=["区水务局"], items=2,
                        guideline_items=2, guideline_covered=1),
        CatalogueDomain(name="社会救助", no=19, pilot=True, units=["罗店镇"], responsible_units=["区民政局", "区教育局"],
                        items=2, guideline_items=3, guideline_covered=2),
        CatalogueDomain(name="综合政务", pilot=False, units=["区民政局", OUTSIDER], items=2),
    ]
    ref = crafted_reference()
    clauses = []
    for c in ref.clauses:
        clauses.append(ClauseCoverage(id=c.id, label=c.label, text=c.text, scope=c.scope,
                                      items=[i.id for i in items if c.id in i.clauses]))
    return Catalogue(district="宝山区", as_of=AS_OF, version="test-0001", units=units, domains=domains, items=items,
                     clauses=clauses, findings=findings)


def write_build(folder: Path, catalogue: Catalogue | None = None) -> Path:
    """A build folder holding ``catalogue.json`` as `zwgk compile` would write it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "catalogue.json").write_text((catalogue or crafted_catalogue()).model_dump_json(indent=2), encoding="utf-8")
    return folder


# ---------------------------------------------------------------------------------------------------------
# Reading generated HTML back as a tree (html.parser → ElementTree), so tests assert structure, not bytes.

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = ET.Element("document")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = ET.SubElement(self.stack[-1], tag, {k: v or "" for k, v in attrs})
        if tag == "br":
            el.tail = " "  # a line break reads as a space in cell texts
        if tag not in _VOID:
            self.stack.append(el)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        ET.SubElement(self.stack[-1], tag, {k: v or "" for k, v in attrs})

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return
        raise AssertionError(f"unbalanced </{tag}>")

    def handle_data(self, data: str) -> None:
        el = self.stack[-1]
        if len(el):
            el[-1].tail = (el[-1].tail or "") + data
        else:
            el.text = (el.text or "") + data


def parse_html(text: str) -> ET.Element:
    b = _TreeBuilder()
    b.feed(text)
    b.close()
    assert len(b.stack) == 1, f"unclosed elements: {[e.tag for e in b.stack[1:]]}"
    return b.root


def text_of(el: ET.Element) -> str:
    return "".join(el.itertext()).strip()


def by_id(root: ET.Element, ident: str) -> ET.Element:
    found = [el for el in root.iter() if el.get("id") == ident]
    assert len(found) == 1, f"id {ident!r} found {len(found)} times"
    return found[0]


def table_rows(root: ET.Element, table_id: str) -> tuple[list[str], list[list[str]]]:
    """(header texts, body rows of cell texts) of the table with ``table_id``."""
    t = by_id(root, table_id)
    head = [text_of(c) for c in t.iter("th") if c in list(t.find("thead").iter("th"))]  # type: ignore[union-attr]
    body = t.find("tbody")
    assert body is not None
    rows = [[text_of(c) for c in tr if c.tag in ("th", "td")] for tr in body.iter("tr")]
    return head, rows


def row_by_header(root: ET.Element, table_id: str, key: str) -> dict[str, str]:
    """The row whose first cell reads ``key`` (prefix match), as header → text."""
    head, rows = table_rows(root, table_id)
    matches = [r for r in rows if r[0] == key or r[0].startswith(key + " ")]
    assert len(matches) == 1, f"{key!r} matched {len(matches)} rows in {table_id}"
    return dict(zip(head, matches[0], strict=True))


def sheet_rows(ws: Any) -> list[list[Any]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]
