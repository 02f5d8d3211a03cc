"""``catalogue.sqlite``: the compiled catalogue as tables a district office can query or publish.

    items, units, domains, links, clauses, findings        — one row per thing
    item_clauses, item_guideline                            — the matches, with method/score/counted
    meta                                                    — district, as_of, version, format_version

List-valued columns hold JSON arrays (Datasette shows them as lists; ``json_each`` queries them).  The
bytes are deterministic: one transaction on a fresh file with a fixed page size, rows in the catalogue's
order, indexes built after the rows, nothing ever deleted (so no free pages) — the same operations in
the same order give the same file, which the compile tests check byte for byte.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from zwgk.compiler.emit.atomic import atomic_path

PAGE_SIZE = 4096
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE units (
  name TEXT PRIMARY KEY, kind TEXT, level TEXT, in_roster INTEGER NOT NULL, submitted INTEGER NOT NULL,
  items INTEGER NOT NULL, errors INTEGER NOT NULL, warnings INTEGER NOT NULL, paired_with TEXT,
  files TEXT NOT NULL, domains TEXT NOT NULL, responsible_for TEXT NOT NULL, not_involved TEXT NOT NULL);
CREATE TABLE domains (
  name TEXT PRIMARY KEY, no INTEGER, pilot INTEGER NOT NULL, items INTEGER NOT NULL,
  guideline_items INTEGER NOT NULL, guideline_covered INTEGER NOT NULL, units TEXT NOT NULL,
  responsible_units TEXT NOT NULL);
CREATE TABLE items (
  id TEXT PRIMARY KEY, unit TEXT NOT NULL, domain TEXT, category TEXT, seq TEXT, level1 TEXT, level2 TEXT,
  level3 TEXT, name TEXT NOT NULL, content TEXT, basis TEXT, time_limit TEXT, subject TEXT,
  subject_units TEXT NOT NULL, channels TEXT NOT NULL, audience TEXT NOT NULL, audience_note TEXT,
  mode TEXT NOT NULL, levels TEXT NOT NULL, guideline_code TEXT, extra TEXT NOT NULL,
  path TEXT NOT NULL, sheet TEXT, "row" INTEGER);
CREATE TABLE links (item_id TEXT NOT NULL REFERENCES items(id), position INTEGER NOT NULL, url TEXT NOT NULL,
  PRIMARY KEY (item_id, position));
CREATE TABLE clauses (id TEXT PRIMARY KEY, label TEXT NOT NULL, text TEXT NOT NULL, scope TEXT NOT NULL,
  items INTEGER NOT NULL, units TEXT NOT NULL);
CREATE TABLE item_clauses (item_id TEXT NOT NULL REFERENCES items(id), clause_id TEXT NOT NULL REFERENCES clauses(id),
  PRIMARY KEY (item_id, clause_id));
CREATE TABLE item_guideline (item_id TEXT NOT NULL REFERENCES items(id), code TEXT NOT NULL, method TEXT NOT NULL,
  score REAL NOT NULL, counted INTEGER NOT NULL, PRIMARY KEY (item_id, code));
CREATE TABLE findings (
  id INTEGER PRIMARY KEY, code TEXT NOT NULL, severity TEXT NOT NULL, message TEXT NOT NULL, unit TEXT,
  domain TEXT, clause TEXT, path TEXT, sheet TEXT, "row" INTEGER, cell TEXT, field TEXT, params TEXT NOT NULL);
"""

INDEXES = """
CREATE INDEX items_unit ON items(unit);
CREATE INDEX items_domain ON items(domain);
CREATE INDEX items_path ON items(path);
CREATE INDEX links_url ON links(url);
CREATE INDEX item_clauses_clause ON item_clauses(clause_id);
CREATE INDEX item_guideline_code ON item_guideline(code);
CREATE INDEX findings_code ON findings(code);
CREATE INDEX findings_severity ON findings(severity);
CREATE INDEX findings_unit ON findings(unit);
CREATE INDEX findings_path ON findings(path);
"""

ITEM_COLUMNS = (
    "id", "unit", "domain", "category", "seq", "level1", "level2", "level3", "name", "content", "basis",
    "time_limit", "subject", "subject_units", "channels", "audience", "audience_note", "mode", "levels",
    "guideline_code", "extra", "path", "sheet", "row",
)


def js(value: Any) -> str:
    """A JSON column value (compact, UTF-8, keys in their given order)."""
    return _ENCODER.encode(value)


def write_catalogue_sqlite(
    target: Path,
    *,
    meta: dict[str, str],
    units: Iterable[Sequence[Any]],
    domains: Iterable[Sequence[Any]],
    clauses: Iterable[Sequence[Any]],
    items: Iterable[Sequence[Any]],
    links: Iterable[Sequence[Any]],
    item_clauses: Iterable[Sequence[Any]],
    item_guideline: Iterable[Sequence[Any]],
    findings: Iterable[Sequence[Any]],
) -> None:
    """Rows are tuples in each table's column order (``findings`` without the id column)."""
    with atomic_path(target) as tmp:
        tmp.unlink()
        con = sqlite3.connect(tmp, isolation_level=None)
        try:
            con.execute(f"PRAGMA page_size={PAGE_SIZE}")
            con.execute("PRAGMA journal_mode=OFF")
            con.execute("PRAGMA synchronous=OFF")
            con.execute("PRAGMA locking_mode=EXCLUSIVE")
            con.execute("PRAGMA cache_size=-262144")  # 256 MB: index builds stay in memory
            con.execute("BEGIN")
            _create(con)
            con.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
            con.executemany(f"INSERT INTO units VALUES ({_q(13)})", units)
            con.executemany(f"INSERT INTO domains VALUES ({_q(8)})", domains)
            con.executemany(f"INSERT INTO clauses VALUES ({_q(6)})", clauses)
            con.executemany(f"INSERT INTO items VALUES ({_q(len(ITEM_COLUMNS))})", items)
            con.executemany("INSERT INTO links VALUES (?, ?, ?)", links)
            con.executemany("INSERT OR IGNORE INTO item_clauses VALUES (?, ?)", item_clauses)
            con.executemany("INSERT OR IGNORE INTO item_guideline VALUES (?, ?, ?, ?, ?)", item_guideline)
            con.executemany(f"INSERT INTO findings (code, severity, message, unit, domain, clause, path, sheet, \"row\", cell, "
                            f"field, params) VALUES ({_q(12)})", findings)
            for statement in filter(None, (s.strip() for s in INDEXES.split(";"))):
                con.execute(statement)
            con.execute("COMMIT")
        finally:
            con.close()


def _create(con: sqlite3.Connection) -> None:
    for statement in filter(None, (s.strip() for s in SCHEMA.split(";"))):
        con.execute(statement)


def _q(n: int) -> str:
    return ", ".join("?" * n)
