"""The same item twice in a sheet: every 事项 level and 公开内容 equal.

The national tables legitimately repeat a 二级事项 with different content (医疗卫生: a 结果信息 sub-row
with its own time limit), so the content is part of the key.
"""

import re
from collections.abc import Iterator

from zwgk.validators.models import Finding, Severity
from zwgk.validators.registry import finding, rule
from zwgk.validators.sheet import RuleContext, SheetData


@rule(
    "item-duplicate", Severity.ERROR, "sheet",
    title=("重复事项", "duplicate item"),
    message=("「{item}」与第 {first} 行重复（事项名称和公开内容都相同）。", "'{item}' repeats row {first} (same names and content)."),
    fix=("请删除重复行，或把两行合并。", "Delete or merge the duplicate row."),
)
def duplicate_items(sheet: SheetData, ctx: RuleContext) -> Iterator[Finding]:
    seen: dict[tuple[str, ...], int] = {}
    memo: dict[str, str] = {}
    for rec in sheet.records:
        it = rec.item
        if not it.name:
            continue
        key = (_key(it.level1, memo), _key(it.level2, memo), _key(it.level3, memo), _key(it.content, memo))
        first = seen.get(key)
        if first is None:
            seen[key] = it.source.row or 0
        else:
            fld = "level2" if "level2" in rec.columns else "level1"
            yield finding("item-duplicate", rec.at(fld), item=it.name, first=first)


# Spaces and punctuation dropped and case folded, as name_key does for names, with one regex pass: this
# rule sees every item of every sheet, and 100,000 rows must not cost a full normalisation each.
_DROP = re.compile(r"[\s\-_·•・.,，。、:：;；'\"“”‘’()（）\[\]【】〔〕<>《》/\\|]+")


def _key(text: str | None, memo: dict[str, str]) -> str:
    if not text:
        return ""
    hit = memo.get(text)
    if hit is None:
        hit = memo[text] = _DROP.sub("", text).lower()
    return hit
