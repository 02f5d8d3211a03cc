"""The graph as node-link JSON (``graph.json``) and GraphML (``graph.graphml``), streamed.

Both are written element by element from streams of nodes and edges (:mod:`zwgk.compiler.graph`), never
from a whole graph in memory.  The JSON is networkx's node-link format (``nx.node_link_graph(data,
edges="edges")`` reads it back as a MultiDiGraph); the GraphML is plain GraphML 1.0 that networkx, Gephi
and yEd read.  Order is the order of the streams, which the compiler fixes.  :func:`streams` adapts a
networkx graph, for anyone exporting one they built themselves.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import networkx as nx
from zwgk.compiler.emit.atomic import atomic_path

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}


def _dumps(value: Any) -> str:
    return _ENCODER.encode(value)


def _xml(value: str) -> str:
    """Text or attribute value: escaped, characters XML 1.0 forbids dropped."""
    return _XML_INVALID.sub("", value).translate(_ESCAPE)


Node = tuple[str, dict[str, Any]]
Edge = tuple[str, str, Any, dict[str, Any]]


def streams(g: nx.MultiDiGraph) -> tuple[dict[str, Any], Callable[[], Iterable[Node]], Callable[[], Iterable[Edge]]]:
    """(graph attributes, nodes, edges) of a networkx multigraph, in its insertion order."""

    def edge_stream() -> Iterator[Edge]:
        for u, nbrs in g.adjacency():
            for v, keyed in nbrs.items():
                for key, data in keyed.items():
                    yield u, v, key, data

    return dict(g.graph), lambda: g.nodes(data=True), edge_stream


def write_node_link(target: Path, graph: dict[str, Any], nodes: Callable[[], Iterable[Node]],
                    edges: Callable[[], Iterable[Edge]]) -> None:
    with atomic_path(target) as tmp, tmp.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write('{\n"directed":true,\n"multigraph":true,\n')
        fh.write(f'"graph":{_dumps(graph)},\n"nodes":[')
        for n, (node, data) in enumerate(nodes()):
            fh.write(("\n" if n == 0 else ",\n") + _dumps({"id": node, **data}))
        fh.write('\n],\n"edges":[')
        for n, (u, v, key, data) in enumerate(edges()):
            fh.write(("\n" if n == 0 else ",\n") + _dumps({"source": u, "target": v, "key": key, **data}))
        fh.write("\n]\n}\n")


def _text(value: Any) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    return _xml(value if isinstance(value, str) else str(value))


def _keys(items: Iterator[dict[str, Any]]) -> dict[str, str]:
    """Attribute name → GraphML type, in first-seen order; mixed types fall back to string."""
    types: dict[str, str] = {}
    for data in items:
        for name, value in data.items():
            t = _TYPES.get(type(value), "string")
            if types.setdefault(name, t) != t:
                types[name] = "string"
    return types


def write_graphml(target: Path, graph: dict[str, Any], nodes: Callable[[], Iterable[Node]],
                  edges: Callable[[], Iterable[Edge]]) -> None:
    """Two passes over the streams: GraphML declares every attribute before the first node."""
    node_keys = _keys(data for _, data in nodes())
    edge_keys = _keys(data for _, _, _, data in edges())
    graph_keys = _keys(iter([graph]))
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
                fh.write(f'  <key id="{key_id}" for="{domain}" attr.name="{_xml(name)}" attr.type="{t}"/>\n')
        fh.write('  <graph edgedefault="directed">\n')
        _data(fh, "    ", "graph", graph, ids)
        for node, data in nodes():
            fh.write(f'    <node id="{_xml(node)}">\n')
            _data(fh, "      ", "node", data, ids)
            fh.write("    </node>\n")
        for u, v, key, data in edges():
            fh.write(f'    <edge source="{_xml(u)}" target="{_xml(v)}" id="{_xml(str(key))}">\n')
            _data(fh, "      ", "edge", data, ids)
            fh.write("    </edge>\n")
        fh.write("  </graph>\n</graphml>\n")


def _data(fh: IO[str], indent: str, domain: str, data: dict[str, Any], ids: dict[tuple[str, str], str]) -> None:
    fh.write("".join(f'{indent}<data key="{ids[(domain, name)]}">{_text(value)}</data>\n' for name, value in data.items()))
