"""Pre-flight inspection of zip packages (xlsx/xlsm/ods) before any spreadsheet library sees them.

python-calamine aborts the whole interpreter (uncatchable) when a sheet's cells span an area it cannot
allocate (a cell at XFC1048575 next to A1), needs about three times the text it reads, and trusts the
sizes a zip header states.  So before it is called we read the package ourselves, trusting no header:
every member is inflated by our own bounded loop (a member that inflates past its declared size, past
the limit, or with a bad CRC is refused), every XML part is checked for DTDs (entity expansion,
external entities) and for an encoding other than UTF-8, duplicate member names are refused, and each
sheet's real bounding box is computed from its cell references in every spelling XML allows (single
quotes, spaces around ``=``, lower case, cells without a reference), ignoring a lying <dimension>.
The same pass collects what calamine does not give: hyperlinks, HYPERLINK() formulas and formulas with
no cached value.  For .ods the content is walked with expat to count the cells that repeated rows and
columns would materialise.

Whatever slips past these checks is still contained: sources.py runs calamine in a forked child with a
memory and time limit.
"""

from __future__ import annotations

import copy
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.parsers import expat

from defusedxml import ElementTree as SafeET
from zwgk.compiler.reader.limits import Limits, ReadRefused

_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_Q = rb"\s*=\s*[\"']\s*"  # an attribute's equals sign and opening quote, as loosely as XML allows them
_ROW_TAG = re.compile(rb"<(?:[\w.-]+:)?row\b([^>]*)>")
_ROW_R = re.compile(rb"\sr" + _Q + rb"(\d+)")
_CELL_TAG = re.compile(rb"<(?:[\w.-]+:)?c\b([^>]*?)/?>")
_CELL_REF = re.compile(rb"\sr" + _Q + rb"([A-Za-z]{1,4})(\d{1,8})")
_FORMULA_CELL = re.compile(
    rb"<(?:[\w.-]+:)?c\b([^>]*?)>\s*<(?:[\w.-]+:)?f\b[^>]*?(?:/>|>(.*?)</(?:[\w.-]+:)?f>)\s*"
    rb"(?:<(?:[\w.-]+:)?v\b[^>]*?(?:/>|>(.*?)</(?:[\w.-]+:)?v>))?",
    re.S,
)
_HYPERLINK = re.compile(rb"<(?:[\w.-]+:)?hyperlink\b([^>]*)/?>")
_ATTR = re.compile(rb"([\w:.-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_HYPERLINK_FN = re.compile(r"HYPERLINK\(\s*\"([^\"]+)\"", re.I)
_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.I)
_XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([^\"']+)", re.I)
_SHEET_DATA = re.compile(rb"<(?:[\w.-]+:)?sheetData\b")
_XML_LIKE = (".xml", ".rels", ".vml")
_CHUNK = 1 << 20


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
    hidden_rows: list[int] = field(default_factory=list)  # 1-based rows hidden in Excel (deleted items, often)
    # (cell ref, error code) of error cells (t="e": #N/A, #REF! …), which calamine reads as blank: the cell
    # shows the error in Excel, so a finding must name the error rather than call the cell empty.
    error_cells: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class PackageScan:
    kind: str  # "xlsx" | "ods"
    sheets: list[SheetScan] = field(default_factory=list)
    has_macros: bool = False
    external_links: list[str] = field(default_factory=list)


def col_number(letters: bytes | str) -> int:
    n = 0
    for ch in (letters if isinstance(letters, str) else letters.decode("ascii")).upper():
        n = n * 26 + (ord(ch) - 64)
    return n


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


def check_zip(zf: zipfile.ZipFile, limits: Limits) -> None:
    """What the central directory claims: member count, duplicates, encryption, methods, sizes, ratios."""
    infos = zf.infolist()
    if len(infos) > limits.max_zip_members:
        raise ReadRefused("file-limit-exceeded", limit="压缩包成员数", actual=len(infos), maximum=limits.max_zip_members)
    seen: set[str] = set()
    total = 0
    for info in infos:
        # Two members with one name: we would inspect one copy and the spreadsheet library might read the other.
        key = info.filename.replace("\\", "/").lstrip("/").lower()
        if key in seen:
            raise ReadRefused("file-unreadable", reason=f"压缩包中有两个同名部件「{info.filename[:80]}」（文件被篡改或损坏）")
        seen.add(key)
        total += info.file_size
        if info.flag_bits & 0x1:
            raise ReadRefused("file-encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ReadRefused("file-unreadable", reason=f"部件「{info.filename[:80]}」使用了办公软件不会使用的压缩方式")
        if info.file_size > 1_000_000 and info.file_size > limits.max_compression_ratio * max(info.compress_size, 1):
            raise ReadRefused(
                "file-limit-exceeded",
                limit=f"压缩比（{info.filename[:80]}）",
                actual=f"{info.file_size / max(info.compress_size, 1):.0f}:1",
                maximum=f"{limits.max_compression_ratio}:1",
            )
    if total > limits.max_uncompressed_bytes:
        raise ReadRefused("file-limit-exceeded", limit="解压后大小", actual=_mb(total), maximum=_mb(limits.max_uncompressed_bytes))


def read_member(zf: zipfile.ZipFile, name: str | zipfile.ZipInfo, limits: Limits) -> bytes:
    """Inflate a member with our own bounded loop, trusting no header.

    The raw compressed bytes are read as if stored (zipfile then checks nothing), inflated chunk by chunk
    with a cap on the output, and the result must match the declared size and CRC: a member that inflates
    past its declared size is a zip bomb that lies, whatever a library that trusts the header would do."""
    info = name if isinstance(name, zipfile.ZipInfo) else zf.getinfo(name)
    raw_info = copy.copy(info)
    raw_info.compress_type = zipfile.ZIP_STORED
    raw_info.file_size = info.compress_size
    del raw_info.CRC  # read the raw bytes without zipfile's own CRC check; ours follows
    budget = min(limits.max_uncompressed_bytes, max(info.file_size, 0))
    out = bytearray()
    crc = 0
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None

    def take(piece: bytes) -> None:
        nonlocal crc
        out.extend(piece)
        crc = zlib.crc32(piece, crc)
        if len(out) > budget:
            if len(out) > info.file_size and info.file_size < limits.max_uncompressed_bytes:
                raise ReadRefused("file-unreadable", reason=f"部件「{info.filename[:80]}」解压后比压缩包头声明的大"
                                  f"（声明 {info.file_size} 字节），可能是压缩炸弹，已拒绝")
            raise ReadRefused("file-limit-exceeded", limit="解压后大小", actual=f">{_mb(limits.max_uncompressed_bytes)}",
                              maximum=_mb(limits.max_uncompressed_bytes))

    try:
        with zf.open(raw_info) as fh:
            while True:
                chunk = fh.read(_CHUNK)
                if inflater is None:
                    take(chunk)
                elif chunk:
                    pending = chunk
                    while pending and not inflater.eof:
                        # max_length bounds what one call may produce, so a bomb never lands in memory whole.
                        take(inflater.decompress(pending, budget + 1 - len(out)))
                        pending = inflater.unconsumed_tail
                else:
                    take(inflater.flush())
                if not chunk:
                    break
    except zlib.error as exc:
        raise ReadRefused("file-unreadable", reason=f"部件「{info.filename[:80]}」的压缩数据已损坏") from exc
    except (EOFError, OSError, zipfile.BadZipFile) as exc:
        raise ReadRefused("file-unreadable", reason=f"部件「{info.filename[:80]}」不完整（文件可能未传完）") from exc
    if len(out) != info.file_size or (crc & 0xFFFFFFFF) != info.CRC or (inflater is not None and not inflater.eof):
        raise ReadRefused("file-unreadable", reason=f"部件「{info.filename[:80]}」已损坏（大小或校验和与压缩包头不符）")
    data = bytes(out)
    if info.filename.lower().endswith(_XML_LIKE) or data[:5] == b"<?xml":
        check_xml_bytes(info.filename, data, limits)
    return data


def check_xml_bytes(name: str, data: bytes, limits: Limits) -> None:
    """Refuse DTDs anywhere (entity bombs, external entities) and any encoding but UTF-8.

    A UTF-16 part would hide both its DTD and its cell references from every byte-level check here."""
    head = data[:256]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        raise ReadRefused("file-unreadable", reason=f"部件「{name[:80]}」不是 UTF-8 编码的 XML（办公软件不会这样保存），已拒绝")
    m = _XML_ENCODING.match(head.removeprefix(b"\xef\xbb\xbf"))
    if m and m.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        raise ReadRefused("file-unreadable", reason=f"部件「{name[:80]}」声明了 {m.group(1).decode('ascii', 'replace')} 编码"
                          "（办公软件只用 UTF-8），已拒绝")
    if _DTD.search(data):
        raise ReadRefused("file-unreadable", reason=f"部件「{name[:80]}」含有 DTD/实体声明（可能是 XML 炸弹或外部实体攻击），已拒绝")
    # One text node (or attribute) far beyond any real cell: the reader would need several times its size in
    # memory.  Each run of non-'<' bytes is scanned once from the '<' before it, so this is linear.
    longest = max(limits.max_cell_chars * 32, 1 << 20)
    if len(data) > longest and (_long_run(longest).search(data) or data.find(b"<") > longest):
        raise ReadRefused("file-limit-exceeded", limit=f"单个单元格长度（{name[:80]}）", actual=f">{_mb(longest)}",
                          maximum=f"{limits.max_cell_chars} 个字符")


_RUNS: dict[int, re.Pattern[bytes]] = {}


def _long_run(n: int) -> re.Pattern[bytes]:
    if n not in _RUNS:
        _RUNS[n] = re.compile(rb"<[^<]{%d}" % n)  # the literal '<' lets the engine skip ahead fast
    return _RUNS[n]


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
    scan = PackageScan(kind="xlsx", has_macros=any(n.lower().endswith("vbaproject.bin") for n in names))
    # The workbook and its relationships first, so that a refusal can name the sheet, not its part.
    parts: dict[str, bytes] = {}
    for name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
        if name in names:
            parts[name] = read_member(zf, name, limits)
    workbook = _xml(parts["xl/workbook.xml"])
    rels = _relationships(parts, "xl/_rels/workbook.xml.rels")
    for el in workbook.iter():  # type: ignore[attr-defined]
        if el.tag.endswith("}sheet") or el.tag == "sheet":
            rid = el.get(f"{{{_REL_NS}}}id")
            target = rels.get(rid or "", ("", ""))[0]
            member = posixpath.normpath(posixpath.join("xl", target)) if not target.startswith("/") else target.lstrip("/")
            if member in names:
                scan.sheets.append(SheetScan(name=el.get("name") or "", member=member))
    by_member = {s.member: s for s in scan.sheets}
    # Every other part is inflated once (bounded, verified) and XML parts are checked for DTDs and encodings.
    # Any part holding sheet data gets a bounding box, whether or not the workbook's relationships point at it.
    for info in zf.infolist():
        if info.is_dir() or info.filename in parts:
            continue
        data = read_member(zf, info, limits)
        sheet = by_member.get(info.filename)
        if sheet is not None or (info.filename.lower().endswith(_XML_LIKE) and _SHEET_DATA.search(data)):
            _bounding_box(sheet or SheetScan(name=posixpath.basename(info.filename), member=info.filename), data, limits)
        if sheet is not None:
            _links_and_formulas(zf, names, sheet, data, limits)
            if b"hidden" in data:
                sheet.hidden_rows = _hidden_rows(data)
            if b'"e"' in data or b"'e'" in data:
                sheet.error_cells = _error_cells(data)
        del data
    for target, _mode in rels.values():
        if "externalLink" in target:
            ext_rels = posixpath.join("xl/externalLinks/_rels", posixpath.basename(target) + ".rels")
            if ext_rels in names:
                ext = _relationships({ext_rels: read_member(zf, ext_rels, limits)}, ext_rels)
                scan.external_links.extend(t for t, _ in ext.values())
    return scan


def _relationships(parts: dict[str, bytes], member: str) -> dict[str, tuple[str, str]]:
    if member not in parts:
        return {}
    root = _xml(parts[member])
    out: dict[str, tuple[str, str]] = {}
    for el in root.iter():  # type: ignore[attr-defined]
        if el.tag.endswith("Relationship"):
            out[el.get("Id") or ""] = (el.get("Target") or "", el.get("TargetMode") or "")
    return out


_STD_DIGITS = re.compile(rb' r="[A-Za-z]{0,4}(\d{1,8})"')
_STD_LETTERS = re.compile(rb' r="([A-Za-z]{1,4})\d')
_PREFIXED = re.compile(rb"<[\w.-]+:(?:row|c)\b")


def _bounding_box(sheet: SheetScan, data: bytes, limits: Limits) -> None:
    """The area a reader would fill: rows × columns from A1 to the farthest cell (we convert with the
    empty area included), from every row and cell reference, however it is spelled.

    Rows and cells without a reference follow the previous one; they are placed as a reader places them,
    so a sheet written without references (some exporters do that) is measured, not guessed."""
    if data.count(b"r=") == data.count(b' r="') + data.count(b':r="') and not _PREFIXED.search(data):
        # The usual spelling everywhere: C-speed scans (a 56 MB, million-row sheet in about two seconds).
        # Window by window (cut after a '>', so no reference is split): a million-cell sheet's references
        # as one list would be 60 MB of small bytes objects, held while calamine reads in the other process.
        max_row = max_col = n_cell_refs = n_row_refs = 0
        for window in _windows(data):
            digits = _STD_DIGITS.findall(window)
            letters = _STD_LETTERS.findall(window)
            max_row = max(max_row, max(map(int, digits), default=0))
            max_col = max(max_col, max((col_number(x) for x in set(letters)), default=0))
            n_cell_refs += len(letters)
            n_row_refs += len(digits) - len(letters)
            del digits, letters
        n_rows = data.count(b"<row ") + data.count(b"<row>")
        n_cells = data.count(b"<c ") + data.count(b"<c>") + data.count(b"<c/>")
        if n_rows > n_row_refs or n_cells > n_cell_refs:
            max_row, max_col = _walk_rows(data, max_row, max_col)
    else:
        max_row = max_col = n_row_refs = n_cell_refs = 0
        for m in _ROW_R.finditer(data):
            max_row = max(max_row, int(m.group(1)))
            n_row_refs += 1
        letters_seen: set[bytes] = set()
        for m in _CELL_REF.finditer(data):
            letters_seen.add(m.group(1))
            max_row = max(max_row, int(m.group(2)))
            n_cell_refs += 1
        max_col = max((col_number(x) for x in letters_seen), default=0)
        n_rows = sum(1 for _ in _ROW_TAG.finditer(data))
        n_cells = sum(1 for _ in _CELL_TAG.finditer(data))
        if n_rows > n_row_refs or n_cells > n_cell_refs:
            max_row, max_col = _walk_rows(data, max_row, max_col)
    sheet.max_row, sheet.max_col = max_row, max_col
    sheet.min_row, sheet.min_col = (1, 1) if max_row else (0, 0)
    label = sheet.name
    if max_col > limits.max_columns:
        raise ReadRefused("file-limit-exceeded", limit=f"工作表「{label}」的列数", actual=max_col, maximum=limits.max_columns)
    if max_row * max_col > limits.max_cells:
        raise ReadRefused(
            "file-limit-exceeded", limit=f"工作表「{label}」的单元格区域", actual=f"{max_row}×{max_col}",
            maximum=f"{limits.max_cells} 个单元格",
        )


def _windows(data: bytes, size: int = 1 << 22) -> Iterator[memoryview]:
    """``data`` in pieces of about ``size`` bytes, each ending just after a '>' (views: nothing is copied)."""
    view = memoryview(data)
    start, n = 0, len(data)
    while start < n:
        end = min(start + size, n)
        if end < n:
            cut = data.rfind(b">", start, end)
            end = cut + 1 if cut >= start else end
        yield view[start:end]
        start = end


_HIDDEN_ROW = re.compile(rb"<(?:[\w.-]+:)?row\b([^>]*?\shidden" + _Q[:-len(rb"\s*")] + rb"(?:1|true)[\"'][^>]*)>")


def _hidden_rows(data: bytes, cap: int = 100_000) -> list[int]:
    """Rows marked hidden="1" that say which row they are (calamine reads them like any other)."""
    out: list[int] = []
    for m in _HIDDEN_ROW.finditer(data):
        r = _ROW_R.search(m.group(1))
        if r:
            out.append(int(r.group(1)))
            if len(out) >= cap:
                break
    return out


_ERROR_CELL = re.compile(
    rb"<(?:[\w.-]+:)?c\b([^>]*?\st" + _Q[:-len(rb"\s*")] + rb"e[\"'][^>]*)>\s*"
    rb"(?:<(?:[\w.-]+:)?f\b[^>]*?(?:/>|>.*?</(?:[\w.-]+:)?f>)\s*)?<(?:[\w.-]+:)?v>([^<]{1,40})</",
    re.S,
)


def _error_cells(data: bytes, cap: int = 10_000) -> list[tuple[str, str]]:
    """Cells whose value is an error (#N/A, #REF!, #VALUE! …), with the error as Excel shows it."""
    out: list[tuple[str, str]] = []
    for m in _ERROR_CELL.finditer(data):
        ref = _CELL_REF.search(m.group(1))
        if ref:
            out.append(((ref.group(1) + ref.group(2)).decode("ascii").upper(),
                        _unescape(m.group(2).decode("utf-8", "replace")).strip()))
            if len(out) >= cap:
                break
    return out


def _walk_rows(data: bytes, max_row: int, max_col: int) -> tuple[int, int]:
    """Place rows and cells one by one, a missing reference meaning "the one after the previous"."""
    row_no = 0
    for m in _ROW_TAG.finditer(data):
        r = _ROW_R.search(m.group(1))
        row_no = int(r.group(1)) if r else row_no + 1
        max_row = max(max_row, row_no)
        end = data.find(b"row>", m.end())
        body = data[m.end(): end if end > 0 else len(data)]
        col = 0
        for c in _CELL_TAG.finditer(body):
            ref = _CELL_REF.search(c.group(1))
            col = col_number(ref.group(1)) if ref else col + 1
            max_col = max(max_col, col)
    return max_row, max_col


def _links_and_formulas(zf: zipfile.ZipFile, names: set[str], sheet: SheetScan, data: bytes, limits: Limits) -> None:
    if b"<f" in data or b":f" in data:
        for m in _FORMULA_CELL.finditer(data):
            ref_m = _CELL_REF.search(m.group(1))
            if not ref_m:
                continue
            ref = (ref_m.group(1) + ref_m.group(2)).decode("ascii").upper()
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
        rels = _relationships({rels_member: read_member(zf, rels_member, limits)}, rels_member) if rels_member in names else {}
        for m in _HYPERLINK.finditer(data, start):
            attrs = {k.decode(): _unescape((v1 or v2).decode("utf-8", "replace")) for k, v1, v2 in _ATTR.findall(m.group(1))}
            ref = attrs.get("ref", "").split(":")[0].upper()
            rid = attrs.get("r:id") or next((v for k, v in attrs.items() if k.endswith(":id")), "")
            target = rels.get(rid, ("", ""))[0] if rid else ""
            if target and ref:
                sheet.hyperlinks[ref] = target


def _unescape(text: str) -> str:
    return (
        text.replace("&quot;", '"').replace("&apos;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    )


_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


_ODS_CELLS = (f"{_TABLE_NS} table-cell", f"{_TABLE_NS} covered-table-cell")


@dataclass
class _OdsWalk:
    table: str = ""
    row: int = 0
    col: int = 0
    row_rep: int = 1
    cell_rep: int = 1
    cell_start: int = 0
    in_cell: bool = False
    has: bool = False
    max_row: int = 0
    max_col: int = 0
    cells: int = 0


def scan_ods(zf: zipfile.ZipFile, limits: Limits) -> PackageScan:
    check_zip(zf, limits)
    names = set(zf.namelist())
    if "content.xml" not in names:
        raise ReadRefused("file-unreadable", reason="不是 OpenDocument 表格（缺少 content.xml）")
    manifest = b""
    content = b""
    for info in zf.infolist():
        if info.is_dir():
            continue
        data = read_member(zf, info, limits)
        if info.filename == "META-INF/manifest.xml":
            manifest = data
        elif info.filename == "content.xml":
            content = data
    if b"encryption-data" in manifest:
        raise ReadRefused("file-encrypted")
    _ods_area(content, limits)
    return PackageScan(kind="ods")


def _ods_area(content: bytes, limits: Limits) -> None:
    """Walk content.xml as a reader expands it: rows and cells repeated N times count N times.

    Blank repeats (how LibreOffice pads a sheet to 1,048,576 rows) cost nothing; a repeat that carries
    content, or content placed beyond a long blank repeat, is measured like any other cell."""
    st = _OdsWalk()

    def refuse_area() -> None:
        h, w = st.max_row, st.max_col
        if w > limits.max_columns:
            raise ReadRefused("file-limit-exceeded", limit=f"工作表「{st.table}」的列数（含重复列）", actual=w,
                              maximum=limits.max_columns)
        if h * w > limits.max_cells or st.cells > limits.max_cells:
            raise ReadRefused("file-limit-exceeded", limit=f"工作表「{st.table}」的单元格区域（含重复行列）",
                              actual=f"{h}×{w}", maximum=f"{limits.max_cells} 个单元格")

    def repeat(attrs: dict[str, str], name: str) -> int:
        try:
            return max(1, int(attrs.get(f"{_TABLE_NS} {name}", "1")))
        except ValueError:
            return 1

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == f"{_TABLE_NS} table":
            st.row = st.max_row = st.max_col = st.cells = 0
            st.table = attrs.get(f"{_TABLE_NS} name", "")[:40]
        elif tag == f"{_TABLE_NS} table-row":
            st.row_rep, st.col = repeat(attrs, "number-rows-repeated"), 0
        elif tag in _ODS_CELLS:
            st.cell_rep, st.cell_start, st.in_cell = repeat(attrs, "number-columns-repeated"), st.col, True
            st.has = f"{_OFFICE_NS} value-type" in attrs
            st.col += st.cell_rep
        elif st.in_cell:
            st.has = True  # any element inside a cell (text:p …) is content

    def end(tag: str) -> None:
        if tag in _ODS_CELLS:
            if st.has:
                st.max_row = max(st.max_row, st.row + st.row_rep)
                st.max_col = max(st.max_col, st.cell_start + st.cell_rep)
                st.cells += st.cell_rep * st.row_rep
                refuse_area()
            st.in_cell = False
        elif tag == f"{_TABLE_NS} table-row":
            st.row += st.row_rep

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(content, True)
    except expat.ExpatError as exc:
        raise ReadRefused("file-unreadable", reason=f"content.xml 无法解析（第 {exc.lineno} 行）") from exc
