"""公开时限: recognisable, and not beyond the 20 working days of 条例 第二十六条 (a warning only)."""

import re
from collections.abc import Iterator
from functools import lru_cache

from zwgk.validators.models import Finding, Severity
from zwgk.validators.normalise import fold
from zwgk.validators.registry import finding, rule
from zwgk.validators.sheet import RuleContext, SheetData

STATUTORY_WORKING_DAYS = 20  # 条例 第二十六条

# Phrases that make a time limit without a day count (V: observed_catalogue_time_limits).
_WORDS = ("实时", "及时", "即时", "长期", "永久", "常年", "动态", "随时", "定期", "滚动", "每年", "每季", "每月", "年度",
          "季度", "之日起", "以前", "之前", "前公开", "内公开", "工作日", "日内", "天内", "个月", "小时", "同步", "当日", "当天",
          "按规定", "依法", "立即", "届满", "常态")  # 常态化公开: published continuously, like 长期
# A display period (公示7个工作日) or a calendar date (1月31日) is not the time allowed to publish.
_DISPLAY = re.compile(r"公示(期|时间)?(不少于|不低于|为)?\s*\d+\s*个?(工作日|日|天)")
_DATE = re.compile(r"\d+\s*月\s*\d+\s*日")
# "招生工作开始前", "开学前": a deadline tied to an event is a time limit without a day count.
_BEFORE_EVENT = re.compile(r"[\u4e00-\u9fff]前")
_SPAN = re.compile(r"(\d+(?:\.\d+)?)\s*个?\s*(工作日|日|天|个月|月|年|小时)")


@lru_cache(maxsize=8192)
def working_days(text: str) -> float | None:
    """The longest publication delay in text, in working days, or None when it names no delay."""
    t = _DATE.sub(" ", _DISPLAY.sub(" ", fold(text)))
    worst: float | None = None
    for num, unit in _SPAN.findall(t):
        n = float(num)
        if unit == "工作日":
            days = n
        elif unit in ("日", "天"):
            days = n * 5 / 7
        elif unit in ("个月", "月"):
            days = n * 21
        elif unit == "年":
            days = n * 250
        else:
            days = n / 8
        worst = days if worst is None else max(worst, days)
    return worst


@lru_cache(maxsize=8192)
def recognisable(text: str) -> bool:
    t = fold(text)
    return bool(_SPAN.search(t) or _DATE.search(t) or _BEFORE_EVENT.search(t) or any(w in t for w in _WORDS))


@rule(
    "time-limit-unrecognised", Severity.WARNING, "sheet",
    title=("公开时限无法识别", "time limit not recognisable"),
    message=("公开时限「{value}」看不出期限。", "The time limit '{value}' names no period."),
    fix=("请写明期限，如“信息形成或者变更之日起20个工作日内”“实时”“每年1月31日前”。",
         "State a period, e.g. 信息形成或者变更之日起20个工作日内, 实时, 每年1月31日前."),
)
def unrecognised(sheet: SheetData, ctx: RuleContext) -> Iterator[Finding]:
    for rec in sheet.records:
        text = rec.item.time_limit
        if text and not rec.filled.get("time_limit") and not recognisable(text):
            yield finding("time-limit-unrecognised", rec.at("time_limit"), value=text)


@rule(
    "time-limit-exceeds-statutory", Severity.WARNING, "sheet",
    title=("公开时限超过法定期限", "time limit beyond the statutory 20 working days"),
    message=("公开时限「{value}」约为 {days} 个工作日，超过《政府信息公开条例》第二十六条的 20 个工作日。",
             "The time limit '{value}' is about {days} working days, beyond the 20 of Article 26 of the Regulations."),
    fix=("除法律法规另有规定外，请改为20个工作日以内；如有专门规定，请在公开依据中写明。",
         "Shorten it to 20 working days unless a law says otherwise, and cite that law in the basis."),
)
def exceeds(sheet: SheetData, ctx: RuleContext) -> Iterator[Finding]:
    for rec in sheet.records:
        text = rec.item.time_limit
        if not text or rec.filled.get("time_limit"):
            continue
        days = working_days(text)
        if days is not None and days > STATUTORY_WORKING_DAYS + 1e-9:
            yield finding("time-limit-exceeds-statutory", rec.at("time_limit"), value=text, days=f"{days:.0f}")
