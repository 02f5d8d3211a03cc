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

:func:`write_compiled_graph` writes the same two files faster: the few hundred nodes and edges of the
domains, units and reference come from the same streams, and each item's node and edges are rendered as
text by :func:`item_parts` (``cached`` can supply parts rendered earlier; the compiler renders them afresh,
since loading cached graph text measured as slow as rendering it).  The tests hold the two writers to the
same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import networkx as nx
from zwgk.compiler.emit.graph_export import (
    KeyTable,
    json_dumps,
    json_str,
    write_graph_parts,
    xml_escape,
    xml_text,
)

if TYPE_CHECKING:
    from zwgk.compiler.compile import Compiled
    from zwgk.compiler.matching import Match

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


# ---------------------------------------------------------------------------------------------------------
# The fast writer: item nodes and edges rendered as text, the rest through the streams above.

# Attributes of each kind of item node / item edge, in the order nodes() and edges() give them.  Their types
# never vary (method/role/kind str, score float), so one sample of each kind teaches a KeyTable everything.
_ITEM_NODE = {"kind": "item", "label": "", "unit": "", "domain": ""}
_LINK_NODE = {"kind": "link", "label": ""}
_ITEM_EDGES: dict[str, dict[str, Any]] = {
    "in_domain": {"kind": "in_domain"},
    "responsible_for": {"kind": "responsible_for", "role": ""},
    "published_at": {"kind": "published_at"},
    "satisfies": {"kind": "satisfies", "method": ""},
    "implements": {"kind": "implements", "method": "", "score": 0.0},
    "may_implement": {"kind": "may_implement", "method": "", "score": 0.0},
}


class ItemLike(Protocol):
    id: str
    unit: str
    domain: str | None
    links: tuple[str, ...]
    subject_units: tuple[str, ...]
    clauses: tuple[str, ...]
    clause_methods: tuple[str, ...]
    guideline: tuple[Match, ...]

    @property
    def name(self) -> str: ...


def _edge_kinds(e: ItemLike) -> Iterator[str]:
    """The kinds of e's edges in stream order (with repeats)."""
    if e.domain:
        yield "in_domain"
    yield "responsible_for"
    if e.links:
        yield "published_at"
    if e.clauses:
        yield "satisfies"
    for m in e.guideline:
        yield "implements" if m.counted else "may_implement"


def _keys(c: Compiled, head_nodes: Sequence[Any], head_edges: Sequence[Any], tail_edges: Sequence[Any]) -> KeyTable:
    """The KeyTable write_graph would learn from the whole streams, learnt from one sample of each kind."""
    table = KeyTable()
    table.register("graph", graph_attributes(c))
    for _, data in head_nodes:
        table.register("node", data)
    seen_nodes: set[str] = set()
    for e in c.entries:
        kind = "item" if e.domain is None else "item+domain"
        if kind not in seen_nodes:
            seen_nodes.add(kind)
            table.register("node", _ITEM_NODE if e.domain is not None else {k: v for k, v in _ITEM_NODE.items() if k != "domain"})
        if e.links and "link" not in seen_nodes:
            seen_nodes.add("link")
            table.register("node", _LINK_NODE)
        if len(seen_nodes) == 3:
            break
    for *_, data in head_edges:
        table.register("edge", data)
    seen: set[str] = set()
    for e in c.entries:
        for kind in _edge_kinds(e):
            if kind not in seen:
                seen.add(kind)
                table.register("edge", _ITEM_EDGES[kind])
        if len(seen) == len(_ITEM_EDGES):
            break
    for *_, data in tail_edges:
        table.register("edge", data)
    return table


def key_signature(table: KeyTable) -> str:
    """The key ids an item part is rendered with (a cached part is reused only under the same ids)."""
    ids = [table.id("node", n) or "" for n in ("kind", "label", "unit", "domain")]
    ids += [table.id("edge", n) or "" for n in ("kind", "role", "method", "score")]
    return ",".join(ids)


def link_node_parts(url: str, kind_key: str, label_key: str) -> tuple[str, str]:
    """A link node as (node-link JSON, GraphML) text; the keys are the GraphML ids of "kind" and "label"."""
    ident = node_id("link", url)
    return (f'{{"id":{json_str(ident)},"kind":"link","label":{json_str(url)}}}',
            f'    <node id="{xml_escape(ident)}">\n      <data key="{kind_key}">link</data>\n'
            f'      <data key="{label_key}">{xml_text(url)}</data>\n    </node>\n')


def item_parts(e: ItemLike, signature: str) -> tuple[str, str, str, str]:
    """(node JSON, node GraphML, edges JSON, edges GraphML) of one item, as write_graph writes them.

    ``signature`` is :func:`key_signature` of the file's KeyTable."""
    nk, nl, nu, nd, ek, er, em, es = signature.split(",")
    item = node_id("item", e.id)
    j_item = json_str(item)
    x_item = xml_escape(item)
    label = e.name
    unit = e.unit
    node_json = f'{{"id":{j_item},"kind":"item","label":{json_str(label)},"unit":{json_str(unit)}'
    node_gml = (f'    <node id="{x_item}">\n      <data key="{nk}">item</data>\n'
                f'      <data key="{nl}">{xml_text(label)}</data>\n      <data key="{nu}">{xml_text(unit)}</data>\n')
    if e.domain is not None:
        node_json += f',"domain":{json_str(e.domain)}}}'
        node_gml += f'      <data key="{nd}">{xml_text(e.domain)}</data>\n    </node>\n'
    else:
        node_json += "}"
        node_gml += "    </node>\n"
    ej: list[str] = []
    eg: list[str] = []
    if e.domain:
        target = node_id("domain", e.domain)
        ej.append(f'{{"source":{j_item},"target":{json_str(target)},"key":"in_domain","kind":"in_domain"}}')
        eg.append(f'    <edge source="{x_item}" target="{xml_escape(target)}" id="in_domain">\n'
                  f'      <data key="{ek}">in_domain</data>\n    </edge>\n')
    subject = set(e.subject_units)
    for u in dict.fromkeys((e.unit, *e.subject_units)):
        role = "submitted+subject" if u == e.unit and u in subject else ("submitted" if u == e.unit else "subject")
        source = node_id("unit", u)
        ej.append(f'{{"source":{json_str(source)},"target":{j_item},"key":"responsible_for","kind":"responsible_for",'
                  f'"role":"{role}"}}')
        eg.append(f'    <edge source="{xml_escape(source)}" target="{x_item}" id="responsible_for">\n'
                  f'      <data key="{ek}">responsible_for</data>\n      <data key="{er}">{role}</data>\n    </edge>\n')
    for url in dict.fromkeys(e.links):
        target = node_id("link", url)
        ej.append(f'{{"source":{j_item},"target":{json_str(target)},"key":"published_at","kind":"published_at"}}')
        eg.append(f'    <edge source="{x_item}" target="{xml_escape(target)}" id="published_at">\n'
                  f'      <data key="{ek}">published_at</data>\n    </edge>\n')
    for cid, method in zip(e.clauses, e.clause_methods, strict=True):
        target = node_id("clause", cid)
        ej.append(f'{{"source":{j_item},"target":{json_str(target)},"key":"satisfies","kind":"satisfies",'
                  f'"method":{json_str(method)}}}')
        eg.append(f'    <edge source="{x_item}" target="{xml_escape(target)}" id="satisfies">\n'
                  f'      <data key="{ek}">satisfies</data>\n      <data key="{em}">{xml_text(method)}</data>\n    </edge>\n')
    for m in e.guideline:
        kind = "implements" if m.counted else "may_implement"
        target = node_id("guideline", m.target)
        score = float.__repr__(m.score)
        ej.append(f'{{"source":{j_item},"target":{json_str(target)},"key":"{kind}","kind":"{kind}",'
                  f'"method":{json_str(m.method)},"score":{score}}}')
        eg.append(f'    <edge source="{x_item}" target="{xml_escape(target)}" id="{kind}">\n'
                  f'      <data key="{ek}">{kind}</data>\n      <data key="{em}">{xml_text(m.method)}</data>\n'
                  f'      <data key="{es}">{score}</data>\n    </edge>\n')
    return node_json, node_gml, ",\n".join(ej), "".join(eg)


def _head_nodes(c: Compiled) -> Iterator[Node]:
    """nodes(c) up to the first item."""
    for n in nodes(c):
        if n[1].get("kind") in ("item", "link"):
            return
        yield n


def _unit_edges(c: Compiled) -> Iterator[Edge]:
    """edges(c) before the items' edges."""
    shell = _Shell(c, entries=[], candidates={})
    return edges(shell)  # type: ignore[arg-type]


def _candidate_edges(c: Compiled) -> Iterator[Edge]:
    """edges(c) after the items' edges (fuzzy clause candidates)."""
    shell = _Shell(c, entries=[], candidates=c.clause_candidates, units=[])
    return edges(shell)  # type: ignore[arg-type]


class _Shell:
    """A Compiled with some parts left out, for streaming one section of edges()."""

    def __init__(self, c: Compiled, *, entries: list[Any], candidates: dict[str, Any], units: list[Any] | None = None) -> None:
        self.reference = c.reference
        self.units = c.units if units is None else units
        self.entries = entries
        self.clause_candidates = candidates


def write_compiled_graph(c: Compiled, json_target: Path, graphml_target: Path,
                         cached: Callable[[Any, str], tuple[str, str, str, str]] | None = None) -> None:
    """graph.json and graph.graphml of ``c``, byte for byte what :func:`write_graph` makes of nodes(c) and
    edges(c).  ``cached(entry, signature)`` may supply an item's parts (default: :func:`item_parts`)."""
    head_nodes = list(_head_nodes(c))
    head_edges = list(_unit_edges(c))
    tail_edges = list(_candidate_edges(c))
    table = _keys(c, head_nodes, head_edges, tail_edges)
    signature = key_signature(table)
    render = cached or item_parts
    parts = [render(e, signature) for e in c.entries]

    def generic_node(n: Node) -> tuple[str, str]:
        node, data = n
        return (json_dumps({"id": node, **data}),
                f'    <node id="{xml_escape(node)}">\n{table.data("node", data, "      ")}    </node>\n')

    def generic_edge(edge: Edge) -> tuple[str, str]:
        u, v, key, data = edge
        return (json_dumps({"source": u, "target": v, "key": key, **data}),
                f'    <edge source="{xml_escape(u)}" target="{xml_escape(v)}" id="{xml_escape(str(key))}">\n'
                f'{table.data("edge", data, "      ")}    </edge>\n')

    link_kind, link_label = table.id("node", "kind"), table.id("node", "label")

    def node_parts() -> Iterator[tuple[str, str]]:
        for n in head_nodes:
            yield generic_node(n)
        links: set[str] = set()
        for e, part in zip(c.entries, parts, strict=True):
            yield part[0], part[1]
            for url in e.links:
                if url not in links:
                    links.add(url)
                    yield link_node_parts(url, link_kind, link_label)

    def edge_parts() -> Iterator[tuple[str, str]]:
        for edge in head_edges:
            yield generic_edge(edge)
        for part in parts:
            yield part[2], part[3]
        for edge in tail_edges:
            yield generic_edge(edge)

    write_graph_parts(json_target, graphml_target, graph_attributes(c), table, node_parts(), edge_parts())
