"""Shared fixtures.  Workbook fixtures are built in code by ``builders`` (tests/builders.py)."""

from __future__ import annotations

import pytest
from zwgk.compiler.check import rule_context
from zwgk.validators.sheet import RuleContext


@pytest.fixture(scope="session")
def ctx() -> RuleContext:
    """The shipped reference catalogues and vocabulary, loaded once."""
    return rule_context()
