"""The example district of `make demo`: generated deterministically, and each file shows what it is meant to."""

from __future__ import annotations

import inspect
import re
import tomllib
from pathlib import Path

import pytest
from zwgk.catalogs import load_reference
from zwgk.compiler.check import check_file, rule_context
from zwgk.compiler.example import HAS_XLWT, MISSING_UNIT, example_units, write_example_district
from zwgk.validators import registry
from zwgk.validators.rules import structure

REF = load_reference()
CTX = rule_context()
HR = "区人力资源社会保障局.xls" if HAS_XLWT else "区人力资源社会保障局.xlsx"

# What `zwgk check` must find in each file (the unit passed where zwgk.toml names it).
EXPECTED: dict[str, set[str]] = {
    "区教育局.xlsx": {"sheet-instructions-skipped"},
    "区民政局.xlsx": {"sheet-instructions-skipped", "mode-none", "mode-both", "tick-mark-unrecognised",
                    "audience-none", "level-none"},
    "区卫生健康委.xlsx": {"sheet-instructions-skipped", "basis-brackets-unbalanced", "basis-clause-not-found",
                      "time-limit-exceeds-statutory", "time-limit-unrecognised", "link-invalid",
                      "link-off-government"},
    "大场镇.xlsx": {"item-duplicate", "required-cell-empty", "row-heading", "rows-not-involved", "rows-hidden"},
    "罗店镇.xlsx": {"sheet-instructions-skipped", "township-only-district-items"},
    "吴淞街道.xlsx": set(),
    "区财政局.xlsx": {"value-not-in-vocabulary", "column-unknown"},
    HR: {"channel-unknown"},
    "区市场监管局.csv": {"csv-encoding", "nul-bytes", "cell-too-long"},
    "区规划资源局.xlsx": {"formula-no-value", "required-cell-empty", "column-duplicate", "row-not-item",
                     "rows-numbered-only", "ditto-nothing-above"},
    "区城管执法局.xlsx": {"sheet-instructions-skipped", "external-link", "cell-error-value", "sheet-hidden-skipped"},
    "宝山工业园区.xlsx": {"domain-missing", "domain-unknown", "header-not-found", "sheet-empty", "sheet-title-only"},
    "目录汇总（终稿）.xlsx": {"unit-missing"},
    "城建委目录.xlsx": {"unit-unknown"},
    "区司法局.xlsx": {"column-missing", "column-unknown", "rows-not-read"},
    "区文化旅游局.xlsx": {"file-unreadable"},
}
# Findings a generated demo cannot honestly carry: an encrypted workbook, a real VBA project, and files
# beyond the safety limits (hundreds of MB, 200,000 rows).  The hostile-input tests cover those.
NOT_IN_EXAMPLE = {"file-encrypted", "file-has-macros", "file-limit-exceeded", "rows-truncated",
                  # A hidden catalogue sheet and a collected workbook of several units are not unit
                  # submissions a demo should model; tests/test_reader_blind2.py reads both.
                  "sheet-hidden", "units-mixed"}


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_example_district(tmp_path_factory.mktemp("example") / "提交")


@pytest.fixture(scope="module")
def manifest(district: Path) -> dict:
    return tomllib.loads((district / "zwgk.toml").read_text(encoding="utf-8"))


def test_generates_byte_identical_files(district: Path, tmp_path: Path) -> None:
    again = write_example_district(tmp_path / "again")
    names = sorted(p.name for p in district.iterdir())
    assert names == sorted(p.name for p in again.iterdir())
    assert names == sorted([*EXPECTED, "zwgk.toml"])
    for name in names:
        assert (district / name).read_bytes() == (again / name).read_bytes(), name


def test_manifest_maps_the_anonymous_files_and_declares_not_involved(district: Path, manifest: dict) -> None:
    assert manifest["district"] == "上海市宝山区" and manifest["as_of"] == "2020-09-30"
    for entry in manifest["files"]:
        assert (district / entry["path"]).is_file()
        assert REF.unit(entry["unit"]) is not None
    for entry in manifest["not_involved"]:
        assert REF.unit(entry["unit"]) is not None and REF.domain(entry["domain"]) is not None
        assert entry["reason"]
    assert {e["unit"] for e in manifest["files"]} == {"杨行镇", "区建设管理委"}


def test_at_least_twelve_units_of_every_kind_and_one_missing(district: Path, manifest: dict) -> None:
    units = example_units()
    assert set(units) == set(EXPECTED)
    kinds = {REF.unit(u).kind for u in units.values()}  # type: ignore[union-attr]
    assert len(set(units.values())) >= 12 and {"委办局", "街道", "镇", "园区"} <= kinds
    responsible = {u for r in REF.responsibilities for u in r.units}
    assert MISSING_UNIT in responsible and MISSING_UNIT not in units.values()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_file_shows_its_intended_findings(district: Path, manifest: dict, name: str) -> None:
    unit = {e["path"]: e["unit"] for e in manifest["files"]}.get(name)
    result = check_file(district / name, ctx=CTX)
    assert {f.code for f in result.findings} == EXPECTED[name], [f.message() for f in result.findings]
    if name not in ("区文化旅游局.xlsx",):
        assert result.items, name
    if unit is None and name != "区文化旅游局.xlsx":
        assert result.unit == example_units()[name]  # the file says who sent it
    if unit is not None:  # with the manifest's unit the file checks without unit findings
        again = check_file(district / name, unit=unit, ctx=CTX)
        assert again.unit == unit
        assert not {f.code for f in again.findings} & {"unit-missing", "unit-unknown"}


def test_every_kind_of_check_finding_shows_at_least_once() -> None:
    reader_codes = set(re.findall(r'define\(\s*"([a-z0-9-]+)"', inspect.getsource(structure)))
    rule_codes = {code for code, r in registry.RULES.items() if r.check is not None and r.scope in ("sheet", "file")}
    shown = set().union(*EXPECTED.values())
    assert reader_codes and rule_codes
    assert (reader_codes | rule_codes) - shown == NOT_IN_EXAMPLE


def test_template_files_keep_their_guideline_codes(district: Path) -> None:
    result = check_file(district / "区教育局.xlsx", ctx=CTX)
    codes = [it.guideline_code for it in result.items]
    assert codes[: len(REF.guideline_items_for("义务教育"))] == [i.code for i in REF.guideline_items_for("义务教育")]
    assert codes[-2:] == [None, None]  # the unit's own items
    assert all(it.subject == "宝山区教育局" and it.links for it in result.items)
    township = check_file(district / "罗店镇.xlsx", ctx=CTX)
    assert {it.guideline_code for it in township.items} <= {i.code for i in REF.guideline_items if i.township}
