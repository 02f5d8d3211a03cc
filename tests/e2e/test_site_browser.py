"""End to end in a real headless chromium: serve the generated site on 127.0.0.1, search, follow, check.

Skipped with a reason when chromium or Playwright is missing on a developer's machine; under CI=true a
missing browser fails (see tests/browser.py).
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the shared helpers

from browser import launch_browser, require_browser, screenshot  # noqa: E402
from site_fixtures import hostile_catalogue, large_catalogue, sample_catalogue, write_build  # noqa: E402
from zwgk.compiler.site import build_site  # noqa: E402


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_browser()
    folder = write_build(sample_catalogue(), tmp_path_factory.mktemp("e2e") / "build")
    build_site(folder, folder / "site")
    return folder


@pytest.fixture(scope="module")
def served(build: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(build / "site"))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_browser() as context:
        context.set_default_timeout(10_000)
        yield context


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    p = browser.new_page()
    problems: list[str] = []
    p.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    p.on("pageerror", lambda e: problems.append(str(e)))
    p.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    p.problems = problems
    # Nothing may leave 127.0.0.1 / file:// (no CDN, font or script from elsewhere).
    p.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("http://127.0.0.1", "file://"))
            else (problems.append(f"external request: {route.request.url}"), route.abort()))
    yield p
    p.close()


def test_search_from_index_then_open_the_domain_page_and_the_item_link(page: Any, served: str, build: Path) -> None:
    page.goto(f"{served}/index.html")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "v-3f2a9c" in page.locator("#catalogue-version").inner_text()
    page.fill("#q", "划片")
    page.press("#q", "Enter")
    page.wait_for_url("**/search.html?q=*")
    hits = page.locator("#search-results li a.hit")
    hits.first.wait_for()
    assert hits.count() == 1 and hits.first.inner_text() == "招生入学 / 划片范围"
    assert page.locator("#search-status").inner_text() == "找到 1 项事项。"
    hits.first.click()
    page.wait_for_url("**/d/yiwu_jiaoyu.html#i-*")
    anchor = page.url.split("#", 1)[1]
    row = page.locator(f"tr#{anchor}")
    assert row.locator("td.c-l2").inner_text() == "划片范围"
    link = row.locator("td.c-links a")
    assert link.get_attribute("href") == "https://www.shbsq.gov.cn/jyj/zsrx/hp.html"
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert page.evaluate("document.querySelector(':target') && document.querySelector(':target').id") == anchor
    # Follow the link: the information page is answered locally (nothing leaves the machine).
    page.route("https://www.shbsq.gov.cn/**", lambda route: route.fulfill(
        status=200, content_type="text/html; charset=utf-8", body="<title>信息页面</title><p>划片范围</p>"))
    link.click()
    page.wait_for_url("https://www.shbsq.gov.cn/jyj/zsrx/hp.html")
    assert page.title() == "信息页面"
    page.go_back()
    page.wait_for_url("**/d/yiwu_jiaoyu.html#i-*")
    shot = screenshot(page, build / "screenshots" / "domain-yiwu_jiaoyu.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 5_000
    assert page.problems == []


def test_search_is_instant_substring_and_multi_term(page: Any, served: str) -> None:
    page.goto(f"{served}/search.html")
    box = page.locator("#q")
    box.press_sequentially("救助")  # no submit: results follow each keystroke
    page.wait_for_function("document.querySelectorAll('#search-results li').length === 3")
    assert page.locator("#search-status").inner_text() == "找到 3 项事项。"
    # matches in the item's name first (catalogue order), then matches elsewhere (here: only the domain)
    assert page.locator("#search-results a.hit").all_inner_texts() == [
        "特困人员救助供养 / 供养标准", "临时救助 / 救助结果", "最低生活保障 / 低保审批 / 审核确认结果"]
    box.fill("救助 罗店")  # every term must match (罗店 is only in the unit name)
    box.dispatch_event("input")
    page.wait_for_function("document.querySelectorAll('#search-results li').length === 1")
    assert page.locator("#search-results li a.hit").inner_text() == "临时救助 / 救助结果"
    box.fill("ＨＴＴＰ不存在的词")
    box.dispatch_event("input")
    assert page.locator("#search-status").inner_text() == "未找到相关事项。"
    assert page.locator("#search-results li").count() == 0
    assert page.problems == []


def test_keyboard_moves_from_the_search_box_into_the_results(page: Any, served: str) -> None:
    page.goto(f"{served}/search.html?q=教育")
    page.locator("#search-results li").first.wait_for()
    page.focus("#q")
    page.keyboard.press("ArrowDown")
    first = page.evaluate("document.activeElement.textContent")
    assert first == page.locator("#search-results a.hit").first.inner_text()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.textContent") == first
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.id") == "q"
    page.goto(f"{served}/index.html")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"  # skip link first


def test_works_from_file_url_without_a_server(page: Any, build: Path) -> None:
    page.goto((build / "site" / "search.html").as_uri() + "?q=低保")
    page.wait_for_function("document.querySelectorAll('#search-results li').length === 1")
    assert page.locator("#search-results a.hit").inner_text().endswith("低保审批 / 审核确认结果")
    assert page.problems == []


def test_readable_on_a_phone_and_printable(page: Any, served: str, build: Path) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{served}/d/shehui_jiuzhu.html")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert page.evaluate("getComputedStyle(document.querySelector('table.cat tbody tr')).display") == "block"
    label = page.evaluate("getComputedStyle(document.querySelector('table.cat td.c-l1'), '::before').content")
    assert label == '"一级事项"'
    screenshot(page, build / "screenshots" / "phone-shehui_jiuzhu.png")
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('header.site nav')).display") == "none"
    assert page.pdf()[:4] == b"%PDF"


def test_hostile_catalogue_runs_no_script(page: Any, tmp_path: Path) -> None:
    site = build_site(hostile_catalogue(), tmp_path / "hostile").out
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    assert len(pages) >= 8
    for rel in pages:
        page.goto((site / rel).as_uri())
        assert page.locator("main").count() == 1
    page.goto((site / "search.html").as_uri() + "?q=%3Cscript%3E")
    page.wait_for_function("document.querySelectorAll('#search-results li').length >= 1")
    assert "<script>alert(1)</script>" in page.locator("#search-results").inner_text()
    assert page.locator("#search-results script").count() == 0
    assert [p for p in page.problems if p.startswith("dialog")] == []


def test_many_hits_are_counted_but_only_the_first_hundred_shown(page: Any, tmp_path: Path) -> None:
    catalogue = large_catalogue(600, n_units=12)
    site = build_site(catalogue, tmp_path / "many").out
    page.goto((site / "search.html").as_uri() + "?q=" + "公开内容")
    page.wait_for_function("document.querySelectorAll('#search-results li').length === 100")
    assert page.locator("#search-status").inner_text() == "找到 600 项事项，显示前 100 项。"
    names = page.locator("#search-results a.hit").all_inner_texts()
    page.fill("#q", "第599项")
    page.dispatch_event("#q", "input")
    page.wait_for_function("document.querySelectorAll('#search-results li').length === 1")
    assert page.locator("#search-results .snippet").inner_text().endswith("（第599项）")
    assert len(names) == 100 and page.problems == []
