"""``catalogue.json`` and ``issues.json``: streamed, validated against the published schema as they go.

A city-sized catalogue (~480,000 items) never exists as one Python document: every item is rendered,
validated against ``#/$defs/CatalogueItem`` of ``schema/catalogue.schema.json`` and written, one line
each.  The rest of the document (district, units, domains, clauses, findings) is validated against the
whole schema with an empty item list.  Because the schema's ``items`` property is exactly "an array of
CatalogueItem" (checked below), the two checks together are the whole-document check.

Validation uses jsonschema-rs when installed (about 200× faster on this schema) and python-jsonschema
otherwise; both implement the same draft 2020-12 semantics.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from importlib.resources import files
from typing import IO, Any

SCHEMA_FILE = "catalogue.schema.json"
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_ALLOWED_ITEMS_KEYS = {"items", "type", "title", "description"}


class CatalogueInvalid(Exception):
    """The catalogue would not validate against its schema: where and what."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.detail = message


@cache
def catalogue_schema() -> dict[str, Any]:
    text = files("zwgk.schema").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _compile(schema: dict[str, Any]) -> Callable[[Any], Iterator[tuple[str, str]]]:
    """A function yielding (instance path, message) for every error of ``schema``."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - exercised when the optional accelerator is absent
        pass
    else:
        rs = jsonschema_rs.validator_for(schema)

        def errors_rs(instance: Any) -> Iterator[tuple[str, str]]:
            for e in rs.iter_errors(instance):
                yield "/".join(str(p) for p in e.instance_path), e.message

        return errors_rs
    from jsonschema import Draft202012Validator

    py = Draft202012Validator(schema)

    def errors_py(instance: Any) -> Iterator[tuple[str, str]]:
        for e in py.iter_errors(instance):
            yield "/".join(str(p) for p in e.absolute_path), e.message

    return errors_py


@cache
def _validators() -> tuple[Callable[[Any], Iterator[tuple[str, str]]], Callable[[Any], Iterator[tuple[str, str]]]]:
    schema = catalogue_schema()
    items = schema.get("properties", {}).get("items", {})
    if set(items) - _ALLOWED_ITEMS_KEYS or items.get("items") != {"$ref": "#/$defs/CatalogueItem"}:
        raise CatalogueInvalid("schema", "catalogue.schema.json 的 items 不再是 CatalogueItem 数组；请同步修改本模块的分段校验")
    item_schema = {"$schema": schema.get("$schema"), "$defs": schema.get("$defs", {}), "$ref": "#/$defs/CatalogueItem"}
    return _compile(schema), _compile(item_schema)


def _dumps(value: Any) -> str:
    return _ENCODER.encode(value)


def _member(key: str, value: Any) -> str:
    """One top-level member and its comma; a list is written one element per line (diff-friendly)."""
    if isinstance(value, list) and value:
        body = ",\n".join(_dumps(v) for v in value)
        return f"{_dumps(key)}:[\n{body}\n],\n"
    return f"{_dumps(key)}:{_dumps(value)},\n"


def item_line(item: dict[str, Any], n: int) -> str:
    """One item as catalogue.json writes it, validated against ``#/$defs/CatalogueItem`` (``n``: its
    position, for the message).  Raises :class:`CatalogueInvalid`."""
    for where, message in _validators()[1](item):
        raise CatalogueInvalid(f"items/{n}/{where}".rstrip("/") + f" ({item.get('id', '?')})", message)
    return _dumps(item)


def write_catalogue(
    fh: IO[str],
    head: dict[str, Any],
    items: Iterable[dict[str, Any] | str],
    tail: dict[str, Any],
) -> str:
    """Write the catalogue document to ``fh``; return its content hash (the ``version``).

    ``head`` holds every key but ``items`` and ``version``; ``tail`` the lists written after items.  An item
    is a dict, or a line :func:`item_line` made of one (validated already).
    Raises :class:`CatalogueInvalid` at the first item or section that does not validate (nothing
    written so far is published: the caller writes into a staging folder).
    """
    whole, _ = _validators()
    skeleton = {**head, **tail, "items": [], "version": "0"}
    for where, message in whole(skeleton):
        raise CatalogueInvalid(where or "(root)", message)
    digest = hashlib.sha256()
    fh.write("{\n")
    for key, value in head.items():
        line = _member(key, value)
        fh.write(line)
        if key not in ("format_version", "district", "as_of"):
            digest.update(line.encode())
    fh.write('"items":[')
    batch: list[str] = []
    written = 0
    for n, item in enumerate(items):
        batch.append(item if isinstance(item, str) else item_line(item, n))
        if len(batch) >= 2048 or n == 0:
            # One element per line; the hash covers exactly the bytes written, chunk by chunk.
            text = ("\n" if written == 0 else ",\n") + ",\n".join(batch)
            fh.write(text)
            digest.update(text.encode())
            written += len(batch)
            batch = []
    if batch:
        text = ("\n" if written == 0 else ",\n") + ",\n".join(batch)
        fh.write(text)
        digest.update(text.encode())
    fh.write("\n],\n")
    for key, value in tail.items():
        line = _member(key, value)
        fh.write(line)
        digest.update(line.encode())
    version = digest.hexdigest()[:16]
    fh.write(f'"version":{_dumps(version)}\n}}\n')
    return version


def write_issues(fh: IO[str], head: dict[str, Any], findings: Iterable[dict[str, Any]]) -> None:
    """``issues.json``: counts first, then every finding of every file and of the district, one per line."""
    fh.write("{\n")
    for key, value in head.items():
        fh.write(_member(key, value))
    fh.write('"findings":[')
    for n, f in enumerate(findings):
        fh.write(("\n" if n == 0 else ",\n") + _dumps(f))
    fh.write("\n]\n}\n")
