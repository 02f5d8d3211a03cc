"""Turn a file on disk into grids of cell text: xlsx/xlsm, xls, ods (python-calamine) and csv.

Every format becomes the same :class:`Grid` so that the layout and row logic never know where a sheet
came from.  Coordinates are 0-based here; the reader converts to Excel's 1-based rows and A1 refs.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from zwgk.compiler.reader.limits import Limits, ReadRefused
from zwgk.compiler.reader.ooxml import PackageScan, col_number, scan_ods, scan_xlsx
from zwgk.validators.normalise import clean_cell

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
FORMATS = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")


@dataclass
class Grid:
    name: str
    rows: list[list[str]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1 inclusive
    hyperlinks: dict[tuple[int, int], str] = field(default_factory=dict)
    formulas_without_value: list[tuple[str, str]] = field(default_factory=list)  # (A1 ref, formula)
    long_cells: list[tuple[int, int, int]] = field(default_factory=list)  # (row, col, original length)
    truncated_rows: int = 0  # rows beyond the limit that were not read


@dataclass
class LoadedFile:
    kind: str  # xlsx | xls | ods | csv
    grids: list[Grid]
    has_macros: bool = False
    external_links: list[str] = field(default_factory=list)
    encoding: str | None = None
    bad_bytes: int = 0
    nul_bytes: int = 0


def sniff(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(ZIP_MAGIC):
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "content.xml" in names:
            return "ods"
        raise ReadRefused("file-unreadable", reason="压缩包中没有工作表（不是 .xlsx 或 .ods 文件）")
    if head.startswith(OLE_MAGIC):
        return "ole"
    if head[:5] in (b"{\\rtf", b"%PDF-") or head[:4] in (b"\x89PNG",):
        raise ReadRefused("file-unreadable", reason="这不是电子表格文件（可能是 PDF、图片或 Word 文档）")
    return "csv"


def load(path: Path, limits: Limits) -> LoadedFile:
    if not path.exists():
        raise ReadRefused("file-unreadable", reason="文件不存在")
    if path.is_dir():
        raise ReadRefused("file-unreadable", reason="这是一个文件夹，不是文件")
    size = path.stat().st_size
    if size == 0:
        raise ReadRefused("file-unreadable", reason="文件是空的（0 字节）")
    if size > limits.max_file_bytes:
        raise ReadRefused("file-limit-exceeded", limit="文件大小", actual=f"{size / 1048576:.1f} MB",
                          maximum=f"{limits.max_file_bytes / 1048576:.0f} MB")
    try:
        kind = sniff(path)
    except zipfile.BadZipFile as exc:
        raise ReadRefused("file-unreadable", reason="文件已损坏（压缩结构不完整，可能未传完）") from exc
    except OSError as exc:
        raise ReadRefused("file-unreadable", reason=f"无法打开文件（{exc.strerror or exc}）") from exc
    if kind == "csv":
        return _load_csv(path, limits)
    if kind == "ole":
        return _load_ole(path, limits)
    try:
        with zipfile.ZipFile(path) as zf:
            scan = scan_xlsx(zf, limits) if kind == "xlsx" else scan_ods(zf, limits)
    except zipfile.BadZipFile as exc:
        raise ReadRefused("file-unreadable", reason="文件已损坏（压缩结构不完整，可能未传完）") from exc
    except (EOFError, OSError, ValueError, KeyError, NotImplementedError) as exc:
        raise ReadRefused("file-unreadable", reason=f"文件已损坏（{type(exc).__name__}）") from exc
    return _load_calamine(path, kind, limits, scan)


def _load_ole(path: Path, limits: Limits) -> LoadedFile:
    data = path.read_bytes()
    # An encrypted xlsx is an OLE container with these streams (UTF-16 names).
    if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
        raise ReadRefused("file-encrypted")
    if b"Workbook".decode().encode("utf-16-le") not in data and "Book".encode("utf-16-le") not in data:
        raise ReadRefused("file-unreadable", reason="这是旧版 Office 文件，但不是 Excel 工作簿（可能是 .doc）")
    return _load_calamine(path, "xls", limits, None)


def _load_calamine(path: Path, kind: str, limits: Limits, scan: PackageScan | None) -> LoadedFile:
    import python_calamine as pc

    try:
        wb = pc.CalamineWorkbook.from_path(os.fspath(path))
    except Exception as exc:  # calamine raises its own error classes per format
        text = str(exc).lower()
        if "password" in text or "encrypt" in text:
            raise ReadRefused("file-encrypted") from exc
        raise ReadRefused("file-unreadable", reason=f"工作簿无法解析（{_short(exc)}）") from exc
    scans = {s.name: s for s in scan.sheets} if scan else {}
    grids: list[Grid] = []
    try:
        for meta in wb.sheets_metadata:
            if str(meta.typ).endswith("WorkSheet") is False and "WorkSheet" not in str(meta.typ):
                continue  # chart sheets, macro sheets
            s_scan = scans.get(meta.name)
            try:
                sheet = wb.get_sheet_by_name(meta.name)
            except Exception as exc:
                raise ReadRefused("file-unreadable", reason=f"工作表「{meta.name}」无法解析（{_short(exc)}）") from exc
            if kind != "xlsx":
                # No package scan for xls/ods cell areas: check calamine's own dimensions before converting.
                h, w = sheet.total_height, sheet.total_width
                if w > limits.max_columns or h * w > limits.max_cells * 4:
                    raise ReadRefused("file-limit-exceeded", limit=f"工作表「{meta.name}」的单元格区域",
                                      actual=f"{h}×{w}", maximum=f"{limits.max_cells} 个单元格")
            nrows = limits.max_rows
            raw = sheet.to_python(skip_empty_area=False, nrows=nrows + 1)
            truncated = 0
            if len(raw) > nrows:
                truncated = max(sheet.total_height - nrows, 1)
                raw = raw[:nrows]
            grid = Grid(name=meta.name, rows=[], truncated_rows=truncated)
            for r, row in enumerate(raw):
                out = []
                for c, value in enumerate(row):
                    text = clean_cell(value) if value != "" else ""
                    if len(text) > limits.max_cell_chars:
                        grid.long_cells.append((r, c, len(text)))
                        text = text[: limits.max_cell_chars]
                    out.append(text)
                grid.rows.append(out)
            del raw
            try:
                merged = sheet.merged_cell_ranges or []
            except Exception:
                merged = []
            grid.merged = [(a[0], a[1], b[0], b[1]) for a, b in merged][:100_000]
            if s_scan:
                for ref, url in {**s_scan.formula_links, **s_scan.hyperlinks}.items():
                    grid.hyperlinks[_ref_to_rc(ref)] = url
                grid.formulas_without_value = s_scan.formulas_without_value
            grids.append(grid)
    finally:
        try:
            wb.close()
        except Exception:
            pass
    return LoadedFile(
        kind=kind,
        grids=grids,
        has_macros=bool(scan and scan.has_macros),
        external_links=list(scan.external_links) if scan else [],
    )


def _ref_to_rc(ref: str) -> tuple[int, int]:
    letters = "".join(ch for ch in ref if ch.isalpha())
    digits = "".join(ch for ch in ref if ch.isdigit())
    return int(digits) - 1, col_number(letters) - 1


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]


def decode_text(data: bytes) -> tuple[str, str, int]:
    """Decode CSV bytes: UTF-8 (with or without BOM), else GB18030.  Returns (text, encoding, bad sequences)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8", 0
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030", 0
    except UnicodeDecodeError:
        pass
    utf8 = data.decode("utf-8", errors="replace")
    gb = data.decode("gb18030", errors="replace")
    bad_utf8, bad_gb = utf8.count("\ufffd"), gb.count("\ufffd")
    return (utf8, "utf-8", bad_utf8) if bad_utf8 <= bad_gb else (gb, "gb18030", bad_gb)


def _load_csv(path: Path, limits: Limits) -> LoadedFile:
    data = path.read_bytes()
    if b"\x00" in data[:4096] and data.count(b"\x00") > len(data) // 4:
        raise ReadRefused("file-unreadable", reason="这不是文本表格（含大量二进制内容）")
    nul = data.count(b"\x00")
    if nul:
        data = data.replace(b"\x00", b"")
    text, encoding, bad = decode_text(data)
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    csv.field_size_limit(max(limits.max_cell_chars * 4, 131072))
    grid = Grid(name=path.stem, rows=[])
    try:
        for r, row in enumerate(csv.reader(io.StringIO(text, newline=""), dialect)):
            if r >= limits.max_rows:
                grid.truncated_rows += 1
                continue
            if len(row) > limits.max_columns:
                raise ReadRefused("file-limit-exceeded", limit="列数", actual=len(row), maximum=limits.max_columns)
            out = []
            for c, value in enumerate(row):
                cell = clean_cell(value)
                if len(cell) > limits.max_cell_chars:
                    grid.long_cells.append((r, c, len(cell)))
                    cell = cell[: limits.max_cell_chars]
                out.append(cell)
            grid.rows.append(out)
    except csv.Error as exc:
        raise ReadRefused("file-unreadable", reason=f"CSV 格式错误（{exc}）") from exc
    return LoadedFile(kind="csv", grids=[grid], encoding=encoding, bad_bytes=bad, nul_bytes=nul)
