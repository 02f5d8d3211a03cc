"""`zwgk template` as a library: the workbook a unit fills in, so that what comes back compiles exactly.

One sheet per domain the unit answers for (notice item 30, ``Reference.responsibilities``; a 街镇 or 园区
gets every domain whose guideline has 乡级 items), pre-filled with the national guideline items of that
domain — each carrying its guideline code in a narrow, locked column — plus a 填表说明 sheet.  Every
sentence comes from catalogs/template_text.json, every label from the vocabulary; the sheets themselves
are written by :func:`zwgk.compiler.emit.workbook.write_catalogue_sheet`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from zwgk.catalogs import load_reference
from zwgk.catalogs.template_text import TemplateText, load_template_text
from zwgk.catalogs.vocabulary import load_vocabulary
from zwgk.compiler.emit.safe import neutralise
from zwgk.compiler.emit.workbook import LayoutName, SheetLayoutInfo, save_workbook, write_catalogue_sheet
from zwgk.compiler.errors import BilingualError
from zwgk.validators.models import AUDIENCES, MODES
from zwgk.validators.reference import Domain, GuidelineItem, Reference, Unit
from zwgk.validators.rules.basis import unbalanced
from zwgk.validators.vocabulary import Vocabulary

LEVEL_VALUES: tuple[str, ...] = ("区级", "街镇级")
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_UNLOCKED = Protection(locked=False)
_WRAP = Alignment(wrap_text=True, vertical="top")
_CLOSE_ENOUGH = 50.0


class TemplateError(BilingualError, ValueError):
    """A unit or domain zwgk does not know, or a unit with nothing to fill in (exit code 2)."""


@dataclass(frozen=True)
class TemplateSheet:
    domain: str
    sheet: str
    codes: tuple[str, ...]  # guideline codes of the pre-filled rows, top to bottom
    layout: SheetLayoutInfo
    blank_rows: int
    incomplete: tuple[str, ...]  # cells left empty because the guideline text is incomplete


@dataclass(frozen=True)
class TemplatePlan:
    unit: str
    layout: LayoutName
    township: bool
    sheets: tuple[TemplateSheet, ...]
    deadline: dt.date

    @property
    def prefilled(self) -> int:
        return sum(len(s.codes) for s in self.sheets)


# -- what goes in ----------------------------------------------------------------------------------------


def resolve_unit(name: str, reference: Reference) -> Unit:
    unit = reference.unit(name)
    if unit is not None:
        return unit
    close = reference.closest_unit(name)
    hint_zh = f"是否应为「{close[0]}」？" if close and close[1] >= _CLOSE_ENOUGH else ""
    hint_en = f" Did you mean '{close[0]}'?" if close and close[1] >= _CLOSE_ENOUGH else ""
    raise TemplateError(f"单位「{name}」不在宝山区单位名录中。{hint_zh}请使用名录中的单位名称，如「区教育局」「罗店镇」。",
                        f"Unit '{name}' is not in the district's roster.{hint_en}")


def resolve_domain(name: str, reference: Reference) -> Domain:
    domain = reference.domain(name)
    if domain is not None:
        return domain
    close = reference.closest_domain(name)
    hint_zh = f"是否应为「{close[0]}」？" if close and close[1] >= _CLOSE_ENOUGH else ""
    hint_en = f" Did you mean '{close[0]}'?" if close and close[1] >= _CLOSE_ENOUGH else ""
    raise TemplateError(f"领域「{name}」不在参考领域目录中。{hint_zh}请使用 26 个试点领域或全领域目录中的规范名称。",
                        f"Domain '{name}' is not in the reference list.{hint_en}")


def is_township(unit: Unit) -> bool:
    return unit.level == "街镇级"


def default_domains(unit: Unit, reference: Reference) -> tuple[Domain, ...]:
    """The domains a unit answers for: notice item 30 for district units, 乡级 domains for 街镇 and 园区."""
    if is_township(unit):
        return tuple(d for d in reference.pilot_domains if d.township)
    mine = {r.domain for r in reference.responsibilities if unit.name in r.units}
    return tuple(d for d in reference.domains if d.name in mine)


def unit_full_name(unit: Unit) -> str:
    """The unit's official long form for titles: the longest 上海… alias, else the longest alias."""
    shanghai = [a for a in unit.aliases if a.startswith("上海")]
    pool = shanghai or list(unit.aliases)
    return max(pool, key=len) if pool else unit.name


def template_items(domain: Domain, unit: Unit, reference: Reference) -> tuple[GuidelineItem, ...]:
    items = reference.guideline_items_for(domain.name)
    return tuple(i for i in items if i.township) if is_township(unit) else items


def _clean(value: str | None, text: TemplateText) -> str | None:
    if not value:
        return None
    for marker in text.template.stripped_markers:
        value = value.replace(marker, "")
    return value.strip() or None


_GUIDELINE_TEXT = ("level2", "level3", "content", "basis", "time_limit")


def _rows(domain: Domain, unit: Unit, reference: Reference, vocab: Vocabulary, text: TemplateText,
          layout: LayoutName) -> tuple[list[dict[str, object]], list[GuidelineItem], dict[int, str]]:
    """Rows for one domain sheet, the items behind them, and row index → incomplete basis text.

    Every row is written out in full: a null 一级事项 (a merged cell in the source table) and a 同上 take
    the value of the guideline row above, so a unit never has to know what the row above said.
    """
    chosen = {i.code for i in template_items(domain, unit, reference)}
    rows: list[dict[str, object]] = []
    items: list[GuidelineItem] = []
    incomplete: dict[int, str] = {}
    level1: str | None = None
    above: dict[str, str | None] = {}
    for item in reference.guideline_items_for(domain.name):
        level1 = _clean(item.level1, text) or level1
        values: dict[str, str | None] = {}
        for fld in _GUIDELINE_TEXT:
            value = _clean(getattr(item, fld), text)
            values[fld] = above.get(fld) if value and vocab.is_ditto(value) else value
        above = values
        if item.code not in chosen:
            continue
        basis = values["basis"]
        if basis and unbalanced(basis):
            incomplete[len(rows)] = basis
            basis = None
        row: dict[str, object] = {
            "level1": level1,
            **values,
            "basis": basis,
            "guideline_code": item.code,
        }
        if layout == "shanghai":
            row["category"] = domain.name
        rows.append(row)
        items.append(item)
    return rows, items, incomplete


def _deadline(reference: Reference, text: TemplateText) -> tuple[dt.date, str, str]:
    for m in reference.milestones:
        if m.id == text.deadline_milestone:
            return m.day, m.label, "、".join(str(n) for n in m.notice_items)
    raise TemplateError(f"里程碑目录中没有「{text.deadline_milestone}」。",
                        f"No milestone '{text.deadline_milestone}' in milestones.json.")


# -- building --------------------------------------------------------------------------------------------


def build_template(
    unit: str,
    domains: Sequence[str] | None = None,
    layout: LayoutName = "national",
    reference: Reference | None = None,
    vocabulary: Vocabulary | None = None,
) -> Workbook:
    """The template workbook for ``unit``.  ``domains`` replaces the unit's default domains (narrowing or
    adding); raises :class:`TemplateError` for an unknown unit or domain, or a unit with no domain."""
    return plan_template(unit, domains, layout, reference, vocabulary)[0]


def plan_template(
    unit: str,
    domains: Sequence[str] | None = None,
    layout: LayoutName = "national",
    reference: Reference | None = None,
    vocabulary: Vocabulary | None = None,
) -> tuple[Workbook, TemplatePlan]:
    ref = reference or load_reference()
    vocab = vocabulary or load_vocabulary()
    text = load_template_text()
    if layout not in ("national", "shanghai"):
        raise TemplateError(f"未知的版式「{layout}」（可选 national、shanghai）。", f"Unknown layout '{layout}'.")
    the_unit = resolve_unit(unit, ref)
    chosen = _unique(resolve_domain(d, ref) for d in domains) if domains else default_domains(the_unit, ref)
    if not chosen:
        raise TemplateError(
            f"{the_unit.name}在职责分工（notice 第30项，catalogs/responsibilities.json）中没有负责的试点领域。"
            "请用 --domain 指定要编制的领域，如 --domain 综合政务。",
            f"{the_unit.name} answers for no pilot domain in catalogs/responsibilities.json; name one with --domain.",
        )
    deadline, deadline_label, deadline_items = _deadline(ref, text)
    wb = Workbook()
    instructions = wb.active
    assert instructions is not None
    instructions.title = text.instructions.sheet_name
    words = _word_lists(text)
    fill = {
        "unit": the_unit.name,
        "unit_full": unit_full_name(the_unit),
        "mark": vocab.marks.yes[0],
        "selected": vocab.marks.channel_selected[0],
        "unselected": vocab.marks.channel_unselected[0],
        "separator": text.sheet.list_separator,
        "link_text": text.sheet.link_text,
        "audience_words": words["audience"],
        "mode_words": words["mode"],
        "level_words": words["levels"],
        "channels": "、".join(vocab.channels.standard),
        "deadline": f"{deadline.year}年{deadline.month}月{deadline.day}日",
        "deadline_label": deadline_label,
        "deadline_items": deadline_items,
        "contact_unit": text.contact.unit,
        "contact_office": text.contact.office,
        "contact_address": text.contact.address,
        "contact_email": text.contact.email,
    }
    sheets: list[TemplateSheet] = []
    for domain in chosen:
        ws = wb.create_sheet(_sheet_title(domain.name))
        sheets.append(_domain_sheet(ws, domain, the_unit, ref, vocab, text, layout, fill))
    plan = TemplatePlan(unit=the_unit.name, layout=layout, township=is_township(the_unit), sheets=tuple(sheets),
                        deadline=deadline)
    _instructions_sheet(instructions, plan, text, fill)
    wb.active = 0
    return wb, plan


def _unique(domains: Iterable[Domain]) -> tuple[Domain, ...]:
    seen: dict[str, Domain] = {}
    for d in domains:
        seen.setdefault(d.name, d)
    return tuple(seen.values())


def _sheet_title(name: str) -> str:
    # Excel: at most 31 characters and none of []:*?/\ in a sheet name.
    return "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31]


def _word_lists(text: TemplateText) -> dict[str, str]:
    sep = "、"
    return {
        "audience": sep.join(text.sheet.words["audience"][v] for v in AUDIENCES),
        "mode": sep.join(text.sheet.words["mode"][v] for v in MODES),
        "levels": sep.join(text.sheet.words["levels"][v] for v in LEVEL_VALUES),
    }


def _fmt(template: str, fill: Mapping[str, object]) -> str:
    return template.format_map(dict(fill))


def _domain_sheet(ws: Worksheet, domain: Domain, unit: Unit, ref: Reference, vocab: Vocabulary,
                  text: TemplateText, layout: LayoutName, fill: Mapping[str, object]) -> TemplateSheet:
    t = text.template
    rows, items, incomplete = _rows(domain, unit, ref, vocab, text, layout)
    title = _fmt(t.title if domain.pilot else t.title_other, {**fill, "domain": domain.name})
    info = write_catalogue_sheet(
        ws, rows, layout=layout, vocabulary=vocab, title=title, unit_line=_fmt(t.unit_line, fill),
        date_line=t.date_line, code_column=True, level_values=LEVEL_VALUES,
        level3=any(r.get("level3") for r in rows),
    )
    last = info.last_data_row + t.blank_rows
    code_col = info.column("guideline_code").index
    for r in range(info.first_data_row, last + 1):
        for col in info.columns:
            cell = ws.cell(r, col.index)
            if r > info.last_data_row:
                cell.border = _BORDER
                cell.alignment = _WRAP
            if col.index != code_col:
                cell.protection = _UNLOCKED
    notes: list[str] = []
    for index, basis in incomplete.items():
        cell = ws.cell(info.first_data_row + index, info.column("basis").index)
        cell.comment = Comment(_fmt(t.incomplete_comment, {"text": basis}), "zwgk", width=320, height=110)
        notes.append(cell.coordinate)
    if info.unit_row is not None:
        for col in range(1, info.width + 1):
            cell = ws.cell(info.unit_row, col)
            if cell.value == t.date_line:
                cell.protection = _UNLOCKED  # the unit writes its date after 填报时间：
    _validations(ws, info, last, vocab, text, fill)
    _protect(ws)
    return TemplateSheet(domain=domain.name, sheet=ws.title, codes=tuple(i.code for i in items), layout=info,
                         blank_rows=t.blank_rows, incomplete=tuple(notes))


def _validations(ws: Worksheet, info: SheetLayoutInfo, last: int, vocab: Vocabulary, text: TemplateText,
                 fill: Mapping[str, object]) -> None:
    t = text.template
    first = info.first_data_row
    top, sub = info.header_rows[0], info.header_rows[-1]
    hints = dict(t.hints)
    if info.layout == "shanghai":
        hints.update(t.hints_shanghai)
    # Input hints: a validation of any value whose input message shows when the header cell is selected.
    for col in info.columns:
        hint = hints.get(col.field)
        if not hint:
            continue
        dv = DataValidation(showInputMessage=True, promptTitle=col.label[:32], prompt=_fmt(hint, fill)[:255])
        dv.add(f"{col.letter}{top}:{col.letter}{sub}")
        ws.add_data_validation(dv)
    if first > last:
        return
    mark = vocab.marks.yes[0]
    ticks = [c for c in info.columns if c.kind == "tick"]
    if ticks:
        dv = DataValidation(type="list", formula1=f'"{mark}"', allow_blank=True, showErrorMessage=True,
                            errorStyle="stop", errorTitle=t.error_title, error=_fmt(t.tick_error, fill))
        for c in ticks:
            dv.add(f"{c.letter}{first}:{c.letter}{last}")
        ws.add_data_validation(dv)
    for c in (c for c in info.columns if c.kind == "words"):
        values = {"audience": AUDIENCES, "mode": MODES, "levels": LEVEL_VALUES}[c.field]
        words = ",".join(text.sheet.words[c.field][v] for v in values)
        # "warning", not "stop": several words in one cell (区级、街镇级) must stay possible.
        dv = DataValidation(type="list", formula1=f'"{words}"', allow_blank=True, showErrorMessage=True,
                            errorStyle="warning", errorTitle=t.error_title, error=_fmt(t.word_error, fill))
        dv.add(f"{c.letter}{first}:{c.letter}{last}")
        ws.add_data_validation(dv)


def _protect(ws: Worksheet) -> None:
    """Lock only what is locked (the header and the code column); everything else stays editable."""
    p = ws.protection
    p.sheet = True
    p.formatCells = False
    p.formatColumns = False
    p.formatRows = False
    p.insertRows = False
    p.deleteRows = False
    p.insertHyperlinks = False
    p.sort = False
    p.autoFilter = False


def _instructions_sheet(ws: Worksheet, plan: TemplatePlan, text: TemplateText, fill: Mapping[str, object]) -> None:
    ins = text.instructions
    values = {
        **fill,
        "sheet_count": len(plan.sheets),
        "sheet_list": "、".join(s.sheet for s in plan.sheets),
    }
    wanted = {plan.layout, "township" if plan.township else "district"}
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 96
    ws.cell(1, 1, neutralise(_fmt(ins.title, values))).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=2)
    ws.row_dimensions[1].height = 28
    row = 3
    for section in ins.sections:
        ws.cell(row, 1, neutralise(section.heading)).font = Font(bold=True)
        lines = [line for line in section.lines if line.when is None or line.when in wanted]
        for n, line in enumerate(lines, start=1):
            cell = ws.cell(row, 2, neutralise(f"{n}. {_fmt(line.text, values)}"))
            cell.alignment = _WRAP
            row += 1
        row += 1
    head_sheet, head_count = ins.sheet_table_header
    ws.cell(row, 1, head_sheet).font = Font(bold=True)
    ws.cell(row, 2, head_count).font = Font(bold=True)
    for c in (1, 2):
        ws.cell(row, c).border = _BORDER
    for s in plan.sheets:
        row += 1
        ws.cell(row, 1, neutralise(s.sheet)).border = _BORDER
        count = ws.cell(row, 2, len(s.codes))
        count.border = _BORDER
        count.alignment = Alignment(horizontal="left")
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"


def write_template(
    target: str | Path,
    unit: str,
    domains: Sequence[str] | None = None,
    layout: LayoutName = "national",
    reference: Reference | None = None,
    vocabulary: Vocabulary | None = None,
) -> TemplatePlan:
    """Build the template and write it to ``target`` atomically (byte-identical for the same inputs)."""
    wb, plan = plan_template(unit, domains, layout, reference, vocabulary)
    save_workbook(wb, target, plan.deadline)
    return plan


__all__ = [
    "TemplateError",
    "TemplatePlan",
    "TemplateSheet",
    "build_template",
    "default_domains",
    "plan_template",
    "write_template",
]
