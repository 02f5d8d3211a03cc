"""The reference catalogues: files against schemas, schemas against models, facts against the notice."""

from __future__ import annotations

import copy
import json
from importlib.resources import files
from typing import TypeVar

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError
from zwgk.catalogs import CATALOG_FILES, catalog_text, load_reference, read_catalog
from zwgk.schema.generate_catalogs import catalog_schemas, render
from zwgk.validators import reference as reference_module
from zwgk.validators.reference import (
    CATALOG_MODELS,
    DomainResponsibility,
    Pairing,
    Reference,
    Unit,
)

# Units named in 宝府办〔2020〕14号 items 29 and 30 (copied from the notice).
ITEM29_UNITS = {"区机管局", "区建设管理委", "区水务局", "区住房保障房屋管理局", "区民防办", "区交通委"}
ITEM30_UNITS = set(
    "区政府办公室 区发展改革委 区教育局 区公安分局 区民政局 区司法局 区财政局 区人力资源社会保障局 区规划资源局 "
    "区生态环境局 区建设管理委 区农业农村委 区水务局 区文化旅游局 区卫生健康委 区应急局 区市场监管局 区国资委 "
    "区医保局 区住房保障房屋管理局 区城管执法局 区交通委 区税务局".split()
)
STREETS = {"吴淞街道", "友谊路街道", "张庙街道"}
TOWNS = {"罗店镇", "大场镇", "杨行镇", "月浦镇", "罗泾镇", "顾村镇", "高境镇", "庙行镇", "淞南镇"}


T = TypeVar("T")


def _some(value: T | None) -> T:
    assert value is not None
    return value


@pytest.fixture(scope="module")
def ref() -> Reference:
    return load_reference()


def _schema(name: str) -> dict:
    return json.loads(files("zwgk.schema").joinpath(name).read_text(encoding="utf-8"))


# -- files, schemas, models ------------------------------------------------------------------------------


@pytest.mark.parametrize("data_file", sorted(CATALOG_FILES))
def test_catalog_file_validates_against_its_schema(data_file: str) -> None:
    schema = _schema(CATALOG_FILES[data_file])
    Draft202012Validator.check_schema(schema)
    errors = [
        e.message for e in Draft202012Validator(schema).iter_errors(json.loads(catalog_text(data_file)))
    ]
    assert errors == []


@pytest.mark.parametrize("data_file", sorted(CATALOG_FILES))
def test_schema_rejects_a_broken_entry(data_file: str) -> None:
    data = json.loads(catalog_text(data_file))
    key = CATALOG_MODELS[data_file].list_key
    validator = Draft202012Validator(_schema(CATALOG_FILES[data_file]))
    bad_mark = copy.deepcopy(data)
    bad_mark[key][0]["verification"] = "X"
    assert not validator.is_valid(bad_mark)
    no_source = copy.deepcopy(data)
    del no_source[key][0]["source"]
    assert not validator.is_valid(no_source)
    stray = copy.deepcopy(data)
    stray[key][0]["unexpected"] = 1
    assert not validator.is_valid(stray)
    no_meta = {k: v for k, v in data.items() if k != "_meta"}
    assert not validator.is_valid(no_meta)


def test_committed_schemas_equal_generated_ones() -> None:
    generated = catalog_schemas()
    assert set(generated) == set(CATALOG_FILES.values())
    stale = [
        name
        for name, schema in generated.items()
        if files("zwgk.schema").joinpath(name).read_text(encoding="utf-8") != render(schema)
    ]
    assert stale == [], "run: python -m zwgk.schema.generate_catalogs"


def test_every_catalog_file_has_a_model_and_meta() -> None:
    assert set(CATALOG_FILES) == set(CATALOG_MODELS)
    for data_file in CATALOG_FILES:
        parsed = read_catalog(data_file)
        assert parsed.meta.description and parsed.meta.sources and parsed.meta.note
        assert len(parsed.entries()) > 0


def test_load_reference_is_cached_and_consistent(ref: Reference) -> None:
    assert load_reference() is ref
    assert ref.problems() == []


def test_every_fact_has_a_source_and_mark(ref: Reference) -> None:
    facts = list(ref.iter_facts())
    assert len(facts) == sum(len(read_catalog(f).entries()) for f in CATALOG_FILES)
    assert all(f.source.strip() and f.verification in ("V", "P", "R") for f in facts)


def test_models_are_frozen(ref: Reference) -> None:
    with pytest.raises(ValidationError):
        ref.units[0].name = "区别的局"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        Unit(name="区某局", kind="委办局", level="区级", source="x", verification="V", surprise=1)  # type: ignore[call-arg]


# -- domains ---------------------------------------------------------------------------------------------


def test_26_pilot_domains_numbered_1_to_26(ref: Reference) -> None:
    pilot = ref.pilot_domains
    assert len(pilot) == 26
    assert sorted(_some(d.no) for d in pilot) == list(range(1, 27))
    assert all(d.no is None for d in ref.domains if not d.pilot)
    assert 0 < len(ref.domains) - len(pilot) <= 5  # a few generic 全领域 domains, no more
    assert {"义务教育", "户籍管理", "生态环境", "医疗卫生", "财政预决算", "城乡规划", "扶贫", "征地补偿"} <= {
        d.name for d in pilot
    }


def test_domain_prefixes_unique(ref: Reference) -> None:
    prefixes = [d.code_prefix for d in ref.domains]
    assert len(prefixes) == len(set(prefixes))
    assert _some(ref.domain("义务教育")).code_prefix == "YWJY"


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("环境保护", "生态环境"),
        ("环境治理", "生态环境"),
        ("生态环境领域", "生态环境"),
        ("卫生健康", "医疗卫生"),
        ("财政预算决算", "财政预决算"),
        ("国土空间规划", "城乡规划"),
        ("乡村振兴", "扶贫"),
        ("农村集体土地征收", "征地补偿"),
        ("义务教育领域", "义务教育"),
        ("义务教育 ", "义务教育"),
        ("综合政务", "综合政务"),
    ],
)
def test_domain_aliases_resolve(ref: Reference, spelling: str, canonical: str) -> None:
    found = ref.domain(spelling)
    assert found is not None and found.name == canonical


def test_unknown_domain_is_none_with_a_suggestion(ref: Reference) -> None:
    assert ref.domain("航天工程") is None
    assert ref.domain("") is None
    assert ref.closest_domain("环境保护") == ("生态环境", 100.0)
    name, score = _some(ref.closest_domain("生态环保"))
    assert name == "生态环境" and 50 < score < 100


# -- units -----------------------------------------------------------------------------------------------


def test_three_streets_and_nine_towns(ref: Reference) -> None:
    assert {u.name for u in ref.units_of_kind("街道")} == STREETS
    assert {u.name for u in ref.units_of_kind("镇")} == TOWNS
    assert all(u.level == "街镇级" for u in ref.units_of_kind("街道", "镇", "园区"))
    assert _some(ref.unit("罗店镇")).code == "310113101"


def test_parks_and_district_units(ref: Reference) -> None:
    parks = {u.name: u for u in ref.units_of_kind("园区")}
    assert {"宝山工业园区", "宝山城市工业园区", "区科创委(投促办)"} <= set(parks)
    assert parks["宝山城市工业园区"].verification == "P"
    district = {u.name for u in ref.units if u.level == "区级"}
    assert ITEM30_UNITS <= district and ITEM29_UNITS <= district
    assessed_or_compiler = [u for u in ref.units if u.kind == "委办局" and u.verification == "V"]
    assert len(assessed_or_compiler) == 37  # the 36 district units of the 2021 assessment + 区政府办公室


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("区环保局", "区生态环境局"),
        ("区卫生计生委", "区卫生健康委"),
        ("区规划土地局", "区规划资源局"),
        ("上海市宝山区财政局", "区财政局"),
        ("宝山区财政局", "区财政局"),
        ("区财政局", "区财政局"),
        ("区人社局", "区人力资源社会保障局"),
        ("上海市公安局宝山分局", "区公安分局"),
        ("罗店镇人民政府", "罗店镇"),
        ("上海市宝山区罗店镇人民政府", "罗店镇"),
        ("吴淞街道办事处", "吴淞街道"),
        ("区科创委（投促办）", "区科创委(投促办)"),
        ("上海市宝山区人民政府办公室", "区政府办公室"),
        (" 区 教育局\n", "区教育局"),
    ],
)
def test_unit_names_resolve(ref: Reference, spelling: str, canonical: str) -> None:
    found = ref.unit(spelling)
    assert found is not None and found.name == canonical


def test_city_bureau_is_not_the_district_bureau(ref: Reference) -> None:
    assert ref.unit("上海市财政局") is None
    assert ref.unit("区教育厅") is None
    assert ref.unit("") is None


def test_closest_unit_suggests_the_roster_name(ref: Reference) -> None:
    name, score = _some(ref.closest_unit("区教育厅"))
    assert name == "区教育局" and 50 < score < 100
    assert ref.closest_unit("区环保局") == ("区生态环境局", 100.0)
    assert ref.closest_unit("区教育厅", cutoff=99) is None


def test_closest_unit_without_rapidfuzz(ref: Reference, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reference_module, "_rapidfuzz", None)
    name, score = _some(ref.closest_unit("区教育厅"))
    assert name == "区教育局" and 50 < score < 100
    assert _some(ref.closest_domain("生态环保"))[0] == "生态环境"


# -- guideline items -------------------------------------------------------------------------------------


def test_guideline_items_belong_to_pilot_domains(ref: Reference) -> None:
    pilot = {d.name: d for d in ref.pilot_domains}
    assert len(ref.guideline_items) >= 100
    for item in ref.guideline_items:
        assert item.domain in pilot
        assert item.code.startswith(pilot[item.domain].code_prefix + "-")
        assert item.level1 or item.level2
        assert item.level3 is None


def test_guideline_codes_unique_and_sequential(ref: Reference) -> None:
    codes = [i.code for i in ref.guideline_items]
    assert len(codes) == len(set(codes))
    for domain in ref.pilot_domains:
        seqs = [int(i.code.rsplit("-", 1)[1]) for i in ref.guideline_items_for(domain.name)]
        assert seqs == list(range(1, len(seqs) + 1))


def test_guideline_items_for_domain(ref: Reference) -> None:
    education = ref.guideline_items_for("义务教育")
    assert len(education) == 11
    assert {i.level1 for i in education} >= {"政策文件", "教育概况", "招生管理"}
    assert ref.guideline_items_for("环境保护") == ref.guideline_items_for("生态环境") != ()
    assert ref.guideline_items_for("税收管理") == ()
    assert ref.guideline_items_for("不存在") == ()
    assert {i.code for i in ref.guideline_items if i.domain == "社会救助" and i.township} >= {"SHJZ-001"}
    teachers = next(i for i in education if i.level2 == "教师职称评审")
    assert teachers.audience == ("特定群众",) and teachers.mode == ("主动",)


# -- clauses ---------------------------------------------------------------------------------------------


def test_statutory_clauses(ref: Reference) -> None:
    art20 = [c for c in ref.clauses if c.article == 20]
    assert [c.id for c in art20] == [f"art20-{n}" for n in range(1, 16)]
    assert _some(ref.clause("art20-7")).label == "第二十条（七）"
    assert _some(ref.clause("art20-7")).text == "财政预算、决算信息"
    assert {"预算", "决算"} <= set(_some(ref.clause("art20-7")).keywords)
    assert {"机构职能", "办公地址", "负责人"} <= set(_some(ref.clause("art20-2")).keywords)
    assert len([c for c in ref.clauses if c.scope == "district"]) == 7
    assert len([c for c in ref.clauses if c.scope == "township"]) == 8
    assert _some(ref.clause("art21-township-4")).text == "宅基地使用情况审核"


def test_clauses_for_scope(ref: Reference) -> None:
    assert {c.scope for c in ref.clauses_for("all")} == {"all"}
    assert len(ref.clauses_for("all")) == 15
    district = ref.clauses_for("district")
    assert {c.scope for c in district} == {"all", "district"} and len(district) == 22
    assert ref.clauses_for("街镇级") == ref.clauses_for("township")
    assert len(ref.clauses_for("township")) == 23
    with pytest.raises(ValueError):
        ref.clauses_for("county")  # type: ignore[arg-type]


# -- responsibilities, pairings, milestones --------------------------------------------------------------


def test_responsibilities_name_existing_units(ref: Reference) -> None:
    names = {u.name for u in ref.units}
    assert {r.domain for r in ref.responsibilities} == {d.name for d in ref.pilot_domains}
    for r in ref.responsibilities:
        assert set(r.units) <= names, r.domain
    covered = {n for r in ref.responsibilities for n in r.units}
    assert ITEM30_UNITS - {"区政府办公室"} <= covered
    meta = read_catalog("responsibilities.json").meta
    assert set(_some(meta.model_extra)["item30_units"]) == ITEM30_UNITS


def test_units_for_domain(ref: Reference) -> None:
    assert [u.name for u in ref.units_for_domain("环境保护")] == ["区生态环境局"]
    assert "区人力资源社会保障局" in [u.name for u in ref.units_for_domain("就业")]
    assert ref.units_for_domain("综合政务") == ()
    assert ref.units_for_domain("不存在") == ()


def test_pairings(ref: Reference) -> None:
    assert {p.unit for p in ref.pairings} == ITEM29_UNITS
    assert all(p.verification == "R" for p in ref.pairings)
    assert all(p.unit in {u.name for u in ref.units} for p in ref.pairings)
    found = ref.pairing_for("上海市宝山区水务局")
    assert found is not None and found.unit == "区水务局"
    assert ref.pairing_for("区财政局") is None
    assert ref.pairing_for("不存在的局") is None


def test_milestones(ref: Reference) -> None:
    by_item: dict[int, list] = {}
    for m in ref.milestones:
        assert m.day.year == 2020
        for n in m.notice_items:
            by_item.setdefault(n, []).append(m)
    assert [(m.date, m.applies_to) for m in by_item[10]] == [("2020-06-30", "all")]
    assert [(m.date, m.applies_to) for m in by_item[7]] == [("2020-06-30", "all")]
    assert [(m.date, m.applies_to) for m in by_item[28]] == [("2020-09-30", "all")]
    assert sorted((m.date, m.applies_to) for m in by_item[29]) == [
        ("2020-06-30", "paired"),
        ("2020-09-30", "paired"),
    ]


# -- integrity checks bite -------------------------------------------------------------------------------


def test_reference_rejects_unknown_units(ref: Reference) -> None:
    with pytest.raises(ValidationError, match="unknown unit"):
        Reference(
            domains=ref.domains,
            units=ref.units,
            responsibilities=(
                DomainResponsibility(domain="就业", units=("区不存在局",), source="x", verification="R"),
            ),
        )
    with pytest.raises(ValidationError, match="unknown unit"):
        Reference(
            domains=ref.domains,
            units=ref.units,
            pairings=(
                Pairing(
                    unit="区不存在局", city_department="市某局", domain="某", source="x", verification="R"
                ),
            ),
        )


def test_reference_reports_ambiguous_names(ref: Reference) -> None:
    clash = Unit(
        name="区另一个局", kind="委办局", level="区级", aliases=("区财政局",), source="x", verification="R"
    )
    broken = Reference(domains=ref.domains, units=(*ref.units, clash))
    assert any("区财政局" in p for p in broken.problems())


def test_equal_references_compare_equal_after_lookups(ref: Reference) -> None:
    twin = ref.model_copy()
    ref.unit("区财政局")
    assert twin == ref and hash(twin) == hash(ref)
