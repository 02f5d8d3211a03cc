"""`zwgk serve`: a small web server where staff upload a workbook and get `zwgk check`'s findings."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from zwgk.commands.common import lang_option
from zwgk.compiler.reader.limits import Limits
from zwgk.serve.config import MB, ServeConfig


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听地址。默认只有本机能访问；让局域网内的同事使用时指定本机 IP 或 0.0.0.0")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="端口（0 = 任选空闲端口）")
@click.option("--max-upload-mb", type=click.FloatRange(min=0.001), default=20, show_default=True,
              help="上传文件大小上限 (MB)")
@click.option("--result-ttl", type=click.IntRange(min=1), default=3600, show_default=True,
              help="检查结果（页面链接与下载文件）保留的秒数，到期自动删除")
@click.option("--build", type=click.Path(path_type=Path, file_okay=False),
              help="最近一次 zwgk compile 的输出目录：结果页据其中的 catalogue.json 显示该单位的覆盖情况")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False),
              help="存放上传与结果的目录（默认：临时目录，停止时删除）")
@click.option("--rate-limit", type=click.IntRange(min=1), default=10, show_default=True,
              help="每个客户端每分钟可上传的文件数（令牌桶，可瞬时连续上传同样多个）")
@click.option("--workers", type=click.IntRange(min=1, max=64), default=2, show_default=True,
              help="同时检查的文件数")
@click.option("--max-seconds", type=click.FloatRange(min=1), default=60, show_default=True,
              help="检查一个文件的时间上限（秒）")
@click.option("--government-host", "government_hosts", multiple=True, help="额外视为政府网站的主机名")
@lang_option
def command(host: str, port: int, max_upload_mb: float, result_ttl: int, build: Path | None,
            data_dir: Path | None, rate_limit: int, workers: int, max_seconds: float,
            government_hosts: tuple[str, ...], lang: str) -> None:
    """在浏览器中检查标准目录工作簿：上传 → 按规则分组的问题 → 下载标注副本和 JSON 报告。

    例：zwgk serve --build build  然后在浏览器中打开 http://127.0.0.1:8000/
    """
    from zwgk.serve.app import bind, run

    if build is not None and not (build / "catalogue.json").is_file():
        hint = (f"Note: {build / 'catalogue.json'} does not exist yet; coverage appears once zwgk compile has run."
                if lang == "en" else f"注意：{build / 'catalogue.json'} 尚不存在；运行 zwgk compile 后结果页才会显示覆盖情况。")
        click.echo(hint, err=True)
    if data_dir is not None:
        try:
            data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise click.UsageError(f"无法创建 --data-dir {data_dir}：{exc.strerror or exc}") from exc
    config = ServeConfig(
        host=host, port=port, max_upload_bytes=int(max_upload_mb * MB), result_ttl=float(result_ttl),
        build=build, data_dir=data_dir, lang=lang, limits=Limits(max_seconds=max_seconds),
        check_timeout=max_seconds * 1.5, workers=workers, max_running=workers * 3,
        upload_burst=rate_limit, upload_per_minute=float(rate_limit), government_hosts=government_hosts,
    )
    try:
        sock = bind(host, port)
    except OSError as exc:
        text = (f"zwgk serve: cannot listen on {host}:{port} ({exc.strerror or exc}). Is another server using the "
                "port? Choose another with --port." if lang == "en" else
                f"zwgk serve：无法监听 {host}:{port}（{exc.strerror or exc}）。该端口可能已被占用，请用 --port 换一个端口。")
        click.echo(text, err=True)
        sys.exit(2)
    run(config, sock=sock)
