"""公开依据: balanced 《》 and citations of 条例 第二十条 items that exist."""

import re
from collections.abc import Iterator
from functools import lru_cache

from zwgk.validators.models import Finding, Severity
from zwgk.validators.registry import finding, rule
from zwgk.validators.sheet import RuleContext, SheetData

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_ART20_ITEM = re.compile(r"第二十条\s*第?\s*[(（]?\s*([一二三四五六七八九十]+|\d+)\s*[)）]?\s*[款项]?")


def cn_number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _CN_DIGITS for ch in text):
        return None
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + _CN_DIGITS[text[1]]
    if len(text) == 1:
        return _CN_DIGITS[text]
    if len(text) == 2 and text[1] == "十":
        return _CN_DIGITS[text[0]] * 10
    if len(text) == 3 and text[1] == "十":
        return _CN_DIGITS[text[0]] * 10 + _CN_DIGITS[text[2]]
    return None


@lru_cache(maxsize=8192)
def unbalanced(text: str) -> str | None:
    """The first problem with 《》 pairing in text, or None when balanced."""
    depth = 0
    for ch in text:
        if ch == "《":
            depth += 1
            if depth > 1:
                return "《 inside 《》"
        elif ch == "》":
            depth -= 1
            if depth < 0:
                return "》 without 《"
    return "《 without 》" if depth else None


@rule(
    "basis-brackets-unbalanced", Severity.ERROR, "sheet",
    title=("书名号不配对", "unbalanced 《》"),
    message=("公开依据中的书名号《》不配对：「{value}」。", "The 《》 in the legal basis do not pair up: '{value}'."),
    fix=("请补全文件名称的书名号，每个《都要有对应的》。", "Close every 《 with a 》."),
)
def brackets(sheet: SheetData, ctx: RuleContext) -> Iterator[Finding]:
    for rec in sheet.records:
        text = rec.item.basis or ""
        if rec.filled.get("basis") in ("ditto", "merge", "forward"):
            continue  # reported once, at the cell it was typed in
        if unbalanced(text):
            yield finding("basis-brackets-unbalanced", rec.at("basis"), value=_clip(text))


@rule(
    "basis-clause-not-found", Severity.WARNING, "sheet",
    title=("引用的条款不存在", "cited clause does not exist"),
    message=("公开依据引用《政府信息公开条例》第二十条第{number}项，但第二十条只有（一）至（十五）项。",
             "The basis cites item {number} of Article 20 of the Regulations, which has items 1–15 only."),
    fix=("请核对条款序号（第二十条为“项”，不是“款”）。", "Check the item number."),
)
def clause_numbers(sheet: SheetData, ctx: RuleContext) -> Iterator[Finding]:
    for rec in sheet.records:
        if rec.filled.get("basis"):
            continue
        for n in _cited_items(rec.item.basis or ""):
            if not 1 <= n <= 15:
                yield finding("basis-clause-not-found", rec.at("basis"), number=n)


@lru_cache(maxsize=8192)
def _cited_items(text: str) -> tuple[int, ...]:
    """Item numbers of 条例 第二十条 cited in a basis (bases repeat: worked out once per text)."""
    if "第二十条" not in text:
        return ()
    found = (cn_number(m.group(1)) for m in _ART20_ITEM.finditer(text))
    return tuple(n for n in found if n is not None)


def _clip(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
