"""The reference catalogues as data: what zwgk checks submissions against.

The facts live in ``zwgk.catalogs`` (one JSON file per list, each entry with its source and a verification
mark); these models give them a shape.  Nothing here reads files: :func:`zwgk.catalogs.load_reference`
builds a :class:`Reference`, and every method on it is a pure lookup.

Verification marks (kept with every fact):

* ``V`` — seen in the cited source;
* ``P`` — partly seen (a local re-issue, a truncated excerpt, or a fact combined with an inference);
* ``R`` — not seen in any source: a recollection or zwgk's own assumption, kept as editable configuration.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator
from zwgk.validators.models import Audience, Mode
from zwgk.validators.normalise import name_key

try:  # rapidfuzz is a runtime dependency; difflib keeps the lookups working without it.
    from rapidfuzz import fuzz as _rapidfuzz
except ImportError:  # pragma: no cover - the tests exercise the fallback by monkeypatching
    _rapidfuzz = None  # type: ignore[assignment]

Verification = Literal["V", "P", "R"]
ClauseScope = Literal["all", "district", "township"]
UnitKind = Literal["委办局", "街道", "镇", "园区"]
UnitLevel = Literal["区级", "街镇级"]
MilestoneScope = Literal["all", "paired"]

VERIFICATION_LEGEND: dict[str, str] = {
    "V": "seen in the cited source",
    "P": "partly seen: a local re-issue, a truncated excerpt, or a seen fact combined with an inference",
    "R": "not seen in a source: recollection or zwgk's own assumption (editable configuration)",
}

# Words around a unit's name that do not tell two units apart: the district prefix and the
# 人民政府 / 办事处 suffixes of 镇 and 街道.  "上海市" alone is NOT stripped: 上海市财政局 is a city bureau.
_UNIT_PREFIXES: tuple[str, ...] = ("上海市宝山区", "宝山区", "区")
_UNIT_SUFFIXES: tuple[str, ...] = ("人民政府", "办事处")
_DOMAIN_SUFFIXES: tuple[str, ...] = ("领域基层政务公开标准目录", "基层政务公开标准目录", "标准目录", "领域")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Fact(_Frozen):
    """Base of every catalogue entry: the fact's source and how well it is verified."""

    source: str = Field(min_length=1, description="URL or document reference the fact comes from")
    verification: Verification = Field(description="V seen in source / P partly seen / R unverified")


class Domain(Fact):
    """领域: one of the 26 national pilot domains, or a generic 全领域 domain Shanghai catalogues use."""

    name: str = Field(min_length=1, description="领域名称 (canonical)")
    no: int | None = Field(default=None, ge=1, le=26, description="试点领域序号 1..26; None for non-pilot")
    pinyin: str = Field(pattern=r"^[a-z]+(_[a-z]+)*$", description="ASCII slug, e.g. yiwu_jiaoyu")
    code_prefix: str = Field(
        pattern=r"^[A-Z]{2,8}$", description="Prefix of this domain's guideline-item codes, e.g. YWJY"
    )
    pilot: bool = Field(description="One of the 26 national pilot domains (国办发〔2019〕54号)")
    aliases: tuple[str, ...] = Field(default=(), description="Other names units use for this domain")
    issuer: str | None = Field(default=None, description="National department that issued the guideline")
    guideline_doc: str | None = Field(default=None, description="标准指引 document number, when found")
    district_bureau: str | None = Field(default=None, description="Baoshan unit(s) typically responsible")
    township: bool = Field(description="Whether 街镇 carry 乡级 items of this domain")
    note: str | None = Field(default=None, description="Per-field verification and caveats")

    @model_validator(mode="after")
    def _pilot_numbered(self) -> Domain:
        if self.pilot != (self.no is not None):
            raise ValueError("a pilot domain has a number 1..26 and a non-pilot domain has none")
        return self


class Unit(Fact):
    """填报单位: a Baoshan unit that submits (or compiles) a catalogue."""

    name: str = Field(min_length=1, description="Short name as in the 2021 assessment, e.g. 区财政局")
    kind: UnitKind
    level: UnitLevel
    aliases: tuple[str, ...] = Field(default=(), description="Full official and common short forms")
    former_names: tuple[str, ...] = Field(default=(), description="Names before a reorganisation")
    code: str | None = Field(default=None, pattern=r"^\d{9}$", description="统计用区划代码 (街镇)")
    note: str | None = None

    @model_validator(mode="after")
    def _level_matches_kind(self) -> Unit:
        expected = "区级" if self.kind == "委办局" else "街镇级"
        if self.level != expected:
            raise ValueError(f"a {self.kind} unit is {expected}, not {self.level}")
        return self


class StatutoryClause(Fact):
    """One item of 《政府信息公开条例》(2019) 第二十条 / 第二十一条: statutory proactive-disclosure content.

    ``keywords`` are zwgk's own matching hints (words an item's name, content or basis would contain
    when it satisfies the clause); they are not statute text.
    """

    id: str = Field(pattern=r"^art(20-\d{1,2}|21-(district|township)-\d{1,2})$")
    article: Literal[20, 21]
    item: int = Field(ge=1)
    label: str = Field(min_length=1, description="e.g. 第二十条（一）")
    text: str = Field(min_length=1, description="Statute text of the item (verbatim)")
    scope: ClauseScope = Field(
        description="all: every 行政机关 (第二十条); district: 区级 (第二十一条 first list); township: 街镇"
    )
    keywords: tuple[str, ...] = Field(default=(), description="zwgk's matching hints (not statute text)")

    @model_validator(mode="after")
    def _id_consistent(self) -> StatutoryClause:
        expected = f"art20-{self.item}" if self.article == 20 else f"art21-{self.scope}-{self.item}"
        if self.id != expected or (self.article == 20) != (self.scope == "all"):
            raise ValueError(f"clause id {self.id!r} does not match article/scope/item ({expected!r})")
        return self


class GuidelineItem(Fact):
    """A row of a national 标准指引 table as reproduced by a local catalogue.

    ``code`` is ``<domain code_prefix>-<3-digit sequence>``; the sequence follows the order of the rows in
    the reference data and is never reused or renumbered (new rows take the next free number).
    """

    code: str = Field(pattern=r"^[A-Z]{2,8}-\d{3}$")
    domain: str = Field(min_length=1, description="Canonical pilot domain name")
    level1: str | None = Field(default=None, description="一级事项")
    level2: str | None = Field(default=None, description="二级事项")
    level3: str | None = Field(default=None, description="三级事项")
    content: str | None = Field(default=None, description="公开内容（要素）")
    basis: str | None = Field(default=None, description="公开依据")
    time_limit: str | None = Field(default=None, description="公开时限")
    subject: str | None = Field(default=None, description="公开主体 (as published by the source locality)")
    channels: str | None = Field(default=None, description="公开渠道和载体, verbatim")
    audience: tuple[Audience, ...] = Field(default=(), description="公开对象; empty when not seen")
    mode: tuple[Mode, ...] = Field(default=(), description="公开方式; empty when not seen")
    township: bool = Field(description="Applies to 乡级 / 街镇")
    note: str | None = None


class DomainResponsibility(Fact):
    """Which Baoshan district units answer for a domain (notice item 30)."""

    domain: str = Field(min_length=1)
    units: tuple[str, ...] = Field(min_length=1, description="Unit short names (see units.json)")


class Pairing(Fact):
    """市区结对 (notice item 29): a district unit paired with a city department for a business domain."""

    unit: str = Field(min_length=1)
    city_department: str = Field(min_length=1)
    domain: str = Field(min_length=1, description="Business domain of the pairing (free text)")


class Milestone(Fact):
    """A deadline of the 2020 work plan."""

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="ISO date")
    label: str = Field(min_length=1)
    notice_items: tuple[int, ...] = Field(default=(), description="宝府办〔2020〕14号 item numbers")
    applies_to: MilestoneScope = Field(description="all units, or only the 市区结对 units")

    @field_validator("date")
    @classmethod
    def _real_date(cls, value: str) -> str:
        dt.date.fromisoformat(value)
        return value

    @property
    def day(self) -> dt.date:
        return dt.date.fromisoformat(self.date)


# ---------------------------------------------------------------------------------------------------------
# File shapes: {"_meta": {...}, "<list key>": [...]}.  The JSON Schemas are generated from these.


class CatalogMeta(BaseModel):
    """The ``_meta`` block of a catalogue file: what it is, where its facts come from, caveats."""

    model_config = ConfigDict(frozen=True, extra="allow")

    description: str = Field(min_length=1)
    sources: tuple[str, ...] = Field(min_length=1)
    note: str = Field(min_length=1)


class CatalogFile(_Frozen):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    list_key: ClassVar[str]
    meta: CatalogMeta = Field(alias="_meta")

    def entries(self) -> tuple[Any, ...]:
        return tuple(getattr(self, self.list_key))


class DomainsFile(CatalogFile):
    """domains.json — 领域 (26 pilot domains + generic 全领域 domains)."""

    list_key: ClassVar[str] = "domains"
    domains: tuple[Domain, ...]


class UnitsFile(CatalogFile):
    """units.json — Baoshan units (委办局, 街道, 镇, 园区)."""

    list_key: ClassVar[str] = "units"
    units: tuple[Unit, ...]


class ClausesFile(CatalogFile):
    """clauses.json — 《政府信息公开条例》 第二十条/第二十一条 items."""

    list_key: ClassVar[str] = "clauses"
    clauses: tuple[StatutoryClause, ...]


class GuidelineItemsFile(CatalogFile):
    """guideline_items.json — rows of the national 标准指引 tables."""

    list_key: ClassVar[str] = "guideline_items"
    guideline_items: tuple[GuidelineItem, ...]


class ResponsibilitiesFile(CatalogFile):
    """responsibilities.json — domain → responsible Baoshan district units."""

    list_key: ClassVar[str] = "responsibilities"
    responsibilities: tuple[DomainResponsibility, ...]


class PairingsFile(CatalogFile):
    """pairings.json — 市区结对 pairings (editable configuration)."""

    list_key: ClassVar[str] = "pairings"
    pairings: tuple[Pairing, ...]


class MilestonesFile(CatalogFile):
    """milestones.json — 2020 deadlines."""

    list_key: ClassVar[str] = "milestones"
    milestones: tuple[Milestone, ...]


# Catalogue file name → its model.  zwgk.catalogs and the schema generator both read this.
CATALOG_MODELS: dict[str, type[CatalogFile]] = {
    "domains.json": DomainsFile,
    "units.json": UnitsFile,
    "clauses.json": ClausesFile,
    "guideline_items.json": GuidelineItemsFile,
    "responsibilities.json": ResponsibilitiesFile,
    "pairings.json": PairingsFile,
    "milestones.json": MilestonesFile,
}


# ---------------------------------------------------------------------------------------------------------
# Lookups


def _strip_affixes(key: str, prefixes: Iterable[str], suffixes: Iterable[str]) -> str:
    """``key`` without one leading prefix and one trailing suffix (never down to nothing)."""
    for prefix in prefixes:
        if key.startswith(prefix) and len(key) > len(prefix):
            key = key[len(prefix) :]
            break
    for suffix in suffixes:
        if key.endswith(suffix) and len(key) > len(suffix):
            key = key[: -len(suffix)]
            break
    return key


def unit_key(text: str) -> str:
    """Comparison key for unit names: 上海市宝山区财政局, 宝山区财政局 and 区财政局 share one key."""
    return _strip_affixes(name_key(text), _UNIT_PREFIXES, _UNIT_SUFFIXES)


def domain_key(text: str) -> str:
    """Comparison key for domain names: tolerates a trailing 领域 (or 领域基层政务公开标准目录)."""
    return _strip_affixes(name_key(text), (), _DOMAIN_SUFFIXES)


def _similarity(a: str, b: str) -> float:
    """0–100; rapidfuzz's normalised Indel ratio when available, else difflib's ratio (nearly the same)."""
    if _rapidfuzz is not None:
        return float(_rapidfuzz.ratio(a, b))
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() * 100.0


def _closest(key: str, table: dict[str, Domain] | dict[str, Unit], cutoff: float) -> tuple[str, float] | None:
    """The entry whose lookup key is most similar to ``key``: (canonical name, score 0–100)."""
    best: tuple[str, float] | None = None
    for candidate, entry in table.items():
        score = _similarity(key, candidate)
        if best is None or score > best[1]:
            best = (entry.name, score)
    if best is None or best[1] <= 0 or best[1] < cutoff:
        return None
    return best[0], round(best[1], 1)


@dataclass
class _Index:
    domains: dict[str, Domain] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    clauses: dict[str, tuple[StatutoryClause, ...]] = field(default_factory=dict)
    clause_ids: dict[str, StatutoryClause] = field(default_factory=dict)
    items: dict[str, tuple[GuidelineItem, ...]] = field(default_factory=dict)
    units_by_domain: dict[str, tuple[Unit, ...]] = field(default_factory=dict)
    pairings: dict[str, Pairing] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)

    @classmethod
    def build(cls, ref: Reference) -> _Index:
        index = cls()
        for d in ref.domains:
            for text in (d.name, *d.aliases):
                index._put(index.domains, domain_key(text), d, text)
        for u in ref.units:
            for text in (u.name, *u.aliases, *u.former_names):
                index._put(index.units, unit_key(text), u, text)
        for scope in ("all", "district", "township"):
            index.clauses[scope] = tuple(c for c in ref.clauses if c.scope in ("all", scope))
        index.clause_ids = {c.id: c for c in ref.clauses}
        by_domain: dict[str, list[GuidelineItem]] = {}
        for item in ref.guideline_items:
            by_domain.setdefault(item.domain, []).append(item)
        index.items = {name: tuple(items) for name, items in by_domain.items()}
        units_by_name = {u.name: u for u in ref.units}
        for r in ref.responsibilities:
            index.units_by_domain[r.domain] = tuple(units_by_name[n] for n in r.units)
        index.pairings = {p.unit: p for p in ref.pairings}
        return index

    def _put(self, table: dict[str, Any], key: str, value: Any, text: str) -> None:
        if not key:
            self.conflicts.append(f"{value.name}: {text!r} has an empty lookup key")
            return
        other = table.setdefault(key, value)
        if other is not value and other.name != value.name:
            self.conflicts.append(f"{text!r} names both {other.name} and {value.name}")


class Reference(_Frozen):
    """All reference catalogues together, with O(1) name lookups (indexes are built on first use)."""

    domains: tuple[Domain, ...]
    units: tuple[Unit, ...]
    clauses: tuple[StatutoryClause, ...] = ()
    guideline_items: tuple[GuidelineItem, ...] = ()
    responsibilities: tuple[DomainResponsibility, ...] = ()
    pairings: tuple[Pairing, ...] = ()
    milestones: tuple[Milestone, ...] = ()

    _index: _Index | None = PrivateAttr(default=None)

    # The lazily built index is private state: two References with the same facts are equal.
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BaseModel):
            return NotImplemented
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((type(self),) + tuple(self.__dict__.values()))

    @model_validator(mode="after")
    def _referential_integrity(self) -> Reference:
        problems = self._integrity_problems()
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _integrity_problems(self) -> list[str]:
        problems: list[str] = []
        domains = {d.name for d in self.domains}
        pilot = {d.name for d in self.domains if d.pilot}
        units = {u.name for u in self.units}
        for label, names in (
            ("domain", [d.name for d in self.domains]),
            ("unit", [u.name for u in self.units]),
            ("clause id", [c.id for c in self.clauses]),
            ("guideline code", [g.code for g in self.guideline_items]),
            ("responsibility domain", [r.domain for r in self.responsibilities]),
            ("pairing unit", [p.unit for p in self.pairings]),
            ("milestone id", [m.id for m in self.milestones]),
        ):
            seen: set[str] = set()
            for n in names:
                if n in seen:
                    problems.append(f"duplicate {label} {n!r}")
                seen.add(n)
        prefixes = {d.name: d.code_prefix for d in self.domains}
        for g in self.guideline_items:
            if g.domain not in pilot:
                problems.append(f"guideline item {g.code}: {g.domain!r} is not a pilot domain")
            elif not g.code.startswith(prefixes[g.domain] + "-"):
                problems.append(f"guideline item {g.code}: code prefix is not {prefixes[g.domain]}")
        for r in self.responsibilities:
            if r.domain not in domains:
                problems.append(f"responsibility: unknown domain {r.domain!r}")
            problems.extend(
                f"responsibility {r.domain}: unknown unit {n!r}" for n in r.units if n not in units
            )
        problems.extend(f"pairing: unknown unit {p.unit!r}" for p in self.pairings if p.unit not in units)
        return problems

    @property
    def _lookups(self) -> _Index:
        if self._index is None:
            self._index = _Index.build(self)
        return self._index

    def problems(self) -> list[str]:
        """Everything inconsistent in the catalogues, including names that resolve to two entries."""
        return self._integrity_problems() + list(self._lookups.conflicts)

    # -- domains -------------------------------------------------------------------------------------------

    @property
    def pilot_domains(self) -> tuple[Domain, ...]:
        return tuple(d for d in self.domains if d.pilot)

    def domain(self, name: str) -> Domain | None:
        """The domain ``name`` denotes: canonical name or alias, any width/punctuation, trailing 领域 ok."""
        return self._lookups.domains.get(domain_key(name)) if name else None

    def closest_domain(self, name: str, *, cutoff: float = 0.0) -> tuple[str, float] | None:
        """Best-matching canonical domain name and a 0–100 score (100 when ``name`` resolves exactly)."""
        found = self.domain(name)
        if found is not None:
            return found.name, 100.0
        key = domain_key(name) if name else ""
        if not key:
            return None
        return _closest(key, self._lookups.domains, cutoff)

    def guideline_items_for(self, domain: str) -> tuple[GuidelineItem, ...]:
        found = self.domain(domain)
        return self._lookups.items.get(found.name, ()) if found else ()

    def units_for_domain(self, domain: str) -> tuple[Unit, ...]:
        """District units responsible for ``domain`` (notice item 30); empty when none is recorded."""
        found = self.domain(domain)
        return self._lookups.units_by_domain.get(found.name, ()) if found else ()

    # -- units ---------------------------------------------------------------------------------------------

    def unit(self, name: str) -> Unit | None:
        """The unit ``name`` denotes: short name, alias, former name, or a full form such as
        上海市宝山区财政局 / 宝山区财政局 / 罗店镇人民政府 / 吴淞街道办事处."""
        return self._lookups.units.get(unit_key(name)) if name else None

    def closest_unit(self, name: str, *, cutoff: float = 0.0) -> tuple[str, float] | None:
        """Best-matching unit short name and a 0–100 score (100 when ``name`` resolves exactly)."""
        found = self.unit(name)
        if found is not None:
            return found.name, 100.0
        key = unit_key(name) if name else ""
        if not key:
            return None
        return _closest(key, self._lookups.units, cutoff)

    def units_of_kind(self, *kinds: UnitKind) -> tuple[Unit, ...]:
        return tuple(u for u in self.units if u.kind in kinds)

    def pairing_for(self, unit: str) -> Pairing | None:
        """The 市区结对 pairing of ``unit`` (any form of its name), if it is a paired unit."""
        found = self.unit(unit)
        return self._lookups.pairings.get(found.name) if found else None

    # -- clauses -------------------------------------------------------------------------------------------

    def clauses_for(self, scope: ClauseScope | UnitLevel) -> tuple[StatutoryClause, ...]:
        """Statutory items that apply to a unit of ``scope``.

        ``"all"`` gives 第二十条 only; ``"district"`` (or ``"区级"``) adds 第二十一条's first list;
        ``"township"`` (or ``"街镇级"``) adds its second list.
        """
        key = {"区级": "district", "街镇级": "township"}.get(scope, scope)
        if key not in ("all", "district", "township"):
            raise ValueError(f"unknown clause scope {scope!r}")
        return self._lookups.clauses[key]

    def clause(self, clause_id: str) -> StatutoryClause | None:
        return self._lookups.clause_ids.get(clause_id)

    def iter_facts(self) -> Iterator[Fact]:
        """Every fact in every catalogue (for audits of sources and verification marks)."""
        for group in (
            self.domains,
            self.units,
            self.clauses,
            self.guideline_items,
            self.responsibilities,
            self.pairings,
            self.milestones,
        ):
            yield from group
