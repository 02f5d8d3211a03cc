"""Synthetic districts for the `zwgk compile` benchmark.

    python bench/district_gen.py --out build/bench-compile/district            # 60 workbooks × 500 items
    python bench/district_gen.py --out build/bench-compile/city --districts 16  # ≈ 480,000 items

Each workbook is what a unit submits from the national template: a title, a 填报单位 line, the two-row
merged header, 一级事项 merged over blocks, √ ticks, ■/□ channel lists and a 链接 column.  Units are the
district roster (several files for some units), domains the units' own (notice item 30) or 综合政务; names
mix national guideline items, statutory keywords and free text, so matching, coverage and every
catalogue-scope rule have work to do.  A city is 16 such districts in sub-folders with different seeds.

Workbooks are written as raw SpreadsheetML (openpyxl would take minutes for a city).
"""

from __future__ import annotations

import argparse
import random
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent

HEADER1 = ["序号", "公开事项", "", "公开内容（要素）", "公开依据", "公开时限", "公开主体", "公开渠道和载体",
           "公开对象", "", "公开方式", "", "公开层级", "", "链接"]
HEADER2 = ["", "一级事项", "二级事项", "", "", "", "", "", "全社会", "特定群众", "主动", "依申请公开", "县级", "乡、村级", ""]
HEADER_MERGES = ["A3:A4", "B3:C3", "D3:D4", "E3:E4", "F3:F4", "G3:G4", "H3:H4", "I3:J3", "K3:L3", "M3:N3", "O3:O4"]
COLS = "ABCDEFGHIJKLMNO"
FIRST_DATA_ROW = 5

_LEVEL1 = ["政策文件", "办事指南", "监督检查", "统计信息", "规划计划", "资金信息", "行政许可", "行政处罚", "应急管理",
           "便民服务", "公益事业", "专项工作", "工作动态", "信息公开"]
_LEVEL2 = ["政策", "范围", "结果", "程序", "标准", "名单", "办法", "公示", "通知", "计划", "情况", "报告", "指南", "方案"]
_TOPICS = ["申请条件", "办理流程", "审核结果", "收费标准", "补贴对象", "评审结果", "咨询电话", "监督渠道", "实施细则",
           "年度报告", "检查结果", "应急预案", "项目清单", "资金安排", "服务网点", "办理时限"]
_BASIS = ["《中华人民共和国政府信息公开条例》", "《上海市政府信息公开规定》《中华人民共和国政府信息公开条例》",
          "《中华人民共和国政府信息公开条例》第二十条第（五）项"]
_TIME = ["信息形成或者变更之日起20个工作日内", "自该政府信息形成或者变更之日起20个工作日内及时公开", "实时",
         "每年1月31日前", "信息形成之日起10个工作日内"]
_CHANNELS = ["■政府网站 □政府公报 ■两微一端 □发布会/听证会 □广播电视 □纸质媒体 ■公开查阅点 □政务服务中心 □便民服务站 "
             "□入户/现场 □社区/企事业单位/村公示栏(电子屏) □精准推送 □其他",
             "■政府网站 □政府公报 □两微一端 □发布会/听证会 □广播电视 □纸质媒体 □公开查阅点 ■政务服务中心 □便民服务站 "
             "□入户/现场 □社区/企事业单位/村公示栏(电子屏) □精准推送 □其他"]


def _units_and_domains() -> list[tuple[str, str, list[tuple[str | None, str | None]]]]:
    """(unit, domain, guideline names of the domain) for every roster unit, responsible domains first."""
    sys.path.insert(0, str(ROOT))
    from zwgk.catalogs import load_reference

    ref = load_reference()
    out = []
    for u in ref.units:
        domains = [r.domain for r in ref.responsibilities if u.name in r.units] or ["综合政务"]
        for d in domains[:2]:
            names = [(g.level1, g.level2) for g in ref.guideline_items_for(d)]
            out.append((u.name, d, names))
    return out


def _rows(rng: random.Random, unit: str, names: list[tuple[str | None, str | None]], n: int, tag: str) -> list[list[str]]:
    rows = []
    block = ""
    for i in range(n):
        if i % rng.randint(3, 12) == 0 or not block:
            block = rng.choice(_LEVEL1)
        if names and rng.random() < 0.3:
            level1, level2 = rng.choice(names)
            level1, level2 = level1 or block, level2 or rng.choice(_LEVEL2)
        else:
            level1, level2 = block, f"{rng.choice(_TOPICS)}{rng.choice(_LEVEL2)}"
        content = f"{rng.choice(_TOPICS)}、{rng.choice(_TOPICS)}等相关信息（{tag}-{i}）"
        township = unit.endswith(("镇", "街道"))
        rows.append([
            str(i + 1), level1, level2, content, rng.choice(_BASIS), rng.choice(_TIME), f"宝山{unit}" if unit.startswith("区") else unit,
            rng.choice(_CHANNELS), "√" if rng.random() < 0.9 else "", "√" if rng.random() < 0.15 else "",
            "√" if rng.random() < 0.95 else "", "√" if rng.random() < 0.1 else "",
            "" if township else "√", "√" if township else "",
            f"http://xxgk.shbsq.gov.cn/{tag}/{i}.html" if rng.random() < 0.97 else "",
        ])
    return rows


def write_workbook(path: Path, sheet_name: str, title: str, unit: str, rows: list[list[str]]) -> None:
    grid = [[title] + [""] * 14, [f"填报单位：{unit}"] + [""] * 14, HEADER1, HEADER2, *rows]
    strings: dict[str, int] = {}
    parts: list[str] = []
    for r, row in enumerate(grid, start=1):
        cells = []
        for c, value in enumerate(row):
            if value == "":
                continue
            idx = strings.setdefault(value, len(strings))
            cells.append(f'<c r="{COLS[c]}{r}" t="s"><v>{idx}</v></c>')
        parts.append(f'<row r="{r}">{"".join(cells)}</row>')
    merges = ["A1:O1"] + HEADER_MERGES
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f'<dimension ref="A1:O{len(grid)}"/><sheetData>' + "".join(parts) + "</sheetData>"
             f'<mergeCells count="{len(merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merges) + "</mergeCells>"
             "</worksheet>")
    sst = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(strings)}" '
           f'uniqueCount="{len(strings)}">' + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings) + "</sst>")
    ns = "http://schemas.openxmlformats.org"
    content_types = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                     f'<Types xmlns="{ns}/package/2006/content-types">'
                     '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                     '<Default Extension="xml" ContentType="application/xml"/>'
                     '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                     '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                     '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                     "</Types>")
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>")
    workbook = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<workbook xmlns="{ns}/spreadsheetml/2006/main" xmlns:r="{ns}/officeDocument/2006/relationships">'
                f'<sheets><sheet name="{escape(sheet_name)}" sheetId="1" r:id="rId1"/></sheets></workbook>')
    wb_rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               f'<Relationships xmlns="{ns}/package/2006/relationships">'
               f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
               f'<Relationship Id="rId2" Type="{ns}/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
               "</Relationships>")
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", content_types)
        zf.writestr("_rels/.rels", rels)
        zf.writestr("xl/workbook.xml", workbook)
        zf.writestr("xl/_rels/workbook.xml.rels", wb_rels)
        zf.writestr("xl/sharedStrings.xml", sst)
        zf.writestr("xl/worksheets/sheet1.xml", sheet)


def generate_district(out: Path, *, workbooks: int = 60, items: int = 500, seed: int = 2020) -> list[Path]:
    """``workbooks`` files of ``items`` rows each under ``out``; returns their paths (sorted)."""
    rng = random.Random(seed)
    plan = _units_and_domains()
    paths = []
    for k in range(workbooks):
        unit, domain, names = plan[k % len(plan)]
        tag = f"d{seed}-{k}"
        rows = _rows(rng, unit, names, items, tag)
        name = f"{unit}-{domain}.xlsx" if k < len(plan) else f"{unit}-{domain}-{k // len(plan) + 1}.xlsx"
        full = f"宝山{unit}" if unit.startswith("区") else unit
        path = out / name
        write_workbook(path, domain, f"{full}{domain}领域基层政务公开标准目录", full, rows)
        paths.append(path)
    return sorted(paths)


def generate_city(out: Path, *, districts: int = 16, workbooks: int = 60, items: int = 500) -> list[Path]:
    paths: list[Path] = []
    for d in range(districts):
        paths += generate_district(out / f"district-{d + 1:02d}", workbooks=workbooks, items=items, seed=2020 + d)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--districts", type=int, default=1)
    parser.add_argument("--workbooks", type=int, default=60)
    parser.add_argument("--items", type=int, default=500)
    args = parser.parse_args()
    if args.districts > 1:
        paths = generate_city(args.out, districts=args.districts, workbooks=args.workbooks, items=args.items)
    else:
        paths = generate_district(args.out, workbooks=args.workbooks, items=args.items)
    print(f"wrote {len(paths)} workbooks under {args.out}")


if __name__ == "__main__":
    main()
