"""The bundled example district of ``make demo``: sixteen 宝山区 units' submissions, generated in code.

Nothing here is a committed blob: every file is built from the templates (:mod:`zwgk.compiler.template`),
the shared sheet writer and the reference catalogues, deterministically (no clock, and the only
randomness is :class:`random.Random` seeded with the unit and item), so two runs give byte-identical
files.  The content is realistic but invented: items and wording follow the national guideline rows and
the published Baoshan/Shanghai catalogues (../shared/reference/sample_rows.json); links point at
https://www.shbsq.gov.cn/ pages that do not exist.

The submissions, and what ``zwgk check`` finds in them on purpose:

======================================  =============================================================
区教育局.xlsx                            national template, filled in carefully — clean
区民政局.xlsx                            template; a row without 公开方式, one with both, an "x" tick, a row
                                         without 公开对象 and one without 公开层级
区卫生健康委.xlsx                        template; unbalanced 《》, 第二十条第十六项, 30 working days, "按上级
                                         要求", a link without http(s), a link on mp.weixin.qq.com
大场镇.xlsx                              township catalogue with section headings, merged 一级事项 and 同上,
                                         a 未涉及 section at the end, an item row hidden;
                                         a duplicated row and an empty 公开时限
罗店镇.xlsx                              township that filled a district copy: every item ticked 区级 only
吴淞街道.xlsx                            Shanghai layout with 链接/查看 hyperlinks — clean
区财政局.xlsx                            Shanghai 全领域 layout (宝山区财政局's published rows); 公开方式
                                         "公开", 公开层级 "本级", a 备注 column
区人力资源社会保障局.xls                 old .xls (xlwt; .xlsx when xlwt is missing); "■微信公众号"
区市场监管局.csv                         CSV exported as GB18030 with two broken characters, NUL padding
                                         and a licence list pasted into one cell
区规划资源局.xlsx                        the unit's own template: title row and 填报单位/填报时间 line; a
                                         formula without a value, 公开依据 twice, a stray row, rows numbered
                                         in advance, a 同上 with nothing above
区城管执法局.xlsx                        template that still links to another workbook (a #REF! cell,
                                         a hidden lookup sheet)
宝山工业园区.xlsx                        园区: a "Sheet1" with no domain, a 招商服务领域 sheet, a prose
                                         sheet, an empty one and a 安全生产 sheet with its title only
目录汇总（终稿）.xlsx                    says nowhere who sent it (杨行镇, per zwgk.toml)
城建委目录.xlsx                          填报单位 is the pre-2018 name 宝山区城市建设委员会 (区建设管理委)
区司法局.xlsx                            reduced layout without a 公开依据 column, and a sheet in Beijing's
                                         职责/业务事项 model that has no 公开事项 at all
区文化旅游局.xlsx                        a Word document saved as .xlsx
======================================  =============================================================

区应急局 (安全生产, 救灾) submitted nothing.  ``zwgk.toml`` maps the two files that do not name their unit
and declares three 未涉及 domains.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import io
import random
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from copy import copy
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from zwgk.catalogs import load_reference
from zwgk.catalogs.template_text import TemplateText, load_template_text
from zwgk.catalogs.vocabulary import load_vocabulary
from zwgk.compiler.emit.atomic import write_bytes, write_text
from zwgk.compiler.emit.workbook import SheetLayoutInfo, fill_row, workbook_bytes, write_catalogue_sheet
from zwgk.compiler.template import TemplateSheet, plan_template
from zwgk.validators.reference import Reference, Unit
from zwgk.validators.vocabulary import Vocabulary

DISTRICT = "上海市宝山区"
AS_OF = dt.date(2020, 9, 30)
SITE = "https://www.shbsq.gov.cn"
MANIFEST = "zwgk.toml"
MISSING_UNIT = "区应急局"
# xlwt is a dev dependency: the example carries an old .xls only where it is installed, else an .xlsx.
HAS_XLWT = importlib.util.find_spec("xlwt") is not None
_HR_FILE = "区人力资源社会保障局.xls" if HAS_XLWT else "区人力资源社会保障局.xlsx"

# Path segment of each unit's column on the district site (invented, stable).
_SLUGS = {
    "区教育局": "jyj", "区民政局": "mzj", "区卫生健康委": "wjw", "大场镇": "dcz", "罗店镇": "ldz", "吴淞街道": "wsjd",
    "区财政局": "czj", "区人力资源社会保障局": "rsj", "区市场监管局": "scjgj", "区规划资源局": "ghzyj",
    "区城管执法局": "cgzfj", "宝山工业园区": "gyyq", "杨行镇": "yxz", "区建设管理委": "jsglw", "区司法局": "sfj",
}
_BASIS = "《中华人民共和国政府信息公开条例》《上海市政府信息公开规定》"
_TIME = "信息形成或者变更之日起20个工作日内"
_CHANNEL_POOL = ("两微一端", "公开查阅点", "政务服务中心", "社区/企事业单位/村公示栏(电子屏)", "纸质媒体")
_CONTENT_FALLBACK = {
    "城市综合执法": "行政处罚决定书：当事人、违法事实、处罚依据、处罚结果、作出处罚的机关和日期",
    "社会保险": "事项名称、办理材料、办理方式、办理时限、办理地点、咨询电话",
}
_GENERIC_CONTENT = "办理依据、办理条件、办理流程、办理时限、办理结果"

# 综合政务 rows as 宝山区财政局 and 崇明区教育局 publish them (sample_rows.json, V); the unit is filled in.
_ZONGHE: tuple[tuple[str, str, str, str], ...] = (
    ("机构信息", "机关简介", "1.机关名称 2.办公地址 3.办公时间 4.联系方式(包括联系电话、传真号码等) 5.邮政编码", _TIME),
    ("机构信息", "机关职能", "依据“三定”方案确定的本部门职责", _TIME),
    ("机构信息", "机构设置", "1.内设机构名称 2.主要职责", _TIME),
    ("人事信息", "领导信息", "1.姓名 2.职务 3.工作分工", _TIME),
    ("政府信息公开", "政府信息公开指南", "1.政府信息的分类、编排体系 2.政府信息获取方式 3.政府信息公开机构信息(包括名称、办公地址、办公时间、联系电话、传真号码等)", _TIME),
    ("政府信息公开", "政府信息公开年报", "本单位政府信息公开工作年度报告", "每年1月31日前"),
    ("政府信息公开", "依申请公开", "依申请公开表格和途径", _TIME),
)


@dataclass
class _Ctx:
    out: Path
    ref: Reference
    vocab: Vocabulary
    text: TemplateText
    written: list[str] = field(default_factory=list)

    def save(self, name: str, wb: Workbook) -> None:
        self.put(name, workbook_bytes(wb, AS_OF))

    def put(self, name: str, data: bytes) -> None:
        write_bytes(self.out / name, data)
        self.written.append(name)

    def unit(self, name: str) -> Unit:
        found = self.ref.unit(name)
        assert found is not None, name
        return found


def write_example_district(out_dir: Path) -> Path:
    """Write the example submissions and their ``zwgk.toml`` into ``out_dir``; return ``out_dir``.

    Files already in the folder are left alone (only the example's own names are written, atomically).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx = _Ctx(out=out_dir, ref=load_reference(), vocab=load_vocabulary(), text=load_template_text())
    for build in _BUILDERS:
        build(ctx)
    write_text(out_dir / MANIFEST, _manifest())
    return out_dir


# -- shared pieces ----------------------------------------------------------------------------------------


def _subject(unit: Unit) -> str:
    """How a unit writes itself in 公开主体: 宝山区教育局, 罗店镇人民政府, 吴淞街道办事处."""
    if unit.kind == "委办局":
        named = [a for a in unit.aliases if a.startswith("宝山区")]
        return min(named, key=len) if named else unit.name
    return unit.aliases[0] if unit.aliases else unit.name


def _rng(*parts: object) -> random.Random:
    return random.Random("|".join(str(p) for p in parts))


def _link(unit: str, domain_slug: str, n: int) -> str:
    return f"{SITE}/shbs/{_SLUGS.get(unit, 'qt')}/{domain_slug}/{n:03d}.html"


def _standard(ctx: _Ctx, unit: Unit, domain: str, key: str, n: int, level: str) -> dict[str, object]:
    """A carefully filled row: the unit's values for everything the template leaves to it."""
    rng = _rng(unit.name, domain, key)
    d = ctx.ref.domain(domain)
    slug = d.pinyin if d else "qt"
    return {
        "subject": _subject(unit),
        "channels": ["政府网站", *rng.sample(_CHANNEL_POOL, rng.randint(1, 2))],
        "audience": ["全社会"],
        "mode": ["主动"],
        "levels": [level],
        "links": [_link(unit.name, slug, n)],
    }


def _blank(ws: Worksheet, ref: str) -> bool:
    return ws[ref].value in (None, "")


def _fill_template(
    ctx: _Ctx,
    wb: Workbook,
    sheet: TemplateSheet,
    unit: Unit,
    level: str,
    override: Callable[[str, dict[str, object]], None] | None = None,
) -> None:
    """Fill every pre-filled row of a template sheet as the unit would; ``override(code, row)`` adds mistakes."""
    ws, info = wb[sheet.sheet], sheet.layout
    for n, (r, code) in enumerate(zip(info.data_rows, sheet.codes, strict=True), start=1):
        row = _standard(ctx, unit, sheet.domain, code, n, level)
        if _blank(ws, info.ref(r, "basis")):
            row["basis"] = _BASIS
        if _blank(ws, info.ref(r, "time_limit")):
            row["time_limit"] = _TIME
        if _blank(ws, info.ref(r, "content")):
            row["content"] = _CONTENT_FALLBACK.get(sheet.domain, _GENERIC_CONTENT)
        if override:
            override(code, row)
        fill_row(ws, info, r, row, vocabulary=ctx.vocab, only_given=True)


def _add_rows(ctx: _Ctx, wb: Workbook, sheet: TemplateSheet, rows: Sequence[Mapping[str, object]]) -> None:
    """The unit's own items, typed into the blank rows under the pre-filled ones."""
    ws, info = wb[sheet.sheet], sheet.layout
    for k, data in enumerate(rows):
        r = info.last_data_row + 1 + k
        fill_row(ws, info, r, {**data, "seq": None}, vocabulary=ctx.vocab, number=len(sheet.codes) + k + 1,
                 only_given=False)


def _sheet(plan_sheets: Sequence[TemplateSheet], domain: str) -> TemplateSheet:
    return next(s for s in plan_sheets if s.domain == domain)


def _own(unit: Unit, slug: str, level1: str, level2: str, content: str, n: int, level: str,
         basis: str = _BASIS, time_limit: str = _TIME, **extra: object) -> dict[str, object]:
    """One item a unit adds of its own (``slug``: the domain's path segment on the site)."""
    rng = _rng(unit.name, slug, level2)
    row: dict[str, object] = {
        "level1": level1, "level2": level2, "content": content, "basis": basis, "time_limit": time_limit,
        "subject": _subject(unit), "channels": ["政府网站", *rng.sample(_CHANNEL_POOL, 1)],
        "audience": ["全社会"], "mode": ["主动"], "levels": [level],
        "links": [_link(unit.name, slug, 100 + n)],
    }
    row.update(extra)
    return row


def _zonghe_rows(unit: Unit, level: str) -> list[dict[str, object]]:
    return [
        _own(unit, "zhzw", l1, l2, content, n, level, time_limit=limit, category="综合政务")
        for n, (l1, l2, content, limit) in enumerate(_ZONGHE, start=1)
    ]


def _guideline_rows(ctx: _Ctx, unit: Unit, domain: str, level: str, township_only: bool,
                    category: str | None = None) -> list[dict[str, object]]:
    """Guideline items written out by a unit that did not start from a zwgk template (no codes)."""
    rows: list[dict[str, object]] = []
    level1 = None
    for n, item in enumerate(ctx.ref.guideline_items_for(domain), start=1):
        level1 = item.level1 or level1
        if township_only and not item.township:
            continue
        row = _standard(ctx, unit, domain, item.code, n, level)
        row.update({
            "level1": level1, "level2": item.level2, "level3": None,
            "content": (item.content or _CONTENT_FALLBACK.get(domain, _GENERIC_CONTENT)).replace(" (truncated in source)", ""),
            "basis": item.basis if item.basis and "truncated" not in item.basis and "…" not in item.basis else _BASIS,
            "time_limit": item.time_limit if item.time_limit and item.time_limit != "同上" else _TIME,
        })
        if category:
            row["category"] = category
        rows.append(row)
    return rows


def _deterministic_zip(members: Iterable[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    stamp = (AS_OF.year, AS_OF.month, AS_OF.day, 0, 0, 0)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return out.getvalue()


def _rezip(data: bytes, edit: Callable[[str, bytes], bytes], extra: Sequence[tuple[str, bytes]] = ()) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = [(i.filename, edit(i.filename, zf.read(i.filename))) for i in zf.infolist()]
    return _deterministic_zip([*members, *extra])


# -- the units --------------------------------------------------------------------------------------------


def _education(ctx: _Ctx) -> None:
    """区教育局: the national template, filled in carefully, plus two items of its own."""
    unit = ctx.unit("区教育局")
    wb, plan = plan_template(unit.name, reference=ctx.ref, vocabulary=ctx.vocab)
    sheet = plan.sheets[0]

    def teachers(code: str, row: dict[str, object]) -> None:
        if code == "YWJY-011":  # 教师职称评审: for the teachers concerned
            row["audience"] = ["特定群众"]

    _fill_template(ctx, wb, sheet, unit, "区级", teachers)
    _add_rows(ctx, wb, sheet, [
        _own(unit, "yiwu_jiaoyu", "招生管理", "入学报名", "报名时间、报名方式、所需材料、咨询电话", 1, "区级",
             basis="《中华人民共和国义务教育法》《中华人民共和国政府信息公开条例》"),
        _own(unit, "yiwu_jiaoyu", "学生管理", "学籍管理", "学籍管理办法、转学借读办理流程和所需材料", 2, "区级"),
    ])
    ctx.save("区教育局.xlsx", wb)


def _civil_affairs(ctx: _Ctx) -> None:
    """区民政局: template with tick mistakes."""
    unit = ctx.unit("区民政局")
    wb, plan = plan_template(unit.name, reference=ctx.ref, vocabulary=ctx.vocab)

    def mistakes(code: str, row: dict[str, object]) -> None:
        if code == "SHJZ-002":
            row["mode"] = []  # 监督检查: no 公开方式 ticked
        elif code == "SHJZ-005":
            row["mode"] = ["主动", "依申请"]  # both
        elif code == "YLFW-002":
            row["audience"] = []
        elif code == "YLFW-003":
            row["levels"] = []

    for sheet in plan.sheets:
        _fill_template(ctx, wb, sheet, unit, "区级", mistakes)
    sheet = _sheet(plan.sheets, "社会救助")
    info = sheet.layout
    r = info.first_data_row + sheet.codes.index("SHJZ-009")
    ws = wb[sheet.sheet]
    ws[info.ref(r, "audience", "全社会")] = "x"  # a mark zwgk will not guess at
    ctx.save("区民政局.xlsx", wb)


def _health(ctx: _Ctx) -> None:
    """区卫生健康委: template with basis, time-limit and link mistakes."""
    unit = ctx.unit("区卫生健康委")
    wb, plan = plan_template(unit.name, reference=ctx.ref, vocabulary=ctx.vocab)

    def mistakes(code: str, row: dict[str, object]) -> None:
        if code == "YLWS-001":
            row["basis"] = "《中华人民共和国母婴保健法》《中华人民共和国政府信息公开条例"
            row["links"] = ["www.shbsq.gov.cn/shbs/wjw/yiliao_weisheng/001.html"]
        elif code == "YLWS-002":
            row["basis"] = "《中华人民共和国政府信息公开条例》第二十条第十六项"
        elif code == "YLWS-003":
            row["time_limit"] = "信息形成之日起30个工作日内"
        elif code == "YLWS-004":
            row["time_limit"] = "按上级要求"
        elif code == "YLWS-005":
            row["links"] = ["https://mp.weixin.qq.com/s/bsqwjw-tbfz2020"]

    _fill_template(ctx, wb, plan.sheets[0], unit, "区级", mistakes)
    ctx.save("区卫生健康委.xlsx", wb)


def _merge_blocks(ws: Worksheet, info: SheetLayoutInfo, ditto: str, fields: Sequence[str]) -> None:
    """How many units hand in a table: 一级事项 merged over its block, repeated cells written 同上.

    A row without 序号 (a section heading, drawn afterwards) ends a block and is never part of one.
    """
    col = info.column("level1").index
    seq = info.column("seq").index if info.has("seq") else None
    blocks: list[list[int]] = []
    for r in info.data_rows:
        if seq is not None and ws.cell(r, seq).value is None:
            blocks.append([])
            continue
        if blocks and blocks[-1] and ws.cell(blocks[-1][0], col).value == ws.cell(r, col).value:
            blocks[-1].append(r)
        else:
            blocks.append([r])
    for block in blocks:
        if len(block) > 1:
            for r in block[1:]:
                ws.cell(r, col).value = None
            ws.merge_cells(start_row=block[0], start_column=col, end_row=block[-1], end_column=col)
    for fld in fields:
        c = info.column(fld).index
        for r in range(info.last_data_row, info.first_data_row, -1):
            if ws.cell(r, c).value and ws.cell(r, c).value == ws.cell(r - 1, c).value:
                ws.cell(r, c).value = ditto


_CN_NUMBERS = "一二三四五六七八九十"


def _with_headings(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Rows with a section heading (一、最低生活保障) before each 一级事项 block, numbered per item."""
    out: list[dict[str, object]] = []
    seq = 0
    for row in rows:
        if not out or row["level1"] != out[-1].get("level1"):
            out.append({"heading": f"{_CN_NUMBERS[sum(1 for r in out if 'heading' in r)]}、{row['level1']}",
                        "level1": row["level1"]})
        seq += 1
        out.append({**row, "seq": str(seq)})
    return out


def _draw_headings(ws: Worksheet, info: SheetLayoutInfo, rows: Sequence[Mapping[str, object]]) -> None:
    for r, row in zip(info.data_rows, rows, strict=True):
        if "heading" in row:
            for c in range(1, info.width + 1):
                ws.cell(r, c).value = None
            ws.cell(r, 1).value = str(row["heading"])
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=info.width)


def _dachang(ctx: _Ctx) -> None:
    """大场镇: its own national table with merged 一级事项 and 同上; a duplicated row, an empty 公开时限."""
    unit = ctx.unit("大场镇")
    wb = Workbook()
    first = True
    for domain in ("社会救助", "公共法律服务"):
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        ws.title = domain
        first = False
        rows = _guideline_rows(ctx, unit, domain, "街镇级", township_only=True)
        for row in rows:
            row["subject"] = _subject(unit)
            row["basis"] = _BASIS if domain == "社会救助" else row["basis"]
        if domain == "社会救助":
            rows.insert(4, dict(rows[3]))  # the same item pasted twice
            rows[6]["time_limit"] = None
        rows = _with_headings(rows)
        info = write_catalogue_sheet(ws, rows, layout="national", vocabulary=ctx.vocab, number_rows=False,
                                     title=f"大场镇{domain}领域基层政务公开标准目录",
                                     unit_line="填报单位：大场镇人民政府", date_line="填报时间：2020年9月24日")
        _merge_blocks(ws, info, ctx.vocab.ditto[0], ("basis", "subject"))
        _draw_headings(ws, info, rows)
        if domain == "公共法律服务":
            _not_involved_rows(ws, info, ("扶贫", "农村危房改造"))
        else:
            ws.row_dimensions[info.last_data_row].hidden = True  # an item "deleted" by hiding its row
    ctx.save("大场镇.xlsx", wb)


def _not_involved_rows(ws: Worksheet, info: SheetLayoutInfo, domains: Sequence[str]) -> None:
    """The section real 街镇 catalogues end with: domains the town does not handle, 未涉及 merged across."""
    name = next(c.index for c in info.columns if c.field == "level1")
    r = info.last_data_row
    for domain in domains:
        r += 1
        ws.cell(r, name).value = domain
        ws.cell(r, name + 1).value = "未涉及"
        ws.merge_cells(start_row=r, start_column=name + 1, end_row=r, end_column=info.width)


def _luodian(ctx: _Ctx) -> None:
    """罗店镇: a township that filled in a district copy — every item ticked 区级 only."""
    unit = ctx.unit("罗店镇")
    wb, plan = plan_template(unit.name, ["社会救助", "就业"], reference=ctx.ref, vocabulary=ctx.vocab)
    for sheet in plan.sheets:
        _fill_template(ctx, wb, sheet, unit, "区级")
    ctx.save("罗店镇.xlsx", wb)


def _wusong(ctx: _Ctx) -> None:
    """吴淞街道: Shanghai layout with 查看 hyperlinks, 综合政务 and 社会救助 — clean."""
    unit = ctx.unit("吴淞街道")
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "综合政务"
    write_catalogue_sheet(ws, _zonghe_rows(unit, "街镇级"), layout="shanghai", vocabulary=ctx.vocab,
                          title="吴淞街道办事处政务公开事项标准目录", unit_line="填报单位：吴淞街道办事处",
                          date_line="填报时间：2020年9月22日")
    ws = wb.create_sheet("社会救助")
    write_catalogue_sheet(ws, _guideline_rows(ctx, unit, "社会救助", "街镇级", True, category="社会救助"),
                          layout="shanghai", vocabulary=ctx.vocab, title="吴淞街道办事处社会救助领域政务公开事项标准目录",
                          unit_line="填报单位：吴淞街道办事处", date_line="填报时间：2020年9月22日")
    ctx.save("吴淞街道.xlsx", wb)


def _finance(ctx: _Ctx) -> None:
    """区财政局: the published 全领域 rows in the Shanghai layout, with word mistakes and a 备注 column."""
    unit = ctx.unit("区财政局")
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "综合政务"
    rows = _zonghe_rows(unit, "区级")
    rows[2]["extra"] = {"备注": "内设机构调整后及时更新"}
    info = write_catalogue_sheet(ws, rows, layout="shanghai", vocabulary=ctx.vocab, extra_columns=("备注",),
                                 title="宝山区财政局政务公开事项标准目录", unit_line="填报单位：宝山区财政局")
    ws[info.ref(info.first_data_row + 2, "mode")] = "公开"  # 机构设置: a word that is not a 公开方式
    ws = wb.create_sheet("财政预决算")
    rows = _guideline_rows(ctx, unit, "财政预决算", "区级", False, category="财政预决算")
    rows.append(_own(unit, "caizheng_yujuesuan", "财政预决算", "政府采购", "政府采购目录及标准、采购意向、采购结果", 9, "区级",
                     category="财政预决算"))
    info = write_catalogue_sheet(ws, rows, layout="shanghai", vocabulary=ctx.vocab,
                                 title="宝山区财政局财政预决算领域政务公开事项标准目录",
                                 unit_line="填报单位：宝山区财政局")
    ws[info.ref(info.last_data_row, "levels")] = "本级"
    ctx.save("区财政局.xlsx", wb)


def _human_resources(ctx: _Ctx) -> None:
    """区人力资源社会保障局: an old .xls (merged 一级事项); one unknown channel."""
    unit = ctx.unit("区人力资源社会保障局")
    wb = Workbook()
    first = True
    for domain in ("就业", "社会保险"):
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        ws.title = domain
        first = False
        rows = _guideline_rows(ctx, unit, domain, "区级", False)
        for row in rows:
            row["levels"] = ["区级", "街镇级"]
        if domain == "就业":
            rows[1]["channels"] = ["政府网站", "政务服务中心", "微信公众号"]  # not a channel the vocabulary knows
        info = write_catalogue_sheet(ws, rows, layout="national", vocabulary=ctx.vocab,
                                     title=f"宝山区人力资源和社会保障局{domain}领域基层政务公开标准目录",
                                     unit_line="填报单位：宝山区人力资源和社会保障局", date_line="填报时间：2020年9月29日")
        _merge_blocks(ws, info, ctx.vocab.ditto[0], ())
    if HAS_XLWT:
        ctx.put(_HR_FILE, _xls_bytes(wb))
    else:
        ctx.save(_HR_FILE, wb)


def _xls_bytes(wb: Workbook) -> bytes:
    """An openpyxl workbook as a BIFF8 .xls (values, merges, widths, bold header) — what old WPS saves."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    plain = xlwt.easyxf("alignment: wrap on, vert top; borders: left thin, right thin, top thin, bottom thin")
    bold = xlwt.easyxf("font: bold on; alignment: wrap on, horiz center, vert center; "
                       "borders: left thin, right thin, top thin, bottom thin")
    for ws in wb.worksheets:
        sheet = book.add_sheet(ws.title)
        header_rows = {r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).font and ws.cell(r, 1).font.b}
        covered: set[tuple[int, int]] = set()
        for rng in ws.merged_cells.ranges:
            value = ws.cell(rng.min_row, rng.min_col).value
            style = bold if rng.min_row in header_rows else plain
            sheet.write_merge(rng.min_row - 1, rng.max_row - 1, rng.min_col - 1, rng.max_col - 1,
                              "" if value is None else value, style)
            covered.update((r, c) for r in range(rng.min_row, rng.max_row + 1)
                           for c in range(rng.min_col, rng.max_col + 1))
        for row in ws.iter_rows():
            for cell in row:
                if (cell.row, cell.column) in covered or cell.value is None:
                    continue
                sheet.write(cell.row - 1, cell.column - 1, cell.value,
                            bold if cell.row in header_rows and cell.font.b else plain)
        for c in range(1, ws.max_column + 1):
            width = ws.column_dimensions[get_column_letter(c)].width or 10
            sheet.col(c - 1).width = int(width * 256)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _market(ctx: _Ctx) -> None:
    """区市场监管局: a CSV from the business system — GB18030 with two broken characters, NUL padding,
    and a licence list pasted into one 公开内容 cell."""
    unit = ctx.unit("区市场监管局")
    header1 = ["序号", "相应领域", "公开事项", "", "公开内容（要素）", "公开依据", "公开时限", "公开主体", "公开渠道和载体",
               "公开对象", "", "公开方式", ""]
    header2 = ["", "", "一级事项", "二级事项", "", "", "", "", "", "全社会", "特定群众", "主动", "依申请公开"]
    lines: list[list[str]] = [header1, header2]
    subject = _subject(unit)
    items = [
        ("行政审批", "食品生产经营许可服务指南", "适用范围、审批依据、受理机构、申请条件、申请材料目录、办理基本流程、办结时限、收费依据及标准、咨询电话"),
        ("行政审批", "食品生产经营许可基本信息", "生产经营者名称、许可证编号、法定代表人(负责人)、生产地址/经营场所、食品类别/经营项目、日常监督管理机构、投诉举报电话、有效期限等"),
        ("监督检查", "食品安全监督抽检信息", "抽检产品名称、被抽检单位、标称生产企业、检验结果、不合格项目"),
        ("行政处罚", "食品药品行政处罚信息", "行政处罚决定书文号、案件名称、违法企业名称、违法事实、处罚依据、处罚结果"),
    ]
    for n, (l1, l2, content) in enumerate(items, start=1):
        lines.append([str(n), "食品药品监管", l1, l2, content,
                      "《中华人民共和国食品安全法》《中华人民共和国政府信息公开条例》", _TIME, subject,
                      "■政府网站 □政府公报 ■两微一端 □发布会/听证会 □广播电视 □纸质媒体 ■公开查阅点 ■政务服务中心",
                      "√", "", "√", ""])
    licences = "；".join(f"沪食经营许可证JY2311301{n:07d}号（宝山区）" for n in range(1, 1201))
    lines.append(["5", "食品药品监管", "行政审批", "食品经营许可证发放情况", "本年度已发放许可证：" + licences,
                  "《中华人民共和国食品安全法》", "每月10日前", subject, "■政府网站", "√", "", "√", ""])
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(lines)
    data = buf.getvalue().encode("gb18030")
    broken = subject.encode("gb18030")
    damaged = broken.replace("管".encode("gb18030"), b"\xff\xfe", 1)
    data = data.replace(broken, damaged, 1)  # the first 公开主体: one character lost in an export
    data = data.replace("咨询电话".encode("gb18030"), "咨询".encode("gb18030") + b"\x80" + "话".encode("gb18030"), 1)
    ctx.put("区市场监管局.csv", data + b"\x00" * 16)


def _planning(ctx: _Ctx) -> None:
    """区规划资源局: its own template (title + 填报单位 line); a formula without a value, 公开依据 twice, a stray row."""
    unit = ctx.unit("区规划资源局")
    wb = Workbook()
    first = True
    for domain in ("城乡规划", "重大建设项目"):
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        ws.title = domain
        first = False
        rows = _guideline_rows(ctx, unit, domain, "区级", False)
        if domain == "重大建设项目":
            rows = rows[:6]
        info = write_catalogue_sheet(ws, rows, layout="national", vocabulary=ctx.vocab,
                                     title="政务公开事项标准目录模板", unit_line="填报单位：宝山区规划和自然资源局",
                                     date_line="填报时间：2020年9月28日")
        if domain == "城乡规划":
            subject = info.column("subject").letter
            ws[f"{subject}{info.first_data_row + 1}"] = f"={subject}{info.first_data_row}"  # never recalculated
            extra = info.width + 1
            ws.cell(info.header_rows[0], extra, ctx.vocab.label("basis"))
            ws.merge_cells(start_row=info.header_rows[0], start_column=extra, end_row=info.header_rows[1],
                           end_column=extra)
            ws.cell(info.first_data_row, extra, "《上海市城乡规划条例》")
            stray = info.last_data_row + 1
            ws.cell(stray, info.column("basis").index, "《上海市控制性详细规划技术准则》（续上行）")
            for k in range(1, 6):  # rows numbered in advance and never used
                ws.cell(stray + k, info.column("seq").index, len(rows) + k)
        else:  # copied from another sheet: 同上 with nothing above it
            ws[info.ref(info.first_data_row, "subject")] = ctx.vocab.ditto[0]
    ctx.save("区规划资源局.xlsx", wb)


def _enforcement(ctx: _Ctx) -> None:
    """区城管执法局: the template, filled in — but copied from a workbook it still links to: a 公开依据 looked
    up there shows #REF!, and the hidden sheet of lookup values came along."""
    unit = ctx.unit("区城管执法局")
    wb, plan = plan_template(unit.name, reference=ctx.ref, vocabulary=ctx.vocab)
    _fill_template(ctx, wb, plan.sheets[0], unit, "区级")
    sheet = plan.sheets[0]
    wb[sheet.sheet][sheet.layout.ref(sheet.layout.data_rows[-1], "basis")] = "#REF!"  # openpyxl: an error cell
    lookup = wb.create_sheet("Sheet3")
    for row in (("代码", "依据"), ("CG01", "《城市管理行政执法条例》"), ("CG02", "《上海市市容环境卫生管理条例》")):
        lookup.append(row)
    lookup.sheet_state = "hidden"
    data = workbook_bytes(wb, AS_OF)
    rel_ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    link = (
        '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'xmlns:r="{rel_ns}"><externalBook r:id="rId1"><sheetNames><sheetName val="汇总"/></sheetNames>'
        '<sheetDataSet><sheetData sheetId="0"/></sheetDataSet></externalBook></externalLink>'
    ).encode()
    link_rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel_ns}/externalLinkPath" Target="2020年城管执法目录汇总.xlsx" '
        'TargetMode="External"/></Relationships>'
    ).encode()

    def edit(name: str, body: bytes) -> bytes:
        text = body.decode("utf-8")
        if name == "[Content_Types].xml":
            text = text.replace("</Types>", '<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType='
                                "\"application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml\"/></Types>")
        elif name == "xl/_rels/workbook.xml.rels":
            text = text.replace("</Relationships>", f'<Relationship Id="rIdExt1" Type="{rel_ns}/externalLink" '
                                'Target="externalLinks/externalLink1.xml"/></Relationships>')
        elif name == "xl/workbook.xml":
            text = text.replace("</sheets>", '</sheets><externalReferences><externalReference r:id="rIdExt1"/>'
                                "</externalReferences>")
        return text.encode("utf-8")

    ctx.put("区城管执法局.xlsx", _rezip(data, edit, [("xl/externalLinks/externalLink1.xml", link),
                                                      ("xl/externalLinks/_rels/externalLink1.xml.rels", link_rels)]))


def _park(ctx: _Ctx) -> None:
    """宝山工业园区: sheets zwgk cannot place — no domain, a non-domain name, prose, an empty sheet, a title only."""
    unit = ctx.unit("宝山工业园区")
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Sheet1"
    unit_line = "填报单位：上海宝山工业园区管理委员会"
    rows = [{**row, "category": None} for row in _zonghe_rows(unit, "街镇级")[:4]]
    write_catalogue_sheet(ws, rows, layout="national", vocabulary=ctx.vocab, unit_line=unit_line)
    ws = wb.create_sheet("招商服务")
    rows = [
        _own(unit, "zsfw", "招商引资", "产业扶持政策", "园区产业扶持政策文件、申报条件、申报材料和流程", 1, "街镇级"),
        _own(unit, "zsfw", "招商引资", "重点项目签约信息", "项目名称、投资主体、投资规模、签约时间", 2, "街镇级"),
    ]
    write_catalogue_sheet(ws, rows, layout="national", vocabulary=ctx.vocab, title="招商服务领域政务公开事项标准目录",
                          unit_line=unit_line)
    ws = wb.create_sheet("附件说明")
    ws["A1"] = "关于园区政务公开事项梳理情况的说明"
    ws["A3"] = "园区管委会按照区政府办公室要求，对照国家试点领域标准指引梳理了综合政务和招商服务事项。"
    ws["A4"] = "园区不承担义务教育、医疗卫生等领域职能，相关事项由区职能部门公开。"
    wb.create_sheet("Sheet2")
    ws = wb.create_sheet("安全生产")  # a domain sheet started and never filled in
    ws["A1"] = "宝山工业园区安全生产领域政务公开事项标准目录"
    ctx.save("宝山工业园区.xlsx", wb)


def _yanghang(ctx: _Ctx) -> None:
    """杨行镇: a file that says nowhere who sent it (the manifest maps it)."""
    unit = ctx.unit("杨行镇")
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "社会救助"
    rows = _guideline_rows(ctx, unit, "社会救助", "街镇级", True)
    for row in rows:
        row["subject"] = "镇社区事务受理服务中心"
    write_catalogue_sheet(ws, rows, layout="national", vocabulary=ctx.vocab)
    ctx.save("目录汇总（终稿）.xlsx", wb)


def _construction(ctx: _Ctx) -> None:
    """区建设管理委: 填报单位 is written with the pre-2018 name."""
    unit = ctx.unit("区建设管理委")
    wb = Workbook()
    first = True
    for domain in ("市政服务", "农村危房改造"):
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        ws.title = domain
        first = False
        rows = _guideline_rows(ctx, unit, domain, "区级", False)
        for row in rows:
            row["subject"] = "宝山区城市建设委员会"
        write_catalogue_sheet(ws, rows, layout="national", vocabulary=ctx.vocab,
                              title=f"{domain}领域基层政务公开标准目录", unit_line="填报单位：宝山区城市建设委员会",
                              date_line="填报时间：2020年9月30日")
    ctx.save("城建委目录.xlsx", wb)


def _justice(ctx: _Ctx) -> None:
    """区司法局: a reduced layout without 公开依据 (and without 公开层级 or 链接)."""
    unit = ctx.unit("区司法局")
    wb = Workbook()
    full = wb.active
    assert full is not None
    rows = _guideline_rows(ctx, unit, "公共法律服务", "区级", False)
    info = write_catalogue_sheet(full, rows, layout="national", vocabulary=ctx.vocab,
                                 title="宝山区司法局公共法律服务领域政务公开目录", unit_line="填报单位：宝山区司法局")
    ws = wb.create_sheet("公共法律服务")
    _copy_without(full, ws, {c.index for c in info.columns if c.field in ("basis", "levels", "links")})
    wb.remove(full)
    # A second sheet in the 职责 → 业务事项 model of Beijing districts (sample_rows.json, 门头沟): no 公开事项.
    ws = wb.create_sheet("职责事项")
    ws.append(["序号", "具体职责", "业务事项", "信息类别", "内容标准", "公开时限", "公开形式"])
    ws.append(["1", "负责本区法治宣传教育工作", "法治宣传", "基本信息", "【普法动态】【普法讲师团】【法治文化阵地】",
               _TIME, "政府网站常规公开"])
    ws.append(["2", "负责指导、管理本区法律援助工作", "法律援助", "办事指南", "【申请条件】【申请材料】【办理流程】【咨询电话】",
               _TIME, "政府网站常规公开"])
    ctx.save("区司法局.xlsx", wb)


def _copy_without(src: Worksheet, dst: Worksheet, drop: set[int]) -> None:
    """Copy a sheet leaving out some columns: values, styles, merges and widths move left."""
    keep = [c for c in range(1, src.max_column + 1) if c not in drop]
    new = {old: n for n, old in enumerate(keep, start=1)}
    for row in src.iter_rows():
        for cell in row:
            if cell.column in new:
                target = dst.cell(cell.row, new[cell.column], cell.value)
                if cell.has_style:
                    target._style = copy(cell._style)
    for rng in src.merged_cells.ranges:
        cols = [new[c] for c in range(rng.min_col, rng.max_col + 1) if c in new]
        if cols and (len(cols) > 1 or rng.max_row > rng.min_row):
            dst.merge_cells(start_row=rng.min_row, start_column=cols[0], end_row=rng.max_row, end_column=cols[-1])
    for old, n in new.items():
        dst.column_dimensions[get_column_letter(n)].width = src.column_dimensions[get_column_letter(old)].width
    dst.freeze_panes = src.freeze_panes


def _culture(ctx: _Ctx) -> None:
    """区文化旅游局: sent a Word document with an .xlsx name."""
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="word/document.xml"/></Relationships>'
    )
    paragraphs = ("宝山区文化和旅游局公共文化服务领域政务公开事项标准目录（送审稿）",
                  "一、公共文化服务设施名录：图书馆、文化馆、博物馆等的机构名称、开放时间、机构地址、联系电话。")
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    ctx.put("区文化旅游局.xlsx", _deterministic_zip([
        ("[Content_Types].xml", content_types.encode()), ("_rels/.rels", rels.encode()),
        ("word/document.xml", document.encode()),
    ]))


_BUILDERS: tuple[Callable[[_Ctx], None], ...] = (
    _education, _civil_affairs, _health, _dachang, _luodian, _wusong, _finance, _human_resources, _market,
    _planning, _enforcement, _park, _yanghang, _construction, _justice, _culture,
)

# Files whose unit the file itself does not say, and 未涉及 declarations (unit, domain, reason).
FILE_UNITS: dict[str, str] = {"目录汇总（终稿）.xlsx": "杨行镇", "城建委目录.xlsx": "区建设管理委"}
NOT_INVOLVED: tuple[tuple[str, str, str], ...] = (
    ("罗店镇", "扶贫", "本镇无建档立卡贫困户，对口帮扶工作由区农业农村委统一公开。"),
    ("吴淞街道", "涉农补贴", "街道辖区无农业生产经营主体，不承担涉农补贴发放职能。"),
    ("吴淞街道", "农村危房改造", "街道辖区无农村住房，不涉及农村危房改造。"),
)


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _manifest() -> str:
    lines = [
        "# 示例区：zwgk 生成的演示提交（内容为虚构，格式与问题均取自真实目录）。",
        f"district = {_toml_string(DISTRICT)}",
        f"as_of = {_toml_string(AS_OF.isoformat())}",
        "",
    ]
    for path, unit in FILE_UNITS.items():
        lines += ["[[files]]", f"path = {_toml_string(path)}", f"unit = {_toml_string(unit)}", ""]
    for unit, domain, reason in NOT_INVOLVED:
        lines += ["[[not_involved]]", f"unit = {_toml_string(unit)}", f"domain = {_toml_string(domain)}",
                  f"reason = {_toml_string(reason)}", ""]
    return "\n".join(lines)


def example_units() -> dict[str, str]:
    """File name → the unit that submitted it (as the compile step should resolve it)."""
    names = {
        "区教育局.xlsx": "区教育局", "区民政局.xlsx": "区民政局", "区卫生健康委.xlsx": "区卫生健康委", "大场镇.xlsx": "大场镇",
        "罗店镇.xlsx": "罗店镇", "吴淞街道.xlsx": "吴淞街道", "区财政局.xlsx": "区财政局",
        _HR_FILE: "区人力资源社会保障局", "区市场监管局.csv": "区市场监管局",
        "区规划资源局.xlsx": "区规划资源局", "区城管执法局.xlsx": "区城管执法局", "宝山工业园区.xlsx": "宝山工业园区",
        "区司法局.xlsx": "区司法局", "区文化旅游局.xlsx": "区文化旅游局",
    }
    return {**names, **FILE_UNITS}


__all__ = [
    "AS_OF", "DISTRICT", "FILE_UNITS", "HAS_XLWT", "MISSING_UNIT", "NOT_INVOLVED", "example_units",
    "write_example_district",
]

