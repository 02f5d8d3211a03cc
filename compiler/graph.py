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

:func:`nodes` and :func:`edges` are the one definition of the graph, as streams: the exporters write
graph.json and graph.graphml straight from them (a city's graph — about a million nodes and 2.5 million
edges — would take gigabytes as networkx objects), and :func:`build_graph` loads the same streams into
networkx for anyone who wants to traverse it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import networkx as nx

if TYPE_CHECKING:
    from zwgk.compiler.compile import Compiled

Node = tuple[str, dict[str, Any]]
Edge = tuple[str, str, str, dict[str, Any]]  # source, target, key (= kind), attributes


def node_id(kind: str, name: str) -> str:
    return f"{kind}:{name}"


def _clean(attrs: dict[str, Any]) -> dict[str, Any]:
    """No None values (GraphML has no null)."""
    return {k: v for k, v in attrs.items() if v is not None}


def graph_attributes(c: Compiled) -> dict[str, Any]:
    return {"district": c.district, "as_of": c.as_of, "version": c.version}


def nodes(c: Compiled) -> Iterator[Node]:
    ref = c.reference
    for d in c.domains:
        yield node_id("domain", d.name), _clean({"kind": "domain", "label": d.name, "pilot": d.pilot, "no": d.no})
    for u in c.units:
        yield node_id("unit", u.name), _clean({"kind": "unit", "label": u.name, "unit_kind": u.kind, "level": u.level,
                                              "in_roster": u.in_roster, "submitted": u.submitted})
    for cl in ref.clauses:
        yield node_id("clause", cl.id), {"kind": "clause", "label": cl.label, "text": cl.text, "scope": cl.scope}
    for gi in ref.guideline_items:
        name = " / ".join(p for p in (gi.level1, gi.level2, gi.level3) if p)
        yield node_id("guideline", gi.code), {"kind": "guideline", "label": f"{gi.code} {name}", "code": gi.code,
                                              "domain": gi.domain, "name": name, "township": gi.township}
    departments: set[str] = set()
    for u in c.units:
        pairing = ref.pairing_for(u.name) if u.in_roster else None
        if pairing is not None and pairing.city_department not in departments:
            departments.add(pairing.city_department)
            yield node_id("city_department", pairing.city_department), {"kind": "city_department",
                                                                        "label": pairing.city_department}
    links: set[str] = set()
    for e in c.entries:
        yield node_id("item", e.id), _clean({"kind": "item", "label": e.name, "unit": e.unit, "domain": e.domain})
        for url in e.links:
            if url not in links:
                links.add(url)
                yield node_id("link", url), {"kind": "link", "label": url}


def edges(c: Compiled) -> Iterator[Edge]:
    ref = c.reference
    for u in c.units:
        for domain in u.responsible_for:
            yield node_id("unit", u.name), node_id("domain", domain), "responsible_for_domain", {"kind": "responsible_for_domain"}
        pairing = ref.pairing_for(u.name) if u.in_roster else None
        if pairing is not None:
            yield (node_id("unit", u.name), node_id("city_department", pairing.city_department), "paired_with",
                   {"kind": "paired_with", "domain": pairing.domain})
    for e in c.entries:
        item = node_id("item", e.id)
        if e.domain:
            yield item, node_id("domain", e.domain), "in_domain", {"kind": "in_domain"}
        subject = set(e.subject_units)
        for unit in dict.fromkeys((e.unit, *e.subject_units)):
            role = "submitted+subject" if unit == e.unit and unit in subject else ("submitted" if unit == e.unit else "subject")
            yield node_id("unit", unit), item, "responsible_for", {"kind": "responsible_for", "role": role}
        for url in dict.fromkeys(e.links):
            yield item, node_id("link", url), "published_at", {"kind": "published_at"}
        for cid, method in zip(e.clauses, e.clause_methods, strict=True):
            yield item, node_id("clause", cid), "satisfies", {"kind": "satisfies", "method": method}
        for m in e.guideline:
            kind = "implements" if m.counted else "may_implement"
            yield item, node_id("guideline", m.target), kind, {"kind": kind, "method": m.method, "score": m.score}
    for clause_key, candidates in c.clause_candidates.items():
        cid = clause_key.split("|")[0]
        for cand in candidates:
            yield (node_id("item", cand.item_id), node_id("clause", cid), "may_satisfy",
                   {"kind": "may_satisfy", "method": "fuzzy", "score": cand.score})


def build_graph(c: Compiled) -> nx.MultiDiGraph:
    """The whole graph in networkx (the same nodes and edges the exporters write)."""
    g: nx.MultiDiGraph = nx.MultiDiGraph(**graph_attributes(c))
    g.add_nodes_from(nodes(c))
    g.add_edges_from(edges(c))
    return g
