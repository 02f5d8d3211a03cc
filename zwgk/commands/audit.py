"""`zwgk audit BUILD`: the standardisation scorecard per unit and per domain (for 区市场监管局)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from zwgk.commands.status import finish, load_or_exit, report_options, write_or_exit


@click.command("audit")
@report_options
def command(build: Path, as_of: dt.date | None, output: Path | None, lang: str) -> None:
    """标准化评估：按单位和领域给出结构规范、要素完整、规则符合、指引覆盖、法定覆盖、链接覆盖和总评等级。

    写出 audit.html、audit.xlsx、audit.json。退出码：0 目录无错误，1 目录有错误，2 无法读取构建目录或用法错误。
    """
    from zwgk.compiler.reports.audit import audit_report, write_audit, write_terminal

    cat = load_or_exit(build, lang)
    report = audit_report(cat, as_of=as_of)
    write_terminal(report, sys.stdout, lang)
    write_or_exit(lambda out: write_audit(report, out, lang), build, output, lang)
    finish(report.exit_code)
