"""Generate the JSON Schemas of the reference catalogues (``catalog-*.schema.json``) from their models.

The models live in :mod:`zwgk.validators.reference`; each schema describes one whole catalogue file
(``{"_meta": {...}, "<list key>": [...]}``).  ``python -m zwgk.schema.generate_catalogs`` rewrites the
committed files; ``--check`` only reports drift (the test suite does the same comparison).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from zwgk.catalogs import CATALOG_FILES
from zwgk.schema.generate import render, write_or_check  # noqa: F401  (render is re-exported)
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


def main(argv: list[str] | None = None) -> int:
    """`python -m zwgk.schema.generate_catalogs [--check]`: the same writer as zwgk.schema.generate."""
    return write_or_check(catalog_schemas(), argv)


if __name__ == "__main__":
    sys.exit(main())
