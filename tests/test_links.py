"""`zwgk links` against an HTTP server this test starts on 127.0.0.1 (nothing leaves the machine)."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from site_fixtures import make_item, write_build
from zwgk.compiler.linkcheck import LinkOptions, LinkReport, check_links, to_csv, to_json, write_terminal
from zwgk.validators.catalogue import Catalogue, CatalogueUnit

from zwgk.cli import cli


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hits: dict[str, list[str]] = {}
        self.inflight = 0
        self.max_inflight = 0


class _Handler(BaseHTTPRequestHandler):
    state: _State
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass

    def _reply(self, code: int, headers: dict[str, str] | None = None, body: bytes = b"ok") -> None:
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _route(self) -> None:
        st = self.state
        with st.lock:
            st.hits.setdefault(self.path, []).append(self.command)
            n = len(st.hits[self.path])
            st.inflight += 1
            st.max_inflight = max(st.max_inflight, st.inflight)
        try:
            path = self.path
            if path == "/ok" or path.startswith("/page/"):
                if path.startswith("/page/"):
                    time.sleep(0.05)
                self._reply(200)
            elif path == "/moved":
                self._reply(301, {"Location": "/ok"})
            elif path == "/gone":
                self._reply(404)
            elif path == "/nohead":
                self._reply(405 if self.command == "HEAD" else 200)
            elif path == "/flaky":
                self._reply(503 if n <= 2 else 200)
            elif path == "/broken":
                self._reply(500)
            elif path == "/slow":
                time.sleep(0.3)
                self._reply(200)
            elif path == "/hang":
                time.sleep(3)
                self._reply(200)
            elif path == "/loop":
                self._reply(302, {"Location": "/loop"})
            else:
                self._reply(404)
        finally:
            with st.lock:
                st.inflight -= 1

    do_GET = _route
    do_HEAD = _route


@pytest.fixture()
def server() -> Iterator[tuple[str, _State]]:
    state = _State()
    handler = type("Handler", (_Handler,), {"state": state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def catalogue_with(links: dict[str, list[str]]) -> Catalogue:
    """unit → its items' links (one item per link)."""
    items = [make_item(unit, "社会救助", "事项", f"{unit}{n}", links=[url], row=3 + n)
             for unit, urls in links.items() for n, url in enumerate(urls)]
    units = [CatalogueUnit(name=u, kind="委办局", level="区级", in_roster=True, submitted=True) for u in links]
    return Catalogue(district="宝山区", as_of="2020-06-30", version="v1", units=units, domains=[], items=items)


def options(**kw: object) -> LinkOptions:
    base: dict[str, object] = {"concurrency": 4, "timeout": 1.0, "retries": 2, "backoff": 0.01, "slow": 0.2,
                               "trust_env": False, "government_hosts": ("127.0.0.1",)}
    base.update(kw)
    return LinkOptions(**base)  # type: ignore[arg-type]


def by_url(report: LinkReport, base: str) -> dict[str, object]:
    return {r.url.removeprefix(base): r for r in report.results}


def test_statuses_redirects_fallback_retries_and_slow(server: tuple[str, _State]) -> None:
    base, state = server
    paths = ["/ok", "/moved", "/gone", "/nohead", "/flaky", "/broken", "/slow", "/loop"]
    report = check_links(catalogue_with({"区民政局": [base + p for p in paths]}), options())
    r = by_url(report, base)
    ok, moved, gone, nohead, flaky, broken, slow, loop = (r[p] for p in paths)
    assert (ok.status, ok.http_status, ok.method, ok.attempts) == ("ok", 200, "HEAD", 1)  # type: ignore[attr-defined]
    assert moved.status == "redirected" and moved.final_url == base + "/ok"  # type: ignore[attr-defined]
    assert moved.redirects == [(301, "/ok")]  # type: ignore[attr-defined]
    assert gone.status == "dead" and gone.http_status == 404 and gone.error == "http"  # type: ignore[attr-defined]
    assert state.hits["/gone"] == ["HEAD", "GET"]  # a 4xx is not retried, but GET is tried after HEAD
    assert nohead.status == "ok" and nohead.method == "GET"  # type: ignore[attr-defined]
    assert state.hits["/nohead"] == ["HEAD", "GET"]
    assert flaky.status == "ok" and flaky.attempts == 2  # type: ignore[attr-defined]
    assert broken.status == "dead" and broken.attempts == 3 and broken.http_status == 500  # type: ignore[attr-defined]
    assert len(state.hits["/broken"]) == 6  # 3 attempts × (HEAD, GET)
    assert slow.status == "ok" and slow.slow  # type: ignore[attr-defined]
    assert not ok.slow  # type: ignore[attr-defined]
    assert loop.status == "dead" and loop.error == "redirects"  # type: ignore[attr-defined]
    assert report.exit_code == 1
    s = report.summary()
    assert s == {"links": 8, "ok": 4, "redirected": 1, "dead": 3, "invalid": 0, "slow": 1, "off_government": 0}


def test_timeouts_are_bounded_and_reported(server: tuple[str, _State]) -> None:
    base, state = server
    started = time.monotonic()
    report = check_links(catalogue_with({"区民政局": [base + "/hang"]}), options(timeout=0.3, retries=1))
    elapsed = time.monotonic() - started
    res = report.results[0]
    assert res.status == "dead" and res.error == "timeout" and res.attempts == 2
    assert state.hits["/hang"] == ["HEAD", "HEAD"]  # a HEAD timeout is not repeated as GET
    assert elapsed < 2.5  # 2 × 0.3 s plus back-off, never the server's 3 s


def test_connection_refused_is_dead(server: tuple[str, _State]) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    report = check_links(catalogue_with({"区民政局": [f"http://127.0.0.1:{port}/x"]}), options(retries=1))
    assert report.results[0].status == "dead" and report.results[0].error == "connect"
    assert report.results[0].attempts == 2


def test_invalid_links_are_reported_without_a_request(server: tuple[str, _State]) -> None:
    base, state = server
    report = check_links(catalogue_with({"区教育局": ["javascript:alert(1)", "www.shbsq.gov.cn/no-scheme"]}), options())
    assert [r.status for r in report.results] == ["invalid", "invalid"]
    assert all(r.government for r in report.results)  # no host to judge: invalid, not off-government
    assert state.hits == {}
    assert report.exit_code == 1
    assert "不是有效的 http/https 网址" in report.results[0].reason("zh")


def test_concurrency_is_bounded(server: tuple[str, _State]) -> None:
    base, state = server
    urls = [f"{base}/page/{i}" for i in range(12)]
    report = check_links(catalogue_with({"区民政局": urls}), options(concurrency=2))
    assert all(r.status == "ok" for r in report.results)
    assert 1 <= state.max_inflight <= 2


def test_each_url_is_checked_once_and_summarised_per_unit(server: tuple[str, _State]) -> None:
    base, state = server
    cat = catalogue_with({"区民政局": [base + "/ok", base + "/gone"], "罗店镇": [base + "/ok", base + "/moved"]})
    report = check_links(cat, options())
    # cited twice but checked once; the second HEAD is /moved's redirect being followed
    assert state.hits["/ok"] == ["HEAD", "HEAD"] and state.hits["/moved"] == ["HEAD"]
    ok = by_url(report, base)["/ok"]
    assert ok.units == ["区民政局", "罗店镇"] and len(ok.items) == 2  # type: ignore[attr-defined]
    units = {u.unit: (u.links, u.dead, u.redirected) for u in report.units}
    assert units == {"区民政局": (2, 1, 0), "罗店镇": (2, 0, 1)}
    assert report.units[0].unit == "区民政局"  # units with dead links first


def test_off_government_hosts(server: tuple[str, _State]) -> None:
    base, _ = server
    report = check_links(catalogue_with({"区民政局": [base + "/ok"]}), options(government_hosts=()))
    assert not report.results[0].government and report.summary()["off_government"] == 1
    assert report.exit_code == 0  # off-government is a warning, not a dead link


def test_reports_json_csv_and_terminal(server: tuple[str, _State]) -> None:
    base, _ = server
    report = check_links(catalogue_with({"区民政局": [base + "/gone", base + "/ok"]}), options())
    data = json.loads(to_json(report))
    assert data["summary"]["dead"] == 1 and data["units"][0]["unit"] == "区民政局"
    gone = next(link for link in data["links"] if link["url"].endswith("/gone"))
    assert gone["reason"] == "服务器返回错误状态（HTTP 404）" and gone["items"]
    text = to_csv(report)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][:3] == ["填报单位", "链接", "状态"] and len(rows) == 3
    assert {r[2] for r in rows[1:]} == {"死链", "正常"}
    out = io.StringIO()
    write_terminal(report, out)
    assert "死链 1" in out.getvalue() and "/gone" in out.getvalue()
    out_en = io.StringIO()
    write_terminal(report, out_en, "en")
    assert "dead 1" in out_en.getvalue()


def test_csv_neutralises_formula_like_units(server: tuple[str, _State]) -> None:
    base, _ = server
    report = check_links(catalogue_with({"=cmd|' /C calc'!A0": [base + "/ok"]}), options())
    rows = list(csv.reader(io.StringIO(to_csv(report)[1:])))
    assert rows[1][0] == "'=cmd|' /C calc'!A0"


def test_cli_exit_codes_and_files(server: tuple[str, _State], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base, _ = server
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    args = ["--timeout", "1", "--retries", "0", "--backoff", "0", "--government-host", "127.0.0.1"]
    bad = write_build(catalogue_with({"区民政局": [base + "/gone", base + "/ok"]}), tmp_path / "bad")
    result = CliRunner().invoke(cli, ["links", str(bad), *args])
    assert result.exit_code == 1, result.output
    assert "死链 1" in result.output
    data = json.loads((bad / "links.json").read_text(encoding="utf-8"))
    assert data["summary"]["dead"] == 1
    assert (bad / "links.csv").read_text(encoding="utf-8").startswith("\ufeff")
    good = write_build(catalogue_with({"区民政局": [base + "/ok"]}), tmp_path / "good")
    result = CliRunner().invoke(cli, ["links", str(good), "--no-write", *args])
    assert result.exit_code == 0, result.output
    assert not (good / "links.json").exists()
    result = CliRunner().invoke(cli, ["links", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "zwgk compile" in result.output and "Traceback" not in result.output


def test_options_are_validated() -> None:
    with pytest.raises(ValueError):
        LinkOptions(concurrency=0)
    with pytest.raises(ValueError):
        LinkOptions(timeout=0)
