"""`make demo`: generate the example district, then run every command on it as its users would.

Runs the real CLI (``python -m zwgk …``) so the demo shows exactly what a person typing the commands sees.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path


def _run(args: list[str], *, ok: tuple[int, ...] = (0, 1)) -> int:
    shown = " ".join(["zwgk", *args])
    print(f"\n$ {shown}", flush=True)
    proc = subprocess.run([sys.executable, "-m", "zwgk", *args], check=False)
    if proc.returncode not in ok:
        print(f"demo: `{shown}` exited {proc.returncode}", file=sys.stderr)
        sys.exit(proc.returncode or 2)
    return proc.returncode


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="zwgk demo: the bundled example district, end to end")
    parser.add_argument("--out", default="build", help="build folder (default: build)")
    ns = parser.parse_args(argv)
    root = Path(ns.out)
    submissions = root / "submissions"
    out = root / "district"  # compile refuses a folder that holds anything but a build
    if submissions.exists():
        shutil.rmtree(submissions)
    from zwgk.compiler.example import write_example_district

    write_example_district(submissions)
    files = sorted(p for p in submissions.rglob("*") if p.suffix in (".xlsx", ".xls", ".csv", ".ods", ".xlsm"))
    print(f"示例区提交材料：{submissions}（{len(files)} 个文件）")

    check_dir = root / "check"
    check_dir.mkdir(parents=True, exist_ok=True)
    # One unit's check in the terminal, as its staff would run it; the rest as HTML reports.
    if files:
        first = next((f for f in files if f.stem == "区民政局"), files[0])
        _run(["check", str(first), "--annotate", str(check_dir / f"{first.stem}.检查结果.xlsx")])
    for f in files:
        _run(["check", str(f), "--format", "html", "-o", str(check_dir / f"{f.stem}.html")], ok=(0, 1, 2))
    _run(["compile", str(submissions), "-o", str(out)])
    _run(["status", str(out)])
    _run(["pairs", str(out)])
    _run(["audit", str(out)])
    _run(["site", str(out), "-o", str(out / "site")], ok=(0,))
    print(
        "\n完成。请查看：\n"
        f"  {check_dir}/            各单位的检查报告（HTML）和标注副本（.检查结果.xlsx）\n"
        f"  {out}/catalogue.xlsx      全区标准目录（国家版式，按领域分表）\n"
        f"  {out}/catalogue.json      全区标准目录（发布格式，schema/catalogue.schema.json）\n"
        f"  {out}/issues.json         全部问题\n"
        f"  {out}/reports/            进度（status）、结对领域（pairs）、标准化评估（audit）报告\n"
        f"  {out}/site/index.html     标准化工作专栏网站（可直接用浏览器打开）\n"
        "网页检查服务：.venv/bin/zwgk serve（浏览器打开 http://127.0.0.1:8000）"
    )


if __name__ == "__main__":
    main()
