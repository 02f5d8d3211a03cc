"""The same item twice in a sheet: every 事项 level and 公开内容 equal.

The national tables legitimately repeat a 二级事项 with different content (医疗卫生: a 结果信息 sub-row
with its own time limit), so the content is part of the key.
"""

from collections.abc import Iterator

from zwgk.validators.models import Finding, Severity
from zwgk.validators.normalise import name_key
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
    for rec in sheet.records:
        it = rec.item
        if not it.name:
            continue
        key = tuple(name_key(x or "") for x in (it.level1, it.level2, it.level3, it.content))
        first = seen.get(key)
        if first is None:
            seen[key] = it.source.row or 0
        else:
            fld = "level2" if "level2" in rec.cells else "level1"
            yield finding("item-duplicate", rec.at(fld), item=it.name, first=first)
