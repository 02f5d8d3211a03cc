"""The prebuilt search index: a JavaScript file that assigns the index as data.

A ``<script src>`` works from ``file://`` and from any static server, where ``fetch`` of a JSON file
would not (browsers refuse file:// fetches).  The data is JSON; ``<``, ``>``, ``&`` and the two JS line
separators are written as ``\\uXXXX`` escapes so the text stays inert wherever it is embedded.
"""

from __future__ import annotations

import json
from typing import Any

from zwgk.compiler.site.model import SiteModel

INDEX_FORMAT = 1
_PREFIX = "window.ZWGK_INDEX="
_SUFFIX = ";\n"
_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def index_data(model: SiteModel) -> dict[str, Any]:
    """Compact, column-style index: units and domains are listed once and items refer to them by number.

    item = [name, content, unit index, domain index, anchor]; a result links to domains[d][1] + "#" + anchor.
    """
    domain_idx = {d.name: i for i, d in enumerate(model.domains)}
    unit_idx = {u.name: i for i, u in enumerate(model.units)}
    items = [[it.name, it.content, unit_idx[it.unit], domain_idx[it.domain], it.anchor] for it in model.items]
    return {
        "format": INDEX_FORMAT,
        "district": model.catalogue.district,
        "version": model.catalogue.version,
        "as_of": model.catalogue.as_of,
        "domains": [[d.name, d.href] for d in model.domains],
        "units": [[u.name, u.href] for u in model.units],
        "items": items,
    }


def _escape(text: str) -> str:
    for raw, esc in _ESCAPES.items():
        text = text.replace(raw, esc)
    return text


def index_js(model: SiteModel) -> str:
    payload = json.dumps(index_data(model), ensure_ascii=False, separators=(",", ":"))
    # These characters can only occur inside JSON strings, where the \\u escape means the same text.
    return _PREFIX + _escape(payload) + _SUFFIX


def parse_index_js(text: str) -> dict[str, Any]:
    """The index back from its JavaScript file (for tests and for tools that read a published site)."""
    if not text.startswith(_PREFIX) or not text.endswith(_SUFFIX):
        raise ValueError("not a zwgk search index file")
    data = json.loads(text[len(_PREFIX) : -len(_SUFFIX)])
    if not isinstance(data, dict) or data.get("format") != INDEX_FORMAT:
        raise ValueError("unknown search index format")
    return data
