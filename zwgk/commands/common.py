"""Options and helpers shared by subcommands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from zwgk.compiler.reader.limits import Limits

F = Callable[..., Any]


def lang_option(fn: F) -> F:
    return click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
                        help="输出语言 / output language")(fn)


def limit_options(fn: F) -> F:
    """--max-* options: the documented safety limits, each configurable."""
    d = Limits()
    opts = [
        click.option("--max-file-mb", type=click.FloatRange(min=0.001), default=d.max_file_bytes / 1048576, show_default=True,
                     help="单个文件大小上限 (MB)"),
        click.option("--max-uncompressed-mb", type=click.FloatRange(min=0.001), default=d.max_uncompressed_bytes / 1048576,
                     show_default=True, help="xlsx/ods 解压后大小上限 (MB)"),
        click.option("--max-rows", type=click.IntRange(min=1), default=d.max_rows, show_default=True, help="每个工作表行数上限"),
        click.option("--max-columns", type=click.IntRange(min=1), default=d.max_columns, show_default=True, help="列数上限"),
        click.option("--max-cell-chars", type=click.IntRange(min=1), default=d.max_cell_chars, show_default=True,
                     help="单元格字符数上限"),
        click.option("--max-seconds", type=click.FloatRange(min=0.1), default=d.max_seconds, show_default=True,
                     help="每个文件读取时间上限（秒）"),
    ]
    for opt in reversed(opts):
        fn = opt(fn)
    return fn


def limits_from(kwargs: dict[str, Any]) -> Limits:
    return Limits(
        max_file_bytes=int(kwargs.pop("max_file_mb") * 1048576),
        max_uncompressed_bytes=int(kwargs.pop("max_uncompressed_mb") * 1048576),
        max_rows=kwargs.pop("max_rows"),
        max_columns=kwargs.pop("max_columns"),
        max_cell_chars=kwargs.pop("max_cell_chars"),
        max_seconds=kwargs.pop("max_seconds"),
    )
