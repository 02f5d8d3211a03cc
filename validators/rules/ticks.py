"""公开对象 / 公开方式 / 公开层级: ticked (national layout) or written (Shanghai layout)."""

from collections.abc import Iterator

from zwgk.validators.models import Finding, Severity
from zwgk.validators.registry import finding, rule
from zwgk.validators.sheet import RuleContext, SheetData


@rule(
    "mode-none", Severity.ERROR, "sheet",
    title=("未选择公开方式", "no disclosure mode"),
    message=("「{item}」没有选择公开方式（主动 / 依申请公开）。", "'{item}' has no disclosure mode (主动 / 依申请公开)."),
    fix=("请在「主动」或「依申请公开」列打 √（文字版填写“主动公开”或“依申请公开”）。",
         "Tick 主动 or 依申请公开 (or write 主动公开 / 依申请公开)."),
)
def mode_none(sheet: SheetData, ctx: RuleContext) -> Iterator[Finding]:
    yield from _none_chosen(sheet, "mode", "mode-none")


@rule(
    "mode-both", Severity.WARNING, "sheet",
    title=("同时勾选主动和依申请", "both modes ticked"),
    message=("「{item}」同时勾选了“主动”和“依申请公开”。", "'{item}' is ticked both 主动 and 依申请公开."),
    fix=("一般只选其一；确需两种方式的，请在备注中说明。", "Usually one applies; explain in a note if both do."),
)
def mode_both(sheet: SheetData, ctx: RuleContext) -> Iterator[Finding]:
    for rec in sheet.records:
        if len(rec.item.mode) > 1:
            yield finding("mode-both", rec.at("mode"), item=rec.item.name or "?")


@rule(
    "audience-none", Severity.ERROR, "sheet",
    title=("未选择公开对象", "no audience"),
    message=("「{item}」没有选择公开对象（全社会 / 特定群众）。", "'{item}' has no audience (全社会 / 特定群众)."),
    fix=("请在「全社会」或「特定群众」列打 √（文字版填写“全社会”或“特定群体（写明对象）”）。",
         "Tick 全社会 or 特定群众 (or write it)."),
)
def audience_none(sheet: SheetData, ctx: RuleContext) -> Iterator[Finding]:
    yield from _none_chosen(sheet, "audience", "audience-none")


@rule(
    "level-none", Severity.WARNING, "sheet",
    title=("未选择公开层级", "no administrative level"),
    message=("「{item}」没有选择公开层级。", "'{item}' has no administrative level ticked."),
    fix=("请在「区级（县级）」或「街镇级（乡级）」列打 √。", "Tick the district (县级) or township (乡级) column."),
)
def level_none(sheet: SheetData, ctx: RuleContext) -> Iterator[Finding]:
    yield from _none_chosen(sheet, "levels", "level-none")


@rule(
    "tick-mark-unrecognised", Severity.WARNING, "sheet",
    title=("无法识别的勾选符号", "unrecognised tick mark"),
    message=("{cell} 填写的「{mark}」不是勾选符号，按未勾选处理。", "{cell} holds '{mark}', which is not a tick; read as not ticked."),
    fix=("勾选请填 √，不适用请留空。", "Use √ to tick and leave the cell blank otherwise."),
)
def tick_marks(sheet: SheetData, ctx: RuleContext) -> Iterator[Finding]:
    for rec in sheet.records:
        for key, marks in rec.unknown.items():
            if key.startswith("tick:"):
                _, group, cell = key.split(":", 2)
                loc = rec.item.source.model_copy(update={"cell": cell, "field": group})
                yield finding("tick-mark-unrecognised", loc, mark=marks[0])


def _none_chosen(sheet: SheetData, group: str, code: str) -> Iterator[Finding]:
    """Rows with nothing chosen in a group the layout has; a mark zwgk could not read is reported instead."""
    if group not in sheet.fields:
        return
    for rec in sheet.records:
        if not getattr(rec.item, group) and not rec.unknown.get(group) and not _has_unknown_tick(rec, group):
            yield finding(code, rec.at(group), item=rec.item.name or "?")


def _has_unknown_tick(rec: object, group: str) -> bool:
    unknown = getattr(rec, "unknown", {})
    return any(k.startswith(f"tick:{group}:") for k in unknown)
