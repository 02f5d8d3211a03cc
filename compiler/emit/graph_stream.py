"""graph.json and graph.graphml without every item's rendered text in memory at once.

:func:`zwgk.compiler.graph.write_compiled_graph` renders every item's node and edges (:func:`item_parts`)
into one list before writing, because both files list all nodes before the first edge.  That list is about
3.8 KB an item: 110 MB for a district, 1.8 GB for a city (≈ 480,000 items), which alone would break the
city's 2 GB budget.  :func:`write_graph_streamed` writes the same bytes in one pass over the items: each
item's node goes out at once and its edges go to a scratch file beside the outputs (marshal: two strings a
record), which is played back after the last node.  The tests hold it to ``write_compiled_graph``'s bytes.

(The streaming belongs in ``write_compiled_graph`` itself; until it moves there this module reuses that
module's building blocks as they are.)
"""

from __future__ import annotations

import marshal
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zwgk.compiler.emit.graph_export import json_dumps, write_graph_parts, xml_escape
from zwgk.compiler.graph import (
    Edge,
    Node,
    _candidate_edges,
    _head_nodes,
    _keys,
    _unit_edges,
    graph_attributes,
    item_parts,
    key_signature,
    link_node_parts,
)

if TYPE_CHECKING:
    from zwgk.compiler.compile import Compiled

_BUFFER = 1 << 20


def write_graph_streamed(c: Compiled, json_target: Path, graphml_target: Path) -> None:
    """Both graph files of ``c``, byte for byte what ``write_compiled_graph`` writes, in memory that does not
    grow with the number of items (the scratch file is removed whatever happens)."""
    head_nodes = list(_head_nodes(c))
    head_edges = list(_unit_edges(c))
    tail_edges = list(_candidate_edges(c))
    table = _keys(c, head_nodes, head_edges, tail_edges)
    signature = key_signature(table)
    link_kind, link_label = table.id("node", "kind"), table.id("node", "label")
    fd, name = tempfile.mkstemp(prefix=f".{json_target.name}.", suffix=".edges", dir=json_target.parent)
    scratch = Path(name)
    spill = os.fdopen(fd, "wb", buffering=_BUFFER)

    def generic_node(n: Node) -> tuple[str, str]:
        node, data = n
        return (json_dumps({"id": node, **data}),
                f'    <node id="{xml_escape(node)}">\n{table.data("node", data, "      ")}    </node>\n')

    def generic_edge(edge: Edge) -> tuple[str, str]:
        u, v, key, data = edge
        return (json_dumps({"source": u, "target": v, "key": key, **data}),
                f'    <edge source="{xml_escape(u)}" target="{xml_escape(v)}" id="{xml_escape(str(key))}">\n'
                f'{table.data("edge", data, "      ")}    </edge>\n')

    def node_parts() -> Iterator[tuple[str, str]]:
        for n in head_nodes:
            yield generic_node(n)
        links: set[str] = set()
        with spill:
            for e in c.entries:
                node_json, node_gml, edges_json, edges_gml = item_parts(e, signature)
                marshal.dump((edges_json, edges_gml), spill)
                yield node_json, node_gml
                for url in e.links:
                    if url not in links:
                        links.add(url)
                        yield link_node_parts(url, link_kind, link_label)

    def edge_parts() -> Iterator[tuple[str, str]]:
        for edge in head_edges:
            yield generic_edge(edge)
        with scratch.open("rb", buffering=_BUFFER) as played:
            for _ in range(len(c.entries)):
                record: Any = marshal.load(played)
                yield record[0], record[1]
        for edge in tail_edges:
            yield generic_edge(edge)

    try:
        write_graph_parts(json_target, graphml_target, graph_attributes(c), table, node_parts(), edge_parts())
    finally:
        spill.close()
        scratch.unlink(missing_ok=True)
