"""Per-file result cache under ``BUILD/.cache``: an unchanged file is not read again.

A result is keyed by the file's content hash, the path it is shown under, the manifest's unit/domain for
it, and a *salt*: the tool version, a fingerprint of the reader and rule code, the reference catalogues
and the safety limits.  Anything that could change what ``check_file`` returns is in the key, so a hit
is always the result a fresh read would give.  Entries are JSON (never pickle: the build folder is
ordinary user-writable data, and loading it must not run code).

The same folder keeps each file's *part* of the compiled catalogue (``store_json``/``load_json``: its items
matched and rendered, its findings worded — see ``compile.FilePart``) under a key that adds zwgk's whole
code and the language, and beside it the file's rendered catalogue.xlsx rows (``rows_path``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import asdict
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from zwgk.compiler.reader.limits import Limits
from zwgk.validators.models import FileResult

from zwgk import __version__

CACHE_DIR = ".cache"


def file_digest(path: Path) -> str:
    """SHA-256 of the file's bytes (streamed: a 100 MB workbook is not held in memory)."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


@cache
def code_fingerprint() -> str:
    """Hash of the code and data that decide a file's result: reader, rules, reference catalogues.

    The version number alone would let a developer's edited rule serve stale results from the cache.
    """
    import zwgk.catalogs as catalogs
    import zwgk.compiler.reader as reader
    import zwgk.validators as validators
    from zwgk.compiler import check

    h = hashlib.sha256(__version__.encode())
    roots = [Path(reader.__file__).parent, Path(validators.__file__).parent, Path(catalogs.__file__).parent]
    files = sorted({p for root in roots for p in root.rglob("*") if p.suffix in (".py", ".json")})
    files.append(Path(check.__file__))
    for p in files:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def salt(limits: Limits, government_hosts: Iterable[str] = ()) -> str:
    h = hashlib.sha256(code_fingerprint().encode())
    h.update(repr(sorted(asdict(limits).items())).encode())
    h.update(repr(sorted(government_hosts)).encode())
    return h.hexdigest()


class ResultCache:
    """Cache entries under ``root``; remembers which keys this compile used (the rest are dropped)."""

    def __init__(self, root: Path, salt: str) -> None:
        self.root = root
        self.salt = salt
        self.used: set[str] = set()
        self.hits = 0
        self.misses = 0

    def key(self, digest: str, shown_path: str, unit: str | None, domain: str | None) -> str:
        h = hashlib.sha256(self.salt.encode())
        for part in (digest, shown_path, unit or "", domain or ""):
            h.update(b"\x1f" + part.encode())
        return h.hexdigest()

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def has(self, key: str) -> bool:
        self.used.add(key)
        return self.path(key).is_file()

    def get(self, key: str) -> FileResult | None:
        self.used.add(key)
        try:
            text = self.path(key).read_bytes()
        except OSError:
            self.misses += 1
            return None
        try:
            result = FileResult.model_validate_json(text)
        except (ValidationError, ValueError):
            self.misses += 1  # a damaged entry is a miss, and the fresh result overwrites it
            return None
        self.hits += 1
        return result

    def rows_path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.rows.json"

    def store_json(self, key: str, body: Any) -> None:
        """Write a part (see the module docstring); marks the key used."""
        self.used.add(key)
        _write_atomic(self.path(key), json.dumps(body, ensure_ascii=False, separators=(",", ":")))

    def load_json(self, key: str) -> Any:
        """A part, or None when there is none (or it is damaged); marks the key used."""
        self.used.add(key)
        try:
            return json.loads(self.path(key).read_bytes())
        except (OSError, ValueError):
            return None

    def keep_into(self, target_root: Path) -> None:
        """Hard-link (or copy) the entries this compile used into ``target_root`` (a new build's cache)."""
        for key in sorted(self.used):
            for src in (self.path(key), self.rows_path(key)):
                if not src.exists():
                    continue
                dst = target_root / key[:2] / src.name
                dst.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(src, dst)
                except OSError:
                    shutil.copyfile(src, dst)


def store(path: Path, result: FileResult) -> None:
    """Write one entry atomically (workers call this; a killed worker leaves no half entry).

    No fsync: after a power cut an entry may be empty, which reads as a miss — cheaper than 10,000 syncs.
    """
    _write_atomic(path, result.model_dump_json())


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)  # a cache that cannot be written only costs time on the next compile
