"""A hostile catalogue (<script>, javascript: links, =cmd| cells, ../ names) renders inert everywhere."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from site_fixtures import hostile_catalogue, parse_html, row_cells, write_build
from zwgk.compiler.site import build_site
from zwgk.compiler.site.model import safe_href
from zwgk.compiler.site.search import parse_index_js
from zwgk.validators.catalogue import Catalogue

EVIL = "<script>alert(1)</script>"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return hostile_catalogue()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue) -> Path:
    build = write_build(catalogue, tmp_path_factory.mktemp("hostile"))
    return build_site(build, build / "site").out


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://www.shbsq.gov.cn/a", True),
        ("HTTP://WWW.SHBSQ.GOV.CN/", True),
        ("javascript:alert(1)", False),
        (" JavaScript:alert(1)", False),
        ("data:text/html,<script>", False),
        ("//evil.example.com/x", False),
        ("vbscript:msgbox", False),
        ("https://www.shbsq.gov.cn/a b", False),
        ("https://x.gov.cn/\x00", False),
        ("http://", False),
        ("http://[::1", False),
        ("ftp://files.example.org/a.pdf", False),
        ("https://x.gov.cn:8080/a?b=1#c", True),
        ("https://x.gov.cn:99999/", False),
        ("https://用户:密码@政府.cn/", True),
        ("/relative/path", False),
    ],
)
def test_only_absolute_http_links_are_rendered_as_links(url: str, ok: bool) -> None:
    assert (safe_href(url) is not None) is ok


def test_no_page_contains_markup_or_script_from_the_data(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 8
    for html in pages:
        text = html.read_text(encoding="utf-8")
        doc = parse_html(text)  # well formed: no injected tag broke the tree
        for node in doc.iter():
            assert node.tag != "img" and node.tag != "b", (html, node)
            for name, value in node.attrs.items():
                assert not name.startswith("on"), (html, node)
                if name in ("href", "src", "action"):
                    scheme = urlsplit(value or "").scheme.lower()
                    assert scheme in ("", "http", "https"), (html, value)
                    assert not (value or "").startswith("//"), (html, value)
            if node.tag == "script":
                assert node.get("src") in ("assets/search-index.js", "assets/search.js") and not node.text()
            if node.tag == "a" and urlsplit(node.get("href") or "").scheme in ("http", "https"):
                assert node.get("rel") == "noopener noreferrer"
        assert "<script>alert" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_hostile_text_is_shown_as_text(site: Path, catalogue: Catalogue) -> None:
    doc = parse_html((site / "d" / "yiwu_jiaoyu.html").read_text(encoding="utf-8"))
    row = doc.find("tr", data_item_id=catalogue.items[0].id)
    cells = row_cells(doc.find("table", class_="cat"), row)
    assert cells["一级事项"].text() == f"招生{EVIL}"
    assert cells["公开内容（要素）"].text() == "+SUM(1,2) \"quoted\" & <img src=x onerror=alert(1)>"
    link_cell = cells["信息链接"]
    assert not link_cell.find_all("a")
    assert "javascript:alert(document.cookie)" in link_cell.text()


def test_mixed_links_keep_only_the_http_one_as_a_link(site: Path, catalogue: Catalogue) -> None:
    slug = next(p for p in (site / "d").glob("x-*.html"))
    doc = parse_html(slug.read_text(encoding="utf-8"))
    row = doc.find("tr", data_item_id=catalogue.items[1].id)
    hrefs = [a.get("href") for a in row.find("td", class_="c-links").find_all("a")]
    assert hrefs == ["https://www.shbsq.gov.cn/ok?a=1&b=\"><script>alert(2)</script>"]  # escaped in the attribute
    text = slug.read_text(encoding="utf-8")
    assert '"><script>alert(2)' not in text and "b=&quot;&gt;&lt;script&gt;alert(2)" in text


def test_names_never_become_paths(site: Path) -> None:
    for p in site.rglob("*"):
        rel = p.relative_to(site).as_posix()
        assert re.fullmatch(r"[A-Za-z0-9._/-]+", rel) and ".." not in rel, rel
    assert not (site.parent / "etc").exists()


def test_search_index_stays_inert_and_round_trips(site: Path, catalogue: Catalogue) -> None:
    text = (site / "assets" / "search-index.js").read_text(encoding="utf-8")
    for raw in ("<", ">", "\u2028", "\u2029"):
        assert raw not in text
    data = parse_index_js(text)
    assert [i[0] for i in data["items"]][0] == f"招生{EVIL} / =cmd|' /C calc'!A0"
    assert data["units"][[u[0] for u in data["units"]].index(f"区<b>教育</b>局{EVIL}")]
    assert data["version"] == catalogue.version


def _cells_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8").lstrip("\ufeff"))))


def test_csv_cells_that_would_be_formulas_are_neutralised(site: Path) -> None:
    for rel in ("downloads/catalogue.csv", "missing-links.csv"):
        rows = _cells_csv(site / rel)
        assert len(rows) > 1
        for row in rows:
            for cell in row:
                assert not cell.startswith(FORMULA_START), (rel, cell)
    rows = _cells_csv(site / "downloads" / "catalogue.csv")
    flat = {c for r in rows for c in r}
    assert "'=cmd|' /C calc'!A0" in flat and "'@SUM(A1)" in flat and "'-2+3" in flat
    assert "'=HYPERLINK(\"http://evil\")" in flat


def test_xlsx_cells_are_neutralised_and_hold_no_formulas(site: Path) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(site / "downloads" / "catalogue.xlsx")
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_START), (ws.title, cell.coordinate, cell.value)
                    seen.add(cell.value)
    assert "'=cmd|' /C calc'!A0" in seen


def test_json_download_keeps_the_text_exactly(site: Path, catalogue: Catalogue) -> None:
    public = json.loads((site / "downloads" / "catalogue.json").read_text(encoding="utf-8"))
    assert [it["level2"] for it in public["items"]] == [it.level2 for it in catalogue.items]
