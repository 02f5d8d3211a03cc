"""Realistic national-layout catalogue workbooks for the `zwgk check` benchmark, with known defects.

    python bench/generate.py --rows 200 10000 100000 --out build/bench

Each workbook looks like what a unit submits from the national template: a title row, a 填报单位/填报时间
line, the two-row merged header (公开事项 / 公开对象 / 公开方式 / 公开层级 over their children), 一级事项 merged
vertically over blocks of 3–15 rows, √ ticks, ■/□ channel check-lists and Chinese cells of 20–80 characters.
About 0.3 % of the rows carry one injected defect each; the ground truth (rule code + cell) is written beside
the workbook as ``<name>.truth.json`` so the benchmark can prove every defect is found and nothing else is.

The .xlsx is written as raw SpreadsheetML with a shared-string table (as Excel saves it): openpyxl's
write-only mode cannot merge cells and its normal mode takes minutes and gigabytes at 100,000 rows.
"""

from __future__ import annotations

import argparse
import json
import random
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path
from xml.sax.saxutils import escape

SHEET = "义务教育"
UNIT = "宝山区教育局"
HEADER1 = ["序号", "公开事项", "", "公开内容（要素）", "公开依据", "公开时限", "公开主体", "公开渠道和载体",
           "公开对象", "", "公开方式", "", "公开层级", ""]
HEADER2 = ["", "一级事项", "二级事项", "", "", "", "", "", "全社会", "特定群众", "主动", "依申请公开", "县级", "乡、村级"]
COLS = "ABCDEFGHIJKLMN"
FIRST_DATA_ROW = 5

_LEVEL1 = ["招生管理", "学籍管理", "教育收费", "学生资助", "教师队伍", "教育督导", "安全管理", "课程教学", "政策文件",
           "办学条件", "校外培训", "体育卫生", "家校共育", "专项经费", "信息公开"]
_LEVEL2 = ["政策", "范围", "结果", "程序", "标准", "名单", "办法", "公示", "通知", "计划", "情况", "报告", "指南", "方案"]
_TOPICS = ["随迁子女入学", "学区划分", "招生计划", "收费项目", "资助对象", "评审结果", "办理流程", "申请条件", "咨询电话",
           "监督渠道", "实施细则", "年度报告", "督导结果", "安全预案", "课程设置", "教师招聘", "经费使用", "办学许可"]
_FILLER = ["及相关说明", "的具体要求", "和办理时限", "以及联系方式", "等相关信息", "的认定标准", "与审核程序", "及结果公示",
           "等配套政策", "的变更情况", "和监督电话"]
_BASIS = [
    "《中华人民共和国政府信息公开条例》",
    "《中华人民共和国义务教育法》《中华人民共和国政府信息公开条例》",
    "《中华人民共和国政府信息公开条例》《教育部关于推进中小学信息公开工作的意见》",
    "《上海市政府信息公开规定》《中华人民共和国政府信息公开条例》",
]
_TIME = ["信息形成或者变更之日起20个工作日内", "自该政府信息形成或者变更之日起20个工作日内及时公开", "实时", "每年1月31日前",
         "招生工作开始前", "信息形成之日起10个工作日内"]
_SUBJECT = ["宝山区教育局", "区教育局", "宝山区教育局、各中小学校"]
_CHANNELS = [
    "■政府网站 □政府公报 ■两微一端 □发布会/听证会 □广播电视 □纸质媒体 ■公开查阅点 □政务服务中心 □便民服务站 □入户/现场 "
    "■社区/企事业单位/村公示栏(电子屏) □精准推送 □其他",
    "■政府网站 ■两微一端",
    "■政府网站 □政府公报 □两微一端 □发布会/听证会 □广播电视 □纸质媒体 □公开查阅点 ■政务服务中心 □便民服务站 □入户/现场 "
    "□社区/企事业单位/村公示栏(电子屏) □精准推送 □其他",
]

# Defect kind → (rule code, column letter the finding points at).
DEFECTS: dict[str, tuple[str, str]] = {
    "content-empty": ("required-cell-empty", "D"),
    "basis-empty": ("required-cell-empty", "E"),
    "time-empty": ("required-cell-empty", "F"),
    "subject-empty": ("required-cell-empty", "G"),
    "channels-empty": ("required-cell-empty", "H"),
    "audience-none": ("audience-none", "I"),
    "mode-none": ("mode-none", "K"),
    "mode-both": ("mode-both", "K"),
    "level-none": ("level-none", "M"),
    "bad-tick": ("tick-mark-unrecognised", "K"),
    "brackets": ("basis-brackets-unbalanced", "E"),
    "time-long": ("time-limit-exceeds-statutory", "F"),
    "time-vague": ("time-limit-unrecognised", "F"),
    "channel-unknown": ("channel-unknown", "H"),
    "duplicate": ("item-duplicate", "C"),
}


@dataclass(frozen=True)
class Defect:
    kind: str
    code: str
    sheet: str
    cell: str


def _content(rng: random.Random) -> str:
    """20–80 characters of plausible 公开内容."""
    target = rng.randint(20, 80)
    parts: list[str] = []
    n = 1
    while sum(len(p) for p in parts) < target:
        parts.append(f"{n}.{rng.choice(_TOPICS)}{rng.choice(_FILLER)}")
        n += 1
    text = " ".join(parts)
    return text[:target]


def build_rows(n_rows: int, seed: int = 20200930, defect_rate: float = 0.003) -> tuple[list[list[str]], list[tuple[int, int]], list[Defect]]:
    """Data rows (14 cells each), vertical merges of column B as (first, last) sheet rows, and the defects."""
    rng = random.Random(seed)
    rows: list[list[str]] = []
    merges: list[tuple[int, int]] = []
    defects: list[Defect] = []
    n_defects = max(1, round(n_rows * defect_rate))
    # Defect rows are spread evenly; a duplicate needs a row above it in the same block, decided below.
    step = n_rows / n_defects
    defect_at = {int(i * step + step / 2) for i in range(n_defects)}
    kinds = list(DEFECTS)
    seen: set[tuple[str, str, str]] = set()
    block_no = 0
    while len(rows) < n_rows:
        size = min(rng.randint(3, 15), n_rows - len(rows))
        level1 = f"{_LEVEL1[block_no % len(_LEVEL1)]}（{block_no // len(_LEVEL1) + 1}）"
        block_no += 1
        first_sheet_row = FIRST_DATA_ROW + len(rows)
        for j in range(size):
            i = len(rows)
            while True:
                level2 = f"{rng.choice(_TOPICS)}{rng.choice(_LEVEL2)}"
                content = _content(rng)
                if (level1, level2, content) not in seen:
                    seen.add((level1, level2, content))
                    break
            row = [str(i + 1), level1 if j == 0 else "", level2, content, rng.choice(_BASIS), rng.choice(_TIME),
                   rng.choice(_SUBJECT), rng.choice(_CHANNELS), "√", "", "√", "", "√", ""]
            if rng.random() < 0.2:  # some items are for 特定群众 or 依申请, some for the township level too
                row[8], row[9] = "", "√"
            if rng.random() < 0.1:
                row[10], row[11] = "", "√"
            if rng.random() < 0.3:
                row[13] = "√"
            if i in defect_at:
                kind = kinds[len(defects) % len(kinds)]
                if kind == "duplicate" and j == 0:
                    kind = "brackets"  # the first row of a block has nothing above it to repeat
                sheet_row = FIRST_DATA_ROW + i
                _inject(kind, row, rows[-1] if j else None)
                code, col = DEFECTS[kind]
                defects.append(Defect(kind, code, SHEET, f"{col}{sheet_row}"))
            rows.append(row)
        if size > 1:
            merges.append((first_sheet_row, first_sheet_row + size - 1))
    return rows, merges, defects


def _inject(kind: str, row: list[str], above: list[str] | None) -> None:
    if kind == "content-empty":
        row[3] = ""
    elif kind == "basis-empty":
        row[4] = ""
    elif kind == "time-empty":
        row[5] = ""
    elif kind == "subject-empty":
        row[6] = ""
    elif kind == "channels-empty":
        row[7] = ""
    elif kind == "audience-none":
        row[8] = row[9] = ""
    elif kind == "mode-none":
        row[10] = row[11] = ""
    elif kind == "mode-both":
        row[10] = row[11] = "√"
    elif kind == "level-none":
        row[12] = row[13] = ""
    elif kind == "bad-tick":
        row[10], row[11] = "x", ""
    elif kind == "brackets":
        row[4] = "《中华人民共和国政府信息公开条例》《教育部关于推进中小学信息公开工作的意见"
    elif kind == "time-long":
        row[5] = "信息形成之日起30个工作日内"
    elif kind == "time-vague":
        row[5] = "视情况而定"
    elif kind == "channel-unknown":
        row[7] = "■政府网站 ■校园宣传橱窗"
    elif kind == "duplicate":
        assert above is not None
        row[2], row[3] = above[2], above[3]
    else:  # pragma: no cover - DEFECTS and this function are edited together
        raise ValueError(kind)


# --- raw SpreadsheetML --------------------------------------------------------------------------------------

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"""
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
_WB = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>"""
_WB_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>"""
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts>
<fills count="1"><fill><patternFill patternType="none"/></fill></fills>
<borders count="1"><border/></borders>
<cellStyleXfs count="1"><xf/></cellStyleXfs>
<cellXfs count="1"><xf/></cellXfs>
</styleSheet>"""


def write_xlsx(path: Path, grid: list[list[str]], merges: list[str], sheet_name: str = SHEET) -> None:
    strings: dict[str, int] = {}
    parts: list[str] = []
    for r, row in enumerate(grid, start=1):
        cells = []
        for c, value in enumerate(row):
            if value == "":
                continue
            idx = strings.setdefault(value, len(strings))
            cells.append(f'<c r="{COLS[c] if c < 26 else "A" + COLS[c - 26]}{r}" t="s"><v>{idx}</v></c>')
        parts.append(f'<row r="{r}">{"".join(cells)}</row>')
    last = f"{COLS[len(COLS) - 1]}{len(grid)}"
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1:{last}"/><sheetData>' + "".join(parts) + "</sheetData>"
        + (f'<mergeCells count="{len(merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merges) + "</mergeCells>"
           if merges else "")
        + "</worksheet>"
    )
    sst = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(strings)}" '
        f'uniqueCount="{len(strings)}">' + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings) + "</sst>"
    )
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WB.format(name=escape(sheet_name, {'"': "&quot;"})))
        zf.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        zf.writestr("xl/styles.xml", _STYLES)
        zf.writestr("xl/sharedStrings.xml", sst)
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
    tmp.replace(path)


def generate(n_rows: int, path: Path, seed: int = 20200930, defect_rate: float = 0.003) -> list[Defect]:
    """Write the workbook and ``<stem>.truth.json``; return the injected defects."""
    rows, body_merges, defects = build_rows(n_rows, seed, defect_rate)
    title = f"{UNIT}义务教育领域基层政务公开标准目录"
    grid = [[title] + [""] * 13, [f"填报单位：{UNIT}", "", "", "", "", "", "", "", "", "", "填报时间：2020年9月1日", "", "", ""],
            HEADER1, HEADER2, *rows, ["注：1.“公开对象”“公开方式”“公开层级”请在对应列打“√”。2.公开渠道请勾选“■”。"] + [""] * 13]
    merges = ["A1:N1", "A3:A4", "B3:C3", "D3:D4", "E3:E4", "F3:F4", "G3:G4", "H3:H4", "I3:J3", "K3:L3", "M3:N3"]
    merges += [f"B{a}:B{b}" for a, b in body_merges]
    path.parent.mkdir(parents=True, exist_ok=True)
    write_xlsx(path, grid, merges)
    truth = {"rows": n_rows, "sheet": SHEET, "unit": UNIT, "defects": [asdict(d) for d in defects]}
    path.with_suffix(".truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    return defects


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[200, 10_000, 100_000])
    ap.add_argument("--out", type=Path, default=Path("build/bench"))
    ap.add_argument("--seed", type=int, default=20200930)
    args = ap.parse_args()
    for n in args.rows:
        path = args.out / f"national-{n}.xlsx"
        defects = generate(n, path, args.seed)
        print(f"{path}  {n} rows, {len(defects)} defects, {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
