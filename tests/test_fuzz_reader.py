"""Fuzzing the reader (issue 8): mutate a real workbook and the reader answers with findings or a refusal.

Two mutators: bytes inside a zip member's decompressed XML (flip, insert, delete, then re-zip properly),
and the zip structure itself (local headers, central directory, end record, sizes, truncation).  Every
read runs under the hang guard; python-calamine runs in the reader's forked child, so an abort there is a
refusal, and anything else escaping as an exception is a failure of this test.
"""

from __future__ import annotations

import io
import struct
import tempfile
import zipfile
from pathlib import Path

from hostile.corpus import real_workbook, write_ods
from hostile.guard import within
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from zwgk.catalogs import load_reference
from zwgk.catalogs.vocabulary import load_vocabulary
from zwgk.compiler.reader import read_file
from zwgk.compiler.reader.limits import Limits

_TMP = tempfile.TemporaryDirectory(prefix="zwgk-fuzz-")
SEED = real_workbook(Path(_TMP.name) / "seed.xlsx").read_bytes()
SEED_ODS = write_ods(Path(_TMP.name) / "seed.ods").read_bytes()
REFERENCE = load_reference()
VOCABULARY = load_vocabulary()
LIMITS = Limits(max_seconds=20)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)


def members(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(info, zf.read(info)) for info in zf.infolist()]


SEED_MEMBERS = members(SEED)
SEED_ODS_MEMBERS = members(SEED_ODS)


def rezip(parts: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in parts:
            zf.writestr(info.filename, data)
    return out.getvalue()


def answer(data: bytes, suffix: str = ".xlsx") -> None:
    """Read mutated bytes: a result (readable or not) is an answer; an exception or a hang is a failure."""
    with tempfile.NamedTemporaryFile(suffix=suffix, dir=_TMP.name) as fh:
        fh.write(data)
        fh.flush()
        with within(60, "fuzzed read"):
            result = read_file(fh.name, reference=REFERENCE, vocabulary=VOCABULARY, limits=LIMITS)
    if not result.readable:
        assert len(result.findings) == 1 and result.findings[0].code.startswith("file-")
    for f in result.findings:
        f.message("zh")  # every finding renders


edit = st.tuples(st.sampled_from(["flip", "insert", "delete"]), st.floats(0, 1), st.binary(min_size=1, max_size=8))


def mutate(data: bytes, edits: list[tuple[str, float, bytes]]) -> bytes:
    buf = bytearray(data)
    for op, where, payload in edits:
        i = min(int(where * len(buf)), max(len(buf) - 1, 0))
        if op == "flip" and buf:
            buf[i] ^= payload[0] or 0x01
        elif op == "insert":
            buf[i:i] = payload
        elif op == "delete":
            del buf[i:i + len(payload)]
    return bytes(buf)


@FUZZ
@given(which=st.integers(0, len(SEED_MEMBERS) - 1), edits=st.lists(edit, min_size=1, max_size=6))
def test_bytes_inside_members(which: int, edits: list[tuple[str, float, bytes]]) -> None:
    parts = list(SEED_MEMBERS)
    info, data = parts[which]
    parts[which] = (info, mutate(data, edits))
    answer(rezip(parts))


XML_TOKENS = [b"<", b">", b"/>", b'"', b"'", b"&", b"&amp;", b"<!DOCTYPE x>", b"<![CDATA[", b'r="XFD1048576"',
              b'r="A1"', b"<row>", b"</row>", b"<c>", b'<c r="B2" t="s"><v>99999</v></c>', b'<v>1e308</v>', b"\x00",
              b"\xff\xfe", b'<f>SUM(A1)</f>', b'<mergeCell ref="A1:XFD1048576"/>', b'<hyperlink ref="A1" r:id="rId9"/>']


@FUZZ
@given(which=st.integers(0, len(SEED_MEMBERS) - 1), where=st.lists(st.floats(0, 1), min_size=1, max_size=4),
       token=st.lists(st.sampled_from(XML_TOKENS), min_size=1, max_size=4))
def test_xml_tokens_inside_members(which: int, where: list[float], token: list[bytes]) -> None:
    parts = list(SEED_MEMBERS)
    info, data = parts[which]
    edits = [("insert", w, t) for w, t in zip(where, token, strict=False)]
    parts[which] = (info, mutate(data, edits))
    answer(rezip(parts))


@FUZZ
@given(which=st.integers(0, len(SEED_ODS_MEMBERS) - 1), edits=st.lists(edit, min_size=1, max_size=6))
def test_bytes_inside_ods_members(which: int, edits: list[tuple[str, float, bytes]]) -> None:
    parts = list(SEED_ODS_MEMBERS)
    info, data = parts[which]
    parts[which] = (info, mutate(data, edits))
    answer(rezip(parts), ".ods")


def _structure_offsets(data: bytes) -> list[int]:
    """Where the zip's own records are: local headers, central directory entries, the end record."""
    offsets = []
    for sig in (b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06"):
        i = data.find(sig)
        while i >= 0:
            offsets.append(i)
            i = data.find(sig, i + 1)
    return sorted(offsets)


STRUCTURE = _structure_offsets(SEED)


@FUZZ
@given(record=st.sampled_from(STRUCTURE), field_at=st.integers(0, 45), value=st.binary(min_size=1, max_size=4))
def test_zip_structure(record: int, field_at: int, value: bytes) -> None:
    buf = bytearray(SEED)
    at = min(record + field_at, len(buf) - len(value))
    buf[at:at + len(value)] = value
    answer(bytes(buf))


@FUZZ
@given(record=st.sampled_from([o for o in STRUCTURE if SEED[o:o + 4] == b"PK\x01\x02"]),
       which=st.sampled_from(["compress_size", "file_size", "crc", "offset"]), value=st.integers(0, 2**32 - 1))
def test_zip_sizes_and_offsets(record: int, which: str, value: int) -> None:
    # Central-directory fields that readers trust: sizes, CRC, the local header offset.
    at = {"crc": 16, "compress_size": 20, "file_size": 24, "offset": 42}[which]
    buf = bytearray(SEED)
    struct.pack_into("<I", buf, record + at, value)
    answer(bytes(buf))


@FUZZ
@given(cut=st.integers(1, len(SEED) - 1))
def test_truncation(cut: int) -> None:
    answer(SEED[:cut])
