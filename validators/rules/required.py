"""Required cells: the minimum elements of 国办发〔2019〕54号 (名称、内容、依据、时限、主体、渠道)."""

from collections.abc import Iterator

from zwgk.validators.models import DisclosureItem, Finding, Severity
from zwgk.validators.registry import finding, rule
from zwgk.validators.sheet import RuleContext, SheetData

_TEXT_FIELDS = ("content", "basis", "time_limit", "subject")


@rule(
    "required-cell-empty", Severity.ERROR, "sheet",
    title=("必填单元格为空", "required cell empty"),
    message=("「{field}」为空（{item}）。", "'{field}' is empty ({item})."),
    fix=("请在该单元格填写{field}；国办发〔2019〕54号要求目录写明事项的名称、内容、依据、时限、主体、渠道等要素。",
         "Fill it in: 国办发〔2019〕54号 requires name, content, basis, time limit, body and channels."),
)
def required_cells(sheet: SheetData, ctx: RuleContext) -> Iterator[Finding]:
    has = sheet.fields
    # A unit that names its items at one level leaves the whole 二级事项 column blank: 一级事项 is then the
    # name.  A blank 二级事项 among filled ones is a missing name.
    need_level2 = "level2" in has and any(rec.item.level2 or rec.item.level3 for rec in sheet.records)
    text_fields = [f for f in _TEXT_FIELDS if f in has]
    need_channels = "channels" in has
    # Item fields are cleaned text or None (the reader never stores blanks), so truthiness is emptiness.
    for rec in sheet.records:
        it = rec.item
        if need_level2 and not it.level2 and not it.level3:
            yield finding("required-cell-empty", rec.at("level2"), item=_label(it))
        elif not (it.level1 or it.level2 or it.level3):
            fld = "level1" if "level1" in has else "name"
            yield finding("required-cell-empty", rec.at(fld), item=_label(it))
        for fld in text_fields:
            if not getattr(it, fld):
                yield finding("required-cell-empty", rec.at(fld), item=_label(it))
        if need_channels and not it.channels:
            yield finding("required-cell-empty", rec.at("channels"), item=_label(it))


def _label(it: DisclosureItem) -> str:
    return it.name or f"第 {it.source.row} 行"
