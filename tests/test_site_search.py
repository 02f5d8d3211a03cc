"""The prebuilt search index: every item in it, parsed back exactly, pointing at a real anchor."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from site_fixtures import make_item, parse_html, sample_catalogue
from zwgk.catalogs import load_reference
from zwgk.compiler.site import build_site
from zwgk.compiler.site.model import build_model
from zwgk.compiler.site.search import index_data, index_js, parse_index_js
from zwgk.validators.catalogue import Catalogue, CatalogueUnit


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(sample_catalogue(), tmp_path_factory.mktemp("search") / "site").out


def test_index_holds_every_item_with_its_unit_domain_and_anchor(site: Path) -> None:
    catalogue = sample_catalogue()
    data = parse_index_js((site / "assets" / "search-index.js").read_text(encoding="utf-8"))
    assert data["version"] == catalogue.version and data["as_of"] == catalogue.as_of
    assert len(data["items"]) == len(catalogue.items)
    anchors: dict[str, set[str]] = {}
    for entry, item in zip(data["items"], catalogue.items, strict=True):
        name, content, unit_i, domain_i, anchor = entry
        assert name == " / ".join(p for p in (item.level1, item.level2, item.level3) if p)
        assert content == item.content
        assert data["units"][unit_i][0] == item.unit
        assert data["domains"][domain_i][0] == (item.domain or "未标明领域")
        href = data["domains"][domain_i][1]
        if href not in anchors:
            doc = parse_html((site / href).read_text(encoding="utf-8"))
            anchors[href] = {tr.get("id") or "" for tr in doc.find_all("tr") if tr.get("data-item-id")}
        assert anchor in anchors[href], (href, anchor)
    for _, href in data["units"]:
        assert (site / href).is_file()


def test_index_is_a_script_assignment_not_a_fetch(site: Path) -> None:
    text = (site / "assets" / "search-index.js").read_text(encoding="utf-8")
    assert text.startswith("window.ZWGK_INDEX={") and text.endswith("};\n")
    js = (site / "assets" / "search.js").read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/", "", js, flags=re.S)  # comments may name what the code avoids
    assert "fetch(" not in code and "XMLHttpRequest" not in code and ".innerHTML" not in code and "eval(" not in code
    assert not re.search(r"https?://", js)


def test_parse_rejects_other_files() -> None:
    with pytest.raises(ValueError):
        parse_index_js("var x = 1;\n")
    with pytest.raises(ValueError):
        parse_index_js('window.ZWGK_INDEX={"format":99};\n')


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names=st.lists(st.tuples(_text, _text, _text, _text), min_size=1, max_size=6), unit=_text.filter(bool))
def test_any_text_round_trips_through_the_index(names: list[tuple[str, str, str, str]], unit: str) -> None:
    items = [make_item(unit, domain or None, l1 or "事项", l2, content=content or "内容", row=i + 3)
             for i, (l1, l2, content, domain) in enumerate(names)]
    # ids must be unique in a catalogue; make_item derives them from the texts
    items = [it.model_copy(update={"id": f"{it.id}-{i}"}) for i, it in enumerate(items)]
    catalogue = Catalogue(district="宝山区", as_of="2020-06-30", version="v1",
                          units=[CatalogueUnit(name=unit, kind=None, level=None, in_roster=False, submitted=True)],
                          domains=[], items=items)
    model = build_model(catalogue, load_reference())
    text = index_js(model)
    for raw in ("<", ">", "&", "\u2028", "\u2029"):
        assert raw not in text
    assert parse_index_js(text) == index_data(model)
    back = parse_index_js(text)
    for entry, item in zip(back["items"], items, strict=True):
        assert back["units"][entry[2]][0] == item.unit
        assert entry[1] == item.content
        assert back["domains"][entry[3]][0] == (item.domain or "未标明领域")
