"""`zwgk status BUILD`: every unit against the deadlines of 宝府办〔2020〕14号 (also the options the
three report commands share)."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click

from zwgk.commands.common import lang_option
from zwgk.compiler.reports import ReportInputError, default_output_dir, load_catalogue
from zwgk.compiler.reports.common import parse_date
from zwgk.validators.catalogue import Catalogue

F = Callable[..., Any]


def _as_of(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError:
        raise click.BadParameter(f"「{value}」不是日期，请写成 2020-06-30。/ not a date; write it as 2020-06-30.") from None


def report_options(fn: F) -> F:
    """BUILD, --as-of, -o and --lang: what every report command takes."""
    fn = lang_option(fn)
    fn = click.option("-o", "--output", type=click.Path(path_type=Path, file_okay=False),
                      help="报告输出目录（默认：构建目录/reports/）")(fn)
    fn = click.option("--as-of", "as_of", callback=_as_of, metavar="DATE",
                      help="报告日期，如 2020-06-30（默认：目录的 as_of 日期，从不取系统时间）")(fn)
    return click.argument("build", type=click.Path(path_type=Path))(fn)


def load_or_exit(build: Path, lang: str) -> Catalogue:
    try:
        return load_catalogue(build)
    except ReportInputError as exc:
        click.echo(exc.message(lang), err=True)
        sys.exit(2)


def write_or_exit(write: Callable[[Path], list[Path]], build: Path, output: Path | None, lang: str) -> None:
    out = output if output is not None else default_output_dir(build)
    try:
        paths = write(out)
    except OSError as exc:
        click.echo(f"Cannot write the report to {out}: {exc.strerror or exc}." if lang == "en"
                   else f"无法把报告写入 {out}：{exc.strerror or exc}。请检查目录权限或换一个 -o 目录。", err=True)
        sys.exit(2)
    names = ", ".join(str(p) for p in paths)
    click.echo(f"Written: {names}" if lang == "en" else f"已写出：{names}", err=True)


def finish(code: int) -> NoReturn:
    sys.exit(code)


@click.command("status")
@report_options
@click.option("--risk-days", type=click.IntRange(min=0), default=30, show_default=True,
              help="距截止日不超过这么多天、仍未完成的单位记为“有风险”")
def command(build: Path, as_of: dt.date | None, output: Path | None, lang: str, risk_days: int) -> None:
    """进度报告：各单位对照通知 6 月 30 日、9 月 30 日等节点的完成情况，突出逾期和有风险的单位。

    写出 status.html、status.xlsx、status.json。退出码：0 无逾期，1 有逾期单位，2 无法读取构建目录或用法错误。
    """
    from zwgk.compiler.reports.status import status_report, write_status, write_terminal

    cat = load_or_exit(build, lang)
    report = status_report(cat, as_of, risk_days=risk_days)
    write_terminal(report, sys.stdout, lang)
    write_or_exit(lambda out: write_status(report, out, lang), build, output, lang)
    finish(report.exit_code)
