"""`zwgk compile` as a library call: a folder of submissions → the district's catalogue in ``BUILD/``.

    compile_district(submissions, out, manifest=None, as_of=None, jobs=None, lang="zh") -> CompileResult

read (``check_file`` per file, in parallel, cached) → normalise (one record per item, units resolved,
content-derived ids) → match (guideline items, clauses) → validate (catalogue-scope rules) → graph →
emit (catalogue.json, catalogue.xlsx, catalogue.sqlite, graph.json, graph.graphml, issues.json).

Every output is written into a staging folder next to ``BUILD`` which then replaces ``BUILD`` in one
rename (``renameat2(RENAME_EXCHANGE)`` on Linux), so a compile killed at any moment leaves the previous
build whole.  Files are merged in sorted path order: the output never depends on the order the folder
lists them or on ``--jobs``.

With ``--jobs N > 1`` the files are read by N worker processes while this process matches their items as
they come in; then catalogue.xlsx, catalogue.sqlite and the graph are written by forked children
(:class:`_Children`) while this process checks the district and writes catalogue.json and the kept parts.
With ``--jobs 1`` everything runs in this one process, one step after another.
"""

from __future__ import annotations

import concurrent.futures as futures
import concurrent.futures.process  # noqa: F401  (futures.process.BrokenProcessPool)
import contextlib
import ctypes
import datetime as dt
import errno
import gc
import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import sqlite3
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache as cache_fn
from multiprocessing.connection import wait as wait_any
from pathlib import Path
from typing import Any

from zwgk.catalogs import load_reference
from zwgk.catalogs.vocabulary import load_vocabulary
from zwgk.compiler.cache import CACHE_DIR, ResultCache, file_digest, salt, store
from zwgk.compiler.check import check_file, rule_context
from zwgk.compiler.emit.atomic import atomic_path, write_text
from zwgk.compiler.emit.catalogue_json import CatalogueInvalid, item_line, write_catalogue, write_issues
from zwgk.compiler.emit.catalogue_sqlite import js, write_catalogue_sqlite
from zwgk.compiler.emit.catalogue_xlsx import NO_DOMAIN, PreparedRow, RowPart, write_catalogue_xlsx
from zwgk.compiler.emit.graph_stream import write_graph_streamed
from zwgk.compiler.errors import BilingualError
from zwgk.compiler.manifest import (
    DEFAULT_DISTRICT,
    Manifest,
    ManifestError,
    check_as_of,
    find_manifest,
    load_manifest,
)
from zwgk.compiler.matching import ClauseMatcher, GuidelineMatcher, Match, clause_candidates
from zwgk.compiler.reader import unit_of_file_name  # the reader's own file-name rule, for unreadable files
from zwgk.compiler.reader.limits import DEFAULT_LIMITS, Limits
from zwgk.compiler.reader.sources import FORMATS
from zwgk.compiler.reader.zygote import reading_many
from zwgk.validators.catalogue import (
    FORMAT_VERSION,
    CatalogueDomain,
    CatalogueFinding,
    CatalogueUnit,
    ClauseCoverage,
    NotInvolved,
)
from zwgk.validators.messages import render
from zwgk.validators.models import FileResult, Finding, SourceLocation
from zwgk.validators.normalise import name_key
from zwgk.validators.reference import Reference
from zwgk.validators.registry import finding, rules_for
from zwgk.validators.rules.completeness import (
    TOWNSHIP_KINDS,
    Candidate,
    CatalogueView,
    UnitFacts,
    is_district_item,
    is_township_unit,
    resolve_subject,
)
from zwgk.validators.sheet import RuleContext

OUTPUTS = ("catalogue.json", "catalogue.xlsx", "catalogue.sqlite", "graph.json", "graph.graphml", "issues.json")
MARKER = ".zwgk-build"
TINY_FILE = 512  # bytes
ZYGOTE_MIN_FILES = 8  # files a reading process must have to read before a zygote pays for itself
FORK_MAX_ITEMS = 100_000  # above it (a city) the emitters run in-process, one after another
Progress = Callable[[int, int, str], None]  # (files done, files in all, a phrase to show: "读取 区教育局")


class CompileError(BilingualError):
    """The compile cannot go on (exit 2): a message in both languages."""


# ---------------------------------------------------------------------------------------------------------
# One compact record per item (a city has ~480,000: pydantic objects for all of them would not fit in 2 GB).


@dataclass(slots=True)
class Entry:
    id: str
    unit: str
    domain: str | None
    category: str | None
    seq: str | None
    level1: str | None
    level2: str | None
    level3: str | None
    content: str | None
    basis: str | None
    time_limit: str | None
    subject: str | None
    channels: tuple[str, ...]
    audience: tuple[str, ...]
    audience_note: str | None
    mode: tuple[str, ...]
    levels: tuple[str, ...]
    links: tuple[str, ...]
    guideline_code: str | None
    extra: dict[str, str] | None
    path: str
    sheet: str | None
    row: int | None
    subject_units: tuple[str, ...] = ()
    clauses: tuple[str, ...] = ()
    clause_methods: tuple[str, ...] = ()
    guideline: tuple[Match, ...] = ()
    guideline_counted: tuple[str, ...] = ()
    # The id without a -2 suffix, and the item's catalogue.json line rendered for it (kept between compiles in
    # the file's part, see FilePart; an item whose id took a suffix is rendered afresh).
    base_id: str = ""
    json_line: str | None = None
    part: int = -1  # index of the file in the compile
    pos: int = 0  # position among the file's items
    _name: str | None = None

    @property
    def name(self) -> str:
        if self._name is None:
            self._name = " / ".join(p for p in (self.level1, self.level2, self.level3) if p) or (self.content or "")[:30]
        return self._name

    def clause_method(self, cid: str) -> str:
        return self.clause_methods[self.clauses.index(cid)]

    def catalogue_dict(self) -> dict[str, Any]:
        """The item as ``CatalogueItem`` serialises it (same keys, same order)."""
        return {
            "id": self.id, "unit": self.unit, "domain": self.domain, "category": self.category, "seq": self.seq,
            "level1": self.level1, "level2": self.level2, "level3": self.level3, "content": self.content,
            "basis": self.basis, "time_limit": self.time_limit, "subject": self.subject,
            "subject_units": list(self.subject_units), "channels": list(self.channels), "audience": list(self.audience),
            "audience_note": self.audience_note, "mode": list(self.mode), "levels": list(self.levels),
            "links": list(self.links), "guideline_code": self.guideline_code,
            "guideline": [{"code": m.target, "method": m.method, "score": m.score, "counted": m.counted} for m in self.guideline],
            "clauses": list(self.clauses), "extra": dict(self.extra or {}),
            "source": {"path": self.path, "sheet": self.sheet, "row": self.row},
        }

    def sheet_row(self) -> dict[str, object]:
        """The item as the shared sheet writer takes it (catalogue.xlsx)."""
        from zwgk.compiler.emit.catalogue_xlsx import ID_COLUMN

        return {
            "domain": self.domain, "unit": self.unit, "seq": self.seq, "level1": self.level1, "level2": self.level2,
            "level3": self.level3, "content": self.content, "basis": self.basis, "time_limit": self.time_limit,
            "subject": self.subject, "channels": self.channels, "audience": self.audience,
            "audience_note": self.audience_note, "mode": self.mode, "levels": self.levels, "links": self.links,
            "guideline_code": self.guideline_code, "extra": {ID_COLUMN: self.id},
        }


class _Interner:
    """One string object per distinct value: cached results are parsed afresh, and 30,000 copies of the
    same 公开依据 would otherwise each take their own memory."""

    def __init__(self) -> None:
        self._seen: dict[Any, Any] = {}

    def __call__(self, value: Any) -> Any:
        if value is None:
            return None
        return self._seen.setdefault(value, value)


@dataclass
class FileInfo:
    rel: str
    unit: str
    result_unit: str | None
    readable: bool
    items: int
    errors: int
    warnings: int
    sheet_domains: dict[str, str | None]
    cached: bool


@dataclass
class Compiled:
    """Everything the emitters need, in output order."""

    district: str
    as_of: str
    lang: str
    reference: Reference
    entries: list[Entry]
    units: list[CatalogueUnit]
    domains: list[CatalogueDomain]
    clauses: list[ClauseCoverage]
    findings: list[CatalogueFinding]
    clause_candidates: dict[str, tuple[Candidate, ...]] = field(default_factory=dict)
    version: str = ""
    keep: bool = False  # keep each item's rendered output on it (for the file's part)


@dataclass
class CompileResult:
    """What a compile did, for the summary and for callers (the catalogue itself is in ``out``)."""

    out: Path
    district: str
    as_of: str
    as_of_source: str  # option | manifest | files
    version: str
    files: int
    read: int
    cached: int
    skipped: int
    unreadable: int
    roster_units: int
    submitted_units: int
    extra_units: int
    items: int
    errors: int
    warnings: int
    infos: int
    coverage: dict[str, tuple[int, int]]
    by_code: dict[str, tuple[str, int]]
    not_submitted: list[str]
    # Seconds per phase (for the benchmark; never written into an output).
    timings: dict[str, float] = field(default_factory=dict)
    # True when the inputs were those of the existing build and nothing was rewritten.
    up_to_date: bool = False
    # Labels of the 第二十条 and 第二十一条 区级 clauses nothing covers, in statute order.
    uncovered_clauses: list[str] = field(default_factory=list)
    # Files that could not be read at all (each has a finding saying why).
    unreadable_files: list[str] = field(default_factory=list)
    # What the office must chase beyond the counts: the unit each unreadable file belongs to, the units that
    # sent more than one file, the units outside the roster (a file zwgk could not place), every skipped file.
    unreadable_units: dict[str, str] = field(default_factory=dict)  # file → unit
    multi_file_units: dict[str, list[str]] = field(default_factory=dict)  # unit → its files
    extra_unit_files: dict[str, list[str]] = field(default_factory=dict)  # unit outside the roster → its files
    skipped_files: dict[str, str] = field(default_factory=dict)  # file → file-skipped* code

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0

    def catalogue(self) -> Any:
        """The written catalogue.json as a :class:`zwgk.validators.catalogue.Catalogue`."""
        from zwgk.validators.catalogue import Catalogue

        return Catalogue.model_validate_json((self.out / "catalogue.json").read_bytes())


# ---------------------------------------------------------------------------------------------------------
# Finding the submissions.


# Why a file that is not read is skipped: the code says it (each has its own sentence and fix).
_LOCK_PREFIXES = ("~$", ".~lock.", "~WRL", ".~")
_SYSTEM_FILES = {"desktop.ini", "thumbs.db", "ehthumbs.db", ".ds_store", "icon\r", ".localized"}
_ARCHIVES = (".zip", ".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz")
_ARCHIVE_LISTED = 8  # spreadsheet names quoted from inside an archive


@dataclass(frozen=True)
class Skipped:
    rel: str
    code: str  # file-skipped, file-skipped-temp, file-skipped-system, file-skipped-archive, file-skipped-link
    inside: tuple[str, ...] = ()  # an archive's spreadsheets (the office must unpack them)


@dataclass(frozen=True)
class Discovery:
    files: list[str]
    skipped: list[Skipped]
    # Display name → path on disk, for names that are not UTF-8 (raw GBK bytes from an unpacked zip): the
    # display name is the GBK reading, so every output is valid text and the office sees the real name.
    disk: dict[str, Path] = field(default_factory=dict)

    def path(self, submissions: Path, rel: str) -> Path:
        return self.disk.get(rel) or submissions / rel


def _skip_code(name: str, full: Path) -> str | None:
    """Why ``name`` is not read, or None when it is a catalogue file to read."""
    lower = name.lower()
    if lower in _SYSTEM_FILES or name.startswith("._"):  # ._x: macOS resource forks unpacked from a zip
        return "file-skipped-system"
    if name.startswith(_LOCK_PREFIXES) or lower.endswith((".tmp", "#")) or name.endswith("~"):
        return "file-skipped-temp"
    if name.startswith("."):
        return "file-skipped-system"
    if full.is_symlink():
        return "file-skipped-link"
    if lower.endswith(_ARCHIVES):
        return "file-skipped-archive"
    if full.suffix.lower() not in FORMATS:
        return "file-skipped"
    return None


def _display_name(name: str) -> str | None:
    """A file name os.walk could not decode (surrogate escapes) read as GB18030, or None if it is valid."""
    try:
        name.encode("utf-8")
        return None
    except UnicodeEncodeError:
        raw = os.fsencode(name)
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace")


def _archive_sheets(path: Path) -> tuple[str, ...]:
    """The spreadsheets inside a zip (names only, never extracted), so the office knows what it holds."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()[:10_000]
    except (OSError, zipfile.BadZipFile, ValueError, NotImplementedError, EOFError):
        return ()
    names: list[str] = []
    for info in infos:
        name = info.filename
        if not info.flag_bits & 0x800:  # no UTF-8 flag: Windows wrote GBK, zipfile read it as cp437
            with contextlib.suppress(UnicodeError):
                name = name.encode("cp437").decode("gb18030")
        base = name.rsplit("/", 1)[-1]
        if base and Path(base).suffix.lower() in FORMATS and _skip_code(base, Path(base)) is None \
                and not name.startswith("__MACOSX/"):
            names.append(base)
    return tuple(sorted(names))


def discover_files(submissions: Path, exclude: Sequence[Path]) -> Discovery:
    """Every file under ``submissions``: the catalogue files to read and the others, each with why it is skipped.

    Hidden folders (.git, our staging and cache folders) are not entered; every file in the others is
    accounted for: Office/WPS lock files (~$…, .~lock.…#), system files (desktop.ini, Thumbs.db, .DS_Store),
    archives, symlinks and non-spreadsheets are listed as skipped with their own reason.  Symlinked folders
    are not followed (a link back up the tree would never end).
    """
    excluded = {p.resolve() for p in exclude}
    found: list[str] = []
    skipped: list[Skipped] = []
    disk: dict[str, Path] = {}
    for dirpath, dirnames, filenames in os.walk(submissions, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__MACOSX"
                             and (here / d).resolve() not in excluded)
        for name in sorted(filenames):
            full = here / name
            if full.resolve() in excluded:
                continue
            rel = full.relative_to(submissions).as_posix()
            shown = _display_name(rel)
            if shown is not None:
                rel = shown if shown not in disk and not (submissions / shown).exists() else rel.encode(
                    "utf-8", "backslashreplace").decode("utf-8")
                disk[rel] = full
            code = _skip_code(name, full)
            if code is None:
                found.append(rel)
            else:
                skipped.append(Skipped(rel, code, _archive_sheets(full) if code == "file-skipped-archive" else ()))
    return Discovery(sorted(found), sorted(skipped, key=lambda s: s.rel), disk)


def discover(submissions: Path, exclude: Sequence[Path]) -> tuple[list[str], list[str]]:
    """(catalogue files, other files) as sorted POSIX paths relative to ``submissions``."""
    d = discover_files(submissions, exclude)
    return d.files, [s.rel for s in d.skipped]


# ---------------------------------------------------------------------------------------------------------
# Reading, in parallel and cached.

_WORKER_CTX: RuleContext | None = None


def _worker_ctx(hosts: tuple[str, ...]) -> RuleContext:
    global _WORKER_CTX
    if _WORKER_CTX is None or _WORKER_CTX.extra_government_hosts != hosts:
        import zwgk.validators.rules  # noqa: F401  (the reader raises registered codes before any rule runs)

        _WORKER_CTX = rule_context(government_hosts=hosts)
    return _WORKER_CTX


@dataclass(frozen=True)
class _Task:
    path: str
    shown: str
    unit: str | None
    domain: str | None
    limits: Limits
    hosts: tuple[str, ...]
    cache_path: str | None


def _run(task: _Task) -> FileResult:
    """Read and check one file (in a worker process or in-process); store it in the cache."""
    try:
        result = check_file(task.path, unit=task.unit, domain=task.domain, limits=task.limits,
                            ctx=_worker_ctx(task.hosts), display_path=task.shown)
    except Exception as exc:  # one broken file must not stop the district: name it and go on
        result = FileResult(path=task.shown, readable=False, findings=(
            finding("file-unreadable", SourceLocation(path=task.shown), reason=f"内部错误 {type(exc).__name__}"),))
    if task.cache_path:
        store(Path(task.cache_path), result)
    return result


def _isolated(task: _Task) -> FileResult:
    """Read one file in a process of its own; a crash is the file's finding, not the compile's end."""
    with futures.ProcessPoolExecutor(max_workers=1, mp_context=_mp_context()) as pool:
        try:
            return pool.submit(_run, task).result()
        except futures.process.BrokenProcessPool:
            return FileResult(path=task.shown, readable=False, findings=(finding(
                "file-unreadable", SourceLocation(path=task.shown), reason="读取此文件的进程异常退出（可能是内存不足或文件损坏）"),))


def _mp_context() -> Any:
    # fork: workers start in milliseconds with the reference already loaded.  The caller's progress bar
    # must not run a thread (the CLI's refreshes by hand).
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def read_all(
    tasks: Sequence[_Task],
    hits: dict[int, str],
    cache: ResultCache,
    jobs: int,
    progress: Progress | None,
    labels: Sequence[str],
) -> Generator[tuple[int, FileResult, bool], None, None]:
    """(index, result, from cache) in task order: cache hits loaded one at a time as their turn comes, misses
    read by ``jobs`` processes a few files ahead (a city's worth of results never sits in memory at once)."""
    total = len(tasks)
    misses = [i for i in range(total) if i not in hits]
    done = 0
    pool: futures.ProcessPoolExecutor | None = None
    fresh: Iterator[FileResult] = iter(())
    try:
        if len(misses) > 1 and jobs > 1:
            workers = min(jobs, len(misses))
            pool = futures.ProcessPoolExecutor(max_workers=workers, mp_context=_mp_context())
            fresh = _read_ahead(pool, workers, [tasks[i] for i in misses])
        else:
            fresh = (_run(tasks[i]) for i in misses)
        miss_set = set(misses)
        for i in range(total):
            from_cache = i not in miss_set
            if from_cache:
                loaded = cache.get(hits[i])
                from_cache = loaded is not None
                result = loaded if loaded is not None else _run(tasks[i])  # a damaged entry: read the file
            else:
                try:
                    result = next(fresh)
                except futures.process.BrokenProcessPool:
                    # A worker died (killed for memory, or a crash in a native reader).  Which file did it is
                    # unknown: this one and every later miss are read again, each in a process of its own.
                    assert pool is not None
                    pool.shutdown(wait=True, cancel_futures=True)
                    pool = None
                    fresh = (_isolated(tasks[j]) for j in misses[misses.index(i):])
                    result = next(fresh)
            done += 1
            if progress is not None:
                progress(done, total, labels[i])
            yield i, result, from_cache
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


READ_AHEAD_CHUNK = 64 * 1024  # bytes of files sent to a worker at once (many tiny files travel together)


def _run_many(tasks: Sequence[_Task]) -> list[FileResult]:
    return [_run(t) for t in tasks]


def _read_ahead(pool: futures.ProcessPoolExecutor, workers: int, tasks: Sequence[_Task]) -> Iterator[FileResult]:
    """The results of ``tasks`` in order, read by ``pool`` at most two chunks a worker ahead of the caller.

    ``pool.map`` would queue every file at once, and its results would pile up while the caller is slower
    than the workers (it matches each file's items as it comes): about 1 MB a 500-item file, a gigabyte for
    a city.  Here a worker waits instead."""
    chunks: list[list[_Task]] = []
    size = 0
    for t in tasks:
        if not chunks or size >= READ_AHEAD_CHUNK or len(chunks[-1]) >= 32:
            chunks.append([])
            size = 0
        chunks[-1].append(t)
        try:
            size += os.path.getsize(t.path)
        except OSError:
            pass
    queued = iter(chunks)
    ahead: deque[futures.Future[list[FileResult]]] = deque()

    def submit() -> None:
        chunk = next(queued, None)
        if chunk is not None:
            ahead.append(pool.submit(_run_many, chunk))

    for _ in range(2 * workers):
        submit()
    while ahead:
        results = ahead.popleft().result()
        submit()
        yield from results


# ---------------------------------------------------------------------------------------------------------
# The build folder: staging, swap, recovery.


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _clean_stale(out: Path) -> None:
    """Remove staging folders of compiles that died; put back a build a two-step swap left aside."""
    parent = out.parent
    if not parent.is_dir():
        return
    for p in sorted(parent.glob(f".{out.name}.staging-*")) + sorted(parent.glob(f".{out.name}.old-*")):
        try:
            pid = int(p.name.rsplit("-", 1)[1])
        except ValueError:
            continue
        if pid != os.getpid() and _pid_alive(pid):
            continue
        if p.name.startswith(f".{out.name}.old-") and not out.exists():
            os.rename(p, out)  # the swap was cut between its two renames: the old build is the build
            continue
        shutil.rmtree(p, ignore_errors=True)


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise CompileError(f"输出位置 {out} 是一个文件，不是文件夹。请用 -o 指定一个文件夹。",
                           f"The output {out} is a file, not a folder. Give a folder with -o.")
    # A folder holding only a cache is one an earlier compile started and did not finish.
    if out.is_dir() and any(p.name != CACHE_DIR for p in out.iterdir()) and not (out / MARKER).exists():
        raise CompileError(
            f"输出文件夹 {out} 已有内容，但不是 zwgk 的构建目录；为免覆盖其中文件，已停止。请用 -o 指定新的或空的文件夹。",
            f"The output folder {out} holds other files and is not a zwgk build; stopped so as not to replace them. "
            f"Give a new or empty folder with -o.")


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories atomically (Linux renameat2 RENAME_EXCHANGE); False when unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    if ctypes.get_errno() in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(b))


def _link_tree(src: Path, dst: Path) -> None:
    """Hard-link copy of ``src`` at ``dst`` (plain copy where links are not possible)."""
    if src.is_dir() and not src.is_symlink():
        shutil.copytree(src, dst, copy_function=_link_or_copy, symlinks=True)
    else:
        _link_or_copy(str(src), str(dst))


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError:
        shutil.copy2(src, dst, follow_symlinks=False)


def publish(staging: Path, out: Path) -> None:
    """Make ``staging`` the build at ``out``.  Files other commands put in the old build (reports, the
    site) are carried over by hard link, so recompiling does not delete them."""
    if out.is_dir():
        ours = set(OUTPUTS) | {MARKER, CACHE_DIR}
        for entry in sorted(out.iterdir()):
            if entry.name not in ours and not (staging / entry.name).exists():
                _link_tree(entry, staging / entry.name)
        if _exchange(staging, out):
            shutil.rmtree(staging, ignore_errors=True)
            return
        aside = out.parent / f".{out.name}.old-{os.getpid()}"
        os.rename(out, aside)
        os.rename(staging, out)
        shutil.rmtree(aside, ignore_errors=True)
    else:
        os.rename(staging, out)


# ---------------------------------------------------------------------------------------------------------
# The compile.


def _as_of_from_files(submissions: Path, paths: Sequence[Path]) -> str:
    times = [p.stat().st_mtime for p in paths]
    stamp = max(times) if times else submissions.stat().st_mtime
    return dt.datetime.fromtimestamp(stamp, dt.UTC).date().isoformat()


def _item_id(unit: str, domain: str | None, level1: str | None, level2: str | None, level3: str | None,
             content: str | None) -> str:
    key = "\x1f".join((unit, domain or "", *(name_key(x or "") for x in (level1, level2, level3, content))))
    return "it-" + hashlib.sha256(key.encode()).hexdigest()[:16]


def assign_ids(entries: Sequence[Entry]) -> None:
    """Content-derived ids; a repeat of the same unit+domain+names+content takes -2, -3 … in file order."""
    seen: Counter[str] = Counter()
    for e in entries:
        # A part brings the base id along (it depends on the item alone).
        base = e.base_id = e.base_id or _item_id(e.unit, e.domain, e.level1, e.level2, e.level3, e.content)
        seen[base] += 1
        e.id = base if seen[base] == 1 else f"{base}-{seen[base]}"


# ---------------------------------------------------------------------------------------------------------
# One file's share of the catalogue, kept between compiles.


@dataclass
class FilePart:
    """What one file contributes: its items (matched; rendered once emitted), its findings worded as catalogue
    findings, and what the district-wide steps need to know about it."""

    info: FileInfo
    link_columns: list[tuple[str, str | None]]  # (sheet, letter of its 链接 column)
    findings: list[tuple[tuple[Any, ...], CatalogueFinding]]
    entries: list[Entry]
    loaded: bool = False  # from the parts cache


class _Matchers:
    """Guideline and clause matching of items, with the answers that recur memoised."""

    def __init__(self, reference: Reference, intern: _Interner) -> None:
        self.reference = reference
        self.intern = intern
        self.guideline = GuidelineMatcher(reference)
        self.clauses = ClauseMatcher(reference)
        self.subjects: dict[str | None, tuple[str, ...]] = {}
        self.kinds = {u.name: u.kind for u in reference.units}

    def match(self, e: Entry) -> None:
        intern = self.intern
        subject_units = self.subjects.get(e.subject)
        if subject_units is None:
            subject_units = self.subjects[e.subject] = intern(resolve_subject(e.subject, self.reference)[0])
        e.subject_units = subject_units
        matches = self.guideline.match(e.domain, e.level1, e.level2, e.level3, e.guideline_code)
        e.guideline = matches
        e.guideline_counted = tuple(m.target for m in matches if m.counted)
        clauses = self.clauses.match(
            text_parts=(e.domain, e.category, e.level1, e.level2, e.level3), content=e.content,
            cited_in=(e.basis, e.content, *(e.extra or {}).values()),
            township=self.kinds.get(e.unit) in TOWNSHIP_KINDS,
        )
        e.clauses = intern(tuple(m.target for m in clauses))
        e.clause_methods = intern(tuple(m.method for m in clauses))


def _file_part(i: int, rel: str, unit: str, result: FileResult, from_cache: bool, lang: str, matchers: _Matchers,
               intern: _Interner) -> FilePart:
    sheet_domains = {s.name: s.domain for s in result.sheets}
    link_columns = [(s.name, next((col for col, fld in s.columns.items() if fld == "links"), None))
                    for s in result.sheets if s.role == "catalogue"]
    findings = [_row(f, lang, unit=f.params.get("unit") or unit,
                     domain=f.params.get("domain") or sheet_domains.get(f.location.sheet or ""))
                for f in result.findings]
    path = intern(rel)
    entries = []
    for pos, it in enumerate(result.items):
        src = it.source
        e = Entry(
            id="", unit=unit, domain=intern(it.domain), category=intern(it.category), seq=it.seq,
            level1=intern(it.level1), level2=it.level2, level3=it.level3, content=it.content,
            basis=intern(it.basis), time_limit=intern(it.time_limit), subject=intern(it.subject),
            channels=intern(it.channels), audience=intern(it.audience), audience_note=intern(it.audience_note),
            mode=intern(it.mode), levels=intern(it.levels), links=it.links, guideline_code=it.guideline_code,
            extra=dict(it.extra) if it.extra else None, path=path, sheet=intern(src.sheet), row=src.row,
            part=i, pos=pos,
        )
        entries.append(e)
    info = FileInfo(rel=rel, unit=unit, result_unit=result.unit, readable=result.readable, items=len(result.items),
                    errors=result.errors, warnings=result.warnings, sheet_domains=sheet_domains, cached=from_cache)
    return FilePart(info, link_columns, findings, entries)


@cache_fn
def _parts_salt() -> str:
    return hashlib.sha256(b"zwgk-part-1\x1f" + _package_fingerprint().encode()).hexdigest()


def _part_key(read_key: str, lang: str) -> str:
    """A part depends on the file's read (``read_key``: bytes, path, manifest unit/domain, reader code), on all
    of zwgk's code and reference data (matching, wording, rendering) and on the language of the messages."""
    return hashlib.sha256(f"{_parts_salt()}\x1f{lang}\x1f{read_key}".encode()).hexdigest()


_FIELDS = ("domain", "category", "seq", "level1", "level2", "level3", "content", "basis", "time_limit", "subject",
           "channels", "audience", "audience_note", "mode", "levels", "links", "guideline_code", "extra", "sheet", "row",
           "subject_units", "clauses", "clause_methods")
_TUPLES = frozenset({"channels", "audience", "mode", "levels", "links", "subject_units", "clauses", "clause_methods"})


def _store_part(cache: ResultCache, key: str, part: FilePart, keep: bool) -> None:
    """Write one file's part (JSON, atomically; a part that cannot be written only costs time next compile)."""
    items = []
    for e in part.entries:
        rendered = keep and e.id == e.base_id
        items.append([*(getattr(e, f) for f in _FIELDS),
                      [[m.target, m.method, m.score, m.counted] for m in e.guideline],
                      e.json_line if rendered else None, e.base_id])
    body = {
        "info": [part.info.unit, part.info.result_unit, part.info.readable, part.info.items, part.info.errors,
                 part.info.warnings, part.info.sheet_domains],
        "link_columns": part.link_columns,
        "findings": [[list(k), f.model_dump(mode="json")] for k, f in part.findings],
        "items": items,
    }
    cache.store_json(key, body)


def _load_part(cache: ResultCache, key: str, i: int, rel: str, intern: _Interner) -> FilePart | None:
    body = cache.load_json(key)
    if body is None:
        return None
    try:
        unit, result_unit, readable, n, errors, warnings, sheet_domains = body["info"]
        unit = intern(unit)
        path = intern(rel)
        entries = []
        for pos, row in enumerate(body["items"]):
            values = dict(zip(_FIELDS, row, strict=False))
            for f in _TUPLES:
                values[f] = intern(tuple(values[f]))
            for f in ("domain", "category", "level1", "basis", "time_limit", "subject", "audience_note", "sheet"):
                values[f] = intern(values[f])
            guideline = tuple(Match(t, m, float(sc), bool(c)) for t, m, sc, c in row[len(_FIELDS)])
            entries.append(Entry(
                id="", unit=unit, path=path, guideline=guideline,
                guideline_counted=tuple(m.target for m in guideline if m.counted),
                json_line=row[len(_FIELDS) + 1], base_id=row[len(_FIELDS) + 2], part=i, pos=pos, **values,
            ))
        findings = [(tuple(k), CatalogueFinding.model_validate(f)) for k, f in body["findings"]]
        info = FileInfo(rel=rel, unit=unit, result_unit=result_unit, readable=readable, items=n, errors=errors,
                        warnings=warnings, sheet_domains=sheet_domains, cached=True)
        link_columns = [(sheet, letter) for sheet, letter in body["link_columns"]]
        if len(entries) != n:
            return None
    except (KeyError, TypeError, ValueError):
        return None  # a damaged part is read again from the file
    return FilePart(info, link_columns, findings, entries, loaded=True)


def compile_district(
    submissions: Path,
    out: Path,
    *,
    manifest: Path | None = None,
    as_of: str | None = None,
    jobs: int | None = None,
    lang: str = "zh",
    progress: Progress | None = None,
    limits: Limits = DEFAULT_LIMITS,
    government_hosts: Iterable[str] = (),
    force: bool = False,
    xlsx: bool = True,
) -> CompileResult:
    """Compile every submission under ``submissions`` into ``out``.  Raises :class:`CompileError` or
    :class:`~zwgk.compiler.manifest.ManifestError` (exit 2) when it cannot go on; findings never raise.

    When every input (file contents, paths, manifest, options, zwgk's code) is what the existing build was
    made from, nothing is rewritten (``result.up_to_date``); ``force`` rebuilds anyway.  ``xlsx=False`` leaves
    out catalogue.xlsx (for a city it is the largest file and takes about a minute)."""
    import zwgk.validators.rules  # noqa: F401  (register every code before the first finding is built)

    timings: dict[str, float] = {}
    started = time.perf_counter()
    submissions = Path(submissions)
    out = Path(out)
    if not submissions.is_dir():
        what = "不存在" if not submissions.exists() else "不是文件夹"
        raise CompileError(f"提交目录 {submissions} {what}。请给出存放各单位目录文件的文件夹。",
                           f"The submissions folder {submissions} {'does not exist' if not submissions.exists() else 'is not a folder'}. "
                           f"Give the folder holding the units' catalogue files.")
    reference = load_reference()
    vocabulary = load_vocabulary()
    hosts = tuple(sorted(set(government_hosts)))
    manifest_path = find_manifest(submissions, manifest)
    plan = load_manifest(manifest_path, submissions, reference) if manifest_path else Manifest()
    if as_of:
        as_of_value, as_of_source = check_as_of(as_of), "option"
    elif plan.as_of:
        as_of_value, as_of_source = plan.as_of, "manifest"
    else:
        as_of_value, as_of_source = "", "files"
    district = plan.district or DEFAULT_DISTRICT
    _clean_stale(out)
    _check_out(out)

    exclude = [out, *(out.parent.glob(f".{out.name}.*"))] + ([manifest_path] if manifest_path else [])
    found = discover_files(submissions, exclude)
    rels, skipped = found.files, found.skipped
    on_disk = {rel: found.path(submissions, rel) for rel in rels}
    if not as_of_value:
        as_of_value = _as_of_from_files(submissions, [on_disk[r] for r in rels])

    cache = ResultCache(out / CACHE_DIR, salt(limits, hosts))
    keys: list[str | None] = []
    for rel in rels:
        entry = plan.entry_for(rel)
        try:
            digest: str | None = file_digest(on_disk[rel])
        except OSError:
            digest = None  # unreadable on disk: check_file says why; nothing to cache
        keys.append(None if digest is None else
                    cache.key(digest, rel, entry.unit if entry else None, entry.domain if entry else None))
    fingerprint = _fingerprint(cache.salt, rels, keys, [f"{s.code}:{s.rel}:{'|'.join(s.inside)}" for s in skipped], manifest_path, as_of_value, district, lang, xlsx)
    if not force and fingerprint is not None:
        previous = _previous(out, fingerprint)
        if previous is not None:
            previous.timings = {"total": time.perf_counter() - started}
            return previous
    # A file whose part (its items matched and rendered, its findings worded) is kept from an earlier compile
    # of the same bytes by the same code is neither read nor matched again.
    # (Not for tiny files, as for the read cache: 10,000 empty files would be 10,000 parts.)
    part_keys = [None if k is None or on_disk[rel].stat().st_size < TINY_FILE else _part_key(k, lang)
                 for rel, k in zip(rels, keys, strict=True)]
    parts: list[FilePart | None] = [None] * len(rels)
    intern = _Interner()
    for i, pk in enumerate(part_keys):
        if pk is not None:
            parts[i] = _load_part(cache, pk, i, rels[i], intern)
    tasks: list[_Task] = []
    task_index: list[int] = []  # task → file
    hits: dict[int, str] = {}
    for i, rel in enumerate(rels):
        if parts[i] is not None:
            key = keys[i]
            if key is not None:
                cache.has(key)  # kept too: a change of zwgk's code outside the reader needs parts, not reads
            continue
        entry = plan.entry_for(rel)
        key = keys[i]
        # A file of a few hundred bytes is re-read faster than its cache entry is written and found.
        worth = key is not None and on_disk[rel].stat().st_size >= TINY_FILE
        if key is not None and worth and cache.has(key):
            hits[len(tasks)] = key
        task_index.append(i)
        tasks.append(_Task(str(on_disk[rel]), rel, entry.unit if entry else None, entry.domain if entry else None,
                           limits, hosts, str(cache.path(key)) if key is not None and worth else None))
    if jobs is None:
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    jobs = max(1, jobs)

    matchers = _Matchers(reference, intern)
    entries: list[Entry] = []
    infos: list[FileInfo] = []
    file_rows: list[tuple[tuple[Any, ...], CatalogueFinding]] = []
    link_columns: dict[tuple[str, str], str | None] = {}
    labels = [f"{'reading' if lang == 'en' else '读取'} {t.unit or Path(t.shown).stem}" for t in tasks]
    fresh = read_all(tasks, hits, cache, jobs, None, labels)
    match_seconds = 0.0
    # reading_many: each reading process forks its isolated calamine children from a small zygote, not from
    # itself (a fork of a process holding the district read so far costs ~25 ms of CPU a file).  Starting a
    # zygote costs ~0.2 s of CPU, so not for a process that reads only a few files (a recompile after an edit).
    misses = len(tasks) - len(hits)
    readers = min(jobs, misses) if misses > 1 and jobs > 1 else 1
    with reading_many() if misses >= ZYGOTE_MIN_FILES * readers else contextlib.nullcontext():
        try:
            for i, rel in enumerate(rels):
                part = parts[i]
                if part is None:
                    t, result, from_cache = next(fresh)
                    assert task_index[t] == i
                    entry = plan.entry_for(rel)
                    # An unreadable file still names its unit in its file name ("宝山区水务局政务公开标准目录.xlsx"):
                    # the office must chase 区水务局 for a readable copy, not an unknown "unit" named after the file.
                    unit = intern((entry.unit if entry and entry.unit else None) or result.unit
                                  or unit_of_file_name(Path(rel), reference) or Path(rel).stem)
                    part = parts[i] = _file_part(i, rel, unit, result, from_cache, lang, matchers, intern)
                    del result
                    # Each item's base id and its matches depend on the item alone: worked out here, as the
                    # files come in and beside the workers still reading, not after the last file, where they
                    # held back the sheet writer (with one job it is the same work in another order).
                    clock = time.perf_counter()
                    for e in part.entries:
                        e.base_id = _item_id(e.unit, e.domain, e.level1, e.level2, e.level3, e.content)
                        matchers.match(e)
                    match_seconds += time.perf_counter() - clock
                if progress is not None:
                    progress(i + 1, len(rels), f"{'reading' if lang == 'en' else '读取'} {part.info.unit}")
                for e in part.entries:
                    e.part = i
                entries.extend(part.entries)
                infos.append(part.info)
                file_rows.extend(part.findings)
                for sheet, letter in part.link_columns:
                    link_columns[(rel, sheet)] = letter
                # What is read so far stays to the end: out of the collector's sight, or each of its passes walks
                # the whole district again (120,000 items with --jobs 2: 31.8 s → 27.4 s).  O(1); refcounting
                # still frees what goes, and the compile makes no cycles.
                gc.freeze()
        finally:
            # The generator stops at its last answer: close it now, or the read pool (its worker processes and
            # its manager thread) would live on through the emit phase, beside the forked emitters.
            fresh.close()

    timings["read"] = time.perf_counter() - started  # from the start: hashing, parts, reading, matching
    timings["match"] = match_seconds
    if progress is not None and rels:
        progress(len(rels), len(rels), "matching, checking, writing" if lang == "en" else "汇总、核对并写出")
    assign_ids(entries)
    # Rendered items are kept in memory (and in the parts) for a district, not for a city (~3 KB an item).
    keep = len(entries) <= FORK_MAX_ITEMS
    if not keep:
        for e in entries:
            e.json_line = None
    rows_paths = [str(cache.rows_path(pk)) if pk is not None and keep else None for pk in part_keys]
    staging = out.parent / f".{out.name}.staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    # With more than one job the emitters run side by side in forked children (fork: they have the compiled
    # catalogue without pickling it).  Forked children copy the parent's pages as they walk the items: worth it
    # for a district, not for a city (480,000 items: +1 GB a child), which writes everything in-process.
    children = _Children(timings) if jobs > 1 and len(entries) <= FORK_MAX_ITEMS and _can_fork() else None
    try:
        # The shared sheet writer is the slowest emitter by far: with a second core it runs beside
        # everything else, from the moment the items have their ids.
        sheets = (entries, _domain_order(reference, entries), district, as_of_value, staging, vocabulary, rows_paths,
                  [bool(p is not None and p.loaded) for p in parts])
        if xlsx:
            if children is not None:
                children.start("catalogue.xlsx", lambda: _write_xlsx(*sheets), timing="xlsx")
            else:
                clock = time.perf_counter()
                _write_xlsx(*sheets)
                timings["xlsx"] = time.perf_counter() - clock
        compiled = _assemble(district, as_of_value, lang, reference, plan, entries, infos, file_rows, skipped,
                             link_columns, timings, sorted(found.disk))
        compiled.keep = keep
        todo = [(part_keys[i], part) for i, part in enumerate(parts)
                if part is not None and part_keys[i] is not None and not part.loaded]

        _emit(compiled, staging, timings, children)
        # The parts hold the items' catalogue.json lines, rendered by now.  Written here, beside the writers still
        # running (a child of its own measured no faster: one more copy of the pages it walks).
        clock = time.perf_counter()
        for pk, part in todo:
            assert pk is not None
            _store_part(cache, pk, part, keep)  # a part that could not be written only costs time next compile
        timings["parts"] = time.perf_counter() - clock
        if children is not None:
            children.wait()
        result = _summary(compiled, out, as_of_source, infos, skipped)
        write_text(staging / MARKER, _marker_text(fingerprint, result, xlsx))
        cache.keep_into(staging / CACHE_DIR)
        _readable(staging)
        publish(staging, out)
    except BaseException:
        if children is not None:
            children.kill()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    timings["total"] = time.perf_counter() - started
    result.timings = timings
    return result


@cache_fn
def _package_fingerprint() -> str:
    """Hash of zwgk's own code and data, and of the libraries that shape the output bytes."""
    import importlib

    import networkx
    import openpyxl

    h = hashlib.sha256()
    for name in ("zwgk", "zwgk.compiler", "zwgk.validators", "zwgk.catalogs", "zwgk.schema"):
        root = Path(importlib.import_module(name).__file__ or ".").parent
        for p in sorted(root.rglob("*")):
            if p.suffix in (".py", ".json", ".html", ".js", ".css") and "__pycache__" not in p.parts:
                h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes())
    for version in (openpyxl.__version__, networkx.__version__, sqlite3.sqlite_version, _jsonschema_rs_version()):
        h.update(version.encode() + b"\0")
    return h.hexdigest()


def _jsonschema_rs_version() -> str:
    try:
        from importlib.metadata import version

        return version("jsonschema-rs")
    except Exception:
        return "-"


def _fingerprint(salt_value: str, rels: Sequence[str], keys: Sequence[str | None], skipped: Sequence[str],
                 manifest_path: Path | None, as_of: str, district: str, lang: str, xlsx: bool) -> str | None:
    """Everything a build depends on, hashed; None when a file could not be hashed (never up to date)."""
    if any(k is None for k in keys):
        return None
    data = {
        "code": _package_fingerprint(), "salt": salt_value, "files": list(zip(rels, keys, strict=True)),
        "skipped": list(skipped), "as_of": as_of, "district": district, "lang": lang,
        "manifest": hashlib.sha256(manifest_path.read_bytes()).hexdigest() if manifest_path else None,
        "xlsx": xlsx,
    }
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


_SUMMARY_FIELDS = ("district", "as_of", "as_of_source", "version", "files", "read", "cached", "skipped", "unreadable",
                   "roster_units", "submitted_units", "extra_units", "items", "errors", "warnings", "infos", "coverage",
                   "by_code", "not_submitted", "uncovered_clauses", "unreadable_files", "unreadable_units",
                   "multi_file_units", "extra_unit_files", "skipped_files")


def _marker_text(fingerprint: str | None, result: CompileResult, xlsx: bool) -> str:
    summary = {name: getattr(result, name) for name in _SUMMARY_FIELDS}
    body = {"about": "zwgk build folder: zwgk compile replaces it as a whole", "fingerprint": fingerprint,
            "xlsx": xlsx, "summary": summary}
    return json.dumps(body, ensure_ascii=False, indent=1) + "\n"


def _previous(out: Path, fingerprint: str) -> CompileResult | None:
    """The existing build's summary if it was made from exactly these inputs and is complete."""
    try:
        body = json.loads((out / MARKER).read_text(encoding="utf-8"))
        expected = [n for n in OUTPUTS if n != "catalogue.xlsx" or body.get("xlsx", True)]
        if body.get("fingerprint") != fingerprint or not all((out / name).is_file() for name in expected):
            return None
        s = body["summary"]
        s["coverage"] = {k: tuple(v) for k, v in s["coverage"].items()}
        s["by_code"] = {k: tuple(v) for k, v in s["by_code"].items()}
        s["cached"], s["read"] = s["files"], 0
        return CompileResult(out=out, up_to_date=True, **s)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _assemble(
    district: str,
    as_of: str,
    lang: str,
    reference: Reference,
    plan: Manifest,
    entries: list[Entry],
    infos: list[FileInfo],
    file_rows: list[tuple[tuple[Any, ...], CatalogueFinding]],
    skipped: list[Skipped],
    link_columns: dict[tuple[str, str], str | None],
    timings: dict[str, float],
    renamed: Sequence[str] = (),
) -> Compiled:
    started = time.perf_counter()
    # Units: the roster in its own order, then units outside it.
    roster = {u.name: u for u in reference.units}
    files_of: dict[str, list[str]] = defaultdict(list)
    for info in infos:
        files_of[info.unit].append(info.rel)
    unit_names = [u.name for u in reference.units] + sorted(set(files_of) - set(roster))
    level_of = {n: (roster[n].level if n in roster else None) for n in unit_names}

    # Matching happened file by file (_Matchers); fuzzy guideline candidates by item id for the rules.
    guideline_fuzzy: dict[str, tuple[tuple[str, float], ...]] = {}
    for e in entries:
        if e.guideline and not all(m.counted for m in e.guideline):
            guideline_fuzzy[e.id] = tuple((m.target, m.score) for m in e.guideline if not m.counted)

    # Unit facts for the rules.
    declared: dict[str, dict[str, str]] = defaultdict(dict)
    for ni in plan.not_involved:
        declared[ni.unit][ni.domain] = ni.reason
    domains_of: dict[str, set[str]] = defaultdict(set)
    for e in entries:
        if e.domain:
            domains_of[e.unit].add(e.domain)
    facts = {
        n: UnitFacts(
            name=n, kind=roster[n].kind if n in roster else None, level=level_of[n], in_roster=n in roster,
            submitted=bool(files_of.get(n)), files=tuple(files_of.get(n, ())), domains=frozenset(domains_of[n]),
            not_involved=declared.get(n, {}),
        )
        for n in unit_names
    }

    timings["facts"] = time.perf_counter() - started
    started = time.perf_counter()
    # Fuzzy candidates for clauses nothing covers (needs review; never counted).
    candidates = _clause_candidates(reference, entries, facts)
    view = CatalogueView(reference=reference, units=facts, items=entries, link_columns=link_columns,
                         clause_candidates=candidates, guideline_candidates=guideline_fuzzy)
    district_findings: list[Finding] = []
    for r in rules_for("catalogue"):
        assert r.check is not None
        district_findings.extend(r.check(view))
    for s in skipped:
        extra = {"files": _listed_names(s.inside), "count": len(s.inside)} if s.code == "file-skipped-archive" else {}
        district_findings.append(finding(s.code, SourceLocation(path=s.rel), path=s.rel, **extra))
    for rel in renamed:
        district_findings.append(finding("file-name-not-utf8", SourceLocation(path=rel), path=rel))

    timings["rules"] = time.perf_counter() - started
    started = time.perf_counter()
    rows = _finding_rows(file_rows, district_findings, lang)
    units = _unit_rows(reference, unit_names, facts, infos, entries, declared)
    domains = _domain_rows(reference, entries)
    clauses = _clause_rows(reference, entries)
    timings["assemble"] = time.perf_counter() - started
    return Compiled(district=district, as_of=as_of, lang=lang, reference=reference, entries=entries, units=units,
                    domains=domains, clauses=clauses, findings=rows, clause_candidates=candidates)


def _clause_candidates(reference: Reference, entries: list[Entry], facts: dict[str, UnitFacts]) -> dict[str, tuple[Candidate, ...]]:
    district_covered = {c for e in entries if is_district_item(e, facts) for c in e.clauses}
    all_covered = {c for e in entries for c in e.clauses}
    out: dict[str, tuple[Candidate, ...]] = {}

    pools: dict[int, tuple[list[str], list[str]]] = {}  # a pool's names and ids, worked out once per pool

    def pick(key: str, clause: Any, pool: list[Entry]) -> None:
        if id(pool) not in pools:
            pools[id(pool)] = ([name_key(e.name) for e in pool], [e.id for e in pool])
        names, ids = pools[id(pool)]
        found = clause_candidates(clause, names, ids)
        if found:
            out[key] = tuple(Candidate(item_id=i, score=s) for i, s in found)

    district_pool: list[Entry] | None = None
    for clause in reference.clauses:
        if clause.scope == "all" and clause.id not in district_covered:
            if district_pool is None:
                district_pool = [e for e in entries if is_district_item(e, facts)]
            pick(clause.id, clause, district_pool)
        elif clause.scope == "district" and clause.id not in all_covered:
            pick(clause.id, clause, entries)
    by_unit: dict[str, list[Entry]] = defaultdict(list)
    for e in entries:
        if is_township_unit(facts.get(e.unit)):
            by_unit[e.unit].append(e)
    for unit, pool in sorted(by_unit.items()):
        covered = {c for e in pool for c in e.clauses}
        for clause in reference.clauses:
            if clause.scope == "township" and clause.id not in covered:
                pick(f"{clause.id}|{unit}", clause, pool)
    return out


def _finding_rows(file_rows: list[tuple[tuple[Any, ...], CatalogueFinding]], district: list[Finding],
                  lang: str) -> list[CatalogueFinding]:
    rows = list(file_rows)
    for f in district:
        rows.append(_row(f, lang, unit=f.params.get("unit") or None, domain=f.params.get("domain") or None))
    rows.sort(key=lambda pair: pair[0])
    return [r for _, r in rows]


def _row(f: Finding, lang: str, *, unit: str | None, domain: str | None) -> tuple[tuple[Any, ...], CatalogueFinding]:
    loc = f.location
    row = CatalogueFinding(
        code=f.code, severity=f.severity.value, message=render(f, lang), unit=unit or None, domain=domain or None,
        clause=f.params.get("clause") or None, path=loc.path or None, sheet=loc.sheet, row=loc.row, cell=loc.cell,
        field=loc.field, params=dict(sorted(f.params.items())),
    )
    return (*f.sort_key(), unit or "", json.dumps(row.params, ensure_ascii=False, sort_keys=True)), row


def _unit_rows(reference: Reference, names: list[str], facts: dict[str, UnitFacts], infos: list[FileInfo],
               entries: list[Entry], declared: dict[str, dict[str, str]]) -> list[CatalogueUnit]:
    items: Counter[str] = Counter(e.unit for e in entries)
    errors: Counter[str] = Counter()
    warnings: Counter[str] = Counter()
    for info in infos:
        errors[info.unit] += info.errors
        warnings[info.unit] += info.warnings
    responsible: dict[str, list[str]] = defaultdict(list)
    for r in reference.responsibilities:
        for u in r.units:
            responsible[u].append(r.domain)
    out = []
    for n in names:
        f = facts[n]
        pairing = reference.pairing_for(n) if f.in_roster else None
        out.append(CatalogueUnit(
            name=n, kind=f.kind, level=f.level, in_roster=f.in_roster, submitted=f.submitted, files=list(f.files),
            items=items[n], errors=errors[n], warnings=warnings[n], domains=_ordered_domains(reference, f.domains),
            responsible_for=responsible.get(n, []),
            not_involved=[NotInvolved(domain=d, reason=r) for d, r in sorted(declared.get(n, {}).items())],
            paired_with=pairing.city_department if pairing else None,
        ))
    return out


def _ordered_domains(reference: Reference, names: Iterable[str]) -> list[str]:
    order = {d.name: i for i, d in enumerate(reference.domains)}
    return sorted(names, key=lambda n: (order.get(n, len(order)), n))


def _domain_rows(reference: Reference, entries: list[Entry]) -> list[CatalogueDomain]:
    items: Counter[str] = Counter(e.domain for e in entries if e.domain)
    units: dict[str, set[str]] = defaultdict(set)
    covered: dict[str, set[str]] = defaultdict(set)
    for e in entries:
        if e.domain:
            units[e.domain].add(e.unit)
    out = []
    known = {d.name for d in reference.domains}
    for d in reference.domains:
        responsible = {u.name for u in reference.units_for_domain(d.name)}
        for e in entries:
            if e.domain == d.name and e.guideline_counted and (
                    not responsible or e.unit in responsible or responsible & set(e.subject_units)):
                covered[d.name].update(e.guideline_counted)
        wanted = {g.code for g in reference.guideline_items_for(d.name)}
        out.append(CatalogueDomain(
            name=d.name, no=d.no, pilot=d.pilot, units=sorted(units[d.name]),
            responsible_units=[u.name for u in reference.units_for_domain(d.name)], items=items[d.name],
            guideline_items=len(wanted), guideline_covered=len(covered[d.name] & wanted),
        ))
    for name in sorted(set(items) - known):
        out.append(CatalogueDomain(name=name, pilot=False, units=sorted(units[name]), items=items[name]))
    return out


def _clause_rows(reference: Reference, entries: list[Entry]) -> list[ClauseCoverage]:
    by_clause: dict[str, list[Entry]] = defaultdict(list)
    for e in entries:
        for c in e.clauses:
            by_clause[c].append(e)
    return [
        ClauseCoverage(id=c.id, label=c.label, text=c.text, scope=c.scope, items=[e.id for e in by_clause[c.id]],
                       units=sorted({e.unit for e in by_clause[c.id]}))
        for c in reference.clauses
    ]


# ---------------------------------------------------------------------------------------------------------
# Emitting.


def _emit(c: Compiled, staging: Path, timings: dict[str, float], children: _Children | None) -> None:
    """Every output but catalogue.xlsx (written already, or being written by a child) into ``staging``.

    catalogue.json comes first: its content hash is the ``version`` that catalogue.sqlite and the graph carry.
    With ``children`` those two are then written by forked children (the caller waits for them); without,
    here, one after another."""
    clock = time.perf_counter()
    _emit_json(c, staging)
    timings["json"] = time.perf_counter() - clock
    writers: list[tuple[str, str, Callable[[], None]]] = [
        ("catalogue.sqlite", "sqlite", lambda: _emit_sqlite(c, staging)),
        ("graph.json/graph.graphml", "graph",
         lambda: write_graph_streamed(c, staging / "graph.json", staging / "graph.graphml")),
    ]
    for name, timing, write in writers:
        if children is not None:
            children.start(name, write, timing=timing)
        else:
            clock = time.perf_counter()
            write()
            timings[timing] = time.perf_counter() - clock


class _Children:
    """Emitters in forked children of the compile, each reporting on a pipe: ``ok WALL CPU`` or what went wrong.

    A child asks the kernel to kill it when the compile dies (PR_SET_PDEATHSIG: a SIGKILLed compile leaves no
    writer behind) and never collects garbage (a full collection would touch, and so copy, every page of the
    parent's objects it shares).  Outputs are written into the staging folder as in-process (atomically), so a
    failed or killed child leaves nothing published."""

    def __init__(self, timings: dict[str, float]) -> None:
        self.timings = timings
        self.running: list[tuple[str, str, Any, int]] = []  # output, timing key, process, report fd

    def start(self, name: str, target: Callable[[], None], *, timing: str) -> None:
        """Run ``target`` (which writes ``name``) in a forked child; in this process when no child can be forked."""
        rfd, wfd = os.pipe()
        parent = os.getpid()

        def run() -> None:
            os.close(rfd)
            try:
                ctypes.CDLL(None).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
            except (OSError, AttributeError):
                pass
            if os.getppid() != parent:  # the compile died before the request above took effect
                os._exit(1)
            gc.disable()
            status, clock = 0, time.perf_counter()
            try:
                target()
                report = f"ok {time.perf_counter() - clock:.3f} {time.process_time():.3f}"
            except BaseException as exc:  # noqa: B036 - reported to the compile, which stops
                status, report = 1, f"{type(exc).__name__}: {str(exc)[:300]}"
            try:
                os.write(wfd, report.encode("utf-8", "replace")[:4000])  # a pipe holds 64 KB: never blocks
            finally:
                os._exit(status)

        proc = multiprocessing.get_context("fork").Process(target=run, name=f"zwgk-emit-{name}")
        try:
            proc.start()
        except OSError:  # no process to be had (EAGAIN, ENOMEM): the same work, in-process
            os.close(rfd)
            clock = time.perf_counter()
            target()
            self.timings[timing] = time.perf_counter() - clock
            return
        finally:
            os.close(wfd)
        self.running.append((name, timing, proc, rfd))

    def wait(self) -> None:
        """Wait for every child, in the order they end; raise :class:`CompileError` at the first that failed
        (the caller then ends the others: a failure is not waited out behind a slower sibling)."""
        clock = time.perf_counter()
        while self.running:
            ended = set(wait_any([proc.sentinel for _, _, proc, _ in self.running]))
            for entry in [x for x in self.running if x[2].sentinel in ended]:
                self.running.remove(entry)
                name, timing, proc, rfd = entry
                proc.join()
                with os.fdopen(rfd, "rb") as fh:
                    report = fh.read().decode("utf-8", "replace")
                if proc.exitcode == 0 and report.startswith("ok "):
                    # The child's own seconds: wall, and CPU (the work plus the pages it had to copy).
                    wall, cpu = report[3:].split()
                    self.timings[f"{timing}_child"] = float(wall)
                    self.timings[f"{timing}_child_cpu"] = float(cpu)
                    continue
                zh, en = (report, report) if report else _exit_text(proc.exitcode)
                raise CompileError(f"无法写出 {name}（{zh}），已停止，原有构建未改动。",
                                   f"{name} could not be written ({en}); stopped, the previous build is untouched.")
        self.timings["wait"] = time.perf_counter() - clock

    def kill(self) -> None:
        """End every child still running (the compile is stopping)."""
        while self.running:
            _, _, proc, rfd = self.running.pop()
            if proc.is_alive():
                proc.kill()
            proc.join()
            os.close(rfd)


def _exit_text(code: int | None) -> tuple[str, str]:
    """How a child that sent no report ended, in Chinese and English."""
    if code is not None and code < 0:
        try:
            sig = signal.Signals(-code).name
        except ValueError:
            sig = str(-code)
        return f"写出进程被信号 {sig} 终止，可能是内存不足", f"the writing process was ended by signal {sig}, perhaps out of memory"
    return f"写出进程意外退出，退出码 {code}", f"the writing process exited unexpectedly with code {code}"


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _domain_order(reference: Reference, entries: Sequence[Entry]) -> list[str]:
    """Sheet order of catalogue.xlsx: the reference domains, then unknown domain names, then no domain."""
    present = {e.domain or NO_DOMAIN for e in entries}
    known = [d.name for d in reference.domains if d.name in present]
    return known + sorted(present - set(known) - {NO_DOMAIN}) + ([NO_DOMAIN] if NO_DOMAIN in present else [])


def _write_xlsx(entries: Sequence[Entry], domains: Sequence[str], district: str, as_of: str, staging: Path,
                vocabulary: Any, rows_paths: Sequence[str | None] = (), loaded: Sequence[bool] = ()) -> None:
    """catalogue.xlsx; each file's rendered rows are kept beside its part (``rows_paths``) for the next compile.

    With more than one job it runs in a forked child: what it renders reaches the next compile only through those
    files.  A file's rows are reused only when its part was (``loaded``): they were rendered from the same items.
    """
    by_domain: dict[str, list[Entry]] = defaultdict(list)
    for e in entries:
        by_domain[e.domain or NO_DOMAIN].append(e)
    kept: dict[int, list[Any]] = {}
    for i, path in enumerate(rows_paths):
        if path is not None and i < len(loaded) and loaded[i]:
            kept[i] = _load_rows(Path(path))
    rendered: dict[int, dict[int, RowPart]] = defaultdict(dict)

    def prepared(e: Entry) -> PreparedRow:
        part = None
        if e.id == e.base_id:
            rows = kept.get(e.part)
            part = rows[e.pos] if rows is not None and e.pos < len(rows) else None
            if rows_paths and e.part < len(rows_paths) and rows_paths[e.part] is not None:
                return PreparedRow(e.sheet_row(), part, lambda p, e=e: rendered[e.part].__setitem__(e.pos, p))
        return PreparedRow(e.sheet_row(), part)

    sheets = ((d, [prepared(e) for e in by_domain[d]]) for d in domains)
    write_catalogue_xlsx(staging / "catalogue.xlsx", sheets, district=district, as_of=as_of, vocabulary=vocabulary)
    counts = Counter(e.part for e in entries)
    for i, new in rendered.items():
        path = rows_paths[i]
        assert path is not None
        old = kept.get(i) or []
        rows = [new.get(pos) or (old[pos] if pos < len(old) else None) for pos in range(counts[i])]
        _store_rows(Path(path), rows)


def _load_rows(path: Path) -> list[Any]:
    try:
        data = json.loads(path.read_bytes())
        return [None if r is None else RowPart(r[0], r[1], tuple(r[2]) if r[2] else None) for r in data]
    except (OSError, ValueError, TypeError, IndexError):
        return []


def _store_rows(path: Path, rows: list[Any]) -> None:
    data = [None if r is None else [r.plan, r.xml, list(r.link) if r.link else None] for r in rows]
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)


def _readable(staging: Path) -> None:
    """Outputs as the user's umask allows (atomic writes start from private 0600 temporary files)."""
    mask = os.umask(0)
    os.umask(mask)
    for name in (*OUTPUTS, MARKER):
        p = staging / name
        if p.exists():
            os.chmod(p, 0o666 & ~mask)


def _emit_json(c: Compiled, staging: Path) -> None:
    head = {
        "format_version": FORMAT_VERSION,
        "district": c.district,
        "as_of": c.as_of,
        "units": [u.model_dump(mode="json") for u in c.units],
        "domains": [d.model_dump(mode="json") for d in c.domains],
        "clauses": [cl.model_dump(mode="json") for cl in c.clauses],
    }
    findings = [f.model_dump(mode="json") for f in c.findings]

    def lines() -> Iterator[str]:
        for n, e in enumerate(c.entries):
            line = e.json_line if e.id == e.base_id else None
            if line is None:
                line = item_line(e.catalogue_dict(), n)
                if c.keep and e.id == e.base_id:
                    e.json_line = line
            yield line

    try:
        with atomic_path(staging / "catalogue.json") as tmp, tmp.open("w", encoding="utf-8", newline="\n") as fh:
            c.version = write_catalogue(fh, head, lines(), {"findings": findings})
    except CatalogueInvalid as exc:
        raise CompileError(
            f"生成的 catalogue.json 不符合 schema/catalogue.schema.json（{exc.where}：{exc.detail}），已停止，未改动原有构建。"
            f"这是 zwgk 的缺陷，请把命令和提交目录报告给维护者。",
            f"The catalogue.json being written does not match schema/catalogue.schema.json ({exc.where}: {exc.detail}); "
            f"stopped, the previous build is untouched. This is a zwgk bug: please report it.") from exc
    counts = Counter(f.severity for f in c.findings)
    issues_head = {"district": c.district, "as_of": c.as_of, "version": c.version, "errors": counts["error"],
                   "warnings": counts["warning"], "info": counts["info"]}
    with atomic_path(staging / "issues.json") as tmp, tmp.open("w", encoding="utf-8", newline="\n") as fh:
        write_issues(fh, issues_head, findings)


def _emit_sqlite(c: Compiled, staging: Path) -> None:
    # The list columns repeat (interned tuples): each distinct value is encoded once.
    lists: dict[tuple[str, ...], str] = {}

    def jl(value: tuple[str, ...]) -> str:
        text = lists.get(value)
        if text is None:
            text = lists[value] = js(list(value))
        return text

    def item_rows() -> Iterator[tuple[Any, ...]]:
        for e in c.entries:
            yield (e.id, e.unit, e.domain, e.category, e.seq, e.level1, e.level2, e.level3, e.name, e.content, e.basis,
                   e.time_limit, e.subject, jl(e.subject_units), jl(e.channels), jl(e.audience),
                   e.audience_note, jl(e.mode), jl(e.levels), e.guideline_code, js(e.extra) if e.extra else "{}",
                   e.path, e.sheet, e.row)

    write_catalogue_sqlite(
        staging / "catalogue.sqlite",
        meta={"district": c.district, "as_of": c.as_of, "version": c.version, "format_version": FORMAT_VERSION},
        units=((u.name, u.kind, u.level, int(u.in_roster), int(u.submitted), u.items, u.errors, u.warnings, u.paired_with,
                js(u.files), js(u.domains), js(u.responsible_for), js([n.model_dump() for n in u.not_involved]))
               for u in c.units),
        domains=((d.name, d.no, int(d.pilot), d.items, d.guideline_items, d.guideline_covered, js(d.units),
                  js(d.responsible_units)) for d in c.domains),
        clauses=((cl.id, cl.label, cl.text, cl.scope, len(cl.items), js(cl.units)) for cl in c.clauses),
        items=item_rows(),
        links=((e.id, n, url) for e in c.entries for n, url in enumerate(e.links, start=1)),
        item_clauses=((e.id, cid) for e in c.entries for cid in e.clauses),
        item_guideline=((e.id, m.target, m.method, m.score, int(m.counted)) for e in c.entries for m in e.guideline),
        findings=((f.code, f.severity, f.message, f.unit, f.domain, f.clause, f.path, f.sheet, f.row, f.cell, f.field,
                   js(f.params)) for f in c.findings),
    )


# ---------------------------------------------------------------------------------------------------------
# The summary.


def _listed_names(names: Sequence[str]) -> str:
    shown = "、".join(names[:_ARCHIVE_LISTED])
    return (shown + (" …" if len(names) > _ARCHIVE_LISTED else "")) if names else "—"


def _summary(c: Compiled, out: Path, as_of_source: str, infos: list[FileInfo], skipped: list[Skipped]) -> CompileResult:
    reference = c.reference
    counts = Counter(f.severity for f in c.findings)
    by_code: dict[str, tuple[str, int]] = {}
    for code, n in sorted(Counter(f.code for f in c.findings).items()):
        sev = next(f.severity for f in c.findings if f.code == code)
        by_code[code] = (sev, n)
    uncovered = {(f.code, f.clause, f.unit) for f in c.findings if f.code.startswith("clause-uncovered")}
    art20 = [cl for cl in reference.clauses if cl.scope == "all"]
    art21d = [cl for cl in reference.clauses if cl.scope == "district"]
    art21t = [cl for cl in reference.clauses if cl.scope == "township"]
    townships = [u.name for u in c.units if u.submitted and u.kind in TOWNSHIP_KINDS]
    coverage = {
        "art20": (sum(1 for cl in art20 if ("clause-uncovered", cl.id, None) not in uncovered), len(art20)),
        "art21-district": (sum(1 for cl in art21d if ("clause-uncovered-district", cl.id, None) not in uncovered), len(art21d)),
        "art21-township": (
            sum(1 for t in townships for cl in art21t if ("clause-uncovered-township", cl.id, t) not in uncovered),
            len(art21t) * len(townships),
        ),
        "guideline": (sum(d.guideline_covered for d in c.domains if d.pilot), sum(d.guideline_items for d in c.domains if d.pilot)),
    }
    roster = [u for u in c.units if u.in_roster]
    return CompileResult(
        out=out, district=c.district, as_of=c.as_of, as_of_source=as_of_source, version=c.version,
        files=len(infos), read=sum(1 for i in infos if not i.cached), cached=sum(1 for i in infos if i.cached),
        skipped=len(skipped), unreadable=sum(1 for i in infos if not i.readable),
        roster_units=len(roster), submitted_units=sum(1 for u in roster if u.submitted),
        extra_units=sum(1 for u in c.units if not u.in_roster), items=len(c.entries),
        errors=counts["error"], warnings=counts["warning"], infos=counts["info"],
        coverage=coverage, by_code=by_code, not_submitted=[u.name for u in roster if not u.submitted],
        unreadable_files=[i.rel for i in infos if not i.readable],
        unreadable_units={i.rel: i.unit for i in infos if not i.readable},
        multi_file_units={u.name: list(u.files) for u in c.units if len(u.files) > 1},
        extra_unit_files={u.name: list(u.files) for u in c.units if not u.in_roster and u.files},
        skipped_files={s.rel: s.code for s in skipped},
        uncovered_clauses=[cl.label for cl in (*art20, *art21d)
                           if ("clause-uncovered" if cl.scope == "all" else "clause-uncovered-district", cl.id, None) in uncovered],
    )


__all__ = ["CompileError", "CompileResult", "ManifestError", "compile_district", "discover", "publish"]
