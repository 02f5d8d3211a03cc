"""链接: http(s), well formed, and (warning) on a government host."""

import ipaddress
import re
from collections.abc import Iterator
from functools import lru_cache
from urllib.parse import urlsplit

from zwgk.validators.models import Finding, Severity
from zwgk.validators.registry import finding, rule
from zwgk.validators.sheet import RuleContext, SheetData

_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$")


# Whitespace (str.isspace's set, which \s matches) or a control character anywhere in a link.
_BAD_CHARS = re.compile(r"[\s\x00-\x1f\x7f]")


@lru_cache(maxsize=65536)
def link_problem(url: str) -> str | None:
    """Why url is not a usable http(s) link, or None.  Memoised: two rules ask about every link."""
    if _BAD_CHARS.search(url):
        return "含空白或控制字符"
    try:
        parts = urlsplit(url)
    except ValueError:
        return "格式错误"
    if parts.scheme.lower() not in ("http", "https"):
        return f"不是 http/https 链接（{parts.scheme or '无协议'}）"
    host = (parts.hostname or "").lower()
    if not host:
        return "缺少网站地址"
    problem = _host_problem(host)
    if problem:
        return problem
    try:
        _ = parts.port
    except ValueError:
        return "端口无效"
    return None


@lru_cache(maxsize=4096)
def _host_problem(host: str) -> str | None:
    """A sheet's links share a few hosts: each is judged once."""
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return "网站地址无效"
    return None if _HOST.match(ascii_host) else "网站地址无效"


@rule(
    "link-invalid", Severity.ERROR, "sheet",
    title=("链接无效", "invalid link"),
    message=("链接「{value}」无效：{reason}。", "The link '{value}' is not valid: {reason}."),
    fix=("请填写以 http:// 或 https:// 开头的完整网址，或给“查看”单元格设置超链接。",
         "Give a full http:// or https:// address, or hyperlink the 查看 cell."),
)
def invalid(sheet: SheetData, ctx: RuleContext) -> Iterator[Finding]:
    for rec in sheet.records:
        for url in rec.item.links:
            problem = link_problem(url)
            if problem:
                yield finding("link-invalid", rec.at("links"), value=url, reason=problem)
        for text in rec.unknown.get("links", ()):
            yield finding("link-invalid", rec.at("links"), value=text, reason="不是网址，也没有设置超链接")


@rule(
    "link-off-government", Severity.WARNING, "sheet",
    title=("链接不在政府网站", "link outside government hosts"),
    message=("链接「{value}」指向 {host}，不是政府网站。", "The link '{value}' points to {host}, not a government host."),
    fix=("标准化专栏应链接到本单位在政府网站上的具体信息页面。", "Link to the concrete page on the government website."),
)
def off_government(sheet: SheetData, ctx: RuleContext) -> Iterator[Finding]:
    for rec in sheet.records:
        for url in rec.item.links:
            if link_problem(url):
                continue
            host = _host_of(url)
            if not ctx.is_government_host(host):
                yield finding("link-off-government", rec.at("links"), value=url, host=host)


@lru_cache(maxsize=65536)
def _host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
