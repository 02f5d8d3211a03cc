"""Every rule of `zwgk check` (issue 2 §5) has a failing and a passing case, and every registered code
renders in Chinese and English."""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from builders import Sheet, national, sample_item, shanghai, write
from zwgk.compiler.check import check_file, rule_context
from zwgk.validators.models import Finding, Severity, SourceLocation
from zwgk.validators.registry import RULES, get, rules_for
from zwgk.validators.rules.basis import cn_number, unbalanced
from zwgk.validators.rules.links import link_problem
from zwgk.validators.rules.time_limit import recognisable, working_days
from zwgk.validators.sheet import RuleContext

Edit = Callable[[Sheet], None]


def cell_edit(label: str, value: str, item: int = 1) -> Edit:
    """Write ``value`` into the column labelled ``label`` of the ``item``-th item row (1-based)."""
    def edit(sheet: Sheet) -> None:
        sheet.rows[sheet.item_rows[item - 1] - 1][sheet.columns.index(label)] = value
    return edit


def nat(*overrides: dict[str, Any], **kw: Any) -> Callable[[], Sheet]:
    def make() -> Sheet:
        items = [sample_item(i + 1, **o) for i, o in enumerate(overrides or ({}, {}))]
        return national(items, **kw)
    return make


def sh(*overrides: dict[str, Any], **kw: Any) -> Callable[[], Sheet]:
    base = {"category": "综合政务", "level1": "机构信息"}

    def make() -> Sheet:
        items = [sample_item(i + 1, **{**base, **o}) for i, o in enumerate(overrides or ({}, {}))]
        return shanghai(items, **kw)
    return make


# (code, sheet maker, edit that breaks item 1 or None, expected cell of the finding) — item 2 stays valid and
# must draw no finding of that code; the same sheet without the edit must draw none at all.
CASES: list[tuple[str, Callable[[], Sheet], Edit | None, str | None]] = [
    ("required-cell-empty", nat(), cell_edit("公开依据", ""), "E5"),
    ("required-cell-empty", nat(), cell_edit("公开主体", ""), "G5"),
    ("required-cell-empty", nat(), cell_edit("公开渠道和载体", ""), "H5"),
    ("required-cell-empty", nat({"level1": "招生管理"}, {"level1": "学籍管理"}), cell_edit("二级事项", ""), "C5"),
    ("mode-none", nat(), cell_edit("主动", ""), "K5"),
    ("mode-both", nat(), cell_edit("依申请公开", "√"), "K5"),
    ("audience-none", nat(), cell_edit("全社会", ""), "I5"),
    ("level-none", nat(), cell_edit("县级", ""), "M5"),
    ("tick-mark-unrecognised", nat(), cell_edit("主动", "x"), "K5"),
    ("basis-brackets-unbalanced", nat(), cell_edit("公开依据", "《中华人民共和国政府信息公开条例"), "E5"),
    ("basis-clause-not-found", nat(), cell_edit("公开依据", "《中华人民共和国政府信息公开条例》第二十条第十六项"), "E5"),
    ("time-limit-unrecognised", nat(), cell_edit("公开时限", "视情况而定"), "F5"),
    ("time-limit-exceeds-statutory", nat(), cell_edit("公开时限", "信息形成之日起2个月内"), "F5"),
    ("item-duplicate", nat({}, {}), lambda s: _copy_item(s, 1, 2), "C6"),
    ("channel-unknown", nat(), cell_edit("公开渠道和载体", "■政府网站 ■校园宣传橱窗"), "H5"),
    ("value-not-in-vocabulary", sh(), cell_edit("公开方式", "公开"), "J4"),
    ("value-not-in-vocabulary", sh(), cell_edit("公开层级", "省级"), "K4"),
    ("link-invalid", sh({"links": ["https://www.shbsq.gov.cn/a.html"]}, {"links": ["https://www.shbsq.gov.cn/b.html"]},
                        link="url"), cell_edit("链接", "ftp://www.shbsq.gov.cn/a"), "I4"),
    ("link-invalid", sh({"links": ["https://www.shbsq.gov.cn/a.html"]}, {"links": ["https://www.shbsq.gov.cn/b.html"]},
                        link="url"), cell_edit("链接", "http://exa mple"), "I4"),
    ("link-invalid", sh({"links": ["https://www.shbsq.gov.cn/a.html"]}, {"links": ["https://www.shbsq.gov.cn/b.html"]},
                        link="url"), cell_edit("链接", "见网站"), "I4"),
    ("link-off-government", sh({"links": ["https://www.shbsq.gov.cn/a.html"]}, {"links": ["https://www.shbsq.gov.cn/b.html"]},
                               link="url"), cell_edit("链接", "https://mp.weixin.qq.com/s/abc"), "I4"),
]


def _copy_item(sheet: Sheet, src: int, dst: int) -> None:
    a, b = sheet.item_rows[src - 1] - 1, sheet.item_rows[dst - 1] - 1
    for label in ("二级事项", "公开内容（要素）"):
        c = sheet.columns.index(label)
        sheet.rows[b][c] = sheet.rows[a][c]


@pytest.mark.parametrize(("code", "make", "edit", "cell"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_fails_and_passes(tmp_path: Path, ctx: RuleContext, code: str, make: Callable[[], Sheet], edit: Edit,
                               cell: str) -> None:
    clean = make()
    good = check_file(write(tmp_path / "good.xlsx", [clean]), ctx=ctx)
    assert [f.code for f in good.findings if f.severity != Severity.INFO] == [], [f.message() for f in good.findings]
    broken = make()
    edit(broken)
    bad = check_file(write(tmp_path / "bad.xlsx", [broken]), ctx=ctx)
    hits = [f for f in bad.findings if f.code == code]
    assert [f.location.cell for f in hits] == [cell], [f.message() for f in bad.findings]
    assert hits[0].severity == get(code).severity
    assert hits[0].location.sheet == broken.name and hits[0].location.row == int(re.sub(r"\D", "", cell))
    message = hits[0].message()
    assert cell in message and "工作表" in message
    assert bad.errors == good.errors + (1 if get(code).severity == Severity.ERROR else 0)


def test_required_column_missing(tmp_path: Path, ctx: RuleContext) -> None:
    sheet = national([sample_item(1)])
    c = sheet.columns.index("公开依据")
    for row in sheet.rows:
        del row[c]
    sheet.merges = [(r0, c0 - (c0 > c), r1, c1 - (c1 > c)) for r0, c0, r1, c1 in sheet.merges if c0 != c]
    sheet.columns.pop(c)
    res = check_file(write(tmp_path / "a.xlsx", [sheet]), ctx=ctx)
    missing = [f for f in res.findings if f.code == "column-missing"]
    assert [f.params["label"] for f in missing] == ["公开依据"]
    assert missing[0].location.row == 3 and missing[0].severity == Severity.ERROR
    complete = check_file(write(tmp_path / "b.xlsx", [national([sample_item(1)])]), ctx=ctx)
    assert "column-missing" not in {f.code for f in complete.findings}


def test_township_with_only_district_items(tmp_path: Path, ctx: RuleContext) -> None:
    district_only = [sample_item(1, levels=["区级"]), sample_item(2, levels=["区级"])]
    res = check_file(write(tmp_path / "罗店镇.xlsx", [national(district_only, unit="罗店镇", title=None)]), ctx=ctx)
    hits = [f for f in res.findings if f.code == "township-only-district-items"]
    assert len(hits) == 1 and hits[0].params == {"unit": "罗店镇", "count": "2"}
    mixed = [sample_item(1, levels=["区级"]), sample_item(2, levels=["街镇级"])]
    res = check_file(write(tmp_path / "罗店镇2.xlsx", [national(mixed, unit="罗店镇", title=None)]), ctx=ctx)
    assert "township-only-district-items" not in {f.code for f in res.findings}
    district_unit = check_file(write(tmp_path / "edu.xlsx", [national(district_only)]), ctx=ctx)
    assert "township-only-district-items" not in {f.code for f in district_unit.findings}


def test_unknown_domain_and_unit_name_the_closest(tmp_path: Path, ctx: RuleContext) -> None:
    sheet = national([sample_item(1, subject="本局")], name="Sheet1", title="义务教有领域基层政务公开标准目录",
                     unit="宝山区教肓局")
    res = check_file(write(tmp_path / "a.xlsx", [sheet]), ctx=ctx)
    found = {f.code: f for f in res.findings}
    assert found["domain-unknown"].params["closest"] == "义务教育"
    assert "是否应为「义务教育」" in found["domain-unknown"].message()
    assert found["unit-unknown"].params["closest"] == "区教育局"
    assert found["unit-unknown"].severity == Severity.WARNING


def test_every_checking_rule_has_a_case_here() -> None:
    mine = {r.code for scope in ("sheet", "file") for r in rules_for(scope)}  # type: ignore[arg-type]
    covered = {c[0] for c in CASES} | {"township-only-district-items"}
    assert mine - covered == set()


# --- pure helpers --------------------------------------------------------------------------------------------

def test_time_limits() -> None:
    assert working_days("信息形成或者变更之日起20个工作日内") == 20
    assert working_days("本级人民代表大会批准后20日内") == pytest.approx(20 * 5 / 7)
    assert working_days("社会救助…10个工作日内,公示7个工作日") == 10
    assert working_days("每年1月31日前") is None
    for ok in ("实时", "长期公开", "每年1月31日前", "招生工作开始前", "及时公开", "信息形成20个工作日内公开"):
        assert recognisable(ok), ok
    for vague in ("视情况而定", "按需", "—"):
        assert not recognisable(vague), vague


def test_brackets_and_clause_numbers() -> None:
    assert unbalanced("《条例》《规定》") is None
    assert unbalanced("《条例") == "《 without 》"
    assert unbalanced("条例》") == "》 without 《"
    assert unbalanced("《条例《规定》》") == "《 inside 《》"
    assert [cn_number(x) for x in ("一", "十", "十五", "二十", "二十一", "7", "廿")] == [1, 10, 15, 20, 21, 7, None]


def test_link_problems() -> None:
    assert link_problem("https://www.shbsq.gov.cn/a.html") is None
    assert link_problem("http://10.1.2.3/x") is None
    assert "http" in (link_problem("ftp://x.gov.cn/") or "")
    assert link_problem("http://exa mple.com") is not None
    assert link_problem("https://") is not None
    assert link_problem("https://bad_host!/") is not None
    assert link_problem("https://www.shbsq.gov.cn:99999/") is not None


# --- messages ------------------------------------------------------------------------------------------------

def _placeholders(*templates: str) -> set[str]:
    return {name for t in templates for _, name, _, _ in string.Formatter().parse(t) if name}


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_code_has_chinese_and_english_and_renders(code: str) -> None:
    rule_context()  # loads every rule module
    rule = get(code)
    assert rule.title_zh and rule.title_en and rule.message_zh and rule.message_en
    assert re.search(r"[\u4e00-\u9fff]", rule.title_zh + rule.message_zh)
    assert re.search(r"[A-Za-z]{3}", rule.title_en) and re.search(r"[A-Za-z]{3}", rule.message_en)
    names = _placeholders(rule.message_zh, rule.message_en, rule.fix_zh, rule.fix_en)
    params = {n: f"<{n}>" for n in names if n not in ("field", "cell", "sheet")}
    f = Finding(code=code, severity=rule.severity, params=params,
                location=SourceLocation(path="a.xlsx", sheet="义务教育", row=5, cell="C5", field="content"))
    for lang in ("zh", "en"):
        text = f.message(lang)
        assert "{" not in text and "}" not in text, text
        assert "C5" in text
    assert "工作表「义务教育」" in f.message("zh") and "sheet '义务教育'" in f.message("en")
    # With no parameters at all (a hand-made finding) rendering still never raises.
    bare = Finding(code=code, severity=rule.severity, location=SourceLocation(path="a.xlsx"))
    assert bare.message("en") and bare.message("zh")
