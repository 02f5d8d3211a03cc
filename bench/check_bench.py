"""Benchmark `zwgk check` against a bare python-calamine read and a bare openpyxl read-only pass.

    python bench/check_bench.py [--rows 200 10000 100000] [--out build/bench] [--repeat 3]

For each size the generator's workbook (bench/generate.py, written once and reused) is read three ways,
each in its own subprocess so that start-up and peak memory are measured the same way for all three:

* ``calamine`` — ``CalamineWorkbook.from_path(p)``, every sheet ``to_python()``: the floor of any reader;
* ``openpyxl`` — ``load_workbook(p, read_only=True)``, every row ``iter_rows(values_only=True)``;
* ``zwgk``     — the ``zwgk check --format json`` command exactly as a user runs it (the console script).

Wall time is the best of ``--repeat`` runs; peak memory is the largest of the child's ru_maxrss from wait4
and the sum of the proportional resident sets (Pss) of the child and its descendants sampled every 5 ms
(zwgk's isolated read runs beside the process that forked it and shares its pages).  Then every injected defect must be
found at its cell and nothing else reported.  Targets (issue 2 §8): at 100,000 rows zwgk ≤ 1.5× calamine
and ≤ 400 MB; at 200 rows the whole command ≤ 0.3 s.  The exit code is 1 when a defect is missed or a
false one reported (the targets are printed, not enforced: they depend on the machine).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402
from proctree import tree_pss_kb  # noqa: E402

PY = sys.executable
ZWGK = str(Path(PY).with_name("zwgk"))
CALAMINE = ("import sys, python_calamine as pc\n"
            "wb = pc.CalamineWorkbook.from_path(sys.argv[1])\n"
            "rows = [wb.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in wb.sheet_names]\n")
OPENPYXL = ("import sys, warnings\nwarnings.simplefilter('ignore')\nfrom openpyxl import load_workbook\n"
            "wb = load_workbook(sys.argv[1], read_only=True)\n"
            "n = sum(1 for ws in wb.worksheets for _ in ws.iter_rows(values_only=True))\n")


# Children write and use bytecode as an installed zwgk does (a PYTHONDONTWRITEBYTECODE environment would
# otherwise make every run compile every module from source and time the compiler, not zwgk).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(cmd: list[str], stdout: Path | None = None) -> tuple[float, float, int, float]:
    """(wall seconds, peak MB, exit status, CPU seconds) of one run of cmd.

    Peak memory is the larger of the child's ru_maxrss (which covers each descendant separately) and the
    largest sum of the proportional resident sets (Pss) of the whole process tree, sampled every 5 ms:
    zwgk's reader child and its parent are alive at the same time, so their sum is what the machine must
    hold."""
    out = stdout.open("wb") if stdout else subprocess.DEVNULL
    peak_kb = 0
    try:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, env=ENV)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            peak_kb = max(peak_kb, tree_pss_kb(proc.pid))
            time.sleep(0.005)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if stdout:
            out.close()  # type: ignore[union-attr]
    return wall, max(usage.ru_maxrss, peak_kb) / 1024, proc.returncode, usage.ru_utime + usage.ru_stime


def best(cmd: list[str], repeat: int, stdout: Path | None = None) -> tuple[float, float, int, float]:
    """Best wall time of ``repeat`` runs after one warm-up run (bytecode written, file in the page cache)."""
    measure(cmd, stdout)
    runs = [measure(cmd, stdout) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs), runs[-1][2], min(r[3] for r in runs)


PHASES = """
import sys, time
t0 = time.perf_counter()
from pathlib import Path
from zwgk.compiler.check import rule_context, validate
from zwgk.compiler.emit.check_report import to_json
from zwgk.compiler.reader import gc_paused, read_file
from zwgk.compiler.reader.limits import DEFAULT_LIMITS
from zwgk.compiler.reader.sources import load
from zwgk.validators.models import FileResult
ctx = rule_context()
t1 = time.perf_counter()
path = Path(sys.argv[1])
with gc_paused():
    t = time.perf_counter(); load(path, DEFAULT_LIMITS); t_load = time.perf_counter() - t
t = time.perf_counter(); read = read_file(path, reference=ctx.reference, vocabulary=ctx.vocabulary); t_read = time.perf_counter() - t
with gc_paused():
    t = time.perf_counter(); found = validate(read, ctx); t_rules = time.perf_counter() - t
t = time.perf_counter()
result = FileResult(path=read.path, unit=read.unit, sheets=tuple(read.summaries),
                    items=tuple(r.item for s in read.sheets for r in s.records), findings=tuple(found))
to_json([result], "zh")
t_out = time.perf_counter() - t
print(f"start-up (imports, reference catalogues) {t1 - t0:.2f} s | load: package scan beside calamine + cleaning "
      f"+ transfer {t_load:.2f} s | layout and items {t_read - t_load:.2f} s | rules {t_rules:.2f} s | "
      f"report {t_out:.2f} s")
"""


def verify(report_path: Path, truth_path: Path) -> tuple[int, list[tuple[str, str]], list[tuple[str, str]]]:
    report = json.loads(report_path.read_text(encoding="utf-8"))
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    found = {(i["code"], i["cell"]) for f in report["files"] for i in f["issues"] if i["severity"] != "info"}
    expected = {(d["code"], d["cell"]) for d in truth["defects"]}
    return len(expected), sorted(expected - found), sorted(found - expected)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[200, 10_000, 100_000])
    ap.add_argument("--out", type=Path, default=Path("build/bench"))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    ok = True
    print(f"{'rows':>7} | {'calamine':>14} | {'openpyxl':>14} | {'zwgk check':>14} | {'×calamine':>9} | {'×openpyxl':>9} | defects")
    print("-" * 100)
    summary = []
    for n in args.rows:
        path = args.out / f"national-{n}.xlsx"
        truth = path.with_suffix(".truth.json")
        if not path.exists() or not truth.exists():
            generate(n, path)
        repeat = args.repeat if n <= 10_000 else max(1, args.repeat - 1)
        cal = best([PY, "-c", CALAMINE, str(path)], repeat)
        opx = best([PY, "-c", OPENPYXL, str(path)], repeat)
        with tempfile.TemporaryDirectory() as tmp:
            report = Path(tmp) / "report.json"
            zw = best([ZWGK, "check", "--format", "json", str(path)], repeat, stdout=report)
            expected, missed, extra = verify(report, truth)
        ok = ok and not missed and not extra and zw[2] in (0, 1)
        verdict = f"{expected - len(missed)}/{expected} found, {len(extra)} false" + ("" if zw[2] in (0, 1) else f", exit {zw[2]}")
        print(f"{n:>7} | {cal[0]:6.2f}s {cal[1]:5.0f}MB | {opx[0]:6.2f}s {opx[1]:5.0f}MB | {zw[0]:6.2f}s {zw[1]:5.0f}MB | "
              f"{zw[0] / cal[0]:8.2f}× | {zw[0] / opx[0]:8.2f}× | {verdict}")
        print(f"{'':>7} | cpu {cal[3]:6.2f}s   | cpu {opx[3]:6.2f}s   | cpu {zw[3]:6.2f}s   | {zw[3] / cal[3]:8.2f}× | "
              f"{zw[3] / opx[3]:8.2f}× | (CPU seconds: steadier than wall time on a busy machine)")
        for what, items in (("missed", missed), ("false", extra)):
            for code, cell in items[:10]:
                print(f"        {what}: {code} {cell}")
        summary.append((n, cal, opx, zw))
    print()
    for n, cal, _opx, zw in summary:
        if n == 200:
            print(f"target 200 rows whole command ≤ 0.30 s: {zw[0]:.2f} s wall, {zw[3]:.2f} s CPU  "
                  f"{'met' if zw[0] <= 0.3 else 'NOT met'}")
        if n == 100_000:
            print(f"target 100k rows ≤ 1.5× calamine: {zw[0] / cal[0]:.2f}×  {'met' if zw[0] <= 1.5 * cal[0] else 'NOT met'}")
            print(f"target 100k rows ≤ 400 MB: {zw[1]:.0f} MB  {'met' if zw[1] <= 400 else 'NOT met'}")
    print("defects: " + ("every injected defect found, no false ones" if ok else "MISMATCH (see above)"))
    largest = max(args.rows)
    print(f"\nwhere zwgk's time goes at {largest} rows (one in-process run, wall seconds):")
    subprocess.run([PY, "-c", PHASES, str(args.out / f"national-{largest}.xlsx")], env=ENV, check=False)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
