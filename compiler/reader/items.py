"""Data rows → item records: merges and 同上 resolved, ticks and words read, links gathered.

Every non-blank row below the header ends up as an item or in a finding — except notes (注：…),
signature lines (填报人：…), repeated headers and rows holding nothing but a 序号, which are not data and
are listed in ``BuildResult.skipped`` with the reason.

This is the per-row hot path of ``zwgk check`` (100,000 rows must cost little more than reading them), so
the column plan is worked out once per sheet and every vocabulary lookup is memoised.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeVar

from pydantic import BaseModel
from zwgk.compiler.reader.layout import Column, Layout
from zwgk.compiler.reader.sources import Grid
from zwgk.validators.models import DisclosureItem, Finding, SourceLocation
from zwgk.validators.registry import finding
from zwgk.validators.sheet import ItemRecord, cell_ref
from zwgk.validators.vocabulary import Vocabulary

_URL = re.compile(r"(?:https?://|www\.)[^\s，,；;）)】<>\"']+", re.I)
_LINK_WORDS = {"查看", "链接", "点击查看", "详情", "点击", "访问", "网址", "详见链接", "进入", "点击进入", "查看详情"}
_NO_LINK = {"无", "暂无", "-", "/", "—", "－", "无链接", "空", "不涉及", "——"}
_SIGNATURE = re.compile(r"^(填报人|填表人|联系人|联系电话|审核人|负责人|填报日期|填表日期|制表|审核|签发|单位负责人)")
_NAME_SPLIT = re.compile(r"\s*[/／]\s*")
_MAX_MERGE_FILL = 2_000_000
_ITEM_FIELDS = ("name", "level1", "level2", "level3", "content")
_UNIQUE_FIELDS = frozenset({"content", "seq"})
# 合计：56 项, and 汇总 — the label Chinese Excel writes in an Excel table's totals row (套用表格格式 → 汇总行);
# 汇总 only on its own or before a count, so that an item named 汇总… stays an item.
_TOTAL = re.compile(r"^(?:合计|总计|小计|共计|汇总(?=$|[\s:：\d(（]))")
_HEADER_UNIT = re.compile(r"[（(]\s*(工作日|个工作日|日|天)\s*[)）]")
_NOT_INVOLVED = frozenset({"未涉及", "不涉及", "本单位未涉及", "本单位不涉及", "暂未涉及", "暂不涉及", "无此项", "无此事项"})
_CJK_WORD = re.compile(r"[\u4e00-\u9fff]{2}")
_FREED: list[str] = []


@dataclass
class RowContext:
    path: str
    sheet: str
    unit: str | None
    domain_of: Callable[[str], str | None]  # raw 领域 text → canonical name (or None)
    sheet_domain: str | None


@dataclass
class BuildResult:
    records: list[ItemRecord] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    data_rows: int = 0
    # (1-based row, reason) of non-blank rows that are not data: note, signature, header, numbered.
    skipped: list[tuple[int, str]] = field(default_factory=list)
    # 领域 values that name no known domain: (text, location) — the reader reports each text once.
    domain_texts: list[tuple[str, SourceLocation]] = field(default_factory=list)


def _merge_fill(grid: Grid, first_row: int) -> dict[int, list[tuple[int, int, int, str]]]:
    """Row → [(column, r0, c0, value)]: body cells covered by a merge whose value sits at (r0, c0)."""
    fill: dict[int, list[tuple[int, int, int, str]]] = {}
    rows = grid.rows
    budget = _MAX_MERGE_FILL
    for r0, c0, r1, c1 in grid.merged:
        if r1 < first_row or (r1 == r0 and c1 == c0):
            continue
        area = (r1 - r0 + 1) * (c1 - c0 + 1)
        if area > budget:
            break
        budget -= area
        top = rows[r0] if r0 < len(rows) else []
        value = top[c0] if c0 < len(top) else ""
        for r in range(max(r0, first_row), r1 + 1):
            cells = fill.setdefault(r, [])
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    cells.append((c, r0, c0, value))
    return fill


@dataclass
class _Plan:
    """The columns of a sheet sorted by what reading them takes, worked out once per sheet."""

    text: list[tuple[int, str]]  # (index, field) of plain text fields
    name: list[int]  # 公开事项 in one cell: "一级/二级"
    channels: list[int]
    domain: list[int]
    links: list[int]
    words: list[tuple[int, str]]  # (index, group) of 全社会 / 主动公开 / 区级 written as words
    ticks: list[tuple[int, str, str | None, str | None]]  # (index, group, value, value of a 否) of √ columns
    extra: list[tuple[int, str]]  # (index, label) kept verbatim
    unnamed: list[tuple[int, str]]
    field_of: dict[int, str]  # index → the field a merge/ditto fill is recorded under
    same: dict[str, str] = field(default_factory=dict)  # each distinct cell text once (memory)
    marks: dict[str, bool | None] = field(default_factory=dict)  # tick cell text → parse_mark, memoised here
    time_unit: str = ""  # "个工作日" when the 公开时限 header says （工作日）: a bare number then counts those


def _plan(cols: list[Column]) -> _Plan:
    plan = _Plan([], [], [], [], [], [], [], [], [], {})
    special = {"name": plan.name, "channels": plan.channels, "domain": plan.domain, "links": plan.links}
    for col in cols:
        i = col.index
        if col.kind == "tick":
            plan.ticks.append((i, col.field, col.value, col.value_no))
        elif col.kind == "words":
            plan.words.append((i, col.field))
        elif col.kind == "text":
            if col.field in special:
                special[col.field].append(i)
            else:
                plan.text.append((i, col.field))
        elif col.kind == "unnamed":
            plan.unnamed.append((i, col.label))
        else:
            plan.extra.append((i, col.label))
        if col.kind in ("tick", "words", "text"):
            plan.field_of[i] = "level1" if col.field == "name" else col.field
        if col.kind == "text" and col.field == "time_limit":
            unit = _HEADER_UNIT.search(col.label)
            if unit:
                plan.time_unit = "个工作日" if "工作" in unit.group(1) else unit.group(1)
    return plan


def build_records(grid: Grid, layout: Layout, vocab: Vocabulary, ctx: RowContext) -> BuildResult:
    """Read the data rows of ``grid`` under ``layout``.  Consumes ``grid.rows`` below the header."""
    out = BuildResult()
    rows = grid.rows
    width = layout.width
    cols = layout.columns
    plan = _plan(cols)
    fill = _merge_fill(grid, layout.first_data_row)
    link_rows: dict[int, dict[int, str]] = {}  # row → {column: URL} of cell hyperlinks and HYPERLINK()
    for (lr, lc), url in grid.hyperlinks.items():
        link_rows.setdefault(lr, {})[lc] = url
    # field → 1-based column, shared by every record of this sheet.
    columns: dict[str, int] = {}
    for col in cols:
        if col.kind in ("text", "words", "tick"):
            columns.setdefault("level1" if col.field == "name" else col.field, col.index + 1)
    if "name" in layout.fields and "level2" not in columns:
        name_col = next(c for c in cols if c.field == "name" and c.kind == "text")
        columns["level2"] = name_col.index + 1  # 一级/二级 in one cell: both are fixed in that cell
    item_cols = [c.index for c in cols if c.kind == "text" and c.field in _ITEM_FIELDS]
    seq_cols = {c.index for c in cols if c.kind == "text" and c.field == "seq"}
    n_seq = len(seq_cols)
    header = layout.header_labels
    probe = next((c.index for c in cols if c.kind == "text" and c.field == "content"), item_cols[0] if item_cols else -1)
    is_ditto, is_note = vocab.is_ditto, vocab.is_note
    ditto_starts = vocab.ditto_starts
    prev_values: list[str] = [""] * width
    prev_item: ItemRecord | None = None
    section_domain: str | None = None
    numbered_only: list[int] = []
    not_involved: list[tuple[int, str]] = []  # (row, what is declared: the 事项 or 领域 cell)
    header_cells = layout.header_cells
    declaration_cols = {c.index for c in cols if c.field in ("seq", "level1", "domain", "category", "name")}
    name_cols = [c.index for c in cols if c.field in ("level1", "name", "domain", "category")]
    for r in range(layout.first_data_row, len(rows)):
        own = rows[r]
        # Consumed: the row list (and every cell text no item keeps) goes as soon as the row is read, so
        # the sheet and its items are never both whole in memory.  Merged values were taken above.
        rows[r] = _FREED
        if not any(own) and r not in link_rows:
            continue
        if len(own) < width:
            own = own + [""] * (width - len(own))
        # The (column, text) list is built only for the few rows that need it: counting is C-speed.
        count = len(own) - own.count("")
        sheet_row = r + 1
        if count <= 3:
            nonblank = [(c, x) for c, x in enumerate(own) if x]
            first_text = nonblank[0][1] if nonblank else ""
            # Not data: notes, signature lines, the header repeated at a printed page break.
            if count <= 2 and is_note(first_text):
                out.skipped.append((sheet_row, "note"))
                continue
            if _SIGNATURE.match(first_text):
                out.skipped.append((sheet_row, "signature"))
                continue
        if probe >= 0 and own[probe] and own[probe] == header.get(probe):
            if sum(1 for c, x in enumerate(own) if x and header.get(c) == x) >= 3:
                out.skipped.append((sheet_row, "header"))
                continue
        # The header repeated at a page break, its lower rows too (一级事项 二级事项 全社会 …): only header labels.
        if count >= 2 and header_cells and all(x in header_cells for x in own if x):
            out.skipped.append((sheet_row, "header"))
            continue
        first = next(x for x in own if x) if count else ""
        if first[:1] in "合总小共汇" and _TOTAL.match(first):
            out.skipped.append((sheet_row, "total"))  # 合计：56 项 — a count, not an item
            continue
        # 扶贫 | 未涉及: a domain the unit declares it does not handle, not an item (the district records such
        # declarations in zwgk.toml).  Judged on the row's own cells: a merged 未涉及 copies into every column.
        if count <= 6 and any(x in _NOT_INVOLVED for x in own):
            rest = [x for c, x in enumerate(own) if x and c not in declaration_cols]
            if rest and all(x in _NOT_INVOLVED for x in rest):
                not_involved.append((sheet_row, next((own[c] for c in name_cols if own[c]), "")))
                out.skipped.append((sheet_row, "not-involved"))
                continue
        if 0 < count <= n_seq and all(c in seq_cols for c, x in enumerate(own) if x) \
                and all(x.isdigit() for x in own if x):
            numbered_only.append(sheet_row)  # a template row numbered in advance and never filled in
            out.skipped.append((sheet_row, "numbered"))
            continue
        out.data_rows += 1
        values = list(own)
        filled: dict[int, str] = {}
        covered = fill.get(r)
        if covered:
            for c, _r0, _c0, text in covered:
                if text and not values[c]:
                    values[c] = text
                    filled[c] = "merge"
        # A section heading: one cell of text (usually merged across the row) and nothing else.
        if count == 1 and _is_heading(r, nonblank[0], covered, width, item_cols):
            text = nonblank[0][1]
            section_domain = ctx.domain_of(_heading_domain(text)) or section_domain
            out.findings.append(finding("row-heading", SourceLocation(path=ctx.path, sheet=ctx.sheet, row=sheet_row,
                                                                      cell=cell_ref(sheet_row, nonblank[0][0] + 1)),
                                        row=sheet_row, text=_clip(text)))
            continue
        dittos = [(c, x) for c, x in enumerate(own) if x and x[0] in ditto_starts and is_ditto(x)]
        if filled:  # a merged 同上 repeats the row above too
            dittos += [(c, values[c]) for c in list(filled) if values[c][0] in ditto_starts and is_ditto(values[c])]
        for c, x in dittos:
            above = prev_values[c]
            if above and not is_ditto(above):
                values[c] = above
                filled[c] = "ditto"
            else:
                out.findings.append(finding("ditto-nothing-above",
                                            SourceLocation(path=ctx.path, sheet=ctx.sheet, row=sheet_row,
                                                           cell=cell_ref(sheet_row, c + 1)),
                                            value=x))
        for c in item_cols:
            if own[c] and c not in filled:
                break
        else:
            text = " | ".join(x for x in own if x)
            has_merged_name = any(values[c] for c in item_cols)
            reason = ("只有合并或“同上”填充的内容，没有本行自己的事项名称或公开内容" if has_merged_name
                      else "没有事项名称和公开内容")
            out.findings.append(finding("row-not-item", SourceLocation(path=ctx.path, sheet=ctx.sheet, row=sheet_row),
                                        row=sheet_row, text=_clip(text), reason=reason))
            continue
        rec = _record(sheet_row, r, values, filled, plan, columns, link_rows.get(r, {}), vocab, ctx,
                      prev_item, section_domain, out)
        out.records.append(rec)
        prev_item = rec
        prev_values = values
    if not_involved:
        named = "、".join(dict.fromkeys(what for _, what in not_involved if what)) or "—"
        out.findings.append(finding("rows-not-involved", SourceLocation(path=ctx.path, sheet=ctx.sheet,
                                                                        row=not_involved[0][0]),
                                    count=len(not_involved), rows=row_ranges([r for r, _ in not_involved]),
                                    what=_clip(named)))
    if numbered_only:
        out.findings.append(finding("rows-numbered-only", SourceLocation(path=ctx.path, sheet=ctx.sheet,
                                                                         row=numbered_only[0]),
                                    count=len(numbered_only), rows=row_ranges(numbered_only)))
    return out


def _is_heading(r: int, cell: tuple[int, str], covered: list[tuple[int, int, int, str]] | None, width: int,
                item_cols: list[int]) -> bool:
    """One text merged across most of the row, or one non-numeric text left of every item column."""
    c, text = cell
    if text.isdigit():
        return False
    across = sum(1 for _c, r0, c0, _v in covered or () if r0 == r and c0 == c)
    if across + 1 >= max(3, width // 2):
        return True
    return bool(item_cols) and c < min(item_cols)


def _heading_domain(text: str) -> str:
    # "一、义务教育领域" → "义务教育领域" (the reference tolerates the trailing 领域).
    return re.sub(r"^[（(]?[一二三四五六七八九十\d]+[)）、.．]\s*", "", text)


def _record(
    sheet_row: int,
    r: int,
    values: list[str],
    filled: dict[int, str],
    plan: _Plan,
    columns: dict[str, int],
    row_links: dict[int, str],
    vocab: Vocabulary,
    ctx: RowContext,
    prev_item: ItemRecord | None,
    section_domain: str | None,
    out: BuildResult,
) -> ItemRecord:
    data: dict[str, str] = {}
    unknown: dict[str, tuple[str, ...]] = {}
    how = {plan.field_of[i]: v for i, v in filled.items() if i in plan.field_of} if filled else {}
    links: list[str] = []
    channels: tuple[str, ...] = ()
    extra: dict[str, str] = {}
    audience_note: str | None = None
    same = plan.same
    for i, fld in plan.text:
        text = values[i]
        if text:
            # One string object per distinct text (依据, 时限, 主体 repeat down a sheet): the copies go with the
            # rows.  公开内容 and 序号 differ row by row: keeping them would only grow the table.
            data[fld] = text if fld in _UNIQUE_FIELDS else same.setdefault(text, text)
    if plan.time_unit and data.get("time_limit", "x").isdigit():
        # "20" under 公开时限（工作日）: the header says what the number counts, and the district catalogue,
        # which has no such header, must say it too.
        data["time_limit"] = data["time_limit"] + plan.time_unit
    for i in plan.name:
        text = values[i]
        if text:
            parts = [p for p in _NAME_SPLIT.split(text) if p]
            for key, part in zip(("level1", "level2", "level3"), parts[:3], strict=False):
                data[key] = part
            if len(parts) > 3:
                data["level3"] = "/".join(parts[2:])
    for i in plan.channels:
        text = values[i]
        if text:
            channels, unk = vocab.parse_channels(text)
            if unk:
                unknown["channels"] = unk
    for i in plan.domain:
        text = values[i]
        if text:
            canon = ctx.domain_of(text)
            data["domain"] = canon or text
            if canon is None:
                out.domain_texts.append((text, SourceLocation(path=ctx.path, sheet=ctx.sheet, row=sheet_row,
                                                              cell=cell_ref(sheet_row, i + 1), field="domain")))
    ticks: dict[str, list[str]] = {}
    marks = plan.marks
    for i, fld, value, value_no in plan.ticks:
        text = values[i]
        if text:
            mark = marks.get(text, 0)
            if mark == 0:
                mark = marks[text] = vocab.parse_mark(text)
            if mark is None:
                if value == "特定群众" and _CJK_WORD.search(text):
                    # 特定群众（请写明）: the unit wrote the group instead of a tick — that is a tick, and the note.
                    got = ticks.setdefault(fld, [])
                    if value not in got:
                        got.append(value)
                    audience_note = audience_note or text
                else:
                    unknown[f"tick:{fld}:{cell_ref(sheet_row, i + 1)}"] = (text,)
            else:
                # A yes/no question (是否主动公开) answered 否 chooses the other value (依申请).
                chosen = value if mark else value_no
                if chosen:
                    got = ticks.setdefault(fld, [])
                    if chosen not in got:
                        got.append(chosen)
    words: dict[str, list[str]] = {}
    for i, fld in plan.words:
        text = values[i]
        if text:
            vals, unk, note = vocab.parse_words(fld, text)
            got = words.setdefault(fld, [])
            got.extend(v for v in vals if v not in got)
            if unk:
                unknown[fld] = unknown.get(fld, ()) + unk
            if note and fld == "audience":
                audience_note = note
    for i in plan.links:
        text = values[i]
        found = _links(text, row_links.get(i))
        links.extend(u for u in found if u not in links)
        if text and not found and text not in _NO_LINK:
            unknown["links"] = unknown.get("links", ()) + (text,)
    for i, label in plan.unnamed:
        text = values[i]
        link = row_links.get(i)
        # An unnamed column of URLs or 查看 links is the link column.
        if link or (text and _URL.match(text)):
            links.extend(u for u in _links(text, link) if u not in links)
            columns.setdefault("links", i + 1)
        elif text:
            extra[label] = text
    for i, label in plan.extra:
        text = values[i]
        if text:
            extra[label] = text
    if row_links:
        linked = set(plan.links) | {i for i, _ in plan.unnamed}
        for i, url in row_links.items():
            if i not in linked:  # a hyperlink on any other cell (the 事项 name, say) is the item's link too
                links.extend(u for u in _links("", url) if u not in links)
    # Continuation rows (CSV, pasted tables, .ods): a blank 一级事项 or 类别 under a filled one belongs to
    # the block above.
    if prev_item is not None:
        prev = prev_item.item
        for fld in ("level1", "category"):
            if fld in columns and fld not in data:
                above = getattr(prev, fld)
                if above:
                    data[fld] = above
                    how[fld] = "forward"
    domain = data.get("domain") or section_domain or ctx.sheet_domain
    category = data.get("category")
    if domain is None and category:
        domain = ctx.domain_of(category)  # Shanghai's 类别 (综合政务 …) is a 全领域 domain
    fields = _ITEM_DEFAULTS.copy()
    fields.update(data)
    fields["domain"] = domain
    fields["channels"] = channels
    fields["audience"] = tuple(ticks.get("audience") or words.get("audience") or ())
    fields["audience_note"] = audience_note
    fields["mode"] = tuple(ticks.get("mode") or words.get("mode") or ())
    fields["levels"] = tuple(ticks.get("levels") or words.get("levels") or ())
    fields["links"] = tuple(links) if links else ()
    fields["unit"] = data.get("unit") or ctx.unit
    fields["extra"] = extra
    fields["source"] = _trusted(SourceLocation, {"path": ctx.path, "sheet": ctx.sheet, "row": sheet_row,
                                                 "column": None, "cell": None, "field": None})
    item = _trusted(DisclosureItem, fields)
    return ItemRecord(item=item, columns=columns, unknown=unknown or _EMPTY, filled=how or _EMPTY)


_M = TypeVar("_M", bound=BaseModel)
# Every field of an item, in model order, with its empty value: a row's text fields are laid over it.
_ITEM_DEFAULTS: dict[str, Any] = {
    name: (() if name in ("channels", "audience", "mode", "levels", "links") else None)
    for name in DisclosureItem.model_fields
}


def _trusted(model: type[_M], values: dict[str, Any]) -> _M:
    """A model instance from values that are valid by construction, without pydantic validation.

    This is pydantic's own ``model_construct`` minus its per-field Python loop: the reader builds every
    value from the vocabulary's canonical words (tuples of Literal values, cleaned strings or None), and
    validating 100,000 items again would cost more than reading them.  ``values`` must name every field;
    the tests validate what the reader builds (``model_validate(item.model_dump()) == item``).
    """
    obj = model.__new__(model)
    _set(obj, "__dict__", values)
    # Every field is set, so every instance can share one fields-set (a set each would be the largest part
    # of an item's memory).  Instances are frozen; pydantic copies the set before any copy updates it.
    _set(obj, "__pydantic_fields_set__", _FIELDS_SET.get(model) or _FIELDS_SET.setdefault(model, set(values)))
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


_set = object.__setattr__
_FIELDS_SET: dict[type[BaseModel], set[str]] = {}
# One shared empty mapping for the (usual) record with nothing unknown and nothing filled.
_EMPTY: Mapping[str, Any] = MappingProxyType({})


# Full-width ASCII (ｈｔｔｐｓ：／／ｗｗｗ．…): a URL typed with the input method in full-width mode.
_FULL_WIDTH = re.compile(r"[\uff01-\uff5e]")
_TO_HALF_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}


def _links(text: str, hyperlink: str | None) -> list[str]:
    found: list[str] = []
    if hyperlink:
        found.append(hyperlink.strip())
    if text and not text.isascii() and _FULL_WIDTH.search(text):
        text = text.translate(_TO_HALF_WIDTH)
    if text and ("://" in text or "www." in text.lower()):
        for m in _URL.finditer(text):
            url = m.group(0).rstrip(".。")
            if url not in found:
                found.append(url)
        if not found and text.strip() not in _LINK_WORDS:
            found.append(text.strip())
    return found


def _clip(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def row_ranges(rows: list[int]) -> str:
    """[3, 4, 5, 9] → "3–5、9"."""
    parts: list[str] = []
    start = prev = rows[0]
    for n in rows[1:] + [0]:
        if n != prev + 1:
            parts.append(f"{start}–{prev}" if prev > start else str(start))
            start = n
        prev = n
    return "、".join(parts)
