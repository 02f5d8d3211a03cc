"""Crafted districts for the compile, diff and schema tests (helpers only; no tests here).

A crafted district is a dict ``unit → [(sheet name, [item dicts])]`` written as workbooks with the
shared fixture builders (``tests/builders.py``), so the files go through exactly the reader and rules of
``zwgk check``.  :data:`CLAUSE_ITEMS` holds one item per statutory clause whose text names that clause
and no other, so a district built from them covers every clause and removing one item uncovers exactly
its clause.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from builders import national, sample_item, shanghai, write

Item = dict[str, Any]
District = dict[str, list[tuple[str, list[Item]]]]

AS_OF = "2020-09-30"
DISTRICT_UNIT = "区教育局"
TOWNSHIP = "罗店镇"
LINK = "http://xxgk.shbsq.gov.cn/a/{n}.html"

# Clause id → (一级事项, 二级事项): each pair contains keywords of that clause only (asserted in the tests).
CLAUSE_NAMES: dict[str, tuple[str, str]] = {
    "art20-1": ("政策文件", "规范性文件"),
    "art20-2": ("机构信息", "机构职能"),
    "art20-3": ("发展规划", "五年规划"),
    "art20-4": ("统计信息", "统计公报"),
    "art20-5": ("行政许可", "办事指南"),
    "art20-6": ("行政处罚", "处罚决定"),
    "art20-7": ("财政资金", "部门预算"),
    "art20-8": ("收费信息", "收费项目"),
    "art20-9": ("政府采购", "采购目录"),
    "art20-10": ("重大建设项目", "批准结果"),
    "art20-11": ("促进就业", "就业政策"),
    "art20-12": ("应急管理", "应急预案"),
    "art20-13": ("监督检查", "抽查结果"),
    "art20-14": ("公务员招录", "录用结果"),
    "art20-15": ("其他信息", "应当主动公开的其他政府信息"),
    "art21-district-1": ("市政设施", "道路养护"),
    "art21-district-2": ("便民服务", "服务指引"),
    "art21-district-3": ("公益事业", "慈善活动"),
    "art21-district-4": ("土地征收", "征地公告"),
    "art21-district-5": ("房屋征收", "征收补偿方案"),
    "art21-district-6": ("户籍管理", "户口迁移"),
    "art21-district-7": ("社会救助", "低保对象名单"),
}
TOWNSHIP_NAMES: dict[str, tuple[str, str]] = {
    "art21-township-1": ("惠农政策", "涉农资金"),
    "art21-township-2": ("农田水利", "水利工程"),
    "art21-township-3": ("土地承包", "承包经营权流转"),
    "art21-township-4": ("宅基地", "宅基地审核"),
    "art21-township-5": ("土地征收", "征地补偿"),
    "art21-township-6": ("房屋征收", "征收补偿"),
    "art21-township-7": ("一事一议", "筹资筹劳"),
    "art21-township-8": ("社会救助", "最低生活保障"),
}


def item(n: int, level1: str, level2: str, **overrides: Any) -> Item:
    """A complete item whose own words are only its names (content and basis name no clause)."""
    base = sample_item(n, level1=level1, level2=level2, content=f"相关信息第{n}项", subject=None,
                       basis="《中华人民共和国政府信息公开条例》", links=[LINK.format(n=n)])
    base.update(overrides)
    return base


def clause_district() -> District:
    """区教育局 covers every 第二十条 and 第二十一条 区级 clause; 罗店镇 every 乡镇 clause."""
    district_items = [item(i, *names, subject="宝山区教育局", levels=["区级"])
                      for i, names in enumerate(CLAUSE_NAMES.values(), start=1)]
    township_items = [item(100 + i, *names, subject="罗店镇人民政府", levels=["街镇级"])
                      for i, names in enumerate(TOWNSHIP_NAMES.values(), start=1)]
    return {DISTRICT_UNIT: [("综合政务", district_items)], TOWNSHIP: [("综合政务", township_items)]}


def mixed_district() -> District:
    """Three units with gaps and mistakes: findings of most kinds.

    区教育局 and 区民政局 both list 招生管理 / 招生政策 (a district item claimed twice); 罗店镇 lists it too, as
    every 街镇 may; 区民政局 says 主动 where 罗店镇 says 依申请 for 最低生活保障 / 办事指南; one 公开主体 is no
    roster unit; one item has no link.
    """
    edu = [item(i, "招生管理", name, subject="宝山区教育局", levels=["区级"])
           for i, name in enumerate(("招生政策", "招生计划", "招生范围"), start=1)]
    edu.append(item(4, "教育概况", "义务教育学校名录", subject="区教育委", levels=["区级"], links=[]))
    civil = [item(20 + i, name1, name2, subject="宝山区民政局", levels=["区级"], mode=mode)
             for i, (name1, name2, mode) in enumerate(
                 (("最低生活保障", "办事指南", ["主动"]), ("最低生活保障", "审核信息", ["主动"])), start=1)]
    luodian = [item(40, "最低生活保障", "办事指南", subject="罗店镇", levels=["街镇级"], mode=["依申请"]),
               item(1, "招生管理", "招生政策", subject="罗店镇", levels=["区级"])]
    return {
        "区教育局": [("义务教育", edu)],
        "区民政局": [("社会救助", civil), ("义务教育", [item(1, "招生管理", "招生政策", subject="区民政局", levels=["区级"])])],
        "罗店镇": [("社会救助", luodian[:1]), ("义务教育", luodian[1:])],
    }


def write_district(root: Path, district: District, *, layout: str = "national", order: list[str] | None = None,
                   junk_rows: bool = False) -> dict[str, Path]:
    """Write one workbook per unit under ``root`` (in ``order`` if given); return unit → path."""
    root.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for unit in order or list(district):
        sheets = []
        for name, items in district[unit]:
            if layout == "shanghai":
                sheet = shanghai(items, name=name, title=f"宝山{unit}政务公开标准目录", link="url")
            else:
                sheet = national(items, name=name, title=f"宝山{unit}{name}领域基层政务公开标准目录",
                                 unit=f"宝山{unit}" if unit.startswith("区") else unit, link_label="链接")
            if junk_rows:
                width = len(sheet.columns)
                sheet.rows.append(["说明文字：本表由办公室汇总"] + [""] * (width - 1))
            sheets.append(sheet)
        paths[unit] = write(root / f"{unit}.xlsx", sheets)
    return paths


def copy_in_order(src: Path, dst: Path, names: list[str]) -> None:
    """Copy files one by one in ``names`` order (so the folder lists them in that order where it can)."""
    dst.mkdir(parents=True, exist_ok=True)
    for name in names:
        target = dst / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / name, target)


def output_bytes(build: Path) -> dict[str, bytes]:
    from zwgk.compiler.compile import OUTPUTS

    return {name: (build / name).read_bytes() for name in OUTPUTS}
