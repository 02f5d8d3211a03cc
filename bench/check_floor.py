"""The floor of `zwgk check` on a large workbook: the least its required steps cost, each timed alone.

    .venv/bin/python bench/check_floor.py [--rows 100000] [--out build/bench] [--repeat 3]

Issue 2 asks for a check of 100,000 rows in at most 1.5× a bare python-calamine read.  This script measures,
in the same run and each in a fresh process (best of ``--repeat`` after a warm-up, like check_bench.py),
what the issue itself requires before any rule runs:

* ``calamine``      — the bare read (every sheet ``to_python``): the baseline;
* ``calamine+items``— the bare read, then the cheapest possible DisclosureItem per row (§3's pydantic model
                      built without validation, a fixed column → field map: no ticks, words, links, merges,
                      rules), in one process with no guard: what ANY design that builds §3's items pays;
* ``start-up``      — importing zwgk's check and loading the reference catalogues (no file read);
* ``guard``         — the package inspection §4 requires before calamine may see the file (declared sizes,
                      the real cell area: calamine aborts the interpreter on a far-corner cell), plus the
                      hyperlinks and HYPERLINK() formulas calamine does not give (also §4);
* ``guard+calamine``— both, one after the other in one process: the least a guarded read costs without a
                      second process;
* ``guarded read``  — zwgk's ``load()``: the guard on this core while calamine reads in an isolated child on
                      the other, cells cleaned, the grid sent back;
* ``+ items``       — that read plus the cheapest possible DisclosureItem per row (§3's pydantic model built
                      without validation, a fixed column → field map: no ticks, words, links, merges, rules).

Anything zwgk check does is at least ``min(guard+calamine, guarded read) + items``.  The ratios to the bare
read are printed; no target is enforced.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from check_bench import CALAMINE, PY, ZWGK, best  # noqa: E402
from generate import generate  # noqa: E402

# The cheapest item per row: a fixed column → field map laid over the model's defaults, built as the reader
# builds items (pydantic's model_construct without its per-field loop).  Rows below a 4-row header.
BUILD_ITEMS = """
from zwgk.compiler.reader.items import _ITEM_DEFAULTS, _trusted
from zwgk.validators.models import DisclosureItem, SourceLocation
names = ("seq", "level1", "level2", "content", "basis", "time_limit", "subject")
items = []
for name, rows in grids:
    for r, row in enumerate(rows[4:], start=5):
        fields = _ITEM_DEFAULTS.copy()
        fields.update(zip(names, row))
        fields["source"] = _trusted(SourceLocation, {"path": sys.argv[1], "sheet": name, "row": r,
                                                     "column": None, "cell": None, "field": None})
        items.append(_trusted(DisclosureItem, fields))
"""

CALAMINE_ITEMS = ("import gc\ngc.disable()\n" + CALAMINE
                  + "grids = list(zip(wb.sheet_names, rows))\n" + BUILD_ITEMS)

# What the console script imports and loads before it opens a file.
STARTUP = "import zwgk.cli\nfrom zwgk.compiler.check import rule_context\nctx = rule_context()\n"

GUARD = """
import sys, zipfile
from zwgk.compiler.reader.limits import DEFAULT_LIMITS
from zwgk.compiler.reader.ooxml import scan_xlsx
with zipfile.ZipFile(sys.argv[1]) as zf:
    scan = scan_xlsx(zf, DEFAULT_LIMITS)
"""

GUARD_THEN_CALAMINE = GUARD + CALAMINE.replace("import sys, ", "import ")

GUARDED_READ = """
import sys
from pathlib import Path
from zwgk.compiler.reader import gc_paused
from zwgk.compiler.reader.limits import DEFAULT_LIMITS
from zwgk.compiler.reader.sources import load
with gc_paused():
    loaded = load(Path(sys.argv[1]), DEFAULT_LIMITS)
"""

ITEMS = (GUARDED_READ.replace("with gc_paused():\n    loaded", "import gc\ngc.disable()\nloaded")
         + "grids = [(g.name, g.rows) for g in loaded.grids]\n" + BUILD_ITEMS)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--out", type=Path, default=Path("build/bench"))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    path = args.out / f"national-{args.rows}.xlsx"
    if not path.exists() or not path.with_suffix(".truth.json").exists():
        generate(args.rows, path)
    runs = [
        ("calamine (baseline)", [PY, "-c", CALAMINE, str(path)]),
        ("calamine+items", [PY, "-c", CALAMINE_ITEMS, str(path)]),
        ("start-up", [PY, "-c", STARTUP]),
        ("python alone", [PY, "-c", "pass"]),
        ("guard", [PY, "-c", GUARD, str(path)]),
        ("guard+calamine", [PY, "-c", GUARD_THEN_CALAMINE, str(path)]),
        ("guarded read", [PY, "-c", GUARDED_READ, str(path)]),
        ("guarded read + items", [PY, "-c", ITEMS, str(path)]),
        ("zwgk check", [ZWGK, "check", "--format", "json", str(path)]),
    ]
    results = []
    for label, cmd in runs:
        wall, mb, status, cpu = best(cmd, args.repeat, stdout=Path(os.devnull))
        if status not in (0, 1):
            print(f"{label}: exit {status}", file=sys.stderr)
            return 2
        results.append((label, wall, cpu, mb))
    base_wall, base_cpu = results[0][1], results[0][2]
    print(f"{args.rows} rows, {path}; load {os.getloadavg()[0]:.2f}")
    print(f"{'':<22} | {'wall':>7} | {'×calamine':>9} | {'cpu':>7} | {'×calamine':>9} | {'peak':>7}")
    print("-" * 76)
    for label, wall, cpu, mb in results:
        print(f"{label:<22} | {wall:6.2f}s | {wall / base_wall:8.2f}× | {cpu:6.2f}s | {cpu / base_cpu:8.2f}× | {mb:5.0f}MB")
    got = {label: (wall, cpu) for label, wall, cpu, _mb in results}
    floor = got["calamine+items"][0] + got["start-up"][0] - got["python alone"][0]
    print(f"\n1.5× the baseline: {1.5 * base_wall:.2f} s wall")
    print(f"floor of any design (calamine+items + start-up − one interpreter start): {floor:.2f} s = "
          f"{floor / base_wall:.2f}× the baseline, before the guard, layout, ticks, merges, links and rules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
