"""Writing a report's files and its terminal console: shared by status, pairs and audit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TextIO

from pydantic import BaseModel
from rich.console import Console
from rich.markup import escape
from zwgk.compiler.emit.atomic import write_bytes, write_text


def console(out: TextIO, color: bool | None = None) -> Console:
    # A fixed width keeps the summary identical on any terminal; rich measures CJK as two columns.
    return Console(file=out, force_terminal=color, no_color=color is False, width=120, highlight=False,
                   soft_wrap=False, emoji=False)


def esc(text: object) -> str:
    return escape(str(text))


def write_report_files(out_dir: str | Path, stem: str, report: BaseModel, html: str, xlsx: bytes) -> list[Path]:
    """``stem``.html, .xlsx and .json in ``out_dir``, each written atomically."""
    out = Path(out_dir)
    paths = [out / f"{stem}.html", out / f"{stem}.xlsx", out / f"{stem}.json"]
    write_text(paths[0], html)
    write_bytes(paths[1], xlsx)
    write_text(paths[2], report.model_dump_json(indent=2) + "\n")
    return paths


def iso(day: dt.date) -> str:
    return day.isoformat()
