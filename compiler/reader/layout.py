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
WORD_GROUPS = ("audience", "mode", "levels")


@dataclass(frozen=True)
class Column:
    index: int
    kind: str  # "text" | "words" | "tick" | "extra" | "unnamed"
    field: str  # the DisclosureItem field (or extra label)
    label: str
    value: str | None = None  # canonical value of a tick column


@dataclass
class Layout:
    header_rows: tuple[int, ...]
    first_data_row: int
    columns: list[Column]
    title_lines: list[str] = field(default_factory=list)
    duplicates: list[tuple[Column, Column]] = field(default_factory=list)

    @property
    def fields(self) -> frozenset[str]:
        out = set()
        for c in self.columns:
            if c.kind in ("text", "words"):
                out.add(c.field)
            elif c.kind == "tick":
                out.add(c.field)
        if "name" in out:
            out.update(("level1",))
        return frozenset(out)

    @property
    def kind(self) -> str:
        kinds = {c.kind for c in self.columns}
        fields = {c.field for c in self.columns}
        if "tick" in kinds:
            return "national"
        if "words" in kinds or "category" in fields:
            return "shanghai-link" if "links" in fields else "shanghai"
        return "custom"


def _row(grid: Grid, r: int, width: int) -> list[str]:
    row = grid.rows[r] if r < len(grid.rows) else []
    return row + [""] * (width - len(row)) if len(row) < width else row


def width_of(grid: Grid) -> int:
    w = max((len(r) for r in grid.rows), default=0)
    for _, _, _, c1 in grid.merged:
        w = max(w, c1 + 1)
    return w


def header_score(cells: list[str], vocab: Vocabulary) -> int:
    fields = {vocab.header_field(c) for c in cells if c}
    fields.discard(None)
    fields.discard("unit")  # a 填报单位 line is not a header
    return len(fields)


def find_header(grid: Grid, vocab: Vocabulary, scan_rows: int) -> int | None:
    width = width_of(grid)
    best: tuple[int, int] | None = None
    for r in range(min(scan_rows, len(grid.rows))):
        cells = _row(grid, r, width)
        score = header_score(cells, vocab)
        named = {vocab.header_field(c) for c in cells if c}
        if score >= 3 and named & {"name", "level1", "level2", "content"}:
            if best is None or score > best[1]:
                best = (r, score)
    return best[0] if best else None


def _spans_on_row(grid: Grid, r: int) -> dict[int, tuple[int, int]]:
    """Column → (first, last) column of a horizontal merge that covers row r."""
    out: dict[int, tuple[int, int]] = {}
    for r0, c0, r1, c1 in grid.merged:
        if r0 <= r <= r1 and c1 > c0:
            for c in range(c0, c1 + 1):
                out[c] = (c0, c1)
    return out


def _vertical_merge_from(grid: Grid, r: int) -> set[int]:
    """Columns whose header cell on row r is merged down into row r+1 (rowspan 2)."""
    return {c for r0, c0, r1, c1 in grid.merged if r0 == r and r1 > r for c in range(c0, c1 + 1)}


def analyse(grid: Grid, vocab: Vocabulary, header_row: int) -> Layout:
    width = width_of(grid)
    top = _row(grid, header_row, width)
    spans = _spans_on_row(grid, header_row)
    parent = list(top)
    for c, (c0, _) in spans.items():
        parent[c] = top[c0]
    nxt = _row(grid, header_row + 1, width) if header_row + 1 < len(grid.rows) else [""] * width
    sub_hits = sum(
        1 for c in nxt if c and (vocab.tick_group_of(c) or vocab.header_field(c) in ("level1", "level2", "level3"))
    )
    two_rows = sub_hits >= 2
    if two_rows:
        # A parent label followed by blank cells spans them even without a merge (CSV, pasted tables).
        last = ""
        for c in range(width):
            if top[c]:
                last = top[c]
            elif c not in spans and nxt[c] and last:
                parent[c] = last
    vertical = _vertical_merge_from(grid, header_row)
    columns: list[Column] = []
    for c in range(width):
        label_top = clean_cell(parent[c])
        label_sub = clean_cell(nxt[c]) if two_rows and c not in vertical else ""
        columns.append(_column(c, label_top, label_sub, vocab))
    header_rows = (header_row, header_row + 1) if two_rows else (header_row,)
    first = header_rows[-1] + 1
    # A row of column numbers (1 2 3 …) under the header is part of the header.
    if first < len(grid.rows):
        cells = [x for x in _row(grid, first, width) if x]
        if len(cells) >= max(3, width // 2) and all(x.isdigit() for x in cells):
            header_rows = (*header_rows, first)
            first += 1
    seen: dict[str, Column] = {}
    kept: list[Column] = []
    duplicates: list[tuple[Column, Column]] = []
    for col in columns:
        if col.kind in ("text", "words"):
            key = col.field
            if key in seen:
                duplicates.append((seen[key], col))
                kept.append(Column(col.index, "extra", col.label, col.label))
                continue
            seen[key] = col
        kept.append(col)
    titles = []
    for r in range(header_row):
        line = " ".join(x for x in _row(grid, r, width) if x)
        if line:
            titles.append(line)
    return Layout(header_rows=header_rows, first_data_row=first, columns=kept, title_lines=titles, duplicates=duplicates)


def _column(c: int, top: str, sub: str, vocab: Vocabulary) -> Column:
    if sub:
        tick = vocab.tick_group_of(sub)
        parent_field = vocab.header_field(top) if top else None
        if tick and (parent_field in (None, *WORD_GROUPS) or parent_field == tick[0]):
            return Column(c, "tick", tick[0], sub, tick[1])
        sub_field = vocab.header_field(sub)
        if sub_field:
            return _from_field(c, sub_field, sub)
        if parent_field in WORD_GROUPS:
            # A tick column whose label zwgk does not know (e.g. "区(?)"): keep it, read as ticks of no value.
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
