"""Data rows → item records: merges and 同上 resolved, ticks and words read, links gathered.

Every non-blank row below the header ends up as an item or as a ``row-not-item`` finding — except notes
(注：…), signature lines and repeated headers, which are not data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from zwgk.compiler.reader.layout import Column, Layout, header_score, width_of
from zwgk.compiler.reader.sources import Grid
from zwgk.validators.models import DisclosureItem, Finding, SourceLocation
from zwgk.validators.normalise import clean_cell
from zwgk.validators.registry import finding
from zwgk.validators.sheet import ItemRecord, cell_ref
from zwgk.validators.vocabulary import Vocabulary

_URL = re.compile(r"(?:https?://|www\.)[^\s，,；;）)】]+", re.I)
_LINK_WORDS = {"查看", "链接", "点击查看", "详情", "点击", "访问", "网址", "详见链接", "进入"}
_NO_LINK = {"无", "暂无", "-", "/", "—", "－", "无链接", "空"}
_SIGNATURE = re.compile(r"^(填报人|填表人|联系人|联系电话|审核人|负责人|填报日期|制表|审核|签发|单位负责人)")
_NAME_SPLIT = re.compile(r"\s*[/／]\s*")
_MAX_MERGE_FILL = 2_000_000


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
    domain_texts: list[tuple[str, SourceLocation]] = field(default_factory=list)


def _merge_fill(grid: Grid, first_row: int) -> dict[tuple[int, int], tuple[int, int]]:
    """Cell → top-left cell of the body merge covering it."""
    fill: dict[tuple[int, int], tuple[int, int]] = {}
    budget = _MAX_MERGE_FILL
    for r0, c0, r1, c1 in grid.merged:
        if r1 < first_row:
            continue
        area = (r1 - r0 + 1) * (c1 - c0 + 1)
        if area > budget:
            break
        budget -= area
        for r in range(max(r0, first_row), r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    fill[(r, c)] = (r0, c0)
    return fill


def build_records(grid: Grid, layout: Layout, vocab: Vocabulary, ctx: RowContext) -> BuildResult:
    out = BuildResult()
    width = width_of(grid)
    fill = _merge_fill(grid, layout.first_data_row)
    prev: dict[str, str] = {}  # column index (as str) → resolved text of the previous item row
    prev_item: ItemRecord | None = None
    cols = layout.columns
    name_cols = [c for c in cols if c.kind == "text" and c.field in ("name", "level1", "level2", "level3")]
    for r in range(layout.first_data_row, len(grid.rows)):
        raw_row = grid.rows[r]
        if not any(raw_row) and not any((r, c) in grid.hyperlinks for c in range(width)):
            continue
        own = raw_row + [""] * (width - len(raw_row))
        nonblank = [x for x in own if x]
        if nonblank and vocab.is_note(nonblank[0]) and len(set(nonblank)) == 1:
            continue
        if len(nonblank) <= 2 and nonblank and _SIGNATURE.match(nonblank[0]):
            continue
        if header_score(own, vocab) >= 3 and not any(vocab.parse_mark(x) for x in own if x in ("√",)):
            continue  # the header repeated (printed page breaks)
        out.data_rows += 1
        values: dict[int, str] = {}
        filled: dict[int, str] = {}
        for c in range(width):
            text = own[c]
            if not text and (r, c) in fill:
                r0, c0 = fill[(r, c)]
                text = grid.rows[r0][c0] if r0 < len(grid.rows) and c0 < len(grid.rows[r0]) else ""
                if text:
                    filled[c] = "merge"
            if text and vocab.is_ditto(text):
                above = prev.get(str(c), "")
                if above:
                    text = above
                    filled[c] = "ditto"
            values[c] = text
        # A section heading: one text merged across most of the row.
        distinct = {v for v in values.values() if v}
        if len(distinct) == 1 and len([c for c in range(width) if own[c]]) == 1 and filled and len(filled) >= width // 2:
            continue
        rec = _record(r, values, filled, cols, grid, vocab, ctx, prev_item, out)
        if rec is None:
            text = " | ".join(x for x in own if x)
            has_own_name = any(own[c.index] for c in name_cols)
            reason = "没有事项名称和公开内容" if not has_own_name else "无法识别"
            out.findings.append(
                finding("row-not-item", SourceLocation(path=ctx.path, sheet=ctx.sheet, row=r + 1),
                        row=r + 1, text=text[:60] + ("…" if len(text) > 60 else ""), reason=reason)
            )
            continue
        out.records.append(rec)
        prev_item = rec
        for c in range(width):
            prev[str(c)] = values[c]
    return out


def _record(
    r: int,
    values: dict[int, str],
    filled: dict[int, str],
    cols: list[Column],
    grid: Grid,
    vocab: Vocabulary,
    ctx: RowContext,
    prev_item: ItemRecord | None,
    out: BuildResult,
) -> ItemRecord | None:
    data: dict[str, object] = {}
    cells: dict[str, str] = {}
    raw: dict[str, str] = {}
    unknown: dict[str, tuple[str, ...]] = {}
    how: dict[str, str] = {}
    ticks: dict[str, list[str]] = {"audience": [], "mode": [], "levels": []}
    words: dict[str, list[str]] = {"audience": [], "mode": [], "levels": []}
    links: list[str] = []
    extra: dict[str, str] = {}
    audience_note: str | None = None
    own_content = False
    for col in cols:
        text = values.get(col.index, "")
        ref = cell_ref(r + 1, col.index + 1)
        link = grid.hyperlinks.get((r, col.index))
        if col.kind == "tick":
            cells.setdefault(col.field, ref)
            if not text:
                continue
            raw[col.field] = (raw.get(col.field, "") + " " + f"{col.label}:{text}").strip()
            mark = vocab.parse_mark(text)
            if mark is None:
                unknown[f"tick:{col.field}:{ref}"] = (text,)
            elif mark and col.value and col.value not in ticks[col.field]:
                ticks[col.field].append(col.value)
            continue
        if col.kind == "words":
            cells.setdefault(col.field, ref)
            if text:
                raw[col.field] = text
                vals, unk, note = vocab.parse_words(col.field, text)
                words[col.field].extend(v for v in vals if v not in words[col.field])
                if unk:
                    unknown[col.field] = unknown.get(col.field, ()) + unk
                if note and col.field == "audience":
                    audience_note = note
            continue
        if col.kind == "text":
            fld = col.field
            cells.setdefault(fld if fld != "name" else "level1", ref)
            if fld == "links" or link:
                found = _links(text, link)
                if fld == "links":
                    links.extend(u for u in found if u not in links)
                    if text and not found and text not in _NO_LINK:
                        unknown["links"] = unknown.get("links", ()) + (text,)
                    raw["links"] = text
                    continue
                links.extend(u for u in found if u not in links and (link or u != text))
            if not text:
                continue
            raw[fld] = text
            if col.index in filled:
                how[fld if fld != "name" else "level1"] = filled[col.index]
            elif fld in ("name", "level1", "level2", "level3", "content"):
                own_content = True
            if fld == "name":
                parts = [p for p in _NAME_SPLIT.split(text) if p]
                for key, part in zip(("level1", "level2", "level3"), parts[:3], strict=False):
                    data[key] = part
                if len(parts) > 3:
                    data["level3"] = "/".join(parts[2:])
                if len(parts) > 1:
                    cells.setdefault("level2", ref)
            elif fld == "channels":
                chans, unk = vocab.parse_channels(text)
                data["channels"] = chans
                if unk:
                    unknown["channels"] = unk
            elif fld == "domain":
                canon = ctx.domain_of(text)
                data["domain"] = canon or text
                if canon is None:
                    out.domain_texts.append((text, SourceLocation(path=ctx.path, sheet=ctx.sheet, row=r + 1, cell=ref)))
            elif fld == "unit":
                data["unit"] = text
            else:
                data[fld] = text
            continue
        # extra / unnamed columns: keep the value; an unnamed column of URLs or 查看 links is the link column.
        if col.kind == "unnamed" and (link or _URL.match(text or "")):
            links.extend(u for u in _links(text, link) if u not in links)
            cells.setdefault("links", ref)
            continue
        if text:
            extra[col.label] = text
    if not own_content:
        return None
    # Continuation rows: a blank 一级事项 (or 类别) under a filled one belongs to the block above.
    if prev_item is not None:
        for fld in ("level1", "category", "domain"):
            if fld in cells and not data.get(fld) and getattr(prev_item.item, fld) and (data.get("level2") or data.get("content")):
                data[fld] = getattr(prev_item.item, fld)
                how[fld] = "forward"
    audience = tuple(ticks["audience"] or words["audience"])
    mode = tuple(ticks["mode"] or words["mode"])
    levels = tuple(ticks["levels"] or words["levels"])
    item = DisclosureItem(
        domain=str(data.get("domain") or ctx.sheet_domain or "") or None,
        category=_s(data.get("category")),
        seq=_s(data.get("seq")),
        level1=_s(data.get("level1")),
        level2=_s(data.get("level2")),
        level3=_s(data.get("level3")),
        content=_s(data.get("content")),
        basis=_s(data.get("basis")),
        time_limit=_s(data.get("time_limit")),
        subject=_s(data.get("subject")),
        channels=tuple(data.get("channels", ())),  # type: ignore[arg-type]
        audience=audience,  # type: ignore[arg-type]
        audience_note=audience_note,
        mode=mode,  # type: ignore[arg-type]
        levels=levels,  # type: ignore[arg-type]
        links=tuple(links),
        guideline_code=_s(data.get("guideline_code")),
        unit=_s(data.get("unit")) or ctx.unit,
        extra=extra,
        source=SourceLocation(path=ctx.path, sheet=ctx.sheet, row=r + 1),
    )
    return ItemRecord(item=item, cells=cells, raw=raw, unknown=unknown, filled=how)


def _s(value: object) -> str | None:
    if value is None:
        return None
    text = clean_cell(value)
    return text or None


def _links(text: str, hyperlink: str | None) -> list[str]:
    found: list[str] = []
    if hyperlink:
        found.append(hyperlink.strip())
    for m in _URL.finditer(text or ""):
        url = m.group(0).rstrip(".。")
        if url not in found:
            found.append(url)
    if not found and text and text.strip() not in _LINK_WORDS and "://" in text:
        found.append(text.strip())
    return found
