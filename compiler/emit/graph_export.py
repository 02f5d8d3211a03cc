"""The graph as node-link JSON (``graph.json``) and GraphML (``graph.graphml``), streamed.

Both are written element by element from the graph (networkx's own writers first build the whole
document in memory, which a city-sized graph cannot afford).  The JSON is networkx's node-link format
(``nx.node_link_graph(data, edges="edges")`` reads it back); the GraphML is plain GraphML 1.0 that
networkx, Gephi and yEd read.  Order is the graph's insertion order, which the compiler fixes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

import networkx as nx
from zwgk.compiler.emit.atomic import atomic_path

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def write_node_link(target: Path, g: nx.MultiDiGraph) -> None:
    with atomic_path(target) as tmp, tmp.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write("{\n")
        fh.write(f'"directed":{_dumps(g.is_directed())},\n"multigraph":{_dumps(g.is_multigraph())},\n')
        fh.write(f'"graph":{_dumps(dict(g.graph))},\n"nodes":[')
        for n, (node, data) in enumerate(g.nodes(data=True)):
            fh.write(("\n" if n == 0 else ",\n") + _dumps({"id": node, **data}))
        fh.write('\n],\n"edges":[')
        for n, (u, v, key, data) in enumerate(g.edges(keys=True, data=True)):
            fh.write(("\n" if n == 0 else ",\n") + _dumps({"source": u, "target": v, "key": key, **data}))
        fh.write("\n]\n}\n")


def _type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    return "string"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(_XML_INVALID.sub("", str(value)))


def _keys(items: Iterator[dict[str, Any]]) -> dict[str, str]:
    """Attribute name → GraphML type, in first-seen order; mixed types fall back to string."""
    types: dict[str, str] = {}
    for data in items:
        for name, value in data.items():
            t = _type(value)
            if types.setdefault(name, t) != t:
                types[name] = "string"
    return types


def write_graphml(target: Path, g: nx.MultiDiGraph) -> None:
    node_keys = _keys(data for _, data in g.nodes(data=True))
    edge_keys = _keys(data for _, _, data in g.edges(data=True))
    graph_keys = _keys(iter([dict(g.graph)]))
    ids: dict[tuple[str, str], str] = {}
    with atomic_path(target) as tmp, tmp.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        fh.write('<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
                 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                 'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
                 'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
        for domain, keys in (("graph", graph_keys), ("node", node_keys), ("edge", edge_keys)):
            for name, t in keys.items():
                key_id = ids[(domain, name)] = f"d{len(ids)}"
                fh.write(f'  <key id="{key_id}" for="{domain}" attr.name={quoteattr(name)} attr.type="{t}"/>\n')
        directed = "directed" if g.is_directed() else "undirected"
        fh.write(f'  <graph edgedefault="{directed}">\n')
        _data(fh, "    ", "graph", dict(g.graph), ids)
        for node, data in g.nodes(data=True):
            fh.write(f"    <node id={quoteattr(_XML_INVALID.sub('', node))}>\n")
            _data(fh, "      ", "node", data, ids)
            fh.write("    </node>\n")
        for u, v, key, data in g.edges(keys=True, data=True):
            fh.write(f"    <edge source={quoteattr(_XML_INVALID.sub('', u))} target={quoteattr(_XML_INVALID.sub('', v))} "
                     f"id={quoteattr(str(key))}>\n")
            _data(fh, "      ", "edge", data, ids)
            fh.write("    </edge>\n")
        fh.write("  </graph>\n</graphml>\n")


def _data(fh: IO[str], indent: str, domain: str, data: dict[str, Any], ids: dict[tuple[str, str], str]) -> None:
    for name, value in data.items():
        fh.write(f'{indent}<data key="{ids[(domain, name)]}">{_text(value)}</data>\n')
