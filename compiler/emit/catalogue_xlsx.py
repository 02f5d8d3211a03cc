"""``catalogue.xlsx``: the district catalogue in the national layout, one sheet per domain.

Every sheet leads with 相应领域 and 填报单位, ends with the national-guideline code and the item's stable
编号 (the id in catalogue.json), has a frozen two-row header, set widths and A4-landscape print settings —
all from the shared sheet layout of :mod:`zwgk.compiler.emit.workbook`, so the file reads back through
``zwgk check`` like any unit's submission.  It is written by the streaming writer
(:class:`~zwgk.compiler.emit.workbook.StreamingWorkbook`): a 30,000-item district takes seconds and the
memory used does not grow with the rows.

The data rows go through :class:`_CatalogueWorkbook`, which gives the shared writer's bytes faster: a cell's
XML is worked out once per distinct value of its column (a district repeats its domains, units, 公开依据 and
ticks thousands of times), and a row may arrive already rendered (:class:`PreparedRow`: the compiler keeps
each item's row between compiles, so a recompile renders only the changed files' rows).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xlsxwriter.url import Url
from zwgk.catalogs.template_text import SheetText
from zwgk.compiler.emit.atomic import atomic_path
from zwgk.compiler.emit.workbook import (
    _MAX_LINKS,
    _MAX_URL,
    SheetLayoutInfo,
    StreamingWorkbook,
    _cell,
    _cell_value,
    _style_key,
    _values,
)
from zwgk.validators.rules.links import link_problem
from zwgk.validators.vocabulary import Vocabulary

ID_COLUMN = "事项编号"
NO_DOMAIN = "未识别领域"
_BAD_TITLE = str.maketrans({c: "_" for c in "[]:*?/\\"})


def sheet_title(name: str, taken: set[str]) -> str:
    """A legal, unique worksheet name (≤ 31 characters, none of []:*?/\\)."""
    base = (name.translate(_BAD_TITLE).strip("'") or NO_DOMAIN)[:31]
    title, n = base, 2
    while title.lower() in taken:
        suffix = f"({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title.lower())
    return title


@dataclass(frozen=True, slots=True)
class RowPart:
    """One data row rendered: its XML with ``\\x00`` for the row number and ``\\x01`` for the style of the
    hyperlinked cell, and that hyperlink (column, target, text); ``plan`` names the columns and styles it was
    rendered for."""

    plan: str
    xml: str
    link: tuple[int, str, str] | None


class PreparedRow(dict[str, object]):
    """A row mapping (as the shared writer takes it) that may carry its rendered row."""

    __slots__ = ("part", "on_render")

    def __init__(self, data: Mapping[str, object], part: RowPart | None = None,
                 on_render: Callable[[RowPart], None] | None = None) -> None:
        super().__init__(data)
        self.part = part
        self.on_render = on_render


# A URL of this shape is one link_problem accepts (lower-case http(s) host of dot-separated labels, at most
# 253 characters; printable ASCII, no space, after it): no need to parse it again.
_PLAIN_URL = re.compile(r"https?://([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+)"
                        r"(?:[/?#][!-~]*)?")


def _usable(url: str) -> bool:
    m = _PLAIN_URL.fullmatch(url)
    if m is not None and len(m.group(1)) <= 253:
        return True
    return link_problem(url) is None


class _CatalogueWorkbook(StreamingWorkbook):
    """The streaming writer with a faster data-row writer (same bytes; see the module docstring)."""

    def _data_rows(self, ws: Any, info: SheetLayoutInfo, rows: Sequence[Mapping[str, object]],
                   vocabulary: Vocabulary, text: SheetText, number_rows: bool) -> None:
        if number_rows:  # 序号 from the row's position: nothing to share between rows
            super()._data_rows(ws, info, rows, vocabulary, text, number_rows)
            return
        yes = vocabulary.marks.yes[0]
        style = self._style
        plan = [(col, col.index - 1, col.letter, style[_style_key(col, None)]) for col in info.columns]
        plan_key = hashlib.sha256(repr([(c.index, c.field, c.kind, c.label, c.value, s) for c, _, _, s in plan]).encode()
                                  + repr(sorted(style.items())).encode()).hexdigest()[:16]
        link_style = style["link"]
        memo: list[dict[Any, str]] = [{} for _ in plan]
        hyperlinks = ws.hyperlinks
        links = ws.hlink_count
        out = ws.row_data_fh
        chunk: list[str] = []
        layout = info.layout
        first = info.first_data_row
        for n, data in enumerate(rows, start=1):
            part = data.part if isinstance(data, PreparedRow) else None
            if part is None or part.plan != plan_key:
                part = self._render(plan, plan_key, memo, data, layout, vocabulary, text, yes)
                if isinstance(data, PreparedRow) and data.on_render is not None:
                    data.on_render(part)
            ref = str(first + n - 1)
            xml = part.xml.replace("\x00", ref)
            if part.link is not None:
                c, link, shown = part.link
                if links < _MAX_LINKS and len(link.encode("utf-16-le")) // 2 <= _MAX_URL:
                    links += 1
                    url = Url(link)
                    # As the shared writer stores it: the target exactly as given.
                    url._link = url._relationship_link = link
                    url._anchor = ""
                    url.text = shown
                    hyperlinks[first + n - 2][c] = url
                    xml = xml.replace("\x01", link_style)
                else:
                    xml = xml.replace("\x01", plan[c][3])
            chunk.append(xml)
            if len(chunk) > 1024:
                out.write("".join(chunk))
                chunk.clear()
        out.write("".join(chunk))
        ws.hlink_count = links

    @staticmethod
    def _render(plan: list[tuple[Any, int, str, str]], plan_key: str, memo: list[dict[Any, str]],
                data: Mapping[str, object], layout: Any, vocabulary: Vocabulary, text: SheetText, yes: str) -> RowPart:
        cells = ['<row r="\x00">']
        link_part: tuple[int, str, str] | None = None
        for (col, c, letter, s), seen in zip(plan, memo, strict=True):
            kind = col.kind
            if kind == "links":
                chosen = _values(data.get("links"))
                if not chosen:
                    cells.append(f'<c r="{letter}\x00" s="{s}"/>')
                    continue
                # _links_cell of the shared writer, with the quick test for a well-formed address.
                target = chosen[0] if _usable(chosen[0]) else None
                if layout == "shanghai" and len(chosen) == 1 and target:
                    value, link = _cell_value(col, data, None, layout, vocabulary, text, yes)
                else:
                    from zwgk.compiler.emit.safe import neutralise

                    value, link = neutralise("\n".join(chosen)), target
                if link:
                    link_part = (c, link, "" if value is None else str(value))
                    cells.append(_one(letter, "\x01", value))
                else:
                    cells.append(_one(letter, s, value))
                continue
            if kind == "extra" or kind == "words":
                key: Any = None
                cacheable = False
            else:
                key = data.get(col.field)
                cacheable = key is None or isinstance(key, (str, tuple, int))
            if cacheable:
                found = seen.get(key)
                if found is None:
                    value, _ = _cell_value(col, data, None, layout, vocabulary, text, yes)
                    found = seen[key] = _one(letter, s, value)
                cells.append(found)
            else:
                value, _ = _cell_value(col, data, None, layout, vocabulary, text, yes)
                cells.append(_one(letter, s, value))
        cells.append("</row>")
        return RowPart(plan_key, "".join(cells), link_part)


def _one(letter: str, s: str, value: str | int | None) -> str:
    """One cell with ``\\x00`` for its row number, as the shared writer writes it."""
    if value is None:
        return f'<c r="{letter}\x00" s="{s}"/>'
    if isinstance(value, int):
        return f'<c r="{letter}\x00" s="{s}"><v>{value}</v></c>'
    return _cell(letter + "\x00", s, value)


def write_catalogue_xlsx(
    target: Path,
    sheets: Iterable[tuple[str, Sequence[Mapping[str, object]]]],
    *,
    district: str,
    as_of: str,
    vocabulary: Vocabulary,
) -> None:
    """Write one sheet per (domain, rows); ``rows`` are mappings keyed by DisclosureItem field names
    (a :class:`PreparedRow` may bring its row already rendered)."""
    taken: set[str] = set()
    any_sheet = False
    with atomic_path(target) as tmp, _CatalogueWorkbook(tmp, dt.date.fromisoformat(as_of)) as book:
        for domain, rows in sheets:
            book.add_catalogue_sheet(
                sheet_title(domain, taken),
                rows,
                layout="national",
                vocabulary=vocabulary,
                title=(f"{district}政务公开标准目录（{NO_DOMAIN}的事项）" if domain == NO_DOMAIN
                       else f"{district}{domain}领域政务公开标准目录"),
                date_line=f"截至：{as_of}",
                leading_columns=("domain", "unit"),
                code_column=True,
                extra_columns=(ID_COLUMN,),
                number_rows=False,
            )
            any_sheet = True
        if not any_sheet:
            book.add_note_sheet("目录", "没有读到任何事项。")
