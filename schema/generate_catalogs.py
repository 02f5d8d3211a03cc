"""Generate the JSON Schemas of the reference catalogues (``catalog-*.schema.json``) from their models.

The models live in :mod:`zwgk.validators.reference`; each schema describes one whole catalogue file
(``{"_meta": {...}, "<list key>": [...]}``).  ``python -m zwgk.schema.generate_catalogs`` rewrites the
committed files; ``--check`` only reports drift (the test suite does the same comparison).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from zwgk.catalogs import CATALOG_FILES
from zwgk.validators.reference import CATALOG_MODELS

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_DIR = Path(__file__).resolve().parent


def catalog_schemas() -> dict[str, dict[str, Any]]:
    """Schema file name → schema, freshly generated from the models."""
    schemas: dict[str, dict[str, Any]] = {}
    for data_file, schema_file in CATALOG_FILES.items():
        model = CATALOG_MODELS[data_file]
        body = model.model_json_schema(by_alias=True, mode="validation")
        schemas[schema_file] = {
            "$schema": DIALECT,
            "$id": f"urn:zwgk:schema:{schema_file.removesuffix('.schema.json')}",
            **body,
            "title": f"zwgk reference catalogue {data_file}",
        }
    return schemas


def render(schema: dict[str, Any]) -> str:
    """A schema as committed: UTF-8 JSON, two-space indent, sorted keys, trailing newline."""
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report drift instead of writing files")
    parser.add_argument("--dir", type=Path, default=SCHEMA_DIR, help="where the schema files live")
    args = parser.parse_args(argv)
    stale: list[str] = []
    for name, schema in catalog_schemas().items():
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


if __name__ == "__main__":
    sys.exit(main())
