"""A 街镇 catalogue whose items are all 区级 was probably copied from a district template."""

from collections.abc import Iterator, Sequence

from zwgk.validators.models import Finding, Severity
from zwgk.validators.registry import finding, rule
from zwgk.validators.sheet import RuleContext, SheetData


@rule(
    "township-only-district-items", Severity.WARNING, "file",
    title=("街镇目录只有区级事项", "township catalogue with district-level items only"),
    message=("{unit}是街镇单位，但全部 {count} 个标明层级的事项都只勾选了区级（县级）。",
             "{unit} is a township unit but all {count} items with a level are ticked district (县级) only."),
    fix=("街镇目录应包含乡级（街镇级）事项：请核对公开层级，或按国家标准指引补充乡级事项。",
         "A township catalogue should carry township-level items: check the level columns."),
)
def only_district(sheets: Sequence[SheetData], ctx: RuleContext) -> Iterator[Finding]:
    if not sheets:
        return
    unit_name = sheets[0].unit
    unit = ctx.reference.unit(unit_name) if unit_name else None
    if unit is None or unit.level != "街镇级":
        return
    levelled = [r for s in sheets for r in s.records if r.item.levels]
    if levelled and all(set(r.item.levels) <= {"区级", "市级"} for r in levelled):
        first = levelled[0]
        yield finding("township-only-district-items", first.at("levels"), unit=unit.name, count=len(levelled))
