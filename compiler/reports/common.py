"""What the three reports share: reading a build, one view of every unit, findings attributed to units,
and the milestones of the notice judged against a catalogue.

Nothing here prints or writes; the report modules turn these facts into their own data models.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from zwgk.compiler.errors import BilingualError
from zwgk.validators.catalogue import Catalogue, CatalogueFinding, CatalogueItem
from zwgk.validators.reference import Milestone, Reference

CATALOGUE_FILE = "catalogue.json"
# Unit types of the progress chart: 街道 and 镇 report together as 街镇, as the notice names them.
GROUPS: tuple[str, ...] = ("委办局", "街镇", "园区", "其他")
_GROUP_OF_KIND = {"委办局": "委办局", "街道": "街镇", "镇": "街镇", "园区": "园区"}
NO_DOMAIN = "（未定领域）"


class _M(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ReportInputError(BilingualError):
    """A build folder the reports cannot read: carries the sentence in both languages."""


def catalogue_path(build: str | Path) -> Path:
    """``BUILD/catalogue.json`` for a build folder; a path to a .json file is taken as it is."""
    build = Path(build)
    return build if build.suffix.lower() == ".json" and not build.is_dir() else build / CATALOGUE_FILE


def load_catalogue(build: str | Path) -> Catalogue:
    """The compiled catalogue of a build folder, or a :class:`ReportInputError` saying what to do."""
    path = catalogue_path(build)
    hint_zh = "请先运行 zwgk compile 提交目录 -o 构建目录，再对构建目录生成报告。"
    hint_en = "Run `zwgk compile SUBMISSIONS -o BUILD` first, then report on BUILD."
    if not path.is_file():
        raise ReportInputError(f"找不到 {path}。{hint_zh}", f"{path} not found. {hint_en}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReportInputError(f"无法读取 {path}：{exc.strerror or exc}。", f"Cannot read {path}: {exc.strerror or exc}.") from exc
    try:
        cat = Catalogue.model_validate_json(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "(root)"
        what = first.get("msg", "")
        raise ReportInputError(
            f"{path} 不是有效的汇编目录（{where}：{what}；共 {exc.error_count()} 处）。"
            f"它可能来自旧版本或被手工修改，{hint_zh}",
            f"{path} is not a valid compiled catalogue ({where}: {what}; {exc.error_count()} problem(s)). "
            f"It may come from another version or have been edited by hand. {hint_en}",
        ) from exc
    try:
        catalogue_date(cat)
    except ValueError:
        raise ReportInputError(
            f"{path} 的 as_of「{cat.as_of}」不是日期（应为 2020-06-30 这样的格式）。请用 zwgk compile --as-of 重新汇编。",
            f"{path}: as_of '{cat.as_of}' is not a date (expected e.g. 2020-06-30). Recompile with `zwgk compile --as-of`.",
        ) from None
    return cat


def catalogue_date(cat: Catalogue) -> dt.date:
    """The date the catalogue speaks for (its ``as_of``)."""
    return parse_date(cat.as_of)


def parse_date(text: str) -> dt.date:
    """An ISO date (2020-06-30); also accepts 2020/6/30 and 2020年6月30日 as people type them."""
    cleaned = text.strip().replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-").replace(".", "-")
    parts = cleaned.split("-")
    if len(parts) != 3 or not all(p.strip().isdigit() for p in parts):
        raise ValueError(text)
    return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))


def fixed_datetime(day: dt.date) -> dt.datetime:
    """The timestamp written into generated files: midnight of the report date, never the wall clock."""
    return dt.datetime(day.year, day.month, day.day)


# ---------------------------------------------------------------------------------------------------------
# Units


@dataclass(frozen=True)
class UnitView:
    """A unit as the reports see it: the roster entry and the compiled unit merged."""

    name: str
    kind: str | None
    level: str | None
    group: str
    in_roster: bool
    submitted: bool
    files: tuple[str, ...]
    responsible_for: tuple[str, ...]
    not_involved: tuple[str, ...]
    paired_with: str | None
    order: int


def unit_views(cat: Catalogue, ref: Reference) -> list[UnitView]:
    """Every roster unit (submitted or not) and every compiled unit outside the roster, in roster order."""
    owed: dict[str, list[str]] = defaultdict(list)
    for r in ref.responsibilities:
        for u in r.units:
            owed[u].append(r.domain)
    compiled = {u.name: u for u in cat.units}
    roster_index = {u.name: i for i, u in enumerate(ref.units)}
    views: list[UnitView] = []
    seen: set[str] = set()

    def canonical_domains(names: Iterable[str]) -> tuple[str, ...]:
        out: list[str] = []
        for n in names:
            d = ref.domain(n)
            name = d.name if d else n
            if name not in out:
                out.append(name)
        return tuple(out)

    for cu in cat.units:
        roster = ref.unit(cu.name)
        name = cu.name
        kind = cu.kind or (roster.kind if roster else None)
        level = cu.level or (roster.level if roster else None)
        key = roster.name if roster else name
        pairing = ref.pairing_for(name)
        views.append(UnitView(
            name=name, kind=kind, level=level, group=_GROUP_OF_KIND.get(kind or "", "其他"),
            in_roster=roster is not None or cu.in_roster, submitted=cu.submitted, files=tuple(cu.files),
            responsible_for=canonical_domains([*cu.responsible_for, *owed.get(key, [])]),
            not_involved=canonical_domains(n.domain for n in cu.not_involved),
            paired_with=pairing.city_department if pairing else cu.paired_with,
            order=roster_index.get(key, len(ref.units)),
        ))
        seen.add(key)
    for u in ref.units:
        if u.name in seen or u.name in compiled:
            continue
        pairing = ref.pairing_for(u.name)
        views.append(UnitView(
            name=u.name, kind=u.kind, level=u.level, group=_GROUP_OF_KIND[u.kind], in_roster=True,
            submitted=False, files=(), responsible_for=canonical_domains(owed.get(u.name, [])), not_involved=(),
            paired_with=pairing.city_department if pairing else None, order=roster_index[u.name],
        ))
    views.sort(key=lambda v: (GROUPS.index(v.group), v.order, v.name))
    return views


ClauseScopeKey = Literal["all", "区级", "街镇级"]


def clause_scope(view: UnitView) -> ClauseScopeKey:
    """Which statutory list a unit owes: 区级 → 第二十条 + 第二十一条 区级; 街镇级 → + 乡镇; unknown → 第二十条."""
    if view.level == "区级":
        return "区级"
    if view.level == "街镇级":
        return "街镇级"
    return "all"


# ---------------------------------------------------------------------------------------------------------
# The catalogue indexed for the reports


def _row_key(path: str | None, sheet: str | None, row: int | None) -> tuple[str, str, int]:
    return (path or "", sheet or "", row or 0)


@dataclass
class CatalogueIndex:
    items_by_unit: dict[str, list[CatalogueItem]] = field(default_factory=dict)
    # Findings in a stable order; each keeps its position as its number (the HTML anchors use it).
    findings: list[CatalogueFinding] = field(default_factory=list)
    finding_unit: list[str | None] = field(default_factory=list)
    findings_by_unit: dict[str | None, list[int]] = field(default_factory=dict)
    findings_by_row: dict[tuple[str, str, int], list[int]] = field(default_factory=dict)
    item_clauses: dict[str, set[str]] = field(default_factory=dict)

    def unit_findings(self, unit: str | None) -> list[CatalogueFinding]:
        return [self.findings[i] for i in self.findings_by_unit.get(unit, [])]

    def row_findings(self, item: CatalogueItem) -> list[int]:
        s = item.source
        return self.findings_by_row.get(_row_key(s.path, s.sheet, s.row), [])


def finding_sort_key(f: CatalogueFinding) -> tuple[str, str, str, int, str, str, str]:
    return (f.unit or "", f.path or "", f.sheet or "", f.row or 0, f.cell or "", f.code, f.message)


def index_catalogue(cat: Catalogue) -> CatalogueIndex:
    idx = CatalogueIndex()
    for item in cat.items:
        idx.items_by_unit.setdefault(item.unit, []).append(item)
        idx.item_clauses[item.id] = set(item.clauses)
    for cov in cat.clauses:  # the clause table and the items' own lists say the same; read both
        for item_id in cov.items:
            idx.item_clauses.setdefault(item_id, set()).add(cov.id)
    path_unit: dict[str, str] = {}
    for u in cat.units:
        for p in u.files:
            path_unit.setdefault(p, u.name)
    for item in cat.items:
        path_unit.setdefault(item.source.path, item.unit)
    idx.findings = sorted(cat.findings, key=finding_sort_key)
    for i, f in enumerate(idx.findings):
        unit = f.unit or (path_unit.get(f.path) if f.path else None)
        idx.finding_unit.append(unit)
        idx.findings_by_unit.setdefault(unit, []).append(i)
        if f.row is not None:
            idx.findings_by_row.setdefault(_row_key(f.path, f.sheet, f.row), []).append(i)
    return idx


def severity_counts(findings: Iterable[CatalogueFinding]) -> dict[str, int]:
    counts = {"error": 0, "warning": 0, "info": 0}
    for f in findings:
        counts[f.severity] += 1
    return counts


# ---------------------------------------------------------------------------------------------------------
# Milestones


class State(StrEnum):
    DONE = "done"
    OPEN = "open"
    AT_RISK = "at_risk"
    OVERDUE = "overdue"
    MANUAL = "manual"
    NA = "na"


# Worst first: a unit's overall state is the worst state among its judged milestones.
STATE_ORDER: tuple[State, ...] = (State.OVERDUE, State.AT_RISK, State.OPEN, State.DONE)

# What in a catalogue shows that a milestone is met (keyed by milestone id; anything else is "manual").
EVIDENCE: dict[str, str] = {
    "active-directory-published": "active",  # item 10
    "paired-items-sorted": "items",  # item 29, 6/30
    "full-domain-catalogue": "complete",  # item 28
    "paired-catalogue": "clean",  # item 29, 9/30
    "national-deadline": "complete",  # 国办发〔2019〕54号, end of 2020
}


def evidence_of(m: Milestone) -> str:
    return EVIDENCE.get(m.id, "manual")


class Gap(_M):
    """Why a milestone is not met, as data (rendered by ``text.tr('gap.<code>')``)."""

    code: str
    params: dict[str, str] = Field(default_factory=dict)


@dataclass(frozen=True)
class UnitFacts:
    submitted: bool
    items: int
    active_items: int
    errors: int
    domains_missing: tuple[str, ...]
    unreadable: tuple[str, ...] = ()  # the unit's files zwgk could not open: the office asks for new copies


def unit_facts(view: UnitView, items: Sequence[CatalogueItem], errors: int,
               unreadable: Sequence[str] = ()) -> UnitFacts:
    present = {i.domain for i in items if i.domain}
    missing = tuple(d for d in view.responsible_for if d not in present and d not in view.not_involved)
    return UnitFacts(
        submitted=view.submitted or bool(items),
        items=len(items),
        active_items=sum(1 for i in items if "主动" in i.mode),
        errors=errors,
        domains_missing=missing,
        unreadable=tuple(unreadable),
    )


def evidence_gaps(evidence: str, facts: UnitFacts) -> list[Gap]:
    """What the unit still lacks for ``evidence``; empty when the milestone is met."""
    if not facts.submitted:
        return [Gap(code="not-submitted")]
    if facts.items == 0:
        # "No items" would send the office looking at an empty table; the file itself could not be opened.
        if facts.unreadable:
            return [Gap(code="unreadable", params={"files": "、".join(facts.unreadable)})]
        return [Gap(code="no-items")]
    gaps: list[Gap] = []
    if evidence == "active" and facts.active_items == 0:
        gaps.append(Gap(code="no-active-items"))
    if evidence in ("complete", "clean") and facts.errors:
        gaps.append(Gap(code="has-errors", params={"count": str(facts.errors)}))
    if evidence == "complete" and facts.domains_missing:
        gaps.append(Gap(code="domains-missing", params={"domains": "、".join(facts.domains_missing)}))
    return gaps


def judge(m: Milestone, view: UnitView, facts: UnitFacts, as_of: dt.date, risk_days: int) -> tuple[State, list[Gap]]:
    """The state of milestone ``m`` for one unit on ``as_of``.

    done: the catalogue meets the evidence; overdue: not met and the deadline has passed; at risk: not met,
    deadline not passed and at most ``risk_days`` away; open: not met, deadline further away.
    """
    if m.applies_to == "paired" and view.paired_with is None:
        return State.NA, []
    evidence = evidence_of(m)
    if evidence == "manual":
        return State.MANUAL, []
    gaps = evidence_gaps(evidence, facts)
    if not gaps:
        return State.DONE, []
    days_left = (m.day - as_of).days
    if days_left < 0:
        return State.OVERDUE, gaps
    if days_left <= risk_days:
        return State.AT_RISK, gaps
    return State.OPEN, gaps


def overall(states: Iterable[State]) -> State:
    judged = [s for s in states if s in STATE_ORDER]
    if not judged:
        return State.NA
    return min(judged, key=STATE_ORDER.index)


def domain_label(name: str | None) -> str:
    return name or NO_DOMAIN
