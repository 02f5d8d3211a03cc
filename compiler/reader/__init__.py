"""The reader: one submitted file → sheets of item records plus the reader's own findings.

    read_file(path, reference=…, vocabulary=…) -> ReadResult

Never raises for a bad file: an unreadable or refused file comes back with ``readable=False`` and one
finding that says why in one sentence.  Every non-blank row under a header becomes an item or appears in
a finding, or is listed in ``ReadResult.skipped`` as a note, signature line, repeated header or a row
holding only its 序号.
"""

from __future__ import annotations

import contextlib
import gc
import re
import time
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from zwgk.compiler.reader.items import RowContext, build_records, row_ranges
from zwgk.compiler.reader.layout import Layout, analyse, find_header
from zwgk.compiler.reader.limits import DEFAULT_LIMITS, Limits, ReadRefused
from zwgk.compiler.reader.sources import Grid, LoadedFile, load
from zwgk.validators.models import Finding, SheetSummary, SourceLocation
from zwgk.validators.normalise import fold, name_key
from zwgk.validators.reference import Reference
from zwgk.validators.registry import finding
from zwgk.validators.sheet import ItemRecord, SheetData, cell_ref, column_letter
from zwgk.validators.vocabulary import Vocabulary

__all__ = ["ANNOTATION_SHEET", "DEFAULT_LIMITS", "Limits", "ReadResult", "gc_paused", "load_grids", "read_file",
           "unit_of_file_name"]

_DEFAULT_SHEET = re.compile(r"^(sheet|工作表|表|附件|附表)\s*\d*$", re.I)
_UNIT_LINE = re.compile(
    r"(?:填报|报送|编制|责任)(?:单位|部门)\s*(?:[(（][^)）]{0,6}[)）])?\s*[:：]\s*([^\s:：]+?)(?=\s|填报|时间|日期|$)")
_TITLE_UNIT = re.compile(r"^(.{2,40}?)(?:政务公开|政府信息公开|信息公开|.{0,12}领域)")
_FILE_NOISE = re.compile(r"(政务公开|事项|标准化?|目录|清单|模板|最终|终稿|修改|修订|定稿|版|v\d+|\d{4,8}|[（(].*?[）)]|[-_ ])", re.I)
_SUBJECT_SAMPLE = 500
# The sheet `zwgk check --annotate` puts first in its copy: a unit that checks or submits the copy must not
# have it read as a catalogue.
ANNOTATION_SHEET = "zwgk检查结果"
# A workbook that collects several units' catalogues says so in its name, a sheet name or its title.
_COLLECTION = re.compile(r"汇总|汇编|合并|全区|各单位")


@dataclass
class ReadResult:
    path: str
    kind: str | None = None
    unit: str | None = None
    sheets: list[SheetData] = field(default_factory=list)
    summaries: list[SheetSummary] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    readable: bool = True
    # (sheet, 1-based row, reason) of non-blank rows that are not data (note, signature, header, numbered).
    skipped: list[tuple[str, int, str]] = field(default_factory=list)


@dataclass
class _Sheet:
    grid: Grid
    role: str  # catalogue | instructions | empty | unrecognised
    layout: Layout | None = None
    nonblank: int = 0


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a sheet's cells and items are built.

    Reading creates millions of small containers and no reference cycles; with the collector on, its
    full passes over the ever-growing heap cost 40 % of the build (measured).  On the way out the objects
    made meanwhile are frozen (moved to the collector's permanent generation) before it resumes: otherwise
    its first passes walk all of them at once, two seconds at 100,000 rows (measured), to find nothing.
    Frozen objects are still freed by reference counting; only a cycle among them would outlive its use,
    and the reader makes none."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.enable()


def read_file(
    path: str | Path,
    *,
    reference: Reference,
    vocabulary: Vocabulary,
    unit: str | None = None,
    domain: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    display_path: str | None = None,
) -> ReadResult:
    with gc_paused():
        return _read_file(Path(path), reference, vocabulary, unit, domain, limits, display_path or str(path))


def _read_file(p: Path, reference: Reference, vocabulary: Vocabulary, unit: str | None, domain: str | None,
               limits: Limits, shown: str) -> ReadResult:
    result = ReadResult(path=shown)
    started = time.monotonic()
    try:
        loaded = load_grids(p, limits, name=shown)
    except ReadRefused as refused:
        result.readable = False
        # Whose file it is still matters (the office must ask that unit to resend): --unit, else the name.
        result.unit = _known_unit(unit, reference) or unit_of_file_name(Path(shown), reference)
        result.findings.append(finding(refused.code, SourceLocation(path=shown), **refused.params))
        return result
    except MemoryError:
        result.readable = False
        result.findings.append(finding("file-unreadable", SourceLocation(path=shown), reason="文件过大，内存不足"))
        return result
    result.kind = loaded.kind
    _file_findings(loaded, shown, result.findings)
    sheets = [_classify(g, vocabulary, limits) for g in loaded.grids]
    file_unit, unit_findings, mixed = _resolve_unit(unit, sheets, Path(shown), reference, shown, limits)
    result.unit = file_unit
    # A collected workbook whose only unit evidence is a 公开主体 column naming several units: each row goes
    # to the unit its 公开主体 names, never silently to the most frequent one.
    moved: Counter[str] | None = Counter() if mixed else None
    for sheet in sheets:
        if time.monotonic() - started > limits.max_seconds:
            result.findings.append(finding("file-limit-exceeded", SourceLocation(path=shown, sheet=sheet.grid.name),
                                           limit="读取时间", actual=f"{time.monotonic() - started:.0f} 秒",
                                           maximum=f"{limits.max_seconds:.0f} 秒"))
            break
        _read_sheet(sheet, shown, loaded.kind, file_unit, domain, reference, vocabulary, limits, result, moved)
        sheet.grid.rows = []  # the items keep the texts they need; the row lists go before the next sheet
    result.findings.extend(unit_findings)
    if moved:
        units = [file_unit or "—", *sorted(moved)]
        result.findings.append(finding("units-mixed", SourceLocation(path=shown), count=len(units),
                                       units="、".join(units), others=sum(moved.values()), unit=file_unit or "—"))
    if not any(s.role == "catalogue" for s in result.summaries) and result.readable:
        if all(s.role in ("empty", "instructions") for s in result.summaries):
            result.findings.append(finding("file-unreadable", SourceLocation(path=shown),
                                           reason="工作簿中没有任何目录内容（所有工作表都是空的或说明页）"))
    return result


def load_grids(path: Path, limits: Limits = DEFAULT_LIMITS, name: str | None = None) -> LoadedFile:
    """The file's sheets as grids of cell text, with everything the reader adds to calamine's cells (.ods
    spans and links).  Raises ReadRefused; for those who need the cells, not the items (the annotator)."""
    loaded = load(path, limits, name=name)
    if loaded.kind == "ods":
        _ods_extras(path, loaded.grids, limits)
    return loaded


def _classify(grid: Grid, vocab: Vocabulary, limits: Limits) -> _Sheet:
    nonblank = sum(1 for row in grid.rows if any(row))
    if vocab.is_instruction_sheet(grid.name) or grid.name == ANNOTATION_SHEET:
        return _Sheet(grid, "instructions", nonblank=nonblank)
    if nonblank == 0:
        return _Sheet(grid, "empty")
    header = find_header(grid, vocab, limits.header_scan_rows)
    if header is None and grid.hidden:
        # Drop-down sources and lookup data live on hidden sheets: nobody filled them in, nobody can see them.
        return _Sheet(grid, "hidden", nonblank=nonblank)
    if header is None:
        first = next((x for row in grid.rows for x in row if x), "")
        # A sheet of prose that starts 填表说明 / 说明： is instructions, whatever the sheet is called.
        if vocab.is_instruction_sheet(first[:8]) or vocab.is_note(first):
            return _Sheet(grid, "instructions", nonblank=nonblank)
        if nonblank <= 3 and ("目录" in first or "清单" in first):
            return _Sheet(grid, "title-only", nonblank=nonblank)  # a catalogue started and never filled in
        return _Sheet(grid, "unrecognised", nonblank=nonblank)
    return _Sheet(grid, "catalogue", analyse(grid, vocab, header), nonblank)


def _file_findings(loaded: LoadedFile, path: str, out: list[Finding]) -> None:
    loc = SourceLocation(path=path)
    if loaded.has_macros:
        out.append(finding("file-has-macros", loc))
    for target in loaded.external_links:
        out.append(finding("external-link", loc, target=target))
    if loaded.bad_bytes:
        out.append(finding("csv-encoding", loc, count=loaded.bad_bytes, encoding=loaded.encoding))
    if loaded.nul_bytes:
        out.append(finding("nul-bytes", loc, count=loaded.nul_bytes))


def _read_sheet(
    sheet: _Sheet,
    path: str,
    kind: str,
    unit: str | None,
    domain_override: str | None,
    reference: Reference,
    vocabulary: Vocabulary,
    limits: Limits,
    result: ReadResult,
    moved: Counter[str] | None = None,
) -> None:
    grid = sheet.grid
    loc = SourceLocation(path=path, sheet=grid.name)
    if sheet.role == "instructions":
        result.summaries.append(SheetSummary(name=grid.name, role="instructions"))
        result.findings.append(finding("sheet-instructions-skipped", loc, sheet=grid.name))
        return
    if sheet.role == "title-only":
        result.summaries.append(SheetSummary(name=grid.name, role="empty"))
        first = next((x for row in grid.rows for x in row if x), "")
        result.findings.append(finding("sheet-title-only", loc.model_copy(update={"row": 1}), sheet=grid.name,
                                       rows=sheet.nonblank, text=first[:60]))
        return
    if sheet.role == "hidden":
        result.summaries.append(SheetSummary(name=grid.name, role="instructions"))
        result.findings.append(finding("sheet-hidden-skipped", loc, sheet=grid.name))
        return
    if sheet.role == "empty":
        result.summaries.append(SheetSummary(name=grid.name, role="empty"))
        result.findings.append(finding("sheet-empty", loc, sheet=grid.name))
        return
    layout = sheet.layout
    if layout is None:
        result.summaries.append(SheetSummary(name=grid.name, role="unrecognised", data_rows=sheet.nonblank))
        result.findings.append(finding("header-not-found", loc, sheet=grid.name, rows=sheet.nonblank,
                                       scanned=limits.header_scan_rows))
        return
    for ref_row, col, length in grid.long_cells:
        result.findings.append(finding("cell-too-long", loc.model_copy(update={"row": ref_row + 1, "cell": cell_ref(ref_row + 1, col + 1)}),
                                       length=length, maximum=limits.max_cell_chars))
    if grid.truncated_rows:
        result.findings.append(finding("rows-truncated", loc, sheet=grid.name, rows=limits.max_rows + grid.truncated_rows,
                                       maximum=limits.max_rows))
    for ref, formula in grid.formulas_without_value[:1000]:
        result.findings.append(finding("formula-no-value", loc.model_copy(update={"cell": ref}), formula=formula))
    for ref, value in grid.error_cells[:1000]:
        row = int("".join(ch for ch in ref if ch.isdigit()) or 0) or None
        result.findings.append(finding("cell-error-value", loc.model_copy(update={"row": row, "cell": ref}),
                                       value=value))
    if grid.hidden:
        result.findings.append(finding("sheet-hidden", loc, sheet=grid.name))
    header_row = layout.header_rows[0] + 1
    fields = layout.fields
    missing: list[str] = []
    for fld in vocabulary.required_fields:
        present = bool(fields & {"name", "level1", "level2", "level3"}) if fld == "name" else fld in fields
        if not present:
            missing.append(vocabulary.label(fld))
            result.findings.append(finding("column-missing", loc.model_copy(update={"row": header_row,
                                           "field": None if fld == "name" else fld}), label=vocabulary.label(fld)))
    for first, dup in layout.duplicates:
        result.findings.append(finding("column-duplicate", loc.model_copy(update={"row": header_row,
                                       "cell": cell_ref(header_row, dup.index + 1)}),
                                       label=dup.label, first=cell_ref(header_row, first.index + 1)))
    duplicate_cols = {d.index for _, d in layout.duplicates}
    for col in layout.columns:
        if col.kind == "extra" and col.label and col.index not in duplicate_cols:
            result.findings.append(finding("column-unknown", loc.model_copy(update={"row": header_row,
                                           "cell": cell_ref(header_row, col.index + 1)}), label=col.label))
    columns = {column_letter(c.index + 1): (c.field if c.kind != "tick" else f"{c.field}:{c.value}")
               for c in layout.columns if c.kind != "unnamed"}
    if not fields & {"name", "level1", "level2", "level3"}:
        # Without a 公开事项 column no row can be an item (北京门头沟's 职责/业务事项 model, 湖北's reduced
        # tables without names): say so once for the sheet, naming the rows, instead of once per row.
        data = [r + 1 for r in range(layout.first_data_row, len(grid.rows)) if any(grid.rows[r])]
        labels = "、".join(c.label for c in layout.columns if c.label)
        if data:
            result.findings.append(finding("rows-not-read", loc.model_copy(update={"row": data[0]}), sheet=grid.name,
                                           count=len(data), first=data[0], last=data[-1], header=labels[:120],
                                           missing="、".join(missing)))
        result.summaries.append(SheetSummary(name=grid.name, role="unrecognised", layout="custom",
                                             header_rows=tuple(r + 1 for r in layout.header_rows), columns=columns,
                                             data_rows=len(data)))
        return
    sheet_domain, domain_findings = _resolve_domain(domain_override, grid.name, layout.title_lines, reference, loc)
    result.findings.extend(domain_findings)

    def domain_of(text: str) -> str | None:
        d = reference.domain(text)
        return d.name if d else None

    ctx = RowContext(path=path, sheet=grid.name, unit=unit, domain_of=domain_of, sheet_domain=sheet_domain)
    built = build_records(grid, layout, vocabulary, ctx)
    result.findings.extend(built.findings)
    result.skipped.extend((grid.name, row, why) for row, why in built.skipped)
    reported: set[str] = set()
    for text, where in built.domain_texts:
        if text not in reported:
            reported.add(text)
            close = reference.closest_domain(text)
            result.findings.append(finding("domain-unknown", where, value=text,
                                           closest=close[0] if close and close[1] >= 60 else ""))
    records = built.records
    if moved is not None:
        _units_from_subjects(records, unit, reference, moved)
    if grid.hidden_rows:
        # Hidden rows are how units often "delete" an item: they are read (nothing is lost) and said.
        item_rows = {rec.row for rec in records}
        hidden = sorted(r for r in set(grid.hidden_rows) if r in item_rows)
        if hidden:
            result.findings.append(finding("rows-hidden", loc.model_copy(update={"row": hidden[0]}), sheet=grid.name,
                                           count=len(hidden), rows=row_ranges(hidden)))
    if sheet_domain is None and not domain_findings and any(rec.item.domain is None for rec in records):
        result.findings.append(finding("domain-missing", loc, sheet=grid.name))
    summary = SheetSummary(
        name=grid.name,
        role="catalogue",
        layout=layout.kind,
        header_rows=tuple(r + 1 for r in layout.header_rows),
        domain=sheet_domain,
        columns=columns,
        items=len(records),
        data_rows=built.data_rows,
    )
    result.summaries.append(summary)
    result.sheets.append(SheetData(path=path, summary=summary, records=tuple(records), fields=fields, unit=unit))


def _units_from_subjects(records: list[ItemRecord], unit: str | None, reference: Reference,
                         moved: Counter[str]) -> None:
    """Give each record the unit its 公开主体 names, when that is a known unit other than ``unit``."""
    known: dict[str, str | None] = {}
    for k, rec in enumerate(records):
        subject = rec.item.subject
        if not subject:
            continue
        if subject not in known:
            u = reference.unit(subject)
            known[subject] = u.name if u else None
        other = known[subject]
        if other and other != unit and other != rec.item.unit:
            records[k] = replace(rec, item=rec.item.model_copy(update={"unit": other}))
            moved[other] += 1


def unit_of_file_name(path: Path, reference: Reference) -> str | None:
    """The unit a file's name names ("宝山区水务局政务公开标准目录.xlsx" → 区水务局), or None."""
    stem = path.stem
    u = reference.unit(stem) or reference.unit(_FILE_NOISE.sub("", stem))
    return u.name if u else _unit_in_text(stem, reference)


def _known_unit(name: str | None, reference: Reference) -> str | None:
    u = reference.unit(name) if name else None
    return u.name if u else name


def _resolve_domain(
    override: str | None, sheet_name: str, titles: list[str], reference: Reference, loc: SourceLocation
) -> tuple[str | None, list[Finding]]:
    """Domain of a sheet: --domain, else the sheet name, else a title line (…领域…), else None."""
    if override:
        d = reference.domain(override)
        if d:
            return d.name, []
        close = reference.closest_domain(override)
        return override, [finding("domain-unknown", loc, value=override, closest=close[0] if close and close[1] >= 60 else "")]
    d = reference.domain(sheet_name)
    if d:
        return d.name, []
    for line in titles:
        hit = _domain_in_text(line, reference)
        if hit:
            return hit, []
    hit = _domain_in_text(sheet_name, reference)
    if hit:
        return hit, []
    # A title that claims a domain zwgk does not know: say so, naming the closest known one.
    for line in titles:
        m = re.search(r"([^\s:：，,。]{2,20}?)领域", fold(line))
        if m:
            claimed = _strip_owner(m.group(1))
            close = reference.closest_domain(claimed)
            return None, [finding("domain-unknown", loc, value=claimed, closest=close[0] if close and close[1] >= 60 else "")]
    return None, []


def _strip_owner(text: str) -> str:
    """"某区发展和改革局某某建设" → "某某建设": drop a leading unit name from a claimed domain."""
    for i in range(2, len(text) - 2):
        if text[i] in "局委办镇":
            return text[i + 1 :]
    return text


def _domain_in_text(text: str, reference: Reference) -> str | None:
    m = re.search(r"(.{2,30}?)领域", fold(text))
    if m:
        prefix = m.group(1)
        for i in range(len(prefix) - 1):
            d = reference.domain(prefix[i:])
            if d:
                return d.name
    key = name_key(text)
    best: tuple[int, str] | None = None
    for d in reference.domains:
        for n in (d.name, *d.aliases):
            k = name_key(n)
            if len(k) >= 3 and k in key and (best is None or len(k) > best[0]):
                best = (len(k), d.name)
    return best[1] if best else None


def _unit_in_text(text: str, reference: Reference) -> str | None:
    key = name_key(text)
    best: tuple[int, str] | None = None
    for u in reference.units:
        for n in (u.name, *u.aliases, *u.former_names):
            k = name_key(n)
            if len(k) >= 3 and k in key and (best is None or len(k) > best[0]):
                best = (len(k), u.name)
    return best[1] if best else None


def _resolve_unit(
    override: str | None,
    sheets: list[_Sheet],
    path: Path,
    reference: Reference,
    shown: str,
    limits: Limits,
) -> tuple[str | None, list[Finding], bool]:
    """The submitting unit: --unit, else 填报单位：…, else the title, else the usual 公开主体, else the file name.

    The third value says the unit was only the most frequent of several units the 公开主体 column names (a
    collected workbook): its rows then go to the unit each names."""
    loc = SourceLocation(path=shown)
    if override:
        u = reference.unit(override)
        if u:
            return u.name, [], False
        close = reference.closest_unit(override)
        return override, [finding("unit-unknown", loc, value=override,
                                  closest=close[0] if close and close[1] >= 60 else "")], False
    lines: list[str] = []
    titles: list[str] = []
    for sheet in sheets[:50]:
        if sheet.role in ("instructions", "empty"):
            continue
        stop = sheet.layout.header_rows[0] if sheet.layout else min(limits.header_scan_rows, len(sheet.grid.rows))
        for r in range(stop):
            line = " ".join(x for x in sheet.grid.rows[r] if x)
            if line:
                lines.append(line)
                if r < 3:
                    titles.append(line)
    candidates: list[str] = []
    for line in lines:
        m = _UNIT_LINE.search(fold(line))
        if m:
            candidates.append(m.group(1))
    for line in titles:
        m = _TITLE_UNIT.search(fold(line))
        if m and len(m.group(1)) >= 3:
            candidates.append(m.group(1))
    for cand in candidates:
        u = reference.unit(cand)
        if u is None:
            hit = _unit_in_text(cand, reference)
            u = reference.unit(hit) if hit else None
        if u:
            return u.name, [], False
    # 公开主体: the most common value, when it names a known unit.
    subjects: Counter[str] = Counter()
    for sheet in sheets[:50]:
        if sheet.layout is None:
            continue
        idx = [c.index for c in sheet.layout.columns if c.kind == "text" and c.field == "subject"]
        if idx:
            rows = sheet.grid.rows[sheet.layout.first_data_row : sheet.layout.first_data_row + _SUBJECT_SAMPLE]
            subjects.update(row[idx[0]] for row in rows if idx[0] < len(row) and row[idx[0]])
    by_unit: Counter[str] = Counter()
    for subj, n in subjects.most_common(20):
        u = reference.unit(subj)
        if u:
            by_unit[u.name] += n
    named = unit_of_file_name(path, reference)
    if by_unit:
        (top, n_top), *rest = by_unit.most_common()
        if not any(n >= 2 and n * 5 >= n_top for _, n in rest):
            return top, [], False
        # Several units, each on a real share of the rows.  A collected workbook (汇总 in its name, a sheet
        # name or its title) gives each row to the unit it names; a unit's own catalogue may name other
        # bodies as 公开主体, and its file name then says whose it is.
        collected = any(_COLLECTION.search(text) for text in (path.stem, *(s.grid.name for s in sheets), *lines))
        if named and not collected:
            return named, [], False
        return top, [], True
    if named:
        return named, [], False
    if candidates:
        close = reference.closest_unit(candidates[0])
        return candidates[0], [finding("unit-unknown", loc, value=candidates[0],
                                       closest=close[0] if close and close[1] >= 60 else "")], False
    return None, [finding("unit-missing", loc)], False


# --- .ods: merges and hyperlinks (python-calamine gives neither for OpenDocument) --------------------------

_T = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_TEXT_A = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}a"
_HREF = "{http://www.w3.org/1999/xlink}href"


def _ods_extras(path: Path, grids: list[Grid], limits: Limits) -> None:
    """Add spans (table:number-rows/columns-spanned) and text:a links from content.xml to the grids.

    The package was size- and DTD-checked by the loader; defusedxml parses it again here, streaming.
    """
    from defusedxml.ElementTree import iterparse

    by_name = {g.name: g for g in grids}
    try:
        with zipfile.ZipFile(path) as zf, zf.open("content.xml") as fh:
            grid: Grid | None = None
            row = col = 0
            cell: tuple[int, int] | None = None
            for event, el in iterparse(fh, events=("start", "end")):
                tag = el.tag
                if event == "start":
                    if tag == _T + "table":
                        grid = by_name.get(el.get(_T + "name") or "")
                        row = 0
                    elif tag == _T + "table-row":
                        col = 0
                    elif tag in (_T + "table-cell", _T + "covered-table-cell"):
                        cell = (row, col)
                        rs = int(el.get(_T + "number-rows-spanned") or 1)
                        cs = int(el.get(_T + "number-columns-spanned") or 1)
                        if grid is not None and (rs > 1 or cs > 1) and len(grid.merged) < 100_000:
                            grid.merged.append((row, col, min(row + rs, limits.max_rows) - 1, col + cs - 1))
                    elif tag == _TEXT_A and grid is not None and cell is not None and el.get(_HREF):
                        grid.hyperlinks.setdefault(cell, el.get(_HREF) or "")
                else:
                    if tag in (_T + "table-cell", _T + "covered-table-cell"):
                        col += int(el.get(_T + "number-columns-repeated") or 1)
                        cell = None
                    elif tag == _T + "table-row":
                        row += int(el.get(_T + "number-rows-repeated") or 1)
                        el.clear()
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, SyntaxError):
        return  # the cell values were read already; without spans a merged cell reads as blank below its value
