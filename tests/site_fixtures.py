"""Compiled catalogues built in code for the site, links and browser tests (no binary fixtures)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from zwgk.validators.catalogue import (
    Catalogue,
    CatalogueDomain,
    CatalogueFinding,
    CatalogueItem,
    CatalogueUnit,
    ClauseCoverage,
    ItemSource,
    NotInvolved,
)


def item_id(*parts: str) -> str:
    return "it-" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:12]


def make_item(unit: str, domain: str | None, level1: str, level2: str, *, links: Sequence[str] = (),
              content: str = "", row: int = 3, **fields: object) -> CatalogueItem:
    data: dict[str, object] = {
        "id": item_id(unit, domain or "", level1, level2, content),
        "unit": unit,
        "domain": domain,
        "level1": level1,
        "level2": level2,
        "content": content or f"{level2}的具体内容",
        "basis": "《中华人民共和国政府信息公开条例》",
        "time_limit": "信息形成或变更之日起20个工作日内",
        "subject": unit,
        "channels": ["政府网站", "政务新媒体"],
        "audience": ["全社会"],
        "mode": ["主动"],
        "levels": ["区级"],
        "links": list(links),
        "source": ItemSource(path=f"{unit}.xlsx", sheet="标准目录", row=row),
    }
    data.update(fields)
    return CatalogueItem.model_validate(data)


def sample_catalogue() -> Catalogue:
    """A small district: two pilot domains, one generic domain, one item without a domain, four units."""
    items = [
        make_item("区教育局", "义务教育", "招生入学", "义务教育招生政策", row=3,
                  links=["https://www.shbsq.gov.cn/jyj/zsrx/zc.html"], content="招生范围、招生条件、报名方式"),
        make_item("区教育局", "义务教育", "招生入学", "划片范围", row=4,
                  links=["https://www.shbsq.gov.cn/jyj/zsrx/hp.html"], content="学区划分、对口学校",
                  audience=["全社会", "特定群众"], audience_note="适龄儿童家长", mode=["主动", "依申请"],
                  levels=["区级", "街镇级"]),
        make_item("区教育局", "义务教育", "学生资助", "资助政策", row=5, links=[],
                  content="家庭经济困难学生资助政策"),
        make_item("区民政局", "社会救助", "最低生活保障", "低保审批", row=3,
                  links=["http://mzj.shbsq.gov.cn/dibao/list.html", "https://www.shbsq.gov.cn/mz/db.html"],
                  level3="审核确认结果"),
        make_item("区民政局", "社会救助", "特困人员救助供养", "供养标准", row=4, links=[]),
        make_item("罗店镇", "社会救助", "临时救助", "救助结果", row=3,
                  links=["https://www.shbsq.gov.cn/ld/lsjz.html"], levels=["街镇级", "村级"]),
        make_item("区政府办公室", "政府信息公开", "政府信息公开指南", "公开指南", row=3,
                  links=["https://www.shbsq.gov.cn/xxgk/zn.html"]),
        make_item("某临时机构", None, "其他事项", "未归类事项", row=7, links=["ftp://files.example.org/a.pdf"]),
    ]
    units = [
        CatalogueUnit(name="区教育局", kind="委办局", level="区级", in_roster=True, submitted=True,
                      files=["区教育局.xlsx"], items=3, domains=["义务教育"], responsible_for=["义务教育"]),
        CatalogueUnit(name="区民政局", kind="委办局", level="区级", in_roster=True, submitted=True,
                      files=["区民政局.xlsx"], items=2, domains=["社会救助"], responsible_for=["社会救助"],
                      not_involved=[NotInvolved(domain="扶贫", reason="本区无扶贫对象")]),
        CatalogueUnit(name="罗店镇", kind="镇", level="街镇级", in_roster=True, submitted=True,
                      files=["罗店镇.xlsx"], items=1, domains=["社会救助"]),
        CatalogueUnit(name="区政府办公室", kind="委办局", level="区级", in_roster=True, submitted=True,
                      files=["区政府办公室.xlsx"], items=1, domains=["政府信息公开"]),
        CatalogueUnit(name="区财政局", kind="委办局", level="区级", in_roster=True, submitted=False,
                      responsible_for=["财政预决算"], paired_with=None),
    ]
    domains = [
        CatalogueDomain(name="义务教育", no=25, pilot=True, units=["区教育局"], responsible_units=["区教育局"],
                        items=3, guideline_items=10, guideline_covered=3),
        CatalogueDomain(name="社会救助", no=19, pilot=True, units=["区民政局", "罗店镇"],
                        responsible_units=["区民政局"], items=3, guideline_items=8, guideline_covered=2),
        CatalogueDomain(name="财政预决算", no=3, pilot=True, units=[], responsible_units=["区财政局"], items=0,
                        guideline_items=6, guideline_covered=0),
        CatalogueDomain(name="政府信息公开", no=None, pilot=False, units=["区政府办公室"], items=1),
    ]
    clauses = [
        ClauseCoverage(id="art20-1", label="第二十条（一）", text="行政法规、规章和规范性文件", scope="all",
                       items=[items[6].id]),
        ClauseCoverage(id="art21-district-1", label="第二十一条（区级一）", text="城乡建设和管理的重大事项",
                       scope="district", items=[]),
        ClauseCoverage(id="art21-township-2", label="第二十一条（乡镇二）", text="社会救助", scope="township",
                       items=[items[5].id, items[3].id]),
    ]
    findings = [CatalogueFinding(code="unit-not-submitted", severity="error", message="区财政局 未提交", unit="区财政局")]
    return Catalogue(district="上海市宝山区", as_of="2020-06-30", version="v-3f2a9c", units=units, domains=domains,
                     items=items, clauses=clauses, findings=findings)


def hostile_catalogue() -> Catalogue:
    """Text that would be markup, script or a formula if any emitter trusted it."""
    evil = "<script>alert(1)</script>"
    items = [
        make_item(f"区<b>教育</b>局{evil}", "义务教育", f"招生{evil}", "=cmd|' /C calc'!A0", row=3,
                  links=["javascript:alert(document.cookie)"], content="+SUM(1,2) \"quoted\" & <img src=x onerror=alert(1)>"),
        make_item("区民政局", f"../../etc/passwd{evil}", "@SUM(A1)", "-2+3", row=4,
                  links=["data:text/html,<script>alert(1)</script>", "//evil.example.com/x",
                         "https://www.shbsq.gov.cn/ok?a=1&b=\"><script>alert(2)</script>"],
                  subject="=HYPERLINK(\"http://evil\")", basis="\u2028line\u2029sep</script><!--"),
        make_item("区民政局", "社会救助", "正常事项", "链接 带空格", row=5, links=["https://www.shbsq.gov.cn/a b"]),
    ]
    units = [
        CatalogueUnit(name=f"区<b>教育</b>局{evil}", kind=None, level=None, in_roster=False, submitted=True, items=1),
        CatalogueUnit(name="区民政局", kind="委办局", level="区级", in_roster=True, submitted=True, items=2),
    ]
    domains = [
        CatalogueDomain(name="义务教育", no=25, pilot=True, units=[], responsible_units=[evil], items=1),
        CatalogueDomain(name=f"../../etc/passwd{evil}", no=None, pilot=False, items=1),
        CatalogueDomain(name="社会救助", no=19, pilot=True, items=1),
    ]
    clauses = [ClauseCoverage(id="../../x", label=f"条款{evil}", text=evil, scope="all", items=[items[0].id])]
    return Catalogue(district=f"宝山区{evil}", as_of="2020-06-30", version=f"v<{evil}>", units=units,
                     domains=domains, items=items, clauses=clauses)


def write_build(catalogue: Catalogue, build: Path) -> Path:
    """A build folder as `zwgk compile` leaves it (only catalogue.json matters to site and links)."""
    build.mkdir(parents=True, exist_ok=True)
    (build / "catalogue.json").write_text(catalogue.model_dump_json(indent=1), encoding="utf-8")
    return build


_L1 = ("招生入学", "学生资助", "最低生活保障", "临时救助", "项目审批", "行政处罚", "财政预算", "政策文件", "办事指南",
       "监督检查", "补贴发放", "公共服务")
_L2 = ("政策依据", "办理流程", "申请条件", "审批结果", "公示名单", "标准", "投诉渠道", "年度报告", "计划", "动态")


def large_catalogue(n_items: int = 30_000, n_units: int = 60, seed: int = 7) -> Catalogue:
    """A synthetic district of ``n_items`` items across the 26 pilot domains and ``n_units`` units (deterministic)."""
    from zwgk.catalogs import load_reference

    ref = load_reference()
    pilot = list(ref.pilot_domains)
    roster = list(ref.units)
    unit_names = [roster[i % len(roster)].name if i < len(roster) else f"测试单位{i:03d}" for i in range(n_units)]
    items: list[CatalogueItem] = []
    state = seed
    for i in range(n_items):
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF  # a fixed LCG: the same district every run
        unit = unit_names[i % n_units]
        domain = pilot[(i // 7 + state) % len(pilot)].name
        l1 = _L1[state % len(_L1)]
        l2 = f"{_L2[(state >> 8) % len(_L2)]}{i}"
        links = [] if state % 17 == 0 else [f"https://www.shbsq.gov.cn/{i % 97}/{i}.html"]
        items.append(CatalogueItem(
            id=f"it{i:06d}", unit=unit, domain=domain, level1=l1, level2=l2,
            content=f"{domain}{l1}{l2}的公开内容，包括办理依据、条件、程序、时限和结果（第{i}项）",
            basis="《中华人民共和国政府信息公开条例》第二十条", time_limit="20个工作日内", subject=unit,
            channels=["政府网站"], audience=["全社会"], mode=["主动"], levels=["区级"], links=links,
            source=ItemSource(path=f"{unit}.xlsx", sheet="Sheet1", row=3 + i // n_units),
        ))
    by_domain: dict[str, list[str]] = {}
    for it in items:
        assert it.domain is not None
        by_domain.setdefault(it.domain, []).append(it.unit)
    domains = [CatalogueDomain(name=d.name, no=d.no, pilot=True, units=sorted(set(by_domain.get(d.name, []))),
                               responsible_units=[u.name for u in ref.units_for_domain(d.name)],
                               items=len(by_domain.get(d.name, [])), guideline_items=len(ref.guideline_items_for(d.name)),
                               guideline_covered=len(ref.guideline_items_for(d.name)) // 2) for d in pilot]
    units = [CatalogueUnit(name=n, kind=ref.unit(n).kind if ref.unit(n) else None,  # type: ignore[union-attr]
                           level=ref.unit(n).level if ref.unit(n) else None,  # type: ignore[union-attr]
                           in_roster=ref.unit(n) is not None, submitted=True, items=0) for n in unit_names]
    clauses = [ClauseCoverage(id=c.id, label=c.label, text=c.text, scope=c.scope,
                              items=[items[(k * 131) % n_items].id for k in range(j % 5)] if n_items else [])
               for j, c in enumerate(ref.clauses)]
    return Catalogue(district="上海市宝山区", as_of="2020-06-30", version="bench-1", units=units, domains=domains,
                     items=items, clauses=clauses)


# ---------------------------------------------------------------------------------------------------------
# A small HTML tree for parsing generated pages in tests (stdlib only).

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None = None) -> None:
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[Node | str] = []

    def get(self, name: str) -> str | None:
        return self.attrs.get(name)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self) -> list[Node]:
        out: list[Node] = []
        for c in self.children:
            if isinstance(c, Node):
                out.append(c)
                out.extend(c.iter())
        return out

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        def match(n: Node) -> bool:
            if tag is not None and n.tag != tag:
                return False
            for k, v in attrs.items():
                key = k.rstrip("_").replace("_", "-")
                have = n.attrs.get(key)
                if key == "class":
                    if have is None or v not in have.split():
                        return False
                elif have != v:
                    return False
            return True

        return [n for n in self.iter() if match(n)]

    def find(self, tag: str | None = None, **attrs: str) -> Node:
        found = self.find_all(tag, **attrs)
        if not found:
            raise AssertionError(f"no <{tag}> with {attrs}")
        return found[0]

    def __repr__(self) -> str:
        return f"<{self.tag} {self.attrs}>"


def parse_html(text: str) -> Node:
    """Parse ``text`` into a tree; unclosed or mis-nested tags raise (the site's HTML must be well formed)."""
    from html.parser import HTMLParser

    root = Node("#document", {})

    class _P(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.cur = root

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            node = Node(tag, dict(attrs), self.cur)
            self.cur.children.append(node)
            if tag not in _VOID:
                self.cur = node

        def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.cur.children.append(Node(tag, dict(attrs), self.cur))

        def handle_endtag(self, tag: str) -> None:
            if tag in _VOID:
                return
            if self.cur.tag != tag:
                raise AssertionError(f"</{tag}> closes <{self.cur.tag}>")
            assert self.cur.parent is not None
            self.cur = self.cur.parent

        def handle_data(self, data: str) -> None:
            self.cur.children.append(data)

    p = _P()
    p.feed(text)
    p.close()
    if p.cur is not root:
        raise AssertionError(f"<{p.cur.tag}> never closed")
    return root


def leaf_headers(table: Node) -> list[str]:
    """The leaf column labels of a two-row header (a rowspan-2 cell, or the row-2 cells under a colspan)."""
    rows = table.find("thead").find_all("tr")
    below = iter(th.text() for th in rows[1].find_all("th"))
    leaves: list[str] = []
    for th in rows[0].find_all("th"):
        if th.get("rowspan") == "2":
            leaves.append(th.text())
        else:
            leaves.extend(next(below) for _ in range(int(th.get("colspan") or 1)))
    return leaves


def row_cells(table: Node, row: Node) -> dict[str, Node]:
    """A body row's cells keyed by the header label above each (asserting the row is as wide as the header)."""
    cells = row.find_all("td")
    leaves = leaf_headers(table)
    assert len(cells) == len(leaves), (leaves, [c.text() for c in cells])
    return dict(zip(leaves, cells, strict=True))
