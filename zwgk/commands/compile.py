"""`zwgk compile SUBMISSIONS [-o BUILD]`: every unit's submission → the district's catalogue."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from zwgk.commands.common import lang_option, limit_options, limits_from
from zwgk.compiler.compile import OUTPUTS, CompileError, CompileResult, Progress, compile_district
from zwgk.compiler.manifest import ManifestError
from zwgk.validators.registry import get as get_rule

_SEVERITY = {"error": ("错误", "error"), "warning": ("警告", "warning"), "info": ("提示", "info")}
_COVERAGE = {
    "art20": ("条例第二十条（区级单位）", "Art. 20 (district units)"),
    "art21-district": ("第二十一条区级清单", "Art. 21 district list"),
    "art21-township": ("第二十一条乡镇清单（各街镇）", "Art. 21 township list (per 街镇)"),
    "guideline": ("国家标准指引事项（责任单位）", "national guideline items (responsible units)"),
}
_AS_OF_SOURCE = {"option": ("--as-of", "--as-of"), "manifest": ("zwgk.toml", "zwgk.toml"),
                 "files": ("提交文件的最新修改日期", "latest modification date of the files")}


def _pct(done: int, total: int, lang: str = "zh") -> str:
    share = f"{done * 100 // total}%" if total else "—"
    return f"{done}/{total} ({share})" if lang == "en" else f"{done}/{total}（{share}）"


def summary_lines(r: CompileResult, lang: str = "zh", top: int = 6) -> Iterator[str]:
    """The short summary a district office reads after a compile."""
    en = lang == "en"
    src = _AS_OF_SOURCE[r.as_of_source][1 if en else 0]
    if en:
        yield f"Compiled {r.district}, as of {r.as_of} (from {src}), version {r.version}"
        if r.up_to_date:
            yield f"  inputs unchanged since the last compile: {r.out}/ is up to date, nothing rewritten (--force rebuilds)"
        yield (f"  files: {r.files} ({r.read} read, {r.cached} from cache), {r.skipped} skipped, "
               f"{r.unreadable} unreadable")
        yield (f"  units: {r.submitted_units} of {r.roster_units} roster units submitted"
               + (f" (+{r.extra_units} outside the roster)" if r.extra_units else ""))
        yield f"  items: {r.items}"
    else:
        yield f"汇编完成：{r.district}，截至 {r.as_of}（取自 {src}），版本 {r.version}"
        if r.up_to_date:
            yield f"  输入与上次汇编相同：{r.out}/ 已是最新，未重写（需要重新生成请加 --force）"
        yield f"  文件：{r.files} 个（新读 {r.read}，缓存 {r.cached}），跳过 {r.skipped} 个，无法读取 {r.unreadable} 个"
        yield (f"  单位：名录 {r.roster_units} 个单位中已提交 {r.submitted_units} 个"
               + (f"（另有名录外单位 {r.extra_units} 个）" if r.extra_units else ""))
        yield f"  事项：{r.items} 个"
    yield "  coverage:" if en else "  覆盖率："
    for key, (zh, en_label) in _COVERAGE.items():
        done, total = r.coverage[key]
        yield f"    {en_label}: {_pct(done, total, lang)}" if en else f"    {zh}：{_pct(done, total)}"
    if r.uncovered_clauses:
        yield ("    not covered: " if en else "    未覆盖：") + "、".join(r.uncovered_clauses)
    yield (f"  findings: {r.errors} errors, {r.warnings} warnings, {r.infos} info" if en
           else f"  问题：错误 {r.errors} 个，警告 {r.warnings} 个，提示 {r.infos} 个")
    hidden = 0
    for severity in ("error", "warning"):
        ranked = sorted(((code, n) for code, (sev, n) in r.by_code.items() if sev == severity), key=lambda kv: (-kv[1], kv[0]))
        label = _SEVERITY[severity][1 if en else 0]
        for code, n in ranked[:top]:
            yield f"    {label:<4} {n:>5}  {get_rule(code).title(lang)}  [{code}]"
        hidden += max(0, len(ranked) - top)
    hidden += sum(1 for sev, _ in r.by_code.values() if sev == "info")
    if hidden:
        yield f"    … {hidden} more kinds (and every finding) in issues.json" if en else f"    …… 另有 {hidden} 类（及全部问题明细）见 issues.json"
    yield from chase_lines(r, lang)
    written = [name for name in OUTPUTS if (r.out / name).is_file()]
    yield (f"  written to {r.out}/: " if en else f"  已写出 {r.out}/：") + " ".join(written)


_SKIP_KINDS = {
    "file-skipped-archive": ("压缩包（未解压）", "archive (not unpacked)"),
    "file-skipped": ("非目录文件", "not a spreadsheet"),
    "file-skipped-temp": ("临时/锁定文件", "temp/lock file"),
    "file-skipped-system": ("系统文件", "system file"),
    "file-skipped-link": ("链接", "link"),
}
_LISTED = 5


def _names(values: list[str], lang: str, limit: int = _LISTED) -> str:
    sep = ", " if lang == "en" else "、"
    more = len(values) - limit
    tail = (f" … (+{more})" if lang == "en" else f" 等 {len(values)} 个") if more > 0 else ""
    return sep.join(values[:limit]) + tail


def chase_lines(r: CompileResult, lang: str = "zh") -> Iterator[str]:
    """What the office must follow up, file by file and unit by unit (every file is accounted for)."""
    en = lang == "en"
    if r.unreadable_files:
        shown = [f"{f} ({r.unreadable_units[f]})" if en else f"{f}（{r.unreadable_units[f]}）"
                 if r.unreadable_units.get(f) else f for f in r.unreadable_files]
        yield ("  unreadable (ask for a new copy): " if en else "  无法读取（请单位重交）：") + _names(shown, lang)
    if r.multi_file_units:
        shown = [f"{u} ({len(fs)}: {', '.join(fs)})" if en else f"{u}（{len(fs)} 个：{'、'.join(fs)}）"
                 for u, fs in r.multi_file_units.items()]
        yield ("  units with several files (all compiled; see unit-file-versions): " if en
               else "  一个单位交了多个文件（均已汇编，版本重复见 unit-file-versions）：") + _names(shown, lang)
    if r.extra_unit_files:
        shown = [f"{u} ({', '.join(fs)})" if en else f"{u}（{'、'.join(fs)}）" for u, fs in r.extra_unit_files.items()]
        yield (("  outside the roster (name the unit in zwgk.toml [[files]] if it is a roster unit): " if en
                else "  名录外单位（如属名录单位，请在 zwgk.toml 的 [[files]] 中写明 unit）：") + _names(shown, lang))
    if r.skipped_files:
        by_kind: dict[str, list[str]] = {}
        for path, code in r.skipped_files.items():
            by_kind.setdefault(code, []).append(path)
        parts = [f"{_SKIP_KINDS.get(code, (code, code))[1 if en else 0]} {len(paths)}"
                 + (f" ({_names(paths, lang, 3)})" if en else f"（{_names(paths, lang, 3)}）")
                 for code in _SKIP_KINDS for paths in [by_kind.get(code, [])] if paths]
        yield ("  skipped: " if en else "  已跳过：") + ("; " if en else "；").join(parts)
    if r.not_submitted:
        if len(r.not_submitted) <= 12:
            yield ("  not submitted: " if en else "  未提交：") + "、".join(r.not_submitted)
        else:
            yield (f"  not submitted: {len(r.not_submitted)} units ({_names(r.not_submitted, lang, 8)}; "
                   f"all in zwgk status)" if en else
                   f"  未提交：{len(r.not_submitted)} 个单位（{_names(r.not_submitted, lang, 8)}；完整名单见 zwgk status）")


@contextmanager
def _progress_bar(lang: str) -> Iterator[Progress | None]:
    """A rich bar on a terminal ("unit k of N"); nothing when stderr is not a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Bar

    # auto_refresh=False: no refresh thread, so worker processes can be forked safely.
    bar = Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
              console=Console(stderr=True), transient=True, auto_refresh=False)
    task = bar.add_task("读取" if lang != "en" else "reading", total=None)

    def update(done: int, total: int, label: str) -> None:
        bar.update(task, completed=done, total=total, description=label[:40])
        bar.refresh()

    with bar:
        yield update


@click.command("compile")
@click.argument("submissions", type=click.Path(path_type=Path))
@click.option("-o", "--output", "out", type=click.Path(path_type=Path), default=Path("build"), show_default=True,
              help="输出文件夹（整体替换；原有的其他文件会保留）")
@click.option("--manifest", type=click.Path(path_type=Path), help="汇编清单（默认：提交目录中的 zwgk.toml）")
@click.option("--as-of", "as_of", help="目录截至日期 YYYY-MM-DD（默认取清单，再取文件修改日期）")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="并行进程数：读取文件与写出输出（默认：全部 CPU 核；1 = 全程单进程）")
@click.option("--government-host", "government_hosts", multiple=True, help="额外视为政府网站的主机名")
@click.option("--force", is_flag=True, help="输入未变也重新生成全部输出")
@click.option("--no-xlsx", "no_xlsx", is_flag=True, help="不生成 catalogue.xlsx（全市规模时约省一分钟）")
@lang_option
@limit_options
def command(submissions: Path, out: Path, manifest: Path | None, as_of: str | None, jobs: int | None,
            government_hosts: tuple[str, ...], force: bool, no_xlsx: bool, lang: str, **kwargs: Any) -> None:
    """汇编全区标准目录：读取提交目录中各单位的目录文件，输出 catalogue.json / .xlsx / .sqlite、关系图和问题清单。

    退出码：0 无错误，1 有错误（含无法读取的文件、覆盖缺口），2 提交目录或清单无法使用。
    """
    limits = limits_from(kwargs)
    try:
        with _progress_bar(lang) as progress:
            result = compile_district(submissions, out, manifest=manifest, as_of=as_of, jobs=jobs, lang=lang,
                                      progress=progress, limits=limits, government_hosts=government_hosts,
                                      force=force, xlsx=not no_xlsx)
    except (CompileError, ManifestError) as exc:
        click.echo(exc.message(lang), err=True)
        sys.exit(2)
    except OSError as exc:
        where = exc.filename or out
        click.echo(f"Cannot write {where}: {exc.strerror or exc}" if lang == "en"
                   else f"无法写出 {where}：{exc.strerror or exc}。请检查磁盘空间和文件夹权限。", err=True)
        sys.exit(2)
    for line in summary_lines(result, lang):
        click.echo(line)
    sys.exit(result.exit_code)
