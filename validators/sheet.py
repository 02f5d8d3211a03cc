"""What rules look at: a sheet's items with where each field sits in the workbook.

The reader (``zwgk.compiler.reader``) builds these; rules only read them.  A record keeps, beside the
normalised item, the column of every field and the words the reader could not map, which is what lets a
rule say "K10 says x, which is not a tick".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from zwgk.validators.models import DisclosureItem, SheetSummary, SourceLocation

if TYPE_CHECKING:
    from zwgk.validators.reference import Reference
    from zwgk.validators.vocabulary import Vocabulary


@dataclass(frozen=True, slots=True)
class ItemRecord:
    item: DisclosureItem
    # field → 1-based column where the user would fix that field.  One mapping is shared by every record
    # of a sheet (the header decides it), so a record costs no per-cell strings.
    columns: Mapping[str, int] = field(default_factory=dict)
    # field → words or marks the reader could not map onto the vocabulary; "tick:<group>:<cell>" → the mark.
    unknown: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # field → how an empty cell got its value: "merge", "ditto" (同上) or "forward" (blank under a parent).
    filled: Mapping[str, str] = field(default_factory=dict)

    @property
    def row(self) -> int:
        return self.item.source.row or 0

    def cell(self, fld: str) -> str | None:
        """The A1 reference of a field of this item ("C10"), or None when the sheet has no such column."""
        col = self.columns.get(fld)
        return cell_ref(self.row, col) if col else None

    @property
    def cells(self) -> dict[str, str]:
        return {f: cell_ref(self.row, c) for f, c in self.columns.items()}

    def at(self, fld: str) -> SourceLocation:
        """The location of one field of this item, for a finding."""
        col = self.columns.get(fld)
        return self.item.source.model_copy(
            update={"field": fld, "cell": cell_ref(self.row, col) if col else None, "column": col})


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
            column=column_number(cell) if cell else None,
            field=fld,
        )


@dataclass(frozen=True)
class RuleContext:
    reference: Reference
    vocabulary: Vocabulary
    # Extra hosts counted as government hosts besides the vocabulary's (configurable per district).
    extra_government_hosts: tuple[str, ...] = ()

    def is_government_host(self, host: str) -> bool:
        return _government_host(host.lower().rstrip("."), (*self.vocabulary.government_hosts, *self.extra_government_hosts),
                                tuple(self.vocabulary.government_host_suffixes))


@lru_cache(maxsize=4096)
def _government_host(host: str, hosts: tuple[str, ...], suffixes: tuple[str, ...]) -> bool:
    """Memoised: every link of every sheet asks, and a district's links share a few hosts."""
    if any(host == h or host.endswith("." + h) for h in hosts):
        return True
    return any(host.endswith(s) or host == s.lstrip(".") for s in suffixes)


def column_number(cell: str) -> int | None:
    """"C10" → 3."""
    n = 0
    for ch in cell:
        if "A" <= ch <= "Z":
            n = n * 26 + (ord(ch) - 64)
        else:
            break
    return n or None


_LETTERS: dict[int, str] = {}


def column_letter(col: int) -> str:
    """1 → A, 27 → AA."""
    hit = _LETTERS.get(col)
    if hit is None:
        letters, n = "", col
        while n > 0:
            n, rem = divmod(n - 1, 26)
            letters = chr(65 + rem) + letters
        hit = _LETTERS[col] = letters
    return hit


def cell_ref(row: int, col: int) -> str:
    return f"{column_letter(col)}{row}"
