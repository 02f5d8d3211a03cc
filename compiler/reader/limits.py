"""Safety limits for reading untrusted workbooks.  Documented in the README; every one is configurable."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    # The file on disk.
    max_file_bytes: int = 100 * 1024 * 1024
    # Sum of the uncompressed sizes of a zip package's members (xlsx/ods): the zip-bomb guard.  python-calamine
    # needs about three times the text it reads, so this bounds peak memory at roughly 3× plus the interpreter.
    max_uncompressed_bytes: int = 120 * 1024 * 1024
    # Uncompressed/compressed ratio of any single member above 1 MB: real sheets compress 5–20×.
    max_compression_ratio: int = 200
    max_zip_members: int = 10_000
    # Rows and columns of one sheet, and the dense area (rows × columns) a reader would allocate.
    max_rows: int = 200_000
    max_columns: int = 1_000
    max_cells: int = 6_000_000
    # Excel's own limit for a cell is 32,767 characters.
    max_cell_chars: int = 32_767
    # Wall-clock budget for reading one file, in seconds (checked between stages).
    max_seconds: float = 120.0
    # Rows scanned for the header.
    header_scan_rows: int = 30
    # The spreadsheet library runs in a forked child (POSIX) with this much extra address space and the time
    # left of max_seconds: a crash, a memory blow-up or a hang there is a refusal, not the end of zwgk.
    isolate: bool = True
    max_memory_bytes: int = 400 * 1024 * 1024


DEFAULT_LIMITS = Limits()


class ReadRefused(Exception):
    """The file cannot or must not be read; carries a registry code and its message parameters."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = {k: str(v) for k, v in params.items()}
