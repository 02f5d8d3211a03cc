"""The site as data: which pages exist, their file names, and the rows they show (pure, no I/O).

Every page name is an ASCII id that cannot leave the output folder: a pilot domain's pinyin from the
reference catalogue, or a short hash of the name (units, unknown domains).  Hashes are of the name alone,
so a unit's page keeps its address from one catalogue version to the next.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

from zwgk.compiler.emit.safe import safe_filename
from zwgk.compiler.site.i18n import LEVEL_LABELS
from zwgk.validators.catalogue import Catalogue, CatalogueDomain, CatalogueItem, CatalogueUnit, ClauseCoverage
from zwgk.validators.models import LEVELS
from zwgk.validators.reference import Reference

_SLUG_OK = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_ANCHOR_OK = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_KIND_ORDER = ("委办局", "街道", "镇", "园区")
# The two level columns a Baoshan catalogue always shows; others appear when an item uses them.
_BASE_LEVELS = ("区级", "街镇级")
UNCLASSIFIED = "\x00unclassified"  # key of the page for items without a domain (not a possible name)


def short_hash(text: str, n: int = 10) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:n]


_NOT_IN_URL = re.compile(r"[\s\x00-\x1f\x7f]")
# The common shape, accepted without urlsplit (30,000 links cost seconds otherwise): scheme, a plain host
# name, an optional port of at most 5 digits, then a path/query/fragment without spaces or controls.
_PLAIN_HTTP = re.compile(r"(?i:https?)://[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})(?::(\d{1,5}))?(?:[/?#][^\s\x00-\x1f\x7f]*)?")


@lru_cache(maxsize=65536)
def safe_href(url: str) -> str | None:
    """``url`` when it is an absolute http(s) address a reader may follow; None for anything else.

    ``javascript:``, ``data:``, protocol-relative ``//host`` and addresses with spaces or control
    characters are never rendered as links (autoescape alone would not stop ``javascript:``).
    """
    text = url.strip()
    if not text or _NOT_IN_URL.search(text):
        return None
    plain = _PLAIN_HTTP.fullmatch(text)
    if plain is not None and (plain.group(1) is None or int(plain.group(1)) <= 65535):
        return text
    try:
        parts = urlsplit(text)
        _ = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return text


@dataclass(frozen=True)
class LinkView:
    text: str
    href: str | None  # None: shown as text, never as a link


@dataclass(slots=True, eq=False)  # not frozen: frozen dataclasses are slow to build for 30,000 items
class ItemView:
    """One catalogue item as every page shows it (built once, reused by domain, unit and clause pages).

    Compared and hashed by identity: the model holds exactly one view per catalogue item.
    """

    id: str
    anchor: str
    name: str
    level1: str
    level2: str
    level3: str
    content: str
    basis: str
    time_limit: str
    subject: str
    channels: str
    audience_all: bool
    audience_specific: bool
    audience_note: str
    mode_active: bool
    mode_request: bool
    levels: frozenset[str]
    unit: str
    unit_href: str
    domain: str
    domain_href: str
    links: tuple[LinkView, ...]
    source: str
    primary_href: str | None = None  # the first followable link (set in __post_init__)
    missing_reason: str | None = None  # 'none' (no link), 'unsafe' (no http(s) link) or None

    def __post_init__(self) -> None:
        self.primary_href = next((link.href for link in self.links if link.href), None)
        if not self.links:
            self.missing_reason = "none"
        elif self.primary_href is None:
            self.missing_reason = "unsafe"


@dataclass(frozen=True)
class DomainView:
    key: str  # catalogue domain name, or UNCLASSIFIED
    name: str
    slug: str
    no: int | None
    pilot: bool
    responsible_units: tuple[str, ...]
    units: tuple[str, ...]
    guideline_items: int
    guideline_covered: int
    items: tuple[ItemView, ...] = ()

    @property
    def href(self) -> str:
        return f"d/{self.slug}.html"

    @property
    def coverage(self) -> float | None:
        return self.guideline_covered / self.guideline_items if self.guideline_items else None


@dataclass(frozen=True)
class UnitView:
    name: str
    slug: str
    kind: str | None
    level: str | None
    in_roster: bool
    submitted: bool
    responsible_for: tuple[str, ...]
    not_involved: tuple[tuple[str, str], ...]
    paired_with: str | None
    items: tuple[ItemView, ...] = ()

    @property
    def href(self) -> str:
        return f"u/{self.slug}.html"

    @property
    def domains(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for it in self.items:
            seen.setdefault(it.domain, None)
        return tuple(seen)


@dataclass(frozen=True)
class ClauseView:
    id: str
    slug: str
    label: str
    text: str
    scope: str
    items: tuple[ItemView, ...] = ()

    @property
    def href(self) -> str:
        return f"c/{self.slug}.html"


@dataclass
class SiteModel:
    catalogue: Catalogue
    domains: list[DomainView] = field(default_factory=list)
    units: list[UnitView] = field(default_factory=list)
    clauses: list[ClauseView] = field(default_factory=list)
    items: list[ItemView] = field(default_factory=list)

    @property
    def pilot_domains(self) -> list[DomainView]:
        return [d for d in self.domains if d.pilot]

    @property
    def other_domains(self) -> list[DomainView]:
        return [d for d in self.domains if not d.pilot]

    @property
    def missing(self) -> list[ItemView]:
        return [it for it in self.items if it.missing_reason]

    def units_by_kind(self) -> list[tuple[str | None, list[UnitView]]]:
        groups: dict[str | None, list[UnitView]] = {}
        for u in self.units:
            groups.setdefault(u.kind if u.kind in _KIND_ORDER else None, []).append(u)
        order = [*_KIND_ORDER, None]
        return [(k, groups[k]) for k in order if k in groups]

    def unit_href(self, name: str) -> str | None:
        return next((u.href for u in self.units if u.name == name), None)


def level_columns(items: Iterable[ItemView], lang: str = "zh") -> list[tuple[str, str]]:
    """The 公开层级 tick columns a table needs: 区级 and 街镇级 always, 市级/村级 when an item uses them."""
    used = set(_BASE_LEVELS)
    for it in items:
        used |= it.levels
    idx = 1 if lang == "en" else 0
    return [(lv, LEVEL_LABELS[lv][idx]) for lv in LEVELS if lv in used]


def _unique(slug: str, taken: set[str], name: str) -> str:
    """``slug`` or, when another name already took it, ``slug`` + a hash of ``name``."""
    candidate = safe_filename(slug, fallback="page")
    if candidate in taken:
        candidate = safe_filename(f"{slug}-{short_hash(name, 6)}", fallback="page")
    n = 2
    base = candidate
    while candidate in taken:  # bounded by the number of pages
        candidate = f"{base}-{n}"
        n += 1
    taken.add(candidate)
    return candidate


def _domain_slug(name: str, reference: Reference) -> str:
    if name == UNCLASSIFIED:
        return "unclassified"
    found = reference.domain(name)
    if found is not None and _SLUG_OK.match(found.pinyin):
        return found.pinyin
    return "x-" + short_hash(name)


def _anchor(item_id: str, taken: set[str]) -> str:
    base = "i-" + (item_id if _ANCHOR_OK.match(item_id) else short_hash(item_id, 16))
    anchor, n = base, 2
    while anchor in taken:
        anchor = f"{base}-{n}"
        n += 1
    taken.add(anchor)
    return anchor


def _text(value: str | None) -> str:
    return value or ""


def _source_text(item: CatalogueItem) -> str:
    src = item.source
    parts = [src.path]
    if src.sheet:
        parts.append(src.sheet)
    if src.row:
        parts.append(str(src.row))
    return " / ".join(parts)


def _domain_order(d: DomainView) -> tuple[int, int, str]:
    # Pilot domains by their national number, then the rest by name, the unclassified page last.
    if d.key == UNCLASSIFIED:
        return (2, 0, "")
    return (0, d.no or 0, d.name) if d.pilot else (1, 0, d.name)


def _unit_order(u: UnitView) -> tuple[int, int, str]:
    kind = _KIND_ORDER.index(u.kind) if u.kind in _KIND_ORDER else len(_KIND_ORDER)
    return (0 if u.in_roster else 1, kind, u.name)


def build_model(catalogue: Catalogue, reference: Reference, lang: str = "zh") -> SiteModel:
    """Every page of the site and every row it shows; every catalogue item lands on a domain and a unit page."""
    unclassified_label = "No domain given" if lang == "en" else "未标明领域"
    # -- domains: the catalogue's list, plus any name an item carries that the list lacks
    cat_domains: dict[str, CatalogueDomain] = {d.name: d for d in catalogue.domains}
    domain_keys: list[str] = list(cat_domains)
    for it in catalogue.items:
        key = it.domain if it.domain else UNCLASSIFIED
        if key not in cat_domains and key not in domain_keys:
            domain_keys.append(key)
    taken: set[str] = {"index", "search"}
    domain_slug: dict[str, str] = {}
    for key in sorted(domain_keys, key=lambda k: (k == UNCLASSIFIED, k)):
        domain_slug[key] = _unique(_domain_slug(key, reference), taken, key)

    # -- units: the catalogue's list, plus any submitting unit an item names that the list lacks
    cat_units: dict[str, CatalogueUnit] = {u.name: u for u in catalogue.units}
    unit_names: list[str] = list(cat_units)
    for it in catalogue.items:
        if it.unit not in cat_units and it.unit not in unit_names:
            unit_names.append(it.unit)
    unit_taken: set[str] = set()
    unit_slug = {n: _unique("u-" + short_hash(n), unit_taken, n) for n in sorted(unit_names)}

    # -- items, in catalogue order
    anchors: set[str] = set()
    views: list[ItemView] = []
    for it in catalogue.items:
        dkey = it.domain if it.domain else UNCLASSIFIED
        links = tuple(LinkView(text=u, href=safe_href(u)) for u in it.links if u.strip())
        views.append(
            ItemView(
                id=it.id,
                anchor=_anchor(it.id, anchors),
                name=" / ".join(p for p in (it.level1, it.level2, it.level3) if p) or it.content or it.id,
                level1=_text(it.level1),
                level2=_text(it.level2),
                level3=_text(it.level3),
                content=_text(it.content),
                basis=_text(it.basis),
                time_limit=_text(it.time_limit),
                subject=_text(it.subject),
                channels="、".join(it.channels),
                audience_all="全社会" in it.audience,
                audience_specific="特定群众" in it.audience,
                audience_note=_text(it.audience_note),
                mode_active="主动" in it.mode,
                mode_request="依申请" in it.mode,
                levels=frozenset(it.levels),
                unit=it.unit,
                unit_href=f"u/{unit_slug[it.unit]}.html",
                domain=unclassified_label if dkey == UNCLASSIFIED else dkey,
                domain_href=f"d/{domain_slug[dkey]}.html",
                links=links,
                source=_source_text(it),
            )
        )
    by_domain: dict[str, list[ItemView]] = {k: [] for k in domain_keys}
    by_unit: dict[str, list[ItemView]] = {n: [] for n in unit_names}
    by_id: dict[str, ItemView] = {}
    for it, view in zip(catalogue.items, views, strict=True):
        by_domain[it.domain if it.domain else UNCLASSIFIED].append(view)
        by_unit[it.unit].append(view)
        by_id.setdefault(it.id, view)

    domains: list[DomainView] = []
    for key in domain_keys:
        d = cat_domains.get(key)
        ref = reference.domain(key) if key != UNCLASSIFIED else None
        items = tuple(by_domain[key])
        units_seen = tuple(dict.fromkeys(v.unit for v in items))
        domains.append(
            DomainView(
                key=key,
                name=unclassified_label if key == UNCLASSIFIED else key,
                slug=domain_slug[key],
                no=d.no if d else (ref.no if ref else None),
                pilot=d.pilot if d else bool(ref and ref.pilot),
                responsible_units=tuple(d.responsible_units) if d else (),
                units=tuple(d.units) if d and d.units else units_seen,
                guideline_items=d.guideline_items if d else 0,
                guideline_covered=d.guideline_covered if d else 0,
                items=items,
            )
        )
    domains.sort(key=_domain_order)

    units: list[UnitView] = []
    for name in unit_names:
        u = cat_units.get(name)
        ref_unit = reference.unit(name)
        units.append(
            UnitView(
                name=name,
                slug=unit_slug[name],
                kind=u.kind if u else (ref_unit.kind if ref_unit else None),
                level=u.level if u else (ref_unit.level if ref_unit else None),
                in_roster=u.in_roster if u else ref_unit is not None,
                submitted=u.submitted if u else True,
                responsible_for=tuple(u.responsible_for) if u else (),
                not_involved=tuple((n.domain, n.reason) for n in u.not_involved) if u else (),
                paired_with=u.paired_with if u else None,
                items=tuple(by_unit[name]),
            )
        )
    units.sort(key=_unit_order)

    clauses: list[ClauseView] = []
    clause_taken: set[str] = set()
    for c in catalogue.clauses:
        clauses.append(_clause_view(c, clause_taken, by_id))
    return SiteModel(catalogue=catalogue, domains=domains, units=units, clauses=clauses, items=views)


def _clause_view(c: ClauseCoverage, taken: set[str], by_id: dict[str, ItemView]) -> ClauseView:
    slug = c.id if _SLUG_OK.match(c.id) else "c-" + short_hash(c.id)
    items = tuple({id(v): v for v in (by_id[i] for i in c.items if i in by_id)}.values())
    return ClauseView(id=c.id, slug=_unique(slug, taken, c.id), label=c.label, text=c.text, scope=c.scope,
                      items=items)


def percent(part: int, whole: int) -> str:
    return f"{part / whole * 100:.1f}%" if whole else "—"
