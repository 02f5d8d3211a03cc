"""Run `zwgk check` on every case of the hostile corpus, each in its own process, and print a table.

    .venv/bin/python bench/hostile_bench.py [--keep DIR] [--only SUBSTRING] [--timeout 60]

Per case: wall time, peak memory (the larger of ru_maxrss from wait4, which covers each process alone, and
the summed Pss of zwgk and the reader process it forks, sampled every 10 ms: the two run side by side),
the exit code, the first finding code, whether the answer is the expected one, and whether anything
printed a traceback.  Exit status 1 if any case misbehaved (wrong answer, traceback, timeout, ≥ 500 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from hostile.corpus import Case  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from proctree import tree_pss_kb  # noqa: E402

MEMORY_BUDGET_MB = 500


def run_case(case: Case, timeout: float) -> dict[str, object]:
    cmd = [sys.executable, "-m", "zwgk", "check", "--format", "json", "--", str(case.path)]
    started = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT)
        deadline = started + timeout
        status, rusage, sampled_kb = 0, None, 0
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            sampled_kb = max(sampled_kb, tree_pss_kb(proc.pid))
            if time.monotonic() > deadline:
                proc.kill()
                _, status, rusage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.01)
        proc.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    timed_out = elapsed >= timeout
    first = ""
    try:
        report = json.loads(stdout)
        issues = [i for f in report["files"] for i in f["issues"]]
        errors = [i for i in issues if i["severity"] == "error"]
        first = (errors or issues or [{"code": "—"}])[0]["code"]
        codes = {i["code"] for i in issues}
    except (ValueError, KeyError, IndexError):
        codes = set()
    want_exit = 2 if case.expect == "refused" else None
    ok = (not timed_out and "Traceback" not in stdout + stderr
          and (want_exit is None and proc.returncode in (0, 1) or proc.returncode == want_exit)
          and (not case.codes or "" in case.codes or bool(codes & set(case.codes))))
    peak = max(rusage.ru_maxrss if rusage else 0, sampled_kb) / 1024
    return {"case": case.name, "seconds": elapsed, "peak_mb": peak, "exit": proc.returncode, "first": first,
            "ok": ok and peak < MEMORY_BUDGET_MB, "timeout": timed_out, "note": case.note,
            "stderr": stderr.strip().splitlines()[-1][:160] if stderr.strip() else ""}


def _build_elsewhere(root: Path) -> list[Case]:
    """Build the corpus in a child process: Linux carries a process's peak RSS across fork and exec, so
    building hundreds of MB here would show up as every case's peak memory."""
    code = ("import sys, pickle; sys.path.insert(0, sys.argv[2]); from hostile.corpus import build_corpus; "
            "sys.stdout.buffer.write(pickle.dumps(build_corpus(__import__('pathlib').Path(sys.argv[1]))))")
    data = subprocess.run([sys.executable, "-c", code, str(root), str(ROOT / "tests")], check=True,
                          capture_output=True).stdout
    cases: list[Case] = pickle.loads(data)
    return cases


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", type=Path, help="build the corpus here and keep it")
    ap.add_argument("--only", default="", help="run only cases whose name contains this")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--markdown", action="store_true", help="print a markdown table")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp) / "corpus"
        t0 = time.monotonic()
        cases = [c for c in _build_elsewhere(root) if args.only in c.name]
        print(f"corpus built in {time.monotonic() - t0:.1f} s: {len(cases)} cases in {root}", file=sys.stderr)
        rows = []
        for case in cases:
            row = run_case(case, args.timeout)
            rows.append(row)
            if not args.markdown:
                flag = "ok " if row["ok"] else "BAD"
                print(f"{flag} {row['seconds']:6.2f}s {row['peak_mb']:7.1f}MB exit={row['exit']} "
                      f"{row['first']:<22} {row['case']}", flush=True)
                if not row["ok"] and row["stderr"]:
                    print(f"      stderr: {row['stderr']}", flush=True)
        if args.markdown:
            print("| case | what | s | peak MB | exit | first finding | ok |")
            print("|---|---|---:|---:|---:|---|---|")
            for row in rows:
                print(f"| `{row['case']}` | {row['note']} | {row['seconds']:.2f} | {row['peak_mb']:.0f} | {row['exit']} | "
                      f"{row['first']} | {'✓' if row['ok'] else '✗'} |")
        bad = [r for r in rows if not r["ok"]]
        worst = max(rows, key=lambda r: float(str(r["peak_mb"]))) if rows else None
        print(f"{len(rows) - len(bad)}/{len(rows)} cases answered as expected; "
              f"peak {worst['peak_mb']:.0f} MB ({worst['case']})" if worst else "no cases", file=sys.stderr)
        return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
