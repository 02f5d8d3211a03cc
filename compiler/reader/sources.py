"""Turn a file on disk into grids of cell text: xlsx/xlsm, xls, ods (python-calamine) and csv.

Every format becomes the same :class:`Grid` so that the layout and row logic never know where a sheet
came from.  Coordinates are 0-based here; the reader converts to Excel's 1-based rows and A1 refs.

Untrusted files are read in two layers.  Our own checks: zip packages are inflated and measured by
ooxml.py, .xls compound files are opened with olefile and their BIFF cell records walked for the real
used area and an encryption record, CSV is decoded by us.  And python-calamine runs in a forked child
with an address-space limit and the time left of the budget: a Rust abort (signal 6), a panic, a memory
blow-up or a hang there becomes a one-sentence refusal.  The two run side by side (our checks in this
process, calamine in the child, one core each); the checks' verdict comes first, and their refusal
kills the child.  Without fork the checks run first and calamine then runs in-process.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import faulthandler
import io
import marshal
import os
import pickle
import resource
import select
import signal
import struct
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zwgk.compiler.reader.limits import Limits, ReadRefused
from zwgk.compiler.reader.ooxml import PackageScan, SheetScan, col_number, scan_ods, scan_xlsx
from zwgk.validators.normalise import ROW_JOIN, clean_cell, joined_is_clean
from zwgk.validators.sheet import column_letter

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
    hidden_rows: list[int] = field(default_factory=list)  # 1-based rows hidden in Excel (xlsx, xls)
    long_cells: list[tuple[int, int, int]] = field(default_factory=list)  # (row, col, original length)
    truncated_rows: int = 0  # rows beyond the limit that were not read
    # (A1 ref, error as Excel shows it: #N/A, #REF! …): calamine reads error cells as blank; the scan finds them.
    error_cells: list[tuple[str, str]] = field(default_factory=list)
    hidden: bool = False  # the sheet is hidden or very hidden in Excel


@dataclass
class LoadedFile:
    kind: str  # xlsx | xls | ods | csv
    grids: list[Grid]
    has_macros: bool = False
    external_links: list[str] = field(default_factory=list)
    encoding: str | None = None
    bad_bytes: int = 0
    nul_bytes: int = 0


ZIP_SUFFIXES = (".xlsx", ".xlsm", ".ods", ".xltx", ".xltm")


def sniff(path: Path) -> str:
    """The format from the content, never from the name; a name that promises a workbook the content does
    not hold is refused rather than read as text."""
    with path.open("rb") as fh:
        head = fh.read(2048)
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
    if head[:5] in (b"{\\rtf", b"%PDF-") or head[:4] in (b"\x89PNG", b"\xff\xd8\xff\xe0", b"GIF8"):
        raise ReadRefused("file-unreadable", reason="这不是电子表格文件（可能是 PDF、图片或 Word 文档）")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<html", b"<!doctype html", b"<table", b"<meta")) or b"<html" in text[:512]:
        raise ReadRefused("file-unreadable", reason="这是网页（HTML）文件，只是扩展名像电子表格（常见于系统“导出 Excel”）")
    if text.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        raise ReadRefused("file-unreadable", reason="这是“XML 电子表格 2003”格式")
    if path.suffix.lower() in ZIP_SUFFIXES:
        if head.startswith(b"PK"):
            raise ReadRefused("file-unreadable", reason="文件已损坏（压缩结构不完整，可能未传完）")
        raise ReadRefused("file-unreadable", reason=f"扩展名是 {path.suffix}，但内容不是 Excel/WPS 工作簿（文件已损坏或被改了扩展名）")
    return "csv"


def load(path: Path, limits: Limits, name: str | None = None) -> LoadedFile:
    """Read ``path``; ``name`` is the file's name as the user knows it (a server stores uploads under random names)."""
    started = time.monotonic()
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
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError) as exc:
        raise ReadRefused("file-unreadable", reason="文件已损坏（压缩结构不完整，可能未传完）") from exc
    except OSError as exc:
        raise ReadRefused("file-unreadable", reason=f"无法打开文件（{exc.strerror or type(exc).__name__}）") from exc
    if kind == "csv":
        return _load_csv(path, limits, name)
    if kind == "ole":
        return _apply_scan(_isolated(lambda: _load_calamine(path, "xls", limits), limits, started,
                                     scan=lambda: _scan_ole(path, limits), spec=(os.fspath(path), "xls")))

    def scan_zip() -> PackageScan:
        try:
            with zipfile.ZipFile(path) as zf:
                return scan_xlsx(zf, limits) if kind == "xlsx" else scan_ods(zf, limits)
        except (zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
            raise ReadRefused("file-unreadable", reason="文件已损坏（压缩结构不完整，可能未传完）") from exc
        except (EOFError, OSError, ValueError, KeyError, NotImplementedError, IndexError, UnicodeError) as exc:
            raise ReadRefused("file-unreadable", reason=f"文件已损坏（{type(exc).__name__}）") from exc

    return _apply_scan(_isolated(lambda: _load_calamine(path, kind, limits), limits, started, scan=scan_zip,
                                 spec=(os.fspath(path), kind)))


def _apply_scan(result: tuple[LoadedFile, PackageScan | None]) -> LoadedFile:
    """Add what our own package scan found and calamine does not give: links, formulas, macros."""
    loaded, scan = result
    if scan is None:
        return loaded
    scans = {s.name: s for s in scan.sheets}
    for grid in loaded.grids:
        s_scan = scans.get(grid.name)
        if s_scan:
            for ref, url in {**s_scan.formula_links, **s_scan.hyperlinks}.items():
                grid.hyperlinks[_ref_to_rc(ref)] = url
            grid.formulas_without_value = s_scan.formulas_without_value
            grid.hidden_rows = s_scan.hidden_rows
            for ref, value in s_scan.error_cells:
                r, c = _ref_to_rc(ref)
                if r < len(grid.rows):
                    row = grid.rows[r]
                    if c >= len(row):
                        row.extend([""] * (c + 1 - len(row)))
                    if not row[c]:
                        row[c] = value  # the cell reads as Excel shows it, so no rule calls it empty
                grid.error_cells.append((ref, value))
    loaded.has_macros = scan.has_macros
    loaded.external_links = list(scan.external_links)
    return loaded


def reading_many() -> contextlib.AbstractContextManager[None]:
    """Read the files of this block through a zygote (a small fork server): see zygote.py.  For callers
    that read many files, such as ``zwgk compile``; a single read forks its child directly."""
    from zwgk.compiler.reader import zygote

    return zygote.reading_many()


# What a read must never swallow.  Everything else calamine raises, including pyo3's PanicException (a
# BaseException, so ``except Exception`` misses it), is a refusal.
_STOP = (KeyboardInterrupt, SystemExit, GeneratorExit)


def _check_time(started: float, limits: Limits) -> None:
    spent = time.monotonic() - started
    if spent > limits.max_seconds:
        raise ReadRefused("file-limit-exceeded", limit="读取时间", actual=f"{spent:.0f} 秒", maximum=f"{limits.max_seconds:g} 秒")


def _isolated(read: Callable[[], LoadedFile], limits: Limits, started: float,
              scan: Callable[[], PackageScan] | None = None,
              spec: tuple[str, str] | None = None) -> tuple[LoadedFile, PackageScan | None]:
    """Run ``read`` in a forked child under an address-space limit and the time left of the budget, while
    this process runs ``scan`` (our own inspection of the package) on the other core.

    The scan's verdict comes first: a refusal there kills the child and is the answer, so a hostile file
    is refused with the scan's precise sentence even though the child started on it (the child cannot
    hurt us: its memory is capped and it dies with the budget).  The child sends back the pickled result
    (or the refusal); its death by signal, a panic or a timeout becomes a refusal here.  Without fork
    (Windows) or with ``isolate=False`` the scan runs first and the read then runs in-process.

    Inside ``zygote.reading_many()`` a read given as ``spec`` (path, kind) runs in a child of a small fork
    server instead of a fork of this process: see zygote.py."""
    if not limits.isolate or not hasattr(os, "fork"):
        scanned = scan() if scan else None
        _check_time(started, limits)
        try:
            return read(), scanned
        except ReadRefused:
            raise
        except MemoryError as exc:
            raise _memory_refusal(limits) from exc
        except _STOP:
            raise
        except BaseException as exc:  # noqa: B036 - a pyo3 PanicException is a BaseException
            raise ReadRefused("file-unreadable", reason=f"工作簿无法解析（{_short(exc)}）") from exc
    from zwgk.compiler.reader import zygote

    started_child = zygote.start_read(spec, limits) if spec is not None else None
    if started_child is not None:
        rfd, err, kill, reap = started_child
    else:
        rfd, wfd = os.pipe()
        err = tempfile.TemporaryFile()  # the child's stderr: a Rust panic prints a backtrace the user must not see
        pid = os.fork()
        if pid == 0:  # the child: never returns, never runs the parent's exit handlers
            os.close(rfd)
            _child_main(read, wfd, err.fileno(), limits)
        os.close(wfd)

        def kill() -> None:
            os.kill(pid, signal.SIGKILL)

        def reap() -> int:
            return _wait(pid)[1]

    found: PackageScan | None = None
    if scan is not None:
        try:
            found = scan()
            _check_time(started, limits)
        except BaseException:
            os.close(rfd)
            kill()
            reap()
            err.close()
            raise
    buf = bytearray(16)  # the two sizes; then head and grids, read in place (no chunk list, no joins)
    got = 0
    sized = timed_out = complete = False
    try:
        deadline = started + limits.max_seconds
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([rfd], [], [], remaining)
            if not ready:
                continue
            n = os.readv(rfd, [memoryview(buf)[got : got + (1 << 22)]])
            if not n:
                break
            got += n
            if not sized and got == 16:
                head_len, blob_len = struct.unpack("<QQ", buf)
                if head_len + blob_len > 4 * limits.max_memory_bytes:
                    break  # not an answer our child could have sent
                buf = bytearray(16 + head_len + blob_len)
                struct.pack_into("<QQ", buf, 0, head_len, blob_len)
                sized = True
            if sized and got == len(buf):
                complete = True
                break
    finally:
        os.close(rfd)
        if timed_out:
            kill()
        if complete:
            status = 0
            threading.Thread(target=reap, daemon=True).start()  # reap it while we go on
        else:
            status = reap()
    if timed_out:
        raise ReadRefused("file-limit-exceeded", limit="读取时间", actual=f"超过 {limits.max_seconds:g} 秒",
                          maximum=f"{limits.max_seconds:g} 秒")
    err.seek(0)
    first_error = err.read(4096).decode("utf-8", "replace")
    err.close()
    if os.WIFSIGNALED(status) or not complete:
        if "memory allocation" in first_error or "capacity overflow" in first_error:
            raise _memory_refusal(limits)
        sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
        raise ReadRefused("file-unreadable", reason=(
            f"表格解析程序读取此文件时异常终止（信号 {sig}），文件结构异常，或读取所需内存超过 "
            f"{limits.max_memory_bytes // 1048576} MB 的上限"))
    view = memoryview(buf)
    try:
        payload: tuple[Any, ...] = pickle.loads(view[16 : 16 + head_len])
    except Exception as exc:
        raise ReadRefused("file-unreadable", reason="表格解析程序没有返回完整结果") from exc
    if payload[0] == "ok":
        loaded: LoadedFile = payload[1]
        at = 16 + head_len
        for grid, (kind, size) in zip(loaded.grids, payload[2], strict=True):
            grid.rows = _unpack_rows(kind, view[at : at + size])
            at += size
        view.release()
        return loaded, found
    if payload[0] == "refused":
        raise ReadRefused(payload[1], **payload[2])
    if payload[0] == "memory":
        raise _memory_refusal(limits)
    raise ReadRefused("file-unreadable", reason=f"工作簿无法解析（{payload[1]}）")


def _child_main(read: Callable[[], LoadedFile], wfd: int, errfd: int, limits: Limits) -> None:
    """The isolated child: read, then send the framed answer on ``wfd``.  Never returns."""
    status = 0
    try:
        os.dup2(errfd, 2)
        faulthandler.disable()  # an abort here is an answer, not a crash to dump on the user's terminal
        _limit_memory(limits)
        result: tuple[object, ...]
        blobs: list[bytes] = []
        try:
            child_result = read()
            kinds = []
            for g in child_result.grids:
                kind, blob = _pack_rows(g.rows)
                g.rows = []
                kinds.append((kind, len(blob)))
                blobs.append(blob)
            result = ("ok", child_result, kinds)
        except ReadRefused as refused:
            result = ("refused", refused.code, refused.params)
        except MemoryError:
            result = ("memory",)
        except BaseException as exc:  # noqa: B036 - a pyo3 PanicException is a BaseException
            result = ("error", _short(exc))
        head = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        # Sizes first: the parent knows the answer is whole without waiting for this process to end (its
        # exit, unmapping a few hundred MB, is then off the critical path).  The grids follow as raw bytes,
        # never copied into one message.
        for part in (struct.pack("<QQ", len(head), sum(map(len, blobs))), head, *blobs):
            view = memoryview(part)
            while view:
                view = view[os.write(wfd, view[: 1 << 20]):]
    except BaseException:  # noqa: B036
        status = 3
    finally:
        os._exit(status)


# Cleaned cells hold no control characters, so a grid travels as one string: cells joined with US, rows
# with RS.  Decoding one string and splitting it is twice as fast as unmarshalling a million small ones.
_CELL_SEP, _ROW_SEP = "\x1f", "\x1e"


def _pack_rows(rows: list[list[str]]) -> tuple[str, bytes]:
    """A grid as bytes: ("joined", UTF-8 of the joined cells) or, for grids with an empty row, marshal."""
    if rows and all(rows):
        text = _ROW_SEP.join([_CELL_SEP.join(row) for row in rows])
        # Proof that no cell held a separator (cleaning removes them; a bug there must not shift cells).
        if text.count(_ROW_SEP) == len(rows) - 1 and text.count(_CELL_SEP) == sum(map(len, rows)) - len(rows):
            rows.clear()  # the texts are in `text` now: halve the peak before encoding
            return "joined", text.encode("utf-8", "surrogatepass")
    return "lists", marshal.dumps(rows)


def _unpack_rows(kind: str, data: memoryview) -> list[list[str]]:
    if kind == "joined":
        return [row.split(_CELL_SEP) for row in str(data, "utf-8", "surrogatepass").split(_ROW_SEP)]
    rows: list[list[str]] = marshal.loads(data)
    return rows


def _wait(pid: int) -> tuple[int, int]:
    while True:
        try:
            return os.waitpid(pid, 0)
        except InterruptedError:  # pragma: no cover - PEP 475 retries, kept for old kernels
            continue


def _memory_refusal(limits: Limits) -> ReadRefused:
    return ReadRefused("file-limit-exceeded", limit="读取所需内存", actual=f"超过 {limits.max_memory_bytes // 1048576} MB",
                       maximum=f"{limits.max_memory_bytes // 1048576} MB")


def _limit_memory(limits: Limits) -> None:
    """Cap the child's address space at what it has now plus the budget: allocations beyond fail there."""
    try:
        with open("/proc/self/statm") as fh:
            current = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return
    cap = current + limits.max_memory_bytes
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


# BIFF records that place a value in a cell (row, column first), and the two that place a run of them.
# BLANK/MULBLANK are left out: they carry formatting only, calamine places no cell for them, and a sheet
# formatted down to row 65536 is common and harmless.
_BIFF_CELLS = {0x0006, 0x0406, 0x0203, 0x0204, 0x00FD, 0x027E, 0x0205, 0x00D6, 0x0003, 0x0004, 0x0002, 0x0005}
_BIFF_MULRK = 0x00BD
_BIFF_BOF = {0x0809, 0x0409, 0x0209, 0x0009}
_BIFF_EOF = 0x000A
_BIFF_FILEPASS = 0x002F
_BIFF_DIMENSIONS = 0x0200


def _scan_ole(path: Path, limits: Limits) -> PackageScan:
    """Open an OLE compound file ourselves: encryption, which document it is, and each sheet's real area."""
    import olefile  # type: ignore[import-untyped]

    try:
        with olefile.OleFileIO(os.fspath(path)) as ole:
            streams = {"/".join(e).lower() for e in ole.listdir(streams=True, storages=False)}
            if streams & {"encryptioninfo", "encryptedpackage"}:
                raise ReadRefused("file-encrypted")  # an encrypted .xlsx is an OLE container with these streams
            name = next((n for n in ("workbook", "book") if n in streams), None)
            if name is None:
                raise ReadRefused("file-unreadable", reason="这是旧版 Office 文件，但不是 Excel 工作簿（可能是 .doc 或 .ppt）")
            size = ole.get_size(name)
            if size > limits.max_uncompressed_bytes:
                raise ReadRefused("file-limit-exceeded", limit="工作簿数据流大小", actual=f"{size / 1048576:.0f} MB",
                                  maximum=f"{limits.max_uncompressed_bytes / 1048576:.0f} MB")
            data = ole.openstream(name).read()
    except ReadRefused:
        raise
    except Exception as exc:  # olefile raises plain exceptions (OSError, ValueError, struct.error …) on damage
        raise ReadRefused("file-unreadable", reason="旧版 Excel 文件（.xls）已损坏，复合文档结构无法读取") from exc
    return _scan_biff(data, limits)


def _scan_biff(data: bytes, limits: Limits) -> PackageScan:
    """Walk the BIFF records: refuse what calamine must not see, and collect the cell hyperlinks it ignores."""
    pos, n = 0, len(data)
    sheet = -1
    names: dict[int, str] = {}  # BOF offset → sheet name (BOUNDSHEET records)
    scan = PackageScan(kind="xls")
    current: SheetScan | None = None
    in_sheet = False
    top = left = bottom = right = -1

    def close() -> None:
        if bottom < 0:
            return
        height, width = bottom - top + 1, right - left + 1
        if right + 1 > limits.max_columns:
            raise ReadRefused("file-limit-exceeded", limit=f"第 {sheet + 1} 个工作表的列数", actual=right + 1,
                              maximum=limits.max_columns)
        if height * width > limits.max_cells:
            raise ReadRefused("file-limit-exceeded", limit=f"第 {sheet + 1} 个工作表的单元格区域",
                              actual=f"{height}×{width}", maximum=f"{limits.max_cells} 个单元格")

    while pos + 4 <= n:
        rtype, rlen = struct.unpack_from("<HH", data, pos)
        start = pos
        body, pos = pos + 4, pos + 4 + rlen
        if rtype == _BIFF_FILEPASS:
            raise ReadRefused("file-encrypted")
        if rtype == _BIFF_BOUNDSHEET and rlen >= 8 and body + rlen <= n:
            name = _biff_short_string(data, body + 6, body + rlen)
            if name is not None:
                names[struct.unpack_from("<I", data, body)[0]] = name
            continue
        if rtype in _BIFF_BOF:
            close()
            kind = struct.unpack_from("<H", data, body + 2)[0] if rlen >= 4 and body + 4 <= n else 0
            in_sheet = kind == 0x0010
            sheet += 1 if in_sheet else 0
            current = None
            if in_sheet and start in names:
                current = SheetScan(name=names[start], member="")
                scan.sheets.append(current)
            top = left = bottom = right = -1
            continue
        if rtype == _BIFF_HLINK and current is not None and body + rlen <= n:
            link = _biff_hlink(data[body : body + rlen])
            if link is not None and len(current.hyperlinks) < 100_000:
                (row, col), url = link
                current.hyperlinks[f"{column_letter(col + 1)}{row + 1}"] = url
            continue
        if rtype == _BIFF_ROW and current is not None and rlen >= 16 and body + 16 <= n:
            if struct.unpack_from("<H", data, body + 12)[0] & 0x0020 and len(current.hidden_rows) < 100_000:
                current.hidden_rows.append(struct.unpack_from("<H", data, body)[0] + 1)  # fDyZero: hidden
            continue
        if rtype == _BIFF_EOF:
            close()
            in_sheet = False
            top = left = bottom = right = -1
            continue
        if not in_sheet or rlen < 4 or body + 4 > n:
            continue
        if rtype == _BIFF_DIMENSIONS and rlen >= 14 and body + 14 <= n:
            # calamine reserves the area this record declares before it reads a cell: a lie here is an
            # allocation of rows × columns (measured: 640 MB for 65536 × 256), so it is held to the limits too.
            _r0, r1, _c0, c1 = struct.unpack_from("<IIHH", data, body)
            if c1 > limits.max_columns or r1 * c1 > limits.max_cells:
                raise ReadRefused("file-limit-exceeded", limit=f"第 {sheet + 1} 个工作表声明的区域（DIMENSIONS 记录）",
                                  actual=f"{r1}×{c1}", maximum=f"{limits.max_cells} 个单元格")
            continue
        if rtype in _BIFF_CELLS:
            row, c0 = struct.unpack_from("<HH", data, body)
            c1 = c0
        elif rtype == _BIFF_MULRK and rlen >= 6 and body + rlen <= n:
            row, c0 = struct.unpack_from("<HH", data, body)
            c1 = struct.unpack_from("<H", data, body + rlen - 2)[0]
        else:
            continue
        top = row if top < 0 else min(top, row)
        bottom = max(bottom, row)
        left = min(c0, c1) if left < 0 else min(left, c0, c1)
        right = max(right, c0, c1)
    close()
    return scan


_BIFF_BOUNDSHEET = 0x0085
_BIFF_HLINK = 0x01B8
_BIFF_ROW = 0x0208
_URL_MONIKER = bytes.fromhex("E0C9EA79F9BACE118C8200AA004BA90B")


def _biff_short_string(data: bytes, at: int, end: int) -> str | None:
    """A ShortXLUnicodeString (BOUNDSHEET's sheet name)."""
    if at + 2 > end:
        return None
    cch, high = data[at], data[at + 1] & 0x01
    raw = data[at + 2 : at + 2 + cch * (2 if high else 1)]
    return raw.decode("utf-16-le" if high else "latin-1", "replace")


def _biff_hlink(rec: bytes) -> tuple[tuple[int, int], str] | None:
    """The first cell and URL of an HLINK record ([MS-XLS] 2.4.140 with [MS-OSHARED] Hyperlink Object).

    Only URL monikers are read: a link to a place in the workbook or to a local file is not a web page.
    Anything malformed gives None — the cell then keeps its text and the link rule says it has no target.
    """
    try:
        row, _row_last, col, _col_last = struct.unpack_from("<HHHH", rec, 0)
        pos = 8 + 16  # ref8 and the hyperlink CLSID
        _version, flags = struct.unpack_from("<II", rec, pos)
        pos += 8

        def hstring(p: int) -> tuple[str, int]:
            (count,) = struct.unpack_from("<I", rec, p)
            text = rec[p + 4 : p + 4 + count * 2].decode("utf-16-le", "replace").rstrip("\x00")
            return text, p + 4 + count * 2

        if flags & 0x10:  # hlstmfHasDisplayName
            _, pos = hstring(pos)
        if flags & 0x80:  # hlstmfHasFrameName
            _, pos = hstring(pos)
        if not flags & 0x01:  # hlstmfHasMoniker
            return None
        if flags & 0x100:  # hlstmfMonikerSavedAsStr
            url, pos = hstring(pos)
        else:
            if rec[pos : pos + 16] != _URL_MONIKER:
                return None
            (length,) = struct.unpack_from("<I", rec, pos + 16)
            raw = rec[pos + 20 : pos + 20 + length]
            url = raw.decode("utf-16-le", "replace").split("\x00", 1)[0]
        url = url.strip()
        return ((row, col), url) if url else None
    except (struct.error, IndexError):
        return None


def _load_calamine(path: Path, kind: str, limits: Limits) -> LoadedFile:
    import python_calamine as pc

    try:
        name = os.fspath(path)
        if name.encode("utf-8", "surrogateescape") != name.encode("utf-8", "replace"):
            # A name that is not valid UTF-8 (surrogate-escaped): calamine cannot open it by name.
            with open(path, "rb") as fh:
                wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(fh.read()))
        else:
            wb = pc.CalamineWorkbook.from_path(name)
    except _STOP:
        raise
    except BaseException as exc:  # noqa: B036 - calamine's own error classes, and pyo3's PanicException
        text = str(exc).lower()
        if "password" in text or "encrypt" in text:
            raise ReadRefused("file-encrypted") from exc
        raise ReadRefused("file-unreadable", reason=f"工作簿无法解析（{_short(exc)}）") from exc
    grids: list[Grid] = []
    try:
        for meta in wb.sheets_metadata:
            if str(meta.typ).endswith("WorkSheet") is False and "WorkSheet" not in str(meta.typ):
                continue  # chart sheets, macro sheets
            try:
                sheet = wb.get_sheet_by_name(meta.name)
            except _STOP:
                raise
            except BaseException as exc:  # noqa: B036
                raise ReadRefused("file-unreadable", reason=f"工作表「{meta.name}」无法解析（{_short(exc)}）") from exc
            if kind != "xlsx":
                # No package scan for xls/ods cell areas: check calamine's own dimensions before converting.
                h, w = sheet.total_height, sheet.total_width
                if w > limits.max_columns or h * w > limits.max_cells * 4:
                    raise ReadRefused("file-limit-exceeded", limit=f"工作表「{meta.name}」的单元格区域",
                                      actual=f"{h}×{w}", maximum=f"{limits.max_cells} 个单元格")
            try:
                merged = sheet.merged_cell_ranges or []
            except _STOP:
                raise
            except BaseException:  # noqa: B036 - merged ranges are a nicety; a panic here loses only them
                merged = []
            nrows = limits.max_rows
            raw = sheet.to_python(skip_empty_area=False, nrows=nrows + 1)
            truncated = 0
            if len(raw) > nrows:
                truncated = max(sheet.total_height - nrows, 1)
                raw = raw[:nrows]
            del sheet  # calamine's own copy of the cells goes before the texts are cleaned (peak memory)
            grid = Grid(name=meta.name, rows=[], truncated_rows=truncated, hidden=meta.visible != pc.SheetVisibleEnum.Visible)
            grid.rows = _clean_rows(raw, limits.max_cell_chars, grid.long_cells)
            del raw
            grid.merged = [(a[0], a[1], b[0], b[1]) for a, b in merged][:100_000]
            grids.append(grid)
    finally:
        try:
            wb.close()
        except Exception:
            pass
    return LoadedFile(kind=kind, grids=grids)


def _clean_rows(raw: list[list[Any]], cap: int, long_cells: list[tuple[int, int, int]]) -> list[list[str]]:
    """calamine's values → cleaned cell texts, longer ones cut at ``cap`` and listed in ``long_cells``.

    The hot loop of every read (a million cells at 100,000 rows): a clean, short row is kept as it is
    after one test of the whole row, so clean_cell runs only on the cells of the rows that need it."""
    rows: list[list[str]] = []
    join = ROW_JOIN.join
    for r, row in enumerate(raw):
        try:
            joined = join(row)  # calamine's list is ours to keep: an all-text row needs no copy
            out = row
        except TypeError:  # numbers, dates, booleans
            out = [v if v.__class__ is str else clean_cell(v) for v in row]
            joined = join(out)
        if len(joined) <= cap and joined_is_clean(joined):
            rows.append(out)
            continue
        out = [clean_cell(v) if v else "" for v in out]
        if out and max(map(len, out)) > cap:  # rare: only then look at each cell
            for c, text in enumerate(out):
                if len(text) > cap:
                    long_cells.append((r, c, len(text)))
                    out[c] = text[:cap]
        rows.append(out)
    return rows


def _ref_to_rc(ref: str) -> tuple[int, int]:
    letters = "".join(ch for ch in ref if ch.isalpha())
    digits = "".join(ch for ch in ref if ch.isdigit())
    return int(digits) - 1, col_number(letters) - 1


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]


def detect_encoding(data: bytes) -> tuple[str, int]:
    """UTF-8 (with or without BOM), else GB18030, else whichever garbles fewer bytes.  Returns (encoding,
    undecodable sequences).  Decodes chunk by chunk and keeps nothing: a 100 MB file with one astral
    character would otherwise become a 400 MB string just to be tested."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for i in range(0, len(data), _CHUNK):
                decoder.decode(data[i:i + _CHUNK])
            decoder.decode(b"", final=True)
            return encoding, 0
        except UnicodeDecodeError:
            continue
    bad = {}
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        count = sum(decoder.decode(data[i:i + _CHUNK]).count("\ufffd") for i in range(0, len(data), _CHUNK))
        bad[encoding] = count + decoder.decode(b"", final=True).count("\ufffd")
    best = min(bad, key=lambda e: (bad[e], e != "utf-8-sig"))
    return best, bad[best]


def decode_text(data: bytes) -> tuple[str, str, int]:
    """Decode CSV bytes whole: (text, encoding, bad sequences).  The reader streams instead (see _load_csv)."""
    encoding, bad = detect_encoding(data)
    return data.decode(encoding, errors="replace"), encoding.removesuffix("-sig"), bad


_CHUNK = 1 << 20
# Bytes that do not occur in text (NUL and C0 controls other than tab, line feed, form feed, carriage return).
_BINARY_BYTES = [b for b in range(32) if b not in (9, 10, 12, 13)]


def _load_csv(path: Path, limits: Limits, name: str | None = None) -> LoadedFile:
    data = path.read_bytes()
    utf16 = _utf16(data)
    if utf16:
        # Excel's "Unicode text" (UTF-16, tab-separated), often renamed .csv: text, not binary.
        try:
            data = data.decode(utf16).encode("utf-8")
        except UnicodeDecodeError as exc:
            raise ReadRefused("file-unreadable", reason="文件看起来是 UTF-16 文本，但其中有无法解码的内容") from exc
    head = data[:65536]
    controls = sum(head.count(bytes([b])) for b in _BINARY_BYTES)
    if controls * 10 > len(head):
        raise ReadRefused("file-unreadable", reason="这不是文本表格（含大量二进制内容）")
    nul = data.count(b"\x00")
    if nul:
        data = data.replace(b"\x00", b"")
    encoding, bad = detect_encoding(data)
    sample = data[:32768].decode(encoding, errors="replace")[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    field_limit = limits.max_cell_chars * 32
    csv.field_size_limit(max(field_limit, 131072))
    grid = Grid(name=Path(name).stem if name else path.stem, rows=[])
    cells = 0
    # Streamed: the text never exists whole, only the rows kept (≤ max_rows, each cell ≤ max_cell_chars).
    text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors="replace", newline="")
    try:
        for r, row in enumerate(csv.reader(text, dialect)):
            if r >= limits.max_rows:
                grid.truncated_rows += 1
                continue
            if len(row) > limits.max_columns:
                raise ReadRefused("file-limit-exceeded", limit="列数", actual=len(row), maximum=limits.max_columns)
            cells += len(row)
            if cells > limits.max_cells:
                raise ReadRefused("file-limit-exceeded", limit="单元格数", actual=f">{limits.max_cells}",
                                  maximum=f"{limits.max_cells} 个单元格")
            out = []
            for c, value in enumerate(row):
                cell = clean_cell(value)
                if len(cell) > limits.max_cell_chars:
                    grid.long_cells.append((r, c, len(cell)))
                    cell = cell[: limits.max_cell_chars]
                out.append(cell)
            grid.rows.append(out)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise ReadRefused("file-limit-exceeded", limit="单个单元格长度", actual=f">{field_limit} 个字符",
                              maximum=f"{limits.max_cell_chars} 个字符") from exc
        raise ReadRefused("file-unreadable", reason="CSV 格式错误（引号不成对或含有无法识别的字符）") from exc
    del data
    return LoadedFile(kind="csv", grids=[grid], encoding="utf-16" if utf16 else encoding.removesuffix("-sig"),
                      bad_bytes=bad, nul_bytes=nul)


def _utf16(data: bytes) -> str | None:
    """The codec of UTF-16 text: a byte-order mark, or (no mark) NUL bytes, many and on one side of each pair
    of the head — the high bytes of ASCII tabs, digits and line breaks (UTF-8 and GB18030 have no NUL)."""
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-16"
    head = data[:4096]
    head = head[: len(head) - len(head) % 2]
    if len(head) >= 8:
        # One side only, nearly: a CJK character with a zero low byte (一 U+4E00) puts a NUL on the other.
        odd, even = head[1::2].count(0), head[0::2].count(0)
        if odd * 50 >= len(head) and odd >= 3 * even:
            return "utf-16-le"
        if even * 50 >= len(head) and even >= 3 * odd:
            return "utf-16-be"
    return None
