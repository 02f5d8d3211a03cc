"""`zwgk diff OLD NEW`: what changed between two compilations, item by item."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from zwgk.commands.common import lang_option
from zwgk.compiler.diff import DiffError, diff_catalogues, render_text


@click.command("diff")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="输出格式")
@lang_option
def command(old: Path, new: Path, fmt: str, lang: str) -> None:
    """比较两次汇编（构建文件夹或 catalogue.json）：新增、删除和逐字段修改的事项。

    退出码：0 事项完全相同，1 有差异，2 无法读取。
    """
    try:
        result = diff_catalogues(old, new)
    except DiffError as exc:
        click.echo(exc.message(lang), err=True)
        sys.exit(2)
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        for line in render_text(result, lang):
            click.echo(line)
    sys.exit(result.exit_code)
