"""`zwgk status`: which units have met the deadlines of 宝府办〔2020〕14号, which are overdue or at risk.

:func:`status_report` turns a compiled catalogue into a :class:`StatusReport` (data only); the emitters
below write it for a terminal, as a self-contained HTML page and as an xlsx workbook.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from pydantic import BaseModel, ConfigDict, Field
from zwgk.catalogs import load_reference
from zwgk.compiler.reports import xlsx
from zwgk.compiler.reports.common import (
    GROUPS,
    STATE_ORDER,
    ClauseScopeKey,
    Gap,
    State,
    catalogue_date,
    clause_scope,
    evidence_of,
    fixed_datetime,
    index_catalogue,
    judge,
    overall,
    severity_counts,
    unit_facts,
    unit_views,
)
from zwgk.compiler.reports.output import console, esc, write_report_files
from zwgk.compiler.reports.svg import Chart, Row, Segment, hbar_chart
from zwgk.compiler.reports.text import join_list, pct, ratio, table, tr
from zwgk.validators.catalogue import Catalogue
from zwgk.validators.reference import Reference

from zwgk import __version__

DEFAULT_RISK_DAYS = 30
TERMINAL_CAP = 25  # rows of the attention list on a terminal (the files list every unit)
STEM = "status"


class _M(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MilestoneRow(_M):
    id: str
    date: str
    label: str
    notice_items: list[int]
    applies_to: str
    evidence: str = Field(description="active | items | complete | clean | manual (see text.py ev.*)")
    verification: str
    days_left: int = Field(description="deadline minus report date, in days (negative: passed)")
    counts: dict[str, int] = Field(description="state → number of units")


class UnitMilestone(_M):
    id: str
    state: State
    gaps: list[Gap] = Field(default_factory=list)


class UnitStatus(_M):
    name: str
    kind: str | None
    group: str
    level: str | None
    in_roster: bool
    paired_with: str | None
    submitted: bool
    files: int
    items: int
    active_items: int
    errors: int
    warnings: int
    domains_owed: list[str]
    domains_covered: list[str]
    domains_missing: list[str]
    domain_coverage: float | None
    clauses_owed: list[str]
    clauses_covered: list[str]
    clause_coverage: float | None
    milestones: list[UnitMilestone]
    state: State

    def milestone(self, milestone_id: str) -> UnitMilestone:
        return next(m for m in self.milestones if m.id == milestone_id)


class GroupProgress(_M):
    group: str
    units: int
    submitted: int
    items: int
    counts: dict[str, int] = Field(description="overall state → number of units")


class StatusReport(_M):
    tool: str = "zwgk"
    tool_version: str = __version__
    district: str
    as_of: str
    catalogue_as_of: str
    catalogue_version: str
    risk_days: int
    milestones: list[MilestoneRow]
    units: list[UnitStatus]
    groups: list[GroupProgress]

    def unit(self, name: str) -> UnitStatus:
        return next(u for u in self.units if u.name == name)

    @property
    def attention(self) -> list[UnitStatus]:
        """Overdue units, then at-risk ones (each in roster order)."""
        return [u for s in (State.OVERDUE, State.AT_RISK) for u in self.units if u.state is s]

    def count(self, state: State) -> int:
        return sum(1 for u in self.units if u.state is state)

    @property
    def exit_code(self) -> int:
        return 1 if self.count(State.OVERDUE) else 0


def status_report(
    catalogue: Catalogue,
    as_of: dt.date | None = None,
    reference: Reference | None = None,
    *,
    risk_days: int = DEFAULT_RISK_DAYS,
) -> StatusReport:
    """Every unit against every milestone on ``as_of`` (default: the catalogue's own date)."""
    ref = reference or load_reference()
    day = as_of or catalogue_date(catalogue)
    idx = index_catalogue(catalogue)
    milestones = sorted(ref.milestones, key=lambda m: (m.date, m.id))
    scopes: tuple[ClauseScopeKey, ...] = ("all", "区级", "街镇级")
    clauses_by_scope = {s: [c.id for c in ref.clauses_for(s)] for s in scopes}
    units: list[UnitStatus] = []
    for view in unit_views(catalogue, ref):
        items = idx.items_by_unit.get(view.name, [])
        # Errors in the unit's own files; catalogue-wide gaps (clauses, guideline items) are the audit's business.
        sev = severity_counts(f for f in idx.unit_findings(view.name) if f.path)
        unreadable = sorted({f.path for f in idx.unit_findings(view.name) if f.path and f.code == "file-unreadable"})
        facts = unit_facts(view, items, sev["error"], unreadable)
        present = {i.domain for i in items if i.domain}
        covered_domains = [d for d in view.responsible_for if d in present or d in view.not_involved]
        owed_clauses = clauses_by_scope[clause_scope(view)]
        satisfied = set().union(*(idx.item_clauses.get(i.id, set()) for i in items)) if items else set()
        covered_clauses = [c for c in owed_clauses if c in satisfied]
        judged = []
        for m in milestones:
            state, gaps = judge(m, view, facts, day, risk_days)
            judged.append(UnitMilestone(id=m.id, state=state, gaps=gaps))
        units.append(UnitStatus(
            name=view.name, kind=view.kind, group=view.group, level=view.level, in_roster=view.in_roster,
            paired_with=view.paired_with, submitted=facts.submitted, files=len(view.files), items=len(items),
            active_items=facts.active_items, errors=sev["error"], warnings=sev["warning"],
            domains_owed=list(view.responsible_for), domains_covered=covered_domains,
            domains_missing=list(facts.domains_missing),
            domain_coverage=ratio(len(covered_domains), len(view.responsible_for)),
            clauses_owed=owed_clauses, clauses_covered=covered_clauses,
            clause_coverage=ratio(len(covered_clauses), len(owed_clauses)),
            milestones=judged, state=overall(m.state for m in judged),
        ))
    rows = []
    for m in milestones:
        counts = {s.value: 0 for s in State}
        for u in units:
            counts[u.milestone(m.id).state.value] += 1
        rows.append(MilestoneRow(
            id=m.id, date=m.date, label=m.label, notice_items=list(m.notice_items), applies_to=m.applies_to,
            evidence=evidence_of(m), verification=m.verification, days_left=(m.day - day).days, counts=counts,
        ))
    groups = []
    for g in GROUPS:
        members = [u for u in units if u.group == g]
        if not members and g == "其他":
            continue
        counts = {s.value: sum(1 for u in members if u.state is s) for s in (*STATE_ORDER, State.NA)}
        groups.append(GroupProgress(group=g, units=len(members), submitted=sum(u.submitted for u in members),
                                    items=sum(u.items for u in members), counts=counts))
    return StatusReport(
        district=catalogue.district, as_of=day.isoformat(), catalogue_as_of=catalogue.as_of,
        catalogue_version=catalogue.version, risk_days=risk_days, milestones=rows, units=units, groups=groups,
    )


# ---------------------------------------------------------------------------------------------------------
# Words


def definitions(report: StatusReport, lang: str = "zh") -> list[tuple[str, str]]:
    """(term, definition) pairs printed in every output: what each state means, precisely."""
    n = report.risk_days
    if lang == "en":
        return [
            (tr("st.done", lang), "the catalogue as compiled meets the milestone's evidence (whatever the date)."),
            (tr("st.overdue", lang), "the deadline has passed (report date later than the deadline) and the "
                                     "catalogue does not meet the evidence."),
            (tr("st.at_risk", lang), f"the deadline has not passed and is at most {n} days after the report date "
                                     "(the deadline day itself included), and the catalogue does not meet the "
                                     "evidence yet."),
            (tr("st.open", lang), f"not met yet, deadline more than {n} days away."),
            (tr("st.manual", lang), "a catalogue cannot show this milestone; confirm it by hand. Not counted."),
            (tr("state", lang), "a unit's worst judged milestone: overdue > at risk > open > done."),
            (tr("clauses", lang), "statutory items (条例 第二十条; plus 第二十一条's 区级 list for 区级 units or its "
                                  "乡镇 list for 街镇级 units) with at least one of the unit's items."),
            (tr("domains", lang), "domains notice item 30 assigns to the unit that have its items or a 未涉及 "
                                  "declaration."),
            (f"{tr('errors', lang)} / {tr('warnings', lang)}", "findings located in the unit's own submitted files "
                                                               "(coverage gaps of the whole catalogue are in zwgk audit)."),
        ]
    return [
        (tr("st.done", lang), "按汇编后的目录，已满足该节点的判断依据（不论日期）。"),
        (tr("st.overdue", lang), "报告日期已晚于截止日期，而目录仍未满足该节点的判断依据。"),
        (tr("st.at_risk", lang), f"截止日期未过，且距报告日期不超过 {n} 天（含截止当天），而目录尚未满足该节点的判断依据。"),
        (tr("st.open", lang), f"尚未满足，距截止日期超过 {n} 天。"),
        (tr("st.manual", lang), "目录无法说明该节点是否完成，请人工核实；不计入总体状态。"),
        (tr("state", lang), "单位各节点中最差的状态：逾期 > 有风险 > 进行中 > 已完成。"),
        (tr("clauses", lang), "单位应公开的法定条款（条例第二十条；区级单位另加第二十一条区级各项，街镇级单位另加乡镇各项）中，"
                              "至少有本单位 1 个事项对应的条款所占比例。"),
        (tr("domains", lang), "通知第 30 项分工给本单位的领域中，已有事项或作出“未涉及”说明的领域所占比例。"),
        (f"{tr('errors', lang)} / {tr('warnings', lang)}", "本单位提交的文件中查出的问题（全区层面的覆盖缺口见 zwgk audit）。"),
    ]


def gap_text(gaps: Sequence[Gap], lang: str = "zh") -> str:
    return ("; " if lang == "en" else "；").join(tr(f"gap.{g.code}", lang, **g.params) for g in gaps)


def unit_why(report: StatusReport, u: UnitStatus, lang: str = "zh") -> str:
    """For an overdue or at-risk unit: which milestones, when, and what is missing."""
    parts = []
    dates = {m.id: m for m in report.milestones}
    for um in u.milestones:
        if um.state in (State.OVERDUE, State.AT_RISK):
            m = dates[um.id]
            head = f"{m.date} {tr('st.' + um.state.value, lang)}" if lang == "en" else f"{m.date}（{tr('st.' + um.state.value, lang)}）"
            items = ",".join(str(i) for i in m.notice_items)
            head += f" item {items}" if lang == "en" else f"第{items}项"
            parts.append(f"{head}: {gap_text(um.gaps, lang)}" if lang == "en" else f"{head}：{gap_text(um.gaps, lang)}")
    return ("; " if lang == "en" else "；").join(parts)


def kind_label(u: UnitStatus, lang: str) -> str:
    return tr(f"kind.{u.kind}" if u.kind else "kind.none", lang)


def coverage_text(covered: int, owed: int, value: float | None) -> str:
    return "—" if value is None else f"{covered}/{owed}（{pct(value)}）"


def title(report: StatusReport, lang: str) -> str:
    if lang == "en":
        return f"{report.district}: standard catalogue progress against the 2020 deadlines"
    return f"{report.district}政务公开标准目录工作进度"


def progress_chart(report: StatusReport, lang: str = "zh") -> Chart:
    states = (State.DONE, State.OPEN, State.AT_RISK, State.OVERDUE)
    rows = []
    for g in report.groups:
        segs = [Segment(value=g.counts[s.value], cls=f"s-{s.value}",
                        title=f"{tr('group.' + g.group, lang)} {tr('st.' + s.value, lang)}: {g.counts[s.value]}")
                for s in states]
        total = f"{g.submitted}/{g.units} " + ("submitted" if lang == "en" else "已提交")
        rows.append(Row(label=tr("group." + g.group, lang), segments=segs, total_text=total))
    desc = "; ".join(
        f"{tr('group.' + g.group, lang)}: " + ", ".join(f"{tr('st.' + s.value, lang)} {g.counts[s.value]}" for s in states)
        for g in report.groups
    )
    return hbar_chart("progress", "Progress by unit type" if lang == "en" else "按单位类型的进度", desc, rows,
                      legend=[(f"s-{s.value}", tr("st." + s.value, lang)) for s in states])


# ---------------------------------------------------------------------------------------------------------
# Terminal


def write_terminal(report: StatusReport, out: TextIO, lang: str = "zh", color: bool | None = None) -> None:
    from rich.table import Table

    con = console(out, color)
    con.print(f"[bold]{esc(title(report, lang))}[/bold]")
    submitted = sum(u.submitted for u in report.units)
    if lang == "en":
        con.print(f"Report date {report.as_of} (catalogue of {report.catalogue_as_of}); {submitted}/{len(report.units)} "
                  f"units submitted; [red]{report.count(State.OVERDUE)} overdue[/red], "
                  f"[yellow]{report.count(State.AT_RISK)} at risk[/yellow] (deadline within {report.risk_days} days).")
    else:
        con.print(f"报告日期 {report.as_of}（目录日期 {report.catalogue_as_of}）；已提交 {submitted}/{len(report.units)} 个单位；"
                  f"[red]逾期 {report.count(State.OVERDUE)} 个[/red]，[yellow]有风险 {report.count(State.AT_RISK)} 个[/yellow]"
                  f"（距截止日 {report.risk_days} 天内）。")
    t = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    t.add_column(tr("milestone", lang), no_wrap=True, max_width=40, overflow="ellipsis")
    t.add_column(tr("date", lang))
    t.add_column(tr("days_left", lang), justify="right")
    for s in (State.DONE, State.OPEN, State.AT_RISK, State.OVERDUE, State.MANUAL):
        t.add_column(tr("st." + s.value, lang), justify="right")
    for m in report.milestones:
        items = ",".join(map(str, m.notice_items))
        label = f"item {items} {m.id}" if lang == "en" else f"第{items}项 {m.label}"
        t.add_row(esc(label), m.date, str(m.days_left),
                  *(str(m.counts[s.value]) for s in (State.DONE, State.OPEN, State.AT_RISK, State.OVERDUE, State.MANUAL)))
    con.print(t)
    g = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    g.add_column(tr("group", lang))
    for key in ("unit", "submitted", "items"):
        g.add_column(tr(key, lang), justify="right")
    for s in STATE_ORDER[::-1]:
        g.add_column(tr("st." + s.value, lang), justify="right")
    for gp in report.groups:
        g.add_row(esc(tr("group." + gp.group, lang)), str(gp.units), str(gp.submitted), str(gp.items),
                  *(str(gp.counts[s.value]) for s in STATE_ORDER[::-1]))
    con.print(g)
    if report.attention:
        a = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        for key in ("unit", "kind", "state", "why"):
            a.add_column(tr(key, lang))
        for u in report.attention[:TERMINAL_CAP]:
            style = "red" if u.state is State.OVERDUE else "yellow"
            a.add_row(esc(u.name), esc(kind_label(u, lang)), f"[{style}]{tr('st.' + u.state.value, lang)}[/{style}]",
                      esc(unit_why(report, u, lang)))
        con.print(a)
        if len(report.attention) > TERMINAL_CAP:
            more = len(report.attention) - TERMINAL_CAP
            con.print(f"… {more} more: see status.html / status.xlsx" if lang == "en"
                      else f"… 另有 {more} 个单位，完整列表见 status.html 或 status.xlsx", soft_wrap=True)
    else:
        con.print("[green]" + ("No unit is overdue or at risk." if lang == "en" else "没有逾期或有风险的单位。") + "[/green]")


# ---------------------------------------------------------------------------------------------------------
# HTML


def to_html(report: StatusReport, lang: str = "zh") -> str:
    from zwgk.compiler.templating import render_template

    units = []
    for i, u in enumerate(report.units):
        units.append({
            "u": u, "anchor": f"unit-{i}", "kind": kind_label(u, lang),
            "domains": coverage_text(len(u.domains_covered), len(u.domains_owed), u.domain_coverage),
            "domains_missing": join_list(u.domains_missing, lang),
            "clauses": coverage_text(len(u.clauses_covered), len(u.clauses_owed), u.clause_coverage),
            "why": unit_why(report, u, lang) if u.state in (State.OVERDUE, State.AT_RISK) else "",
            "gaps": {m.id: gap_text(m.gaps, lang) for m in u.milestones},
        })
    return render_template(
        "reports/status.html", lang=lang, t=table(lang), r=report, title=title(report, lang), units=units,
        definitions=definitions(report, lang), chart=progress_chart(report, lang), version=__version__,
        attention=[x for x in units if x["u"].state in (State.OVERDUE, State.AT_RISK)],
        overdue=report.count(State.OVERDUE), at_risk=report.count(State.AT_RISK),
        submitted=sum(u.submitted for u in report.units),
        judged_states=[s.value for s in (State.DONE, State.OPEN, State.AT_RISK, State.OVERDUE, State.MANUAL, State.NA)],
    )


# ---------------------------------------------------------------------------------------------------------
# xlsx


def to_xlsx(report: StatusReport, lang: str = "zh") -> bytes:
    T = table(lang)
    wb = xlsx.new_workbook()
    about = [title(report, lang), f"{T['as_of']}: {report.as_of}", f"{T['catalogue_as_of']}: {report.catalogue_as_of}",
             f"{T['version']}: {report.catalogue_version}", ""]
    xlsx.add_sheet(wb, "说明" if lang != "en" else "About", [T["state"], T["title"]],
                   definitions(report, lang), widths=[14, 100], preamble=about)
    ms = report.milestones
    headers = [T["unit"], T["group"], T["kind"], T["submitted"], T["files"], T["items"], T["errors"], T["warnings"],
               T["domains"], T["clauses"], *(f"{m.date} {m.id}" for m in ms), T["state"], T["why"]]
    rows = []
    for u in report.units:
        rows.append([
            u.name, T["group." + u.group], kind_label(u, lang), T["yes"] if u.submitted else T["no"], u.files, u.items,
            u.errors, u.warnings, coverage_text(len(u.domains_covered), len(u.domains_owed), u.domain_coverage),
            coverage_text(len(u.clauses_covered), len(u.clauses_owed), u.clause_coverage),
            *(T["st." + u.milestone(m.id).state.value] for m in ms), T["st." + u.state.value],
            unit_why(report, u, lang),
        ])
    xlsx.add_sheet(wb, "单位进度" if lang != "en" else "Units", headers, rows,
                   widths=[22, 10, 8, 8, 6, 8, 8, 8, 16, 16, *([14] * len(ms)), 10, 60],
                   flags=[u.state.value for u in report.units])
    mh = [T["milestone"], T["date"], T["days_left"], T["notice_items"], T["applies_to"], T["evidence"],
          T["verification"], *(T["st." + s.value] for s in State)]
    mrows = [[m.id + " " + m.label, m.date, m.days_left, ",".join(map(str, m.notice_items)), T["applies." + m.applies_to],
              T["ev." + m.evidence], m.verification, *(m.counts[s.value] for s in State)] for m in ms]
    xlsx.add_sheet(wb, "节点" if lang != "en" else "Milestones", mh, mrows, widths=[50, 12, 8, 8, 10, 60, 8, 8, 8, 8, 8, 8, 8])
    gh = [T["group"], T["unit"], T["submitted"], T["items"], *(T["st." + s.value] for s in (*STATE_ORDER, State.NA))]
    grows = [[T["group." + g.group], g.units, g.submitted, g.items, *(g.counts[s.value] for s in (*STATE_ORDER, State.NA))]
             for g in report.groups]
    xlsx.add_sheet(wb, "按单位类型" if lang != "en" else "By unit type", gh, grows, widths=[20, 8, 8, 8, 8, 8, 8, 8, 8])
    dh = [T["unit"], T["milestone"], T["date"], T["state"], T["why"]]
    drows = [[u.name, m.id, next(x.date for x in ms if x.id == m.id), T["st." + m.state.value], gap_text(m.gaps, lang)]
             for u in report.units for m in u.milestones if m.state in (State.OVERDUE, State.AT_RISK, State.OPEN)]
    xlsx.add_sheet(wb, "未完成明细" if lang != "en" else "Open milestones", dh, drows, widths=[22, 30, 12, 10, 70])
    return xlsx.to_bytes(wb, fixed_datetime(dt.date.fromisoformat(report.as_of)))


def write_status(report: StatusReport, out_dir: str | Path, lang: str = "zh") -> list[Path]:
    """status.html, status.xlsx and status.json in ``out_dir`` (atomic writes)."""
    return write_report_files(out_dir, STEM, report, to_html(report, lang), to_xlsx(report, lang))
