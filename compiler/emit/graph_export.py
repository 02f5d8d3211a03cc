"""The graph as node-link JSON (``graph.json``) and GraphML (``graph.graphml``), streamed.

Both are written element by element from streams of nodes and edges (:mod:`zwgk.compiler.graph`), never
from a whole graph in memory, and :func:`write_graph` writes both files in one pass over the streams.
The JSON is networkx's node-link format (``nx.node_link_graph(data, edges="edges")`` reads it back as a
MultiDiGraph); the GraphML is plain GraphML 1.0 that networkx, Gephi and yEd read (its body goes to a
scratch file first, because GraphML declares every attribute before the first node).  Order is the order
of the streams, which the compiler fixes.  :func:`streams` adapts a networkx graph.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import networkx as nx
from zwgk.compiler.emit.atomic import atomic_path

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_ANY = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff&<>"]')  # anything _xml would change
_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}

Node = tuple[str, dict[str, Any]]
Edge = tuple[str, str, Any, dict[str, Any]]


def _dumps(value: Any) -> str:
    return _ENCODER.encode(value)


def _xml(value: str) -> str:
    """Text or attribute value: escaped, characters XML 1.0 forbids dropped."""
    if _XML_ANY.search(value) is None:
        return value
    return _XML_INVALID.sub("", value).translate(_ESCAPE)


def _text(value: Any) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    return _xml(value if isinstance(value, str) else str(value))


# The same text as _dumps(value) for a str (the encoder calls this very function), without the dispatch.
json_str = json.encoder.encode_basestring
xml_escape = _xml
json_dumps = _dumps
xml_text = _text


def streams(g: nx.MultiDiGraph) -> tuple[dict[str, Any], Callable[[], Iterable[Node]], Callable[[], Iterable[Edge]]]:
    """(graph attributes, nodes, edges) of a networkx multigraph, in its insertion order."""

    def edge_stream() -> Iterator[Edge]:
        for u, nbrs in g.adjacency():
            for v, keyed in nbrs.items():
                for key, data in keyed.items():
                    yield u, v, key, data

    return dict(g.graph), lambda: g.nodes(data=True), edge_stream


class _NodeLink:
    def __init__(self, fh: IO[str], graph: dict[str, Any]) -> None:
        self.fh = fh
        self.nodes = self.edges = 0
        fh.write(f'{{\n"directed":true,\n"multigraph":true,\n"graph":{_dumps(graph)},\n"nodes":[')

    def node(self, node: str, data: dict[str, Any]) -> None:
        self.fh.write(("\n" if self.nodes == 0 else ",\n") + _dumps({"id": node, **data}))
        self.nodes += 1

    def edge(self, u: str, v: str, key: Any, data: dict[str, Any]) -> None:
        if self.edges == 0:
            self.fh.write('\n],\n"edges":[')
        self.fh.write(("\n" if self.edges == 0 else ",\n") + _dumps({"source": u, "target": v, "key": key, **data}))
        self.edges += 1

    def close(self) -> None:
        if self.edges == 0:
            self.fh.write('\n],\n"edges":[')
        self.fh.write("\n]\n}\n")


class KeyTable:
    """GraphML attribute keys (``<key id= for= attr.name= attr.type=>``) in order of first appearance.

    A key's id is its domain's initial and its position within the domain (``n0``, ``e3``, ``g1``); an
    attribute seen with two types is declared as a string.
    """

    def __init__(self) -> None:
        self.keys: dict[tuple[str, str], tuple[str, str]] = {}  # (domain, name) → (id, type)
        self._counts: dict[str, int] = {}

    def register(self, domain: str, data: dict[str, Any]) -> None:
        for name, value in data.items():
            self.key(domain, name, value)

    def key(self, domain: str, name: str, value: Any) -> str:
        t = _TYPES.get(type(value), "string")
        known = self.keys.get((domain, name))
        if known is None:
            n = self._counts.get(domain, 0)
            self._counts[domain] = n + 1
            known = self.keys[(domain, name)] = (f"{domain[0]}{n}", t)
        elif known[1] != t and known[1] != "string":
            self.keys[(domain, name)] = (known[0], "string")  # mixed types: declared as string
        return known[0]

    def id(self, domain: str, name: str) -> str | None:
        known = self.keys.get((domain, name))
        return known[0] if known else None

    def data(self, domain: str, data: dict[str, Any], indent: str) -> str:
        return "".join(f'{indent}<data key="{self.key(domain, name, value)}">{_text(value)}</data>\n'
                       for name, value in data.items())

    def header(self) -> str:
        lines = [_GRAPHML_HEAD]
        for domain in ("graph", "node", "edge"):
            for (d, name), (key_id, t) in self.keys.items():
                if d == domain:
                    lines.append(f'  <key id="{key_id}" for="{domain}" attr.name="{_xml(name)}" attr.type="{t}"/>\n')
        return "".join(lines)


_GRAPHML_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                 '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
                 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                 'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
                 'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')


class _GraphML:
    """Writes the body to a scratch file while it learns the attribute keys, then header + body."""

    def __init__(self, target: Path, graph: dict[str, Any]) -> None:
        self.target = target
        self.graph = graph
        self.table = KeyTable()
        self.body_path = target.with_name(f".{target.name}.body")
        self.body = self.body_path.open("w", encoding="utf-8", newline="\n")

    def _data(self, domain: str, data: dict[str, Any], indent: str) -> str:
        return self.table.data(domain, data, indent)

    def node(self, node: str, data: dict[str, Any]) -> None:
        self.body.write(f'    <node id="{_xml(node)}">\n{self._data("node", data, "      ")}    </node>\n')

    def edge(self, u: str, v: str, key: Any, data: dict[str, Any]) -> None:
        self.body.write(f'    <edge source="{_xml(u)}" target="{_xml(v)}" id="{_xml(str(key))}">\n'
                        f'{self._data("edge", data, "      ")}    </edge>\n')

    def close(self) -> None:
        self.body.close()
        graph_data = self._data("graph", self.graph, "    ")
        try:
            with atomic_path(self.target) as tmp, tmp.open("w", encoding="utf-8", newline="\n") as fh:
                fh.write(self.table.header())
                fh.write('  <graph edgedefault="directed">\n' + graph_data)
                with self.body_path.open(encoding="utf-8") as body:
                    shutil.copyfileobj(body, fh, 1 << 20)
                fh.write("  </graph>\n</graphml>\n")
        finally:
            self.body_path.unlink(missing_ok=True)

    def abort(self) -> None:
        self.body.close()
        self.body_path.unlink(missing_ok=True)


def write_graph(json_target: Path | None, graphml_target: Path | None, graph: dict[str, Any],
                nodes: Callable[[], Iterable[Node]], edges: Callable[[], Iterable[Edge]]) -> None:
    """Write node-link JSON and/or GraphML in one pass over the streams."""
    gml = _GraphML(graphml_target, graph) if graphml_target is not None else None
    try:
        with contextlib.ExitStack() as stack:  # closes the JSON file before atomic_path moves it in place
            nl = None
            if json_target is not None:
                tmp = stack.enter_context(atomic_path(json_target))
                nl = _NodeLink(stack.enter_context(tmp.open("w", encoding="utf-8", newline="\n")), graph)
            for node, data in nodes():
                if nl is not None:
                    nl.node(node, data)
                if gml is not None:
                    gml.node(node, data)
            for u, v, key, data in edges():
                if nl is not None:
                    nl.edge(u, v, key, data)
                if gml is not None:
                    gml.edge(u, v, key, data)
            if nl is not None:
                nl.close()
        if gml is not None:
            gml.close()
            gml = None
    finally:
        if gml is not None:
            gml.abort()


def write_graph_parts(json_target: Path, graphml_target: Path, graph: dict[str, Any], table: KeyTable,
                      nodes: Iterable[tuple[str, str]], edges: Iterable[tuple[str, str]]) -> None:
    """Both files from pre-rendered parts: (node-link elements, GraphML elements) — the same bytes
    :func:`write_graph` writes for the same nodes and edges, given the :class:`KeyTable` it would learn
    (complete before the first part is rendered: the header comes first).  A JSON part is one element or
    several joined by ``",\\n"``; a GraphML part is whole ``<node>``/``<edge>`` elements."""
    graph_data = table.data("graph", graph, "    ")
    with contextlib.ExitStack() as stack:
        nl = stack.enter_context(stack.enter_context(atomic_path(json_target)).open("w", encoding="utf-8", newline="\n"))
        gml = stack.enter_context(stack.enter_context(atomic_path(graphml_target)).open("w", encoding="utf-8", newline="\n"))
        nl.write(f'{{\n"directed":true,\n"multigraph":true,\n"graph":{_dumps(graph)},\n"nodes":[')
        gml.write(table.header() + '  <graph edgedefault="directed">\n' + graph_data)
        for name, parts in (("nodes", nodes), ("edges", edges)):
            if name == "edges":
                nl.write('\n],\n"edges":[')
            first = True
            batch_nl: list[str] = []
            batch_gml: list[str] = []
            for j, g in parts:
                batch_nl.append(j)
                batch_gml.append(g)
                if len(batch_nl) >= 4096:
                    nl.write(("\n" if first else ",\n") + ",\n".join(batch_nl))
                    gml.write("".join(batch_gml))
                    first = False
                    batch_nl.clear()
                    batch_gml.clear()
            if batch_nl:
                nl.write(("\n" if first else ",\n") + ",\n".join(batch_nl))
                gml.write("".join(batch_gml))
        nl.write("\n]\n}\n")
        gml.write("  </graph>\n</graphml>\n")


def write_node_link(target: Path, graph: dict[str, Any], nodes: Callable[[], Iterable[Node]],
                    edges: Callable[[], Iterable[Edge]]) -> None:
    write_graph(target, None, graph, nodes, edges)


def write_graphml(target: Path, graph: dict[str, Any], nodes: Callable[[], Iterable[Node]],
                  edges: Callable[[], Iterable[Edge]]) -> None:
    write_graph(None, target, graph, nodes, edges)
