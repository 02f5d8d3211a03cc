"""What rules look at: a sheet's items with the raw cells they came from.

The reader (``zwgk.compiler.reader``) builds these; rules only read them.  Keeping the raw text beside the
normalised item is what lets a rule say "C10 says 公开, which is not a 公开方式".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from zwgk.validators.models import DisclosureItem, SheetSummary, SourceLocation

if TYPE_CHECKING:
    from zwgk.validators.reference import Reference
    from zwgk.validators.vocabulary import Vocabulary


@dataclass(frozen=True)
class ItemRecord:
    item: DisclosureItem
    # field → cell reference ("C10") where the user would fix that field.
    cells: dict[str, str] = field(default_factory=dict)
    # field → the raw text the field was read from (after merges and 同上 were resolved).
    raw: dict[str, str] = field(default_factory=dict)
    # field → words or marks the reader could not map onto the vocabulary.
    unknown: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # field → how an empty cell got its value: "merge", "ditto" (同上) or "forward" (blank under a parent).
    filled: dict[str, str] = field(default_factory=dict)

    def at(self, fld: str) -> SourceLocation:
        """The location of one field of this item, for a finding."""
        src = self.item.source
        cell = self.cells.get(fld)
        col = _column_number(cell) if cell else None
        return src.model_copy(update={"field": fld, "cell": cell, "column": col})


@dataclass(frozen=True)
class SheetData:
    path: str
    summary: SheetSummary
    records: tuple[ItemRecord, ...]
    # Fields the sheet's header provides (a rule about 公开层级 only runs where the layout has it).
    fields: frozenset[str]
    # The unit that submitted the file, as resolved by the reader (short name) — or None.
    unit: str | None = None

    def location(self, row: int | None = None, cell: str | None = None, fld: str | None = None) -> SourceLocation:
        return SourceLocation(
            path=self.path,
            sheet=self.summary.name,
            row=row,
            cell=cell,
            column=_column_number(cell) if cell else None,
            field=fld,
        )


@dataclass(frozen=True)
class RuleContext:
    reference: Reference
    vocabulary: Vocabulary
    # Extra hosts counted as government hosts besides the vocabulary's (configurable per district).
    extra_government_hosts: tuple[str, ...] = ()

    def is_government_host(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        hosts = (*self.vocabulary.government_hosts, *self.extra_government_hosts)
        if any(host == h or host.endswith("." + h) for h in hosts):
            return True
        return any(host.endswith(s) or host == s.lstrip(".") for s in self.vocabulary.government_host_suffixes)


def _column_number(cell: str) -> int | None:
    n = 0
    for ch in cell:
        if "A" <= ch <= "Z":
            n = n * 26 + (ord(ch) - 64)
        else:
            break
    return n or None


def column_letter(col: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_ref(row: int, col: int) -> str:
    return f"{column_letter(col)}{row}"
