"""Words outside the vocabulary in text-valued columns (Shanghai layout) and unknown channels."""

from collections.abc import Iterator

from zwgk.validators.models import FIELD_LABELS, Finding, Severity
from zwgk.validators.registry import finding, rule
from zwgk.validators.sheet import RuleContext, SheetData

_ALLOWED = {
    "audience": "全社会、特定群众（特定群体）",
    "mode": "主动公开、依申请公开",
    "levels": "区级（县级）、街镇级（乡级）、村级、市级",
}


@rule(
    "value-not-in-vocabulary", Severity.ERROR, "sheet",
    title=("取值不在规范用语中", "value outside the vocabulary"),
    message=("「{field}」填写了「{value}」，不是规范用语（可填：{allowed}）。", "'{field}' says '{value}', which is not an allowed value ({allowed})."),
    fix=("请改为规范用语之一。", "Use one of the allowed values."),
)
def words(sheet: SheetData, ctx: RuleContext) -> Iterator[Finding]:
    for rec in sheet.records:
        for fld, allowed in _ALLOWED.items():
            for word in rec.unknown.get(fld, ()):
                yield finding("value-not-in-vocabulary", rec.at(fld), value=word, allowed=allowed)


@rule(
    "channel-unknown", Severity.WARNING, "sheet",
    title=("非标准公开渠道", "non-standard channel"),
    message=("公开渠道「{value}」不在标准渠道中。", "Channel '{value}' is not a standard channel."),
    fix=("如确为本领域特有渠道可保留；否则请改用标准渠道名称（政府网站、政府公报、两微一端……）。",
         "Keep it if the domain really uses it; otherwise use a standard channel name."),
)
def channels(sheet: SheetData, ctx: RuleContext) -> Iterator[Finding]:
    from rapidfuzz import process

    choices = list(ctx.vocabulary.channels.standard)
    for rec in sheet.records:
        for word in rec.unknown.get("channels", ()):
            best = process.extractOne(word, choices, score_cutoff=60)
            yield finding("channel-unknown", rec.at("channels"), value=word, closest=best[0] if best else "")


__all__ = ["FIELD_LABELS"]
