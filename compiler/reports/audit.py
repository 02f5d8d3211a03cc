"""`zwgk audit`: the standardisation scorecard for 区市场监管局 (notice item 28), per unit and per domain.

Six components, each a share in percent with its numerator and denominator kept, so that every number can
lead to the evidence behind it (HTML anchors; xlsx sheets and links):

* structure — files whose layout and columns could be read (no structural error);
* completeness — the 国办发〔2019〕54号 minimum elements filled, over items × 8 elements;
* rules — items with no error finding on their row;
* guideline — national guideline items owed that an item implements (counted matches only);
* statutory — statutory clauses owed that an item satisfies (units only);
* links — items with at least one link.

The overall score is the weighted mean of the components that apply; the grade follows from the score.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from pydantic import BaseModel, ConfigDict, Field
from zwgk.catalogs import load_reference
from zwgk.compiler.reports import xlsx
from zwgk.compiler.reports.common import (
    NO_DOMAIN,
    CatalogueIndex,
    UnitView,
    catalogue_date,
    clause_scope,
    domain_label,
    fixed_datetime,
    index_catalogue,
    unit_views,
)
from zwgk.compiler.reports.output import console, esc, write_report_files
from zwgk.compiler.reports.svg import Chart, Row, Segment, hbar_chart
from zwgk.compiler.reports.text import pct, table, tr
from zwgk.validators.catalogue import Catalogue, CatalogueItem
from zwgk.validators.reference import Reference

from zwgk import __version__

STEM = "audit"
COMPONENTS: tuple[str, ...] = ("structure", "completeness", "rules", "guideline", "statutory", "links")
WEIGHTS: dict[str, int] = {"structure": 15, "completeness": 25, "rules": 20, "guideline": 15, "statutory": 15,
                           "links": 10}
# (grade, lowest score); a unit that submitted nothing gets N and no score.
GRADES: tuple[tuple[str, float], ...] = (("A", 90.0), ("B", 75.0), ("C", 60.0), ("D", 0.0))
GRADE_KEYS: tuple[str, ...] = ("A", "B", "C", "D", "N")
# 国办发〔2019〕54号: 名称、内容、依据、时限、主体、渠道、对象、方式.
ELEMENTS: tuple[str, ...] = ("name", "content", "basis", "time_limit", "subject", "channels", "audience", "mode")
# Codes about a file's layout and columns; an error among them makes the file non-conformant.
STRUCTURAL_CODES: frozenset[str] = frozenset({
    "file-unreadable", "file-limit-exceeded", "file-encrypted", "file-has-macros", "external-link",
    "header-not-found", "column-missing", "column-duplicate", "rows-truncated", "sheet-empty",
    "sheet-instructions-skipped", "column-unknown", "domain-missing", "unit-missing",
})
HTML_LIST_CAP = 200


class _M(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Component(_M):
    numerator: int
    denominator: int
    score: float | None = Field(description="percent, one decimal; None when the component does not apply")


class Located(_M):
    """An item (or a file) and where it is, with the findings on its row."""

    item_id: str | None = None
    name: str = ""
    domain: str | None = None
    path: str | None = None
    sheet: str | None = None
    row: int | None = None
    detail: list[str] = Field(default_factory=list, description="missing elements (completeness)")
    findings: list[int] = Field(default_factory=list, description="numbers of findings (AuditReport.findings)")


class FileCheck(_M):
    path: str
    conformant: bool
    findings: list[int] = Field(default_factory=list)


class Gap(_M):
    code: str
    label: str
    domain: str | None = None


class Scorecard(_M):
    name: str
    kind: str | None = None
    group: str | None = None
    submitted: bool = True
    items: int = 0
    files: int = 0
    components: dict[str, Component]
    score: float | None
    grade: str
    severity: dict[str, int]
    by_rule: dict[str, int]
    findings: list[int]
    structure: list[FileCheck] = Field(default_factory=list)
    incomplete: list[Located] = Field(default_factory=list)
    flagged: list[Located] = Field(default_factory=list)
    guideline_missing: list[Gap] = Field(default_factory=list)
    clauses_missing: list[Gap] = Field(default_factory=list)
    unlinked: list[Located] = Field(default_factory=list)


class FindingRow(_M):
    n: int
    code: str
    severity: str
    message: str
    unit: str | None
    domain: str | None
    clause: str | None = None
    path: str | None = None
    sheet: str | None = None
    row: int | None = None
    cell: str | None = None
    field: str | None = None
    params: dict[str, str] = Field(default_factory=dict)


class RuleCount(_M):
    code: str
    severity: str
    count: int
    units: int
    findings: list[int]


class AuditReport(_M):
    tool: str = "zwgk"
    tool_version: str = __version__
    district: str
    as_of: str
    catalogue_as_of: str
    catalogue_version: str
    weights: dict[str, int] = Field(default_factory=lambda: dict(WEIGHTS))
    units: list[Scorecard]
    domains: list[Scorecard]
    rules: list[RuleCount]
    findings: list[FindingRow]
    district_findings: list[int] = Field(description="findings attributed to no unit (catalogue-wide)")

    def unit(self, name: str) -> Scorecard:
        return next(u for u in self.units if u.name == name)

    def domain(self, name: str) -> Scorecard:
        return next(d for d in self.domains if d.name == name)

    def grade_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(GRADE_KEYS, 0)
        for u in self.units:
            counts[u.grade] += 1
        return counts

    @property
    def exit_code(self) -> int:
        return 1 if any(f.severity == "error" for f in self.findings) else 0


# ---------------------------------------------------------------------------------------------------------
# Scoring


def component(numerator: int, denominator: int) -> Component:
    score = None if denominator == 0 else round(100.0 * numerator / denominator, 1)
    return Component(numerator=numerator, denominator=denominator, score=score)


def overall_score(components: dict[str, Component]) -> float | None:
    """Weighted mean of the components that apply (weights renormalised over them), one decimal."""
    used = [(WEIGHTS[k], c.score) for k, c in components.items() if c.score is not None]
    total = sum(w for w, _ in used)
    if not total:
        return None
    return round(sum(w * s for w, s in used if s is not None) / total, 1)


def grade_of(score: float | None) -> str:
    if score is None:
        return "N"
    return next(g for g, low in GRADES if score >= low)


def missing_elements(item: CatalogueItem) -> list[str]:
    out = []
    for el in ELEMENTS:
        if el == "name":
            filled = any((item.level1, item.level2, item.level3))
        else:
            value = getattr(item, el)
            filled = bool(value.strip()) if isinstance(value, str) else bool(value)
        if not filled:
            out.append(el)
    return out


@dataclass(frozen=True)
class _ItemParts:
    completeness: Component
    rules: Component
    links: Component
    incomplete: list[Located]
    flagged: list[Located]
    unlinked: list[Located]


class _Scorer:
    """Shared evidence for unit and domain scorecards."""

    def __init__(self, cat: Catalogue, ref: Reference) -> None:
        self.cat = cat
        self.ref = ref
        self.idx: CatalogueIndex = index_catalogue(cat)
        self.covered_codes = {g.code for it in cat.items for g in it.guideline if g.counted}
        self.items_by_domain: dict[str | None, list[CatalogueItem]] = {}
        self.missing: dict[int, list[str]] = {}  # by object identity: two items may share an id
        for it in cat.items:
            self.items_by_domain.setdefault(it.domain, []).append(it)
            self.missing[id(it)] = missing_elements(it)
        # A finding's domain: its own, else the domain of the item on its row, else of the sheet's items.
        row_domain: dict[tuple[str, str, int], str | None] = {}
        sheet_domains: dict[tuple[str, str], set[str | None]] = {}
        for it in cat.items:
            s = it.source
            row_domain[(s.path, s.sheet or "", s.row or 0)] = it.domain
            sheet_domains.setdefault((s.path, s.sheet or ""), set()).add(it.domain)
        self.finding_domain: list[str | None] = []
        for f in self.idx.findings:
            d = f.domain
            if d is None and f.path is not None:
                key = (f.path, f.sheet or "", f.row or 0)
                if key in row_domain:
                    d = row_domain[key]
                else:
                    ds = sheet_domains.get((f.path, f.sheet or ""), set())
                    d = next(iter(ds)) if len(ds) == 1 else None
            self.finding_domain.append(d)

    def located(self, item: CatalogueItem, findings: list[int], detail: list[str] | None = None) -> Located:
        s = item.source
        name = " / ".join(p for p in (item.level1, item.level2, item.level3) if p) or item.id
        return Located(item_id=item.id, name=name, domain=item.domain, path=s.path, sheet=s.sheet, row=s.row,
                       detail=detail or [], findings=findings)

    def item_parts(self, items: Sequence[CatalogueItem], scope: set[int]) -> _ItemParts:
        """Completeness, rule compliance and links over ``items``; ``scope`` limits the findings shown."""
        filled = 0
        incomplete: list[Located] = []
        flagged: list[Located] = []
        unlinked: list[Located] = []
        clean = 0
        for it in items:
            row = [n for n in self.idx.row_findings(it) if n in scope]
            missing = self.missing[id(it)] if id(it) in self.missing else missing_elements(it)
            filled += len(ELEMENTS) - len(missing)
            if missing:
                incomplete.append(self.located(it, row, missing))
            errors = [n for n in row if self.idx.findings[n].severity == "error"]
            if errors:
                flagged.append(self.located(it, errors))
            else:
                clean += 1
            if not it.links:
                unlinked.append(self.located(it, []))
        return _ItemParts(
            completeness=component(filled, len(items) * len(ELEMENTS)),
            rules=component(clean, len(items)),
            links=component(len(items) - len(unlinked), len(items)),
            incomplete=incomplete, flagged=flagged, unlinked=unlinked,
        )

    def finding_summary(self, numbers: list[int]) -> tuple[dict[str, int], dict[str, int]]:
        sev = {"error": 0, "warning": 0, "info": 0}
        rules: Counter[str] = Counter()
        for n in numbers:
            f = self.idx.findings[n]
            sev[f.severity] += 1
            rules[f.code] += 1
        return sev, dict(sorted(rules.items(), key=lambda kv: (-kv[1], kv[0])))

    def owed_guideline(self, view: UnitView) -> list[tuple[str, str, str]]:
        """(code, domain, name) of the guideline items a unit answers for."""
        out: list[tuple[str, str, str]] = []
        excluded = set(view.not_involved)
        if view.level == "区级":
            for d in view.responsible_for:
                if d in excluded:
                    continue
                out.extend((g.code, g.domain, _gname(g)) for g in self.ref.guideline_items_for(d))
        elif view.level == "街镇级":
            for d in self.ref.pilot_domains:
                if d.township and d.name not in excluded:
                    out.extend((g.code, g.domain, _gname(g)) for g in self.ref.guideline_items_for(d.name) if g.township)
        return out

    def unit_card(self, view: UnitView) -> Scorecard:
        items = self.idx.items_by_unit.get(view.name, [])
        numbers = list(self.idx.findings_by_unit.get(view.name, []))
        scope = set(numbers)
        files = list(dict.fromkeys([*view.files, *(i.source.path for i in items),
                                    *(self.idx.findings[n].path for n in numbers if self.idx.findings[n].path)]))
        checks = []
        for p in files:
            structural = [n for n in numbers if self.idx.findings[n].path == p
                          and self.idx.findings[n].code in STRUCTURAL_CODES]
            bad = any(self.idx.findings[n].severity == "error" for n in structural)
            checks.append(FileCheck(path=p or "", conformant=not bad, findings=structural))
        parts = self.item_parts(items, scope)
        owed = self.owed_guideline(view)
        covered = self.covered_by(items)
        g_missing = [Gap(code=c, label=name, domain=d) for c, d, name in owed if c not in covered]
        clauses = self.ref.clauses_for(clause_scope(view))
        satisfied: set[str] = set()
        for it in items:
            satisfied |= self.idx.item_clauses.get(it.id, set())
        c_missing = [Gap(code=c.id, label=c.label) for c in clauses if c.id not in satisfied]
        comps = {
            "structure": component(sum(c.conformant for c in checks), len(checks)),
            "completeness": parts.completeness,
            "rules": parts.rules,
            "guideline": component(len(owed) - len(g_missing), len(owed)),
            "statutory": component(len(clauses) - len(c_missing), len(clauses)),
            "links": parts.links,
        }
        submitted = view.submitted or bool(items)
        score = overall_score(comps) if submitted else None
        sev, rules = self.finding_summary(numbers)
        return Scorecard(
            name=view.name, kind=view.kind, group=view.group, submitted=submitted, items=len(items), files=len(checks),
            components=comps, score=score, grade=grade_of(score), severity=sev, by_rule=rules, findings=numbers,
            structure=checks, incomplete=parts.incomplete, flagged=parts.flagged,
            guideline_missing=g_missing, clauses_missing=c_missing, unlinked=parts.unlinked,
        )

    def covered_by(self, items: Sequence[CatalogueItem]) -> set[str]:
        return {g.code for it in items for g in it.guideline if g.counted}

    def domain_card(self, name: str | None) -> Scorecard:
        items = self.items_by_domain.get(name, [])
        # Findings of no domain belong to the "no domain" card only when they sit in a submitted file.
        numbers = [n for n, d in enumerate(self.finding_domain)
                   if d == name and (name is not None or self.idx.findings[n].path)]
        parts = self.item_parts(items, set(numbers))
        d = self.ref.domain(name) if name else None
        guideline = self.ref.guideline_items_for(d.name) if d else ()
        g_missing = [Gap(code=g.code, label=_gname(g), domain=g.domain) for g in guideline
                     if g.code not in self.covered_codes]
        comps = {
            "structure": component(0, 0),
            "completeness": parts.completeness,
            "rules": parts.rules,
            "guideline": component(len(guideline) - len(g_missing), len(guideline)),
            "statutory": component(0, 0),
            "links": parts.links,
        }
        score = overall_score(comps)
        sev, rules = self.finding_summary(numbers)
        return Scorecard(
            name=domain_label(name), kind=("pilot" if d.pilot else "general") if d else None, items=len(items),
            components=comps, score=score, grade=grade_of(score), severity=sev, by_rule=rules, findings=numbers,
            incomplete=parts.incomplete, flagged=parts.flagged, guideline_missing=g_missing,
            unlinked=parts.unlinked,
        )


def _gname(g: object) -> str:
    return " / ".join(p for p in (getattr(g, "level1", None), getattr(g, "level2", None), getattr(g, "level3", None)) if p)


def audit_report(catalogue: Catalogue, reference: Reference | None = None, as_of: dt.date | None = None) -> AuditReport:
    """Scorecards for every unit and every domain of ``catalogue``."""
    ref = reference or load_reference()
    day = as_of or catalogue_date(catalogue)
    s = _Scorer(catalogue, ref)
    units = [s.unit_card(v) for v in unit_views(catalogue, ref)]
    names: list[str | None] = [d.name for d in catalogue.domains]
    for it in catalogue.items:
        if it.domain not in names:
            names.append(it.domain)
    order = {d.name: (d.no or 99, i) for i, d in enumerate(ref.domains)}
    names.sort(key=lambda n: (n is None, order.get(n or "", (100, 0)), n or ""))
    domains = [s.domain_card(n) for n in names]
    findings = [
        FindingRow(n=n, code=f.code, severity=f.severity, message=f.message, unit=s.idx.finding_unit[n],
                   domain=s.finding_domain[n], clause=f.clause, path=f.path, sheet=f.sheet, row=f.row, cell=f.cell,
                   field=f.field, params=dict(f.params))
        for n, f in enumerate(s.idx.findings)
    ]
    by_code: dict[str, list[int]] = {}
    for row in findings:
        by_code.setdefault(row.code, []).append(row.n)
    sev_rank = {"error": 0, "warning": 1, "info": 2}
    rules = sorted(
        (RuleCount(code=c, severity=findings[ns[0]].severity, count=len(ns),
                   units=len({findings[n].unit for n in ns if findings[n].unit}), findings=ns) for c, ns in by_code.items()),
        key=lambda r: (sev_rank[r.severity], -r.count, r.code),
    )
    return AuditReport(
        district=catalogue.district, as_of=day.isoformat(), catalogue_as_of=catalogue.as_of,
        catalogue_version=catalogue.version, units=units, domains=domains, rules=rules, findings=findings,
        district_findings=list(s.idx.findings_by_unit.get(None, [])),
    )


# ---------------------------------------------------------------------------------------------------------
# Words


def title(report: AuditReport, lang: str) -> str:
    if lang == "en":
        return f"{report.district}: standard catalogue audit (notice item 28)"
    return f"{report.district}政务公开事项标准目录标准化评估（通知第 28 项）"


def formula_text(lang: str = "zh") -> str:
    w = WEIGHTS
    if lang == "en":
        return (f"Score = ({w['structure']}×structure + {w['completeness']}×completeness + {w['rules']}×rule compliance + "
                f"{w['guideline']}×guideline coverage + {w['statutory']}×statutory coverage + {w['links']}×link coverage) "
                "÷ the sum of the weights of the components that apply (a component with nothing to count, shown as —, "
                "is left out together with its weight). Grade: A ≥ 90, B ≥ 75, C ≥ 60, D below 60; a unit that "
                "submitted nothing is N and has no score. Each component and the score are rounded to one decimal; the score is computed from the rounded components and graded after rounding.")
    return (f"得分 =（{w['structure']}×结构规范 + {w['completeness']}×要素完整 + {w['rules']}×规则符合 + "
            f"{w['guideline']}×指引覆盖 + {w['statutory']}×法定覆盖 + {w['links']}×链接覆盖）÷ 适用各项的权重之和"
            "（某项无可计数对象时显示为 —，连同其权重一并不计）。等级：A 优秀 ≥ 90，B 良好 ≥ 75，C 合格 ≥ 60，"
            "D 不合格 < 60；未提交目录的单位为 N，不计分。各项得分保留一位小数后代入公式，总分也保留一位小数后再定等级。")


def component_definitions(lang: str = "zh") -> list[tuple[str, str]]:
    if lang == "en":
        text = {
            "structure": "files with no structural error (file unreadable, header not found, a required column missing, "
                         "rows truncated …) ÷ files submitted.",
            "completeness": "filled elements ÷ (items × 8); the elements of 国办发〔2019〕54号: name, content, legal basis, "
                            "time limit, disclosing body, channels, audience, mode.",
            "rules": "items with no error finding on their row ÷ items.",
            "guideline": "national guideline items the unit answers for that one of its items implements (counted matches "
                         "only; fuzzy matches need review and never count) ÷ guideline items owed. 区级 units owe the items "
                         "of the domains item 30 assigns them; 街镇级 units owe the 乡级 items of every domain that has "
                         "them; 未涉及 domains are excluded. For a domain: guideline items any unit implements ÷ its items.",
            "statutory": "statutory clauses the unit owes (条例 第二十条; plus 第二十一条's 区级 or 乡镇 list) that one of "
                         "its items satisfies ÷ clauses owed. Units only.",
            "links": "items with at least one link ÷ items.",
        }
    else:
        text = {
            "structure": "无结构性错误（文件无法读取、找不到表头、缺少必需列、行数超限等）的文件数 ÷ 提交的文件数。",
            "completeness": "已填写的要素数 ÷（事项数 × 8）；要素为国办发〔2019〕54号规定的事项名称、公开内容、公开依据、公开时限、"
                            "公开主体、公开渠道和载体、公开对象、公开方式。",
            "rules": "所在行没有任何错误的事项数 ÷ 事项数。",
            "guideline": "本单位应覆盖的国家标准指引事项中，已有本单位事项对应的个数 ÷ 应覆盖个数（只计确定的匹配；近似匹配需人工确认，"
                         "不计入）。区级单位应覆盖第 30 项分工给它的领域的全部指引事项；街镇级单位应覆盖各领域的乡级指引事项；"
                         "作出“未涉及”说明的领域不计。领域的指引覆盖：有任一单位事项对应的指引事项数 ÷ 该领域指引事项数。",
            "statutory": "单位应公开的法定条款（条例第二十条；另加第二十一条区级或乡镇各项）中，有本单位事项对应的条款数 ÷ 应公开条款数。"
                         "仅对单位计算。",
            "links": "至少有一个链接的事项数 ÷ 事项数。",
        }
    return [(f"{tr('comp.' + k, lang)}（{WEIGHTS[k]}）" if lang != "en" else f"{tr('comp.' + k, lang)} ({WEIGHTS[k]})",
             text[k]) for k in COMPONENTS]


def rule_title(code: str, lang: str = "zh") -> str:
    from zwgk.validators.registry import get

    try:
        return get(code).title(lang)
    except KeyError:
        return code


def finding_message(f: FindingRow, lang: str = "zh") -> str:
    """The stored message; in English re-rendered from the registry when the code is registered there."""
    if lang != "en":
        return f.message
    from zwgk.validators.messages import render
    from zwgk.validators.models import Finding, Severity, SourceLocation
    from zwgk.validators.registry import get

    try:
        get(f.code)
        loc = SourceLocation(path=f.path or "", sheet=f.sheet, row=f.row, cell=f.cell, field=f.field)
        return render(Finding(code=f.code, severity=Severity(f.severity), location=loc, params=f.params), "en",
                      with_location=False)
    except (KeyError, ValueError):
        return f.message


def where_text(path: str | None, sheet: str | None, row: int | None, cell: str | None, lang: str = "zh") -> str:
    parts = [path] if path else []
    if sheet:
        parts.append(f"「{sheet}」" if lang != "en" else f"'{sheet}'")
    if cell:
        parts.append(cell)
    elif row:
        parts.append(f"第 {row} 行" if lang != "en" else f"row {row}")
    return " ".join(parts)


def element_labels(els: Sequence[str], lang: str) -> str:
    return ("、" if lang != "en" else ", ").join(tr("el." + e, lang) for e in els)


def charts(report: AuditReport, lang: str = "zh") -> list[Chart]:
    counts = report.grade_counts()
    grade_rows = [Row(label=tr("grade." + g, lang), segments=[Segment(value=counts[g], cls=f"g-{g}",
                      title=f"{tr('grade.' + g, lang)}: {counts[g]}")], total_text=str(counts[g])) for g in GRADE_KEYS]
    grades = hbar_chart("grades", "Grade distribution (units)" if lang == "en" else "单位等级分布",
                        "; ".join(f"{tr('grade.' + g, lang)} {counts[g]}" for g in GRADE_KEYS), grade_rows)
    cov_rows = []
    for d in report.domains:
        c = d.components["guideline"]
        if c.score is None:
            continue
        cov_rows.append(Row(label=d.name, segments=[Segment(value=c.score, cls="c-cov", title=f"{d.name} {pct(c.score)}")],
                            total_text=f"{pct(c.score)} ({c.numerator}/{c.denominator})"))
    coverage = hbar_chart("coverage", "Guideline coverage by domain" if lang == "en" else "各领域指引覆盖率",
                          "; ".join(f"{r.label} {r.total_text}" for r in cov_rows), cov_rows, max_value=100.0)
    worst = report.rules[:10]
    cls = {"error": "c-err", "warning": "c-warn", "info": "c-info"}
    rule_rows = [Row(label=r.code, segments=[Segment(value=r.count, cls=cls[r.severity],
                     title=f"{rule_title(r.code, lang)}: {r.count}")], total_text=str(r.count)) for r in worst]
    rules = hbar_chart("rules", "Most frequent findings (errors first)" if lang == "en" else "问题最多的规则（错误优先）",
                       "; ".join(f"{r.code} {r.count}" for r in worst), rule_rows,
                       legend=[("c-err", tr("sev.error", lang)), ("c-warn", tr("sev.warning", lang)),
                               ("c-info", tr("sev.info", lang))])
    return [grades, coverage, rules]


# ---------------------------------------------------------------------------------------------------------
# Terminal


def write_terminal(report: AuditReport, out: TextIO, lang: str = "zh", color: bool | None = None) -> None:
    from rich.table import Table

    con = console(out, color)
    con.print(f"[bold]{esc(title(report, lang))}[/bold]")
    counts = report.grade_counts()
    con.print("  ".join(f"{tr('grade.' + g, lang)} {counts[g]}" for g in GRADE_KEYS))
    t = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    t.add_column(tr("unit", lang))
    t.add_column(tr("grade", lang))
    t.add_column(tr("score", lang), justify="right")
    for k in COMPONENTS:
        t.add_column(tr("comp." + k, lang), justify="right")
    t.add_column(tr("errors", lang), justify="right")
    t.add_column(tr("warnings", lang), justify="right")
    graded = [u for u in report.units if u.grade != "N"]
    for u in graded:
        style = {"A": "green", "D": "red"}.get(u.grade, "")
        g = f"[{style}]{u.grade}[/{style}]" if style else u.grade
        t.add_row(esc(u.name), g, "—" if u.score is None else f"{u.score:.1f}",
                  *(pct(u.components[k].score) for k in COMPONENTS), str(u.severity["error"]), str(u.severity["warning"]))
    con.print(t)
    missing = [u.name for u in report.units if u.grade == "N"]
    if missing:
        shown = "、".join(missing[:10]) + ("…" if len(missing) > 10 else "")
        con.print(f"{len(missing)} units submitted nothing (grade N): {esc(shown)}" if lang == "en"
                  else f"未提交目录的单位 {len(missing)} 个（等级 N）：{esc(shown)}", soft_wrap=True)
    r = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for key in ("rule", "severity", "count", "unit", "title"):
        r.add_column(tr(key, lang), justify="right" if key in ("count", "unit") else "left")
    for rc in report.rules[:10]:
        r.add_row(rc.code, tr("sev." + rc.severity, lang), str(rc.count), str(rc.units), esc(rule_title(rc.code, lang)))
    con.print(r)
    con.print(f"[dim]{esc(formula_text(lang))}[/dim]", soft_wrap=True)


# ---------------------------------------------------------------------------------------------------------
# HTML


def to_html(report: AuditReport, lang: str = "zh") -> str:
    from zwgk.compiler.templating import render_template

    findings = {
        f.n: {"f": f, "where": where_text(f.path, f.sheet, f.row, f.cell, lang), "message": finding_message(f, lang),
              "title": rule_title(f.code, lang)}
        for f in report.findings
    }
    return render_template(
        "reports/audit.html", lang=lang, t=table(lang), r=report, title=title(report, lang), version=__version__,
        components=COMPONENTS, formula=formula_text(lang), definitions=component_definitions(lang),
        charts=charts(report, lang), findings=findings, pct=pct, cap=HTML_LIST_CAP, grade_keys=GRADE_KEYS,
        grade_counts=report.grade_counts(), where=where_text, elements=element_labels, rule_title=rule_title,
        cards=[("u", report.units, True), ("d", report.domains, False)],
        sheets={k: _sheet(k, lang) for k in _SHEETS},
    )


# ---------------------------------------------------------------------------------------------------------
# xlsx


_SHEETS = {  # component → (zh, en) detail sheet
    "structure": ("结构问题", "Structure"),
    "completeness": ("要素缺失", "Missing elements"),
    "rules": ("有错误的事项", "Items with errors"),
    "guideline": ("指引未覆盖", "Guideline gaps"),
    "statutory": ("法定条款未覆盖", "Statutory gaps"),
    "links": ("无链接事项", "Items without links"),
    "findings": ("问题清单", "Findings"),
}


def _sheet(key: str, lang: str) -> str:
    zh, en = _SHEETS[key]
    return en if lang == "en" else zh


def to_xlsx(report: AuditReport, lang: str = "zh") -> bytes:
    T = table(lang)
    en = lang == "en"
    wb = xlsx.new_workbook()
    about = [title(report, lang), f"{T['as_of']}: {report.as_of}", f"{T['catalogue_as_of']}: {report.catalogue_as_of}",
             f"{T['version']}: {report.catalogue_version}", "", formula_text(lang), ""]
    xlsx.add_sheet(wb, "About" if en else "说明", ["Component (weight)" if en else "评分项（权重）", T["title"]],
                   component_definitions(lang), widths=[22, 120], preamble=about)
    f_by_n = {f.n: f for f in report.findings}

    # Detail rows, each with its owner ("u"/"d", name) so that a scorecard cell can link to its first row.
    rows: dict[str, list[list[xlsx.Cell]]] = {k: [] for k in _SHEETS}
    owners: dict[str, list[tuple[str, str]]] = {k: [] for k in _SHEETS}

    def add(key: str, owner: tuple[str, str], row: list[xlsx.Cell]) -> None:
        rows[key].append(row)
        owners[key].append(owner)

    def located(key: str, owner: tuple[str, str], unit: str | None, loc: Located) -> None:
        cells = "、".join(c for c in (f_by_n[n].cell for n in loc.findings) if c) or None
        row: list[xlsx.Cell] = [unit, loc.domain, loc.path, loc.sheet, loc.row, cells, loc.name]
        if key == "completeness":
            row.append(element_labels(loc.detail, lang))
        elif key == "rules":
            row.append("; ".join(f"{f_by_n[n].code}: {finding_message(f_by_n[n], lang)}" for n in loc.findings))
        add(key, owner, row)

    item_unit = {loc.item_id: u.name for u in report.units for loc in (*u.incomplete, *u.flagged, *u.unlinked)}
    for scope, cards in (("u", report.units), ("d", report.domains)):
        for c in cards:
            owner = (scope, c.name)
            for fc in c.structure:
                conf = T["yes"] if fc.conformant else T["no"]
                if not fc.findings:
                    add("structure", owner, [c.name, fc.path, conf, None, None, None, None])
                for n in fc.findings:
                    f = f_by_n[n]
                    add("structure", owner, [c.name, fc.path, conf, f.sheet, f.cell, f.code, finding_message(f, lang)])
            for key, locs in (("completeness", c.incomplete), ("rules", c.flagged), ("links", c.unlinked)):
                for loc in locs:
                    located(key, owner, item_unit.get(loc.item_id), loc)
            for gap in c.guideline_missing:
                add("guideline", owner, [T["unit" if scope == "u" else "domain"], c.name, gap.code, gap.domain, gap.label])
            for gap in c.clauses_missing:
                add("statutory", owner, [c.name, gap.code, gap.label])
    unit_pos = {u.name: i for i, u in enumerate(report.units)}
    domain_owners: list[tuple[str, str]] = []  # the findings sheet's rows by domain, for the domain scorecard
    for f in sorted(report.findings, key=lambda f: (unit_pos.get(f.unit or "", len(unit_pos)), f.n)):
        add("findings", ("u", f.unit or ""), [f.n, f.unit, f.domain, f.path, f.sheet, f.row, f.cell, f.field,
                                               T["sev." + f.severity], f.code, rule_title(f.code, lang),
                                               finding_message(f, lang)])
        domain_owners.append(("d", domain_label(f.domain)))

    counts_label = "count" if en else "计数"
    tail = [T["grade"], T["score"], *(T["comp." + k] for k in COMPONENTS),
            *(f"{T['comp.' + k]} ({counts_label})" for k in COMPONENTS), T["errors"], T["warnings"], T["infos"]]
    uh = [T["unit"], T["group"], T["submitted"], T["files"], T["items"], *tail]
    dh = [T["domain"], "Type" if en else "类型", T["items"], *tail]

    def card_tail(s: Scorecard) -> list[xlsx.Cell]:
        return [s.grade, s.score, *(s.components[k].score for k in COMPONENTS),
                *(f"{s.components[k].numerator}/{s.components[k].denominator}" for k in COMPONENTS),
                s.severity["error"], s.severity["warning"], s.severity["info"]]

    # One click from a scorecard number to its evidence: component and finding-count cells link to the first
    # row of that unit (or domain) in the detail sheet, or to the sheet's header row when it has none there.
    # Detail sheets have no preamble: header on row 1, data row i on row i + 2.
    first: dict[str, dict[tuple[str, str], int]] = {}
    for key, owner_list in [*owners.items(), ("findings_d", domain_owners)]:
        first[key] = {}
        for i, owner in enumerate(owner_list):
            first[key].setdefault(owner, i)
    targets = [*COMPONENTS, *COMPONENTS, "findings", "findings", "findings"]

    def links(cards: Sequence[Scorecard], scope: str, heads_: list[str]) -> dict[tuple[int, int], str]:
        col0 = heads_.index(T["comp." + COMPONENTS[0]])
        out: dict[tuple[int, int], str] = {}
        for i, c in enumerate(cards):
            for j, key in enumerate(targets):
                found = first["findings_d" if (key == "findings" and scope == "d") else key].get((scope, c.name))
                out[(i, col0 + j)] = xlsx.internal_link(_sheet(key, lang), 1 if found is None else found + 2)
        return out

    kind_label = {"pilot": ("试点领域", "pilot"), "general": ("全领域", "general")}
    xlsx.add_sheet(wb, "Units" if en else "单位评分", uh, [
        [u.name, T["group." + (u.group or "其他")], T["yes"] if u.submitted else T["no"], u.files, u.items, *card_tail(u)]
        for u in report.units], widths=[22, 12, 8, 6, 8, 6, 8, *([10] * 2 * len(COMPONENTS)), 8, 8, 8],
        links=links(report.units, "u", uh))
    xlsx.add_sheet(wb, "Domains" if en else "领域评分", dh, [
        [d.name, kind_label[d.kind][1 if en else 0] if d.kind in kind_label else None, d.items, *card_tail(d)]
        for d in report.domains], widths=[22, 10, 8, 6, 8, *([10] * 2 * len(COMPONENTS)), 8, 8, 8],
        links=links(report.domains, "d", dh))
    rh = [T["rule"], T["severity"], T["title"], T["count"], "Units" if en else "涉及单位"]
    xlsx.add_sheet(wb, "Rules" if en else "规则统计", rh,
                   [[r.code, T["sev." + r.severity], rule_title(r.code, lang), r.count, r.units] for r in report.rules],
                   widths=[28, 8, 40, 8, 8])
    loc_heads = [T["unit"], T["domain"], T["path"], T["sheet"], T["row"], T["cell"], T["item"]]
    heads = {
        "structure": [T["unit"], T["path"], "Conformant" if en else "结构合格", T["sheet"], T["cell"], T["rule"], T["message"]],
        "completeness": [*loc_heads, "Missing elements" if en else "缺少的要素"],
        "rules": [*loc_heads, T["message"]],
        "guideline": ["Scope" if en else "范围", f"{T['unit']}/{T['domain']}", "Code" if en else "指引编码", T["domain"],
                      "Guideline item" if en else "指引事项"],
        "statutory": [T["unit"], "Clause" if en else "条款编号", "Label" if en else "条款"],
        "links": loc_heads,
        "findings": ["No." if en else "编号", T["unit"], T["domain"], T["path"], T["sheet"], T["row"], T["cell"], T["field"],
                     T["severity"], T["rule"], T["title"], T["message"]],
    }
    widths = {"structure": [20, 26, 8, 14, 8, 24, 80], "findings": [6, 18, 14, 26, 14, 6, 8, 10, 8, 24, 30, 80]}
    for key in _SHEETS:
        xlsx.add_sheet(wb, _sheet(key, lang), heads[key], rows[key],
                       widths=widths.get(key, [18, 14, 26, 14, 6, 10, 30, 80][: len(heads[key])]))
    return xlsx.to_bytes(wb, fixed_datetime(dt.date.fromisoformat(report.as_of)))


def write_audit(report: AuditReport, out_dir: str | Path, lang: str = "zh") -> list[Path]:
    return write_report_files(out_dir, STEM, report, to_html(report, lang), to_xlsx(report, lang))


__all__ = ["NO_DOMAIN", "AuditReport", "Scorecard", "audit_report", "to_html", "to_xlsx", "write_audit", "write_terminal"]
