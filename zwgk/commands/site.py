"""`zwgk site BUILD`: the website standardisation column (标准化工作专栏) from a compiled build."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from zwgk.commands.common import lang_option
from zwgk.compiler.site import SiteError, build_site


@click.command("site")
@click.argument("build", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="网站输出目录（默认：BUILD/site）；整个目录在生成完成后一次替换")
@lang_option
def command(build: Path, output: Path | None, lang: str) -> None:
    """生成政务公开标准化专栏网站：首页、各领域和各单位目录页、条例条款页、检索和下载。

    BUILD 是 zwgk compile 的输出目录（含 catalogue.json），也可直接给出 catalogue.json 文件。
    退出码：0 已生成，2 输入无法读取或输出目录不可用。
    """
    out = output if output is not None else (build / "site" if build.is_dir() else Path("site"))
    try:
        result = build_site(build, out, lang=lang)
    except SiteError as exc:
        click.echo(exc.message(lang), err=True)
        sys.exit(2)
    missing = len(result.missing_links)
    if lang == "en":
        click.echo(f"Site written to {result.out}: {result.pages} pages, {result.items} items in "
                   f"{result.domains} domains and {result.units} units (catalogue {result.version}, as of {result.as_of}).")
        if missing:
            click.echo(f"{missing} items have no usable link; the web team's list: {result.out / 'missing-links.html'}")
        click.echo(f"Open {result.out / 'index.html'} in a browser; verify files with: cd {result.out} && sha256sum -c SHA256SUMS")
    else:
        click.echo(f"已生成专栏网站：{result.out}（页面 {result.pages} 个；{result.domains} 个领域、{result.units} 个单位、"
                   f"事项 {result.items} 项；目录版本 {result.version}，数据截至 {result.as_of}）。")
        if missing:
            click.echo(f"其中 {missing} 项事项没有可用的信息链接，清单见 {result.out / 'missing-links.html'}（供网站维护人员补充）。")
        click.echo(f"用浏览器打开 {result.out / 'index.html'} 即可浏览；校验文件：cd {result.out} && sha256sum -c SHA256SUMS")
    sys.exit(0)
