"""`zwgk template --unit 区教育局 -o 区教育局.xlsx`: the form a unit fills in."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from zwgk.commands.common import lang_option
from zwgk.compiler.emit.safe import safe_filename
from zwgk.compiler.emit.workbook import LayoutName
from zwgk.compiler.template import TemplateError, TemplatePlan, default_domains, write_template


def _say(lang: str, zh: str, en: str) -> None:
    click.echo(en if lang == "en" else zh, err=True)


def _summary(plan: TemplatePlan, path: Path, lang: str) -> str:
    if lang == "en":
        return (f"Wrote {path}: template for {plan.unit}, {len(plan.sheets)} domain sheet(s), "
                f"{plan.prefilled} guideline item(s) pre-filled ({plan.layout} layout).")
    sheets = "、".join(f"{s.sheet}（{len(s.codes)}）" for s in plan.sheets)
    listed = f"（{sheets}）" if len(plan.sheets) <= 5 else ""
    return f"已写出 {path}：{plan.unit}模板，{len(plan.sheets)} 个领域工作表{listed}，预填指引事项 {plan.prefilled} 项。"


@click.command("template")
@click.option("--unit", help="填报单位（名录中的名称），如 区教育局、罗店镇")
@click.option("--domain", "domains", multiple=True,
              help="只生成这些领域的工作表（可多次使用；不在该单位职责中的领域会被加入）")
@click.option("--layout", type=click.Choice(["national", "shanghai"]), default="national", show_default=True,
              help="版式：national 国家标准指引（打 √），shanghai 上海全领域（填写文字）")
@click.option("--all", "all_units", is_flag=True, help="为名录中每个有负责领域的单位各生成一份模板（-o 为目录）")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="输出文件（默认：单位名称.xlsx）；与 --all 一起使用时为目录")
@lang_option
def command(unit: str | None, domains: tuple[str, ...], layout: str, all_units: bool, output: Path | None,
            lang: str) -> None:
    """生成单位填报用的政务公开事项标准目录模板（预填国家标准指引事项）。

    退出码：0 已生成，2 单位或领域未知、用法错误或无法写出文件。
    """
    if all_units == bool(unit):
        raise click.UsageError("请指定 --unit 单位名称，或使用 --all（二者只能选一）。" if lang != "en"
                               else "Give --unit NAME or --all (not both).")
    shape: LayoutName = "shanghai" if layout == "shanghai" else "national"
    try:
        if all_units:
            _all(output or Path("模板"), domains, shape, lang)
        else:
            assert unit is not None
            default = Path(safe_filename(f"{unit}.xlsx", fallback="template.xlsx"))
            target = output / default if output is not None and output.is_dir() else output or default
            if target.suffix.lower() != ".xlsx":
                raise click.UsageError("模板只能写成 .xlsx 文件。" if lang != "en" else "The template is written as .xlsx.")
            plan = write_template(target, unit, list(domains) or None, shape)
            _say(lang, _summary(plan, target, "zh"), _summary(plan, target, "en"))
    except TemplateError as exc:
        click.echo(f"zwgk template：{exc.message(lang)}" if lang != "en" else f"zwgk template: {exc.message(lang)}",
                   err=True)
        sys.exit(2)
    except OSError as exc:
        _say(lang, f"zwgk template：无法写出文件（{exc.strerror or exc}）。",
             f"zwgk template: cannot write the file ({exc.strerror or exc}).")
        sys.exit(2)
    sys.exit(0)


def _all(folder: Path, domains: tuple[str, ...], layout: LayoutName, lang: str) -> None:
    from zwgk.catalogs import load_reference

    ref = load_reference()
    if folder.exists() and not folder.is_dir():
        raise click.UsageError(f"--all 需要一个目录，但 {folder} 是文件。" if lang != "en"
                               else f"--all needs a folder; {folder} is a file.")
    written = skipped = 0
    for u in ref.units:
        if not domains and not default_domains(u, ref):
            skipped += 1
            continue
        target = folder / safe_filename(f"{u.name}.xlsx", fallback="template.xlsx")
        plan = write_template(target, u.name, list(domains) or None, layout)
        _say(lang, _summary(plan, target, "zh"), _summary(plan, target, "en"))
        written += 1
    _say(lang, f"共写出 {written} 份模板；{skipped} 个单位没有负责的试点领域，未生成（可用 --unit 单位 --domain 领域 单独生成）。",
         f"Wrote {written} template(s); {skipped} unit(s) answer for no pilot domain and were skipped.")
