"""Compare two compilations item by item: ``zwgk diff OLD NEW``.

Items are paired by their content-derived id first.  An edit to an item's names or content changes its
id, so what is left is paired again by unit + domain + 事项 names, then by unit + domain + content (each
only where the pairing is unambiguous); only then is an item "added" or "removed".  A pair is compared
field by field over what the unit submitted — not over what zwgk derived from it (matches, resolved
公开主体) nor where it sits in the file, so moving a row is not a change.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zwgk.compiler.errors import BilingualError
from zwgk.validators.models import FIELD_LABELS
from zwgk.validators.normalise import name_key

COMPARED_FIELDS: tuple[str, ...] = (
    "unit", "domain", "category", "seq", "level1", "level2", "level3", "content", "basis", "time_limit", "subject",
    "channels", "audience", "audience_note", "mode", "levels", "links", "guideline_code", "extra",
)


class DiffError(BilingualError):
    pass


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass
class ItemChange:
    old: dict[str, Any]
    new: dict[str, Any]
    changes: list[FieldChange]


@dataclass
class CatalogueDiff:
    old_meta: dict[str, Any]
    new_meta: dict[str, Any]
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[ItemChange] = field(default_factory=list)
    # The office's follow-up list between two compiles: who has submitted since, which files came or went
    # (an unreadable file replaced, a v1 taken out).  Informative: the exit code still speaks of items only.
    units_submitted: list[str] = field(default_factory=list)
    units_withdrawn: list[str] = field(default_factory=list)
    files_added: list[str] = field(default_factory=list)
    files_removed: list[str] = field(default_factory=list)

    @property
    def same(self) -> bool:
        return not (self.added or self.removed or self.changed)

    @property
    def exit_code(self) -> int:
        return 0 if self.same else 1

    def to_json(self) -> dict[str, Any]:
        return {
            "old": self.old_meta,
            "new": self.new_meta,
            "same": self.same,
            "added": [_brief(i) for i in self.added],
            "removed": [_brief(i) for i in self.removed],
            "changed": [
                {"old_id": c.old["id"], "new_id": c.new["id"], **_brief(c.new, with_id=False),
                 "changes": [{"field": f.field, "old": f.old, "new": f.new} for f in c.changes]}
                for c in self.changed
            ],
            "units_submitted": self.units_submitted,
            "units_withdrawn": self.units_withdrawn,
            "files_added": self.files_added,
            "files_removed": self.files_removed,
        }


def catalogue_path(path: Path) -> Path:
    """A build folder → its catalogue.json; a file is taken as it is."""
    return path / "catalogue.json" if path.is_dir() else path


def load(path: Path) -> dict[str, Any]:
    """A catalogue.json (or a build folder holding one) as plain data, with a clear error when it is not."""
    target = catalogue_path(path)
    try:
        data = json.loads(target.read_bytes())
    except FileNotFoundError:
        raise DiffError(f"找不到 {target}。请给出 zwgk compile 的输出文件夹或其中的 catalogue.json。",
                        f"{target} does not exist. Give a zwgk compile build folder or its catalogue.json.") from None
    except OSError as exc:
        raise DiffError(f"无法读取 {target}（{exc.strerror or exc}）。", f"Cannot read {target} ({exc.strerror or exc}).") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DiffError(f"{target} 不是有效的 JSON（{exc}）。", f"{target} is not valid JSON ({exc}).") from None
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) and isinstance(i.get("id"), str) for i in items):
        raise DiffError(f"{target} 不是 zwgk compile 生成的目录（缺少 items 或事项编号）。",
                        f"{target} is not a catalogue written by zwgk compile (no items with ids).")
    return data


def _meta(data: dict[str, Any], path: Path) -> dict[str, Any]:
    counts = Counter(f.get("severity") for f in data.get("findings", []) if isinstance(f, dict))
    return {"path": str(path), "district": data.get("district"), "as_of": data.get("as_of"),
            "version": data.get("version"), "items": len(data["items"]), "errors": counts["error"],
            "warnings": counts["warning"]}


def _norm(value: Any) -> Any:
    return value if value not in (None, "", [], {}) else None


def field_changes(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    return [FieldChange(f, old.get(f), new.get(f)) for f in COMPARED_FIELDS if _norm(old.get(f)) != _norm(new.get(f))]


def _names(item: dict[str, Any]) -> str:
    return "".join(name_key(item.get(f) or "") for f in ("level1", "level2", "level3"))


def _pair(old: list[dict[str, Any]], new: list[dict[str, Any]], key: Callable[[dict[str, Any]], Any],
          pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Pair items whose ``key`` is unique on both sides; return what is left of each side."""
    old_by: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    new_by: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for i in old:
        old_by[key(i)].append(i)
    for i in new:
        new_by[key(i)].append(i)
    matched: set[int] = set()
    for k, olds in old_by.items():
        news = new_by.get(k, [])
        if len(olds) == 1 and len(news) == 1 and k[-1]:
            pairs.append((olds[0], news[0]))
            matched.add(id(olds[0]))
            matched.add(id(news[0]))
    return [i for i in old if id(i) not in matched], [i for i in new if id(i) not in matched]


def diff_catalogues(old_path: Path, new_path: Path) -> CatalogueDiff:
    old_data, new_data = load(old_path), load(new_path)
    result = CatalogueDiff(old_meta=_meta(old_data, old_path), new_meta=_meta(new_data, new_path))
    old_items: list[dict[str, Any]] = old_data["items"]
    new_items: list[dict[str, Any]] = new_data["items"]
    new_by_id = {i["id"]: i for i in new_items}
    pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    left_old: list[dict[str, Any]] = []
    for i in old_items:
        twin = new_by_id.pop(i["id"], None)
        if twin is None:
            left_old.append(i)
        else:
            pairs.append((i, twin))
    left_new = [i for i in new_items if i["id"] in new_by_id]
    left_old, left_new = _pair(left_old, left_new, lambda i: (i.get("unit"), i.get("domain"), _names(i)), pairs)
    left_old, left_new = _pair(left_old, left_new,
                               lambda i: (i.get("unit"), i.get("domain"), name_key(i.get("content") or "")), pairs)
    order = {i["id"]: n for n, i in enumerate(new_items)}
    for a, b in sorted(pairs, key=lambda p: order[p[1]["id"]]):
        changes = field_changes(a, b)
        if changes:
            result.changed.append(ItemChange(old=a, new=b, changes=changes))
    result.added = left_new
    result.removed = left_old
    _submissions(result, old_data, new_data)
    return result


def _submissions(result: CatalogueDiff, old: dict[str, Any], new: dict[str, Any]) -> None:
    def units(data: dict[str, Any]) -> dict[str, list[str]]:
        return {u["name"]: list(u.get("files") or []) for u in data.get("units") or [] if isinstance(u, dict) and "name" in u}

    before, after = units(old), units(new)
    was = {n for n, fs in before.items() if fs}
    now = {n for n, fs in after.items() if fs}
    order = {n: k for k, n in enumerate([*after, *before])}
    result.units_submitted = sorted(now - was, key=order.__getitem__)
    result.units_withdrawn = sorted(was - now, key=order.__getitem__)
    old_files = {f for fs in before.values() for f in fs}
    new_files = {f for fs in after.values() for f in fs}
    result.files_added = sorted(new_files - old_files)
    result.files_removed = sorted(old_files - new_files)


# ---------------------------------------------------------------------------------------------------------
# Rendering.


def _brief(item: dict[str, Any], with_id: bool = True) -> dict[str, Any]:
    src = item.get("source") or {}
    out = {"unit": item.get("unit"), "domain": item.get("domain"), "name": item_name(item),
           "path": src.get("path"), "sheet": src.get("sheet"), "row": src.get("row")}
    return {"id": item["id"], **out} if with_id else out


def item_name(item: dict[str, Any]) -> str:
    return " / ".join(p for p in (item.get("level1"), item.get("level2"), item.get("level3")) if p) or (item.get("content") or "")[:30]


def _where(item: dict[str, Any], lang: str) -> str:
    src = item.get("source") or {}
    parts = [str(src.get("path") or "")]
    if lang == "en":
        if src.get("sheet"):
            parts.append(f"sheet '{src['sheet']}'")
        if src.get("row"):
            parts.append(f"row {src['row']}")
        return ", ".join(p for p in parts if p)
    where = (f"工作表「{src['sheet']}」" if src.get("sheet") else "") + (f"第 {src['row']} 行" if src.get("row") else "")
    return " ".join(p for p in (*parts, where) if p)


def _value(value: Any, lang: str) -> str:
    if value in (None, "", [], {}):
        return "(empty)" if lang == "en" else "（空）"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def _label(fld: str, lang: str) -> str:
    zh, en = FIELD_LABELS.get(fld, (fld, fld))
    return en if lang == "en" else zh


def render_text(d: CatalogueDiff, lang: str = "zh") -> Iterable[str]:
    en = lang == "en"

    def head(meta: dict[str, Any], tag: str) -> str:
        if en:
            return (f"{tag}: {meta['path']} ({meta['district']}, as of {meta['as_of']}, version {meta['version']}, "
                    f"{meta['items']} items, {meta['errors']} errors)")
        return (f"{tag}：{meta['path']}（{meta['district']}，截至 {meta['as_of']}，版本 {meta['version']}，"
                f"{meta['items']} 个事项，{meta['errors']} 个错误）")

    yield head(d.old_meta, "old" if en else "旧")
    yield head(d.new_meta, "new" if en else "新")
    sep = ", " if en else "、"
    for values, zh, en_label in ((d.units_submitted, "新提交的单位", "units that submitted since"),
                                 (d.units_withdrawn, "不再有文件的单位", "units no longer with a file"),
                                 (d.files_added, "新增文件", "files added"),
                                 (d.files_removed, "移除文件", "files removed")):
        if values:
            yield f"{en_label}: {sep.join(values)}" if en else f"{zh}：{sep.join(values)}"
    if d.same:
        yield "No item differs." if en else "两次汇编的事项完全相同。"
        return
    yield (f"{len(d.added)} added, {len(d.removed)} removed, {len(d.changed)} changed." if en
           else f"新增 {len(d.added)} 个事项，删除 {len(d.removed)} 个，修改 {len(d.changed)} 个。")
    def line(mark: str, i: dict[str, Any]) -> str:
        if en:
            return f"  {mark} {i.get('unit')} | {i.get('domain') or '-'} | {item_name(i)} ({_where(i, lang)})"
        return f"  {mark} {i.get('unit')}｜{i.get('domain') or '—'}｜{item_name(i)}（{_where(i, lang)}）"

    for title, items, mark in ((("Added:" if en else "新增："), d.added, "+"), (("Removed:" if en else "删除："), d.removed, "-")):
        if items:
            yield title
            for i in items:
                yield line(mark, i)
    if d.changed:
        yield "Changed:" if en else "修改："
        for c in d.changed:
            yield line("~", c.new)
            for f in c.changes:
                if en:
                    yield f"      {_label(f.field, lang)}: '{_value(f.old, lang)}' -> '{_value(f.new, lang)}'"
                else:
                    yield f"      {_label(f.field, lang)}：「{_value(f.old, lang)}」→「{_value(f.new, lang)}」"
