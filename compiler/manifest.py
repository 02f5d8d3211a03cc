"""The compile manifest ``zwgk.toml``: district, as-of date, file → unit mapping and 未涉及 declarations.

    district = "上海市宝山区"
    as_of = "2020-09-30"
    [[files]]            # a file whose unit (or domain) the file itself does not say
    path = "罗店镇.xlsx"
    unit = "罗店镇"
    [[not_involved]]     # 未涉及: a domain the unit does not handle
    unit = "罗店镇"
    domain = "扶贫"
    reason = "……"

Everything is optional.  A manifest that cannot be trusted stops the compile (exit 2) with a message that
names the key and the fix: a typo here would silently change the whole catalogue.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from zwgk.compiler.errors import BilingualError
from zwgk.validators.reference import Reference

MANIFEST_NAME = "zwgk.toml"
DEFAULT_DISTRICT = "上海市宝山区"

_TOP_KEYS = {"district", "as_of", "files", "not_involved"}
_FILE_KEYS = {"path", "unit", "domain"}
_NI_KEYS = {"unit", "domain", "reason"}


class ManifestError(BilingualError):
    """A manifest zwgk cannot use; carries the sentence in both languages."""


@dataclass(frozen=True)
class FileEntry:
    path: str  # relative to the submissions folder, POSIX separators
    unit: str | None = None
    domain: str | None = None


@dataclass(frozen=True)
class NotInvolvedEntry:
    unit: str
    domain: str
    reason: str


@dataclass(frozen=True)
class Manifest:
    path: str | None = None
    district: str | None = None
    as_of: str | None = None
    files: dict[str, FileEntry] = field(default_factory=dict)
    not_involved: tuple[NotInvolvedEntry, ...] = ()

    def entry_for(self, rel_path: str) -> FileEntry | None:
        return self.files.get(rel_path)

    def declarations(self, unit: str) -> tuple[NotInvolvedEntry, ...]:
        return tuple(n for n in self.not_involved if n.unit == unit)


def find_manifest(submissions: Path, explicit: Path | None) -> Path | None:
    """The manifest to use: ``--manifest`` if given, else ``zwgk.toml`` in the submissions folder."""
    if explicit is not None:
        return explicit
    candidate = submissions / MANIFEST_NAME
    return candidate if candidate.is_file() else None


def load_manifest(path: Path, submissions: Path, reference: Reference) -> Manifest:
    """Parse and validate ``path``; raise :class:`ManifestError` with a located, bilingual message."""
    shown = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ManifestError(f"清单文件 {shown} 不存在。请检查 --manifest 的路径。",
                            f"The manifest {shown} does not exist. Check the --manifest path.") from None
    except OSError as exc:
        raise ManifestError(f"无法读取清单文件 {shown}（{exc.strerror or exc}）。",
                            f"Cannot read the manifest {shown} ({exc.strerror or exc}).") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ManifestError(f"清单文件 {shown} 不是 UTF-8 编码。请用 UTF-8 保存后重试。",
                            f"The manifest {shown} is not UTF-8. Save it as UTF-8 and retry.") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"清单文件 {shown} 不是有效的 TOML：{exc}。请检查引号、方括号和等号。",
                            f"The manifest {shown} is not valid TOML: {exc}. Check quotes, brackets and '='.") from None
    try:
        return _validate(data, shown, submissions, reference)
    except ManifestError as exc:
        zh_lines, en_lines = exc.zh.split("\n"), exc.en.split("\n")
        if len(zh_lines) == 1:
            raise ManifestError(f"{shown}：{exc.zh}", f"{shown}: {exc.en}") from None
        # Every mistake at once: an office fixing a manifest should not need one run per typo.
        raise ManifestError(
            f"{shown} 有 {len(zh_lines)} 处错误，请逐一修改后重新汇编：\n" + "\n".join(f"  {x}" for x in zh_lines),
            f"{shown} has {len(en_lines)} mistakes; fix each and compile again:\n" + "\n".join(f"  {x}" for x in en_lines),
        ) from None


def _fail(where: str, zh: str, en: str) -> ManifestError:
    return ManifestError(f"清单 {where}：{zh}", f"Manifest {where}: {en}")


def _unknown_keys(obj: dict[str, Any], allowed: set[str], where: str) -> None:
    extra = sorted(set(obj) - allowed)
    if extra:
        import difflib

        close = difflib.get_close_matches(extra[0], sorted(allowed), n=1, cutoff=0.6)
        hint_zh, hint_en = (f"是否应为「{close[0]}」？", f" Did you mean '{close[0]}'?") if close else ("", "")
        raise _fail(where, f"不认识的键「{extra[0]}」。{hint_zh}可用的键：{'、'.join(sorted(allowed))}。",
                    f"unknown key '{extra[0]}'.{hint_en} Allowed keys: {', '.join(sorted(allowed))}.")


def _text(obj: dict[str, Any], key: str, where: str, *, required: bool) -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise _fail(where, f"缺少「{key}」。请补上，例如 {key} = \"…\"。", f"'{key}' is missing. Add it, e.g. {key} = \"…\".")
        return None
    if not isinstance(value, str) or not value.strip():
        raise _fail(f"{where}.{key}", "应为非空文字（用英文双引号括起）。", "should be non-empty text in double quotes.")
    return value.strip()


def _unit(name: str, where: str, reference: Reference) -> str:
    found = reference.unit(name)
    if found is not None:
        return found.name
    close = reference.closest_unit(name)
    hint_zh = f"是否应为「{close[0]}」？" if close and close[1] >= 60 else "请使用宝山区单位名录中的名称（如 区教育局、罗店镇）。"
    hint_en = f"Did you mean '{close[0]}'?" if close and close[1] >= 60 else "Use a name from the district roster (e.g. 区教育局)."
    raise _fail(where, f"单位「{name}」不在宝山区单位名录中。{hint_zh}", f"unit '{name}' is not in the district roster. {hint_en}")


def _domain(name: str, where: str, reference: Reference) -> str:
    found = reference.domain(name)
    if found is not None:
        return found.name
    close = reference.closest_domain(name)
    hint_zh = f"是否应为「{close[0]}」？" if close and close[1] >= 60 else "请使用参考领域目录中的名称（如 义务教育）。"
    hint_en = f"Did you mean '{close[0]}'?" if close and close[1] >= 60 else "Use a domain from the reference list (e.g. 义务教育)."
    raise _fail(where, f"领域「{name}」不在参考领域目录中。{hint_zh}", f"domain '{name}' is not a known domain. {hint_en}")


def _rel_path(text: str, where: str, submissions: Path) -> str:
    posix = PurePosixPath(text.replace("\\", "/"))
    if posix.is_absolute() or ".." in posix.parts:
        raise _fail(where, f"路径「{text}」应相对于提交目录，且不能包含「..」。",
                    f"path '{text}' must be relative to the submissions folder, without '..'.")
    rel = str(posix)
    if not (submissions / rel).is_file():
        close = _closest_file(rel, submissions)
        hint_zh = f"是否应为「{close}」？" if close else "请检查文件名（含扩展名和子目录）。"
        hint_en = f"Did you mean '{close}'?" if close else "Check the name, extension and sub-folder."
        raise _fail(where, f"提交目录中没有文件「{rel}」。{hint_zh}",
                    f"there is no file '{rel}' in the submissions folder. {hint_en}")
    return rel


_CLOSEST_SCAN = 5000  # files looked at for a "did you mean" (a hint, not a search of a city's archive)


def _closest_file(rel: str, submissions: Path) -> str | None:
    """The file in ``submissions`` whose path is most like ``rel`` (a typo, a missing sub-folder, 终稿 vs 定稿)."""
    from rapidfuzz import fuzz, process

    names: list[str] = []
    for p in submissions.rglob("*"):
        if len(names) >= _CLOSEST_SCAN:
            break
        with contextlib.suppress(OSError, ValueError):
            if p.is_file() and not p.name.startswith((".", "~$")):
                names.append(p.relative_to(submissions).as_posix().encode("utf-8", "replace").decode("utf-8"))
    # Plain ratio: WRatio's partial matching calls any "…目录.xlsx" close to any other.
    best = process.extractOne(rel, sorted(names), scorer=fuzz.ratio)
    return best[0] if best and best[1] >= 75 else None


def _tables(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
        raise _fail(key, f"应写成 [[{key}]] 表格数组。", f"should be an array of tables written [[{key}]].")
    return value


def _validate(data: dict[str, Any], shown: str, submissions: Path, reference: Reference) -> Manifest:
    errors: list[ManifestError] = []

    @contextlib.contextmanager
    def collected() -> Iterator[None]:
        try:
            yield
        except ManifestError as exc:
            errors.append(exc)

    district: str | None = None
    as_of: Any = None
    with collected():
        _unknown_keys(data, _TOP_KEYS, "(top level)")
    with collected():
        district = _text(data, "district", "district", required=False)
    with collected():
        as_of = data.get("as_of")
        if isinstance(as_of, dt.date) and not isinstance(as_of, dt.datetime):
            as_of = as_of.isoformat()  # TOML has a date type: as_of = 2020-09-30 is fine too
        if as_of is not None:
            as_of = check_as_of(str(as_of), "as_of")
    files: dict[str, FileEntry] = {}
    file_tables: list[dict[str, Any]] = []
    with collected():
        file_tables = _tables(data, "files")
    for i, entry in enumerate(file_tables, start=1):
        with collected():
            _file_entry(i, entry, files, submissions, reference)
    declared: dict[tuple[str, str], NotInvolvedEntry] = {}
    ni_tables: list[dict[str, Any]] = []
    with collected():
        ni_tables = _tables(data, "not_involved")
    for i, entry in enumerate(ni_tables, start=1):
        with collected():
            _not_involved_entry(i, entry, declared, reference)
    if errors:
        raise ManifestError("\n".join(e.zh for e in errors), "\n".join(e.en for e in errors))
    return Manifest(
        path=shown,
        district=district,
        as_of=as_of,
        files=dict(sorted(files.items())),
        not_involved=tuple(declared[k] for k in sorted(declared)),
    )


def _file_entry(i: int, entry: dict[str, Any], files: dict[str, FileEntry], submissions: Path,
            reference: Reference) -> None:
    where = f"[[files]] #{i}"
    _unknown_keys(entry, _FILE_KEYS, where)
    rel = _rel_path(_text(entry, "path", where, required=True) or "", f"{where}.path", submissions)
    if rel in files:
        raise _fail(where, f"文件「{rel}」列了两次。请删除重复的 [[files]]。", f"file '{rel}' is listed twice.")
    unit_text = _text(entry, "unit", where, required=False)
    domain_text = _text(entry, "domain", where, required=False)
    if unit_text is None and domain_text is None:
        raise _fail(where, "至少要写 unit 或 domain。", "give at least unit or domain.")
    files[rel] = FileEntry(
        path=rel,
        unit=_unit(unit_text, f"{where}.unit", reference) if unit_text else None,
        domain=_domain(domain_text, f"{where}.domain", reference) if domain_text else None,
    )


def _not_involved_entry(i: int, entry: dict[str, Any], declared: dict[tuple[str, str], NotInvolvedEntry],
                    reference: Reference) -> None:
    where = f"[[not_involved]] #{i}"
    _unknown_keys(entry, _NI_KEYS, where)
    unit = _unit(_text(entry, "unit", where, required=True) or "", f"{where}.unit", reference)
    domain = _domain(_text(entry, "domain", where, required=True) or "", f"{where}.domain", reference)
    reason = _text(entry, "reason", where, required=True) or ""
    if (unit, domain) in declared:
        raise _fail(where, f"{unit}「{domain}」的未涉及声明重复。", f"{unit} declares '{domain}' not involved twice.")
    declared[(unit, domain)] = NotInvolvedEntry(unit=unit, domain=domain, reason=reason)


def check_as_of(text: str, where: str = "--as-of") -> str:
    """``text`` as an ISO date (YYYY-MM-DD), or a ManifestError naming ``where``."""
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise _fail(where, f"日期「{text}」无效，应写成 YYYY-MM-DD，如 2020-09-30。",
                    f"date '{text}' is not valid; write YYYY-MM-DD, e.g. 2020-09-30.") from None
    if len(text.strip()) != 10:
        raise _fail(where, f"日期「{text}」应写成 YYYY-MM-DD，如 2020-09-30。", f"write the date '{text}' as YYYY-MM-DD.")
    return day.isoformat()
