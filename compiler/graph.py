"""The district's catalogue as a graph (networkx ``MultiDiGraph``).

Nodes (``kind``): ``domain``, ``unit``, ``item``, ``link``, ``clause`` (条例 第二十条 / 第二十一条),
``guideline`` (national guideline item) and ``city_department`` (the other end of a 市区结对 pairing).

Edges (``kind``, also the edge key):

* item ``in_domain`` domain;
* unit ``responsible_for`` item — ``role`` = ``submitted`` (the unit's own catalogue), ``subject`` (its
  name in 公开主体) or ``submitted+subject``;
* item ``published_at`` link;
* item ``satisfies`` clause / item ``implements`` guideline — counted matches (``method`` code|name);
* item ``may_satisfy`` clause / item ``may_implement`` guideline — fuzzy candidates, *needs review*,
  never counted (``score`` 0–100);
* unit ``responsible_for_domain`` domain (notice item 30);
* unit ``paired_with`` city_department (notice item 29; ``domain`` the business domain).

Node ids are ``<kind>:<name>`` with the item's content-derived id, so two compilations of the same inputs
give the same graph, node for node.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import networkx as nx

if TYPE_CHECKING:
    from zwgk.compiler.compile import Compiled


def node_id(kind: str, name: str) -> str:
    return f"{kind}:{name}"


def _clean(attrs: dict[str, Any]) -> dict[str, Any]:
    """Scalar attributes only, no None (GraphML has no null)."""
    return {k: v for k, v in attrs.items() if v is not None}


def build_graph(c: Compiled) -> nx.MultiDiGraph:
    g: nx.MultiDiGraph = nx.MultiDiGraph(district=c.district, as_of=c.as_of)
    ref = c.reference
    for d in c.domains:
        g.add_node(node_id("domain", d.name), **_clean({"kind": "domain", "label": d.name, "pilot": d.pilot, "no": d.no}))
    for u in c.units:
        g.add_node(node_id("unit", u.name), **_clean({
            "kind": "unit", "label": u.name, "unit_kind": u.kind, "level": u.level,
            "in_roster": u.in_roster, "submitted": u.submitted,
        }))
    for cl in ref.clauses:
        g.add_node(node_id("clause", cl.id), kind="clause", label=cl.label, text=cl.text, scope=cl.scope)
    for gi in ref.guideline_items:
        name = " / ".join(p for p in (gi.level1, gi.level2, gi.level3) if p)
        g.add_node(node_id("guideline", gi.code), kind="guideline", label=f"{gi.code} {name}", code=gi.code,
                   domain=gi.domain, name=name, township=gi.township)
    for u in c.units:
        for domain in u.responsible_for:
            g.add_edge(node_id("unit", u.name), node_id("domain", domain), key="responsible_for_domain",
                       kind="responsible_for_domain")
        pairing = ref.pairing_for(u.name) if u.in_roster else None
        if pairing is not None:
            dept = node_id("city_department", pairing.city_department)
            if dept not in g:
                g.add_node(dept, kind="city_department", label=pairing.city_department)
            g.add_edge(node_id("unit", u.name), dept, key="paired_with", kind="paired_with", domain=pairing.domain)
    for e in c.entries:
        item = node_id("item", e.id)
        g.add_node(item, **_clean({"kind": "item", "label": e.name, "unit": e.unit, "domain": e.domain}))
        if e.domain:
            g.add_edge(item, node_id("domain", e.domain), key="in_domain", kind="in_domain")
        subject = set(e.subject_units)
        for unit in dict.fromkeys((e.unit, *e.subject_units)):
            role = "submitted+subject" if unit == e.unit and unit in subject else ("submitted" if unit == e.unit else "subject")
            g.add_edge(node_id("unit", unit), item, key="responsible_for", kind="responsible_for", role=role)
        for url in e.links:
            link = node_id("link", url)
            if link not in g:
                g.add_node(link, kind="link", label=url)
            g.add_edge(item, link, key="published_at", kind="published_at")
        for cid in e.clauses:
            g.add_edge(item, node_id("clause", cid), key="satisfies", kind="satisfies", method=e.clause_method(cid))
        for m in e.guideline:
            kind = "implements" if m.counted else "may_implement"
            g.add_edge(item, node_id("guideline", m.target), key=kind, kind=kind, method=m.method, score=m.score)
    for clause_key, candidates in c.clause_candidates.items():
        cid = clause_key.split("|")[0]
        for cand in candidates:
            g.add_edge(node_id("item", cand.item_id), node_id("clause", cid), key="may_satisfy", kind="may_satisfy",
                       method="fuzzy", score=cand.score)
    return g
