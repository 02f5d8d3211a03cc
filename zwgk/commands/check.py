"""`zwgk check FILE…`: check units' catalogue workbooks before they are submitted."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import click

from zwgk.commands.common import lang_option, limit_options, limits_from
from zwgk.compiler.check import check_file, rule_context
from zwgk.compiler.emit.atomic import write_text
from zwgk.compiler.emit.check_report import to_html, to_json, write_terminal
from zwgk.validators.models import FileResult


def exit_code(results: list[FileResult]) -> int:
    if any(not r.readable for r in results):
        return 2
    return 1 if any(r.errors for r in results) else 0


@click.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--unit", help="填报单位（覆盖自动识别），如 区教育局")
@click.option("--domain", help="领域（覆盖自动识别），如 义务教育")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text", show_default=True,
              help="输出格式")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="把报告写入文件（默认输出到屏幕）")
@click.option("--annotate", type=click.Path(path_type=Path),
              help="写出标注了问题的工作簿副本（.xlsx；多个文件时为目录）")
@click.option("--government-host", "government_hosts", multiple=True, help="额外视为政府网站的主机名")
@lang_option
@limit_options
def command(files: tuple[Path, ...], unit: str | None, domain: str | None, fmt: str, output: Path | None,
            annotate: Path | None, government_hosts: tuple[str, ...], lang: str, **kwargs: Any) -> None:
    """检查单位提交的标准目录工作簿：逐格指出问题及修改方法。

    退出码：0 无错误（可有警告），1 有错误，2 文件无法读取或用法错误。
    """
    limits = limits_from(kwargs)
    ctx = rule_context(government_hosts=government_hosts)
    results = [check_file(f, unit=unit, domain=domain, limits=limits, ctx=ctx) for f in files]
    if fmt == "json":
        text = to_json(results, lang)
    elif fmt == "html":
        text = to_html(results, lang)
    else:
        text = ""
    if output is not None and text:
        write_text(output, text)
    elif text:
        sys.stdout.write(text)
    if fmt == "text":
        if output is not None:
            buf = io.StringIO()
            write_terminal(results, buf, lang, color=False)
            write_text(output, buf.getvalue())
        else:
            write_terminal(results, sys.stdout, lang)
    if annotate is not None:
        _annotate_all(files, results, annotate, lang, limits)
    sys.exit(exit_code(results))


def _annotate_all(files: tuple[Path, ...], results: list[FileResult], target: Path, lang: str, limits: Any) -> None:
    from zwgk.compiler.emit.annotate import annotate
    from zwgk.compiler.emit.safe import safe_filename

    many = len(files) > 1 or target.is_dir()
    for f, res in zip(files, results, strict=True):
        if not res.readable:
            continue
        out = target / f"{safe_filename(f.stem, 'workbook')}.检查结果.xlsx" if many else target
        try:
            annotate(f, res, out, lang, limits)
        except ValueError as exc:
            raise click.UsageError(f"无法写出标注副本：{exc}") from exc
        msg = f"Annotated copy: {out}" if lang == "en" else f"已写出标注副本：{out}"
        click.echo(msg, err=True)
