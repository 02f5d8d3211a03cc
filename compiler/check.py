"""`zwgk check` as a library call: read one file, run every rule, return a FileResult."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from zwgk.catalogs import load_reference
from zwgk.catalogs.vocabulary import load_vocabulary
from zwgk.compiler.reader import ReadResult, gc_paused, read_file
from zwgk.compiler.reader.limits import DEFAULT_LIMITS, Limits
from zwgk.validators.models import FileResult, Finding, SourceLocation
from zwgk.validators.reference import Reference
from zwgk.validators.registry import finding, rules_for
from zwgk.validators.sheet import RuleContext
from zwgk.validators.vocabulary import Vocabulary


def rule_context(reference: Reference | None = None, vocabulary: Vocabulary | None = None,
                 government_hosts: Iterable[str] = ()) -> RuleContext:
    return RuleContext(
        reference=reference or load_reference(),
        vocabulary=vocabulary or load_vocabulary(),
        extra_government_hosts=tuple(government_hosts),
    )


def validate(read: ReadResult, ctx: RuleContext) -> list[Finding]:
    """Run every registered sheet and file rule over what the reader produced."""
    found: list[Finding] = []
    for sheet in read.sheets:
        for r in rules_for("sheet"):
            assert r.check is not None
            found.extend(r.check(sheet, ctx))
    for r in rules_for("file"):
        assert r.check is not None
        found.extend(r.check(read.sheets, ctx))
    return found


def check_file(
    path: str | Path,
    *,
    unit: str | None = None,
    domain: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    ctx: RuleContext | None = None,
    display_path: str | None = None,
) -> FileResult:
    ctx = ctx or rule_context()
    try:
        read = read_file(path, reference=ctx.reference, vocabulary=ctx.vocabulary, unit=unit, domain=domain,
                         limits=limits, display_path=display_path)
    except RecursionError:
        shown = display_path or str(path)
        return FileResult(path=shown, readable=False,
                          findings=(finding("file-unreadable", SourceLocation(path=shown), reason="文件结构嵌套过深"),))
    findings = list(read.findings)
    if read.readable:
        with gc_paused():
            findings.extend(validate(read, ctx))
    findings.sort(key=lambda f: f.sort_key())
    return FileResult(
        path=read.path,
        unit=read.unit,
        sheets=tuple(read.summaries),
        items=tuple(rec.item for s in read.sheets for rec in s.records),
        findings=tuple(findings),
        readable=read.readable,
    )
