"""The reference catalogues zwgk checks against, as package data.

Each ``*.json`` file here is ``{"_meta": {...}, "<list key>": [...]}`` and is checked by a JSON Schema in
``zwgk.schema`` (generated from :mod:`zwgk.validators.reference`; see ``CATALOG_FILES``).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from zwgk.validators.reference import CATALOG_MODELS, CatalogFile, Reference

# Catalogue file (in this package) → the schema file (in zwgk.schema) that checks it.
CATALOG_FILES: dict[str, str] = {
    "domains.json": "catalog-domains.schema.json",
    "units.json": "catalog-units.schema.json",
    "clauses.json": "catalog-clauses.schema.json",
    "guideline_items.json": "catalog-guideline-items.schema.json",
    "responsibilities.json": "catalog-responsibilities.schema.json",
    "pairings.json": "catalog-pairings.schema.json",
    "milestones.json": "catalog-milestones.schema.json",
}


def catalog_text(name: str) -> str:
    """The raw text of catalogue file ``name`` (one of ``CATALOG_FILES``)."""
    if name not in CATALOG_FILES:
        raise KeyError(f"not a reference catalogue: {name}")
    return files(__name__).joinpath(name).read_text(encoding="utf-8")


def read_catalog(name: str) -> CatalogFile:
    """Catalogue file ``name`` parsed and validated by its model."""
    return CATALOG_MODELS[name].model_validate_json(catalog_text(name))


@cache
def load_reference() -> Reference:
    """All reference catalogues, validated and cross-checked (read once per process)."""
    parts = {CATALOG_MODELS[name].list_key: read_catalog(name).entries() for name in CATALOG_FILES}
    return Reference(**parts)


__all__ = ["CATALOG_FILES", "catalog_text", "load_reference", "read_catalog"]
