"""Uploads and results on disk, each under an unguessable token, deleted when their lifetime ends.

Layout: ``<data_dir>/<token>/`` holding ``meta.json`` (written first), the upload as ``upload.<ext>``
(deleted as soon as it is checked), ``report.json``, ``view.json`` and ``annotated.xlsx``.  No path is ever
derived from what the client sent: the token is ours and the extension comes from a fixed list.
Only folders whose names look like tokens are ever deleted, so a ``--data-dir`` shared with other
files loses nothing else.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from zwgk.compiler.emit.atomic import write_text

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
# Accepted extensions → the stored upload's suffix (calamine picks its parser by extension; an .xlsm is an
# .xlsx package whose macros are reported, never run, and dropped from the annotated copy).
ALLOWED_SUFFIXES = {".xlsx": ".xlsx", ".xlsm": ".xlsx", ".xls": ".xls", ".ods": ".ods", ".csv": ".csv"}
META = "meta.json"
# A folder without meta.json is a crash between mkdir and the first write; give it this long (real time).
ORPHAN_GRACE_SECONDS = 600.0


class Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    token: str
    original_name: str
    suffix: str
    unit_choice: str | None = None
    lang: str = "zh"
    created: float
    expires: float
    status: Literal["pending", "done"] = "pending"
    readable: bool = True
    annotated: bool = False
    errors: int = 0
    warnings: int = 0


class Store:
    def __init__(self, root: Path, ttl: float, clock: Callable[[], float]) -> None:
        self.root = root
        self.ttl = ttl
        self.clock = clock
        self._lock = threading.Lock()
        root.mkdir(parents=True, exist_ok=True, mode=0o700)

    # -- paths ----------------------------------------------------------------------------------------------

    def folder(self, token: str) -> Path:
        if not TOKEN_RE.match(token):
            raise ValueError("not a token")
        return self.root / token

    def upload_path(self, entry: Entry) -> Path:
        return self.folder(entry.token) / ("upload" + entry.suffix)

    def file(self, entry: Entry, name: Literal["report.json", "view.json", "annotated.xlsx"]) -> Path:
        return self.folder(entry.token) / name

    # -- lifecycle ------------------------------------------------------------------------------------------

    def new(self, original_name: str, suffix: str, lang: str) -> Entry:
        if suffix not in ALLOWED_SUFFIXES.values():
            raise ValueError(f"suffix {suffix!r} not allowed")
        now = self.clock()
        while True:
            token = secrets.token_urlsafe(32)
            try:
                self.folder(token).mkdir(mode=0o700)
                break
            except FileExistsError:  # pragma: no cover - 256 random bits
                continue
        entry = Entry(token=token, original_name=original_name[:255], suffix=suffix, lang=lang, created=now,
                      expires=now + self.ttl)
        self.save(entry)
        return entry

    def save(self, entry: Entry) -> None:
        folder = self.folder(entry.token)
        if not folder.is_dir():
            return  # deleted meanwhile (expired, or the check was abandoned): never resurrect it
        write_text(folder / META, entry.model_dump_json())

    def load(self, token: str) -> Entry | None:
        """The entry, or None when unknown, malformed or expired (an expired one is deleted now)."""
        if not TOKEN_RE.match(token):
            return None
        entry = self._read_meta(self.folder(token))
        if entry is None:
            return None
        if self.expired(entry):
            self.delete(token)
            return None
        return entry

    def expired(self, entry: Entry) -> bool:
        return self.clock() >= entry.expires

    def delete(self, token: str) -> None:
        if TOKEN_RE.match(token):
            shutil.rmtree(self.folder(token), ignore_errors=True)

    def sweep(self) -> int:
        """Delete every expired or broken entry; returns how many folders went."""
        removed = 0
        with self._lock:
            try:
                children = list(os.scandir(self.root))
            except FileNotFoundError:
                return 0
            for child in children:
                if not TOKEN_RE.match(child.name) or not child.is_dir(follow_symlinks=False):
                    continue
                entry = self._read_meta(Path(child.path))
                if entry is None:
                    if time.time() - child.stat(follow_symlinks=False).st_mtime < ORPHAN_GRACE_SECONDS:
                        continue
                elif not self.expired(entry):
                    continue
                shutil.rmtree(child.path, ignore_errors=True)
                removed += 1
        return removed

    def entries(self) -> list[Entry]:
        found = []
        for child in sorted(self.root.iterdir()):
            if TOKEN_RE.match(child.name):
                entry = self._read_meta(child)
                if entry is not None:
                    found.append(entry)
        return found

    @staticmethod
    def _read_meta(folder: Path) -> Entry | None:
        try:
            return Entry.model_validate_json((folder / META).read_bytes())
        except (OSError, ValidationError, ValueError):
            return None

    # -- results --------------------------------------------------------------------------------------------

    def write_json(self, entry: Entry, name: Literal["report.json", "view.json"], data: Any | str) -> None:
        text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
        folder = self.folder(entry.token)
        if folder.is_dir():
            write_text(folder / name, text)

    def read_view(self, entry: Entry) -> dict[str, Any] | None:
        try:
            data = json.loads(self.file(entry, "view.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None
