"""Build the hostile-input corpus of issue 8 in a folder, in code: nothing opaque is checked in.

Every case is a small file on disk (the largest is a few MB) whose *content* may be huge: zip bombs are
assembled from one deflate block repeated with a full flush between copies, so a member that inflates
to 2 GiB costs a couple of MB and no time to build, and its CRC is computed by combination, not by
inflating it.  ``build_corpus(root)`` writes every case and returns the list of :class:`Case`.

A case says what zwgk must answer: ``refused`` (unreadable, exit 2, one sentence) or ``read`` (a result
with findings), and which finding codes are acceptable as the answer.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

GIB = 1 << 30

HEADER = ["序号", "一级事项", "二级事项", "公开内容(要素)", "公开依据", "公开时限", "公开主体", "公开渠道和载体",
          "公开对象", "公开方式", "公开层级"]
ROWS = [
    ["1", "机构信息", "机关简介", "1.机关名称 2.办公地址 3.办公时间 4.联系方式 5.邮政编码",
     "《中华人民共和国政府信息公开条例》第二十条", "自该政府信息形成或者变更之日起20个工作日内",
     "宝山区财政局", "政府网站", "全社会", "主动公开", "区级"],
    ["2", "财政预决算", "部门预算", "部门预算报表及说明", "《中华人民共和国预算法》第十四条",
     "批复后20日内", "宝山区财政局", "政府网站", "全社会", "主动公开", "区级"],
    ["3", "财政预决算", "部门决算", "部门决算报表及说明", "《中华人民共和国预算法》第十四条",
     "批复后20日内", "宝山区财政局", "政府网站", "全社会", "主动公开", "区级"],
]
TITLE = "宝山区财政局政务公开标准目录"


@dataclass(frozen=True)
class Case:
    name: str
    path: Path
    expect: str  # "refused" | "read"
    codes: tuple[str, ...] = ()  # any of these codes must be among the findings ("" = none required)
    note: str = ""


# --------------------------------------------------------------------------------------------- zip


@dataclass
class Member:
    name: str
    data: bytes = b""
    raw: bytes | None = None  # an already deflated stream (bombs)
    size: int | None = None  # true uncompressed size when raw is given
    crc: int | None = None
    declared_size: int | None = None  # a lie, told by the local and central headers alike
    stored: bool = False


def zip_bytes(members: Iterable[Member]) -> bytes:
    """A zip written field by field, so headers can lie and members can be pre-deflated bombs."""
    out = io.BytesIO()
    central = []
    for m in members:
        if m.raw is not None:
            comp, size, crc, method = m.raw, m.size or 0, m.crc or 0, 8
        elif m.stored:
            comp, size, crc, method = m.data, len(m.data), zlib.crc32(m.data), 0
        else:
            co = zlib.compressobj(6, zlib.DEFLATED, -15)
            comp = co.compress(m.data) + co.flush()
            size, crc, method = len(m.data), zlib.crc32(m.data), 8
        if m.declared_size is not None:
            size = m.declared_size
        name = m.name.encode("utf-8")
        flags = 0x800 if not m.name.isascii() else 0
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, method, 0, 0x21, crc, len(comp), size, len(name), 0))
        out.write(name)
        out.write(comp)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, method, 0, 0x21, crc, len(comp), size,
                                   len(name), 0, 0, 0, 0, 0, offset) + name)
    start = out.tell()
    for entry in central:
        out.write(entry)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0))
    return out.getvalue()


def _gf2_times(mat: list[int], vec: int) -> int:
    total, i = 0, 0
    while vec:
        if vec & 1:
            total ^= mat[i]
        vec >>= 1
        i += 1
    return total


def _gf2_square(mat: list[int]) -> list[int]:
    return [_gf2_times(mat, mat[n]) for n in range(32)]


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """zlib's crc32_combine: the CRC of A+B from CRC(A), CRC(B) and len(B), without touching the bytes."""
    if len2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]
    even = _gf2_square(odd)
    odd = _gf2_square(even)
    while True:
        even = _gf2_square(odd)
        if len2 & 1:
            crc1 = _gf2_times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = _gf2_square(even)
        if len2 & 1:
            crc1 = _gf2_times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


def _crc_repeat(crc: int, length: int, times: int) -> int:
    """CRC of a block repeated ``times`` times, by doubling."""
    result, result_len = 0, 0
    block_crc, block_len = crc, length
    while times:
        if times & 1:
            result = crc32_combine(result, block_crc, block_len) if result_len else block_crc
            result_len += block_len
        block_crc = crc32_combine(block_crc, block_crc, block_len)
        block_len *= 2
        times >>= 1
    return result


def deflate_bomb(head: bytes, unit: bytes, total: int, tail: bytes) -> Member:
    """A member that inflates to about ``total`` bytes: head + unit repeated + tail, built in milliseconds."""
    block = unit * max(1, (1 << 20) // len(unit))
    copies = max(1, total // len(block))
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = co.compress(head) + co.flush(zlib.Z_FULL_FLUSH)
    one = co.compress(block) + co.flush(zlib.Z_FULL_FLUSH)
    two = co.compress(block) + co.flush(zlib.Z_FULL_FLUSH)
    # After a full flush the compressor forgets its history, so every copy compresses identically.
    assert one == two, "zlib did not reset on Z_FULL_FLUSH"
    last = co.compress(tail) + co.flush()
    raw = first + one * copies + last
    size = len(head) + len(block) * copies + len(tail)
    crc = zlib.crc32(head)
    crc = crc32_combine(crc, _crc_repeat(zlib.crc32(block), len(block), copies), len(block) * copies)
    crc = crc32_combine(crc, zlib.crc32(tail), len(tail))
    return Member("", raw=raw, size=size, crc=crc)


# -------------------------------------------------------------------------------------------- xlsx

XML_DECL = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHEET_HEAD = (XML_DECL + f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_R}">'.encode())


def col_letters(n: int) -> str:
    s = ""
    while n:
        n, rem = divmod(n - 1, 26)
        s = chr(65 + rem) + s
    return s


def cell_xml(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def sheet_rows_xml(rows: list[list[str]], first_row: int = 1) -> str:
    out = []
    for i, row in enumerate(rows):
        r = first_row + i
        cells = "".join(cell_xml(f"{col_letters(c + 1)}{r}", v) for c, v in enumerate(row) if v != "")
        out.append(f'<row r="{r}">{cells}</row>')
    return "".join(out)


def catalogue_rows() -> list[list[str]]:
    return [[TITLE], HEADER, *ROWS]


def sheet_xml(body: str = "", *, rows: list[list[str]] | None = None, dimension: str | None = None,
              after: str = "") -> bytes:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    data = sheet_rows_xml(catalogue_rows() if rows is None else rows) + body
    return SHEET_HEAD + f"{dim}<sheetData>{data}</sheetData>{after}</worksheet>".encode()


def content_types(extra: str = "", macro: bool = False) -> bytes:
    main = ("application/vnd.ms-excel.sheet.macroEnabled.main+xml" if macro
            else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")
    return XML_DECL + (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{main}"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        f"{extra}</Types>"
    ).encode()


ROOT_RELS = XML_DECL + (
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    b'Target="xl/workbook.xml"/></Relationships>'
)


def workbook_xml(sheet_name: str = "财政预决算", extra: str = "") -> bytes:
    return XML_DECL + (
        f'<workbook xmlns="{NS_MAIN}" xmlns:r="{NS_R}"><sheets>'
        f'<sheet name="{escape(sheet_name)}" sheetId="1" r:id="rId1"/></sheets>{extra}</workbook>'
    ).encode()


def workbook_rels(extra: str = "") -> bytes:
    return XML_DECL + (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
        'Target="sharedStrings.xml"/>'
        f"{extra}</Relationships>"
    ).encode()


def shared_strings(strings: Iterable[str] = ("共享",)) -> bytes:
    items = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
    return XML_DECL + f'<sst xmlns="{NS_MAIN}">{items}</sst>'.encode()


def xlsx_members(sheet: bytes | None = None, **override: bytes) -> dict[str, Member]:
    parts = {
        "[Content_Types].xml": content_types(),
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": workbook_xml(),
        "xl/_rels/workbook.xml.rels": workbook_rels(),
        "xl/worksheets/sheet1.xml": sheet if sheet is not None else sheet_xml(),
        "xl/sharedStrings.xml": shared_strings(),
    }
    for key, value in override.items():
        parts[_PART_ALIASES.get(key, key)] = value
    return {name: Member(name, data) for name, data in parts.items()}


_PART_ALIASES = {
    "content_types": "[Content_Types].xml",
    "root_rels": "_rels/.rels",
    "workbook": "xl/workbook.xml",
    "workbook_rels": "xl/_rels/workbook.xml.rels",
    "sheet": "xl/worksheets/sheet1.xml",
    "shared": "xl/sharedStrings.xml",
}


def write_xlsx(path: Path, sheet: bytes | None = None, extra: Iterable[Member] = (), **override: bytes) -> Path:
    members = xlsx_members(sheet, **override)
    for m in extra:
        members[m.name] = m
    path.write_bytes(zip_bytes(members.values()))
    return path


def real_workbook(path: Path) -> Path:
    """A workbook as an office suite writes it (openpyxl: shared strings, styles, docProps): the fuzz seed."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "财政预决算"
    for row in catalogue_rows():
        ws.append(row)
    ws.merge_cells("A1:K1")
    ws["D3"].hyperlink = "https://www.shbsq.gov.cn/"
    wb.save(path)
    return path


# ------------------------------------------------------------------------------------- DTD attacks

LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>"
)
QUADRATIC_ENTITY = '<!DOCTYPE q [<!ENTITY a "' + "A" * 50_000 + '">]>'
XXE = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
XXE_PARAM = '<!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd"> %p;]>'


def _with_dtd(xml: bytes, dtd: str, ref: str) -> bytes:
    """Insert a DTD after the declaration and a reference to its entity in the first text or attribute."""
    body = xml[len(XML_DECL):] if xml.startswith(XML_DECL) else xml
    if b"<t>" in body:
        body = body.replace(b"<t>", b"<t>" + ref.encode(), 1)
    else:  # rels/content types/workbook: put it in the first attribute value
        i = body.index(b'="', body.index(b"<", 1)) + 2
        body = body[:i] + ref.encode() + body[i:]
    return XML_DECL + dtd.encode() + b"\n" + body


# ------------------------------------------------------------------------------------------- OLE


def ole_file(streams: dict[str, bytes]) -> bytes:
    """A minimal compound file (CFB v3): header, one FAT sector, one directory sector, then the streams.

    Streams are padded to 4096 bytes so they live in regular sectors (no mini stream needed)."""
    sec = 512
    names = list(streams)[:3]
    datas = [streams[n].ljust(4096, b"\0") for n in names]
    fat = [0xFFFFFFFD, 0xFFFFFFFE]  # sector 0: FAT, sector 1: directory
    starts = []
    for d in datas:
        n = len(d) // sec + (1 if len(d) % sec else 0)
        start = len(fat)
        starts.append(start)
        fat.extend(range(start + 1, start + n))
        fat.append(0xFFFFFFFE)
    assert len(fat) <= 128
    fat += [0xFFFFFFFF] * (128 - len(fat))
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", bytes.fromhex("d0cf11e0a1b11ae1"), b"\0" * 16, 0x3E, 3, 0xFFFE, 9, 6,
                         b"\0" * 6, 0, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    header += struct.pack("<I", 0) + struct.pack("<I", 0xFFFFFFFF) * 108

    def entry(name: str, typ: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0" if name else b""
        return struct.pack("<64sHBBIII16sIQQII", raw.ljust(64, b"\0"), len(raw), typ, 1, left, right, child, b"\0" * 16,
                           0, 0, 0, start, size) + b"\0" * 4

    none = 0xFFFFFFFF
    entries = [entry("Root Entry", 5, none, none, 1 if names else none, 0xFFFFFFFE, 0)]
    for i, (n, d) in enumerate(zip(names, datas, strict=True)):
        right = i + 2 if i + 1 < len(names) else none
        entries.append(entry(n, 2, none, right, none, starts[i], len(streams[n]) if len(streams[n]) >= 4096 else len(d)))
    while len(entries) < 4:
        entries.append(entry("", 0, none, none, none, 0, 0))
    body = struct.pack("<128I", *fat) + b"".join(entries) + b"".join(datas)
    return header + body


def write_xls(path: Path, rows: list[list[str]], far: tuple[int, int] | None = None) -> Path:
    import xlwt  # type: ignore[import-untyped]

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("财政预决算")
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            ws.write(r, c, v)
    if far:
        ws.write(far[0], far[1], "远")
    wb.save(str(path))
    return path


def lie_dimensions(path: Path) -> None:
    """Make an .xls DIMENSIONS record claim the whole BIFF8 grid (65536 × 256)."""
    data = bytearray(path.read_bytes())
    i = data.find(b"\x00\x02\x0e\x00")
    assert i > 0
    data[i + 4:i + 18] = struct.pack("<IIHHH", 0, 65536, 0, 256, 0)
    path.write_bytes(bytes(data))


# ------------------------------------------------------------------------------------------- ODS

ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def ods_cell(text: str, repeat: int = 1) -> str:
    rep = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    if not text:
        return f"<table:table-cell{rep}/>"
    return f'<table:table-cell{rep} office:value-type="string"><text:p>{escape(text)}</text:p></table:table-cell>'


def ods_row(cells: str, repeat: int = 1) -> str:
    rep = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{rep}>{cells}</table:table-row>"


def write_ods(path: Path, extra_rows: str = "", manifest_extra: str = "") -> Path:
    rows = "".join(ods_row("".join(ods_cell(v) for v in row)) for row in catalogue_rows())
    content = (XML_DECL.decode() + f'<office:document-content {ODS_NS} office:version="1.2"><office:body>'
               f'<office:spreadsheet><table:table table:name="财政预决算">{rows}{extra_rows}'
               "</table:table></office:spreadsheet></office:body></office:document-content>").encode()
    manifest = (XML_DECL.decode() + '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                f'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">{manifest_extra}'
                "</manifest:file-entry></manifest:manifest>").encode()
    path.write_bytes(zip_bytes([
        Member("mimetype", b"application/vnd.oasis.opendocument.spreadsheet", stored=True),
        Member("META-INF/manifest.xml", manifest),
        Member("content.xml", content),
    ]))
    return path


# ---------------------------------------------------------------------------------------- corpus


@dataclass
class Corpus:
    root: Path
    cases: list[Case] = field(default_factory=list)

    def add(self, name: str, build: Callable[[Path], object], expect: str, codes: Iterable[str] = (),
            note: str = "", filename: str | None = None) -> None:
        path = self.root / (filename or name)
        build(path)
        self.cases.append(Case(name=name, path=path, expect=expect, codes=tuple(codes), note=note))


REFUSED_LIMIT = ("file-limit-exceeded",)
UNREADABLE = ("file-unreadable",)
CATALOGUE_BLANK = ("header-not-found", "domain-missing", "domain-unknown", "unit-unknown", "unit-missing", "")


def build_corpus(root: Path) -> list[Case]:
    root.mkdir(parents=True, exist_ok=True)
    c = Corpus(root)
    base_sheet = sheet_xml()
    xl = write_xlsx

    # A control: the same package builder, nothing hostile.
    c.add("benign.xlsx", lambda p: xl(p), "read", note="对照：正常工作簿")
    c.add("real-openpyxl.xlsx", real_workbook, "read", note="对照：openpyxl 写出的工作簿（模糊测试种子）")

    # Entity expansion and external entities, in every kind of part of the package.
    parts = {"workbook": workbook_xml(), "sheet": base_sheet, "shared": shared_strings(),
             "workbook_rels": workbook_rels(), "content_types": content_types(), "root_rels": ROOT_RELS}
    for part, xml in parts.items():
        c.add(f"billion-laughs-{part}.xlsx", lambda p, part=part, xml=xml: xl(p, **{part: _with_dtd(xml, LAUGHS, "&lol9;")}),
              "refused", UNREADABLE, f"十亿笑声实体炸弹（{part}）")
        c.add(f"xxe-{part}.xlsx", lambda p, part=part, xml=xml: xl(p, **{part: _with_dtd(xml, XXE, "&xxe;")}),
              "refused", UNREADABLE, f"外部实体（{part}）")
    c.add("quadratic-blowup.xlsx",
          lambda p: xl(p, sheet=_with_dtd(base_sheet, QUADRATIC_ENTITY, "&a;" * 50_000)), "refused", UNREADABLE,
          "二次膨胀实体")
    c.add("xxe-parameter-entity.xlsx", lambda p: xl(p, shared=_with_dtd(shared_strings(), XXE_PARAM, "x")),
          "refused", UNREADABLE, "外部参数实体")
    c.add("xxe-styles.xlsx", lambda p: xl(p, extra=[Member("xl/styles.xml", _with_dtd(
        XML_DECL + f'<styleSheet xmlns="{NS_MAIN}"><numFmts count="1"/></styleSheet>'.encode(), XXE, "&xxe;"))]),
        "refused", UNREADABLE, "外部实体（styles.xml）")
    c.add("utf16-dtd-sheet.xlsx", lambda p: xl(p, sheet=_with_dtd(base_sheet, XXE, "&xxe;").replace(
        b'encoding="UTF-8"', b'encoding="UTF-16"').decode().encode("utf-16")), "refused", UNREADABLE,
        "UTF-16 编码的工作表（绕过字节检查）")

    # Zip bombs: honest headers, lying headers, sheet and sharedStrings, ratio.
    row_unit = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'

    def bomb(part: str, unit: bytes, total: int, *, lie: bool = False, head: bytes | None = None,
             tail: bytes | None = None) -> Callable[[Path], object]:
        def build(p: Path) -> None:
            if part == "xl/sharedStrings.xml":
                h, t = XML_DECL + f'<sst xmlns="{NS_MAIN}">'.encode(), b"</sst>"
            else:
                h, t = SHEET_HEAD + b"<sheetData>", b"</sheetData></worksheet>"
            m = deflate_bomb(head or h, unit, total, tail or t)
            m.name = part
            if lie:
                m.declared_size = 10_000
                m.crc = zlib.crc32(((head or h) + unit * 10_000)[:10_000])
            members = xlsx_members()
            members[part] = m
            p.write_bytes(zip_bytes(members.values()))
        return build

    c.add("zipbomb-sheet-2gib.xlsx", bomb("xl/worksheets/sheet1.xml", row_unit, 2 * GIB), "refused", REFUSED_LIMIT,
          "工作表解压后 2 GiB")
    c.add("zipbomb-shared-2gib.xlsx", bomb("xl/sharedStrings.xml", b"<si><t>x</t></si>", 2 * GIB), "refused",
          REFUSED_LIMIT, "共享字符串解压后 2 GiB")
    c.add("zipbomb-sheet-lying-header.xlsx", bomb("xl/worksheets/sheet1.xml", row_unit, 2 * GIB, lie=True), "refused",
          REFUSED_LIMIT + UNREADABLE, "头部谎报大小为 10 KB、实际 2 GiB")
    c.add("zipbomb-shared-lying-header.xlsx", bomb("xl/sharedStrings.xml", b"<si><t>x</t></si>", 2 * GIB, lie=True),
          "refused", REFUSED_LIMIT + UNREADABLE, "共享字符串头部谎报大小")
    c.add("zipbomb-ratio.xlsx", bomb("xl/worksheets/sheet1.xml", row_unit, 60 << 20), "refused", REFUSED_LIMIT,
          "60 MB、压缩比约 1000:1")
    cell_head = SHEET_HEAD + b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
    cell_tail = b"</t></is></c></row></sheetData></worksheet>"
    c.add("cell-400mb.xlsx", bomb("xl/worksheets/sheet1.xml", b"A", 400 << 20, head=cell_head, tail=cell_tail),
          "refused", REFUSED_LIMIT, "400 MB 单个单元格（文件约 400 KB）")
    c.add("cell-100mb.xlsx", bomb("xl/worksheets/sheet1.xml", b"A", 100 << 20, head=cell_head, tail=cell_tail),
          "refused", REFUSED_LIMIT, "100 MB 单个单元格（在解压总量上限之内）")
    c.add("shared-cell-100mb.xlsx", bomb("xl/sharedStrings.xml", b"A", 100 << 20,
                                         head=XML_DECL + f'<sst xmlns="{NS_MAIN}"><si><t>'.encode(),
                                         tail=b"</t></si></sst>"),
          "refused", REFUSED_LIMIT, "100 MB 共享字符串")
    c.add("duplicate-member.xlsx", lambda p: p.write_bytes(zip_bytes([
        Member("xl/worksheets/sheet1.xml", sheet_xml(body='<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')),
        *xlsx_members().values()])), "refused", UNREADABLE + REFUSED_LIMIT, "同名成员：远角单元格藏在第一个副本")

    # Dimensions that lie, and cells at the far corner (calamine allocates rows × columns and aborts).
    c.add("dimension-lies.xlsx", lambda p: xl(p, sheet=sheet_xml(dimension="A1:XFD1048576")), "read", CATALOGUE_BLANK,
          "<dimension> 谎称 A1:XFD1048576")
    far = {
        "far-corner-XFD1048576.xlsx": '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
        "far-corner-XFC1048575.xlsx": '<row r="1048575"><c r="XFC1048575"><v>1</v></c></row>',
        "far-corner-single-quotes.xlsx": "<row r='1048576'><c r='XFD1048576'><v>1</v></c></row>",
        "far-corner-spaced-attr.xlsx": '<row r = "1048576" ><c r = "XFD1048576" ><v>1</v></c></row>',
        "far-corner-lowercase.xlsx": '<row r="1048576"><c r="xfd1048576"><v>1</v></c></row>',
        "far-corner-prefixed.xlsx": '<x:row r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>',
        "far-corner-row-only.xlsx": '<row r="1048576"><c><v>1</v></c></row><row r="1"><c r="XFD1"><v>1</v></c></row>',
        "far-corner-charref.xlsx": '<row r="&#49;048576"><c r="&#88;FD1048576"><v>1</v></c></row>',
        "far-corner-no-refs.xlsx": '<row>' + "<c><v>1</v></c>" * 16384 + '</row><row r="1048576"><c><v>1</v></c></row>',
    }
    for name, extra_xml in far.items():
        ns = ' xmlns:x="' + NS_MAIN + '"' if "prefixed" in name else ""
        c.add(name, lambda p, extra_xml=extra_xml, ns=ns: xl(p, sheet=(SHEET_HEAD[:-1] + ns.encode() + b">"
              + f"<sheetData>{sheet_rows_xml(catalogue_rows())}{extra_xml}</sheetData></worksheet>".encode())),
              "refused", REFUSED_LIMIT + UNREADABLE, "远角单元格：" + name[:-5])
    c.add("rows-1048576.xlsx", lambda p: xl(p, sheet=sheet_xml(body="".join(
        f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(6, 1_048_577)))),
        "refused", REFUSED_LIMIT + ("rows-truncated",), "1,048,576 行")
    c.add("columns-16384.xlsx", lambda p: xl(p, sheet=sheet_xml(body='<row r="6">' + "".join(
        f'<c r="{col_letters(i)}6"><v>{i}</v></c>' for i in range(1, 16385)) + "</row>")),
        "refused", REFUSED_LIMIT, "16,384 列")
    long_row = ROWS[0][:3] + ["要素" * 16383 + "素"] + ROWS[0][4:]
    c.add("cell-32767.xlsx", lambda p: xl(p, sheet=sheet_xml(rows=[[TITLE], HEADER, long_row])), "read",
          CATALOGUE_BLANK, "32,767 字符的单元格（Excel 上限，应正常读取）")
    too_long = ROWS[0][:3] + ["要" * 40_000] + ROWS[0][4:]
    c.add("cell-40000.xlsx", lambda p: xl(p, sheet=sheet_xml(rows=[[TITLE], HEADER, too_long])), "read",
          ("cell-too-long",), "40,000 字符的单元格：截断并报告")

    # Broken packages.
    good = zip_bytes(xlsx_members().values())
    c.add("truncated.xlsx", lambda p: p.write_bytes(good[: len(good) // 2]), "refused", UNREADABLE, "截断一半")
    c.add("truncated-tail.xlsx", lambda p: p.write_bytes(good[:-30]), "refused", UNREADABLE, "缺少目录尾")
    c.add("corrupt-central-directory.xlsx", lambda p: p.write_bytes(_corrupt(good, good.rfind(b"PK\x01\x02"), 46)),
          "refused", UNREADABLE, "中央目录损坏")
    c.add("corrupt-local-header.xlsx", lambda p: p.write_bytes(_corrupt(good, good.find(b"PK\x03\x04", 10), 30)),
          "refused", UNREADABLE, "本地文件头损坏")
    c.add("corrupt-deflate.xlsx", lambda p: p.write_bytes(_corrupt_member(good, "xl/worksheets/sheet1.xml")),
          "refused", UNREADABLE, "压缩数据损坏")
    c.add("no-workbook.xlsx", lambda p: p.write_bytes(zip_bytes([Member("hello.txt", b"hi")])), "refused",
          UNREADABLE, "压缩包里没有工作簿")
    c.add("missing-sheet-part.xlsx", lambda p: p.write_bytes(zip_bytes(
        [m for m in xlsx_members().values() if m.name != "xl/worksheets/sheet1.xml"])), "refused",
        UNREADABLE + ("header-not-found", "sheet-empty"), "工作表部件缺失")
    c.add("garbage.xlsx", lambda p: p.write_bytes(bytes((i * 7919) % 251 for i in range(20_000))), "refused",
          UNREADABLE, "扩展名 .xlsx、内容是乱码")
    c.add("html-as.xls", lambda p: p.write_bytes("<html><body><table><tr><td>序号</td></tr></table></body></html>"
                                                 .encode()), "refused", UNREADABLE, "网页另存为 .xls")
    c.add("empty.xlsx", lambda p: p.write_bytes(b""), "refused", UNREADABLE, "0 字节")

    # Encryption, macros, links, formulas.
    c.add("encrypted.xlsx", lambda p: p.write_bytes(ole_file({"EncryptionInfo": b"\x04\x00\x04\x00" + b"\0" * 200,
                                                                  "EncryptedPackage": b"\x10\0\0\0" + b"\x5a" * 5000})),
          "refused", ("file-encrypted",), "设有打开密码（OLE 复合文件，含 EncryptionInfo）")
    c.add("word-as.xls", lambda p: p.write_bytes(ole_file({"WordDocument": b"\xec\xa5" + b"\0" * 600})), "refused",
          UNREADABLE, "Word 文档改名为 .xls")
    c.add("zip-encrypted-member.xlsx", lambda p: p.write_bytes(_set_encrypted_flag(good)), "refused",
          ("file-encrypted",) + UNREADABLE, "压缩包成员标记为加密")
    c.add("macros.xlsm", lambda p: xl(p, content_types=content_types(macro=True), extra=[
        Member("xl/vbaProject.bin", ole_file({"VBA": b"Attribute VB_Name = \"Module1\"\r\nSub AutoOpen()\r\nShell \"calc\"\r\nEnd Sub"}))]),
        "read", ("file-has-macros",), "含宏的 .xlsm")
    c.add("external-link.xlsx", lambda p: xl(p, workbook_rels=workbook_rels(
        '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLink" '
        'Target="externalLinks/externalLink1.xml"/>'), extra=[
        Member("xl/externalLinks/externalLink1.xml", XML_DECL + f'<externalLink xmlns="{NS_MAIN}" xmlns:r="{NS_R}">'
               '<externalBook r:id="rId1"/></externalLink>'.encode()),
        Member("xl/externalLinks/_rels/externalLink1.xml.rels", XML_DECL + (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" '
            'Target="file:///\\\\fileserver\\share\\其他单位.xlsx" TargetMode="External"/></Relationships>').encode())]),
        "read", ("external-link",), "引用外部工作簿")
    c.add("formula-no-value.xlsx", lambda p: xl(p, sheet=sheet_xml(
        body='<row r="6"><c r="A6"><f>SUM(A3:A5)</f></c><c r="B6"><f>HYPERLINK("http://evil.example/","点击")</f></c>'
             '<c r="C6" t="str"><f>CMD|\' /C calc\'!A0</f></c></row>')), "read", ("formula-no-value",),
        "公式没有缓存值（含 DDE 公式）")
    c.add("formula-injection-text.xlsx", lambda p: xl(p, sheet=sheet_xml(rows=[[TITLE], HEADER, [
        "1", "=HYPERLINK(\"http://evil.example\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", *ROWS[0][5:]]])),
        "read", CATALOGUE_BLANK, "以 = + - @ 开头的文本单元格（导出时须中和）")

    # Old formats.
    c.add("benign.xls", lambda p: write_xls(p, catalogue_rows()), "read", CATALOGUE_BLANK, "对照：正常 .xls")
    c.add("far-corner.xls", lambda p: write_xls(p, catalogue_rows(), far=(65535, 255)), "refused", REFUSED_LIMIT,
          ".xls 远角单元格 IV65536")

    def lying_xls(p: Path) -> None:
        write_xls(p, catalogue_rows())
        lie_dimensions(p)
    c.add("dimension-lies.xls", lying_xls, "refused", REFUSED_LIMIT,
          ".xls DIMENSIONS 谎称 65536×256（calamine 会按声明预留 640 MB）")
    c.add("truncated.xls", lambda p: p.write_bytes(write_xls(p, catalogue_rows()).read_bytes()[:3000]), "refused",
          UNREADABLE, "截断的 .xls")
    c.add("benign.ods", lambda p: write_ods(p), "read", CATALOGUE_BLANK, "对照：正常 .ods")
    c.add("ods-trailing-repeats.ods", lambda p: write_ods(p, extra_rows=ods_row(ods_cell("", 1024), 1_048_000)),
          "read", CATALOGUE_BLANK, "LibreOffice 式的空白重复行列（应正常读取）")
    c.add("ods-repeated-rows.ods", lambda p: write_ods(p, extra_rows=ods_row(ods_cell("x"), 1_000_000)), "refused",
          REFUSED_LIMIT, "内容行重复 1,000,000 次")
    c.add("ods-repeated-columns.ods", lambda p: write_ods(p, extra_rows=ods_row(ods_cell("x", 16384))), "refused",
          REFUSED_LIMIT, "内容单元格横向重复 16,384 次")
    c.add("ods-repeated-both.ods", lambda p: write_ods(p, extra_rows=ods_row(ods_cell("x", 900), 9000)), "refused",
          REFUSED_LIMIT, "重复 900 列 × 9000 行")
    c.add("ods-text-no-type.ods", lambda p: write_ods(p, extra_rows=ods_row(
        "<table:table-cell table:number-columns-repeated=\"16384\"><text:p>x</text:p></table:table-cell>", 100)),
        "refused", REFUSED_LIMIT, "无 value-type 的文本单元格重复")
    c.add("ods-encrypted.ods", lambda p: write_ods(p, manifest_extra='<manifest:encryption-data/>'), "refused",
          ("file-encrypted",), "加密的 .ods")
    c.add("ods-billion-laughs.ods", lambda p: p.write_bytes(zip_bytes([
        Member("mimetype", b"application/vnd.oasis.opendocument.spreadsheet", stored=True),
        Member("content.xml", _with_dtd(XML_DECL + f'<office:document-content {ODS_NS}><office:body><office:spreadsheet>'
               '<table:table table:name="a"><table:table-row><table:table-cell office:value-type="string"><text:p><t>x</t>'
               '</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body>'
               '</office:document-content>'.encode(), LAUGHS, "&lol9;"))])), "refused", UNREADABLE, ".ods 实体炸弹")

    # CSV.
    csv_text = "\n".join(",".join(row) for row in catalogue_rows()) + "\n"
    c.add("nul-bytes.csv", lambda p: p.write_bytes(csv_text.encode().replace(b",", b",\x00", 5)), "read", ("nul-bytes",),
          "CSV 含 NUL 字节")
    c.add("invalid-utf8.csv", lambda p: p.write_bytes(csv_text.encode() + b"4,\xff\xfe\xc3(,x\n"), "read",
          ("csv-encoding",), "UTF-8 中夹杂无效字节")
    c.add("gb18030.csv", lambda p: p.write_bytes(csv_text.encode("gb18030")), "read", CATALOGUE_BLANK,
          "GB18030 编码（应正常读取）")
    c.add("invalid-gb18030.csv", lambda p: p.write_bytes(csv_text.encode("gb18030") + b"4,\x81\x30\xff\x80,x\n"),
          "read", ("csv-encoding",), "GB18030 中夹杂无效字节")
    c.add("binary.csv", lambda p: p.write_bytes(b"\x00\x01\x02\x03" * 5000), "refused", UNREADABLE, "二进制内容")
    c.add("csv-huge-field.csv", lambda p: p.write_bytes(b'a,"' + b"x" * 3_000_000 + b'"\n'), "refused",
          REFUSED_LIMIT, "3 MB 的单个 CSV 字段")
    long_csv = "\n".join(",".join(row) for row in [[TITLE], HEADER, ROWS[0][:3] + ["要" * 100_000] + ROWS[0][4:]])
    c.add("csv-long-cell.csv", lambda p: p.write_bytes(long_csv.encode()), "read", ("cell-too-long",),
          "100,000 字符的 CSV 单元格：截断并报告")
    c.add("csv-wide.csv", lambda p: p.write_bytes(b",".join([b"x"] * 16384) + b"\n"), "refused", REFUSED_LIMIT,
          "16,384 列的 CSV")
    c.add("csv-one-astral-char.csv", lambda p: p.write_bytes((csv_text * 2000).encode() + "𠀀\n".encode()), "read",
          CATALOGUE_BLANK, "一个扩展区汉字让整段文本变宽（内存）")

    # Hostile file names (contents are the benign workbook).
    benign = c.root / "benign.xlsx"
    for fname, note in [
        ("..\\..\\evil.xlsx", "反斜杠与 .."),
        ("..xlsx", "以 .. 开头"),
        ("bell\x07tab\tnewline\nname.xlsx", "控制字符"),
        ("rtl-\u202excsl.xlsx", "从右到左覆盖字符"),
        ("-h.xlsx", "以 - 开头（像命令行选项）"),
        ("空 格 与全角：名称.xlsx", "空格与全角符号"),
    ]:
        c.add(f"name:{fname!r}", lambda p: p.write_bytes(benign.read_bytes()), "read", CATALOGUE_BLANK, "文件名：" + note,
              filename=fname)
    return c.cases


def hostile_name_bytes(root: Path, source: Path) -> Path:
    """A copy of ``source`` whose name is not valid UTF-8 (surrogate-escaped in Python): printing it must
    not crash."""
    import os

    target = os.path.join(os.fsencode(root), b"bad-\xff\xfe-name.xlsx")
    with open(target, "wb") as fh:
        fh.write(source.read_bytes())
    return Path(os.fsdecode(target))


def empty_folder(root: Path, n: int = 10_000) -> Path:
    """A folder of ``n`` empty .xlsx files."""
    folder = root / "empty-10000"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"单位{i:05d}.xlsx").touch()
    return folder


def _corrupt(data: bytes, start: int, length: int) -> bytes:
    out = bytearray(data)
    for i in range(start, min(start + length, len(out))):
        out[i] ^= 0x5A
    return bytes(out)


def _corrupt_member(data: bytes, name: str) -> bytes:
    i = data.find(name.encode()) + len(name)
    return _corrupt(data, i + 10, 40)


def _set_encrypted_flag(data: bytes) -> bytes:
    out = bytearray(data)
    i = 0
    while True:
        i = out.find(b"PK\x03\x04", i)
        if i < 0:
            break
        out[i + 6] |= 1
        i += 4
    i = 0
    while True:
        i = out.find(b"PK\x01\x02", i)
        if i < 0:
            break
        out[i + 8] |= 1
        i += 4
    return bytes(out)


if __name__ == "__main__":  # build the corpus into a folder for manual runs: python -m hostile.corpus DIR
    import sys

    for case in build_corpus(Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus")):
        print(f"{case.path.stat().st_size:>10}  {case.expect:8} {case.name}")
