"""Loader for the catalogue vocabulary (catalogs/vocabulary.json)."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files

from zwgk.validators.vocabulary import Vocabulary


@cache
def load_vocabulary() -> Vocabulary:
    data = json.loads(files("zwgk.catalogs").joinpath("vocabulary.json").read_text(encoding="utf-8"))
    data.pop("_meta", None)
    return Vocabulary.model_validate(data)
