"""Reports read from a compiled build: `zwgk status`, `zwgk pairs` and `zwgk audit`.

Each report is a library call returning a data model (``status_report``, ``pairs_report``,
``audit_report``) plus emitters (terminal, HTML, xlsx); :func:`write_all` writes the three for a build,
as ``make demo`` does.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from zwgk.compiler.reports.common import ReportInputError, catalogue_path, load_catalogue

REPORTS_DIR = "reports"


def default_output_dir(build: str | Path) -> Path:
    """``BUILD/reports`` (beside catalogue.json when a file was given)."""
    return catalogue_path(build).parent / REPORTS_DIR


def write_all(build: str | Path, out_dir: str | Path | None = None, *, lang: str = "zh",
              as_of: dt.date | None = None) -> list[Path]:
    """Write status, pairs and audit (HTML, xlsx, JSON) for a build folder; returns the files written."""
    from zwgk.compiler.reports.audit import audit_report, write_audit
    from zwgk.compiler.reports.pairs import pairs_report, write_pairs
    from zwgk.compiler.reports.status import status_report, write_status

    cat = load_catalogue(build)
    out = Path(out_dir) if out_dir is not None else default_output_dir(build)
    paths = write_status(status_report(cat, as_of), out, lang)
    paths += write_pairs(pairs_report(cat, as_of), out, lang)
    paths += write_audit(audit_report(cat, as_of=as_of), out, lang)
    return paths


__all__ = ["REPORTS_DIR", "ReportInputError", "default_output_dir", "load_catalogue", "write_all"]
