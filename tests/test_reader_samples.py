"""The ten published catalogues of ../shared/reference/sample_rows.json, as workbooks: each is read
correctly, or the reader says precisely why not (北京门头沟 has no 公开事项 column)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from builders import Sheet, write
from zwgk.compiler.check import check_file
from zwgk.validators.models import FileResult
from zwgk.validators.sheet import RuleContext

# A verbatim copy of ../shared/reference/sample_rows.json (rows of ten published catalogues, with their URLs),
# kept in the repository so a clone tests the same rows wherever shared/ is.
SAMPLES = Path(__file__).resolve().parent / "fixtures" / "sample_rows.json"
PARENTS = {
    "一级事项": "公开事项", "二级事项": "公开事项", "三级事项": "公开事项",
    "全社会": "公开对象", "特定群众": "公开对象", "特定群体": "公开对象",
    "主动": "公开方式", "依申请公开": "公开方式", "依申请": "公开方式",
    **{x: "公开层级" for x in ("县级", "乡级", "乡、村级", "区", "镇级", "村级", "东阳市级", "镇街乡", "村")},
}
PREAMBLE = {"wuchang-fgj-zdjs": ["政务公开事项标准目录模板", "重大建设项目领域基层政务公开标准目录",
                                 "填报单位:武昌区发展和改革局 填报时间:2020年10月21日"]}


def load_samples() -> dict[str, dict[str, Any]]:
    data = json.loads(SAMPLES.read_text(encoding="utf-8"))
    return {s["id"]: s for s in data["samples"]}


def sample_sheet(sample: dict[str, Any]) -> Sheet:
    """The sample as a unit would have it in Excel: title, a two-row header where the national layout has
    parent labels over its leaf columns, the verbatim rows; 查看 cells hyperlinked (as on the page)."""
    header = sample["header"]
    sheet = Sheet(name="Sheet1")
    for line in PREAMBLE.get(sample["id"], [sample["title"].split(" (")[0]]):
        sheet.rows.append([line] + [""] * (len(header) - 1))
    h = len(sheet.rows)
    if any(label in PARENTS for label in header):
        top, sub = [], []
        for i, label in enumerate(header):
            parent = PARENTS.get(label)
            first_of_group = parent and (i == 0 or PARENTS.get(header[i - 1]) != parent)
            top.append((parent if first_of_group else "") if parent else label)
            sub.append(label if parent else "")
        sheet.rows += [top, sub]
        for c, (t, s) in enumerate(zip(top, sub, strict=True)):
            if t and not s:
                sheet.merges.append((h, c, h + 1, c))
            if t and s:
                end = c
                while end + 1 < len(header) and not top[end + 1] and sub[end + 1]:
                    end += 1
                if end > c:
                    sheet.merges.append((h, c, h, end))
    else:
        sheet.rows.append(list(header))
    for row in sample["rows"]:
        sheet.rows.append(list(row))
        r = len(sheet.rows) - 1
        for c, value in enumerate(row):
            if value == "查看":
                sheet.hyperlinks[(r, c)] = f"https://www.shcm.gov.cn/xxgk/{sample['id']}/{r}.html"
        sheet.item_rows.append(r + 1)
    return sheet


@pytest.fixture(scope="module")
def samples() -> dict[str, dict[str, Any]]:
    assert SAMPLES.exists(), f"{SAMPLES} (copied from ../shared/reference) must be present"
    return load_samples()


def check(samples: dict[str, dict[str, Any]], sid: str, tmp_path: Path, ctx: RuleContext,
          edit: Any = None) -> FileResult:
    sheet = sample_sheet(samples[sid])
    if edit:
        edit(sheet)
    return check_file(write(tmp_path / f"{sid}.xlsx", [sheet]), ctx=ctx)


def by_code(res: FileResult) -> Counter[str]:
    return Counter(f.code for f in res.findings)


def test_all_ten_samples_are_covered(samples: dict[str, dict[str, Any]]) -> None:
    assert len(samples) == 10


def test_baoshan_finance_bureau(samples: dict[str, dict[str, Any]], tmp_path: Path, ctx: RuleContext) -> None:
    res = check(samples, "baoshan-czj", tmp_path, ctx)
    assert res.unit == "区财政局" and res.sheets[0].layout == "shanghai"
    assert len(res.items) == 5
    first = res.items[0]
    assert (first.category, first.level1, first.level2) == ("综合政务", "机构信息", "机关简介")
    assert (first.audience, first.mode, first.levels, first.channels) == (("全社会",), ("主动",), ("区级",), ("政府网站",))
    assert first.domain == "综合政务"
    # The excerpt's last row is cut off: everything wrong with it is reported at its own cells, nothing else.
    errors = {(f.code, f.location.cell) for f in res.findings if f.severity == "error"}
    assert errors == {("basis-brackets-unbalanced", "E8"), ("required-cell-empty", "F8"), ("required-cell-empty", "G8"),
                      ("required-cell-empty", "H8"), ("audience-none", "I8"), ("mode-none", "J8")}
    assert {f.location.row for f in res.findings if f.severity != "info"} == {8}


def test_chongming_education_bureau_with_view_links(samples: dict[str, dict[str, Any]], tmp_path: Path,
                                                     ctx: RuleContext) -> None:
    res = check(samples, "chongming-jyj-2024", tmp_path, ctx)
    assert res.sheets[0].layout == "shanghai-link"
    assert [(i.level1, i.level2) for i in res.items[:2]] == [("政府信息公开", "依申请公开"), ("政府信息公开", "政府信息公开年报")]
    assert all(i.links and i.links[0].startswith("https://www.shcm.gov.cn/") for i in res.items[:4])
    assert res.items[2].channels == ("政府网站", "两微一端")
    assert {f.location.row for f in res.findings if f.severity == "error"} == {7}  # the truncated last row only


def test_qingpu_social_assistance_ticks_and_urls(samples: dict[str, dict[str, Any]], tmp_path: Path,
                                                  ctx: RuleContext) -> None:
    res = check(samples, "qingpu-shjz", tmp_path, ctx)
    assert res.sheets[0].layout == "national-link"
    a, b = res.items
    assert a.domain == "社会救助" and b.level1 == "综合业务"  # blank 一级事项 under a filled one: the same block
    assert (a.audience, a.mode, a.levels) == (("全社会",), ("主动",), ("区级", "街镇级"))
    assert a.channels == ("政府网站", "公开查阅点", "政务服务中心")
    assert a.links == ("https://mzj.sh.gov.cn/MZ_zhuzhan2597_0-2-8/index.html",)
    assert res.errors == 0, [f.message() for f in res.findings]


def test_wuchang_template_preamble(samples: dict[str, dict[str, Any]], tmp_path: Path, ctx: RuleContext) -> None:
    res = check(samples, "wuchang-fgj-zdjs", tmp_path, ctx)
    assert {i.domain for i in res.items} == {"重大建设项目"}
    assert res.items[0].channels == ("投资项目在线审批监管平台",)
    unknown = [f for f in res.findings if f.code == "unit-unknown"]
    assert len(unknown) == 1 and unknown[0].params["value"] == "武昌区发展和改革局"
    assert res.errors == 0


def test_ganzhou_household_registration(samples: dict[str, dict[str, Any]], tmp_path: Path, ctx: RuleContext) -> None:
    def line_breaks(sheet: Sheet) -> None:  # the source page breaks lines inside words
        r = sheet.item_rows[0] - 1
        sheet.rows[r][1] = "出生\n登记"
        sheet.rows[r][6] = "公安\n分局"

    res = check(samples, "ganzhou-rjx-huji", tmp_path, ctx, line_breaks)
    assert res.items[0].level1 == "出生登记" and res.items[0].subject == "公安分局"
    assert res.items[0].channels == ("政府网站", "办事窗口")
    # The excerpt shows "(ticks not visible)" and no ticks: each gap is reported at its cell.
    found = {(f.code, f.location.cell) for f in res.findings if f.severity != "info"}
    assert ("tick-mark-unrecognised", "I4") in found
    assert {("mode-none", "K4"), ("mode-none", "K5"), ("audience-none", "I5")} <= found
    assert ("audience-none", "I4") not in found  # an unreadable mark is reported once, as itself


def test_xiangan_unbalanced_brackets(samples: dict[str, dict[str, Any]], tmp_path: Path, ctx: RuleContext) -> None:
    res = check(samples, "xiangan-xsjd-ywjy", tmp_path, ctx)
    assert [(f.code, f.location.cell) for f in res.findings if f.severity == "error"] == [("basis-brackets-unbalanced", "E4")]
    assert res.items[1].level1 == "招生管理"
    assert res.items[0].channels == ("政府网站", "两微一端", "广播电视", "纸质媒体", "公开查阅点",
                                     "社区/企事业单位/村公示栏(电子屏)")


def test_dongyang_ditto_and_five_publicities(samples: dict[str, dict[str, Any]], tmp_path: Path, ctx: RuleContext) -> None:
    res = check(samples, "dongyang-flfw", tmp_path, ctx)
    a, b = res.items
    assert b.basis == a.basis and b.channels == a.channels  # 同上
    assert a.channels[-1] == "其他法律服务网"
    assert a.levels == ("市级",)
    assert a.extra == {"公开": "■文本", "五公开": "□决策"}
    assert by_code(res)["column-unknown"] == 2
    assert res.errors == 0


def test_fengtun_town_levels(samples: dict[str, dict[str, Any]], tmp_path: Path, ctx: RuleContext) -> None:
    res = check(samples, "fengtun-zfwj", tmp_path, ctx)
    assert len(res.items) == 3
    assert {i.domain for i in res.items} == {"政府文件信息"}
    assert [i.levels for i in res.items] == [("街镇级",)] * 3
    assert res.items[2].channels == ("政府网站", "会议")
    assert res.errors == 0 and by_code(res)["channel-unknown"] == 0


def test_mentougou_model_is_refused_with_reasons(samples: dict[str, dict[str, Any]], tmp_path: Path,
                                                 ctx: RuleContext) -> None:
    res = check(samples, "mentougou-dept", tmp_path, ctx)
    assert res.items == ()
    missing = sorted(f.params["label"] for f in res.findings if f.code == "column-missing")
    assert missing == sorted(["公开事项", "公开依据", "公开主体", "公开渠道和载体", "公开对象", "公开方式"])
    (not_read,) = [f for f in res.findings if f.code == "rows-not-read"]
    assert not_read.params["count"] == "2" and (not_read.params["first"], not_read.params["last"]) == ("3", "4")
    assert "公开事项" in not_read.message() and "具体职责" in not_read.message()
    assert res.sheets[0].role == "unrecognised"


def test_xisaishan_reduced_model(samples: dict[str, dict[str, Any]], tmp_path: Path, ctx: RuleContext) -> None:
    res = check(samples, "xisaishan-mzj", tmp_path, ctx)
    (item,) = res.items
    assert (item.level1, item.level2, item.audience) == ("机关信息", "机关简介", ("全社会",))
    missing = sorted(f.params["label"] for f in res.findings if f.code == "column-missing")
    assert missing == sorted(["公开时限", "公开主体", "公开渠道和载体", "公开方式"])
    assert "basis-clause-not-found" not in by_code(res)  # 第二十条第二款: item 2 exists (written 款 for 项)
