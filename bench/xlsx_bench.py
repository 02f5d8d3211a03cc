"""Benchmark of the catalogue.xlsx writer (issues 4 and 6): time and peak memory for N items.

    .venv/bin/python bench/xlsx_bench.py [--rows 30000] [--domains 30] [--runs 2] [--writer stream|openpyxl]

Each run writes catalogue.xlsx with ``zwgk.compiler.emit.catalogue_xlsx.write_catalogue_xlsx`` (the streaming
writer) in a fresh child process — or, with ``--writer openpyxl``, the same sheets with the openpyxl writer
``write_catalogue_sheet`` that catalogue.xlsx used before (the templates still use it), for comparison; the row mappings are built in the child before the clock starts.  Reported per run: seconds in
the writer, the child's peak resident set (VmHWM from /proc, so it includes the rows themselves) and the peak
growth while writing (VmHWM after minus VmRSS before), the file size, and whether two runs gave the same bytes.

Target: 30,000 items in a few seconds; memory bounded (growth does not scale with the rows).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, sys, time
from pathlib import Path
from zwgk.catalogs.vocabulary import load_vocabulary
from zwgk.compiler.emit.catalogue_xlsx import write_catalogue_xlsx

def status(key):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    return 0

n, domains, target = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
sheets = []
per = -(-n // domains)
k = 0
for d in range(domains):
    rows = []
    for _ in range(min(per, n - k)):
        k += 1
        rows.append({
            "domain": f"领域{d:02d}", "unit": f"宝山区单位{k % 40:02d}", "seq": None,
            "level1": f"一级事项{k % 17}", "level2": f"二级事项{k}", "level3": "",
            "content": f"公开内容（要素）：第{k}项的办理依据、流程、结果" * 2,
            "basis": "《中华人民共和国政府信息公开条例》第二十条", "time_limit": "信息形成或变更之日起20个工作日内",
            "subject": f"宝山区单位{k % 40:02d}", "channels": ["政府网站", "政务新媒体"] if k % 3 else ["其他：公告栏"],
            "audience": ["全社会"] if k % 4 else ["全社会", "特定群众"], "audience_note": "",
            "mode": ["主动"], "levels": ["区级"] if k % 2 else ["区级", "街镇级"],
            "links": [f"https://www.shbsq.gov.cn/item/{k}"] if k % 5 else [],
            "guideline_code": f"G{k % 300:04d}", "extra": {"事项编号": f"BS-{k:06d}"},
        })
    sheets.append((f"领域{d:02d}", rows))
before = status("VmRSS:")
clock = time.perf_counter()
if sys.argv[4] == "stream":
    write_catalogue_xlsx(target, sheets, district="上海市宝山区", as_of="2020-09-30", vocabulary=load_vocabulary())
else:
    import datetime as dt
    from openpyxl import Workbook
    from zwgk.compiler.emit.atomic import write_bytes
    from zwgk.compiler.emit.workbook import workbook_bytes, write_catalogue_sheet
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets:
        write_catalogue_sheet(wb.create_sheet(name), rows, layout="national", vocabulary=load_vocabulary(),
                              title=f"上海市宝山区{name}领域政务公开标准目录", date_line="截至：2020-09-30",
                              leading_columns=("domain", "unit"), code_column=True, extra_columns=("事项编号",),
                              number_rows=False)
    write_bytes(target, workbook_bytes(wb, dt.date(2020, 9, 30)))
seconds = time.perf_counter() - clock
print(json.dumps({"seconds": seconds, "peak": status("VmHWM:"), "growth": status("VmHWM:") - before}))
"""


def run(rows: int, domains: int, target: Path, writer: str) -> dict[str, float]:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(rows), str(domains), str(target), writer],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"writer failed:\n{proc.stderr}")
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=30000)
    ap.add_argument("--domains", type=int, default=30)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--writer", choices=("stream", "openpyxl"), default="stream")
    args = ap.parse_args()
    digests = set()
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            target = Path(tmp) / f"run{i}.xlsx"
            r = run(args.rows, args.domains, target, args.writer)
            digests.add(hashlib.sha256(target.read_bytes()).hexdigest())
            print(f"{args.writer} run {i + 1}: {args.rows} rows in {args.domains} sheets: {r['seconds']:.2f} s, "
                  f"peak RSS {r['peak'] / 2**20:.0f} MiB (writer growth {r['growth'] / 2**20:.0f} MiB), "
                  f"{target.stat().st_size / 2**20:.1f} MiB")
    if args.runs > 1:
        print("byte-identical across runs:", "yes" if len(digests) == 1 else "NO")
    return 0 if len(digests) == 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
