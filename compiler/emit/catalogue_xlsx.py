"""``catalogue.xlsx``: the district catalogue in the national layout, one sheet per domain.

Every sheet leads with 相应领域 and 填报单位, ends with the national-guideline code and the item's stable
编号 (the id in catalogue.json), has a frozen two-row header, set widths and A4-landscape print settings —
all from the shared sheet layout of :mod:`zwgk.compiler.emit.workbook`, so the file reads back through
``zwgk check`` like any unit's submission.  It is written by the streaming writer
(:class:`~zwgk.compiler.emit.workbook.StreamingWorkbook`): a 30,000-item district takes seconds and the
memory used does not grow with the rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from zwgk.compiler.emit.atomic import atomic_path
from zwgk.compiler.emit.workbook import StreamingWorkbook
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


def write_catalogue_xlsx(
    target: Path,
    sheets: Iterable[tuple[str, Sequence[Mapping[str, object]]]],
    *,
    district: str,
    as_of: str,
    vocabulary: Vocabulary,
) -> None:
    """Write one sheet per (domain, rows); ``rows`` are mappings keyed by DisclosureItem field names."""
    taken: set[str] = set()
    any_sheet = False
    with atomic_path(target) as tmp, StreamingWorkbook(tmp, dt.date.fromisoformat(as_of)) as book:
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
