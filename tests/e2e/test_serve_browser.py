"""End to end in a real headless chromium against `zwgk serve` (uvicorn in a thread on 127.0.0.1).

A person's path: open the upload page, choose (or drop) a workbook, check, read the findings, download the
annotated copy.  Also without JavaScript, and the size limit told before and after uploading.
Skipped with a reason when chromium or Playwright is missing locally; under CI=true a missing browser fails.
"""

from __future__ import annotations

import base64
import io
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the shared helpers

from browser import launch_browser, require_browser  # noqa: E402
from builders import national, sample_item, write  # noqa: E402

from zwgk.serve.app import address, bind, create_app, make_server  # noqa: E402
from zwgk.serve.config import ServeConfig  # noqa: E402

MAX_UPLOAD = 256 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_browser()
    sock = bind("127.0.0.1", 0)
    app = create_app(ServeConfig(data_dir=tmp_path_factory.mktemp("serve-data"), max_upload_bytes=MAX_UPLOAD,
                                 drain_bytes=4 * 1024 * 1024))
    srv = make_server(app)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert srv.started, "uvicorn did not start"
    try:
        yield address(sock).rstrip("/")
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("books")
    bad_sheet = national([sample_item(1), sample_item(2, basis="")])
    bad = write(folder / "宝山区教育局目录.xlsx", [bad_sheet])
    good = write(folder / "宝山区教育局 正式版.xlsx", [national([sample_item(1), sample_item(2)])])
    big = folder / "太大的目录.xlsx"
    big.write_bytes(bad.read_bytes() + b"\0" * MAX_UPLOAD)
    basis_col = bad_sheet.column_letter("公开依据")
    return {"bad": bad, "good": good, "big": big, "flagged": Path(f"{basis_col}{bad_sheet.item_rows[1]}")}


@pytest.fixture
def browser_context(server: str) -> Iterator[Any]:
    # One browser per test: Playwright's sync API cannot nest a second (no-JavaScript) launch in a shared one.
    with launch_browser() as context:
        context.set_default_timeout(20_000)
        yield context


def _page(context: Any) -> tuple[Any, list[str]]:
    page = context.new_page()
    problems: list[str] = []
    # A CSP violation or a script error shows up here; the pages must produce none.
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return page, problems


def test_check_a_workbook_and_download_the_annotated_copy(server: str, workbooks: dict[str, Path],
                                                         browser_context: Any) -> None:
    page, problems = _page(browser_context)
    page.goto(server + "/")
    assert page.title().startswith("上传检查")
    page.set_input_files("#file", str(workbooks["bad"]))
    assert "宝山区教育局目录.xlsx" in (page.text_content("#chosen") or "")
    page.select_option("#unit", "区教育局")
    page.click("#submit")
    page.wait_for_url("**/r/*")
    assert page.get_attribute("#summary", "data-errors") == "1"
    assert page.get_attribute("#summary", "data-unit") == "区教育局"
    entry = page.locator("#rule-required-cell-empty .entry").first
    assert entry.is_visible()  # error groups are open
    flagged = str(workbooks["flagged"])
    assert flagged in (entry.get_attribute("data-where") or "")
    with page.expect_download() as info:
        page.click("#dl-annotated")
    download = info.value
    assert download.suggested_filename == "宝山区教育局目录.检查结果.xlsx"
    wb = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))  # the temp path has no .xlsx
    cell = wb["义务教育"][flagged]
    assert cell.comment is not None and "required-cell-empty" in cell.comment.text
    with page.expect_download() as info:
        page.click("#dl-report")
    assert info.value.suggested_filename == "宝山区教育局目录.检查结果.json"
    assert problems == []


def test_drop_a_file_and_refuse_an_oversized_one_before_upload(server: str, workbooks: dict[str, Path],
                                                               browser_context: Any) -> None:
    drop = """([name, b64]) => {
        const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], name));
        const zone = document.getElementById('drop');
        zone.dispatchEvent(new DragEvent('dragover', {dataTransfer: dt, bubbles: true, cancelable: true}));
        zone.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
    }"""
    page, problems = _page(browser_context)
    page.goto(server + "/")
    big = workbooks["big"]
    page.evaluate(drop, [big.name, base64.b64encode(big.read_bytes()).decode()])
    assert page.is_visible("#problem") and "上限" in (page.text_content("#problem") or "")
    assert page.is_disabled("#submit")
    good = workbooks["good"]
    page.evaluate(drop, [good.name, base64.b64encode(good.read_bytes()).decode()])
    assert page.is_hidden("#problem") and page.is_enabled("#submit")
    page.click("#submit")
    page.wait_for_url("**/r/*")
    assert page.get_attribute("#summary", "data-errors") == "0"
    assert "没有错误" in (page.text_content("#verdict") or "")
    assert problems == []


def test_works_without_javascript_including_the_size_message(server: str, workbooks: dict[str, Path]) -> None:
    with launch_browser(java_script_enabled=False) as context:
        context.set_default_timeout(20_000)
        page, _ = _page(context)
        page.goto(server + "/")
        page.set_input_files("#file", str(workbooks["bad"]))
        page.click("#submit")
        page.wait_for_url("**/r/*")
        assert page.get_attribute("#summary", "data-errors") == "1"
        # Past the limit the server answers while the body streams in, and the browser shows it.
        page.goto(server + "/")
        page.set_input_files("#file", str(workbooks["big"]))
        page.click("#submit")
        page.wait_for_selector("#message-title")
        assert page.text_content("#message-title") == "文件过大"
        assert page.get_attribute("#message-title", "data-status") == "413"
