"""Pre-flight inspection of zip packages (xlsx/xlsm/ods) before any spreadsheet library sees them.

python-calamine aborts the whole interpreter (uncatchable) when a sheet's cells span an area it cannot
allocate (a cell at XFC1048575 next to A1), and needs about three times the text it reads.  So before it
is called we read the package ourselves: member sizes and ratios (zip bombs), DTDs (entity expansion),
encryption, and each sheet's real bounding box from its cell references (a lying <dimension> is ignored).
The same pass collects what calamine does not give: hyperlinks, HYPERLINK() formulas and formulas with
no cached value.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field

from defusedxml import ElementTree as SafeET
from zwgk.compiler.reader.limits import Limits, ReadRefused

_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_ROW_R = re.compile(rb"<(?:\w+:)?row\b[^>]*?\sr=\"(\d+)\"")
_CELL_COL = re.compile(rb"\sr=\"([A-Z]{1,4})\d")
_FORMULA_CELL = re.compile(
    rb"<(?:\w+:)?c\b([^>]*?)>\s*<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)\s*(?:<(?:\w+:)?v\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?v>))?",
    re.S,
)
_ATTR_R = re.compile(rb"\sr=\"([A-Z]{1,4}\d{1,8})\"")
_HYPERLINK = re.compile(rb"<(?:\w+:)?hyperlink\b([^>]*)/?>")
_ATTR = re.compile(rb"([\w:]+)=\"([^\"]*)\"")
_HYPERLINK_FN = re.compile(r"HYPERLINK\(\s*\"([^\"]+)\"", re.I)
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.I)


@dataclass
class SheetScan:
    name: str
    member: str
    max_row: int = 0
    max_col: int = 0
    min_row: int = 0
    min_col: int = 0
    hyperlinks: dict[str, str] = field(default_factory=dict)  # cell ref → target URL
    formula_links: dict[str, str] = field(default_factory=dict)  # cell ref → URL from HYPERLINK()
    formulas_without_value: list[tuple[str, str]] = field(default_factory=list)  # (cell ref, formula)


@dataclass
class PackageScan:
    kind: str  # "xlsx" | "ods"
    sheets: list[SheetScan] = field(default_factory=list)
    has_macros: bool = False
    external_links: list[str] = field(default_factory=list)


def col_number(letters: bytes | str) -> int:
    n = 0
    for ch in letters if isinstance(letters, str) else letters.decode("ascii"):
        n = n * 26 + (ord(ch) - 64)
    return n


def check_zip(zf: zipfile.ZipFile, limits: Limits) -> None:
    infos = zf.infolist()
    if len(infos) > limits.max_zip_members:
        raise ReadRefused("file-limit-exceeded", limit="压缩包成员数", actual=len(infos), maximum=limits.max_zip_members)
    total = 0
    for info in infos:
        total += info.file_size
        if info.flag_bits & 0x1:
            raise ReadRefused("file-encrypted")
        if info.file_size > 1_000_000 and info.compress_size and info.file_size / info.compress_size > limits.max_compression_ratio:
            raise ReadRefused(
                "file-limit-exceeded",
                limit=f"压缩比（{info.filename}）",
                actual=f"{info.file_size / info.compress_size:.0f}:1",
                maximum=f"{limits.max_compression_ratio}:1",
            )
    if total > limits.max_uncompressed_bytes:
        raise ReadRefused("file-limit-exceeded", limit="解压后大小", actual=_mb(total), maximum=_mb(limits.max_uncompressed_bytes))


def read_member(zf: zipfile.ZipFile, name: str, limits: Limits) -> bytes:
    """Read a member, trusting no header: stop as soon as more than the limit comes out."""
    out = bytearray()
    with zf.open(name) as fh:
        while True:
            chunk = fh.read(1 << 20)
            if not chunk:
                break
            out += chunk
            if len(out) > limits.max_uncompressed_bytes:
                raise ReadRefused("file-limit-exceeded", limit="解压后大小", actual=f">{_mb(limits.max_uncompressed_bytes)}",
                                  maximum=_mb(limits.max_uncompressed_bytes))
    data = bytes(out)
    if _DTD.search(data[:4096]) or (b"<!ENTITY" in data):
        raise ReadRefused("file-unreadable", reason=f"{name} 含有 DTD/实体声明（可能是 XML 炸弹），已拒绝")
    return data


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


def _xml(data: bytes) -> object:
    try:
        return SafeET.fromstring(data)
    except Exception as exc:  # defusedxml raises its own classes for DTDs and entities
        raise ReadRefused("file-unreadable", reason=f"XML 无法解析（{type(exc).__name__}）") from exc


def scan_xlsx(zf: zipfile.ZipFile, limits: Limits) -> PackageScan:
    check_zip(zf, limits)
    names = set(zf.namelist())
    if "xl/workbook.xml" not in names:
        raise ReadRefused("file-unreadable", reason="不是 Excel 工作簿（缺少 xl/workbook.xml）")
    scan = PackageScan(kind="xlsx", has_macros="xl/vbaProject.bin" in names)
    workbook = _xml(read_member(zf, "xl/workbook.xml", limits))
    rels = _relationships(zf, "xl/_rels/workbook.xml.rels", limits)
    for el in workbook.iter():  # type: ignore[attr-defined]
        if el.tag.endswith("}sheet") or el.tag == "sheet":
            rid = el.get(f"{{{_REL_NS}}}id")
            target = rels.get(rid or "", ("", ""))[0]
            member = posixpath.normpath(posixpath.join("xl", target)) if not target.startswith("/") else target.lstrip("/")
            if member in names:
                scan.sheets.append(SheetScan(name=el.get("name") or "", member=member))
    for target, _mode in rels.values():
        if "externalLink" in target:
            ext = _relationships(zf, posixpath.join("xl/externalLinks/_rels", posixpath.basename(target) + ".rels"), limits)
            scan.external_links.extend(t for t, _ in ext.values())
    for sheet in scan.sheets:
        _scan_sheet(zf, sheet, limits)
    for extra in ("xl/sharedStrings.xml", "xl/styles.xml"):
        if extra in names:
            read_member(zf, extra, limits)  # DTD/entity and size guard only
    return scan


def _relationships(zf: zipfile.ZipFile, member: str, limits: Limits) -> dict[str, tuple[str, str]]:
    if member not in zf.namelist():
        return {}
    root = _xml(read_member(zf, member, limits))
    out: dict[str, tuple[str, str]] = {}
    for el in root.iter():  # type: ignore[attr-defined]
        if el.tag.endswith("Relationship"):
            out[el.get("Id") or ""] = (el.get("Target") or "", el.get("TargetMode") or "")
    return out


def _scan_sheet(zf: zipfile.ZipFile, sheet: SheetScan, limits: Limits) -> None:
    data = read_member(zf, sheet.member, limits)
    rows = [int(m) for m in _ROW_R.findall(data)]
    cols = set()
    min_row = 0
    max_row = max(rows) if rows else 0
    for letters in set(_CELL_COL.findall(data)):
        cols.add(col_number(letters))
    # Cells without an r attribute are placed one after another; bound them by their count.
    n_cells = data.count(b"<c ") + data.count(b"<c>")
    if rows:
        min_row = min(rows)
    if not cols and n_cells:
        cols.add(min(n_cells, 16384))
    if not rows and n_cells:
        max_row = min(n_cells, 1_048_576)
        min_row = 1
    sheet.max_row, sheet.min_row = max_row, min_row
    sheet.max_col = max(cols) if cols else 0
    sheet.min_col = min(cols) if cols else 0
    height = max_row - min_row + 1 if max_row else 0
    width = sheet.max_col - sheet.min_col + 1 if sheet.max_col else 0
    if sheet.max_col > limits.max_columns:
        raise ReadRefused("file-limit-exceeded", limit=f"工作表「{sheet.name}」的列数", actual=sheet.max_col, maximum=limits.max_columns)
    if height * width > limits.max_cells:
        raise ReadRefused(
            "file-limit-exceeded", limit=f"工作表「{sheet.name}」的单元格区域", actual=f"{height}×{width}",
            maximum=f"{limits.max_cells} 个单元格",
        )
    if b"<f" in data:
        for m in _FORMULA_CELL.finditer(data):
            ref_m = _ATTR_R.search(m.group(1))
            if not ref_m:
                continue
            ref = ref_m.group(1).decode("ascii")
            formula = _unescape((m.group(2) or b"").decode("utf-8", "replace"))
            link = _HYPERLINK_FN.search(formula)
            if link:
                sheet.formula_links[ref] = link.group(1)
            if m.group(3) is None and formula:
                sheet.formulas_without_value.append((ref, formula[:80]))
    start = data.rfind(b"<hyperlinks")
    if start < 0:
        start = data.rfind(b":hyperlinks")
    if start >= 0:
        rels_member = posixpath.join(posixpath.dirname(sheet.member), "_rels", posixpath.basename(sheet.member) + ".rels")
        rels = _relationships(zf, rels_member, limits)
        for m in _HYPERLINK.finditer(data, start):
            attrs = {k.decode(): _unescape(v.decode("utf-8", "replace")) for k, v in _ATTR.findall(m.group(1))}
            ref = attrs.get("ref", "").split(":")[0]
            rid = attrs.get("r:id") or next((v for k, v in attrs.items() if k.endswith(":id")), "")
            target = rels.get(rid, ("", ""))[0] if rid else ""
            if target and ref:
                sheet.hyperlinks[ref] = target
    del data


def _unescape(text: str) -> str:
    return (
        text.replace("&quot;", '"').replace("&apos;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    )


def scan_ods(zf: zipfile.ZipFile, limits: Limits) -> PackageScan:
    check_zip(zf, limits)
    names = set(zf.namelist())
    if "content.xml" not in names:
        raise ReadRefused("file-unreadable", reason="不是 OpenDocument 表格（缺少 content.xml）")
    data = read_member(zf, "content.xml", limits)
    if b"manifest:encryption-data" in (read_member(zf, "META-INF/manifest.xml", limits) if "META-INF/manifest.xml" in names else b""):
        raise ReadRefused("file-encrypted")
    # Repeated rows/columns are how ODS stores blank space; a repeat that carries content would expand.
    for m in re.finditer(rb"number-(rows|columns)-repeated=\"(\d+)\"[^>]*>\s*<table:table-cell[^>]*office:value", data):
        if int(m.group(2)) > limits.max_rows:
            raise ReadRefused("file-limit-exceeded", limit="重复行/列", actual=m.group(2).decode(), maximum=limits.max_rows)
    return PackageScan(kind="ods")
