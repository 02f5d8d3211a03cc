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
    fld = "level2" if "level2" in (sheet.records[0].columns if sheet.records else {}) else "level1"
    for rec in sheet.records:
        it = rec.item
        names = (it.level1, it.level2, it.level3)
        if not any(names):
            continue
        key = tuple(memo.get(x) or _key(x, memo) for x in (*names, it.content))
        first = seen.get(key)
        if first is None:
            seen[key] = it.source.row or 0
        else:
            yield finding("item-duplicate", rec.at(fld), item=it.name, first=first)


# Spaces and punctuation dropped and case folded, as name_key does for names, with one regex pass: this
# rule sees every item of every sheet, and 100,000 rows must not cost a full normalisation each.
_DROP = re.compile(r"[\s\-_·•・.,，。、:：;；'\"“”‘’()（）\[\]【】〔〕<>《》/\\|]+")


def _key(text: str | None, memo: dict[str, str]) -> str:
    if not text:
        return ""
    key = memo[text] = _DROP.sub("", text).lower() or "\x00"  # never empty: an empty key would miss the memo
    return key
