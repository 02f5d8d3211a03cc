"""Words the three reports print, Chinese first, English for ``--lang en``.

One table so that the terminal, HTML and xlsx emitters of a report say the same thing in the same words.
"""

from __future__ import annotations

from collections.abc import Mapping

# key → (zh, en)
LABELS: dict[str, tuple[str, str]] = {
    # units and groups
    "unit": ("单位", "Unit"),
    "kind": ("类别", "Kind"),
    "group": ("单位类型", "Unit type"),
    "group.委办局": ("委办局", "Bureaus"),
    "group.街镇": ("街镇", "Subdistricts & towns"),
    "group.园区": ("园区", "Parks"),
    "group.其他": ("名录外", "Outside roster"),
    "kind.委办局": ("委办局", "bureau"),
    "kind.街道": ("街道", "subdistrict"),
    "kind.镇": ("镇", "town"),
    "kind.园区": ("园区", "park"),
    "kind.none": ("名录外", "outside roster"),
    "submitted": ("已提交", "Submitted"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "files": ("文件", "Files"),
    "items": ("事项", "Items"),
    "errors": ("错误", "Errors"),
    "warnings": ("警告", "Warnings"),
    "infos": ("提示", "Notes"),
    "domain": ("领域", "Domain"),
    "domains": ("领域覆盖", "Domain coverage"),
    "clauses": ("法定条款覆盖", "Statutory coverage"),
    "state": ("总体状态", "Overall"),
    "why": ("说明", "Why"),
    "na": ("不适用", "n/a"),
    "none": ("无", "none"),
    "date": ("截止日期", "Deadline"),
    "days_left": ("剩余天数", "Days left"),
    "notice_items": ("通知条目", "Notice items"),
    "applies_to": ("适用", "Applies to"),
    "applies.all": ("全部单位", "all units"),
    "applies.paired": ("结对单位", "paired units"),
    "evidence": ("判断依据", "Evidence"),
    "milestone": ("节点", "Milestone"),
    "count": ("数量", "Count"),
    "severity": ("级别", "Severity"),
    "rule": ("规则", "Rule"),
    "title": ("说明", "Title"),
    "message": ("问题与修改方法", "Problem and fix"),
    "path": ("文件", "File"),
    "sheet": ("工作表", "Sheet"),
    "row": ("行", "Row"),
    "cell": ("单元格", "Cell"),
    "field": ("字段", "Field"),
    "item": ("事项", "Item"),
    "item_id": ("事项编号", "Item id"),
    "content": ("公开内容", "Content"),
    "total": ("合计", "Total"),
    "as_of": ("报告日期", "Report date"),
    "catalogue_as_of": ("目录日期", "Catalogue date"),
    "version": ("目录版本", "Catalogue version"),
    "district": ("区", "District"),
    "source": ("来源", "Source"),
    "verification": ("核实程度", "Verification"),
    "more": ("另有 {n} 条，完整列表见 {file} 工作表「{sheet}」。", "{n} more; the full list is in {file}, sheet '{sheet}'."),
    "sev.error": ("错误", "error"),
    "sev.warning": ("警告", "warning"),
    "sev.info": ("提示", "info"),
    # milestone states
    "st.done": ("已完成", "done"),
    "st.open": ("进行中", "open"),
    "st.at_risk": ("有风险", "at risk"),
    "st.overdue": ("逾期", "overdue"),
    "st.manual": ("人工确认", "check by hand"),
    "st.na": ("—", "—"),
    # milestone evidence
    "ev.active": ("已提交目录，且至少有 1 个主动公开事项", "catalogue submitted with at least one 主动 (proactive) item"),
    "ev.items": ("已提交目录，且至少有 1 个事项（事项已梳理）", "catalogue submitted with at least one item (items sorted)"),
    "ev.complete": (
        "已提交目录、事项不少于 1 个、无错误，且第 30 项分工给本单位的每个领域都有事项或“未涉及”说明",
        "catalogue submitted, at least one item, no errors, and every domain item 30 assigns to the unit has "
        "items or a 未涉及 (not involved) declaration",
    ),
    "ev.clean": ("已提交目录、事项不少于 1 个，且汇编无错误", "catalogue submitted, at least one item, compiled without errors"),
    "ev.manual": (
        "目录无法说明（如工作制度、公文属性审查），请人工核实；不计入总体状态",
        "a catalogue cannot show it (e.g. internal procedures, a review of documents); check by hand — it does "
        "not count towards the overall state",
    ),
    # gaps
    "gap.not-submitted": ("未提交目录", "no catalogue submitted"),
    "gap.no-items": ("目录中没有事项", "the catalogue has no items"),
    "gap.unreadable": ("提交的文件无法读取（{files}），请重交", "the submitted file cannot be read ({files}); ask for a new copy"),
    "gap.no-active-items": ("没有主动公开事项", "no 主动 (proactive) items"),
    "gap.has-errors": ("有 {count} 处错误", "{count} errors"),
    "gap.domains-missing": ("领域无事项且无“未涉及”说明：{domains}", "domains with neither items nor a 未涉及 declaration: {domains}"),
    # grades
    "grade": ("等级", "Grade"),
    "score": ("得分", "Score"),
    "grade.A": ("A 优秀", "A excellent"),
    "grade.B": ("B 良好", "B good"),
    "grade.C": ("C 合格", "C adequate"),
    "grade.D": ("D 不合格", "D inadequate"),
    "grade.N": ("未提交", "not submitted"),
    "comp.structure": ("结构规范", "Structure"),
    "comp.completeness": ("要素完整", "Completeness"),
    "comp.rules": ("规则符合", "Rule compliance"),
    "comp.guideline": ("指引覆盖", "Guideline coverage"),
    "comp.statutory": ("法定覆盖", "Statutory coverage"),
    "comp.links": ("链接覆盖", "Link coverage"),
    "el.name": ("事项名称", "item name"),
    "el.content": ("公开内容", "content"),
    "el.basis": ("公开依据", "legal basis"),
    "el.time_limit": ("公开时限", "time limit"),
    "el.subject": ("公开主体", "disclosing body"),
    "el.channels": ("公开渠道和载体", "channels"),
    "el.audience": ("公开对象", "audience"),
    "el.mode": ("公开方式", "disclosure mode"),
}


def tr(key: str, lang: str = "zh", **params: object) -> str:
    """The label ``key`` in ``lang``, formatted with ``params``; an unknown key is shown as itself."""
    zh, en = LABELS.get(key, (key, key))
    text = en if lang == "en" else zh
    return text.format(**params) if params else text


def table(lang: str = "zh") -> Mapping[str, str]:
    """Every label in ``lang``: what the HTML templates receive as ``t``."""
    i = 1 if lang == "en" else 0
    return {k: v[i] for k, v in LABELS.items()}


def join_list(values: list[str] | tuple[str, ...], lang: str = "zh") -> str:
    return (", " if lang == "en" else "、").join(values)


def pct(value: float | None) -> str:
    """A percentage as the reports print it: one decimal, or a dash when not applicable."""
    return "—" if value is None else f"{value:.1f}%"


def ratio(covered: int, owed: int) -> float | None:
    return None if owed == 0 else round(100.0 * covered / owed, 1)
