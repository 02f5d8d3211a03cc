"""The one registry of rules.

Every finding zwgk can produce has an entry here: a stable code, a severity, a scope and its messages in
Chinese and English.  Rules that judge data are small generator functions registered with a decorator
(as python-jsonschema lists its keywords); codes that the reader or the compiler raise while reading are
registered with :func:`define` and carry no function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from zwgk.validators.models import Finding, Severity

Scope = Literal["file", "sheet", "item", "catalogue"]


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    scope: Scope
    title_zh: str
    title_en: str
    message_zh: str
    message_en: str
    fix_zh: str
    fix_en: str
    check: Callable[..., Iterator[Finding]] | None = None

    def title(self, lang: str = "zh") -> str:
        return self.title_en if lang == "en" else self.title_zh


RULES: dict[str, Rule] = {}


def _register(rule: Rule) -> Rule:
    if rule.code in RULES:
        raise ValueError(f"rule code registered twice: {rule.code}")
    RULES[rule.code] = rule
    return rule


def define(
    code: str,
    severity: Severity,
    scope: Scope,
    *,
    title: tuple[str, str],
    message: tuple[str, str],
    fix: tuple[str, str] = ("", ""),
) -> Rule:
    """Register a code raised by the reader or compiler (no check function)."""
    return _register(Rule(code, severity, scope, title[0], title[1], message[0], message[1], fix[0], fix[1]))


def rule(
    code: str,
    severity: Severity,
    scope: Scope,
    *,
    title: tuple[str, str],
    message: tuple[str, str],
    fix: tuple[str, str] = ("", ""),
) -> Callable[[Callable[..., Iterator[Finding]]], Callable[..., Iterator[Finding]]]:
    """Register a checking function under ``code``."""

    def decorate(fn: Callable[..., Iterator[Finding]]) -> Callable[..., Iterator[Finding]]:
        _register(Rule(code, severity, scope, title[0], title[1], message[0], message[1], fix[0], fix[1], fn))
        return fn

    return decorate


def rules_for(scope: Scope) -> list[Rule]:
    _load_all()
    return [r for r in RULES.values() if r.scope == scope and r.check is not None]


def get(code: str) -> Rule:
    _load_all()
    return RULES[code]


def finding(code: str, location: Any, **params: object) -> Finding:
    """Build a finding for ``code`` with the rule's severity; params are stringified for messages."""
    if not _loaded:
        _load_all()
    r = RULES[code]
    return Finding(
        code=code,
        severity=r.severity,
        location=location,
        params={k: ("" if v is None else str(v)) for k, v in params.items()},
    )


_loaded = False


def _load_all() -> None:
    global _loaded
    if not _loaded:
        import zwgk.validators.rules  # noqa: F401  (importing registers every rule module)

        _loaded = True
