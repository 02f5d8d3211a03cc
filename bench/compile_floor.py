"""The floor of `zwgk compile`'s outputs: the least it can cost to write them with the fixed stack.

    .venv/bin/python bench/compile_floor.py BUILD     # a build folder `zwgk compile` wrote

For the district in BUILD, times only the serialising of what the issue requires, with none of zwgk's work
(no reading, matching, rules, validation, styles):

* catalogue.json — ``json.dumps`` of the same document (loaded from BUILD/catalogue.json);
* catalogue.xlsx — XlsxWriter in ``constant_memory`` mode, the same rows and columns, plain ``write_row``,
  no formats, no hyperlinks;
* catalogue.sqlite — a fresh file, the items/links/findings tables, bare ``executemany`` in one transaction;
* graph — ``json.dumps`` of the node-link document (BUILD/graph.json loaded); GraphML left out.

:func:`floor` is what bench/compile_bench.py prints next to 2× the bare reads.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path


def floor(build: Path) -> dict[str, float]:
    catalogue = json.loads((build / "catalogue.json").read_text(encoding="utf-8"))
    graph = json.loads((build / "graph.json").read_text(encoding="utf-8"))
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="zwgk-floor-", dir=build.parent) as tmp:
        t = time.perf_counter()
        Path(tmp, "c.json").write_text(json.dumps(catalogue, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        out["json"] = time.perf_counter() - t

        t = time.perf_counter()
        _xlsx(Path(tmp, "c.xlsx"), catalogue["items"])
        out["xlsx"] = time.perf_counter() - t

        t = time.perf_counter()
        _sqlite(Path(tmp, "c.sqlite"), catalogue)
        out["sqlite"] = time.perf_counter() - t

        t = time.perf_counter()
        Path(tmp, "g.json").write_text(json.dumps(graph, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        out["graph"] = time.perf_counter() - t
    out["total"] = sum(out.values())
    return out


_COLUMNS = ("domain", "unit", "seq", "level1", "level2", "level3", "content", "basis", "time_limit", "subject")


def _cell(value: object) -> object:
    return "、".join(value) if isinstance(value, list) else value


def _xlsx(target: Path, items: list[dict[str, object]]) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(target), {"constant_memory": True, "tmpdir": str(target.parent)})
    sheets: dict[object, object] = {}
    rows: dict[object, int] = {}
    for it in items:
        domain = it["domain"] or "未识别领域"
        ws = sheets.get(domain)
        if ws is None:
            ws = sheets[domain] = book.add_worksheet(f"s{len(sheets)}")
            rows[domain] = 0
        values = [_cell(it[c]) for c in _COLUMNS] + [_cell(it[c]) for c in ("channels", "audience", "mode", "levels")]
        values += ["\n".join(it["links"]) if it["links"] else None, it["guideline_code"], it["id"]]  # type: ignore[arg-type]
        ws.write_row(rows[domain], 0, values)  # type: ignore[attr-defined]
        rows[domain] += 1
    book.close()


def _sqlite(target: Path, catalogue: dict[str, object]) -> None:
    items: list[dict[str, object]] = catalogue["items"]  # type: ignore[assignment]
    findings: list[dict[str, object]] = catalogue["findings"]  # type: ignore[assignment]
    con = sqlite3.connect(target, isolation_level=None)
    con.execute("BEGIN")
    cols = [k for k in items[0] if k not in ("guideline", "source")] if items else ["id"]
    con.execute(f"CREATE TABLE items ({', '.join(c + ' TEXT' for c in cols)})")
    con.execute("CREATE TABLE links (item_id TEXT, position INTEGER, url TEXT)")
    con.execute("CREATE TABLE findings (code TEXT, severity TEXT, message TEXT, path TEXT, row INTEGER)")
    dumps = json.dumps
    con.executemany(f"INSERT INTO items VALUES ({', '.join('?' * len(cols))})",
                    ([dumps(it[c], ensure_ascii=False) if isinstance(it[c], (list, dict)) else it[c] for c in cols]
                     for it in items))
    con.executemany("INSERT INTO links VALUES (?, ?, ?)",
                    ((it["id"], n, url) for it in items for n, url in enumerate(it["links"], 1)))  # type: ignore[arg-type]
    con.executemany("INSERT INTO findings VALUES (?, ?, ?, ?, ?)",
                    ((f["code"], f["severity"], f["message"], f["path"], f["row"]) for f in findings))
    con.execute("COMMIT")
    con.close()


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    f = floor(Path(sys.argv[1]))
    print("  ".join(f"{k} {v:.2f} s" for k, v in f.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
