"""What the result page shows, computed once in the worker thread and stored as plain JSON.

The page is re-rendered from this on every visit: cheap, and it needs neither the upload nor the
FileResult (whose items can be large) after the check.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from zwgk.compiler.emit.check_report import SEVERITY_LABEL, group_by_rule, item_context
from zwgk.validators.catalogue import Catalogue
from zwgk.validators.messages import location_text, render
from zwgk.validators.models import FileResult, Severity
from zwgk.validators.registry import get

MAX_CONTEXT_CHARS = 300


def result_view(res: FileResult, lang: str, max_per_rule: int) -> dict[str, Any]:
    """Findings grouped by rule with counts; each listed finding with its row's fields for context."""
    by_row = {(it.source.sheet, it.source.row): it for it in res.items}
    groups = []
    for code, fs in group_by_rule(res.findings):
        entries = []
        for f in fs[:max_per_rule]:
            item = by_row.get((f.location.sheet, f.location.row)) if f.location.row else None
            context = []
            if item is not None:
                for key, value in item_context(item, lang):
                    fld, label = key.split("|", 1)
                    shown = value if len(value) <= MAX_CONTEXT_CHARS else value[:MAX_CONTEXT_CHARS] + "…"
                    context.append({"field": fld, "label": label, "value": shown})
            entries.append({
                "where": location_text(f, lang),
                "message": render(f, lang, with_location=False),
                "field": f.location.field or "",
                "context": context,
            })
        groups.append({
            "code": code,
            "severity": fs[0].severity.value,
            "severity_label": SEVERITY_LABEL["en" if lang == "en" else "zh"][fs[0].severity.value],
            "title": get(code).title(lang),
            "count": len(fs),
            "entries": entries,
        })
    return {
        "path": res.path,
        "unit": res.unit or "",
        "readable": res.readable,
        "item_count": len(res.items),
        "links": sum(1 for it in res.items if it.links),
        "errors": res.errors,
        "warnings": res.warnings,
        "infos": sum(1 for f in res.findings if f.severity is Severity.INFO),
        "sheets": [{"name": s.name, "role": s.role, "layout": s.layout or "", "domain": s.domain or "",
                    "item_count": s.items} for s in res.sheets],
        "groups": groups,
        "domain_items": dict(sorted(Counter(it.domain for it in res.items if it.domain).items())),
    }


def coverage_view(catalogue: Catalogue, unit: str, upload_domains: dict[str, int]) -> dict[str, Any]:
    """The unit's standing in the last compiled build, beside what the upload contains."""
    found = next((u for u in catalogue.units if u.name == unit), None)
    head = {"district": catalogue.district, "as_of": catalogue.as_of, "version": catalogue.version, "unit": unit}
    if found is None:
        return {**head, "in_build": False}
    domains = {d.name: d for d in catalogue.domains}
    mine = [it for it in catalogue.items if it.unit == unit]
    items_by_domain = Counter(it.domain for it in mine if it.domain)
    covered: dict[str, set[str]] = {}
    for it in mine:
        for m in it.guideline:
            if m.counted and it.domain:
                covered.setdefault(it.domain, set()).add(m.code)
    not_involved = {n.domain: n.reason for n in found.not_involved}
    names = set(found.domains) | set(found.responsible_for) | set(not_involved) | \
        {d for d in upload_domains if d in domains}
    rows = []
    for name in sorted(names, key=lambda n: (domains[n].no or 99, n) if n in domains else (100, n)):
        d = domains.get(name)
        rows.append({
            "name": name,
            "pilot": bool(d and d.pilot),
            "responsible": name in found.responsible_for,
            "not_involved": not_involved.get(name, ""),
            "build_items": items_by_domain.get(name, 0),
            "upload_items": upload_domains.get(name, 0),
            "guideline_items": d.guideline_items if d else 0,
            "unit_covered": len(covered.get(name, ())),
            "district_covered": d.guideline_covered if d else 0,
        })
    missing = [r["name"] for r in rows if r["responsible"] and not r["build_items"] and not r["upload_items"]
               and not r["not_involved"]]
    return {
        **head,
        "in_build": True,
        "kind": found.kind or "",
        "submitted": found.submitted,
        "files": list(found.files),
        "item_count": found.items,
        "errors": found.errors,
        "warnings": found.warnings,
        "paired_with": found.paired_with or "",
        "domains": rows,
        "missing": missing,
    }
