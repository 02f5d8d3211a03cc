"""Properties of the reader (issue 2 §7), with hypothesis:

* any catalogue written in any supported layout and format reads back to the same items;
* arbitrary ragged sheets (random grids, random merges) and random bytes give findings, never exceptions;
* every non-blank data row becomes an item, or is named by a finding, or is a note/signature/header row.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from builders import STANDARD_CHANNELS, Sheet, national, shanghai, write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from zwgk.catalogs import load_reference
from zwgk.catalogs.vocabulary import load_vocabulary
from zwgk.compiler.check import check_file, rule_context, validate
from zwgk.compiler.reader import read_file
from zwgk.compiler.reader.limits import DEFAULT_LIMITS
from zwgk.compiler.reader.sources import load
from zwgk.validators.models import DisclosureItem

VOCAB = load_vocabulary()
CTX = rule_context()
DOMAINS = [d.name for d in load_reference().domains]
# Ordinary catalogue wording; no character that starts a note (注), a signature (填) or a 同上.
ALPHABET = "政务公开事项目录标准信息管理服务教育社会救助招生学校区镇街道年度报告计划结果名单政策文件办法程序条件材料资金项目（）、，1234567890"
SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _plain(text: str) -> bool:
    return (not text.isdigit() and VOCAB.header_field(text) is None and VOCAB.tick_group_of(text) is None
            and not VOCAB.is_ditto(text) and text[0] not in "（）、，")


words = st.text(alphabet=ALPHABET, min_size=2, max_size=24).filter(_plain)


@st.composite
def items(draw: Any, with_category: bool = False) -> list[dict[str, Any]]:
    n = draw(st.integers(min_value=1, max_value=6))
    level1s = draw(st.lists(words, min_size=1, max_size=3))
    out = []
    for i in range(n):
        item = {
            "level1": level1s[min(i * len(level1s) // n, len(level1s) - 1)],  # consecutive runs, as blocks are
            "level2": draw(words),
            "content": draw(words) + str(i),
            "basis": "《" + draw(words) + "》",
            "time_limit": draw(st.sampled_from(["实时", "每年1月31日前", "信息形成或者变更之日起20个工作日内"])),
            "subject": draw(words),
            "channels": draw(st.lists(st.sampled_from(STANDARD_CHANNELS), min_size=1, max_size=4, unique=True)),
            "audience": draw(st.lists(st.sampled_from(["全社会", "特定群众"]), min_size=1, max_size=2, unique=True)),
            "mode": draw(st.lists(st.sampled_from(["主动", "依申请"]), min_size=1, max_size=1)),
            "levels": draw(st.lists(st.sampled_from(["区级", "街镇级"]), min_size=1, max_size=2, unique=True)),
        }
        if with_category:
            item["category"] = draw(st.sampled_from(["综合政务", "政府信息公开"]))
        out.append(item)
    # The canonical order the reader reports multi-valued fields in (column order / vocabulary order).
    for it in out:
        it["channels"] = [c for c in STANDARD_CHANNELS if c in it["channels"]]
        it["audience"] = [a for a in ("全社会", "特定群众") if a in it["audience"]]
        it["levels"] = [v for v in ("区级", "街镇级") if v in it["levels"]]
    return out


FIELDS = ("level1", "level2", "content", "basis", "time_limit", "subject", "channels", "audience", "mode", "levels")


def _as_dicts(res: Any, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    # The reader builds items without pydantic validation (speed): what it builds must validate.
    for item in res.items:
        assert DisclosureItem.model_validate(item.model_dump()) == item
    return [{f: (list(v) if isinstance(v := getattr(i, f), tuple) else v) for f in fields} for i in res.items]


@SETTINGS
@given(data=items(), fmt=st.sampled_from([".xlsx", ".xls", ".ods", ".csv"]),
       variant=st.sampled_from(["plain", "ditto", "merged", "plain-channels", "domain-column"]))
def test_national_round_trip(data: list[dict[str, Any]], fmt: str, variant: str) -> None:
    kw: dict[str, Any] = {"ditto": variant == "ditto", "channels": "plain" if variant == "plain-channels" else "checklist",
                          "merge": ("basis",) if variant == "merged" and fmt != ".csv" else ()}
    if variant == "domain-column":
        for i, it in enumerate(data):
            it["domain"] = DOMAINS[i % len(DOMAINS)]
        kw["domain_column"] = True
    with tempfile.TemporaryDirectory() as tmp:
        res = check_file(write(Path(tmp) / f"宝山区教育局{fmt}", [national(data, **kw)]), ctx=CTX)
    assert _as_dicts(res, FIELDS) == [{f: it[f] for f in FIELDS} for it in data]
    if variant == "domain-column":
        assert [i.domain for i in res.items] == [it["domain"] for it in data]


@SETTINGS
@given(data=items(with_category=True), combined=st.booleans(), fmt=st.sampled_from([".xlsx", ".ods", ".csv"]))
def test_shanghai_round_trip(data: list[dict[str, Any]], combined: bool, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        res = check_file(write(Path(tmp) / f"a{fmt}", [shanghai(data, combined_name=combined)]), ctx=CTX)
    fields = ("category", *FIELDS)
    assert _as_dicts(res, fields) == [{f: it[f] for f in fields} for it in data]


# --- ragged sheets and bytes ---------------------------------------------------------------------------------

CELLS = st.sampled_from(["", "", "", "√", "x", "同上", "注：说明", "序号", "公开事项", "一级事项", "二级事项", "公开内容",
                         "公开依据", "公开时限", "公开主体", "公开渠道和载体", "公开对象", "全社会", "主动", "依申请公开",
                         "县级", "■政府网站 □政府公报", "《条例", "http://x", "查看", "1", "2", "一、义务教育", "区教育局",
                         "实时", "政府网站、两微一端", "特定群体（教师）"]) | st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=12)


@st.composite
def ragged(draw: Any) -> Sheet:
    n_rows = draw(st.integers(min_value=0, max_value=14))
    rows = [draw(st.lists(CELLS, min_size=0, max_size=10)) for _ in range(n_rows)]
    width = max((len(r) for r in rows), default=0)
    merges: list[tuple[int, int, int, int]] = []
    taken: set[tuple[int, int]] = set()
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        if not n_rows or not width:
            break
        r0 = draw(st.integers(0, n_rows - 1))
        c0 = draw(st.integers(0, width - 1))
        r1 = draw(st.integers(r0, min(n_rows - 1, r0 + 4)))
        c1 = draw(st.integers(c0, min(width - 1, c0 + 3)))
        area = {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        if (r1 > r0 or c1 > c0) and not area & taken:
            taken |= area
            merges.append((r0, c0, r1, c1))
    return Sheet(name=draw(st.sampled_from(["义务教育", "Sheet1", "填表说明", "数据"])), rows=rows, merges=merges)


def _accounted(path: Path) -> None:
    """Every non-blank row under a catalogue header is an item, in a finding, or skipped as not data."""
    read = read_file(path, reference=CTX.reference, vocabulary=CTX.vocabulary)
    findings = read.findings + validate(read, CTX)
    if not read.readable:
        assert findings
        return
    grids = {g.name: g for g in load(path, DEFAULT_LIMITS).grids}
    sheet_level = {f.location.sheet for f in findings if f.code in (
        "header-not-found", "rows-not-read", "sheet-instructions-skipped", "sheet-empty", "file-limit-exceeded")}
    for summary in read.summaries:
        grid = grids[summary.name]
        if summary.role != "catalogue":
            # A header without a 公开事项 column: the header is explained by column-missing, any row under
            # it by rows-not-read.  Any other sheet that is not read has a sheet-level finding.
            below = summary.header_rows[-1] if summary.header_rows else 0
            nonblank = any(any(row) for row in grid.rows[below:])
            assert summary.name in sheet_level or not nonblank, summary
            if summary.header_rows:
                assert any(f.code == "column-missing" and f.location.sheet == summary.name for f in findings)
            continue
        items = {rec.item.source.row for s in read.sheets if s.summary.name == summary.name for rec in s.records}
        named = {f.location.row for f in findings if f.location.sheet == summary.name and f.location.row}
        skipped = {row for sheet, row, _ in read.skipped if sheet == summary.name}
        for r in range(summary.header_rows[-1], len(grid.rows)):
            if any(grid.rows[r]):
                assert r + 1 in items | named | skipped, (summary.name, r + 1, grid.rows[r])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheets=st.lists(ragged(), min_size=1, max_size=3, unique_by=lambda s: s.name),
       fmt=st.sampled_from([".xlsx", ".csv"]))
def test_ragged_sheets_give_findings_never_exceptions(sheets: list[Sheet], fmt: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp) / f"a{fmt}", sheets)
        res = check_file(path, ctx=CTX)
        assert res.path.endswith(fmt)
        for f in res.findings:
            assert f.message("zh") and f.message("en")
        _accounted(path)


MAGIC = st.sampled_from([b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xef\xbb\xbf", b"%PDF"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(head=MAGIC, body=st.binary(max_size=2048), suffix=st.sampled_from([".xlsx", ".xls", ".ods", ".csv"]))
def test_random_bytes_give_findings_never_exceptions(head: bytes, body: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"a{suffix}"
        path.write_bytes(head + body)
        res = check_file(path, ctx=CTX)
    assert res.findings or res.readable
    if not res.readable:
        assert len(res.findings) == 1 and res.findings[0].severity == "error"
