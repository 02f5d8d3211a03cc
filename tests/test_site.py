"""`zwgk site`: the generated pages parsed and checked for structure, links and counts (never byte-compared)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner
from site_fixtures import Node, parse_html, row_cells, sample_catalogue, write_build
from zwgk.compiler.site import SiteError, build_site, load_catalogue
from zwgk.validators.catalogue import Catalogue

from zwgk.cli import cli


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return sample_catalogue()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue) -> Path:
    build = write_build(catalogue, tmp_path_factory.mktemp("build"))
    result = build_site(build, build / "site")
    assert result.out == (build / "site").absolute()
    return result.out


def page(site: Path, rel: str) -> Node:
    return parse_html((site / rel).read_text(encoding="utf-8"))


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def by_name(catalogue: Catalogue) -> dict[str, str]:
    """level2 → item id (level2 is unique in the sample)."""
    return {it.level2 or "": it.id for it in catalogue.items}


# -- the folder ----------------------------------------------------------------------------------------------


def test_sha256sums_lists_every_published_file_with_its_hash(site: Path) -> None:
    lines = (site / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    listed = {}
    for line in lines:
        digest, rel = line.split("  ", 1)
        listed[rel] = digest
    on_disk = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()} - {"SHA256SUMS"}
    assert set(listed) == on_disk
    for rel, digest in listed.items():
        assert hashlib.sha256((site / rel).read_bytes()).hexdigest() == digest, rel
    assert list(listed) == sorted(listed)


def test_page_files_are_plain_ascii_ids_inside_the_folder(site: Path) -> None:
    for p in site.rglob("*"):
        rel = p.relative_to(site).as_posix()
        assert re.fullmatch(r"[A-Za-z0-9._/-]+", rel), rel
        assert p.resolve().is_relative_to(site.resolve())
    assert (site / "d" / "yiwu_jiaoyu.html").is_file()  # pilot domains use their pinyin
    assert (site / "d" / "unclassified.html").is_file()


def test_published_files_are_readable_by_the_web_server(site: Path) -> None:
    import stat

    for p in [site, *site.rglob("*")]:
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode & 0o004, (p, oct(mode))  # others may read (the server runs as another user)
        if p.is_dir():
            assert mode & 0o001, (p, oct(mode))


def test_every_internal_link_and_anchor_resolves(site: Path) -> None:
    ids_cache: dict[Path, set[str]] = {}

    def ids(path: Path) -> set[str]:
        if path not in ids_cache:
            ids_cache[path] = {n.get("id") or "" for n in page(site, path.relative_to(site).as_posix()).iter()}
        return ids_cache[path]

    checked = 0
    for html in html_pages(site):
        for node in parse_html(html.read_text(encoding="utf-8")).iter():
            for attr in ("href", "src"):
                ref = node.get(attr)
                if not ref or node.tag == "form":
                    continue
                parts = urlsplit(ref)
                if parts.scheme:
                    assert parts.scheme in ("http", "https"), ref
                    continue
                target = (html.parent / unquote(parts.path)).resolve() if parts.path else html.resolve()
                assert target.is_relative_to(site.resolve()), (html, ref)
                assert target.is_file(), (html, ref)
                if parts.fragment and target.suffix == ".html":
                    assert parts.fragment in ids(target), (html, ref)
                checked += 1
    assert checked > 100


def test_every_page_has_lang_csp_and_shows_the_catalogue_version_and_date(site: Path, catalogue: Catalogue) -> None:
    for html in html_pages(site):
        doc = parse_html(html.read_text(encoding="utf-8"))
        assert doc.find("html").get("lang") == "zh-CN"
        csp = doc.find("meta", http_equiv="Content-Security-Policy").get("content") or ""
        assert "script-src 'self'" in csp and "default-src 'none'" in csp
        bar = doc.find("p", id="catalogue-version").text()
        assert catalogue.version in bar and catalogue.as_of in bar, html
        assert doc.find("main", id="main")
        assert doc.find("a", class_="skip").get("href") == "#main"
        for th in doc.find_all("th"):
            assert th.get("scope") in ("col", "colgroup", "row"), (html, th.text())


# -- index ---------------------------------------------------------------------------------------------------


def test_index_lists_pilot_domains_first_with_units_counts_and_coverage(site: Path) -> None:
    doc = page(site, "index.html")
    rows = doc.find("table", id="pilot-domains").find("tbody").find_all("tr")
    got = [(r.find("th").text(), r.find("td", class_="items").text(), r.find("td", class_="coverage").text())
           for r in rows]
    assert [g[0] for g in got] == ["财政预决算", "社会救助", "义务教育"]  # by national number 3, 19, 25
    assert [g[1] for g in got] == ["0", "3", "3"]
    assert got[1][2].startswith("2 / 8") and "25.0%" in got[1][2]
    assert rows[0].find_all("td")[1].text() == "区财政局"  # responsible unit, even without items
    assert rows[0].find_all("td")[1].find("a").get("href") == "u/" + next(
        p.name for p in (site / "u").iterdir() if "区财政局" in p.read_text(encoding="utf-8").split("<h1>")[1][:40])
    others = [r.find("th").text() for r in doc.find("table", id="other-domains").find("tbody").find_all("tr")]
    assert others == ["政府信息公开", "未标明领域"]


def test_index_district_figures(site: Path) -> None:
    doc = page(site, "index.html")
    fig = {n.get("id"): n.text() for n in doc.find_all("dd") if n.get("id")}
    assert fig["fig-items"] == "8"
    assert fig["fig-linked"] == "5"  # http(s) links only: the ftp: link does not count
    assert fig["fig-units"] == "6"  # 5 roster units + one unit only items name
    assert fig["fig-domains"] == "4"
    assert fig["fig-coverage"] == "5 / 24"
    assert fig["fig-clauses"] == "2 / 3"


def test_index_units_clauses_and_downloads(site: Path) -> None:
    doc = page(site, "index.html")
    unit_links = {a.text(): a.get("href") for t in doc.find_all("table", class_="units") for a in t.find_all("a")}
    assert set(unit_links) == {"区政府办公室", "区教育局", "区民政局", "区财政局", "罗店镇", "某临时机构"}
    clause_rows = doc.find("table", id="clauses").find("tbody").find_all("tr")
    assert [(r.find("th").text(), r.find_all("td")[-1].text()) for r in clause_rows] == [
        ("第二十条（一）", "1"), ("第二十一条（区级一）", "0"), ("第二十一条（乡镇二）", "2")]
    downloads = doc.find("table", id="download-files").find("tbody").find_all("tr")
    hrefs = [r.find("a").get("href") for r in downloads]
    assert hrefs == ["downloads/catalogue.xlsx", "downloads/catalogue.csv", "downloads/catalogue.json", "SHA256SUMS"]
    for r in downloads[:3]:
        rel = r.find("a").get("href") or ""
        assert r.find("code").text() == hashlib.sha256((site / rel).read_bytes()).hexdigest()
    form = doc.find("form", role="search")
    assert form.get("action") == "search.html" and doc.find("input", id="q").get("name") == "q"


# -- domain, unit and clause pages ---------------------------------------------------------------------------


def test_domain_page_national_layout_two_row_header_and_ticks(site: Path, catalogue: Catalogue) -> None:
    doc = page(site, "d/shehui_jiuzhu.html")
    assert doc.find("h1").text() == "社会救助领域基层政务公开标准目录"
    table = doc.find("table", class_="cat")
    head = table.find("thead").find_all("tr")
    assert len(head) == 2
    row1 = [(th.text(), th.get("colspan"), th.get("rowspan")) for th in head[0].find_all("th")]
    assert row1[:2] == [("序号", None, "2"), ("公开事项", "3", None)]  # level3 used → three 事项 columns
    assert ("公开对象", "2", None) in row1 and ("公开方式", "2", None) in row1
    assert ("公开层级", "3", None) in row1  # 区级, 街镇级 and 村级 (an item uses 村级)
    assert [th.text() for th in head[1].find_all("th")] == [
        "一级事项", "二级事项", "三级事项", "全社会", "特定群众", "主动", "依申请", "区级", "街镇级", "村级"]
    # every body row has exactly as many cells as the header has leaf columns
    leaves = sum(int(th.get("colspan") or 1) for th in head[0].find_all("th"))
    body = table.find("tbody").find_all("tr")
    assert len(body) == 3
    assert all(len(r.find_all("td")) == leaves for r in body)
    ids = by_name(catalogue)
    assert [r.get("data-item-id") for r in body] == [ids["低保审批"], ids["供养标准"], ids["救助结果"]]
    cells = row_cells(table, body[2])
    assert cells["街镇级"].find("span").text() == "√" and cells["村级"].find("span").text() == "√"
    assert cells["区级"].text() == "" and cells["依申请"].text() == ""
    assert cells["填报单位"].text() == "罗店镇" and cells["二级事项"].text() == "救助结果"
    edu = page(site, "d/yiwu_jiaoyu.html").find("table", class_="cat")
    zoning = row_cells(edu, edu.find("tbody").find_all("tr")[1])
    assert zoning["特定群众"].text() == "√是（适龄儿童家长）"  # tick, its screen-reader word, the group named
    assert zoning["依申请"].text() == "√是" and "三级事项" not in zoning  # no level-3 column when none is used
    assert doc.find("p", class_="count").text() == "共 3 项事项。其中 1 项暂无信息链接。"


def test_every_item_links_to_its_information_page_or_says_it_has_none(site: Path, catalogue: Catalogue) -> None:
    doc = page(site, "d/shehui_jiuzhu.html")
    body = doc.find("table", class_="cat").find("tbody").find_all("tr")
    links = [a.get("href") for a in body[0].find("td", class_="c-links").find_all("a")]
    assert links == ["http://mzj.shbsq.gov.cn/dibao/list.html", "https://www.shbsq.gov.cn/mz/db.html"]
    item_link = body[0].find("a", class_="item")
    assert item_link.text() == "审核确认结果" and item_link.get("href") == links[0]
    for a in body[0].find_all("a"):
        if (a.get("href") or "").startswith("http"):
            assert a.get("rel") == "noopener noreferrer"
    assert body[1].find("td", class_="c-links").find("span", class_="nolink").text() == "暂无链接"
    assert not body[1].find_all("a", class_="item")
    unclassified = page(site, "d/unclassified.html").find("table", class_="cat").find("tbody").find_all("tr")
    cell = unclassified[0].find("td", class_="c-links")
    assert not cell.find_all("a") and "ftp://files.example.org/a.pdf" in cell.text()


def test_every_item_is_on_exactly_one_domain_page_and_one_unit_page(site: Path, catalogue: Catalogue) -> None:
    expected = sorted(it.id for it in catalogue.items)
    for folder in ("d", "u"):
        seen = [tr.get("data-item-id") for p in sorted((site / folder).glob("*.html"))
                for tr in page(site, f"{folder}/{p.name}").find_all("tr") if tr.get("data-item-id")]
        assert sorted(s or "" for s in seen) == expected, folder


def unit_page(site: Path, name: str) -> Node:
    for p in sorted((site / "u").glob("*.html")):
        doc = page(site, f"u/{p.name}")
        if doc.find("h1").text() == f"{name}政务公开标准目录":
            return doc
    raise AssertionError(name)


def test_unit_pages(site: Path) -> None:
    edu = unit_page(site, "区教育局")
    sections = edu.find_all("section")
    assert [s.find("h2").text() for s in sections] == ["义务教育"]
    assert len(sections[0].find("tbody").find_all("tr")) == 3
    assert "填报单位" not in [th.text() for th in edu.find("thead").find_all("th")]  # the page is the unit
    finance = unit_page(site, "区财政局")
    assert finance.find("p", class_="empty").text() == "暂无事项。"
    assert [a.text() for a in finance.find("dl", class_="facts").find_all("a")] == ["财政预决算"]
    civil = unit_page(site, "区民政局")
    assert civil.find("ul", class_="not-involved").text() == "扶贫：本区无扶贫对象"
    outsider = unit_page(site, "某临时机构")
    assert "不在区单位名册中" in outsider.find("dl", class_="facts").text()


def test_clause_page_lists_the_items_that_satisfy_it(site: Path, catalogue: Catalogue) -> None:
    doc = page(site, "c/art21-township-2.html")
    assert doc.find("h1").text() == "第二十一条（乡镇二）"
    assert doc.find("blockquote").text().strip() == "社会救助"
    rows = doc.find("table", class_="clause-items").find("tbody").find_all("tr")
    ids = by_name(catalogue)
    assert [r.get("data-item-id") for r in rows] == [ids["救助结果"], ids["低保审批"]]
    assert rows[0].find("th").find("a").get("href") == f"../d/shehui_jiuzhu.html#{page_anchor(site, ids['救助结果'])}"
    assert page(site, "c/art21-district-1.html").find("p", class_="empty").text() == "尚无对应事项。"


def page_anchor(site: Path, item_id: str) -> str:
    doc = page(site, "d/shehui_jiuzhu.html")
    return next(tr.get("id") or "" for tr in doc.find_all("tr") if tr.get("data-item-id") == item_id)


def test_missing_links_report_for_the_web_team(site: Path, catalogue: Catalogue) -> None:
    ids = by_name(catalogue)
    text = (site / "missing-links.csv").read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:5] == ["领域", "填报单位", "事项", "事项编号", "原因"]
    assert {(r[3], r[4]) for r in rows[1:]} == {
        (ids["资助政策"], "未填写链接"), (ids["供养标准"], "未填写链接"), (ids["未归类事项"], "链接不是 http/https 地址")}
    html = page(site, "missing-links.html").find("table", id="missing").find("tbody").find_all("tr")
    assert sorted(r.get("data-item-id") or "" for r in html) == sorted(r[3] for r in rows[1:])


def test_search_page_loads_the_index_and_script_from_the_site_itself(site: Path) -> None:
    doc = page(site, "search.html")
    scripts = [s.get("src") for s in doc.find_all("script")]
    assert scripts == ["assets/search-index.js", "assets/search.js"]
    assert all(s.text() == "" for s in doc.find_all("script"))  # nothing inline (CSP script-src 'self')
    assert doc.find("ol", id="search-results").get("aria-label")


def test_print_and_phone_styles_exist_in_the_stylesheet(site: Path) -> None:
    css = (site / "assets" / "site.css").read_text(encoding="utf-8")
    assert "@media print" in css and "@media (max-width:" in css
    assert "url(" not in css and "@import" not in css and "@font-face" not in css  # nothing fetched from elsewhere


# -- downloads -------------------------------------------------------------------------------------------------


def test_downloads_csv_json_xlsx_hold_every_item(site: Path, catalogue: Catalogue) -> None:
    text = (site / "downloads" / "catalogue.csv").read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][0] == "序号" and rows[0][-1] == "事项编号"
    assert sorted(r[-1] for r in rows[1:]) == sorted(it.id for it in catalogue.items)
    edu = next(r for r in rows[1:] if r[4] == "划片范围")
    assert edu[11] == "全社会、特定群众" and edu[12] == "适龄儿童家长" and edu[13] == "主动、依申请"
    assert edu[14] == "区级、街镇级"

    public = Catalogue.model_validate(json.loads((site / "downloads" / "catalogue.json").read_text(encoding="utf-8")))
    assert public.items == catalogue.items and public.units == catalogue.units
    assert public.findings == []  # internal quality findings are not published

    from openpyxl import load_workbook

    wb = load_workbook(site / "downloads" / "catalogue.xlsx", read_only=True)
    ids: list[str] = []
    for ws in wb.worksheets:
        values = list(ws.iter_rows(values_only=True))
        header = next(r for r in values if r and "序号" in r)
        col = list(header).index("事项编号")
        start = values.index(header) + 2  # two header rows
        ids.extend(str(r[col]) for r in values[start:] if r[col])
    assert sorted(ids) == sorted(it.id for it in catalogue.items)
    assert len(wb.worksheets) == 4  # one sheet per domain with items


def test_build_xlsx_from_compile_is_published_as_is(tmp_path: Path, catalogue: Catalogue) -> None:
    build = write_build(catalogue, tmp_path / "build")
    (build / "catalogue.xlsx").write_bytes(b"PK-the-compile-output")
    out = build_site(build, tmp_path / "site").out
    assert (out / "downloads" / "catalogue.xlsx").read_bytes() == b"PK-the-compile-output"


# -- determinism, atomicity, bad input ----------------------------------------------------------------------


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_catalogue_gives_a_byte_identical_site(tmp_path: Path, catalogue: Catalogue) -> None:
    a = build_site(catalogue, tmp_path / "a").out
    shuffled = catalogue.model_copy(update={"findings": []})  # findings are not published: no effect
    b = build_site(shuffled, tmp_path / "b").out
    assert tree(a) == tree(b)
    changed = catalogue.model_copy(update={"as_of": "2020-07-01"})
    c = build_site(changed, tmp_path / "c").out
    assert tree(c)["index.html"] != tree(a)["index.html"]


def test_rebuild_replaces_the_site_whole_and_leaves_no_temporary_folders(tmp_path: Path, catalogue: Catalogue) -> None:
    out = tmp_path / "site"
    build_site(catalogue, out)
    (out / "d" / "stale.html").write_text("old", encoding="utf-8")
    fewer = catalogue.model_copy(update={"items": catalogue.items[:2]})
    build_site(fewer, out)
    assert not (out / "d" / "stale.html").exists()
    assert "共 2 项" in (out / "d" / "yiwu_jiaoyu.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_refuses_to_replace_a_folder_that_is_not_a_site(tmp_path: Path, catalogue: Catalogue) -> None:
    precious = tmp_path / "documents"
    precious.mkdir()
    (precious / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(SiteError) as err:
        build_site(catalogue, precious)
    assert "不是 zwgk 生成的专栏网站" in err.value.message("zh")
    assert (precious / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["documents"]
    a_file = tmp_path / "file.txt"
    a_file.write_text("x", encoding="utf-8")
    with pytest.raises(SiteError):
        build_site(catalogue, a_file)


@pytest.mark.parametrize(
    ("content", "zh", "en"),
    [
        (None, "请先运行 zwgk compile", "run `zwgk compile` first"),
        ("{\"district\": ", "不是有效的 JSON（第 1 行", "is not valid JSON (line 1"),
        ("{\"format_version\": \"9\"}", "格式版本为 9", "format version 9"),
        ("{\"district\": \"宝山区\", \"as_of\": \"2020-06-30\", \"version\": \"v\", \"units\": [], \"domains\": [], "
         "\"items\": [{\"id\": \"x\"}]}", "items.0.unit", "items.0.unit"),
    ],
)
def test_bad_build_input_gets_a_clear_message(tmp_path: Path, content: str | None, zh: str, en: str) -> None:
    if content is not None:
        (tmp_path / "catalogue.json").write_text(content, encoding="utf-8")
    with pytest.raises(SiteError) as err:
        load_catalogue(tmp_path)
    assert zh in err.value.message("zh")
    assert en in err.value.message("en")


def test_cli_builds_the_site_into_build_site_by_default(tmp_path: Path, catalogue: Catalogue) -> None:
    build = write_build(catalogue, tmp_path / "build")
    result = CliRunner().invoke(cli, ["site", str(build)])
    assert result.exit_code == 0, result.output
    assert "已生成专栏网站" in result.output and "3 项事项没有可用的信息链接" in result.output
    assert (build / "site" / "index.html").is_file()


def test_cli_unreadable_build_exits_2_without_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["site", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "请先运行 zwgk compile" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(cli, ["site", str(tmp_path / "nowhere"), "--lang", "en"])
    assert result.exit_code == 2 and "run `zwgk compile` first" in result.output


def test_english_site(tmp_path: Path, catalogue: Catalogue) -> None:
    out = build_site(catalogue, tmp_path / "en", lang="en").out
    doc = page(out, "d/shehui_jiuzhu.html")
    assert doc.find("html").get("lang") == "en"
    assert doc.find("h1").text() == "Standard catalogue: 社会救助"
    assert "Catalogue version v-3f2a9c" in doc.find("p", id="catalogue-version").text()
