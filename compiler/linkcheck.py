"""`zwgk links` as a library: check every information link of a compiled catalogue.

Each distinct URL is checked once (HEAD, then GET when HEAD is refused or fails), with bounded concurrency,
a hard deadline per request (a server that trickles bytes cannot hold a check open), retries with
exponential back-off for failures that may pass (timeouts, connection errors, 5xx, 429), and redirects
followed and reported.  Results are grouped per unit so the web team can hand each unit its own list.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal, TextIO
from urllib.parse import urlsplit

import httpx
from zwgk.compiler.emit.safe import neutralise
from zwgk.validators.catalogue import Catalogue
from zwgk.validators.rules.links import link_problem

from zwgk import __version__

Status = Literal["ok", "redirected", "dead", "invalid"]

# Failure kinds → (zh, en) words for reports.
ERRORS: dict[str, tuple[str, str]] = {
    "http": ("服务器返回错误状态", "the server answered with an error status"),
    "timeout": ("超时无响应", "timed out"),
    "connect": ("无法连接（域名或服务器不可达）", "could not connect (host unknown or unreachable)"),
    "tls": ("HTTPS 证书或加密连接错误", "TLS/certificate error"),
    "redirects": ("重定向次数过多", "too many redirects"),
    "protocol": ("服务器响应不符合 HTTP 协议", "the server broke the HTTP protocol"),
    "unsupported": ("重定向到非 http/https 地址", "redirected to a non-http(s) address"),
    "invalid": ("不是有效的 http/https 网址", "not a valid http(s) address"),
    "error": ("请求失败", "request failed"),
}
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "ok": ("正常", "ok"),
    "redirected": ("重定向", "redirected"),
    "dead": ("死链", "dead"),
    "invalid": ("无效", "invalid"),
}


@dataclass(frozen=True)
class LinkOptions:
    concurrency: int = 8
    timeout: float = 10.0  # seconds per request, whole request (connect to last header byte)
    retries: int = 2
    backoff: float = 0.5  # first retry waits this long; each further retry doubles it
    slow: float = 3.0  # seconds: a working link slower than this is reported as slow
    max_redirects: int = 10
    government_hosts: tuple[str, ...] = ()
    trust_env: bool = True  # honour HTTP(S)_PROXY / NO_PROXY like other tools on the machine
    verify: bool = True

    def __post_init__(self) -> None:
        if self.concurrency < 1 or self.timeout <= 0 or self.retries < 0 or self.backoff < 0 or self.max_redirects < 0:
            raise ValueError("concurrency ≥ 1, timeout > 0, retries ≥ 0, backoff ≥ 0, max_redirects ≥ 0")


@dataclass
class LinkResult:
    url: str
    status: Status
    http_status: int | None = None
    final_url: str | None = None
    redirects: list[tuple[int, str]] = field(default_factory=list)
    method: str | None = None
    attempts: int = 0
    elapsed_ms: int = 0
    error: str | None = None  # a key of ERRORS
    detail: str | None = None
    slow: bool = False
    government: bool = True
    units: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)

    @property
    def broken(self) -> bool:
        return self.status in ("dead", "invalid")

    def reason(self, lang: str = "zh") -> str:
        if self.error is None:
            return ""
        words = ERRORS[self.error][1 if lang == "en" else 0]
        if self.error == "http" and self.http_status is not None:
            return f"{words}（HTTP {self.http_status}）" if lang != "en" else f"{words} (HTTP {self.http_status})"
        return words


@dataclass
class UnitSummary:
    unit: str
    links: int = 0
    dead: int = 0
    redirected: int = 0
    slow: int = 0
    off_government: int = 0


@dataclass
class LinkReport:
    district: str
    version: str
    as_of: str
    items: int
    items_with_links: int
    results: list[LinkResult]
    units: list[UnitSummary]

    def count(self, pred: Callable[[LinkResult], bool]) -> int:
        return sum(1 for r in self.results if pred(r))

    @property
    def dead(self) -> int:
        return self.count(lambda r: r.broken)

    @property
    def exit_code(self) -> int:
        return 1 if self.dead else 0

    def summary(self) -> dict[str, int]:
        return {
            "links": len(self.results),
            "ok": self.count(lambda r: r.status == "ok"),
            "redirected": self.count(lambda r: r.status == "redirected"),
            "dead": self.count(lambda r: r.status == "dead"),
            "invalid": self.count(lambda r: r.status == "invalid"),
            "slow": self.count(lambda r: r.slow),
            "off_government": self.count(lambda r: not r.government),
        }


# ---------------------------------------------------------------------------------------------------------
# Checking


def collect_links(catalogue: Catalogue) -> dict[str, tuple[list[str], list[str]]]:
    """URL → (units, item ids) citing it, in catalogue order (each URL checked once however often cited)."""
    found: dict[str, tuple[list[str], list[str]]] = {}
    for it in catalogue.items:
        for raw in it.links:
            url = raw.strip()
            if not url:
                continue
            units, items = found.setdefault(url, ([], []))
            if it.unit not in units:
                units.append(it.unit)
            items.append(it.id)
    return found


def _host(url: str | None) -> str:
    try:
        return (urlsplit(url or "").hostname or "").lower()
    except ValueError:
        return ""


def _classify(exc: BaseException) -> tuple[str, bool]:
    """(error kind, worth retrying) for an exception raised by a request."""
    if isinstance(exc, (httpx.TimeoutException, asyncio.TimeoutError)):
        return "timeout", True
    if isinstance(exc, httpx.TooManyRedirects):
        return "redirects", False
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "unsupported", False
    if isinstance(exc, httpx.InvalidURL):
        return "invalid", False
    if isinstance(exc, httpx.ConnectError):
        text = str(exc).lower()
        return ("tls", False) if ("ssl" in text or "certificate" in text) else ("connect", True)
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError, httpx.NetworkError)):
        return "protocol", True
    return "error", False


def _retryable_status(code: int) -> bool:
    return code == 429 or code >= 500


@dataclass
class _Attempt:
    response: httpx.Response | None
    method: str
    error: str | None = None
    detail: str | None = None
    retry: bool = False


async def _request(client: httpx.AsyncClient, method: str, url: str, deadline: float) -> httpx.Response:
    """The response head only (a GET body is never downloaded), within ``deadline`` seconds in total."""

    async def go() -> httpx.Response:
        async with client.stream(method, url) as response:
            return response  # leaving the block closes the connection without reading the body

    return await asyncio.wait_for(go(), timeout=deadline)


async def _attempt(client: httpx.AsyncClient, url: str, opts: LinkOptions) -> _Attempt:
    """HEAD, then GET when HEAD is answered with an error or dropped: many servers refuse HEAD (403/404/405/501)."""
    try:
        response = await _request(client, "HEAD", url, opts.timeout)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a reported result, never a crash
        kind, retry = _classify(exc)
        # A timeout, an unreachable host, a bad certificate or a redirect loop would fail GET the same way.
        if kind not in ("protocol", "error"):
            return _Attempt(None, "HEAD", kind, str(exc)[:200], retry)
    else:
        if response.status_code < 400:
            return _Attempt(response, "HEAD")
    try:
        response = await _request(client, "GET", url, opts.timeout)
    except Exception as exc:  # noqa: BLE001
        kind, retry = _classify(exc)
        return _Attempt(None, "GET", kind, str(exc)[:200], retry)
    if response.status_code < 400:
        return _Attempt(response, "GET")
    return _Attempt(response, "GET", "http", retry=_retryable_status(response.status_code))


async def _check_url(client: httpx.AsyncClient, url: str, opts: LinkOptions, sem: asyncio.Semaphore,
                     is_government: Callable[[str], bool], sleep: Callable[[float], Awaitable[None]]) -> LinkResult:
    if link_problem(url) is not None:
        host = _host(url)  # an address without a host is invalid, not "off government"
        return LinkResult(url=url, status="invalid", error="invalid", detail=link_problem(url),
                          government=is_government(host) if host else True)
    async with sem:
        attempt: _Attempt | None = None
        elapsed = 0.0
        n = 0
        for n in range(1, opts.retries + 2):  # bounded: 1 + retries attempts
            if n > 1:
                await sleep(opts.backoff * 2 ** (n - 2))
            started = time.perf_counter()
            attempt = await _attempt(client, url, opts)
            elapsed = time.perf_counter() - started
            if not attempt.retry:
                break
    assert attempt is not None
    result = LinkResult(url=url, status="dead", method=attempt.method, attempts=n, elapsed_ms=round(elapsed * 1000),
                        error=attempt.error, detail=attempt.detail)
    resp = attempt.response
    if resp is not None:
        result.http_status = resp.status_code
        result.final_url = str(resp.url)
        result.redirects = [(r.status_code, str(r.headers.get("location", ""))) for r in resp.history]
    if attempt.error is None:
        result.status = "redirected" if result.redirects else "ok"
        result.slow = elapsed > opts.slow
    hosts = {_host(url)} | ({_host(result.final_url)} if result.final_url else set())
    result.government = all(is_government(h) for h in hosts if h)
    return result


async def check_urls(urls: Sequence[str], opts: LinkOptions, is_government: Callable[[str], bool],
                     transport: httpx.AsyncBaseTransport | None = None,
                     sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> list[LinkResult]:
    """Check ``urls`` (each once), at most ``opts.concurrency`` at a time; results in the order given."""
    sem = asyncio.Semaphore(opts.concurrency)
    limits = httpx.Limits(max_connections=opts.concurrency, max_keepalive_connections=opts.concurrency)
    headers = {"User-Agent": f"zwgk-linkcheck/{__version__} (+standard catalogue link check)"}  # ASCII only
    async with httpx.AsyncClient(follow_redirects=True, max_redirects=opts.max_redirects, timeout=opts.timeout,
                                 limits=limits, headers=headers, trust_env=opts.trust_env, verify=opts.verify,
                                 transport=transport) as client:
        return list(await asyncio.gather(*(_check_url(client, u, opts, sem, is_government, sleep) for u in urls)))


def government_matcher(extra_hosts: Iterable[str] = ()) -> Callable[[str], bool]:
    """The vocabulary's government hosts (and suffixes such as .gov.cn) plus ``extra_hosts``."""
    from zwgk.catalogs.vocabulary import load_vocabulary

    vocab = load_vocabulary()
    hosts = tuple(h.lower().rstrip(".") for h in (*vocab.government_hosts, *extra_hosts))
    suffixes = tuple(s.lower() for s in vocab.government_host_suffixes)

    def is_government(host: str) -> bool:
        host = host.lower().rstrip(".")
        if any(host == h or host.endswith("." + h) for h in hosts):
            return True
        return any(host.endswith(s) or host == s.lstrip(".") for s in suffixes)

    return is_government


def check_links(catalogue: Catalogue, opts: LinkOptions | None = None, *,
                transport: httpx.AsyncBaseTransport | None = None) -> LinkReport:
    """Check every link of ``catalogue``; a library call (the CLI only prints and writes what this returns)."""
    opts = opts or LinkOptions()
    cited = collect_links(catalogue)
    urls = sorted(cited)
    results = asyncio.run(check_urls(urls, opts, government_matcher(opts.government_hosts), transport))
    for r in results:
        r.units, r.items = cited[r.url]
    summaries: dict[str, UnitSummary] = {}
    for r in results:
        for unit in r.units:
            s = summaries.setdefault(unit, UnitSummary(unit))
            s.links += 1
            s.dead += r.broken
            s.redirected += r.status == "redirected"
            s.slow += r.slow
            s.off_government += not r.government
    return LinkReport(
        district=catalogue.district, version=catalogue.version, as_of=catalogue.as_of,
        items=len(catalogue.items), items_with_links=sum(1 for it in catalogue.items if any(u.strip() for u in it.links)),
        results=results, units=sorted(summaries.values(), key=lambda s: (-s.dead, s.unit)),
    )


# ---------------------------------------------------------------------------------------------------------
# Output


def to_json(report: LinkReport, lang: str = "zh") -> str:
    data = {
        "tool": f"zwgk {__version__}",
        "district": report.district,
        "catalogue_version": report.version,
        "as_of": report.as_of,
        "items": report.items,
        "items_with_links": report.items_with_links,
        "summary": report.summary(),
        "units": [asdict(s) for s in report.units],
        "links": [{**asdict(r), "reason": r.reason(lang)} for r in report.results],
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


CSV_HEADER_ZH = ("填报单位", "链接", "状态", "HTTP 状态", "最终地址", "重定向次数", "耗时（毫秒）", "响应慢", "政府网站",
                 "原因", "事项编号")
CSV_HEADER_EN = ("unit", "url", "status", "http status", "final url", "redirects", "elapsed ms", "slow", "government host",
                 "reason", "item ids")


def to_csv(report: LinkReport, lang: str = "zh") -> str:
    """One row per (unit, link), so each unit can be sent its own rows; UTF-8 with BOM for Excel."""
    en = lang == "en"
    yes, no = ("yes", "no") if en else ("是", "否")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_HEADER_EN if en else CSV_HEADER_ZH)
    rows = sorted(((unit, r) for r in report.results for unit in r.units), key=lambda p: (p[0], p[1].url))
    for unit, r in rows:
        values = [unit, r.url, STATUS_LABELS[r.status][1 if en else 0], "" if r.http_status is None else str(r.http_status),
                  r.final_url or "", str(len(r.redirects)), str(r.elapsed_ms), yes if r.slow else no,
                  yes if r.government else no, r.reason(lang), " ".join(r.items)]
        writer.writerow([neutralise(v) for v in values])
    return "\ufeff" + buf.getvalue()


def write_terminal(report: LinkReport, out: TextIO, lang: str = "zh", max_lines: int = 30) -> None:
    en = lang == "en"
    s = report.summary()
    if en:
        out.write(f"Link check of {report.district} (catalogue {report.version}, as of {report.as_of}): "
                  f"{s['links']} distinct links in {report.items_with_links} of {report.items} items.\n"
                  f"  ok {s['ok']}, redirected {s['redirected']}, dead {s['dead']}, invalid {s['invalid']}, "
                  f"slow {s['slow']}, off government hosts {s['off_government']}\n")
    else:
        out.write(f"{report.district} 链接检查（目录版本 {report.version}，数据截至 {report.as_of}）："
                  f"{report.items} 项事项中 {report.items_with_links} 项有链接，共 {s['links']} 个不同链接。\n"
                  f"  正常 {s['ok']}，重定向 {s['redirected']}，死链 {s['dead']}，无效 {s['invalid']}，"
                  f"响应慢 {s['slow']}，非政府网站 {s['off_government']}\n")

    def section(title: str, rows: list[LinkResult], line: Callable[[LinkResult], str]) -> None:
        if not rows:
            return
        out.write(f"\n{title}（{len(rows)}）\n" if not en else f"\n{title} ({len(rows)})\n")
        for r in rows[:max_lines]:
            out.write(f"  {'、'.join(r.units) if not en else ', '.join(r.units)}  {r.url}  {line(r)}\n")
        if len(rows) > max_lines:
            more = len(rows) - max_lines
            out.write(f"  … and {more} more (see the JSON/CSV file)\n" if en else f"  …… 另有 {more} 个，见 JSON/CSV 文件\n")

    broken = [r for r in report.results if r.broken]
    section("Dead or invalid links" if en else "死链和无效链接", broken, lambda r: r.reason(lang))
    section("Redirected" if en else "重定向", [r for r in report.results if r.status == "redirected"],
            lambda r: f"→ {r.final_url}")
    section("Slow" if en else "响应慢", [r for r in report.results if r.slow], lambda r: f"{r.elapsed_ms} ms")
    section("Off government hosts" if en else "不在政府网站", [r for r in report.results if not r.government],
            lambda r: _host(r.final_url or r.url))
    if report.units:
        out.write("\nPer unit: links / dead / redirected / slow / off-government\n" if en
                  else "\n各单位：链接 / 死链 / 重定向 / 响应慢 / 非政府网站\n")
        for u in report.units:
            out.write(f"  {u.unit}  {u.links} / {u.dead} / {u.redirected} / {u.slow} / {u.off_government}\n")


def write_outputs(report: LinkReport, folder: Path, lang: str = "zh") -> list[Path]:
    """``links.json`` and ``links.csv`` into the build folder, each written atomically."""
    from zwgk.compiler.emit.atomic import write_text

    paths = [folder / "links.json", folder / "links.csv"]
    write_text(paths[0], to_json(report, lang))
    write_text(paths[1], to_csv(report, lang))
    return paths
