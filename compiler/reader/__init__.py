"""The reader: one submitted file → sheets of item records plus the reader's own findings.

    read_file(path, reference=…, vocabulary=…) -> ReadResult

Never raises for a bad file: an unreadable or refused file comes back with ``readable=False`` and one
finding that says why in one sentence.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from zwgk.compiler.reader.items import RowContext, build_records
from zwgk.compiler.reader.layout import analyse, find_header
from zwgk.compiler.reader.limits import DEFAULT_LIMITS, Limits, ReadRefused
from zwgk.compiler.reader.sources import Grid, LoadedFile, load
from zwgk.validators.models import Finding, SheetSummary, SourceLocation
from zwgk.validators.normalise import fold, name_key
from zwgk.validators.reference import Reference
from zwgk.validators.registry import finding
from zwgk.validators.sheet import SheetData, cell_ref, column_letter
from zwgk.validators.vocabulary import Vocabulary

__all__ = ["ReadResult", "read_file", "Limits", "DEFAULT_LIMITS"]

_DEFAULT_SHEET = re.compile(r"^(sheet|工作表|表)\s*\d*$", re.I)
_UNIT_LINE = re.compile(r"(?:填报|报送|编制|责任)单位\s*[:：]\s*([^\s:：]+?)(?=\s|填报|时间|日期|$)")
_TITLE_UNIT = re.compile(r"^(.{2,40}?)(?:政务公开|政府信息公开|信息公开)")
_FILE_NOISE = re.compile(r"(政务公开|事项|标准化?|目录|清单|模板|最终|终稿|修改|修订|定稿|版|v\d+|\d{4,8}|[（(].*?[）)]|[-_ ])", re.I)


@dataclass
class ReadResult:
    path: str
    kind: str | None = None
    unit: str | None = None
    sheets: list[SheetData] = field(default_factory=list)
    summaries: list[SheetSummary] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    readable: bool = True


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
    p = Path(path)
    shown = display_path or str(path)
    result = ReadResult(path=shown)
    started = time.monotonic()
    try:
        loaded = load(p, limits)
    except ReadRefused as refused:
        result.readable = False
        result.findings.append(finding(refused.code, SourceLocation(path=shown), **refused.params))
        return result
    except MemoryError:
        result.readable = False
        result.findings.append(finding("file-unreadable", SourceLocation(path=shown), reason="文件过大，内存不足"))
        return result
    result.kind = loaded.kind
    _file_findings(loaded, shown, result.findings)
    file_unit, unit_findings = _resolve_unit(unit, loaded.grids, p, reference, vocabulary, shown, limits)
    result.unit = file_unit
    for grid in loaded.grids:
        if time.monotonic() - started > limits.max_seconds:
            result.findings.append(finding("file-limit-exceeded", SourceLocation(path=shown, sheet=grid.name),
                                           limit="读取时间", actual=f"{time.monotonic() - started:.0f} 秒",
                                           maximum=f"{limits.max_seconds:.0f} 秒"))
            break
        _read_sheet(grid, shown, file_unit, domain, reference, vocabulary, limits, result)
    result.findings.extend(unit_findings)
    if not any(s.role == "catalogue" for s in result.summaries) and result.readable:
        if not any(f.code == "header-not-found" for f in result.findings):
            if all(s.role in ("empty", "instructions") for s in result.summaries):
                result.findings.append(finding("file-unreadable", SourceLocation(path=shown),
                                               reason="工作簿中没有任何目录内容（所有工作表都是空的或说明页）"))
    return result


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
    grid: Grid,
    path: str,
    unit: str | None,
    domain_override: str | None,
    reference: Reference,
    vocabulary: Vocabulary,
    limits: Limits,
    result: ReadResult,
) -> None:
    loc = SourceLocation(path=path, sheet=grid.name)
    nonblank_rows = sum(1 for row in grid.rows if any(row))
    if vocabulary.is_instruction_sheet(grid.name):
        result.summaries.append(SheetSummary(name=grid.name, role="instructions"))
        result.findings.append(finding("sheet-instructions-skipped", loc, sheet=grid.name))
        return
    if nonblank_rows == 0:
        result.summaries.append(SheetSummary(name=grid.name, role="empty"))
        result.findings.append(finding("sheet-empty", loc, sheet=grid.name))
        return
    header = find_header(grid, vocabulary, limits.header_scan_rows)
    if header is None:
        result.summaries.append(SheetSummary(name=grid.name, role="unrecognised", data_rows=nonblank_rows))
        result.findings.append(finding("header-not-found", loc, sheet=grid.name, rows=nonblank_rows,
                                       scanned=limits.header_scan_rows))
        return
    layout = analyse(grid, vocabulary, header)
    for ref_row, col, length in grid.long_cells:
        result.findings.append(finding("cell-too-long", loc.model_copy(update={"row": ref_row + 1, "cell": cell_ref(ref_row + 1, col + 1)}),
                                       length=length, maximum=limits.max_cell_chars))
    if grid.truncated_rows:
        result.findings.append(finding("rows-truncated", loc, sheet=grid.name, rows=limits.max_rows + grid.truncated_rows,
                                       maximum=limits.max_rows))
    for ref, formula in grid.formulas_without_value[:1000]:
        result.findings.append(finding("formula-no-value", loc.model_copy(update={"cell": ref}), formula=formula))
    header_row = layout.header_rows[0] + 1
    fields = layout.fields
    for fld in vocabulary.required_fields:
        if fld == "name":
            if not fields & {"name", "level1", "level2", "level3"}:
                result.findings.append(finding("column-missing", loc.model_copy(update={"row": header_row}),
                                               label=vocabulary.label("name")))
        elif fld not in fields:
            result.findings.append(finding("column-missing", loc.model_copy(update={"row": header_row, "field": fld}),
                                           label=vocabulary.label(fld)))
    for first, dup in layout.duplicates:
        result.findings.append(finding("column-duplicate", loc.model_copy(update={"row": header_row,
                                       "cell": cell_ref(header_row, dup.index + 1)}),
                                       label=dup.label, first=cell_ref(header_row, first.index + 1)))
    for col in layout.columns:
        if col.kind == "extra" and col.label and not any(col is d for _, d in layout.duplicates):
            result.findings.append(finding("column-unknown", loc.model_copy(update={"row": header_row,
                                           "cell": column_letter(col.index + 1)}), label=col.label))
    sheet_domain, domain_findings = _resolve_domain(domain_override, grid.name, layout.title_lines, reference, loc)
    result.findings.extend(domain_findings)

    def domain_of(text: str) -> str | None:
        d = reference.domain(text)
        return d.name if d else None

    ctx = RowContext(path=path, sheet=grid.name, unit=unit, domain_of=domain_of, sheet_domain=sheet_domain)
    built = build_records(grid, layout, vocabulary, ctx)
    result.findings.extend(built.findings)
    reported: set[str] = set()
    for text, where in built.domain_texts:
        if text not in reported:
            reported.add(text)
            close = reference.closest_domain(text)
            result.findings.append(finding("domain-unknown", where, value=text, closest=close[0] if close and close[1] >= 60 else ""))
    if sheet_domain is None and "domain" not in fields and not domain_findings:
        result.findings.append(finding("domain-missing", loc, sheet=grid.name))
    summary = SheetSummary(
        name=grid.name,
        role="catalogue",
        layout=layout.kind,
        header_rows=tuple(r + 1 for r in layout.header_rows),
        domain=sheet_domain,
        columns={column_letter(c.index + 1): (c.field if c.kind != "tick" else f"{c.field}:{c.value}")
                 for c in layout.columns if c.kind != "unnamed"},
        items=len(built.records),
        data_rows=built.data_rows,
    )
    result.summaries.append(summary)
    result.sheets.append(SheetData(path=path, summary=summary, records=tuple(built.records), fields=fields, unit=unit))


def _resolve_domain(
    override: str | None, sheet_name: str, titles: list[str], reference: Reference, loc: SourceLocation
) -> tuple[str | None, list[Finding]]:
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
    if not _DEFAULT_SHEET.match(fold(sheet_name)) and not _looks_like_unit(sheet_name, reference):
        close = reference.closest_domain(sheet_name)
        return None, [finding("domain-unknown", loc, value=sheet_name, closest=close[0] if close and close[1] >= 60 else "")]
    return None, []


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
            if len(k) >= 2 and k in key and (best is None or len(k) > best[0]):
                best = (len(k), d.name)
    return best[1] if best else None


def _looks_like_unit(text: str, reference: Reference) -> bool:
    return reference.unit(text) is not None or _unit_in_text(text, reference) is not None


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
    grids: list[Grid],
    path: Path,
    reference: Reference,
    vocabulary: Vocabulary,
    shown: str,
    limits: Limits,
) -> tuple[str | None, list[Finding]]:
    loc = SourceLocation(path=shown)
    candidates: list[str] = []
    if override:
        candidates.append(override)
    subjects: Counter[str] = Counter()
    for grid in grids[:50]:
        for row in grid.rows[: limits.header_scan_rows]:
            line = " ".join(x for x in row if x)
            m = _UNIT_LINE.search(fold(line))
            if m:
                candidates.append(m.group(1))
        for row in grid.rows[:3]:
            line = " ".join(x for x in row if x)
            m = _TITLE_UNIT.search(fold(line))
            if m and len(m.group(1)) >= 3:
                candidates.append(m.group(1))
    for cand in candidates:
        u = reference.unit(cand) or (reference.unit(_unit_in_text(cand, reference) or "") if _unit_in_text(cand, reference) else None)
        if u:
            return u.name, []
    # 公开主体 column: the most common value, when it names a known unit.
    for grid in grids[:50]:
        header = find_header(grid, vocabulary, limits.header_scan_rows)
        if header is None:
            continue
        idx = [i for i, x in enumerate(grid.rows[header]) if vocabulary.header_field(x) == "subject"]
        if idx:
            for row in grid.rows[header + 1 : header + 500]:
                if idx[0] < len(row) and row[idx[0]]:
                    subjects[row[idx[0]]] += 1
    for subj, _ in subjects.most_common(3):
        u = reference.unit(subj)
        if u:
            return u.name, []
    stem = path.stem
    u = reference.unit(stem) or reference.unit(_FILE_NOISE.sub("", stem))
    if u:
        return u.name, []
    hit = _unit_in_text(stem, reference)
    if hit:
        return hit, []
    if candidates:
        close = reference.closest_unit(candidates[0])
        return candidates[0], [finding("unit-unknown", loc, value=candidates[0], closest=close[0] if close and close[1] >= 60 else "")]
    return None, [finding("unit-missing", loc)]
