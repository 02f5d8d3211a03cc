"""The same item twice in a sheet: every 事项 level and 公开内容 equal.

The national tables legitimately repeat a 二级事项 with different content (医疗卫生: a 结果信息 sub-row
with its own time limit), so the content is part of the key.
"""

import re
from collections.abc import Iterator
from typing import Any

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
    # Items group by their names first; a content key is worked out only inside a group of two or more
    # (most names are unique in a sheet, so most contents are never normalised).
    groups: dict[tuple[str, ...], list[list[Any]]] = {}  # names → [[content, content key | None, row]]
    # Keys are never empty, so that `memo.get(x) or …` misses only unseen texts: a blank is "\x01", a text
    # of nothing but punctuation "\x00" (cleaned cells hold no control characters, so neither is real text).
    memo: dict[str | None, str] = {None: "\x01", "": "\x01"}
    fld = "level2" if "level2" in (sheet.records[0].columns if sheet.records else {}) else "level1"
    for rec in sheet.records:
        it = rec.item
        names = (it.level1, it.level2, it.level3)
        if not any(names):
            continue
        key = tuple([memo.get(x) or _key(x, memo) for x in names])
        group = groups.get(key)
        row = it.source.row or 0
        if group is None:
            groups[key] = [[it.content, None, row]]
            continue
        mine = memo.get(it.content) or _key(it.content, memo)
        for entry in group:
            if entry[1] is None:
                entry[1] = memo.get(entry[0]) or _key(entry[0], memo)
            if entry[1] == mine:
                yield finding("item-duplicate", rec.at(fld), item=it.name, first=entry[2])
                break
        else:
            group.append([it.content, mine, row])


# Spaces and punctuation dropped and case folded, as name_key does for names, with one regex pass: this
# rule sees every item of every sheet, and 100,000 rows must not cost a full normalisation each.
_DROP = re.compile(r"[\s\-_·•・.,，。、:：;；'\"“”‘’()（）\[\]【】〔〕<>《》/\\|]+")


def _key(text: str | None, memo: dict[str | None, str]) -> str:
    if not text:
        return "\x01"
    key = memo[text] = _DROP.sub("", text).lower() or "\x00"
    return key
