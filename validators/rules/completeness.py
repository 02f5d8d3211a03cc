"""Catalogue-scope rules: is the district's catalogue complete and consistent?

These run once over the whole compiled district (``zwgk compile``), not per file.  They are pure: they
read a :class:`CatalogueView` (what the compiler made of every submission, already matched to clauses
and guideline items) and yield findings.  No file I/O, no fuzzy matching here — the compiler computes
fuzzy candidates and hands them in, so a rule never counts a guess as coverage.

Locations: a finding about one item points at the item's row (and cell when the sheet has the column);
a finding about the district as a whole has an empty ``path`` and names its unit/domain/clause in
``params``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from zwgk.validators.models import Finding, Severity, SourceLocation
from zwgk.validators.normalise import fold, name_key
from zwgk.validators.reference import Reference
from zwgk.validators.registry import define, finding, rule

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
DISTRICT = SourceLocation(path="")
_MAX_LISTED = 6  # codes/units quoted in one message; the rest are counted


class ItemLike(Protocol):
    """What a rule may read of one compiled item (the compiler's own record satisfies this)."""

    id: str
    unit: str
    domain: str | None
    level1: str | None
    level2: str | None
    level3: str | None
    content: str | None
    subject: str | None
    mode: tuple[str, ...]
    audience: tuple[str, ...]
    levels: tuple[str, ...]
    links: tuple[str, ...]
    guideline_code: str | None
    path: str
    sheet: str | None
    row: int | None
    clauses: tuple[str, ...]
    guideline_counted: tuple[str, ...]
    subject_units: tuple[str, ...]


@dataclass(frozen=True)
class UnitFacts:
    name: str
    kind: str | None
    level: str | None
    in_roster: bool
    submitted: bool
    files: tuple[str, ...] = ()
    domains: frozenset[str] = frozenset()
    not_involved: Mapping[str, str] = field(default_factory=dict)  # domain → reason


@dataclass(frozen=True)
class Candidate:
    """A fuzzy match the compiler found: reported for review, never counted."""

    item_id: str
    score: float


@dataclass(frozen=True)
class CatalogueView:
    reference: Reference
    units: Mapping[str, UnitFacts]
    items: Sequence[ItemLike]
    # (path, sheet) → column letter of the 链接 column, or None when the sheet has none.
    link_columns: Mapping[tuple[str, str], str | None] = field(default_factory=dict)
    # clause id (or "clause id|unit" for per-街镇 coverage) → best fuzzy candidates among uncovered clauses.
    clause_candidates: Mapping[str, tuple[Candidate, ...]] = field(default_factory=dict)
    # item id → fuzzy guideline candidates (code, score), never counted.
    guideline_candidates: Mapping[str, tuple[tuple[str, float], ...]] = field(default_factory=dict)

    def item_by_id(self) -> dict[str, ItemLike]:
        return {it.id: it for it in self.items}


def item_name(it: ItemLike) -> str:
    return " / ".join(p for p in (it.level1, it.level2, it.level3) if p) or (it.content or "")[:30]


def item_location(it: ItemLike, fld: str | None = None, cell: str | None = None) -> SourceLocation:
    return SourceLocation(path=it.path, sheet=it.sheet, row=it.row, field=fld, cell=cell)


def is_district_item(it: ItemLike, units: Mapping[str, UnitFacts]) -> bool:
    """A 区级 item: submitted by a 区级 unit, or (unit outside the roster) ticked 区级."""
    u = units.get(it.unit)
    if u is not None and u.level is not None:
        return u.level == "区级"
    return "区级" in it.levels


TOWNSHIP_KINDS = ("街道", "镇")


def is_township_unit(u: UnitFacts | None) -> bool:
    """A 街道 or 镇: the units 第二十一条's 乡镇 list and the 乡级 guideline items speak of (not a 园区,
    though the roster files 园区 at 街镇级 too)."""
    return u is not None and u.kind in TOWNSHIP_KINDS


def _listed(values: Sequence[str]) -> str:
    shown = "、".join(values[:_MAX_LISTED])
    return shown + (f" 等 {len(values)} 项" if len(values) > _MAX_LISTED else "")


# ---------------------------------------------------------------------------------------------------------
# 公开主体 → roster units (pure text work; the compiler uses it to draw unit-responsible-for-item edges).

_SUBJECT_SPLIT = re.compile(r"[、，,；;/／\s]+|(?<=[局委办院所队])(?:和|及|与)|以及")
_GENERIC_START = ("各", "相关", "有关", "本", "所属", "县级", "乡级", "区级", "市级", "上级", "同级", "其他",
                  "乡镇", "街镇", "县", "乡", "村", "居", "社区")
_GENERIC_END = ("部门", "单位", "机关", "机构", "人民政府", "政府", "主管部门", "行政机关", "村委会", "居委会")
_UNIT_LIKE = re.compile(r"(局|委|委员会|办|办公室|中心|街道|镇|分局|管委会|公司|院|所|队)$")


def split_subject(text: str | None) -> list[str]:
    """The names in a 公开主体 cell: 区教育局、罗店镇人民政府 → [区教育局, 罗店镇人民政府]."""
    if not text:
        return []
    return [p for p in (x.strip() for x in _SUBJECT_SPLIT.split(fold(text))) if p]


def resolve_subject(text: str | None, reference: Reference) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(roster units the 公开主体 names, parts that look like a unit name but are not in the roster).

    Generic phrases (相关审批部门, 各街镇, 县级人民政府) and city departments (上海市…) are neither.
    """
    units: list[str] = []
    unknown: list[str] = []
    for part in split_subject(text):
        u = reference.unit(part)
        if u is not None:
            if u.name not in units:
                units.append(u.name)
            continue
        if part.startswith(_GENERIC_START) or part.endswith(_GENERIC_END):
            continue
        if part.startswith(("上海市", "国家", "中华人民共和国")) and not part.startswith("上海市宝山区"):
            continue
        if _UNIT_LIKE.search(part) and len(part) >= 3 and part not in unknown:
            unknown.append(part)
    return tuple(units), tuple(unknown)


# ---------------------------------------------------------------------------------------------------------
# Codes the compiler raises itself (no check function).

define(
    "file-skipped", INFO, "catalogue",
    title=("非目录文件已跳过", "file skipped"),
    message=("「{path}」不是 zwgk 能读取的目录文件（支持 .xlsx .xlsm .xls .ods .csv），已跳过。",
             "'{path}' is not a catalogue file zwgk reads (.xlsx .xlsm .xls .ods .csv); skipped."),
    fix=("如它是目录，请另存为 .xlsx 后放回提交目录；如是通知、说明等附件，可移出提交目录。",
         "If it is a catalogue, save it as .xlsx and put it back; if it is a notice or a note, move it out of the folder."),
)
define(
    "file-skipped-temp", INFO, "catalogue",
    title=("临时文件已跳过", "temporary file skipped"),
    message=("「{path}」是 Excel/WPS 打开文件时生成的临时文件或锁定文件，不是目录，已跳过。",
             "'{path}' is a temporary or lock file Excel/WPS makes while a file is open, not a catalogue; skipped."),
    fix=("可删除；如同名的目录文件仍在别人电脑上打开着，请确认交来的是保存后的最终版本。",
         "Delete it; if the catalogue of that name is still open somewhere, make sure the saved final version was sent."),
)
define(
    "file-skipped-system", INFO, "catalogue",
    title=("系统文件已跳过", "system file skipped"),
    message=("「{path}」是操作系统自动生成的文件（如 desktop.ini、Thumbs.db、.DS_Store）或隐藏文件，已跳过。",
             "'{path}' is a file the operating system makes (desktop.ini, Thumbs.db, .DS_Store) or a hidden file; skipped."),
    fix=("无需处理。", "Nothing to do."),
)
define(
    "file-skipped-archive", W, "catalogue",
    title=("压缩包未解压", "archive not unpacked"),
    message=("「{path}」是压缩包，zwgk 不会自动解压，其中的文件没有汇编（包内 {count} 个表格文件：{files}）。",
             "'{path}' is an archive; zwgk does not unpack archives, so nothing in it was compiled ({count} spreadsheet(s) inside: {files})."),
    fix=("请解压到提交目录（或其子文件夹），删除压缩包后重新汇编。",
         "Unpack it into the submissions folder (or a sub-folder), remove the archive and compile again."),
)
define(
    "file-skipped-link", INFO, "catalogue",
    title=("快捷方式/链接已跳过", "link skipped"),
    message=("「{path}」是指向其他位置的链接（快捷方式），不读取，以免读到提交目录以外的文件。",
             "'{path}' is a link to another place; it is not followed, so nothing outside the submissions folder is read."),
    fix=("如需汇编，请把文件本身复制到提交目录。", "To compile it, copy the file itself into the folder."),
)
define(
    "file-name-not-utf8", INFO, "catalogue",
    title=("文件名编码不是 UTF-8", "file name is not UTF-8"),
    message=("文件名不是 UTF-8 编码（多为解压 GBK 编码的压缩包所致），按 GBK 识别为「{path}」。",
             "the file name is not UTF-8 (usually from unpacking a GBK zip); read as GBK it is '{path}'."),
    fix=("文件已照常读取；建议在提交目录中把它重命名为正确的中文名。",
         "The file was read as usual; rename it in the folder to its proper Chinese name."),
)
@rule(
    "unit-file-versions", E, "catalogue",
    title=("同一单位交了同一目录的多个版本", "two versions of one catalogue"),
    message=("{unit}的「{path}」与「{other}」有 {count} 个相同事项（占较小文件的 {share}%），像是同一目录的两个版本，两份都已汇编，事项重复。",
             "{unit}: '{path}' and '{other}' share {count} item(s) ({share}% of the smaller file): two versions of one catalogue, both compiled, so the items are duplicated."),
    fix=("请与该单位确认最终版本，把另一个文件移出提交目录后重新汇编。",
         "Ask the unit which is final, move the other file out of the folder and compile again."),
)
def unit_file_versions(view: CatalogueView) -> Iterator[Finding]:
    # A unit sends "目录v1.xlsx" and then "目录v2（修改后）.xlsx" into the same folder: both are compiled
    # (nothing is dropped on a guess), so the office is told which files repeat which items.
    by_file: dict[str, dict[str, dict[tuple[str, ...], ItemLike]]] = defaultdict(dict)
    for it in view.items:
        names = tuple(name_key(p or "") for p in (it.level1, it.level2, it.level3))
        if not any(names):
            continue
        by_file[it.unit].setdefault(it.path, {}).setdefault((it.domain or "", *names), it)
    for unit in sorted(by_file):
        files = sorted(by_file[unit].items())
        for i, (path_a, keys_a) in enumerate(files):
            for path_b, keys_b in files[i + 1:]:
                shared = [k for k in keys_b if k in keys_a]
                if not shared:
                    continue
                first = keys_b[shared[0]]
                share = len(shared) * 100 // min(len(keys_a), len(keys_b))
                if share >= _VERSION_SHARE:
                    yield finding("unit-file-versions", SourceLocation(path=path_b), unit=unit, path=path_b,
                                  other=path_a, count=len(shared), share=share)
                else:
                    yield finding("unit-files-overlap", item_location(first), unit=unit, path=path_b, other=path_a,
                                  count=len(shared), item=item_name(first))


_VERSION_SHARE = 80  # % of the smaller file's items found in the other: two versions, not two domains


define(
    "unit-files-overlap", W, "catalogue",
    title=("同一单位的两个文件有相同事项", "same item in two files of one unit"),
    message=("{unit}的「{path}」与「{other}」有 {count} 个相同事项（如「{item}」），汇编后重复出现。",
             "{unit}: '{path}' and '{other}' both list {count} item(s) (e.g. '{item}'); they appear twice in the catalogue."),
    fix=("请该单位只在一个文件中保留这些事项。", "Ask the unit to keep these items in one file only."),
)
define(
    "clause-review", INFO, "catalogue",
    title=("条款近似匹配待确认", "clause match needs review"),
    message=("「{item}」（{unit}）可能属于《政府信息公开条例》{label}（相似度 {score}），但只是近似匹配，未计入覆盖率。",
             "'{item}' ({unit}) may satisfy {label} of the Regulations (score {score}); a fuzzy match is not counted."),
    fix=("如确属该项，请在公开依据中注明条款（如“条例第二十条第（七）项”），或调整事项名称。",
         "If it does, cite the clause in 公开依据 (e.g. 条例第二十条第（七）项) or adjust the item's name."),
)


# ---------------------------------------------------------------------------------------------------------
# Statutory clauses (条例 第二十条 / 第二十一条).

_CLAUSE_MESSAGES = dict(
    fix=("请由负责单位补充相应事项；若事项已存在，请在事项名称、内容或公开依据中写明（如“条例第二十条第（七）项”）。",
         "Add an item for it, or name the clause in an existing item's 公开依据 (e.g. 条例第二十条第（七）项)."),
)


def _clause_review(view: CatalogueView, key: str, label: str) -> Iterator[Finding]:
    items = view.item_by_id() if view.clause_candidates.get(key) else {}
    for cand in view.clause_candidates.get(key, ()):
        it = items.get(cand.item_id)
        if it is not None:
            yield finding("clause-review", item_location(it), item=item_name(it), unit=it.unit, label=label,
                          score=f"{cand.score:.0f}", clause=key.split("|")[0])


@rule(
    "clause-uncovered", E, "catalogue",
    title=("条例第二十条条款无区级事项", "Art. 20 clause without a district-level item"),
    message=("《政府信息公开条例》{label}（{text}）在全区区级单位的事项中没有对应的公开事项。",
             "Article 20 item {label} ({text}) of the Regulations is not covered by any district-level unit's item."),
    **_CLAUSE_MESSAGES,
)
def clause_uncovered(view: CatalogueView) -> Iterator[Finding]:
    covered = {c for it in view.items if is_district_item(it, view.units) for c in it.clauses}
    for clause in view.reference.clauses:
        if clause.scope == "all" and clause.id not in covered:
            yield finding("clause-uncovered", DISTRICT, clause=clause.id, label=clause.label, text=clause.text)
            yield from _clause_review(view, clause.id, clause.label)


@rule(
    "clause-uncovered-district", E, "catalogue",
    title=("第二十一条区级清单条款无事项", "Art. 21 district-list clause without an item"),
    message=("《政府信息公开条例》{label}（{text}，区县级政府应主动公开）在全区的事项中没有对应的公开事项。",
             "Article 21 (district list) item {label} ({text}) is not covered by any item of the district."),
    **_CLAUSE_MESSAGES,
)
def clause_uncovered_district(view: CatalogueView) -> Iterator[Finding]:
    covered = {c for it in view.items for c in it.clauses}
    for clause in view.reference.clauses:
        if clause.scope == "district" and clause.id not in covered:
            yield finding("clause-uncovered-district", DISTRICT, clause=clause.id, label=clause.label, text=clause.text)
            yield from _clause_review(view, clause.id, clause.label)


@rule(
    "clause-uncovered-township", E, "catalogue",
    title=("街镇缺少第二十一条乡镇清单事项", "township without an item for an Art. 21 township clause"),
    message=("{unit}的事项中没有《政府信息公开条例》{label}（{text}，乡镇应主动公开）对应的公开事项。",
             "{unit} has no item for Article 21 (township list) item {label} ({text})."),
    **_CLAUSE_MESSAGES,
)
def clause_uncovered_township(view: CatalogueView) -> Iterator[Finding]:
    covered: dict[str, set[str]] = defaultdict(set)
    for it in view.items:
        covered[it.unit].update(it.clauses)
    township = [c for c in view.reference.clauses if c.scope == "township"]
    for name in sorted(view.units):
        u = view.units[name]
        if not (u.submitted and is_township_unit(u)):
            continue
        for clause in township:
            if clause.id not in covered[name]:
                yield finding("clause-uncovered-township", DISTRICT, unit=name, clause=clause.id,
                              label=clause.label, text=clause.text)
                yield from _clause_review(view, f"{clause.id}|{name}", clause.label)


# ---------------------------------------------------------------------------------------------------------
# National guideline items (标准指引) of the pilot domains.


def _implements(it: ItemLike, responsible: set[str]) -> bool:
    return not responsible or it.unit in responsible or any(u in responsible for u in it.subject_units)


@rule(
    "guideline-uncovered", W, "catalogue",
    title=("国家标准指引事项未落实", "national guideline item not implemented"),
    message=("{domain}领域国家标准指引事项 {guideline}「{name}」没有由责任单位（{units}）的事项落实。",
             "National guideline item {guideline} '{name}' of {domain} is not implemented by an item of its responsible units ({units})."),
    fix=("请责任单位补充该事项；若已有对应事项，请在其「指引编码」列填写 {guideline}，或改用指引中的事项名称。",
         "Add the item, or put {guideline} in the guideline-code column of the existing item."),
)
def guideline_uncovered(view: CatalogueView) -> Iterator[Finding]:
    ref = view.reference
    by_domain: dict[str, list[ItemLike]] = defaultdict(list)
    for it in view.items:
        if it.domain:
            by_domain[it.domain].append(it)
    for domain in ref.pilot_domains:
        responsible = {u.name for u in ref.units_for_domain(domain.name)}
        declared = responsible and all(domain.name in view.units[u].not_involved for u in responsible if u in view.units)
        if declared:
            continue
        done = {code for it in by_domain[domain.name] if _implements(it, responsible) for code in it.guideline_counted}
        for g in ref.guideline_items_for(domain.name):
            if g.code not in done:
                name = " / ".join(p for p in (g.level1, g.level2, g.level3) if p)
                yield finding("guideline-uncovered", DISTRICT, domain=domain.name, guideline=g.code, name=name,
                              units="、".join(sorted(responsible)) or "—")


@rule(
    "guideline-review", INFO, "catalogue",
    title=("指引事项近似匹配待确认", "guideline match needs review"),
    message=("「{item}」与国家标准指引事项 {guideline}「{name}」近似（相似度 {score}），未计入覆盖率。",
             "'{item}' resembles national guideline item {guideline} '{name}' (score {score}); not counted."),
    fix=("如确为同一事项，请在「指引编码」列填写 {guideline}，或改用指引中的事项名称。",
         "If it is the same item, put {guideline} in the guideline-code column or use the guideline's name."),
)
def guideline_review(view: CatalogueView) -> Iterator[Finding]:
    if not view.guideline_candidates:
        return
    codes = {g.code: g for g in view.reference.guideline_items}
    for it in view.items:
        for code, score in view.guideline_candidates.get(it.id, ()):
            g = codes.get(code)
            if g is not None:
                name = " / ".join(p for p in (g.level1, g.level2, g.level3) if p)
                yield finding("guideline-review", item_location(it, "guideline_code"), item=item_name(it), guideline=code,
                              name=name, score=f"{score:.0f}", unit=it.unit, domain=it.domain)


@rule(
    "guideline-code-unknown", W, "catalogue",
    title=("指引编码不存在", "unknown guideline code"),
    message=("「{item}」的指引编码「{value}」不是{domain}领域的国家标准指引事项编码。",
             "The guideline code '{value}' of '{item}' is not a national guideline code of {domain}."),
    fix=("请按模板中的编码填写（如 YWJY-006），或留空。", "Use a code from the template (e.g. YWJY-006) or leave it empty."),
)
def guideline_code_unknown(view: CatalogueView) -> Iterator[Finding]:
    for it in view.items:
        if it.guideline_code and not it.guideline_counted:
            yield finding("guideline-code-unknown", item_location(it, "guideline_code"), item=item_name(it),
                          value=it.guideline_code, domain=it.domain or "—", unit=it.unit)


@rule(
    "township-guideline-uncovered", W, "catalogue",
    title=("街镇缺少乡级指引事项", "township lacks township-level guideline items"),
    message=("{unit}在{domain}领域缺少 {count} 个乡级（街镇级）国家标准指引事项：{codes}。",
             "{unit} lacks {count} township-level guideline item(s) of {domain}: {codes}."),
    fix=("请补充这些事项；若本街镇不涉及该领域，请在 zwgk.toml 的 [[not_involved]] 中声明并写明原因。",
         "Add them, or declare the domain not involved in zwgk.toml [[not_involved]] with a reason."),
)
def township_guideline_uncovered(view: CatalogueView) -> Iterator[Finding]:
    ref = view.reference
    done: dict[tuple[str, str], set[str]] = defaultdict(set)
    for it in view.items:
        if it.domain:
            done[(it.unit, it.domain)].update(it.guideline_counted)
    for name in sorted(view.units):
        u = view.units[name]
        if not (u.submitted and is_township_unit(u)):
            continue
        for domain in ref.pilot_domains:
            if not domain.township or domain.name in u.not_involved:
                continue
            wanted = [g.code for g in ref.guideline_items_for(domain.name) if g.township]
            missing = [c for c in wanted if c not in done[(name, domain.name)]]
            if missing:
                yield finding("township-guideline-uncovered", DISTRICT, unit=name, domain=domain.name,
                              count=len(missing), codes=_listed(missing))


# ---------------------------------------------------------------------------------------------------------
# Units: the roster, notice item 30 and 未涉及 declarations.


@rule(
    "unit-not-submitted", E, "catalogue",
    title=("单位未提交目录", "unit did not submit"),
    message=("{unit}（{kind}）没有提交标准目录。", "{unit} ({kind}) has not submitted a catalogue."),
    fix=("请催报；按通知第30项，该单位负责的领域：{domains}。", "Chase it; domains it answers for under notice item 30: {domains}."),
)
def unit_not_submitted(view: CatalogueView) -> Iterator[Finding]:
    responsible: dict[str, list[str]] = defaultdict(list)
    for r in view.reference.responsibilities:
        for u in r.units:
            responsible[u].append(r.domain)
    for name in sorted(view.units):
        u = view.units[name]
        if u.in_roster and not u.submitted:
            yield finding("unit-not-submitted", DISTRICT, unit=name, kind=u.kind or "—",
                          domains=_listed(responsible.get(name, [])) or "—")


@rule(
    "responsible-unit-no-items", E, "catalogue",
    title=("责任单位缺少领域事项", "responsible unit without items in its domain"),
    message=("{unit}是{domain}领域的责任单位（宝府办〔2020〕14号第30项），但目录中没有该领域的事项，也没有「未涉及」声明。",
             "{unit} answers for {domain} (notice item 30) but has no item in it and no 未涉及 declaration."),
    fix=("请补充该领域事项，或在 zwgk.toml 的 [[not_involved]] 中声明未涉及并写明原因。",
         "Add its items, or declare it not involved in zwgk.toml [[not_involved]] with a reason."),
)
def responsible_unit_no_items(view: CatalogueView) -> Iterator[Finding]:
    has: set[tuple[str, str]] = set()
    for it in view.items:
        if it.domain:
            has.add((it.unit, it.domain))
            for subject_unit in it.subject_units:
                has.add((subject_unit, it.domain))
    for r in view.reference.responsibilities:
        for name in r.units:
            facts = view.units.get(name)
            # A unit that submitted nothing is reported once, by unit-not-submitted (with these domains).
            if facts is None or not facts.submitted or r.domain in facts.not_involved or (name, r.domain) in has:
                continue
            yield finding("responsible-unit-no-items", DISTRICT, unit=name, domain=r.domain)


@rule(
    "not-involved-has-items", W, "catalogue",
    title=("声明未涉及但有事项", "declared not involved but has items"),
    message=("{unit}声明不涉及{domain}领域（{reason}），但提交了 {count} 个该领域事项。",
             "{unit} declared {domain} not involved ({reason}) but submitted {count} item(s) in it."),
    fix=("请删除 zwgk.toml 中的未涉及声明，或删除这些事项。", "Remove the declaration from zwgk.toml, or the items."),
)
def not_involved_has_items(view: CatalogueView) -> Iterator[Finding]:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for it in view.items:
        if it.domain:
            counts[(it.unit, it.domain)] += 1
    for name in sorted(view.units):
        for domain, reason in sorted(view.units[name].not_involved.items()):
            if counts.get((name, domain)):
                yield finding("not-involved-has-items", DISTRICT, unit=name, domain=domain, reason=reason,
                              count=counts[(name, domain)])


# ---------------------------------------------------------------------------------------------------------
# Items: links, the same item in two units, conflicting answers, 公开主体.


@rule(
    "item-no-link", W, "catalogue",
    title=("事项没有链接", "item without link"),
    message=("「{item}」没有链接：标准化专栏中的每个事项都需要指向具体信息页面。",
             "'{item}' has no link: every item of the standardisation column must point at its information page."),
    fix=("请在「链接」列填写该事项信息所在页面的网址。", "Put the address of the item's information page in the link column."),
)
def item_no_link(view: CatalogueView) -> Iterator[Finding]:
    for it in view.items:
        if it.links:
            continue
        letter = view.link_columns.get((it.path, it.sheet or ""))
        if letter is None:
            continue  # the sheet has no 链接 column at all: reported once by sheet-no-link-column
        yield finding("item-no-link", item_location(it, "links", f"{letter}{it.row}" if it.row else None),
                      item=item_name(it), unit=it.unit, domain=it.domain)


@rule(
    "sheet-no-link-column", W, "catalogue",
    title=("工作表没有链接列", "sheet without link column"),
    message=("工作表「{sheet}」没有「链接」列，其中 {count} 个事项都没有链接。",
             "Sheet '{sheet}' has no link column; none of its {count} items has a link."),
    fix=("请在表格最后增加「链接」列，逐项填写信息页面网址（标准化专栏需要）。",
         "Add a link column and give each item's page address (the standardisation column needs it)."),
)
def sheet_no_link_column(view: CatalogueView) -> Iterator[Finding]:
    counts: dict[tuple[str, str], list[ItemLike]] = defaultdict(list)
    for it in view.items:
        key = (it.path, it.sheet or "")
        if key in view.link_columns and view.link_columns[key] is None:
            counts[key].append(it)
    for (path, sheet), items in sorted(counts.items()):
        if not any(it.links for it in items):
            first = items[0]
            yield finding("sheet-no-link-column", SourceLocation(path=path, sheet=sheet or None), sheet=sheet,
                          count=len(items), unit=first.unit, domain=first.domain)


def _same_item_groups(view: CatalogueView, with_content: bool) -> dict[tuple[str, ...], list[ItemLike]]:
    """Items of the pilot domains grouped by domain + 事项 names (+ content): "the same item".

    Two rules ask for the same grouping: it is worked out once per view (and never changed by a caller)."""
    memo: dict[bool, dict[tuple[str, ...], list[ItemLike]]] = view.__dict__.setdefault("_same_item_groups", {})
    found = memo.get(with_content)
    if found is None:
        found = memo[with_content] = _group_same_items(view, with_content)
    return found


def _group_same_items(view: CatalogueView, with_content: bool) -> dict[tuple[str, ...], list[ItemLike]]:
    pilot = {d.name for d in view.reference.pilot_domains}
    groups: dict[tuple[str, ...], list[ItemLike]] = defaultdict(list)
    for it in view.items:
        if it.domain not in pilot:
            continue  # 综合政务-style items (机构信息…) belong to each unit by nature
        names = tuple(name_key(x or "") for x in (it.level1, it.level2, it.level3))
        if not any(names):
            continue
        key = (it.domain or "", *names, name_key(it.content or "") if with_content else "")
        groups[key].append(it)
    return groups


@rule(
    "item-claimed-twice", W, "catalogue",
    title=("同一事项由两个单位认领", "the same item claimed by two units"),
    message=("「{item}」（{domain}）同时被区级单位 {units} 列为本单位事项（{first}）。",
             "'{item}' ({domain}) is claimed by the district-level units {units} ({first})."),
    fix=("同一区级事项只应有一个责任单位：请协商后由一家保留，另一家删除或改为配合。",
         "A district-level item has one responsible unit: agree which keeps it."),
)
def item_claimed_twice(view: CatalogueView) -> Iterator[Finding]:
    # Only units of the district level compete: every 街镇 lists its own copy of a 乡级 item, and a 街镇 that
    # ticks 县级 (as the national tables do) is saying where the item is published, not claiming the bureau's.
    for _key, items in sorted(_same_item_groups(view, with_content=True).items()):
        district = [it for it in items if is_district_item(it, view.units)]
        units = sorted({it.unit for it in district})
        if len(units) < 2:
            continue
        first = district[0]
        later = next(it for it in district if it.unit != first.unit)
        where = f"{first.unit}：{first.path} 第 {first.row} 行" if first.row else first.unit
        yield finding("item-claimed-twice", item_location(later), item=item_name(later), domain=later.domain,
                      units="、".join(units), first=where, unit=later.unit)


def _conflict(view: CatalogueView, code: str, attr: str) -> Iterator[Finding]:
    for _key, items in sorted(_same_item_groups(view, with_content=False).items()):
        answers: dict[tuple[str, ...], list[ItemLike]] = defaultdict(list)
        for it in items:
            value = tuple(sorted(getattr(it, attr)))
            if value:
                answers[value].append(it)
        if len(answers) < 2:
            continue
        parts = [f"{'、'.join(sorted({it.unit for it in its}))}：{'、'.join(v)}" for v, its in sorted(answers.items())]
        ordered = sorted((it for its in answers.values() for it in its), key=lambda it: (it.path, it.sheet or "", it.row or 0))
        yield finding(code, item_location(ordered[-1], attr), item=item_name(ordered[-1]), domain=ordered[-1].domain,
                      values="；".join(parts), unit=ordered[-1].unit)


@rule(
    "item-mode-conflict", W, "catalogue",
    title=("同一事项公开方式不一致", "conflicting disclosure mode"),
    message=("「{item}」（{domain}）在各单位目录中的公开方式不一致：{values}。",
             "'{item}' ({domain}) has conflicting 公开方式 across units: {values}."),
    fix=("同一事项的公开方式应一致：请对照国家标准指引统一。", "Make the disclosure mode of the same item consistent (see the national guideline)."),
)
def item_mode_conflict(view: CatalogueView) -> Iterator[Finding]:
    yield from _conflict(view, "item-mode-conflict", "mode")


@rule(
    "item-audience-conflict", W, "catalogue",
    title=("同一事项公开对象不一致", "conflicting audience"),
    message=("「{item}」（{domain}）在各单位目录中的公开对象不一致：{values}。",
             "'{item}' ({domain}) has conflicting 公开对象 across units: {values}."),
    fix=("同一事项的公开对象应一致：请对照国家标准指引统一。", "Make the audience of the same item consistent (see the national guideline)."),
)
def item_audience_conflict(view: CatalogueView) -> Iterator[Finding]:
    yield from _conflict(view, "item-audience-conflict", "audience")


@rule(
    "subject-unit-unknown", W, "catalogue",
    title=("公开主体不是已知单位", "公开主体 names an unknown unit"),
    message=("公开主体「{value}」不在宝山区单位名录中（{unit}的 {count} 个事项）。",
             "公开主体 '{value}' is not a unit of the district roster ({count} item(s) of {unit})."),
    fix=("请使用单位规范名称。", "Use the unit's roster name."),
)
def subject_unit_unknown(view: CatalogueView) -> Iterator[Finding]:
    seen: dict[tuple[str, str], list[ItemLike]] = {}
    cache: dict[str, tuple[str, ...]] = {}
    for it in view.items:
        if not it.subject:
            continue
        unknown = cache.get(it.subject)
        if unknown is None:
            unknown = cache[it.subject] = resolve_subject(it.subject, view.reference)[1]
        for part in unknown:
            seen.setdefault((it.unit, part), []).append(it)
    for (unit, part), items in sorted(seen.items()):
        close = view.reference.closest_unit(part)
        yield finding("subject-unit-unknown", item_location(items[0], "subject"), value=part, unit=unit,
                      count=len(items), closest=close[0] if close and close[1] >= 60 else "")
