"""The committed JSON Schemas are exactly what the models generate, and they mean what they say."""

from __future__ import annotations

import copy
import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from zwgk.schema.generate import MODELS, main, model_schemas, render
from zwgk.validators.catalogue import Catalogue, CatalogueItem, ItemSource
from zwgk.validators.models import DisclosureItem, Finding, Severity, SourceLocation


def committed(name: str) -> str:
    return files("zwgk.schema").joinpath(name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(MODELS))
def test_committed_schema_matches_the_model(name: str) -> None:
    assert committed(name) == render(model_schemas()[name]), f"run: python -m zwgk.schema.generate ({name} is stale)"
    Draft202012Validator.check_schema(json.loads(committed(name)))


def test_check_mode_reports_drift_without_writing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in MODELS:
        (tmp_path / name).write_text(committed(name), encoding="utf-8")
    assert main(["--check", "--dir", str(tmp_path)]) == 0
    stale = tmp_path / "finding.schema.json"
    stale.write_text("{}\n", encoding="utf-8")
    assert main(["--check", "--dir", str(tmp_path)]) == 1
    assert "stale: finding.schema.json" in capsys.readouterr().out
    assert stale.read_text(encoding="utf-8") == "{}\n"
    assert main(["--dir", str(tmp_path)]) == 0
    assert stale.read_text(encoding="utf-8") == committed("finding.schema.json")


def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(committed(name)))


def _catalogue() -> dict[str, Any]:
    item = CatalogueItem(id="it-1", unit="区教育局", domain="义务教育", level1="招生管理", level2="招生政策",
                         mode=["主动"], audience=["全社会"], links=["http://xxgk.shbsq.gov.cn/a.html"],
                         source=ItemSource(path="区教育局.xlsx", sheet="义务教育", row=5))
    return Catalogue(district="上海市宝山区", as_of="2020-09-30", version="v", units=[], domains=[],
                     items=[item]).model_dump(mode="json")


def test_catalogue_schema_accepts_a_catalogue_and_rejects_broken_ones() -> None:
    v = _validator("catalogue.schema.json")
    good = _catalogue()
    assert list(v.iter_errors(good)) == []
    for breakage in ("mode", "stray", "source", "as_of"):
        bad = copy.deepcopy(good)
        if breakage == "mode":
            bad["items"][0]["mode"] = ["随时"]
        elif breakage == "stray":
            bad["items"][0]["colour"] = "red"
        elif breakage == "source":
            del bad["items"][0]["source"]
        else:
            del bad["as_of"]
        assert not v.is_valid(bad), breakage


def test_item_finding_and_report_schemas_describe_their_models() -> None:
    it = DisclosureItem(level1="招生管理", mode=("主动",), source=SourceLocation(path="a.xlsx", row=3))
    assert _validator("disclosure-item.schema.json").is_valid(it.model_dump(mode="json"))
    assert not _validator("disclosure-item.schema.json").is_valid({**it.model_dump(mode="json"), "levels": ["省级"]})
    f = Finding(code="x", severity=Severity.ERROR, location=SourceLocation(path="a.xlsx"))
    assert _validator("finding.schema.json").is_valid(f.model_dump(mode="json"))
    assert not _validator("finding.schema.json").is_valid({**f.model_dump(mode="json"), "severity": "fatal"})
    report = {"tool": "zwgk", "version": "0.1.0", "files": [{"path": "a.xlsx", "items": 1, "links": 0}]}
    assert _validator("report.schema.json").is_valid(report)
    assert not _validator("report.schema.json").is_valid({"version": "0.1.0"})
