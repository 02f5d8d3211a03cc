"""`zwgk links BUILD`: check every information link of the compiled catalogue."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from zwgk.commands.common import lang_option
from zwgk.compiler.linkcheck import LinkOptions, check_links, write_outputs, write_terminal
from zwgk.compiler.site import SiteError, load_catalogue


@click.command("links")
@click.argument("build", type=click.Path(path_type=Path))
@click.option("--concurrency", type=click.IntRange(1, 64), default=8, show_default=True, help="同时检查的链接数上限")
@click.option("--timeout", type=click.FloatRange(min=0.1, max=300), default=10.0, show_default=True,
              help="每次请求的时限（秒）")
@click.option("--retries", type=click.IntRange(0, 10), default=2, show_default=True,
              help="超时、连接失败或服务器错误（5xx/429）时的重试次数（间隔逐次加倍）")
@click.option("--backoff", type=click.FloatRange(min=0, max=60), default=0.5, show_default=True,
              help="第一次重试前等待的秒数")
@click.option("--slow", type=click.FloatRange(min=0), default=3.0, show_default=True, help="响应慢于此秒数的链接列为“响应慢”")
@click.option("--government-host", "government_hosts", multiple=True, help="额外视为政府网站的主机名")
@click.option("--no-write", is_flag=True, help="只在屏幕显示，不把 links.json / links.csv 写入 BUILD")
@lang_option
def command(build: Path, concurrency: int, timeout: float, retries: int, backoff: float, slow: float,
            government_hosts: tuple[str, ...], no_write: bool, lang: str) -> None:
    """检查标准目录中的每个信息链接：死链、重定向、响应慢、不在政府网站，并按单位汇总。

    先发 HEAD 请求，被拒绝时改用 GET；结果写入 BUILD/links.json 和 BUILD/links.csv。
    退出码：0 无死链，1 有死链或无效链接，2 输入无法读取。
    """
    try:
        catalogue = load_catalogue(build)
    except SiteError as exc:
        click.echo(exc.message(lang), err=True)
        sys.exit(2)
    opts = LinkOptions(concurrency=concurrency, timeout=timeout, retries=retries, backoff=backoff, slow=slow,
                       government_hosts=government_hosts)
    report = check_links(catalogue, opts)
    write_terminal(report, sys.stdout, lang)
    if not no_write:
        folder = build if build.is_dir() else build.parent
        try:
            paths = write_outputs(report, folder, lang)
        except OSError as exc:
            click.echo(f"Cannot write the link report into {folder}: {exc}" if lang == "en"
                       else f"无法把链接检查结果写入 {folder}：{exc}。请检查写权限，或加 --no-write。", err=True)
            sys.exit(2)
        names = ", ".join(str(p) for p in paths)
        click.echo(f"\nWritten: {names}" if lang == "en" else f"\n已写出：{names}")
    sys.exit(report.exit_code)
