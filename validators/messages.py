"""Rendering findings into sentences, in Chinese (default) or English."""

from __future__ import annotations

from zwgk.validators.models import FIELD_LABELS, Finding

# Location fields that are not item fields (a rule may point at "the item's name" when a layout has no
# 一级事项 column); an unknown field never shows its code name to the user.
_OTHER_LABELS: dict[str, tuple[str, str]] = {"name": ("事项名称", "item name")}


class _Params(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def location_text(f: Finding, lang: str = "zh") -> str:
    loc = f.location
    parts: list[str] = []
    if lang == "en":
        if loc.sheet:
            parts.append(f"sheet '{loc.sheet}'")
        if loc.cell:
            parts.append(f"cell {loc.cell}")
        elif loc.row:
            parts.append(f"row {loc.row}")
        return ", ".join(parts)
    if loc.sheet:
        parts.append(f"工作表「{loc.sheet}」")
    if loc.cell:
        parts.append(f"{loc.cell} 单元格")
    elif loc.row:
        parts.append(f"第 {loc.row} 行")
    return "".join(parts)


def render(f: Finding, lang: str = "zh", *, with_location: bool = True) -> str:
    from zwgk.validators.registry import get

    rule = get(f.code)
    params = _Params(f.params)
    if lang == "en":
        from zwgk.validators.phrases import FREE_TEXT_PARAMS, english

        for key in FREE_TEXT_PARAMS:
            if key in params:
                params[key] = english(params[key])
    field = f.location.field
    if field:
        zh, en = FIELD_LABELS.get(field) or _OTHER_LABELS.get(field) or ("该项", "this cell")
        params.setdefault("field", en if lang == "en" else zh)
    params.setdefault("cell", f.location.cell or "")
    params.setdefault("sheet", f.location.sheet or "")
    template, fix = (rule.message_en, rule.fix_en) if lang == "en" else (rule.message_zh, rule.fix_zh)
    text = template.format_map(params)
    closest = f.params.get("closest")
    if closest:
        text += f" Did you mean '{closest}'?" if lang == "en" else f"是否应为「{closest}」？"
    if fix:
        text = f"{text} {fix.format_map(params)}" if lang == "en" else f"{text}{fix.format_map(params)}"
    if with_location:
        where = location_text(f, lang)
        if where:
            text = f"{where}: {text}" if lang == "en" else f"{where}：{text}"
    return text
