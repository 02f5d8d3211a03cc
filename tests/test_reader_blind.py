"""A blind robustness audit of the reader: submissions laid out the way a unit's staff really type them in
Excel/WPS (catalogue_columns.json, domain-research.md §3–§4), built here in code with openpyxl — not with
tests/builders.py, whose tidy layouts the reader was developed against.

Each submission carries what a person reading it would expect: the items (一级/二级事项, content, ticks
and words, links), the findings it must raise and the ones that would be false alarms.

``python tests/test_reader_blind.py DIR`` writes every submission to DIR to try ``zwgk check`` by hand.
"""

from __future__ import annotations

import csv
import functools
import io
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from zwgk.compiler.check import check_file, rule_context
from zwgk.validators.models import FileResult
from zwgk.validators.normalise import clean_cell
from zwgk.validators.sheet import RuleContext

# ------------------------------------------------------------------------------------------------------
# The items units write (realistic text; correct, so that every finding on them is a false alarm).
# ------------------------------------------------------------------------------------------------------

BASIS_GXB = "《中华人民共和国政府信息公开条例》《上海市政府信息公开规定》"
T20 = "信息形成或者变更之日起20个工作日内"
CHECKLIST = ("■政府网站 □政府公报 ■两微一端 □发布会/听证会 □广播电视 □纸质媒体 ■公开查阅点 □政务服务中心 "
             "□便民服务站 □入户/现场 □社区/企事业单位/村公示栏(电子屏) □精准推送 □其他")


@dataclass(frozen=True)
class It:
    l1: str
    l2: str
    content: str
    basis: str
    time: str
    subject: str
    channels: str
    audience: tuple[str, ...] = ("全社会",)
    mode: tuple[str, ...] = ("主动",)
    levels: tuple[str, ...] = ("区级",)
    link: str = ""


EDU = [
    It("招生管理", "招生政策", "●义务教育阶段招生入学政策 ●随迁子女入学办法",
       "《中华人民共和国义务教育法》《中华人民共和国政府信息公开条例》", T20, "区教育局", CHECKLIST,
       link="https://www.shbsq.gov.cn/shbs/jyj/zsgl/zszc.html"),
    It("招生管理", "招生范围", "●招生范围 ●学区划分详细情况",
       "《中华人民共和国义务教育法》《中华人民共和国政府信息公开条例》", T20, "区教育局", CHECKLIST,
       link="https://www.shbsq.gov.cn/shbs/jyj/zsgl/zsfw.html"),
    It("招生管理", "招生计划", "各学校招生计划数、招生对象",
       "《教育部关于进一步做好小学升入初中免试就近入学工作的实施意见》", "招生工作开始前", "区教育局",
       "■政府网站 ■两微一端", link="https://www.shbsq.gov.cn/shbs/jyj/zsgl/zsjh.html"),
    It("学生资助", "资助政策", "●义务教育阶段家庭经济困难学生资助政策", "《学生资助资金管理办法》", T20,
       "区教育局、各街镇", "■政府网站 ■公开查阅点", levels=("区级", "街镇级"),
       link="https://www.shbsq.gov.cn/shbs/jyj/xszz/zzzc.html"),
    It("学生资助", "受助学生名单", "受助学生姓名、学校、资助金额", "《学生资助资金管理办法》", "评审结束后5个工作日内",
       "区教育局", "■公开查阅点", audience=("特定群众",), mode=("依申请",),
       link="https://www.shbsq.gov.cn/shbs/jyj/xszz/md.html"),
    It("教育督导", "督导评估报告", "责任督学挂牌督导报告、学校综合督导评估结果",
       "《教育督导条例》", "报告形成之日起20个工作日内", "区教育局", "■政府网站",
       link="https://www.shbsq.gov.cn/shbs/jyj/jydd/bg.html"),
]

TOWN = [
    It("综合业务", "政策法规文件", "●《社会救助暂行办法》 ●本市配套政策文件", "《社会救助暂行办法》（国务院令第649号）",
       "制定或获取信息之日起10个工作日内", "罗店镇人民政府", "■政府网站 ■公开查阅点 ■社区/企事业单位/村公示栏(电子屏)",
       levels=("街镇级",)),
    It("最低生活保障", "办理条件", "申请条件、所需材料、办理流程", "《社会救助暂行办法》（国务院令第649号）",
       "制定或获取信息之日起10个工作日内", "罗店镇人民政府", "■政务服务中心 ■公开查阅点", levels=("街镇级",)),
    It("最低生活保障", "审核确认结果", "低保对象姓名、保障人数、保障金额", "《上海市社会救助办法》",
       "审核确认之日起10个工作日内，公示7个工作日", "罗店镇人民政府", "■社区/企事业单位/村公示栏(电子屏)",
       levels=("街镇级",)),
    It("特困人员救助供养", "办理流程", "申请、审核、审批程序及时限", "《社会救助暂行办法》（国务院令第649号）",
       "制定或获取信息之日起10个工作日内", "罗店镇人民政府", "■政务服务中心", levels=("街镇级",)),
    It("临时救助", "救助对象", "临时救助对象姓名、救助金额", "《上海市社会救助办法》", "每季度结束后10个工作日内",
       "罗店镇人民政府", "■公开查阅点", audience=("特定群众",), mode=("依申请",), levels=("街镇级",)),
]

ENV = [
    It("环境影响评价", "建设项目环评审批", "审批结果、批复文号、项目名称", "《中华人民共和国环境影响评价法》",
       "作出决定之日起7个工作日内", "区生态环境局", "■政府网站", link="https://www.shbsq.gov.cn/shbs/sthj/hp/1.html"),
    It("环境影响评价", "环评文件受理情况", "受理日期、项目名称、建设地点", "《中华人民共和国环境影响评价法》",
       "受理之日起5个工作日内", "区生态环境局", "■政府网站", link="https://www.shbsq.gov.cn/shbs/sthj/hp/2.html"),
    It("环境监测", "空气质量信息", "空气质量实时监测数据", "《中华人民共和国大气污染防治法》", "实时",
       "区生态环境局", "■政府网站 ■两微一端", link="https://www.shbsq.gov.cn/shbs/sthj/jc/1.html"),
    It("行政处罚", "行政处罚决定", "处罚对象、违法事实、处罚依据、处罚结果", "《中华人民共和国行政处罚法》",
       "作出决定之日起7个工作日内", "区生态环境局", "■政府网站", link="https://www.shbsq.gov.cn/shbs/sthj/cf/1.html"),
]

FIN = [
    It("机构信息", "机关简介", "1.机关名称 2.办公地址 3.办公时间 4.联系方式 5.邮政编码", BASIS_GXB,
       "自该政府信息形成或者变更之日起20个工作日内及时公开", "宝山区财政局", "政府网站",
       link="https://www.shbsq.gov.cn/shbs/czj/jgxx/jj.html"),
    It("机构信息", "机关职能", "依据“三定”方案确定的本部门职责", BASIS_GXB,
       "自该政府信息形成或者变更之日起20个工作日内及时公开", "宝山区财政局", "政府网站,两微一端",
       link="https://www.shbsq.gov.cn/shbs/czj/jgxx/zn.html"),
    It("政府信息公开", "政府信息公开年报", "本单位政府信息公开工作年度报告", BASIS_GXB, "每年1月31日前",
       "宝山区财政局", "政府网站", link="https://www.shbsq.gov.cn/shbs/czj/xxgk/nb.html"),
    It("财政预决算", "部门预算", "部门预算及“三公”经费预算", "《中华人民共和国预算法》",
       "本级人民代表大会或其常务委员会批准后20日内", "宝山区财政局", "政府网站",
       link="https://www.shbsq.gov.cn/shbs/czj/ys/bmys.html"),
]

LEVEL_LABEL = {"区级": "县级", "街镇级": "乡、村级"}


# ------------------------------------------------------------------------------------------------------
# A workbook as a unit makes it: cells, merges, links, styles and the odd things Excel/WPS add.
# ------------------------------------------------------------------------------------------------------

@dataclass
class Sh:
    name: str
    rows: list[list[Any]] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # 0-based r0, c0, r1, c1 inclusive
    links: dict[tuple[int, int], str] = field(default_factory=dict)  # 0-based (r, c) → URL
    hidden_cols: list[int] = field(default_factory=list)
    hidden_rows: list[int] = field(default_factory=list)  # 1-based sheet rows
    freeze: str | None = None
    validation: tuple[str, str] | None = None  # (formula1, A1 range)
    styled: bool = False
    col_offset: int = 0  # the table starts this many columns to the right (data from column B …)

    def add(self, *cells: Any) -> int:
        self.rows.append(list(cells))
        return len(self.rows) - 1


@dataclass
class Sub:
    """A submission and what a careful reader of it expects."""

    name: str
    sheets: list[Sh]
    # sheet name → the items, in order, as (level1, level2, It[, domain]) — the It gives the rest.
    items: dict[str, list[tuple[Any, ...]]]
    what: str
    must: Counter[str] = field(default_factory=Counter)  # code → exactly this many findings
    allow: set[str] = field(default_factory=set)  # codes a careful reader would also accept here
    unit: str | None = None
    domains: dict[str, str | None] = field(default_factory=dict)  # sheet → expected domain of its items
    csv_encoding: str | None = None
    check_links: bool = True
    check_levels: bool = True
    skipped_sheets: set[str] = field(default_factory=set)  # sheets that are not catalogues (说明, 封面 …)


def write_xlsx(sub: Sub, path: Path) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    thin = Side(style="thin", color="FF000000")
    for sh in sub.sheets:
        ws = wb.create_sheet(sh.name)
        off = sh.col_offset
        for r, row in enumerate(sh.rows):
            for c, value in enumerate(row):
                if value is None or value == "":
                    if sh.styled and r >= 2 and c < len(row):
                        # Excel/WPS keep borders and fills on empty cells of a formatted table.
                        ws.cell(r + 1, c + 1 + off).border = Border(left=thin, right=thin, top=thin, bottom=thin)
                    continue
                cell = ws.cell(r + 1, c + 1 + off, value)
                if sh.styled:
                    cell.font = Font(name="仿宋_GB2312", size=11, bold=r < 3)
                    cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
                    cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
                    cell.number_format = "@"
                    if r < 3:
                        cell.fill = PatternFill("solid", fgColor="FFD9E1F2")
        for r0, c0, r1, c1 in sh.merges:
            ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1 + off, end_row=r1 + 1, end_column=c1 + 1 + off)
        for (r, c), url in sh.links.items():
            ws.cell(r + 1, c + 1 + off).hyperlink = url
        for c in sh.hidden_cols:
            ws.column_dimensions[get_column_letter(c + 1 + off)].hidden = True
        for r in sh.hidden_rows:
            ws.row_dimensions[r].hidden = True
        if sh.freeze:
            ws.freeze_panes = sh.freeze
        if sh.validation:
            dv = DataValidation(type="list", formula1=sh.validation[0], allow_blank=True)
            ws.add_data_validation(dv)
            dv.add(sh.validation[1])
        if sh.styled:
            for c in range(1, 20):
                ws.column_dimensions[get_column_letter(c)].width = 14
            ws.row_dimensions[1].height = 40
            # A print area and repeated title rows, as units set them before printing.
            ws.print_title_rows = "1:3"
    wb.save(path)


def write_csv(sub: Sub, path: Path) -> None:
    sh = sub.sheets[0]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    width = max(len(r) for r in sh.rows)
    for row in sh.rows:
        w.writerow([("" if v is None else str(v)) for v in row] + [""] * (width - len(row)))
    path.write_bytes(buf.getvalue().encode(sub.csv_encoding or "utf-8"))


def write_xls(sub: Sub, path: Path) -> None:
    import xlwt  # the dev extra; only old .xls submissions need it

    wb = xlwt.Workbook(encoding="utf-8")
    for sh in sub.sheets:
        ws = wb.add_sheet(sh.name)
        starts = {(r0, c0): (r1, c1) for r0, c0, r1, c1 in sh.merges}
        inside = {(r, c) for r0, c0, r1, c1 in sh.merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        for r, row in enumerate(sh.rows):
            for c, value in enumerate(row):
                if (r, c) in starts:
                    r1, c1 = starts[(r, c)]
                    ws.write_merge(r, r1, c, c1, value)
                elif (r, c) not in inside and value not in (None, ""):
                    ws.write(r, c, value)
    wb.save(str(path))


def write(sub: Sub, folder: Path) -> Path:
    path = folder / sub.name
    {".csv": write_csv, ".xls": write_xls}.get(path.suffix, write_xlsx)(sub, path)
    return path


# ------------------------------------------------------------------------------------------------------
# Layout helpers
# ------------------------------------------------------------------------------------------------------

Head = list[tuple[str, list[str]]]  # (parent label, children) — no children: one label over two rows


def two_row_header(sh: Sh, head: Head, merged: bool = True) -> int:
    """Write a national-style two-row header at the sheet's next row; returns the number of leaf columns."""
    r = len(sh.rows)
    top: list[str] = []
    sub: list[str] = []
    for parent, children in head:
        if children:
            c0 = len(top)
            top += [parent] + [""] * (len(children) - 1)
            sub += children
            if merged and len(children) > 1:
                sh.merges.append((r, c0, r, c0 + len(children) - 1))
        else:
            if merged:
                sh.merges.append((r, len(top), r + 1, len(top)))
            top.append(parent)
            sub.append("")
    sh.rows += [top, sub]
    return len(top)


NATIONAL: Head = [
    ("序号", []), ("公开事项", ["一级事项", "二级事项"]), ("公开内容（要素）", []), ("公开依据", []),
    ("公开时限", []), ("公开主体", []), ("公开渠道和载体", []), ("公开对象", ["全社会", "特定群众"]),
    ("公开方式", ["主动", "依申请公开"]), ("公开层级", ["县级", "乡、村级"]),
]


def national_row(seq: Any, it: It, l1: str, mark: str = "√", no: str = "") -> list[Any]:
    def tick(on: bool) -> str:
        return mark if on else no
    return [seq, l1, it.l2, it.content, it.basis, it.time, it.subject, it.channels,
            tick("全社会" in it.audience), tick("特定群众" in it.audience),
            tick("主动" in it.mode), tick("依申请" in it.mode),
            tick("区级" in it.levels), tick("街镇级" in it.levels or "村级" in it.levels)]


def merge_blocks(sh: Sh, first_row: int, items: list[It], col: int) -> None:
    """Merge the 一级事项 cells of each block vertically (values only on the block's first row)."""
    r = first_row
    while r < first_row + len(items):
        end = r
        while end + 1 < first_row + len(items) and items[end + 1 - first_row].l1 == items[r - first_row].l1:
            end += 1
        if end > r:
            sh.merges.append((r, col, end, col))
            for k in range(r + 1, end + 1):
                sh.rows[k][col] = ""
        r = end + 1


def expect(items: list[It]) -> list[tuple[Any, ...]]:
    return [(it.l1, it.l2, it) for it in items]


# ------------------------------------------------------------------------------------------------------
# The submissions
# ------------------------------------------------------------------------------------------------------

def v_town_not_involved() -> Sub:
    """罗店镇: title merged across the width, 填报单位 in a merged cell on the right, the national two-row
    header, 一级事项 merged over blocks, ✓ ticks, and a 未涉及 section at the end."""
    sh = Sh("社会救助", styled=True)
    sh.add("罗店镇社会救助领域基层政务公开标准目录")
    sh.merges.append((0, 0, 0, 13))
    sh.add("", "", "", "", "", "", "", "", "", "", "填报单位：罗店镇人民政府")
    sh.merges.append((1, 10, 1, 13))
    two_row_header(sh, NATIONAL)
    first = len(sh.rows)
    for i, it in enumerate(TOWN, 1):
        sh.add(*national_row(i, it, it.l1, "✓"))
    merge_blocks(sh, first, TOWN, 1)
    sh.add("以下领域本单位未涉及")
    sh.merges.append((len(sh.rows) - 1, 0, len(sh.rows) - 1, 13))
    r = sh.add(len(TOWN) + 1, "扶贫", "未涉及")
    sh.merges.append((r, 2, r, 13))
    r = sh.add(len(TOWN) + 2, "涉农补贴", "未涉及")
    sh.merges.append((r, 2, r, 13))
    return Sub("罗店镇-社会救助.xlsx", [sh], {"社会救助": expect(TOWN)}, "街镇 with 未涉及 section at the end",
               must=Counter({"rows-not-involved": 1}),  # said once for the two rows, pointing to zwgk.toml
               unit="罗店镇", domains={"社会救助": "社会救助"}, check_links=False)


def v_three_row_header() -> Sub:
    """区教育局: a three-row header — 公开对象/公开方式 under a merged 公开范围及方式, leaves on row 3."""
    sh = Sh("义务教育")
    sh.add("宝山区教育局义务教育领域基层政务公开标准目录")
    sh.merges.append((0, 0, 0, 14))
    top = ["序号", "公开事项", "", "公开内容（要素）", "公开依据", "公开时限", "公开主体", "公开渠道和载体",
           "公开对象及方式", "", "", "", "公开层级", "", "公开网址"]
    mid = ["", "", "", "", "", "", "", "", "公开对象", "", "公开方式", "", "", "", ""]
    leaf = ["", "一级事项", "二级事项", "", "", "", "", "", "全社会", "特定群众", "主动", "依申请", "区级", "街镇级", ""]
    for row in (top, mid, leaf):
        sh.add(*row)
    for c in (0, 3, 4, 5, 6, 7, 14):
        sh.merges.append((1, c, 3, c))
    sh.merges += [(1, 1, 2, 2), (1, 8, 1, 11), (2, 8, 2, 9), (2, 10, 2, 11), (1, 12, 2, 13)]
    first = len(sh.rows)
    for i, it in enumerate(EDU, 1):
        row = national_row(i, it, it.l1)
        sh.add(*row, it.link)
    merge_blocks(sh, first, EDU, 1)
    return Sub("宝山区教育局-三行表头.xlsx", [sh], {"义务教育": expect(EDU)}, "three-row header",
               unit="区教育局", domains={"义务教育": "义务教育"})


def v_reordered_spellings() -> Sub:
    """区生态环境局: a one-row header in another order with other spellings — 信息名称, 公开内容(要素),
    公开范围 for 公开对象, 是否主动公开 answered 是, 公开时限要求, 公开载体 with the channels separated by a
    space (which cleaning a cell removes between Chinese words), 序号 and 备注 columns."""
    sh = Sh("生态环境")
    sh.add("宝山区生态环境局政务公开事项标准目录")
    sh.add("序号", "信息名称", "公开内容(要素)", "公开范围", "是否主动公开", "公开时限要求", "公开载体", "公开依据",
           "公开主体", "链接", "备注")
    for i, it in enumerate(ENV, 1):
        sh.add(i, it.l2, it.content, "全社会", "是", it.time, it.channels.replace("■", ""),
               it.basis, it.subject, it.link, "")
    sh.rows[-1][10] = "2020年新增"
    items = [(it.l2, "", it) for it in ENV]
    return Sub("区生态环境局目录.xlsx", [sh], {"生态环境": items}, "reordered one-row header, other spellings",
               unit="区生态环境局", domains={"生态环境": "生态环境"}, check_levels=False)


def v_tick_variety() -> Sub:
    """区教育局: ticks typed as ✓ ✔ ● 是 Y, and ○ / 否 for 'not ticked'."""
    sh = Sh("1.义务教育")
    sh.add("宝山区教育局 义务教育领域基层政务公开标准目录")
    two_row_header(sh, NATIONAL)
    marks = [("✓", ""), ("✔", ""), ("●", "○"), ("是", "否"), ("Y", ""), ("√", "")]
    for i, (it, (yes, no)) in enumerate(zip(EDU, marks, strict=True), 1):
        sh.add(*national_row(i, it, it.l1, yes, no))
    return Sub("教育局-勾选符号.xlsx", [sh], {"1.义务教育": expect(EDU)}, "tick marks ✓ ✔ ● ○ 是 否 Y",
               unit="区教育局", domains={"1.义务教育": "义务教育"}, check_links=False)


def v_page_break_header() -> Sub:
    """区教育局: blank separator rows, and the two-row header repeated at a printed page break."""
    sh = Sh("义务教育")
    sh.add("宝山区教育局义务教育领域基层政务公开标准目录")
    two_row_header(sh, NATIONAL)
    for i, it in enumerate(EDU[:3], 1):
        sh.add(*national_row(i, it, it.l1))
    sh.add()
    two_row_header(sh, NATIONAL)  # the header again, merges and all
    for i, it in enumerate(EDU[3:], 4):
        sh.add(*national_row(i, it, it.l1))
        sh.add()
    return Sub("教育局-分页表头.xlsx", [sh], {"义务教育": expect(EDU)}, "blank rows + page-break header repeated",
               unit="区教育局", domains={"义务教育": "义务教育"}, check_links=False)


def v_multi_sheet() -> Sub:
    """区生态环境局 + 区教育局 style: several domains, one per sheet ('1.义务教育', '附件2-生态环境'), an
    instruction sheet first, a totals line (合计：n项) under each table."""
    info = Sh("填报说明")
    info.add("填报说明")
    info.add("1. 每个领域一个工作表；")
    info.add("2. 公开对象、公开方式、公开层级请在对应列打“√”。")
    a = Sh("1.义务教育")
    a.add("附件1")
    a.add("义务教育领域基层政务公开标准目录")
    two_row_header(a, NATIONAL)
    for i, it in enumerate(EDU, 1):
        a.add(*national_row(i, it, it.l1))
    a.add(f"合计：{len(EDU)}项")
    b = Sh("附件2-生态环境")
    b.add("附件2")
    b.add("生态环境领域基层政务公开标准目录")
    two_row_header(b, NATIONAL)
    for i, it in enumerate(ENV, 1):
        b.add(*national_row(i, it, it.l1))
    # A totals line with counts under the tick columns too (more than a note's two or three cells).
    b.add("合计", "", "", f"{len(ENV)}项", "", "", "", "", str(len(ENV)), "", str(len(ENV)), "", str(len(ENV)))
    return Sub("宝山区教育局-多领域.xlsx", [info, a, b], {"1.义务教育": expect(EDU), "附件2-生态环境": expect(ENV)},
               "one domain per sheet, instruction sheet, totals line", unit="区教育局",
               domains={"1.义务教育": "义务教育", "附件2-生态环境": "生态环境"}, check_links=False)


def v_domain_column() -> Sub:
    """区教育局: a 领域 column instead of one sheet per domain, 一级事项 left blank under its block
    (continuation) instead of merged."""
    sh = Sh("Sheet1")
    sh.add("宝山区教育局政务公开事项标准目录")
    sh.add("序号", "领域", "一级事项", "二级事项", "公开内容（要素）", "公开依据", "公开时限", "公开主体", "公开渠道和载体",
           "公开对象", "公开方式", "公开层级")
    prev = ""
    rows = [("义务教育", it) for it in EDU] + [("生态环境", it) for it in ENV]
    for i, (dom, it) in enumerate(rows, 1):
        sh.add(i, dom, "" if it.l1 == prev else it.l1, it.l2, it.content, it.basis, it.time, it.subject,
               it.channels, "、".join(it.audience), "主动公开" if "主动" in it.mode else "依申请公开",
               "、".join(it.levels))
        prev = it.l1
    return Sub("宝山区教育局-领域列.xlsx", [sh], {"Sheet1": expect(EDU + ENV)}, "领域 column, 一级事项 continuation",
               unit="区教育局", check_links=False)


def v_links() -> Sub:
    """区财政局 (Shanghai text layout): links as a bare URL, as 查看 with a hyperlink, and two URLs in a cell."""
    sh = Sh("综合政务")
    sh.add("宝山区财政局政务公开标准目录")
    sh.add("类别", "公开事项(一级/二级)", "公开内容", "公开依据", "公开时限", "公开主体", "公开渠道和载体", "链接",
           "公开对象", "公开方式", "公开层级")
    links: list[tuple[str, ...]] = []
    for k, it in enumerate(FIN):
        if k == 0:
            cell = it.link
            got: tuple[str, ...] = (it.link,)
        elif k == 1:
            cell = "查看"
            got = (it.link,)
        elif k == 2:
            second = it.link.replace("nb.html", "nb2019.html")
            cell = f"{it.link}\n{second}"
            got = (it.link, second)
        else:
            cell = f"{it.link}；{it.link.replace('bmys', 'bmjs')}"
            got = (it.link, it.link.replace("bmys", "bmjs"))
        r = sh.add("综合政务", f"{it.l1}/{it.l2}", it.content, it.basis, it.time, it.subject, it.channels, cell,
                   "全社会", "主动公开", "区级")
        if cell == "查看":
            sh.links[(r, 7)] = it.link
        links.append(got)
    items = [(it.l1, it.l2, It(**{**it.__dict__, "link": "|".join(got)})) for it, got in zip(FIN, links, strict=True)]
    return Sub("宝山区财政局.xlsx", [sh], {"综合政务": items}, "Shanghai text layout, links 3 ways",
               unit="区财政局")


def v_odd_xlsx() -> Sub:
    """区教育局: data starting in column B, hidden columns, a frozen pane, a data-validation list on the
    tick columns, fonts/fills/borders on every cell (and on the empty ones below), 填报时间 as a date."""
    sh = Sh("义务教育", styled=True, col_offset=1, freeze="C5", hidden_cols=[14], validation=('"√"', "J5:O200"))
    sh.add("宝山区教育局义务教育领域基层政务公开标准目录")
    sh.merges.append((0, 0, 0, 14))
    sh.add("填报单位：宝山区教育局", "", "", "", "", "", "", "", "", "", "填报时间：", datetime(2020, 9, 20))
    head = [*NATIONAL, ("内部备注", [])]
    two_row_header(sh, head)
    first = len(sh.rows)
    for i, it in enumerate(EDU, 1):
        sh.add(*national_row(i, it, it.l1), "已核")
    merge_blocks(sh, first, EDU, 1)
    for _ in range(30):
        sh.add(*[""] * 15)  # bordered empty rows
    return Sub("宝山区教育局.xlsx", [sh], {"义务教育": expect(EDU)}, "column B start, hidden col, freeze, DV, styles",
               unit="区教育局", domains={"义务教育": "义务教育"}, check_links=False)


def v_csv_gb18030() -> Sub:
    """罗店镇: the national sheet saved as CSV (GB18030) from Excel — merges gone, the parent labels on row 1
    followed by blanks, 一级事项 only on the first row of each block."""
    sh = Sh("罗店镇")
    sh.add("罗店镇社会救助领域基层政务公开标准目录")
    two_row_header(sh, NATIONAL, merged=False)
    prev = ""
    for i, it in enumerate(TOWN, 1):
        sh.add(*national_row(i, it, "" if it.l1 == prev else it.l1))
        prev = it.l1
    sh.add(f"合计：{len(TOWN)}项")
    return Sub("罗店镇社会救助目录.csv", [sh], {"罗店镇社会救助目录": expect(TOWN)}, "CSV in GB18030, no merges",
               unit="罗店镇", domains={"罗店镇社会救助目录": "社会救助"}, csv_encoding="gb18030", check_links=False)


def v_spaced_headers() -> Sub:
    """区生态环境局: header labels spaced out for alignment (序  号, 公 开 依 据) and broken over lines
    (公开内容\\n（要素）), full-width brackets, 公开层级 as 区级/街镇级 ticks."""
    sh = Sh("生态环境")
    sh.add("宝山区生态环境局生态环境领域基层政务公开标准目录")
    head: Head = [
        ("序  号", []), ("公 开 事 项", ["一级\n事项", "二级\n事项"]), ("公开内容\n（要素）", []), ("公 开 依 据", []),
        ("公开\n时限", []), ("公开\n主体", []), ("公开渠道\n和载体", []), ("公开\n对象", ["全社会", "特定\n群体"]),
        ("公开\n方式", ["主动", "依申请"]), ("公开\n层级", ["区级", "街镇级"]), ("公开\n网址", []),
    ]
    two_row_header(sh, head)
    for i, it in enumerate(ENV, 1):
        sh.add(*national_row(i, it, it.l1), it.link)
    return Sub("区生态环境局.xlsx", [sh], {"生态环境": expect(ENV)}, "spaced/broken header labels",
               unit="区生态环境局", domains={"生态环境": "生态环境"})


def v_shanghai_merged_category() -> Sub:
    """区财政局, Shanghai text layout: 类别 merged down the whole table, 一级事项 merged, a two-row 公开事项
    header, a trailing unlabeled link column of 查看 hyperlinks."""
    sh = Sh("Sheet1")
    sh.add("宝山区财政局政务公开标准目录")
    sh.merges.append((0, 0, 0, 11))
    head: Head = [("类别", []), ("公开事项", ["一级事项", "二级事项"]), ("公开内容(要素)", []), ("公开依据", []),
                  ("公开时限", []), ("公开主体", []), ("公开渠道和载体", []), ("公开对象", []), ("公开方式", []),
                  ("公开层级", []), ("", [])]
    two_row_header(sh, head)
    first = len(sh.rows)
    for it in FIN:
        r = sh.add("综合政务", it.l1, it.l2, it.content, it.basis, it.time, it.subject, it.channels, "全社会",
                   "主动公开", "区级", "查看")
        sh.links[(r, 11)] = it.link
    sh.merges.append((first, 0, first + len(FIN) - 1, 0))
    for k in range(first + 1, first + len(FIN)):
        sh.rows[k][0] = ""
    merge_blocks(sh, first, FIN, 1)
    return Sub("宝山区财政局政务公开标准目录.xlsx", [sh], {"Sheet1": expect(FIN)},
               "Shanghai layout, merged 类别, unlabeled 查看 column", unit="区财政局")


def v_words_variants() -> Sub:
    """张庙街道, Shanghai text layout with the words units actually type: 全社会/特定群体（低保家庭）,
    主动公开/依申请公开, 街镇级、村级, channels separated by 、 and line breaks."""
    sh = Sh("综合政务")
    sh.add("张庙街道政务公开事项标准目录")
    sh.add("填报单位：张庙街道办事处", "", "", "", "", "填报时间：2020年9月28日")
    sh.add("类别", "一级事项", "二级事项", "公开内容（要素）", "公开依据", "公开时限", "公开主体", "公开渠道和载体",
           "公开对象", "公开方式", "公开层级")
    items = [
        It("机构信息", "机构职能", "街道办事处主要职责、内设机构", BASIS_GXB, T20, "张庙街道办事处", "政府网站、公开查阅点",
           levels=("街镇级",)),
        It("社会救助", "低保审核确认", "审核确认结果", "《上海市社会救助办法》", "审核确认之日起10个工作日内",
           "张庙街道办事处", "社区/企事业单位/村公示栏(电子屏)\n政府网站", audience=("特定群众",), levels=("街镇级", "村级")),
        It("政府信息公开", "依申请公开", "依申请公开表格和途径", BASIS_GXB, "长期公开", "张庙街道办事处", "政府网站",
           mode=("依申请",), levels=("街镇级",)),
    ]
    aud = ["全社会", "特定群体（低保家庭）", "全社会"]
    for it, a in zip(items, aud, strict=True):
        sh.add("综合政务", it.l1, it.l2, it.content, it.basis, it.time, it.subject, it.channels, a,
               "主动公开" if "主动" in it.mode else "依申请公开", "、".join(it.levels))
    return Sub("张庙街道.xlsx", [sh], {"综合政务": expect(items)}, "Shanghai words: 特定群体（…）, 街镇级、村级",
               unit="张庙街道", check_links=False)


def v_levels_three() -> Sub:
    """区民政局 tick layout with three level columns 市级/区级/街镇级 and 公开对象 sub-labels 社会公众/特定对象."""
    sh = Sh("社会救助")
    sh.add("宝山区民政局社会救助领域基层政务公开标准目录")
    head: Head = [("序号", []), ("公开事项", ["一级事项", "二级事项"]), ("公开内容（要素）", []), ("公开依据", []),
                  ("公开时限", []), ("公开主体", []), ("公开渠道和载体", []), ("公开对象", ["社会公众", "特定对象"]),
                  ("公开方式", ["主动公开", "依申请公开"]), ("公开层级", ["市级", "区级", "街镇级"])]
    two_row_header(sh, head)
    items = [It(t.l1, t.l2, t.content, t.basis, t.time, "区民政局", t.channels, t.audience, t.mode,
                ("区级", "街镇级")) for t in TOWN]
    for i, it in enumerate(items, 1):
        sh.add(i, it.l1, it.l2, it.content, it.basis, it.time, it.subject, it.channels,
               "√" if "全社会" in it.audience else "", "√" if "特定群众" in it.audience else "",
               "√" if "主动" in it.mode else "", "√" if "依申请" in it.mode else "", "", "√", "√")
    return Sub("宝山区民政局.xlsx", [sh], {"社会救助": expect(items)}, "three level columns, 社会公众/特定对象",
               unit="区民政局", domains={"社会救助": "社会救助"}, check_links=False)


def v_instructions_on_top() -> Sub:
    """区教育局: the district template's 填表说明 paragraphs on top of the same sheet, then the table."""
    sh = Sh("义务教育")
    sh.add("宝山区政务公开事项标准目录（模板）")
    sh.add("填表说明：1.公开对象、公开方式、公开层级在相应栏内打“√”；2.公开渠道和载体请在选中项前用“■”标注；"
           "3.一级事项可合并单元格。")
    sh.merges.append((1, 0, 1, 13))
    sh.add("领域：义务教育", "", "", "", "", "", "", "", "", "", "填报单位：宝山区教育局")
    two_row_header(sh, NATIONAL)
    for i, it in enumerate(EDU, 1):
        sh.add(*national_row(i, it, it.l1))
    sh.add("注：1.本表由区教育局填报；2.如有疑问请联系区政府办公室政务公开科。")
    sh.add("填报人：张三", "", "", "联系电话：56691234")
    return Sub("教育局-模板.xlsx", [sh], {"义务教育": expect(EDU)}, "template preamble, 注 and 填报人 lines",
               unit="区教育局", domains={"义务教育": "义务教育"}, check_links=False)


def v_level3_and_seq_styles() -> Sub:
    """区生态环境局: 一级/二级/三级事项, 序号 written 1、1.1、（一）, 公开主体 merged down the column."""
    sh = Sh("生态环境")
    sh.add("宝山区生态环境局生态环境领域基层政务公开标准目录")
    head: Head = [("序号", []), ("公开事项", ["一级事项", "二级事项", "三级事项"]), ("公开内容（要素）", []),
                  ("公开依据", []), ("公开时限", []), ("公开主体", []), ("公开渠道和载体", []),
                  ("公开对象", ["全社会", "特定群众"]), ("公开方式", ["主动", "依申请公开"]), ("公开层级", ["县级", "乡级"]),
                  ("链接", [])]
    two_row_header(sh, head)
    first = len(sh.rows)
    seqs = ["（一）", "1.1", "2", "3、"]
    for seq, it in zip(seqs, ENV, strict=True):
        row = national_row(seq, it, it.l1)
        sh.add(*row[:3], "受理/审批/公示", *row[3:], it.link)
    sh.merges.append((first, 7, first + len(ENV) - 1, 7))
    for k in range(first + 1, first + len(ENV)):
        sh.rows[k][7] = ""
    return Sub("区生态环境局-三级事项.xlsx", [sh], {"生态环境": expect(ENV)}, "三级事项, odd 序号, merged 主体",
               unit="区生态环境局", domains={"生态环境": "生态环境"})


def v_real_mistakes() -> Sub:
    """区教育局 with mistakes staff really make: no 公开方式 tick, both ticks, 依据 with an unclosed 《,
    an empty 公开主体, a link without http, a mark typed as 'x'.  Each must be reported at its cell."""
    sh = Sh("义务教育")
    sh.add("宝山区教育局义务教育领域基层政务公开标准目录")
    two_row_header(sh, [*NATIONAL, ("公开网址", [])])
    rows = []
    for i, it in enumerate(EDU, 1):
        rows.append(national_row(i, it, it.l1) + [it.link])
    rows[0][10] = ""  # 主动 untick: no 公开方式
    rows[1][11] = "√"  # both 主动 and 依申请
    rows[2][4] = "《中华人民共和国义务教育法"  # unclosed 《
    rows[3][6] = ""  # no 公开主体
    rows[4][14] = "www.shbsq.gov.cn/jyj"  # no scheme
    rows[5][8] = "x"  # a mark zwgk cannot read
    for row in rows:
        sh.add(*row)
    got = [replace(EDU[0], mode=()), replace(EDU[1], mode=("主动", "依申请")), replace(EDU[2], basis=rows[2][4]),
           replace(EDU[3], subject=""), EDU[4], replace(EDU[5], audience=())]
    return Sub("教育局-有错.xlsx", [sh], {"义务教育": expect(got)}, "real mistakes at known cells",
               unit="区教育局", domains={"义务教育": "义务教育"}, check_links=False,
               must=Counter({"mode-none": 1, "mode-both": 1, "basis-brackets-unbalanced": 1,
                             "required-cell-empty": 1, "link-invalid": 1, "tick-mark-unrecognised": 1}))


def v_merged_name_no_subrow() -> Sub:
    """区财政局, Shanghai text layout: 公开事项 merged over two columns with no 一级/二级事项 row under it,
    and a trailing column without a header holding 查看 hyperlinks."""
    sh = Sh("综合政务")
    sh.add("宝山区财政局政务公开标准目录")
    sh.add("类别", "公开事项", "", "公开内容", "公开依据", "公开时限", "公开主体", "公开渠道和载体", "公开对象", "公开方式",
           "公开层级", "")
    sh.merges.append((1, 1, 1, 2))
    for it in FIN:
        r = sh.add("综合政务", it.l1, it.l2, it.content, it.basis, it.time, it.subject, it.channels, "全社会", "主动公开",
                   "区级", "查看")
        sh.links[(r, 11)] = it.link
    return Sub("区财政局-合并表头.xlsx", [sh], {"综合政务": expect(FIN)}, "公开事项 merged over 2 cols, no sub row",
               unit="区财政局", domains={"综合政务": "综合政务"})


def v_csv_shanghai_urls() -> Sub:
    """区财政局's Shanghai table saved as UTF-8 CSV (with BOM): 公开事项 followed by a blank header cell
    (the merge is gone), and a trailing unlabeled column of bare URLs."""
    sh = Sh("csv")
    sh.add("类别", "公开事项", "", "公开内容", "公开依据", "公开时限", "公开主体", "公开渠道和载体", "公开对象", "公开方式",
           "公开层级", "")
    for it in FIN:
        sh.add("综合政务", it.l1, it.l2, it.content, it.basis, it.time, it.subject, it.channels, "全社会", "主动公开",
               "区级", it.link)
    return Sub("区财政局目录导出.csv", [sh], {"区财政局目录导出": expect(FIN)}, "CSV, 公开事项 + blank, URL column",
               unit="区财政局", csv_encoding="utf-8-sig")


def v_cover_and_lists() -> Sub:
    """区教育局: a cover sheet (封面), a sheet of drop-down sources (下拉选项), and one catalogue sheet with
    two domains under section headings; header labels carry filling hints in brackets (打√, 请写明 …)."""
    cover = Sh("封面")
    cover.add("宝山区教育局")
    cover.add("政务公开事项标准目录")
    cover.add("2020年9月")
    lists = Sh("下拉选项")
    lists.add("公开对象", "公开方式", "公开层级")
    lists.add("全社会", "主动公开", "区级")
    lists.add("特定群众", "依申请公开", "街镇级")
    sh = Sh("目录")
    sh.add("宝山区教育局政务公开事项标准目录")
    head: Head = [("序号", []), ("公开事项", ["一级事项", "二级事项"]), ("公开内容（要素）", []),
                  ("公开依据（文件名称及文号）", []), ("公开时限（工作日）", []), ("公开主体", []),
                  ("公开渠道和载体（选中项前打■）", []), ("公开对象（打√）", ["全社会", "特定群众（请写明）"]),
                  ("公开方式（打√）", ["主动（√）", "依申请（√）"]), ("公开层级", ["区级", "街镇级"])]
    two_row_header(sh, head)
    r = sh.add("一、义务教育领域")
    sh.merges.append((r, 0, r, 13))
    for i, it in enumerate(EDU, 1):
        sh.add(*national_row(i, it, it.l1))
    r = sh.add("二、生态环境领域")
    sh.merges.append((r, 0, r, 13))
    for i, it in enumerate(ENV, len(EDU) + 1):
        sh.add(*national_row(i, it, it.l1))
    items = [(it.l1, it.l2, it, "义务教育") for it in EDU] + [(it.l1, it.l2, it, "生态环境") for it in ENV]
    return Sub("宝山区教育局-封面.xlsx", [cover, sh, lists], {"目录": items}, "cover + drop-down sheets, sections",
               unit="区教育局", check_links=False, skipped_sheets={"封面", "下拉选项"})


def v_xls_town() -> Sub:
    """罗店镇 as an old .xls (WPS 'Excel 97-2003'): title merged, 填报单位（盖章）, merged header and blocks."""
    sh = Sh("罗店镇")
    sh.add("罗店镇社会救助领域基层政务公开标准目录")
    sh.merges.append((0, 0, 0, 13))
    sh.add("填报单位（盖章）：罗店镇人民政府")
    two_row_header(sh, NATIONAL)
    first = len(sh.rows)
    for i, it in enumerate(TOWN, 1):
        sh.add(*national_row(i, it, it.l1))
    merge_blocks(sh, first, TOWN, 1)
    return Sub("罗店镇.xls", [sh], {"罗店镇": expect(TOWN)}, ".xls with merges", unit="罗店镇",
               domains={"罗店镇": "社会救助"}, check_links=False)


SUBMISSIONS: dict[str, Callable[[], Sub]] = {
    f.__name__[2:]: f for f in (
        v_town_not_involved, v_three_row_header, v_reordered_spellings, v_tick_variety, v_page_break_header,
        v_multi_sheet, v_domain_column, v_links, v_odd_xlsx, v_csv_gb18030, v_spaced_headers,
        v_shanghai_merged_category, v_words_variants, v_levels_three, v_instructions_on_top,
        v_level3_and_seq_styles, v_real_mistakes, v_merged_name_no_subrow, v_csv_shanghai_urls, v_cover_and_lists,
        v_xls_town,
    )
}


# ------------------------------------------------------------------------------------------------------
# Judging what zwgk check makes of each submission
# ------------------------------------------------------------------------------------------------------

# Findings that only inform (a skipped sheet, a heading row, a kept extra column) are never false alarms.
INFO_OK = {"row-heading", "column-unknown", "sheet-instructions-skipped", "sheet-empty", "rows-numbered-only"}


def mismatches(sub: Sub, res: FileResult) -> list[str]:
    """Everything a unit's staff member would call a misreading of ``sub``, as readable lines."""
    out: list[str] = []
    if not res.readable:
        return [f"unreadable: {[f.message('zh') for f in res.findings]}"]
    if sub.unit and res.unit != sub.unit:
        out.append(f"unit {res.unit!r}, expected {sub.unit!r}")
    roles = {s.name: s.role for s in res.sheets}
    for name in sub.skipped_sheets:
        if roles.get(name) not in ("instructions", "empty"):
            out.append(f"sheet {name!r} has role {roles.get(name)!r}, expected it skipped")
    by_sheet: dict[str, list[Any]] = {}
    for item in res.items:
        by_sheet.setdefault(item.source.sheet or "", []).append(item)
    for sheet, want in sub.items.items():
        got = by_sheet.pop(sheet, [])
        if len(got) != len(want):
            out.append(f"{sheet}: {len(got)} items, expected {len(want)}: "
                       f"{[(g.source.row, g.level1, g.level2) for g in got]}")
            continue
        for g, w in zip(got, want, strict=True):
            l1, l2, it = w[0], w[1], w[2]
            domain = w[3] if len(w) > 3 else sub.domains.get(sheet)
            expected = {"level1": l1 or None, "level2": l2 or None, "content": it.content, "basis": it.basis,
                        "time_limit": it.time, "subject": it.subject or None, "audience": it.audience,
                        "mode": it.mode}
            if sub.check_levels:
                expected["levels"] = it.levels
            if sub.check_links:
                expected["links"] = tuple(x for x in it.link.split("|") if x)
            if domain:
                expected["domain"] = domain
            for key, value in expected.items():
                have = getattr(g, key)
                if key in ("audience", "mode", "levels"):
                    have, value = tuple(sorted(have)), tuple(sorted(value))
                if have != value:
                    out.append(f"{sheet} row {g.source.row}: {key} = {have!r}, expected {value!r}")
            if not g.channels:
                out.append(f"{sheet} row {g.source.row}: no channels read")
    for sheet, extra in by_sheet.items():
        out.append(f"{sheet}: unexpected items {[(g.source.row, g.level1, g.level2) for g in extra]}")
    codes = Counter(f.code for f in res.findings)
    for code, n in sub.must.items():
        if codes[code] != n:
            out.append(f"{code}: {codes[code]} findings, expected {n}")
    for f in res.findings:
        if f.code not in sub.must and f.code not in INFO_OK and f.code not in sub.allow:
            out.append(f"false alarm {f.code} at {f.location.sheet}!{f.location.cell or f.location.row}: "
                       f"{f.message('zh')}")
    return out


# Submissions a careful reader reads correctly today.
READ_RIGHT = [k for k in SUBMISSIONS if k not in ("town_not_involved", "page_break_header", "tick_variety")]


@pytest.mark.parametrize("key", READ_RIGHT)
def test_blind_submission_is_read_as_its_author_meant(key: str, tmp_path: Path, ctx: RuleContext) -> None:
    sub = SUBMISSIONS[key]()
    res = check_file(write(sub, tmp_path), ctx=ctx)
    assert mismatches(sub, res) == []


def test_real_mistakes_are_reported_at_their_cells(tmp_path: Path, ctx: RuleContext) -> None:
    res = check_file(write(v_real_mistakes(), tmp_path), ctx=ctx)
    cells = {(f.code, f.location.cell) for f in res.findings}
    assert {("mode-none", "K4"), ("mode-both", "K5"), ("basis-brackets-unbalanced", "E6"),
            ("required-cell-empty", "G7"), ("link-invalid", "O8"), ("tick-mark-unrecognised", "I9")} <= cells
    assert sum(1 for f in res.findings if f.severity.value == "error") == 4  # 依据, 主体, 方式, 链接


def test_tick_marks_are_read_and_hollow_circles_only_warned(tmp_path: Path, ctx: RuleContext) -> None:
    """✓ ✔ ● 是 Y read as ticks, 否 as not ticked; ○ (the hollow partner of ●) is read as not ticked
    with a warning — zwgk does not guess a mark outside its vocabulary (a product decision)."""
    sub = v_tick_variety()
    res = check_file(write(sub, tmp_path), ctx=ctx)
    lines = mismatches(sub, res)
    assert lines and all(line.startswith("false alarm tick-mark-unrecognised") and "「○」" in line for line in lines)
    assert len(lines) == 3


# --- row-level cases handled in compiler/reader/items.py ---------------------------------------------

def test_header_repeated_at_a_page_break_is_not_an_item(tmp_path: Path, ctx: RuleContext) -> None:
    sub = v_page_break_header()
    assert mismatches(sub, check_file(write(sub, tmp_path), ctx=ctx)) == []


def test_not_involved_rows_are_not_items(tmp_path: Path, ctx: RuleContext) -> None:
    sub = v_town_not_involved()
    assert mismatches(sub, check_file(write(sub, tmp_path), ctx=ctx)) == []


def test_yes_no_mode_column_answered_no_means_on_request(tmp_path: Path, ctx: RuleContext) -> None:
    sub = v_reordered_spellings()
    sh = sub.sheets[0]
    sh.rows[-1][4] = "否"
    last = sub.items["生态环境"][-1]
    sub.items["生态环境"][-1] = (last[0], last[1], replace(last[2], mode=("依申请",)))
    assert mismatches(sub, check_file(write(sub, tmp_path), ctx=ctx)) == []


@functools.cache
def shipped_context() -> RuleContext:
    # Not the ctx fixture: hypothesis would print its (very long) repr with every failing example.
    return rule_context()


def test_group_written_under_specific_audience_column(tmp_path: Path, ctx: RuleContext) -> None:
    sh = Sh("社会救助")
    sh.add("罗店镇社会救助领域基层政务公开标准目录")
    head = [*NATIONAL[:7], ("公开对象", ["全社会", "特定群众（请写明）"]), *NATIONAL[8:]]
    two_row_header(sh, head)
    for i, it in enumerate(TOWN, 1):
        row = national_row(i, it, it.l1)
        if "特定群众" in it.audience:
            row[9] = "低保、特困家庭"
        sh.add(*row)
    res = check_file(write(Sub("罗店镇-特定群众.xlsx", [sh], {}, ""), tmp_path), ctx=ctx)
    last = res.items[-1]
    assert (last.audience, last.audience_note) == (("特定群众",), "低保、特困家庭")
    assert "tick-mark-unrecognised" not in {f.code for f in res.findings}



def test_a_bare_number_under_a_time_limit_header_with_its_unit(tmp_path: Path, ctx: RuleContext) -> None:
    """公开时限（工作日） with 20 in the cells: the number counts working days, and the district catalogue
    (which has no such header) says so; 常态化公开 is a time limit like 长期."""
    sh = Sh("社会救助")
    sh.add("罗店镇社会救助领域基层政务公开标准目录")
    head = [*NATIONAL[:4], ("公开时限（工作日）", []), *NATIONAL[5:]]
    two_row_header(sh, head)
    times = ["20", "常态化公开", "30"]
    for i, (it, time_limit) in enumerate(zip(TOWN, times, strict=False), 1):
        row = national_row(i, it, it.l1)
        row[5] = time_limit
        sh.add(*row)
    res = check_file(write(Sub("罗店镇-时限.xlsx", [sh], {}, ""), tmp_path), ctx=ctx)
    assert [it.time_limit for it in res.items] == ["20个工作日", "常态化公开", "30个工作日"]
    codes = [f.code for f in res.findings if f.code.startswith("time-limit")]
    assert codes == ["time-limit-exceeds-statutory"]  # only the 30, beyond 条例 第二十六条's 20


def test_hidden_item_rows_are_read_and_said(tmp_path: Path, ctx: RuleContext) -> None:
    """A unit "deletes" two items by hiding their rows: they are still items (nothing lost) and one warning
    names the rows, so that the unit deletes or unhides them."""
    sh = Sh("社会救助")
    sh.add("罗店镇社会救助领域基层政务公开标准目录")
    two_row_header(sh, NATIONAL)
    for i, it in enumerate(TOWN, 1):
        sh.add(*national_row(i, it, it.l1))
    sh.hidden_rows = [5, 6]  # the first two data rows (title, two header rows above)
    res = check_file(write(Sub("罗店镇-隐藏行.xlsx", [sh], {}, ""), tmp_path), ctx=ctx)
    assert len(res.items) == len(TOWN)
    hidden = [f for f in res.findings if f.code == "rows-hidden"]
    assert len(hidden) == 1 and hidden[0].location.row == 5 and hidden[0].params["rows"] == "5–6"

# --- any header shape units use reads the same items (the layout fixes generalise) -----------------------

# Column groups of the national table; the tick groups sit together under an optional super-group.
GROUPS: dict[str, Head] = {
    "seq": [("序号", [])],
    "name": [("公开事项", ["一级事项", "二级事项"])],
    "content": [("公开内容（要素）", [])],
    "basis": [("公开依据", [])],
    "time": [("公开时限", [])],
    "subject": [("公开主体", [])],
    "channels": [("公开渠道和载体", [])],
    "link": [("公开网址", [])],
    "note": [("备注", [])],
    "ticks": [("公开对象", ["全社会", "特定群众"]), ("公开方式", ["主动", "依申请公开"]), ("公开层级", ["县级", "乡级"])],
}


# Shanghai's text layout: the same groups as words, and 公开事项 as "一级/二级" in one cell.
WORD_COLUMNS: Head = [("公开对象", []), ("公开方式", []), ("公开层级", [])]


def cell_of(key: str, it: It, words: bool = False, flat: bool = False) -> list[Any]:
    if words and key == "ticks":
        return ["、".join(it.audience), "、".join(("主动公开" if m == "主动" else "依申请公开") for m in it.mode),
                "、".join(it.levels)]
    if flat and key == "name":
        return [f"{it.l1}/{it.l2}"]
    ticks = ["√" if "全社会" in it.audience else "", "√" if "特定群众" in it.audience else "",
             "√" if "主动" in it.mode else "", "√" if "依申请" in it.mode else "",
             "√" if "区级" in it.levels else "", "√" if "街镇级" in it.levels else ""]
    return {"seq": [""], "name": [it.l1, it.l2], "content": [it.content], "basis": [it.basis], "time": [it.time],
            "subject": [it.subject], "channels": [it.channels], "link": [it.link], "note": [""], "ticks": ticks}[key]


def shaped(order: list[str], three: bool, merged: bool, titles: int, items: list[It], words: bool = False,
           flat: bool = False) -> Sub:
    """The national table with its groups in ``order``, a two- or three-row header (公开属性 over the tick
    groups), merged or typed without merges, under ``titles`` title lines — or Shanghai's text layout
    (``words``), with 公开事项 over 一级/二级事项 or in one "一级/二级" cell (``flat``: a one-row header)."""
    sh = Sh("义务教育")
    for k in range(titles):
        sh.add("宝山区教育局义务教育领域基层政务公开标准目录" if k == 0 else f"填报时间：2020年9月{20 + k}日")
    groups = {**GROUPS, "ticks": WORD_COLUMNS} if words else GROUPS
    if flat:
        groups = {**groups, "name": [("公开事项(一级/二级)", [])]}
    head: Head = [g for key in order for g in groups[key]]
    r = len(sh.rows)
    if words and flat:
        sh.add(*[label for label, _ in head])
    elif words or not three:
        two_row_header(sh, head, merged)
    else:
        top, mid, leaf = [], [], []
        for parent, kids in head:
            c = len(top)
            if parent in ("公开对象", "公开方式", "公开层级"):
                top += ["公开属性" if parent == "公开对象" else ""] + [""] * (len(kids) - 1)
                mid += [parent] + [""] * (len(kids) - 1)
                leaf += kids
                if merged:
                    sh.merges.append((r + 1, c, r + 1, c + len(kids) - 1))
            elif kids:
                top += [parent] + [""] * (len(kids) - 1)
                mid += [""] * len(kids)
                leaf += kids
                if merged:
                    sh.merges.append((r, c, r + 1, c + len(kids) - 1))
            else:
                top.append(parent)
                mid.append("")
                leaf.append("")
                if merged:
                    sh.merges.append((r, c, r + 2, c))
        if merged:
            start = top.index("公开属性")
            sh.merges.append((r, start, r, start + 5))
        sh.rows += [top, mid, leaf]
    for n, it in enumerate(items, 1):
        row: list[Any] = []
        for key in order:
            row += [n] if key == "seq" else cell_of(key, it, words, flat)
        sh.add(*row)
    return Sub("shaped.xlsx", [sh], {"义务教育": expect(items)}, "shaped", domains={"义务教育": "义务教育"},
               check_links="link" in order)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order=st.permutations(list(GROUPS)), drop=st.sets(st.sampled_from(["seq", "link", "note"])),
       three=st.booleans(), merged=st.booleans(), titles=st.integers(0, 2), words=st.booleans(), flat=st.booleans())
def test_any_header_shape_reads_the_same_items(order: list[str], drop: set[str], three: bool, merged: bool,
                                               titles: int, words: bool, flat: bool) -> None:
    sub = shaped([k for k in order if k not in drop], three, merged, titles, EDU, words, flat and words)
    with tempfile.TemporaryDirectory(prefix="zwgk-blind-") as tmp:
        res = check_file(write(sub, Path(tmp)), ctx=shipped_context())
    bad = [line for line in mismatches(sub, res) if "column-unknown" not in line]
    assert bad == []


# --- the fixes, one by one, on the smallest sheet that shows each -----------------------------------------

def _layout_of(sh: Sh, tmp_path: Path, ctx: RuleContext) -> dict[str, str]:
    res = check_file(write(Sub("x.xlsx", [sh], {}, ""), tmp_path), ctx=ctx)
    return dict(res.sheets[0].columns)


def test_three_row_header_names_every_leaf_column(tmp_path: Path, ctx: RuleContext) -> None:
    sub = v_three_row_header()
    res = check_file(write(sub, tmp_path), ctx=ctx)
    summary = res.sheets[0]
    assert summary.header_rows == (2, 3, 4)
    assert summary.columns == {
        "A": "seq", "B": "level1", "C": "level2", "D": "content", "E": "basis", "F": "time_limit",
        "G": "subject", "H": "channels", "I": "audience:全社会", "J": "audience:特定群众", "K": "mode:主动",
        "L": "mode:依申请", "M": "levels:区级", "N": "levels:街镇级", "O": "links"}


def test_merged_name_over_two_columns_without_sub_row_is_level1_and_level2(tmp_path: Path, ctx: RuleContext) -> None:
    columns = _layout_of(v_merged_name_no_subrow().sheets[0], tmp_path, ctx)
    assert (columns["B"], columns["C"]) == ("level1", "level2")
    assert "L" not in columns  # the blank-headed 查看 column stays unnamed (its links are read), not 公开层级


def test_blank_header_after_last_column_is_not_a_copy_of_it(tmp_path: Path, ctx: RuleContext) -> None:
    """One-row header, trailing column without a label: its URLs are links, not a second 公开层级."""
    sub = v_csv_shanghai_urls()
    res = check_file(write(sub, tmp_path), ctx=ctx)
    assert [f.code for f in res.findings if f.code == "column-duplicate"] == []
    assert [it.links for it in res.items] == [(it.link,) for it in FIN]


def test_totals_lines_are_not_items(tmp_path: Path, ctx: RuleContext) -> None:
    sub = v_multi_sheet()
    res = check_file(write(sub, tmp_path), ctx=ctx)
    assert [s.items for s in res.sheets if s.role == "catalogue"] == [len(EDU), len(ENV)]
    assert not [f for f in res.findings if f.severity.value == "error"]


def test_cover_and_dropdown_sheets_are_skipped_not_errors(tmp_path: Path, ctx: RuleContext) -> None:
    res = check_file(write(v_cover_and_lists(), tmp_path), ctx=ctx)
    assert {s.name: s.role for s in res.sheets} == {"封面": "instructions", "目录": "catalogue", "下拉选项": "instructions"}
    assert "header-not-found" not in {f.code for f in res.findings}


def test_yes_no_mode_column_is_a_tick_column_with_its_no_value(ctx: RuleContext) -> None:
    from zwgk.compiler.reader.layout import analyse
    from zwgk.compiler.reader.sources import Grid

    grid = Grid("s", [["信息名称", "公开内容", "是否主动公开", "公开时限"], ["a", "b", "是", "c"]])
    col = analyse(grid, ctx.vocabulary, 0).columns[2]
    assert (col.kind, col.field, col.value, col.value_no) == ("tick", "mode", "主动", "依申请")
    plain = analyse(Grid("s", [["公开事项", "公开内容", "主动", "依申请"], ["a", "b", "√", ""]]), ctx.vocabulary, 0)
    assert [c.value_no for c in plain.columns] == [None] * 4


def test_header_cells_cover_every_header_row(tmp_path: Path, ctx: RuleContext) -> None:
    from zwgk.compiler.reader.layout import analyse
    from zwgk.compiler.reader.sources import Grid

    sh = v_page_break_header().sheets[0]
    grid = Grid(sh.name, [[str(x) for x in row] for row in sh.rows], merged=list(sh.merges))
    layout = analyse(grid, ctx.vocabulary, 1)
    assert {"序号", "公开内容（要素）", "一级事项", "全社会", "依申请公开", "乡、村级"} <= layout.header_cells
    assert not layout.header_cells & {it.content for it in EDU}


@pytest.mark.parametrize(("cell", "channels", "unknown"), [
    ("政府网站两微一端", ("政府网站", "两微一端"), ()),
    ("■政府网站 两微一端 □政府公报", ("政府网站", "两微一端"), ()),
    ("政务服务中心\n公开查阅点", ("政务服务中心", "公开查阅点"), ()),
    ("政府网站、区教育局网站", ("政府网站", "区教育局网站"), ("区教育局网站",)),
    ("区教育局网站", ("区教育局网站",), ("区教育局网站",)),
    ("广播电视", ("广播电视",), ()),
])
def test_channel_words_run_together_are_split_only_into_known_names(cell: str, channels: tuple[str, ...],
                                                                    unknown: tuple[str, ...], ctx: RuleContext) -> None:
    assert ctx.vocabulary.parse_channels(clean_cell(cell)) == (channels, unknown)


@pytest.mark.parametrize(("label", "want"), [
    ("主动（√）", ("mode", "主动")), ("全社会(打√)", ("audience", "全社会")), ("依申请（√）", ("mode", "依申请")),
    ("是否主动公开", ("mode", "主动")), ("备注（√）", None), ("公开主体（部门）", None),
])
def test_tick_labels_with_a_filling_hint(label: str, want: tuple[str, str] | None, ctx: RuleContext) -> None:
    assert ctx.vocabulary.tick_group_of(label) == want


@pytest.mark.parametrize(("text", "note"), [("合计：56项", True), ("合计", True), ("总计56项", True), ("小计: 3", True),
                                            ("合同管理", False), ("总体规划", False)])
def test_totals_are_notes(text: str, note: bool, ctx: RuleContext) -> None:
    assert ctx.vocabulary.is_note(text) is note


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "blind")
    out.mkdir(parents=True, exist_ok=True)
    for key, make in SUBMISSIONS.items():
        sub = make()
        print(f"{key:28} {write(sub, out)}  — {sub.what}")
