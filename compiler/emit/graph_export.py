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
_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}

Node = tuple[str, dict[str, Any]]
Edge = tuple[str, str, Any, dict[str, Any]]


def _dumps(value: Any) -> str:
    return _ENCODER.encode(value)


def _xml(value: str) -> str:
    """Text or attribute value: escaped, characters XML 1.0 forbids dropped."""
    return _XML_INVALID.sub("", value).translate(_ESCAPE)


def _text(value: Any) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    return _xml(value if isinstance(value, str) else str(value))


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


class _GraphML:
    """Writes the body to a scratch file while it learns the attribute keys, then header + body."""

    def __init__(self, target: Path, graph: dict[str, Any]) -> None:
        self.target = target
        self.graph = graph
        self.keys: dict[tuple[str, str], tuple[str, str]] = {}  # (domain, name) → (id, type)
        self.body_path = target.with_name(f".{target.name}.body")
        self.body = self.body_path.open("w", encoding="utf-8", newline="\n")

    def _data(self, domain: str, data: dict[str, Any], indent: str) -> str:
        parts = []
        for name, value in data.items():
            t = _TYPES.get(type(value), "string")
            known = self.keys.get((domain, name))
            if known is None:
                known = self.keys[(domain, name)] = (f"{domain[0]}{sum(1 for d, _ in self.keys if d == domain)}", t)
            elif known[1] != t and known[1] != "string":
                self.keys[(domain, name)] = (known[0], "string")  # mixed types: declared as string
            parts.append(f'{indent}<data key="{known[0]}">{_text(value)}</data>\n')
        return "".join(parts)

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
                fh.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                         '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
                         'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                         'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
                         'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
                for domain in ("graph", "node", "edge"):
                    for (d, name), (key_id, t) in self.keys.items():
                        if d == domain:
                            fh.write(f'  <key id="{key_id}" for="{domain}" attr.name="{_xml(name)}" attr.type="{t}"/>\n')
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


def write_node_link(target: Path, graph: dict[str, Any], nodes: Callable[[], Iterable[Node]],
                    edges: Callable[[], Iterable[Edge]]) -> None:
    write_graph(target, None, graph, nodes, edges)


def write_graphml(target: Path, graph: dict[str, Any], nodes: Callable[[], Iterable[Node]],
                  edges: Callable[[], Iterable[Edge]]) -> None:
    write_graph(None, target, graph, nodes, edges)
