"""Find a sheet's header by its content and map every column onto a field.

Real submissions put title rows, 填报单位/填报时间 lines and sometimes a row of column numbers above or
below a one- or two-row header whose parent cells (公开事项, 公开对象, 公开方式, 公开层级) are merged over
their children.  Nothing here depends on where the header sits or on column order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from zwgk.compiler.reader.sources import Grid
from zwgk.validators.normalise import clean_cell, fold
from zwgk.validators.vocabulary import Vocabulary

NAME_FIELDS = ("name", "level1", "level2", "level3")
LEVEL_FIELDS = ("level1", "level2", "level3")
WORD_GROUPS = ("audience", "mode", "levels")
# A header must name at least this many fields, one of them a 事项 name or the content.
MIN_HEADER_FIELDS = 3
# Header rows read at most: a super-group (公开对象及方式), a group (公开对象), the leaf (全社会) and one more.
MAX_HEADER_ROWS = 4


@dataclass(frozen=True)
class Column:
    index: int  # 0-based
    kind: str  # "text" | "words" | "tick" | "extra" | "unnamed"
    field: str  # the DisclosureItem field (or the label of an extra column)
    label: str
    value: str | None = None  # canonical value of a tick column
    # The value a "no" mark stands for in a yes/no column of a two-valued group: 是否主动公开 with 否 is
    # 依申请.  None for ordinary tick columns, where a blank or 否 is simply not ticked.
    value_no: str | None = None


@dataclass
class Layout:
    header_rows: tuple[int, ...]  # 0-based
    first_data_row: int
    columns: list[Column]
    title_lines: list[str] = field(default_factory=list)
    duplicates: list[tuple[Column, Column]] = field(default_factory=list)
    width: int = 0
    # Every label text of the header rows (cleaned): a data row made only of these is the header repeated
    # at a printed page break — its lower rows included, whose 内容 cell is blank under a vertical merge.
    header_cells: frozenset[str] = frozenset()

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


def _merges_at(grid: Grid, r: int) -> list[tuple[int, int, int, int]]:
    """The merges (r0, c0, r1, c1) that cover row r."""
    return [m for m in grid.merged if m[0] <= r <= m[2] and (m[3] > m[1] or m[2] > m[0])]


def _spread(grid: Grid, r: int, width: int, parent: list[str] | None, below: list[bool],
            guess: Callable[[str], bool] | None = None) -> tuple[list[str], list[bool]]:
    """Row r of a header as labels per column, and which columns share their label with a neighbour.

    A merged cell gives its value to every column and row it covers.  Without merges (CSV, a pasted
    table) a label followed by blank cells that have something ``below`` heads those columns too (for the
    labels ``guess`` accepts, by default all) — within its own parent's span on lower header rows, so a
    sub-label never reaches into the next group."""
    row = _row(grid, r, width)
    labels = list(row)
    grouped = [False] * width
    covered: set[int] = set()
    for r0, c0, _r1, c1 in _merges_at(grid, r):
        origin = _row(grid, r0, width)[c0] if c0 < width else ""
        for c in range(c0, min(c1, width - 1) + 1):
            labels[c] = origin
            covered.add(c)
            grouped[c] = c1 > c0
    c = 0
    while c < width:
        if row[c] and c not in covered and (guess is None or guess(row[c])):
            end = c
            while (end + 1 < width and not row[end + 1] and end + 1 not in covered and below[end + 1]
                   and (parent is None or parent[end + 1] == parent[c])):
                end += 1
            for k in range(c + 1, end + 1):
                labels[k] = row[c]
            if end > c:
                for k in range(c, end + 1):
                    grouped[k] = True
            c = end + 1
        else:
            c += 1
    return labels, grouped


def _is_sub_label(text: str, vocab: Vocabulary) -> bool:
    """A cell of a lower header row: 全社会, 主动, 县级, 一级事项 … — or the name of a tick group itself
    (公开对象, 公开方式 on the middle row under a merged 公开对象及方式), matched exactly so that data
    text starting with those words does not make a header."""
    if not text or len(text) > 16:
        return False
    if vocab.tick_group_of(text) is not None or vocab.header_field(text) in LEVEL_FIELDS:
        return True
    return vocab.header_field_exact(text) in WORD_GROUPS


def _filled(cells: list[str]) -> list[bool]:
    return [bool(x) for x in cells]


def _header_depth(grid: Grid, vocab: Vocabulary, header_row: int, width: int) -> int:
    """How many rows the header has, from the found row down.

    A lower row belongs to it when two or more of its cells are sub-labels (全社会, 主动, 县级, 一级事项 …)
    under labels spanning two or more columns — or, where nothing is merged (CSV, a pasted table), when it
    holds two or more sub-labels and nothing but header labels.  Data rows under single-column headers
    (Shanghai: 全社会 under 公开对象) hold other text too, so they never make a header row."""
    depth = 1
    parent: list[str] | None = None
    while depth < MAX_HEADER_ROWS and header_row + depth < len(grid.rows):
        r = header_row + depth
        own = [clean_cell(x) for x in _row(grid, r, width)]
        labels, grouped = _spread(grid, r - 1, width, parent, _filled(own))
        from_above = {c for r0, c0, _r1, c1 in _merges_at(grid, r) if r0 < r for c in range(c0, c1 + 1)}
        subs = [c for c in range(width) if c not in from_above and _is_sub_label(own[c], vocab)]
        under_groups = sum(1 for c in subs if grouped[c])
        only_labels = all(not x or c in from_above or _is_sub_label(x, vocab) or vocab.header_field(x)
                          for c, x in enumerate(own))
        if under_groups < 2 and not (len(subs) >= 2 and only_labels):
            break
        parent = labels
        depth += 1
    return depth


def analyse(grid: Grid, vocab: Vocabulary, header_row: int) -> Layout:
    width = width_of(grid)
    depth = _header_depth(grid, vocab, header_row, width)
    levels: list[tuple[list[str], list[bool]]] = []
    if depth == 1:
        # No sub-label row, so a label followed by blank header cells heads only its own column: the blank
        # ones are unnamed (a trailing 链接 column of 查看 cells), not more of 公开层级 — except after
        # 公开事项, whose blank neighbours hold the 二级/三级事项 (a CSV of a merged 公开事项).
        data = _row(grid, header_row + 1, width) if header_row + 1 < len(grid.rows) else [""] * width
        levels.append(_spread(grid, header_row, width, None, _filled(data),
                              guess=lambda text: vocab.header_field(text) == "name"))
    else:
        # Each header row's labels spread over the blank cells that have a label somewhere below them.
        below = [False] * width
        under: list[list[bool]] = []
        for r in range(header_row + depth - 1, header_row - 1, -1):
            under.append(list(below))
            own = _row(grid, r, width)
            below = [b or bool(x) for b, x in zip(below, own, strict=True)]
        under.reverse()
        parent: list[str] | None = None
        for k in range(depth):
            levels.append(_spread(grid, header_row + k, width, parent, under[k]))
            parent = levels[-1][0]
    columns: list[Column] = []
    for c in range(width):
        path: list[str] = []
        for labels, _ in levels:
            text = clean_cell(labels[c])
            if text and (not path or path[-1] != text):
                path.append(text)
        # The column is named by its lowest label under its nearest parent.
        top, sub = (path[-2], path[-1]) if len(path) >= 2 else (path[0] if path else "", "")
        columns.append(_column(c, top, sub, vocab))
    _name_levels(columns)
    header_rows = tuple(range(header_row, header_row + len(levels)))
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
    texts = frozenset(clean_cell(x) for r in header_rows for x in _row(grid, r, width) if x)
    return Layout(header_rows=header_rows, first_data_row=first, columns=kept, title_lines=titles,
                  duplicates=duplicates, width=width, header_cells=texts)


def _name_levels(columns: list[Column]) -> None:
    """公开事项 merged over two or three columns with no 一级/二级事项 row under it: the columns are the
    一级, 二级 (and 三级) 事项 in order, as in the national layout, rather than one name and its copies."""
    c = 0
    while c < len(columns):
        col = columns[c]
        end = c
        if col.kind == "text" and col.field == "name":
            while (end + 1 < len(columns) and columns[end + 1].kind == "text" and columns[end + 1].field == "name"
                   and columns[end + 1].label == col.label):
                end += 1
        if 1 <= end - c < len(LEVEL_FIELDS):
            for k in range(c, end + 1):
                columns[k] = Column(k, "text", LEVEL_FIELDS[k - c], col.label)
        c = end + 1


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


def _tick(c: int, label: str, group: str, value: str, vocab: Vocabulary) -> Column:
    """A tick column; a yes/no question (是否主动公开) over a two-valued group also names what 否 means."""
    value_no = None
    if fold(label).startswith("是否"):
        others = [v.value for v in vocab.ticks.get(group, ()) if v.value != value]
        if len(others) == 1:
            value_no = others[0]
    return Column(c, "tick", group, label, value, value_no)


def _column(c: int, top: str, sub: str, vocab: Vocabulary) -> Column:
    if sub:
        tick = vocab.tick_group_of(sub)
        parent_field = vocab.header_field(top) if top else None
        if tick and (parent_field in (None, *WORD_GROUPS) and (parent_field is None or parent_field == tick[0])):
            return _tick(c, sub, tick[0], tick[1], vocab)
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
            return _tick(c, top, tick[0], tick[1], vocab)
        return Column(c, "extra", top, top)
    return _from_field(c, fld, top)


def _from_field(c: int, fld: str, label: str) -> Column:
    if fld in WORD_GROUPS:
        return Column(c, "words", fld, label)
    return Column(c, "text", fld, label)
