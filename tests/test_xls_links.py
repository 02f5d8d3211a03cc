"""Cell hyperlinks in legacy .xls files (BIFF8 HLINK records), which python-calamine does not report."""

import io
import struct
from pathlib import Path

import olefile
import pytest
from zwgk.compiler.check import check_file
from zwgk.compiler.reader.sources import _URL_MONIKER, _biff_hlink

from tests.hostile.corpus import ole_file

xlwt = pytest.importorskip("xlwt", reason="xlwt (a dev dependency) writes the legacy .xls fixture")

HEADER = ["类别", "一级事项", "二级事项", "公开内容", "公开依据", "公开时限", "公开主体", "公开渠道和载体", "链接",
          "公开对象", "公开方式", "公开层级"]
ROW = ["综合政务", "政府信息公开", "政府信息公开年报", "本单位政府信息公开工作年度报告",
       "《中华人民共和国政府信息公开条例》", "每年1月31日前", "区教育局", "政府网站", "查看", "全社会", "主动公开", "区级"]
URL = "https://www.shbsq.gov.cn/jyj/nb2020.html"


def hlink(row: int, col: int, url: str, *, display: str | None = None) -> bytes:
    """An HLINK record as Excel writes it for a web link: ref8, CLSID, version, flags, [display], URL moniker."""
    flags = 0x03 | (0x14 if display is not None else 0)  # has moniker, absolute; [has display name]
    body = struct.pack("<HHHH", row, row, col, col) + bytes(16) + struct.pack("<II", 2, flags)
    if display is not None:
        text = (display + "\0").encode("utf-16-le")
        body += struct.pack("<I", len(text) // 2) + text
    target = (url + "\0").encode("utf-16-le")
    body += _URL_MONIKER + struct.pack("<I", len(target)) + target
    return struct.pack("<HH", 0x01B8, len(body)) + body


def xls_with_link(path: Path, record: bytes, *, hidden: bool = False) -> Path:
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("综合政务")
    for c, text in enumerate(HEADER):
        ws.write(0, c, text)
    for c, text in enumerate(ROW):
        ws.write(1, c, text)
    ws.row(1).hidden = hidden
    buf = io.BytesIO()
    wb.save(buf)
    stream = olefile.OleFileIO(buf.getvalue()).openstream("Workbook").read()
    eof = stream.rfind(struct.pack("<HH", 0x000A, 0))  # the sheet's EOF: the sheet's BOF offset stays valid
    path.write_bytes(ole_file({"Workbook": stream[:eof] + record + stream[eof:]}))
    return path


def test_a_view_cell_hyperlinked_in_xls_gives_its_url(tmp_path: Path) -> None:
    res = check_file(xls_with_link(tmp_path / "区教育局.xls", hlink(1, 8, URL, display="查看")))
    assert res.readable
    assert [it.links for it in res.items] == [(URL,)]
    assert not [f for f in res.findings if f.code == "link-invalid"]


def test_without_the_record_the_view_cell_is_reported(tmp_path: Path) -> None:
    res = check_file(xls_with_link(tmp_path / "区教育局.xls", b""))
    assert [it.links for it in res.items] == [()]
    assert [f.location.cell for f in res.findings if f.code == "link-invalid"] == ["I2"]


def test_malformed_hlink_records_are_ignored_not_fatal() -> None:
    good = hlink(3, 2, URL)[4:]
    assert _biff_hlink(good) == ((3, 2), URL)
    # Cut anywhere before the URL's first character: no link, and no exception.
    url_start = len(good) - len((URL + "\0").encode("utf-16-le"))
    for cut in range(0, url_start):
        assert _biff_hlink(good[:cut]) is None, cut
    local = good.replace(_URL_MONIKER, bytes(16))  # a file moniker: not a web page
    assert _biff_hlink(local) is None


def test_a_hidden_item_row_in_xls_is_read_and_said(tmp_path: Path) -> None:
    """The BIFF ROW record's fDyZero flag (a row hidden in Excel), which calamine does not report."""
    res = check_file(xls_with_link(tmp_path / "区教育局.xls", b"", hidden=True))
    assert len(res.items) == 1
    assert [(f.location.row, f.params["rows"]) for f in res.findings if f.code == "rows-hidden"] == [(2, "2")]
    shown = check_file(xls_with_link(tmp_path / "区教育局2.xls", b""))
    assert not [f for f in shown.findings if f.code == "rows-hidden"]
