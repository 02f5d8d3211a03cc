"""Generate the JSON Schemas of zwgk's published formats from their models.

* ``disclosure-item.schema.json`` — one normalised catalogue row (:class:`zwgk.validators.models.DisclosureItem`);
* ``finding.schema.json`` — one finding as data (:class:`zwgk.validators.models.Finding`);
* ``report.schema.json`` — what ``zwgk check --format json`` prints (:class:`zwgk.validators.report.CheckReport`);
* ``catalogue.schema.json`` — what ``zwgk compile`` writes as ``catalogue.json``
  (:class:`zwgk.validators.catalogue.Catalogue`).

``python -m zwgk.schema.generate`` rewrites the committed files; ``--check`` only reports drift (the test
suite makes the same comparison).  The reference catalogues' schemas come from ``generate_catalogs``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from zwgk.validators.catalogue import Catalogue
from zwgk.validators.models import DisclosureItem, Finding
from zwgk.validators.report import CheckReport

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_DIR = Path(__file__).resolve().parent

# Schema file → (model, title).  A new published format is a new line here.
MODELS: dict[str, tuple[type[BaseModel], str]] = {
    "disclosure-item.schema.json": (DisclosureItem, "zwgk disclosure item (one normalised catalogue row)"),
    "finding.schema.json": (Finding, "zwgk finding (one problem, as data)"),
    "report.schema.json": (CheckReport, "zwgk check report (zwgk check --format json)"),
    "catalogue.schema.json": (Catalogue, "zwgk compiled district catalogue (catalogue.json)"),
}


def model_schemas() -> dict[str, dict[str, Any]]:
    """Schema file name → schema, freshly generated from the models."""
    schemas: dict[str, dict[str, Any]] = {}
    for schema_file, (model, title) in MODELS.items():
        body = model.model_json_schema(mode="validation")
        schemas[schema_file] = {
            "$schema": DIALECT,
            "$id": f"urn:zwgk:schema:{schema_file.removesuffix('.schema.json')}",
            **body,
            "title": title,
        }
    return schemas


def render(schema: dict[str, Any]) -> str:
    """A schema as committed: UTF-8 JSON, two-space indent, sorted keys, trailing newline."""
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_or_check(schemas: dict[str, dict[str, Any]], argv: list[str] | None = None) -> int:
    """Write each schema whose committed file differs, or with --check only report it (exit 1)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report drift instead of writing files")
    parser.add_argument("--dir", type=Path, default=SCHEMA_DIR, help="where the schema files live")
    args = parser.parse_args(argv)
    stale: list[str] = []
    for name, schema in schemas.items():
        path = args.dir / name
        text = render(schema)
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(name)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    for name in stale:
        print(f"{'stale' if args.check else 'wrote'}: {name}")
    return 1 if args.check and stale else 0


def main(argv: list[str] | None = None) -> int:
    return write_or_check(model_schemas(), argv)


if __name__ == "__main__":
    sys.exit(main())
