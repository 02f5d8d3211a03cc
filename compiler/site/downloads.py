"""The catalogue as downloads (xlsx, csv, json), the web team's missing-links list, and SHA256SUMS.

Every csv/xlsx cell passes ``neutralise`` (a cell starting with = + - @ would run as a formula in Excel).
The CSV files start with a UTF-8 BOM so that Excel on Windows opens them as UTF-8.
"""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

from zwgk.compiler.emit.catalogue_xlsx import ID_COLUMN, NO_DOMAIN
from zwgk.compiler.emit.safe import neutralise
from zwgk.compiler.site.model import UNCLASSIFIED, ItemView, SiteModel, level_columns
from zwgk.validators.catalogue import Catalogue

BOM = "\ufeff"

CSV_HEADER = ("序号", "领域", "填报单位", "一级事项", "二级事项", "三级事项", "公开内容（要素）", "公开依据",
              "公开时限", "公开主体", "公开渠道和载体", "公开对象", "特定群众说明", "公开方式", "公开层级",
              "信息链接", "事项编号")
MISSING_HEADER = ("领域", "填报单位", "事项", "事项编号", "原因", "来源（文件 / 工作表 / 行）")


def _csv_text(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return BOM + buf.getvalue()


def _words(*pairs: tuple[bool, str]) -> str:
    return "、".join(word for flag, word in pairs if flag)


def catalogue_csv(model: SiteModel) -> str:
    rows = (
        (
            str(n), it.domain, it.unit, it.level1, it.level2, it.level3, it.content, it.basis, it.time_limit,
            it.subject, it.channels,
            _words((it.audience_all, "全社会"), (it.audience_specific, "特定群众")),
            it.audience_note,
            _words((it.mode_active, "主动"), (it.mode_request, "依申请")),
            "、".join(lv for lv, _ in level_columns([it]) if lv in it.levels),
            " ".join(link.text for link in it.links),
            it.id,
        )
        for n, it in enumerate(model.items, start=1)
    )
    return _csv_text(CSV_HEADER, rows)


def catalogue_rows(model: SiteModel) -> list[tuple[str, list[dict[str, object]]]]:
    """(domain, rows) per domain page, in the site's order; rows keyed by DisclosureItem field names."""
    by_id = {it.id: it for it in model.catalogue.items}
    sheets: list[tuple[str, list[dict[str, object]]]] = []
    for d in model.domains:
        if not d.items:
            continue
        rows = []
        for view in d.items:
            item = by_id[view.id]
            row = item.model_dump(mode="json", exclude={"id", "source", "guideline", "clauses", "subject_units"})
            row["extra"] = {**item.extra, ID_COLUMN: item.id}
            rows.append(row)
        sheets.append((NO_DOMAIN if d.key == UNCLASSIFIED else d.key, rows))
    return sheets


def write_catalogue_workbook(model: SiteModel, target: Path, build_xlsx: Path | None = None) -> None:
    """The district catalogue in the national layout, one sheet per domain, by the shared workbook writer.

    When the build folder already holds the ``catalogue.xlsx`` that ``zwgk compile`` wrote from the same
    catalogue with the same writer, it is published as is (writing it again would cost seconds for a
    30,000-item district and give the same bytes).
    """
    if build_xlsx is not None and build_xlsx.is_file():
        shutil.copyfile(build_xlsx, target)
        return
    from zwgk.catalogs.vocabulary import load_vocabulary
    from zwgk.compiler.emit.catalogue_xlsx import write_catalogue_xlsx

    cat = model.catalogue
    write_catalogue_xlsx(target, catalogue_rows(model), district=cat.district, as_of=cat.as_of,
                         vocabulary=load_vocabulary())


def catalogue_json(catalogue: Catalogue) -> str:
    """The catalogue in its published format, without the compile findings (internal quality control)."""
    public = catalogue.model_copy(update={"findings": []})
    return public.model_dump_json() + "\n"


def missing_rows(items: Iterable[ItemView], lang: str = "zh") -> list[tuple[str, ...]]:
    reasons = {"none": ("未填写链接", "no link given"), "unsafe": ("链接不是 http/https 地址", "not an http/https link")}
    idx = 1 if lang == "en" else 0
    return [
        (it.domain, it.unit, it.name, it.id, reasons[it.missing_reason][idx], it.source)
        for it in items
        if it.missing_reason
    ]


def missing_csv(model: SiteModel) -> str:
    return _csv_text(MISSING_HEADER, missing_rows(model.items))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sha256sums(root: Path, exclude: str = "SHA256SUMS") -> str:
    """``sha256sum``-compatible manifest of every file under ``root`` (sorted; check with ``sha256sum -c``)."""
    lines = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if rel != exclude:
            lines.append(f"{sha256_file(path)}  {rel}\n")
    return "".join(lines)
