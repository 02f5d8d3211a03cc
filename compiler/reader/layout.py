"""Find a sheet's header by its content and map every column onto a field.

Real submissions put title rows, 填报单位/填报时间 lines and sometimes a row of column numbers above or
below a one- or two-row header whose parent cells (公开事项, 公开对象, 公开方式, 公开层级) are merged over
their children.  Nothing here depends on where the header sits or on column order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zwgk.compiler.reader.sources import Grid
from zwgk.validators.normalise import clean_cell
from zwgk.validators.vocabulary import Vocabulary

NAME_FIELDS = ("name", "level1", "level2", "level3")
LEVEL_FIELDS = ("level1", "level2", "level3")
WORD_GROUPS = ("audience", "mode", "levels")
# A header must name at least this many fields, one of them a 事项 name or the content.
MIN_HEADER_FIELDS = 3


@dataclass(frozen=True)
class Column:
    index: int  # 0-based
    kind: str  # "text" | "words" | "tick" | "extra" | "unnamed"
    field: str  # the DisclosureItem field (or the label of an extra column)
    label: str
    value: str | None = None  # canonical value of a tick column


@dataclass
class Layout:
    header_rows: tuple[int, ...]  # 0-based
    first_data_row: int
    columns: list[Column]
    title_lines: list[str] = field(default_factory=list)
    duplicates: list[tuple[Column, Column]] = field(default_factory=list)
    width: int = 0

    @property
    def fields(self) -> frozenset[str]:
        out = {c.field for c in self.columns if c.kind in ("text", "words", "tick")}
        if "name" in out:
            out.add("level1")
        return frozenset(out)

    @property
    def header_labels(self) -> dict[int, str]:
        return {c.index: c.label for c in self.columns if c.label}

    @property
    def kind(self) -> str:
        kinds = {c.kind for c in self.columns}
        fields = {c.field for c in self.columns}
        if "tick" in kinds:
            base = "national"
        elif "words" in kinds or "category" in fields:
            base = "shanghai"
        else:
            base = "custom"
        return base + "-link" if "links" in fields and base != "custom" else base


def _row(grid: Grid, r: int, width: int) -> list[str]:
    row = grid.rows[r] if r < len(grid.rows) else []
    return row + [""] * (width - len(row)) if len(row) < width else row


def width_of(grid: Grid) -> int:
    w = max((len(r) for r in grid.rows), default=0)
    for _, _, _, c1 in grid.merged:
        w = max(w, c1 + 1)
    return w


def header_fields(cells: list[str], vocab: Vocabulary) -> set[str]:
    fields = {vocab.header_field(c) for c in cells if c and len(c) <= 40}
    fields.discard(None)
    fields.discard("unit")  # a 填报单位 line is not a header
    return fields  # type: ignore[return-value]


def find_header(grid: Grid, vocab: Vocabulary, scan_rows: int) -> int | None:
    """The 0-based row of the header: the first row naming the most catalogue fields (at least three,
    one of them a 事项 name or the content) among the first ``scan_rows`` rows."""
    best: tuple[int, int] | None = None
    for r in range(min(scan_rows, len(grid.rows))):
        named = header_fields(grid.rows[r], vocab)
        if len(named) >= MIN_HEADER_FIELDS and named & {"name", "level1", "level2", "content"}:
            if best is None or len(named) > best[1]:
                best = (r, len(named))
    return best[0] if best else None


def _horizontal_spans(grid: Grid, r: int) -> dict[int, tuple[int, int]]:
    """Column → (first, last) column of a horizontal merge that covers row r."""
    out: dict[int, tuple[int, int]] = {}
    for r0, c0, r1, c1 in grid.merged:
        if r0 <= r <= r1 and c1 > c0:
            for c in range(c0, c1 + 1):
                out[c] = (c0, c1)
    return out


def _vertical_from(grid: Grid, r: int) -> set[int]:
    """Columns whose header cell on row r is merged down into row r+1 (rowspan ≥ 2)."""
    return {c for r0, c0, r1, c1 in grid.merged if r0 == r and r1 > r for c in range(c0, c1 + 1)}


def _is_sub_label(text: str, vocab: Vocabulary) -> bool:
    return bool(text) and (vocab.tick_group_of(text) is not None or vocab.header_field(text) in LEVEL_FIELDS)


def analyse(grid: Grid, vocab: Vocabulary, header_row: int) -> Layout:
    width = width_of(grid)
    top = _row(grid, header_row, width)
    spans = _horizontal_spans(grid, header_row)
    nxt = _row(grid, header_row + 1, width) if header_row + 1 < len(grid.rows) else [""] * width
    vertical = _vertical_from(grid, header_row)
    # Each top cell's parent label and whether it belongs to a group spanning two or more columns: by a
    # merge, or (CSV, pasted tables) by a label followed by blank top cells whose sub cells are labelled.
    parent = list(top)
    grouped = [False] * width
    for c, (c0, _c1) in spans.items():
        parent[c] = top[c0]
        grouped[c] = True
    c = 0
    while c < width:
        if top[c] and c not in spans and c not in vertical:
            end = c
            while end + 1 < width and not top[end + 1] and end + 1 not in spans and nxt[end + 1]:
                end += 1
            if end > c:
                for k in range(c, end + 1):
                    parent[k] = top[c]
                    grouped[k] = True
            c = end + 1
        else:
            c += 1
    # A second header row: sub-labels (全社会, 主动, 县级, 一级事项 …) under spanning parents.  Words in a
    # data row under single-column headers (Shanghai: 全社会 under 公开对象) do not make a header.
    sub_hits = sum(1 for c in range(width) if grouped[c] and _is_sub_label(clean_cell(nxt[c]), vocab))
    two_rows = sub_hits >= 2
    columns: list[Column] = []
    for c in range(width):
        label_top = clean_cell(parent[c])
        label_sub = clean_cell(nxt[c]) if two_rows and c not in vertical else ""
        columns.append(_column(c, label_top, label_sub, vocab))
    header_rows: tuple[int, ...] = (header_row, header_row + 1) if two_rows else (header_row,)
    first = header_rows[-1] + 1
    # A row of column numbers (1 2 3 …) under the header is part of the header.
    if first < len(grid.rows):
        cells = [x for x in grid.rows[first] if x]
        if len(cells) >= max(3, width // 2) and all(x.isdigit() for x in cells):
            header_rows = (*header_rows, first)
            first += 1
    kept, duplicates = _dedupe(columns)
    titles = []
    for r in range(header_row):
        line = " ".join(x for x in grid.rows[r] if x)
        if line:
            titles.append(line)
    return Layout(header_rows=header_rows, first_data_row=first, columns=kept, title_lines=titles,
                  duplicates=duplicates, width=width)


def _dedupe(columns: list[Column]) -> tuple[list[Column], list[tuple[Column, Column]]]:
    """The first column of a field is read; a later one becomes an extra column (and a finding).

    Exception: 公开方式 beside 公开属性 (四川 平武: 公开方式 = 全文发布, 公开属性 = 主动公开) — the 公开属性
    column carries 主动/依申请, so it is the one read.
    """
    seen: dict[str, Column] = {}
    for col in columns:
        if col.kind in ("text", "words") and col.field not in seen:
            seen[col.field] = col
    mode_cols = [c for c in columns if c.kind == "words" and c.field == "mode"]
    if len(mode_cols) > 1:
        for c in mode_cols:
            if "属性" in c.label:
                seen["mode"] = c
    kept: list[Column] = []
    duplicates: list[tuple[Column, Column]] = []
    for col in columns:
        if col.kind in ("text", "words") and seen[col.field] is not col:
            duplicates.append((seen[col.field], col))
            kept.append(Column(col.index, "extra", col.label, col.label))
        else:
            kept.append(col)
    return kept, duplicates


def _column(c: int, top: str, sub: str, vocab: Vocabulary) -> Column:
    if sub:
        tick = vocab.tick_group_of(sub)
        parent_field = vocab.header_field(top) if top else None
        if tick and (parent_field in (None, *WORD_GROUPS) and (parent_field is None or parent_field == tick[0])):
            return Column(c, "tick", tick[0], sub, tick[1])
        sub_field = vocab.header_field(sub)
        if sub_field:
            return _from_field(c, sub_field, sub)
        if parent_field in WORD_GROUPS:
            # A tick column whose label zwgk does not know (e.g. "区(?)"): kept verbatim as extra data.
            return Column(c, "extra", f"{top}/{sub}", f"{top}/{sub}")
        if parent_field:
            return _from_field(c, parent_field, top)
        return Column(c, "extra", sub, sub)
    if not top:
        return Column(c, "unnamed", f"列{c + 1}", "")
    fld = vocab.header_field(top)
    if fld is None:
        tick = vocab.tick_group_of(top)
        if tick:
            return Column(c, "tick", tick[0], top, tick[1])
        return Column(c, "extra", top, top)
    return _from_field(c, fld, top)


def _from_field(c: int, fld: str, label: str) -> Column:
    if fld in WORD_GROUPS:
        return Column(c, "words", fld, label)
    return Column(c, "text", fld, label)
