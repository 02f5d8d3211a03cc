"""`zwgk pairs`: the 市区结对 units of notice item 29, their milestones, and coverage of city templates.

:func:`pairs_report` builds a :class:`PairsReport` from a compiled catalogue and (optionally) city template
catalogues already read by :func:`zwgk.compiler.check.check_file`; :func:`load_templates` does that
reading from ``UNIT=PATH`` / ``PATH`` / folder specifications.  Emitters follow the data model.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Mapping, Sequence
from pathlib import Path
from typing import Literal, TextIO

from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz
from zwgk.catalogs import load_reference
from zwgk.compiler.reader.limits import DEFAULT_LIMITS, Limits
from zwgk.compiler.reports import xlsx
from zwgk.compiler.reports.common import ReportInputError, State, fixed_datetime, overall
from zwgk.compiler.reports.output import console, esc, write_report_files
from zwgk.compiler.reports.status import DEFAULT_RISK_DAYS, gap_text, status_report
from zwgk.compiler.reports.text import pct, table, tr
from zwgk.validators.catalogue import Catalogue, CatalogueItem
from zwgk.validators.models import FIELD_LABELS, DisclosureItem, FileResult, Finding
from zwgk.validators.normalise import name_key
from zwgk.validators.reference import Reference, domain_key, unit_key

from zwgk import __version__

STEM = "pairs"
TEMPLATE_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
# Fields compared between a template item and the unit's item it matches.
COMPARED_FIELDS: tuple[str, ...] = ("content", "basis", "time_limit", "subject", "channels", "audience", "mode", "levels")
# Names at least this similar (rapidfuzz ratio of the name keys) are proposed as "near": shown, never counted.
NEAR_SCORE = 85.0


class _M(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ItemRef(_M):
    id: str | None = Field(default=None, description="catalogue item id (unit items only)")
    name: str
    content: str | None = None
    path: str
    sheet: str | None = None
    row: int | None = None


class FieldDiff(_M):
    field: str
    template: str
    unit: str


Method = Literal["code", "name", "fuzzy"]


class ItemMatch(_M):
    template: ItemRef
    unit: ItemRef
    method: Method
    score: float
    differences: list[FieldDiff] = Field(default_factory=list)


class TemplateCoverage(_M):
    paths: list[str]
    readable: bool
    problems: list[Finding] = Field(default_factory=list, description="why a template file could not be read")
    template_errors: int = Field(default=0, description="errors `zwgk check` finds in the template itself")
    template_items: int = 0
    unit_items_compared: int = 0
    domains_compared: list[str] = Field(default_factory=list, description="empty: all of the unit's items")
    matched: list[ItemMatch] = Field(default_factory=list)
    near: list[ItemMatch] = Field(default_factory=list, description="similar names: review by hand, not counted")
    missing: list[ItemRef] = Field(default_factory=list)
    extra: list[ItemRef] = Field(default_factory=list)

    @property
    def coverage(self) -> float | None:
        return None if not self.template_items else round(100.0 * len(self.matched) / self.template_items, 1)

    @property
    def differing(self) -> int:
        return sum(1 for m in self.matched if m.differences)


class PairMilestone(_M):
    id: str
    date: str
    label: str
    state: State
    gaps: str = ""
    gaps_en: str = ""


class PairStatus(_M):
    unit: str
    city_department: str
    domain: str
    verification: str
    source: str
    submitted: bool
    files: int
    items: int
    errors: int
    warnings: int
    domains: list[str]
    milestones: list[PairMilestone]
    state: State
    items_sorted: bool
    compiled: bool
    clean: bool
    template: TemplateCoverage | None = None


class UnassignedTemplate(_M):
    path: str
    reason: Literal["no-pair", "ambiguous"]


class PairsReport(_M):
    tool: str = "zwgk"
    tool_version: str = __version__
    district: str
    as_of: str
    catalogue_as_of: str
    catalogue_version: str
    risk_days: int
    pairs: list[PairStatus]
    unassigned: list[UnassignedTemplate] = Field(default_factory=list)

    def pair(self, unit: str) -> PairStatus:
        return next(p for p in self.pairs if p.unit == unit)

    @property
    def exit_code(self) -> int:
        if any(p.template is not None and not p.template.readable for p in self.pairs):
            return 2
        return 1 if any(p.state is State.OVERDUE for p in self.pairs) else 0


# ---------------------------------------------------------------------------------------------------------
# Templates: which file belongs to which pair


def _pair_for_text(texts: Sequence[str], ref: Reference) -> tuple[str | None, bool]:
    """The paired unit a template names (its unit, city department or file name); (None, ambiguous?)."""
    for text in texts:
        p = ref.pairing_for(text)
        if p is not None:
            return p.unit, False
    keys = [name_key(t) for t in texts if t]
    best: list[tuple[int, str]] = []
    for p in ref.pairings:
        for k in (unit_key(p.unit), name_key(p.city_department)):
            if k and any(k in t for t in keys):
                best.append((len(k), p.unit))
    if not best:
        return None, False
    best.sort(reverse=True)
    top = [u for n, u in best if n == best[0][0]]
    if len(set(top)) > 1:
        return None, True
    return top[0], False


def template_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TEMPLATE_SUFFIXES
                      and not p.name.startswith((".", "~$")))
    return [path]


def load_templates(
    specs: Sequence[str],
    reference: Reference | None = None,
    *,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[dict[str, list[FileResult]], list[UnassignedTemplate]]:
    """Read city template catalogues: ``UNIT=PATH`` (file or folder) or a bare ``PATH``, assigned to a pair
    by the unit or city department the file names (title, 填报单位 or file name)."""
    from zwgk.compiler.check import check_file, rule_context

    ref = reference or load_reference()
    ctx = rule_context(reference=ref)
    out: dict[str, list[FileResult]] = {}
    unassigned: list[UnassignedTemplate] = []
    paired = "、".join(p.unit for p in ref.pairings)
    for spec in specs:
        unit: str | None = None
        raw = spec
        if "=" in spec and not Path(spec).exists():
            name, raw = spec.split("=", 1)
            pairing = ref.pairing_for(name.strip())
            if pairing is None:
                raise ReportInputError(
                    f"--template {spec}：「{name}」不是结对单位（结对单位：{paired}）。",
                    f"--template {spec}: '{name}' is not a paired unit (paired units: {paired}).",
                )
            unit = pairing.unit
        path = Path(raw)
        if not path.exists():
            raise ReportInputError(f"--template：找不到 {path}。", f"--template: {path} not found.")
        files = template_files(path)
        if not files:
            raise ReportInputError(f"--template：文件夹 {path} 中没有 .xlsx/.xls/.ods/.csv 文件。",
                                   f"--template: folder {path} holds no .xlsx/.xls/.ods/.csv file.")
        for f in files:
            result = check_file(f, limits=limits, ctx=ctx)
            target = unit
            if target is None:
                target, ambiguous = _pair_for_text([result.unit or "", f.stem], ref)
                if target is None:
                    unassigned.append(UnassignedTemplate(path=str(f), reason="ambiguous" if ambiguous else "no-pair"))
                    continue
            out.setdefault(target, []).append(result)
    return out, unassigned


# ---------------------------------------------------------------------------------------------------------
# Item-by-item comparison


def _text(value: object) -> str:
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return "" if value is None else str(value)


def _norm(value: object) -> object:
    if isinstance(value, list | tuple):
        return tuple(sorted(name_key(str(v)) for v in value))
    return name_key(value) if isinstance(value, str) else ""


def _name(level1: str | None, level2: str | None, level3: str | None) -> str:
    return " / ".join(p for p in (level1, level2, level3) if p)


def _t_ref(item: DisclosureItem) -> ItemRef:
    s = item.source
    return ItemRef(name=item.name or f"#{s.row}", content=item.content, path=s.path, sheet=s.sheet, row=s.row)


def _u_ref(item: CatalogueItem) -> ItemRef:
    s = item.source
    return ItemRef(id=item.id, name=_name(item.level1, item.level2, item.level3) or item.id, content=item.content,
                   path=s.path, sheet=s.sheet, row=s.row)


def _diffs(t: DisclosureItem, u: CatalogueItem) -> list[FieldDiff]:
    out = []
    for f in COMPARED_FIELDS:
        tv, uv = getattr(t, f), getattr(u, f)
        if _norm(tv) != _norm(uv):
            out.append(FieldDiff(field=f, template=_text(tv), unit=_text(uv)))
    return out


def compare(template: Sequence[DisclosureItem], unit_items: Sequence[CatalogueItem]) -> tuple[
        list[ItemMatch], list[ItemMatch], list[DisclosureItem], list[CatalogueItem]]:
    """Match template items to unit items one-to-one: guideline code, then name and content, then name alone;
    what is left is paired by similar names as "near" (never counted as matched), then missing / extra."""
    t_left = list(range(len(template)))
    u_left = list(range(len(unit_items)))
    matched: list[tuple[int, int, Method, float]] = []

    def take(key_t: Callable[[DisclosureItem], Hashable], key_u: Callable[[CatalogueItem], Hashable],
             method: Method) -> None:
        pool: dict[Hashable, list[int]] = {}
        for j in u_left:
            k = key_u(unit_items[j])
            if k:
                pool.setdefault(k, []).append(j)
        for i in list(t_left):
            k = key_t(template[i])
            if k and pool.get(k):
                j = pool[k].pop(0)
                t_left.remove(i)
                u_left.remove(j)
                matched.append((i, j, method, 100.0))

    def unit_codes(u: CatalogueItem) -> str:
        codes = [g.code for g in u.guideline if g.counted]
        return u.guideline_code or (codes[0] if codes else "")

    take(lambda t: t.guideline_code or "", unit_codes, "code")
    take(lambda t: (name_key(t.name), name_key(t.content or "")) if t.name else "",
         lambda u: (name_key(_name(u.level1, u.level2, u.level3)), name_key(u.content or "")), "name")
    take(lambda t: name_key(t.name) if t.name else "",
         lambda u: name_key(_name(u.level1, u.level2, u.level3)), "name")
    candidates = []
    for i in t_left:
        for j in u_left:
            score = fuzz.ratio(name_key(template[i].name), name_key(_name(unit_items[j].level1, unit_items[j].level2,
                                                                          unit_items[j].level3)))
            if score >= NEAR_SCORE:
                candidates.append((-score, i, j))
    near: list[tuple[int, int, Method, float]] = []
    for neg, i, j in sorted(candidates):
        if i in t_left and j in u_left:
            t_left.remove(i)
            u_left.remove(j)
            near.append((i, j, "fuzzy", round(-neg, 1)))

    def as_match(rows: list[tuple[int, int, Method, float]]) -> list[ItemMatch]:
        return [ItemMatch(template=_t_ref(template[i]), unit=_u_ref(unit_items[j]), method=m, score=s,
                          differences=_diffs(template[i], unit_items[j])) for i, j, m, s in sorted(rows)]

    return as_match(matched), as_match(near), [template[i] for i in t_left], [unit_items[j] for j in u_left]


def template_coverage(results: Sequence[FileResult], unit_items: Sequence[CatalogueItem]) -> TemplateCoverage:
    paths = [r.path for r in results]
    problems = [f for r in results if not r.readable for f in r.findings]
    if problems:
        return TemplateCoverage(paths=paths, readable=False, problems=problems)
    template = [it for r in results for it in r.items]
    # A city template covers its business domain: compare with the unit's items in the template's domains
    # when the unit has any there, else with all the unit's items.
    t_domains = {domain_key(t.domain) for t in template if t.domain}
    scoped = [u for u in unit_items if u.domain and domain_key(u.domain) in t_domains]
    compared = scoped if scoped else list(unit_items)
    domains = sorted({u.domain for u in scoped if u.domain}) if scoped else []
    matched, near, missing, extra = compare(template, compared)
    return TemplateCoverage(
        paths=paths, readable=True, template_errors=sum(r.errors for r in results), template_items=len(template),
        unit_items_compared=len(compared), domains_compared=domains, matched=matched, near=near,
        missing=[_t_ref(t) for t in missing], extra=[_u_ref(u) for u in extra],
    )


# ---------------------------------------------------------------------------------------------------------
# The report


def pairs_report(
    catalogue: Catalogue,
    as_of: dt.date | None = None,
    reference: Reference | None = None,
    *,
    templates: Mapping[str, Sequence[FileResult]] | None = None,
    unassigned: Sequence[UnassignedTemplate] = (),
    risk_days: int = DEFAULT_RISK_DAYS,
) -> PairsReport:
    ref = reference or load_reference()
    status = status_report(catalogue, as_of, ref, risk_days=risk_days)
    dates = {m.id: m for m in status.milestones}
    paired_ms = [m for m in status.milestones if m.applies_to == "paired"]
    items_by_unit: dict[str, list[CatalogueItem]] = {}
    for it in catalogue.items:
        items_by_unit.setdefault(it.unit, []).append(it)
    compiled_units = {u.name for u in catalogue.units if u.submitted}
    pairs = []
    for p in ref.pairings:
        u = status.unit(p.unit) if any(x.name == p.unit for x in status.units) else None
        unit_items = items_by_unit.get(p.unit, [])
        ms = []
        for m in paired_ms:
            um = u.milestone(m.id) if u else None
            state = um.state if um else State.NA
            ms.append(PairMilestone(id=m.id, date=dates[m.id].date, label=m.label, state=state,
                                    gaps=gap_text(um.gaps, "zh") if um else "",
                                    gaps_en=gap_text(um.gaps, "en") if um else ""))
        items = len(unit_items)
        errors = u.errors if u else 0
        compiled = p.unit in compiled_units or items > 0
        tpl = None
        if templates and templates.get(p.unit):
            tpl = template_coverage(templates[p.unit], unit_items)
        pairs.append(PairStatus(
            unit=p.unit, city_department=p.city_department, domain=p.domain, verification=p.verification,
            source=p.source, submitted=bool(u and u.submitted), files=u.files if u else 0, items=items,
            errors=errors, warnings=u.warnings if u else 0, domains=sorted({i.domain for i in unit_items if i.domain}),
            milestones=ms, state=overall(m.state for m in ms), items_sorted=items > 0, compiled=compiled,
            clean=compiled and items > 0 and errors == 0, template=tpl,
        ))
    return PairsReport(district=catalogue.district, as_of=status.as_of, catalogue_as_of=catalogue.as_of,
                       catalogue_version=catalogue.version, risk_days=risk_days, pairs=pairs, unassigned=list(unassigned))


# ---------------------------------------------------------------------------------------------------------
# Words


def title(report: PairsReport, lang: str) -> str:
    if lang == "en":
        return f"{report.district}: city–district paired domains (notice item 29)"
    return f"{report.district}市区结对领域工作情况（通知第 29 项）"


def pairing_note(lang: str) -> str:
    if lang == "en":
        return ("The pairing table is configuration, editable in catalogs/pairings.json (zwgk.catalogs). The six units "
                "come from notice item 29; no published source lists their city departments and business domains, "
                "so those are zwgk's assumption (verification R, unverified). Replace them with the district's own "
                "table when it is available.")
    return ("结对关系表是可编辑的配置，位于 catalogs/pairings.json（zwgk.catalogs）。六个结对单位出自通知第 29 项；"
            "对应的市级部门和业务领域未见公开来源，是 zwgk 的推定（核实程度 R，未经核实），请以区里的正式分工表替换。")


def method_label(m: str, lang: str) -> str:
    labels = {"code": ("指引编码", "guideline code"), "name": ("名称", "name"), "fuzzy": ("近似名称", "similar name")}
    zh, en = labels[m]
    return en if lang == "en" else zh


def field_label(f: str, lang: str) -> str:
    zh, en = FIELD_LABELS.get(f, (f, f))
    return en if lang == "en" else zh


def diff_text(diffs: Sequence[FieldDiff], lang: str) -> str:
    return ("、" if lang != "en" else ", ").join(field_label(d.field, lang) for d in diffs)


def where(ref: ItemRef, lang: str = "zh") -> str:
    parts = [ref.path]
    if ref.sheet:
        parts.append(f"「{ref.sheet}」" if lang != "en" else f"'{ref.sheet}'")
    if ref.row:
        parts.append(f"第 {ref.row} 行" if lang != "en" else f"row {ref.row}")
    return " ".join(parts)


def unassigned_text(u: UnassignedTemplate, lang: str) -> str:
    if u.reason == "ambiguous":
        return "names more than one paired unit; pass it as UNIT=PATH" if lang == "en" else "同时像多个结对单位的模板，请用 单位=路径 指定"
    return "names no paired unit; pass it as UNIT=PATH" if lang == "en" else "看不出属于哪个结对单位，请用 单位=路径 指定"


def template_summary(c: TemplateCoverage, lang: str) -> str:
    if not c.readable:
        return "unreadable: " + "; ".join(f.message(lang) for f in c.problems) if lang == "en" else \
            "无法读取：" + "；".join(f.message(lang) for f in c.problems)
    if lang == "en":
        return (f"{len(c.matched)}/{c.template_items} matched ({pct(c.coverage)}), {len(c.near)} near (review), "
                f"{len(c.missing)} missing, {len(c.extra)} extra, {c.differing} with fields that differ")
    return (f"匹配 {len(c.matched)}/{c.template_items}（{pct(c.coverage)}），近似待确认 {len(c.near)}，缺少 {len(c.missing)}，"
            f"多出 {len(c.extra)}，字段不同 {c.differing}")


def _yn(value: bool, lang: str) -> str:
    return tr("yes" if value else "no", lang)


# ---------------------------------------------------------------------------------------------------------
# Emitters


def write_terminal(report: PairsReport, out: TextIO, lang: str = "zh", color: bool | None = None) -> None:
    from rich.table import Table

    con = console(out, color)
    con.print(f"[bold]{esc(title(report, lang))}[/bold]")
    con.print(("Report date " if lang == "en" else "报告日期 ") + report.as_of)
    t = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    heads = ["unit", "city", "items", "errors"] + [m.date for m in (report.pairs[0].milestones if report.pairs else [])]
    for h in heads:
        label = ("City department" if lang == "en" else "市级部门") if h == "city" else tr(h, lang)
        t.add_column(label, justify="right" if h in ("items", "errors") else "left")
    for p in report.pairs:
        states = []
        for m in p.milestones:
            style = {"overdue": "red", "at_risk": "yellow", "done": "green"}.get(m.state.value, "")
            label = tr("st." + m.state.value, lang)
            states.append(f"[{style}]{label}[/{style}]" if style else label)
        t.add_row(esc(p.unit), esc(p.city_department), str(p.items), str(p.errors), *states)
    con.print(t)
    for p in report.pairs:
        if p.template is not None:
            con.print(f"{esc(p.unit)} " + ("template: " if lang == "en" else "市级模板对照：") + esc(template_summary(p.template, lang)))
    for u in report.unassigned:
        con.print(f"[yellow]{esc(u.path)}[/yellow]: {esc(unassigned_text(u, lang))}")
    con.print(f"[dim]{esc(pairing_note(lang))}[/dim]", soft_wrap=True)


def to_html(report: PairsReport, lang: str = "zh") -> str:
    from zwgk.compiler.templating import render_template

    pairs = []
    for i, p in enumerate(report.pairs):
        c = p.template
        pairs.append({
            "p": p, "anchor": f"pair-{i}", "c": c,
            "problems": [f.message(lang) for f in c.problems] if c else [],
            "gaps": {m.id: (m.gaps_en if lang == "en" else m.gaps) for m in p.milestones},
        })
    return render_template(
        "reports/pairs.html", lang=lang, t=table(lang), r=report, title=title(report, lang), pairs=pairs,
        note=pairing_note(lang), version=__version__, method_label=method_label, field_label=field_label,
        diff_text=diff_text, where=where, pct=pct, unassigned=[(u.path, unassigned_text(u, lang)) for u in report.unassigned],
        milestones=report.pairs[0].milestones if report.pairs else [], near_score=int(NEAR_SCORE),
    )


def to_xlsx(report: PairsReport, lang: str = "zh") -> bytes:
    T = table(lang)
    en = lang == "en"
    wb = xlsx.new_workbook()
    about = [title(report, lang), f"{T['as_of']}: {report.as_of}", f"{T['catalogue_as_of']}: {report.catalogue_as_of}",
             f"{T['version']}: {report.catalogue_version}"]
    xlsx.add_sheet(wb, "About" if en else "说明", ["Note" if en else "说明"], [[pairing_note(lang)]], widths=[120],
                   preamble=about)
    ms = report.pairs[0].milestones if report.pairs else []
    heads = [T["unit"], "City department" if en else "市级部门", "Business domain" if en else "业务领域",
             T["verification"], T["submitted"], T["items"], T["errors"], T["warnings"],
             *(f"{m.date} {m.id}" for m in ms), "Items sorted" if en else "已梳理", "Compiled" if en else "已汇编",
             "Clean" if en else "无错误", "Template items" if en else "模板事项", "Matched" if en else "匹配",
             "Coverage" if en else "覆盖率", "Near" if en else "近似待确认", "Missing" if en else "缺少",
             "Extra" if en else "多出", "Fields differ" if en else "字段不同"]
    rows = []
    for p in report.pairs:
        c = p.template
        tpl: list[xlsx.Cell] = ([c.template_items, len(c.matched), pct(c.coverage), len(c.near), len(c.missing),
                                 len(c.extra), c.differing] if c and c.readable else
                                [("unreadable" if en else "无法读取") if c else "—", None, None, None, None, None, None])
        rows.append([p.unit, p.city_department, p.domain, p.verification, _yn(p.submitted, lang), p.items, p.errors,
                     p.warnings, *(T["st." + m.state.value] for m in p.milestones), _yn(p.items_sorted, lang),
                     _yn(p.compiled, lang), _yn(p.clean, lang), *tpl])
    xlsx.add_sheet(wb, "Pairs" if en else "结对单位", heads, rows,
                   widths=[20, 26, 36, 8, 8, 8, 8, 8, *([16] * len(ms)), 8, 8, 8, 10, 8, 10, 10, 8, 8, 10],
                   flags=[p.state.value for p in report.pairs])
    result_label = {"matched": ("匹配", "matched"), "near": ("近似待确认", "near (review)"),
                    "missing": ("缺少", "missing"), "extra": ("多出", "extra")}
    ch = [T["unit"], "Result" if en else "结果", "Template item" if en else "模板事项", "Template location" if en else "模板位置",
          "Unit item" if en else "本单位事项", "Unit item location" if en else "本单位位置", "Method" if en else "匹配方式",
          "Fields differ" if en else "不同字段"]
    crow: list[list[xlsx.Cell]] = []
    drow: list[list[xlsx.Cell]] = []
    for p in report.pairs:
        c = p.template
        if c is None or not c.readable:
            continue
        for kind, rows_ in (("matched", c.matched), ("near", c.near)):
            for m in rows_:
                crow.append([p.unit, result_label[kind][1 if en else 0], m.template.name, where(m.template, lang),
                             m.unit.name, where(m.unit, lang), method_label(m.method, lang), diff_text(m.differences, lang)])
                drow.extend([p.unit, m.template.name, m.unit.name, field_label(d.field, lang), d.template, d.unit]
                            for d in m.differences)
        crow.extend([p.unit, result_label["missing"][1 if en else 0], r.name, where(r, lang), None, None, None, None]
                    for r in c.missing)
        crow.extend([p.unit, result_label["extra"][1 if en else 0], None, None, r.name, where(r, lang), None, None]
                    for r in c.extra)
    xlsx.add_sheet(wb, "Template coverage" if en else "模板对照", ch, crow, widths=[18, 12, 36, 36, 36, 36, 12, 30])
    dh = [T["unit"], "Template item" if en else "模板事项", "Unit item" if en else "本单位事项", T["field"],
          "Template value" if en else "模板取值", "Unit value" if en else "本单位取值"]
    xlsx.add_sheet(wb, "Field differences" if en else "字段差异", dh, drow, widths=[18, 36, 36, 14, 40, 40])
    return xlsx.to_bytes(wb, fixed_datetime(dt.date.fromisoformat(report.as_of)))


def write_pairs(report: PairsReport, out_dir: str | Path, lang: str = "zh") -> list[Path]:
    return write_report_files(out_dir, STEM, report, to_html(report, lang), to_xlsx(report, lang))
