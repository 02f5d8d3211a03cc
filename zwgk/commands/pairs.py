"""`zwgk pairs BUILD`: the 市区结对 units of notice item 29 and coverage of their city templates."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from zwgk.commands.status import finish, load_or_exit, report_options, write_or_exit
from zwgk.compiler.reports import ReportInputError


@click.command("pairs")
@report_options
@click.option("--template", "templates", multiple=True, metavar="UNIT=PATH|PATH",
              help="市级模板目录：单位=文件或文件夹（如 区水务局=上海市水务局.xlsx），或按文件中的单位/部门名自动对应；可重复")
@click.option("--risk-days", type=click.IntRange(min=0), default=30, show_default=True,
              help="距截止日不超过这么多天、仍未完成的记为“有风险”")
def command(build: Path, as_of: dt.date | None, output: Path | None, lang: str, templates: tuple[str, ...],
            risk_days: int) -> None:
    """结对报告：六个市区结对单位的结对领域、6 月 30 日和 9 月 30 日节点、目录汇编情况，以及与市级模板的逐项对照。

    写出 pairs.html、pairs.xlsx、pairs.json。退出码：0 正常，1 有逾期的结对单位，2 无法读取构建目录或模板、用法错误。
    """
    from zwgk.compiler.reports.pairs import load_templates, pairs_report, write_pairs, write_terminal

    cat = load_or_exit(build, lang)
    try:
        read, unassigned = load_templates(templates)
    except ReportInputError as exc:
        click.echo(exc.message(lang), err=True)
        sys.exit(2)
    report = pairs_report(cat, as_of, templates=read, unassigned=unassigned, risk_days=risk_days)
    write_terminal(report, sys.stdout, lang)
    write_or_exit(lambda out: write_pairs(report, out, lang), build, output, lang)
    finish(report.exit_code)
