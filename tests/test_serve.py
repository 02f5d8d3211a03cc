"""`zwgk serve` through Starlette's TestClient: upload, result page, downloads, refusals, expiry, safety."""

from __future__ import annotations

import io
import json
import re
import socket
import time
import warnings
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from click.testing import CliRunner
from hostile.corpus import Case, build_corpus, ole_file  # issue 8's hostile-input corpus, built in code
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from starlette.requests import Request
from zwgk.catalogs import load_reference
from zwgk.compiler.check import check_file
from zwgk.compiler.emit.check_report import group_by_rule, to_json
from zwgk.validators.catalogue import (
    Catalogue,
    CatalogueDomain,
    CatalogueItem,
    CatalogueUnit,
    GuidelineMatch,
    ItemSource,
    NotInvolved,
)

from zwgk.cli import cli
from zwgk.serve import app as app_module
from zwgk.serve.app import create_app, unit_from_name
from zwgk.serve.config import ServeConfig
from zwgk.serve.security import CSRF_COOKIE, TokenBucket, content_disposition
from zwgk.serve.store import TOKEN_RE
from zwgk.serve.upload import Upload, UploadError, receive_upload

with warnings.catch_warnings():  # Starlette 1.x nags that TestClient wants httpx2; httpx is what we have
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")

KB = 1024
MB = 1024 * 1024

# -- fixtures built in code ----------------------------------------------------------------------------------

H1 = ["序号", "一级事项", "二级事项", "公开内容（要素）", "公开依据", "公开时限", "公开主体", "公开渠道和载体",
      "公开对象", "", "公开方式", "", "公开层级", ""]
H2 = ["", "", "", "", "", "", "", "", "全社会", "特定群众", "主动", "依申请公开", "县级", "乡、村级"]
BASIS = "《中华人民共和国义务教育法》"


def _row(i: int, level2: str, basis: str = BASIS, subject: str = "宝山区教育局") -> list[str]:
    return [str(i), "招生入学", level2, "招生范围、招生条件", basis, "信息形成或者变更之日起20个工作日内", subject,
            "■政府网站 □政府公报", "√", "", "√", "", "√", ""]


def workbook(rows: list[list[str]], title: str | None = "宝山区教育局 义务教育领域政务公开标准目录",
             sheet: str = "义务教育") -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    if title is not None:
        ws.append([title])
    ws.append(H1)
    ws.append(H2)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


GOOD = workbook([_row(1, "招生政策"), _row(2, "招生计划")])
# Row 5 (the second item) has no 公开依据: one required-cell-empty error at E5.
BAD = workbook([_row(1, "招生政策"), _row(2, "招生计划", basis="")])


def zip_bomb(uncompressed: int) -> bytes:
    """An xlsx-shaped package whose sheet inflates to ``uncompressed`` bytes of blanks."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook><sheets><sheet name='s' r:id='rId1'/></sheets></workbook>")
        zf.writestr("xl/worksheets/sheet1.xml", b" " * uncompressed)
    return buf.getvalue()


def encrypted_ole() -> bytes:
    """A password-protected xlsx: a compound file holding EncryptionInfo and EncryptedPackage streams."""
    return ole_file({"EncryptionInfo": b"\x04\x00\x04\x00" + b"\0" * 200, "EncryptedPackage": b"\x10\0\0\0" + b"Z" * 5000})


def ole_header_only() -> bytes:
    """Just the OLE signature and stream names of an encrypted workbook, no valid compound structure."""
    head = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504
    return head + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 512 + "EncryptedPackage".encode("utf-16-le")


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


def config(tmp_path: Path, clock: Clock, **kw: Any) -> ServeConfig:
    kw.setdefault("data_dir", tmp_path / "data")
    kw.setdefault("secret", b"k" * 32)
    kw.setdefault("sweep_interval", 3600.0)
    return ServeConfig(clock=clock, **kw)


@pytest.fixture
def client(tmp_path: Path, clock: Clock) -> Iterator[TestClient]:
    with TestClient(create_app(config(tmp_path, clock))) as c:
        yield c


def data_dir(c: TestClient) -> Path:
    root: Path = c.app.state.zwgk.store.root  # type: ignore[attr-defined]
    return root


def token_dirs(c: TestClient) -> list[Path]:
    return sorted(p for p in data_dir(c).iterdir() if TOKEN_RE.match(p.name))


# -- a small HTML reader for asserting structure -------------------------------------------------------------

VOID = {"meta", "br", "input", "img", "link", "hr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node] = []
        self.texts: list[str] = []

    @property
    def text(self) -> str:
        return "".join(self.texts) + "".join(c.text for c in self.children)

    def iter(self) -> Iterator[Node]:
        yield self
        for c in self.children:
            yield from c.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        return [n for n in self.iter() if (tag is None or n.tag == tag)
                and all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())]

    def find(self, tag: str | None = None, **attrs: str) -> Node:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag}> with {attrs}"
        return found[0]


class Doc(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.cur = self.root
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_endtag(self, tag: str) -> None:
        n: Node | None = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data: str) -> None:
        self.cur.texts.append(data)


def doc(html: str) -> Node:
    return Doc(html).root


# -- helpers ---------------------------------------------------------------------------------------------------


def csrf(c: TestClient) -> str:
    page = doc(c.get("/").text)
    return page.find("input", name="csrf").attrs["value"]


def upload(c: TestClient, name: str, data: bytes, *, unit: str = "", token: str | None = None) -> Any:
    token = csrf(c) if token is None else token
    return c.post("/check", data={"csrf": token, "unit": unit}, files={"file": (name, data, "application/octet-stream")},
                  follow_redirects=False)


def result_of(c: TestClient, name: str, data: bytes, **kw: Any) -> tuple[str, Node]:
    r = upload(c, name, data, **kw)
    assert r.status_code == 303, r.text
    location = r.headers["location"]
    token = location.rsplit("/", 1)[1]
    assert TOKEN_RE.match(token)
    page = c.get(location)
    assert page.status_code == 200
    return token, doc(page.text)


def message_title(html: str) -> str:
    return doc(html).find(id="message-title").text.strip()


# -- the upload page -------------------------------------------------------------------------------------------


def test_upload_page_has_form_roster_and_csrf_cookie(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{CSRF_COOKIE}=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    page = doc(r.text)
    form = page.find("form", id="upload")
    assert form.attrs["method"] == "post" and form.attrs["enctype"] == "multipart/form-data"
    # The CSRF field comes before the file so the server can verify it before storing a byte.
    names = [n.attrs.get("name") for n in form.iter() if n.tag in ("input", "select")]
    assert names == ["csrf", "unit", "file"]
    assert page.find("input", name="file").attrs["accept"] == ".csv,.ods,.xls,.xlsm,.xlsx"
    options = {o.attrs["value"] for o in page.find("select", name="unit").find_all("option")}
    assert options == {""} | {u.name for u in load_reference().units}
    assert "20 MB" in page.find("label", id="drop").text


def test_security_headers_on_pages_errors_and_downloads(client: TestClient) -> None:
    for path in ("/", "/no-such-page", f"/r/{'A' * 43}", "/healthz"):
        r = client.get(path)
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    csp = client.get("/").headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp)
    assert nonce and "unsafe-inline" not in csp
    # Every inline script and style carries this response's nonce, so nothing else can run.
    page = doc(client.get("/").text)
    for tag in page.find_all("script") + page.find_all("style"):
        assert tag.attrs.get("nonce")


# -- checking --------------------------------------------------------------------------------------------------


def test_valid_workbook_gives_clean_result_and_downloads(client: TestClient) -> None:
    token, page = result_of(client, "教育局目录.xlsx", GOOD)
    summary = page.find("dl", id="summary")
    assert summary.attrs["data-readable"] == "true"
    assert (summary.attrs["data-items"], summary.attrs["data-errors"]) == ("2", "0")
    assert summary.attrs["data-unit"] == "区教育局"
    assert "没有错误" in page.find(id="verdict").text
    assert not page.find_all("section", **{"class": "group"})
    report = client.get(f"/r/{token}/report.json")
    assert report.status_code == 200 and report.headers["content-type"].startswith("application/json")
    data = json.loads(report.text)
    assert data["files"][0]["items"] == 2 and data["files"][0]["errors"] == 0
    assert page.find("a", id="dl-annotated").attrs["href"] == f"/r/{token}/annotated.xlsx"


def test_invalid_workbook_same_findings_as_check_file(client: TestClient, tmp_path: Path) -> None:
    name = "教育局目录.xlsx"
    token, page = result_of(client, name, BAD)
    direct_path = tmp_path / "direct.xlsx"
    direct_path.write_bytes(BAD)
    direct = check_file(direct_path, display_path=name)
    assert direct.errors >= 1
    # The rule table: the library's grouping, codes and counts, in order.
    rows = [(tr.attrs["data-code"], int(tr.attrs["data-count"])) for tr in page.find("table", id="rules").find_all("tr")
            if "data-code" in tr.attrs]
    assert rows == [(code, len(fs)) for code, fs in group_by_rule(direct.findings)]
    summary = page.find("dl", id="summary")
    assert int(summary.attrs["data-errors"]) == direct.errors
    # The finding in its row's context, with the empty field marked.
    group = page.find("section", id="rule-required-cell-empty")
    assert group.attrs["data-count"] == "1"
    entry = group.find("div", **{"class": "entry"})
    assert "E5" in entry.attrs["data-where"]
    flagged = entry.find("td", **{"class": "flag"})
    assert flagged.attrs["data-field"] == "basis" and flagged.text == ""
    cells = {td.attrs["data-field"]: td.text for td in entry.find_all("td")}
    assert cells["level2"] == "招生计划"
    # The JSON report is exactly what `zwgk check --format json` writes for the same file.
    assert client.get(f"/r/{token}/report.json").text == to_json([direct])


def test_annotated_copy_downloads_with_comment_on_flagged_cell(client: TestClient) -> None:
    token, _ = result_of(client, "区教育局 目录.xlsx", BAD)
    r = client.get(f"/r/{token}/annotated.xlsx")
    assert r.status_code == 200
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    star = re.search(r"filename\*=UTF-8''(\S+)", disposition)
    assert star and unquote(star.group(1)) == "区教育局 目录.检查结果.xlsx"
    assert disposition.isascii()
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames[0] == "zwgk检查结果"
    cell = wb["义务教育"]["E5"]
    assert cell.comment is not None and "required-cell-empty" in cell.comment.text
    assert wb["义务教育"]["E4"].comment is None


def test_upload_is_deleted_after_check_and_only_token_names_are_stored(client: TestClient) -> None:
    hostile = "..\\..\\<img src=x onerror=alert(1)>.xlsx"
    token, page = result_of(client, hostile, BAD)
    # Only the last path component is kept, and it is shown escaped, never as markup.
    shown = "<img src=x onerror=alert(1)>.xlsx"
    assert page.find(id="file-name").text == shown
    html = client.get(f"/r/{token}").text
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;.xlsx" in html
    stored = list(data_dir(client).rglob("*"))
    assert {p.name for p in stored if p.is_file()} == {"meta.json", "report.json", "view.json", "annotated.xlsx"}
    assert {p.parent.name for p in stored if p.is_file()} == {token}
    assert not any(p.name.startswith("upload") for p in stored)


def test_unit_chosen_from_roster_is_used(client: TestClient) -> None:
    data = workbook([_row(1, "招生政策", subject="")], title=None)
    _, page = result_of(client, "目录.xlsx", data, unit="宝山区财政局")
    assert page.find("dl", id="summary").attrs["data-unit"] == "区财政局"
    r = upload(client, "目录.xlsx", data, unit="不存在的局")
    assert r.status_code == 400 and message_title(r.text) == "单位不在名册中"
    assert token_dirs(client) == [p for p in token_dirs(client) if (p / "view.json").exists()]


def test_unit_comes_from_the_original_file_name_like_zwgk_check(client: TestClient, tmp_path: Path) -> None:
    data = workbook([_row(1, "招生政策", subject="")], title=None)
    name = "宝山区财政局政务公开标准目录.xlsx"
    local = tmp_path / name
    local.write_bytes(data)
    assert check_file(local).unit == "区财政局"  # what `zwgk check` says for the same file
    _, page = result_of(client, name, data)
    assert page.find("dl", id="summary").attrs["data-unit"] == "区财政局"
    assert unit_from_name("罗店镇人民政府目录.csv", load_reference()) == "罗店镇"
    assert unit_from_name("目录.csv", load_reference()) is None


# -- hostile and broken files ----------------------------------------------------------------------------------


def _unreadable(c: TestClient, name: str, data: bytes) -> tuple[str, str]:
    token, page = result_of(c, name, data)
    assert page.find("dl", id="summary").attrs["data-readable"] == "false"
    assert not page.find_all("a", id="dl-annotated")
    assert c.get(f"/r/{token}/annotated.xlsx").status_code == 404
    report = json.loads(c.get(f"/r/{token}/report.json").text)
    issue_codes = [i["code"] for i in report["files"][0]["issues"]]
    return issue_codes[0], page.find(id="unreadable").text


def test_zip_bomb_is_refused_without_inflating(tmp_path: Path, clock: Clock) -> None:
    from zwgk.compiler.reader.limits import Limits

    cfg = config(tmp_path, clock, limits=Limits(max_uncompressed_bytes=4 * MB, max_seconds=30))
    bomb = zip_bomb(40 * MB)
    assert len(bomb) < 200 * KB
    with TestClient(create_app(cfg)) as c:
        code, text = _unreadable(c, "bomb.xlsx", bomb)
    assert code == "file-limit-exceeded" and "安全限制" in text


def test_truncated_zip_is_reported_as_damaged(client: TestClient) -> None:
    code, text = _unreadable(client, "cut.xlsx", GOOD[: len(GOOD) // 2])
    assert code == "file-unreadable" and "损坏" in text


def test_password_protected_workbook_is_reported(client: TestClient) -> None:
    code, text = _unreadable(client, "locked.xlsx", encrypted_ole())
    assert code == "file-encrypted" and "密码" in text


def test_bare_ole_header_is_refused_not_crashed(client: TestClient) -> None:
    code, _ = _unreadable(client, "locked.xls", ole_header_only())
    assert code in ("file-unreadable", "file-encrypted")


def test_empty_file_is_reported(client: TestClient) -> None:
    code, text = _unreadable(client, "empty.csv", b"")
    assert code == "file-unreadable" and "0 字节" in text


@pytest.mark.parametrize("name", ["notes.txt", "virus.exe", "catalogue", "目录.xlsx.bat"])
def test_unsupported_type_is_refused_before_storing(client: TestClient, name: str) -> None:
    r = upload(client, name, GOOD)
    assert r.status_code == 400
    assert message_title(r.text) == "不支持的文件类型"
    assert name in doc(r.text).find(id="message-text").text
    assert token_dirs(client) == []


def test_no_file_chosen(client: TestClient) -> None:
    r = client.post("/check", data={"csrf": csrf(client)}, files={"file": ("", b"", "application/octet-stream")},
                    follow_redirects=False)
    assert r.status_code == 400 and message_title(r.text) == "没有收到文件"


def test_oversized_upload_gets_413_and_leaves_nothing(tmp_path: Path, clock: Clock) -> None:
    with TestClient(create_app(config(tmp_path, clock, max_upload_bytes=1 * MB))) as c:
        r = upload(c, "big.xlsx", b"x" * (MB + 200 * KB))
        assert r.status_code == 413
        assert message_title(r.text) == "文件过大"
        assert "1 MB" in doc(r.text).find(id="message-text").text
        assert token_dirs(c) == []
        # Just under the limit is accepted (and then judged by the reader).
        assert upload(c, "ok.csv", b"a,b\n1," + b"x" * (MB - 16)).status_code == 303


# -- the size limit is enforced while the body streams in --------------------------------------------------------


def _multipart(token: str, filename: str, payload_chunks: int, chunk: int) -> tuple[bytes, Iterator[bytes], bytes]:
    boundary = b"zwgkboundary"
    head = (b"--" + boundary + b"\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + token.encode() +
            b"\r\n--" + boundary + b"\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" +
            filename.encode() + b"\"\r\nContent-Type: application/octet-stream\r\n\r\n")
    tail = b"\r\n--" + boundary + b"--\r\n"
    return boundary, (b"y" * chunk for _ in range(payload_chunks)), head + b"|" + tail


def _asgi_upload(app: Any, cookie: str, token: str, *, total_mb: int, chunk: int,
                 content_length: int | None = None) -> tuple[int, int, list[int]]:
    """POST an upload through the raw ASGI interface; returns (status, body bytes pulled, data-dir sizes seen)."""
    import anyio

    boundary, payload, framing = _multipart(token, "big.xlsx", total_mb * MB // chunk, chunk)
    head, tail = framing.split(b"|")
    pieces = [head, *payload, tail]
    pulled = 0
    sizes: list[int] = []
    status = 0
    root: Path = app.state.zwgk.store.root
    headers = [(b"content-type", b"multipart/form-data; boundary=" + boundary),
               (b"cookie", f"{CSRF_COOKIE}={cookie}".encode())]
    if content_length is not None:
        headers.append((b"content-length", str(content_length).encode()))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/check", "raw_path": b"/check", "query_string": b"", "root_path": "", "headers": headers,
             "client": ("10.0.0.9", 5000), "server": ("testserver", 80)}
    it = iter(pieces)

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        sizes.append(sum(p.stat().st_size for p in root.rglob("upload*")))
        piece = next(it, None)
        if piece is None:
            return {"type": "http.disconnect"}
        pulled += len(piece)
        return {"type": "http.request", "body": piece, "more_body": piece is not tail}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    anyio.run(app, scope, receive, send)
    return status, pulled, sizes


def test_size_limit_is_enforced_while_streaming(tmp_path: Path, clock: Clock) -> None:
    limit, chunk = 1 * MB, 16 * KB
    app = create_app(config(tmp_path, clock, max_upload_bytes=limit, drain_bytes=2 * MB))
    cookie = "c" * 43
    from zwgk.serve.security import csrf_token

    token = csrf_token(b"k" * 32, cookie)
    status, pulled, sizes = _asgi_upload(app, cookie, token, total_mb=20, chunk=chunk)
    assert status == 413
    # Reading stopped at the limit plus the bounded drain, far from the 20 MB sent…
    assert pulled <= limit + 64 * KB + 2 * MB + 2 * chunk
    # …and at no time was more than the limit on disk; nothing remains.
    assert max(sizes) <= limit
    assert not list(app.state.zwgk.store.root.iterdir())


def test_declared_oversize_is_refused_before_reading(tmp_path: Path, clock: Clock) -> None:
    app = create_app(config(tmp_path, clock, max_upload_bytes=1 * MB, drain_bytes=0))
    cookie = "c" * 43
    from zwgk.serve.security import csrf_token

    status, pulled, _ = _asgi_upload(app, cookie, csrf_token(b"k" * 32, cookie), total_mb=8, chunk=MB,
                                     content_length=8 * MB + 500)
    assert status == 413
    assert pulled <= MB + 1024  # at most one chunk of the drain: the parser never ran


def test_stalled_client_is_not_waited_for(tmp_path: Path, clock: Clock) -> None:
    """Oversized, then the client stops sending: the answer comes after drain_seconds, not never."""
    import anyio

    app = create_app(config(tmp_path, clock, max_upload_bytes=64 * KB, drain_seconds=0.3))
    cookie = "c" * 43
    from zwgk.serve.security import csrf_token

    boundary, _, framing = _multipart(csrf_token(b"k" * 32, cookie), "big.xlsx", 0, 1)
    head = framing.split(b"|")[0]
    sent = iter([head, b"y" * (100 * KB)])
    status = 0

    async def receive() -> dict[str, Any]:
        piece = next(sent, None)
        if piece is None:
            await anyio.sleep_forever()
        return {"type": "http.request", "body": piece, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/check", "raw_path": b"/check", "query_string": b"", "root_path": "", "client": ("10.0.0.8", 1),
             "server": ("testserver", 80), "headers": [(b"content-type", b"multipart/form-data; boundary=" + boundary),
                                                       (b"cookie", f"{CSRF_COOKIE}={cookie}".encode())]}
    async def bounded() -> None:
        with anyio.fail_after(5):  # a hang fails the test instead of stalling the suite
            await app(scope, receive, send)

    started = time.monotonic()
    anyio.run(bounded)
    assert status == 413 and time.monotonic() - started < 3


@settings(max_examples=40, deadline=None)
@given(payload=st.binary(min_size=0, max_size=3000), cuts=st.lists(st.integers(min_value=1, max_value=400), max_size=30))
def test_multipart_parser_stores_exact_bytes_for_any_chunking(tmp_path_factory: pytest.TempPathFactory,
                                                                payload: bytes, cuts: list[int]) -> None:
    """Property: however the body is split into messages, the stored file is exactly the part's bytes."""
    import anyio

    folder = tmp_path_factory.mktemp("mp")
    boundary = b"----b0undary"
    body = (b"--" + boundary + b"\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nT\r\n--" + boundary +
            b"\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\xe7\x9b\xae.csv\"\r\n\r\n" + payload +
            b"\r\n--" + boundary + b"--\r\n")
    pieces, pos = [], 0
    for n in cuts:
        if pos >= len(body):
            break
        pieces.append(body[pos:pos + n])
        pos += n
    pieces.append(body[pos:])
    messages = iter(pieces)

    async def receive() -> dict[str, Any]:
        piece = next(messages)
        return {"type": "http.request", "body": piece, "more_body": piece is not pieces[-1]}

    scope = {"type": "http", "method": "POST", "headers": [
        (b"content-type", b"multipart/form-data; boundary=" + boundary)]}
    seen: dict[str, Any] = {}

    def target(name: str, fields: dict[str, str]) -> Path:
        seen["name"], seen["fields"] = name, fields
        return folder / "out.bin"

    async def go() -> Upload:
        return await receive_upload(Request(scope, receive), Upload(), max_bytes=10_000, target=target)

    up = anyio.run(go)
    assert up.complete and up.size == len(payload)
    assert (folder / "out.bin").read_bytes() == payload
    assert seen == {"name": "目.csv", "fields": {"csrf": "T"}}


def test_multipart_parser_refuses_before_file_when_target_refuses(tmp_path: Path) -> None:
    import anyio

    body = (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.xlsx\"\r\n\r\n" + b"z" * 5000 +
            b"\r\n--b--\r\n")
    sent = iter([body[:100], body[100:]])

    async def receive() -> dict[str, Any]:
        piece = next(sent)
        return {"type": "http.request", "body": piece, "more_body": len(piece) == 100}

    def target(name: str, fields: dict[str, str]) -> Path:
        raise UploadError(403, "csrf")

    up = Upload()
    scope = {"type": "http", "method": "POST", "headers": [(b"content-type", b"multipart/form-data; boundary=b")]}
    with pytest.raises(UploadError) as exc:
        anyio.run(lambda: receive_upload(Request(scope, receive), up, max_bytes=10_000, target=target))
    assert exc.value.status == 403 and up.path is None and not up.complete
    assert list(tmp_path.iterdir()) == []


# Slow to read by design (a million rows; a 1.7 MB single cell); the corpus's own tests cover them.
CORPUS_SLOW = {"rows-1048576.xlsx", "csv-one-astral-char.csv"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Case]:
    return [c for c in build_corpus(tmp_path_factory.mktemp("hostile")) if c.name not in CORPUS_SLOW]


def test_hostile_corpus_through_the_server(corpus: list[Case], tmp_path: Path, clock: Clock) -> None:
    """Every hostile file of issue 8 gets a result page saying exactly what `zwgk check` says, never a 500."""
    assert len(corpus) > 50
    cfg = config(tmp_path, clock, upload_burst=1000, request_burst=10_000)
    with TestClient(create_app(cfg)) as c:
        token = csrf(c)
        for case in corpus:
            name = case.name[len("name:"):].strip("'") if case.name.startswith("name:") else case.path.name
            shown = name.replace("\\", "/").rsplit("/", 1)[-1]
            shown = "".join(ch for ch in shown if ch >= " " and ch != "\x7f")
            r = upload(c, name, case.path.read_bytes(), token=token)
            assert r.status_code == 303, (case.name, r.status_code)
            direct = check_file(case.path, display_path=shown, limits=cfg.reader_limits)
            page = doc(c.get(r.headers["location"]).text)
            assert page.find("dl", id="summary").attrs["data-readable"] == str(direct.readable).lower(), case.name
            assert c.get(r.headers["location"] + "/report.json").text == to_json([direct]), case.name
            copy = c.get(r.headers["location"] + "/annotated.xlsx")
            if direct.readable:
                assert copy.status_code == 200 and load_workbook(io.BytesIO(copy.content)).sheetnames[0] == "zwgk检查结果"
            else:
                assert copy.status_code == 404
        assert not any(p.name.startswith("upload") for p in data_dir(c).rglob("*"))


def test_csv_sheet_is_named_after_the_original_file(client: TestClient) -> None:
    _, page = result_of(client, "义务教育.csv", "序号,一级事项\n1,招生\n".encode())
    assert [tr.find("td").text for tr in page.find("table", id="sheets").find_all("tr")[1:]] == ["义务教育"]


# -- CSRF and rate limits -------------------------------------------------------------------------------------------


def test_csrf_missing_or_wrong_is_403_and_stores_nothing(client: TestClient, tmp_path: Path, clock: Clock) -> None:
    client.get("/")  # the browser has its cookie
    r = client.post("/check", files={"file": ("a.xlsx", GOOD, "application/octet-stream")}, follow_redirects=False)
    assert r.status_code == 403 and message_title(r.text) == "安全令牌缺失或已失效"
    r = upload(client, "a.xlsx", GOOD, token="0" * 64)
    assert r.status_code == 403
    assert token_dirs(client) == []
    # A token that belongs to another browser's cookie does not fit this cookie.
    with TestClient(create_app(config(tmp_path / "other", clock))) as other:
        foreign = csrf(other)
    assert upload(client, "a.xlsx", GOOD, token=foreign).status_code == 403
    # A valid-looking token without any cookie (a cross-site form post) is refused too.
    fresh = TestClient(client.app)
    token = csrf(client)
    fresh.cookies.clear()
    r = fresh.post("/check", data={"csrf": token}, files={"file": ("a.xlsx", GOOD, "application/octet-stream")},
                   follow_redirects=False)
    assert r.status_code == 403
    assert token_dirs(client) == []


def test_upload_rate_limit_429_then_refills(tmp_path: Path, clock: Clock) -> None:
    cfg = config(tmp_path, clock, upload_burst=2, upload_per_minute=1.0)
    with TestClient(create_app(cfg)) as c:
        assert upload(c, "a.xlsx", GOOD).status_code == 303
        assert upload(c, "a.xlsx", GOOD).status_code == 303
        r = upload(c, "a.xlsx", GOOD)
        assert r.status_code == 429 and message_title(r.text) == "上传过于频繁"
        assert 1 <= int(r.headers["retry-after"]) <= 60
        clock.advance(61)
        assert upload(c, "a.xlsx", GOOD).status_code == 303


def test_request_rate_limit_covers_every_request(tmp_path: Path, clock: Clock) -> None:
    with TestClient(create_app(config(tmp_path, clock, request_burst=3, request_per_minute=60.0))) as c:
        assert [c.get("/healthz").status_code for _ in range(4)] == [200, 200, 200, 429]
        clock.advance(1.0)
        assert c.get("/healthz").status_code == 200


@settings(max_examples=60, deadline=None)
@given(burst=st.integers(1, 20), per_second=st.floats(0.01, 5), steps=st.lists(st.floats(0, 10), max_size=60))
def test_token_bucket_never_grants_more_than_burst_plus_refill(burst: int, per_second: float, steps: list[float]) -> None:
    clock = Clock()
    start = clock.now
    bucket = TokenBucket(burst, per_second, clock)
    granted = 0
    for dt in steps:
        clock.advance(dt)
        if bucket.take("c") == 0.0:
            granted += 1
    assert granted <= burst + (clock.now - start) * per_second + 1e-9
    # An idle client is refilled to exactly its burst, no more.
    clock.advance(10_000)
    assert sum(bucket.take("c") == 0.0 for _ in range(burst + 3)) == burst


# -- lifetime ---------------------------------------------------------------------------------------------------------


def test_expired_result_is_gone_on_access(client: TestClient, clock: Clock) -> None:
    token, _ = result_of(client, "a.xlsx", BAD)
    assert (data_dir(client) / token).is_dir()
    clock.advance(3599)
    assert client.get(f"/r/{token}").status_code == 200
    clock.advance(2)
    for path in (f"/r/{token}/annotated.xlsx", f"/r/{token}", f"/r/{token}/report.json"):
        r = client.get(path)
        assert r.status_code == 404 and message_title(r.text) == "结果不存在或已过期"
    assert not (data_dir(client) / token).exists()


def test_sweep_removes_expired_results_only(client: TestClient, clock: Clock) -> None:
    old, _ = result_of(client, "a.xlsx", GOOD)
    clock.advance(3000)
    new, _ = result_of(client, "b.xlsx", GOOD)
    unrelated = data_dir(client) / "keep-me.txt"
    unrelated.write_text("not ours")
    clock.advance(700)
    assert client.app.state.zwgk.store.sweep() == 1  # type: ignore[attr-defined]
    assert [p.name for p in token_dirs(client)] == [new]
    assert unrelated.exists()  # a shared --data-dir loses nothing that is not a token folder


def test_background_sweep_runs(tmp_path: Path, clock: Clock) -> None:
    with TestClient(create_app(config(tmp_path, clock, sweep_interval=0.05, result_ttl=10))) as c:
        token, _ = result_of(c, "a.xlsx", GOOD)
        clock.advance(11)
        deadline = time.monotonic() + 5
        while (data_dir(c) / token).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not (data_dir(c) / token).exists()


def test_result_ttl_is_configurable_and_shown(tmp_path: Path, clock: Clock) -> None:
    with TestClient(create_app(config(tmp_path, clock, result_ttl=600))) as c:
        token, page = result_of(c, "a.xlsx", GOOD)
        assert "约 10 分钟" in page.text
        assert page.find(id="result-link").text == f"http://testserver/r/{token}"
        clock.advance(601)
        assert c.get(f"/r/{token}").status_code == 404


def test_delete_now_needs_csrf(client: TestClient) -> None:
    token, page = result_of(client, "a.xlsx", GOOD)
    assert client.post(f"/r/{token}/delete", data={"csrf": "x"}, follow_redirects=False).status_code == 403
    assert (data_dir(client) / token).is_dir()
    form_token = page.find("form", action=f"/r/{token}/delete").find("input", name="csrf").attrs["value"]
    r = client.post(f"/r/{token}/delete", data={"csrf": form_token}, follow_redirects=False)
    assert r.status_code == 303 and not (data_dir(client) / token).exists()


@pytest.mark.parametrize("path", ["/r/short", "/r/" + "A" * 43, "/r/..%2F..%2Fetc%2Fpasswd", "/r/" + "A" * 43 + "/annotated.xlsx"])
def test_unknown_or_malformed_tokens_are_404(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


# -- never hangs -----------------------------------------------------------------------------------------------------


def test_slow_check_times_out_with_an_answer(tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    real = app_module.check_file

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(1.0)
        return real(*args, **kwargs)

    monkeypatch.setattr(app_module, "check_file", slow)
    with TestClient(create_app(config(tmp_path, clock, check_timeout=0.2))) as c:
        started = time.monotonic()
        r = upload(c, "a.xlsx", GOOD)
        assert time.monotonic() - started < 0.9
        assert r.status_code == 503 and message_title(r.text) == "检查超时"
        assert token_dirs(c) == []
        time.sleep(1.2)  # the abandoned thread finishes and must not bring the result back
        assert token_dirs(c) == []
        assert c.app.state.zwgk.running == 0  # type: ignore[attr-defined]


def test_slow_annotation_keeps_the_findings(tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    real = app_module.annotate

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(1.0)
        return real(*args, **kwargs)

    monkeypatch.setattr(app_module, "annotate", slow)
    with TestClient(create_app(config(tmp_path, clock, check_timeout=0.4))) as c:
        token, page = result_of(c, "a.xlsx", BAD)
        assert page.find("dl", id="summary").attrs["data-errors"] == "1"
        assert "超时" in page.find(id="annotate-failed").text
        assert not page.find_all("a", id="dl-annotated")
        time.sleep(1.2)  # the abandoned annotation ends and leaves no copy behind
        assert not (data_dir(c) / token / "annotated.xlsx").exists()
        assert c.get(f"/r/{token}/annotated.xlsx").status_code == 404


def test_busy_server_answers_503(tmp_path: Path, clock: Clock) -> None:
    with TestClient(create_app(config(tmp_path, clock, max_running=0))) as c:
        r = upload(c, "a.xlsx", GOOD)
        assert r.status_code == 503 and message_title(r.text) == "服务器正忙"
        assert "retry-after" in r.headers


def test_rule_crash_is_a_500_page_not_a_traceback(tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("boom")

    monkeypatch.setattr(app_module, "check_file", broken)
    with TestClient(create_app(config(tmp_path, clock))) as c:
        r = upload(c, "a.xlsx", GOOD)
        assert r.status_code == 500 and message_title(r.text) == "内部错误"
        assert "Traceback" not in r.text and "KeyError" in r.text
        assert token_dirs(c) == []


# -- coverage from the last build ---------------------------------------------------------------------------------------


def _catalogue() -> Catalogue:
    def item(i: int, domain: str, codes: list[tuple[str, bool]]) -> CatalogueItem:
        return CatalogueItem(id=f"i{i}", unit="区教育局", domain=domain, level1="招生入学", level2=f"事项{i}",
                             guideline=[GuidelineMatch(code=c, method="code", score=100, counted=k) for c, k in codes],
                             source=ItemSource(path="教育局.xlsx", sheet="义务教育", row=3 + i))

    return Catalogue(
        district="上海市宝山区", as_of="2020-09-30", version="abc123def4567890",
        units=[CatalogueUnit(name="区教育局", kind="委办局", level="区级", in_roster=True, submitted=True,
                             files=["教育局.xlsx"], items=3, errors=1, warnings=2, domains=["义务教育"],
                             responsible_for=["义务教育", "公共文化服务"],
                             not_involved=[NotInvolved(domain="公共文化服务", reason="由区文化旅游局负责")])],
        domains=[CatalogueDomain(name="义务教育", no=26, pilot=True, units=["区教育局"], items=3, guideline_items=10,
                                 guideline_covered=4),
                 CatalogueDomain(name="公共文化服务", no=13, pilot=True, items=0, guideline_items=8)],
        items=[item(1, "义务教育", [("YWJY-001", True)]), item(2, "义务教育", [("YWJY-002", True), ("YWJY-003", False)]),
               item(3, "义务教育", [("YWJY-001", True)])],
    )


def test_result_shows_unit_coverage_from_build(tmp_path: Path, clock: Clock) -> None:
    build = tmp_path / "build"
    build.mkdir()
    (build / "catalogue.json").write_text(_catalogue().model_dump_json(), encoding="utf-8")
    with TestClient(create_app(config(tmp_path, clock, build=build))) as c:
        _, page = result_of(c, "a.xlsx", GOOD, unit="区教育局")
    section = page.find("section", id="coverage")
    assert section.attrs["data-unit"] == "区教育局" and section.attrs["data-in-build"] == "true"
    rows = {tr.attrs["data-domain"]: tr for tr in section.find_all("tr") if "data-domain" in tr.attrs}
    assert set(rows) == {"义务教育", "公共文化服务"}
    yw = rows["义务教育"].attrs
    # 3 items in the build; 2 in this upload; YWJY-001 and -002 counted (the fuzzy -003 is not) of 10.
    assert (yw["data-build-items"], yw["data-upload-items"], yw["data-unit-covered"], yw["data-guideline-items"]) == \
        ("3", "2", "2", "10")
    assert "由区文化旅游局负责" in rows["公共文化服务"].text
    assert not section.find_all(id="coverage-missing")  # the not-involved note covers the second domain


def test_coverage_for_unit_missing_from_build_and_unreadable_build(tmp_path: Path, clock: Clock) -> None:
    build = tmp_path / "build"
    build.mkdir()
    (build / "catalogue.json").write_text(_catalogue().model_dump_json(), encoding="utf-8")
    with TestClient(create_app(config(tmp_path, clock, build=build))) as c:
        _, page = result_of(c, "a.xlsx", GOOD, unit="罗店镇")
        assert page.find("section", id="coverage").attrs["data-in-build"] == "false"
        (build / "catalogue.json").write_text("{not json", encoding="utf-8")
        _, page = result_of(c, "a.xlsx", GOOD, unit="区教育局")
        assert not page.find_all("section", id="coverage")
        assert "无法读取" in page.find(id="coverage-problem").text


# -- English ----------------------------------------------------------------------------------------------------------


def test_english_pages(tmp_path: Path, clock: Clock) -> None:
    with TestClient(create_app(config(tmp_path, clock, lang="en"))) as c:
        assert "Check a standard disclosure catalogue workbook" in c.get("/").text
        token, page = result_of(c, "a.xlsx", BAD)
        assert "Fix the 1 errors" in page.find(id="verdict").text
        assert "E5" in page.find("section", id="rule-required-cell-empty").find("div").attrs["data-where"]
        r = upload(c, "x.txt", GOOD)
        assert message_title(r.text) == "Unsupported file type"
        assert json.loads(c.get(f"/r/{token}/report.json").text)["lang"] == "en"


# -- download names ------------------------------------------------------------------------------------------------------


@settings(max_examples=200)
@given(name=st.text(min_size=1, max_size=60))
def test_content_disposition_is_ascii_and_round_trips(name: str) -> None:
    header = content_disposition(name, "zwgk-report.json")
    assert header.isascii() and "\r" not in header and "\n" not in header
    star = re.search(r"filename\*=UTF-8''(\S*)$", header)
    assert star and unquote(star.group(1), errors="surrogatepass") == name


# -- the command --------------------------------------------------------------------------------------------------------


def test_command_help_and_busy_port() -> None:
    runner = CliRunner()
    r = runner.invoke(cli, ["serve", "--help"])
    assert r.exit_code == 0 and "--max-upload-mb" in r.output and "--result-ttl" in r.output
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        r = runner.invoke(cli, ["serve", "--port", str(port)])
    assert r.exit_code == 2
    assert "无法监听" in r.output and "--port" in r.output and "Traceback" not in r.output
