"""Streaming multipart parsing: the file goes straight to its random path and is cut off at the limit.

Starlette's ``request.form()`` would spool the whole body before we could judge its size; here every
chunk is counted as it arrives, the CSRF field is verified before the first byte of the file part is
stored (the form puts it first), and a refused request's body is read on only as far as ``drain`` allows.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import anyio
from python_multipart import MultipartParser
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import parse_options_header
from starlette.requests import Request

# Multipart framing and the small form fields around the file part.
BODY_SLACK = 64 * 1024
MAX_FIELDS = 16
MAX_FIELD_BYTES = 4096


class UploadError(Exception):
    """The request is refused: an HTTP status and a message key of ``zwgk.serve.messages``."""

    def __init__(self, status: int, key: str, **params: object) -> None:
        super().__init__(key)
        self.status = status
        self.key = key
        self.params = params


@dataclass
class Upload:
    fields: dict[str, str] = field(default_factory=dict)
    filename: str | None = None
    path: Path | None = None
    size: int = 0
    complete: bool = False  # the request body was read to its end


# Called at the start of the file part with the client's file name and the fields so far; returns where
# to store the bytes, or raises UploadError (bad CSRF token, unsupported type…).
FileTarget = Callable[[str, dict[str, str]], Path]


def client_filename(raw: bytes) -> str:
    """The name as the user sees it: browsers may send a full Windows path; keep its last part only."""
    name = raw.decode("utf-8", errors="replace")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch >= " " and ch != "\x7f")[:255]


class _Sink:
    def __init__(self, target: FileTarget, max_bytes: int, upload: Upload) -> None:
        self.target = target
        self.max_bytes = max_bytes
        self.upload = upload
        self.headers: dict[bytes, bytes] = {}
        self.hname = bytearray()
        self.hvalue = bytearray()
        self.mode: str | None = None
        self.part_name = ""
        self.buf = bytearray()
        self.fh: BinaryIO | None = None
        self.files = 0

    @property
    def callbacks(self) -> dict[str, Callable[..., None]]:
        return {
            "on_part_begin": self.part_begin,
            "on_header_field": self.header_field,
            "on_header_value": self.header_value,
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
        }

    def part_begin(self) -> None:
        self.headers = {}
        self.mode = None

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self.hname += data[start:end]
        if len(self.hname) > MAX_FIELD_BYTES:
            raise UploadError(400, "bad-form")

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self.hvalue += data[start:end]
        if len(self.hvalue) > MAX_FIELD_BYTES:
            raise UploadError(400, "bad-form")

    def header_end(self) -> None:
        self.headers[bytes(self.hname).strip().lower()] = bytes(self.hvalue).strip()
        self.hname.clear()
        self.hvalue.clear()

    def headers_finished(self) -> None:
        _, opts = parse_options_header(self.headers.get(b"content-disposition", b""))
        if b"filename" in opts:
            self.files += 1
            if self.files > 1:
                raise UploadError(400, "one-file")
            name = client_filename(opts[b"filename"])
            if not name:
                self.mode = "skip"  # the browser's empty file part: no file chosen
                return
            self.upload.filename = name
            path = self.target(name, dict(self.upload.fields))
            self.upload.path = path
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            self.fh = os.fdopen(fd, "wb")
            self.mode = "file"
        else:
            if len(self.upload.fields) >= MAX_FIELDS:
                raise UploadError(400, "bad-form")
            self.part_name = opts.get(b"name", b"").decode("utf-8", errors="replace")
            self.buf = bytearray()
            self.mode = "field"

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self.mode == "file":
            assert self.fh is not None
            self.upload.size += end - start
            if self.upload.size > self.max_bytes:
                raise UploadError(413, "too-large")
            self.fh.write(data[start:end])
        elif self.mode == "field":
            if len(self.buf) + end - start > MAX_FIELD_BYTES:
                raise UploadError(400, "bad-form")
            self.buf += data[start:end]

    def part_end(self) -> None:
        if self.mode == "file" and self.fh is not None:
            self.fh.close()
            self.fh = None
        elif self.mode == "field":
            self.upload.fields[self.part_name] = self.buf.decode("utf-8", errors="replace")
        self.mode = None

    def abort(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None
        if self.upload.path is not None:
            self.upload.path.unlink(missing_ok=True)


async def receive_upload(request: Request, upload: Upload, *, max_bytes: int, target: FileTarget) -> Upload:
    """Parse the body of a multipart upload into ``upload``; raises UploadError (``upload.complete`` then
    tells whether the body was read to its end, so the caller knows whether to drain it)."""
    ctype, opts = parse_options_header(request.headers.get("content-type", ""))
    boundary = opts.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        raise UploadError(400, "bad-form")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes + BODY_SLACK:
        raise UploadError(413, "too-large")  # refused before a byte of the body is read
    sink = _Sink(target, max_bytes, upload)
    parser = MultipartParser(boundary, sink.callbacks)  # type: ignore[arg-type]
    total = 0
    try:
        while True:
            message = await request.receive()
            if message["type"] == "http.disconnect":
                upload.complete = True  # nothing more will come
                raise UploadError(400, "disconnected")
            chunk = message.get("body", b"")
            more = message.get("more_body", False)
            upload.complete = not more
            total += len(chunk)
            if total > max_bytes + BODY_SLACK:
                raise UploadError(413, "too-large")
            if chunk:
                parser.write(chunk)
            if not more:
                break
        parser.finalize()
        if sink.fh is not None:
            raise UploadError(400, "bad-form")  # the body ended inside the file part
    except UploadError:
        sink.abort()
        raise
    except (MultipartParseError, ValueError) as exc:
        sink.abort()
        raise UploadError(400, "bad-form") from exc
    except BaseException:
        sink.abort()
        raise
    return upload


async def drain(request: Request, upload: Upload | None, limit: int, seconds: float) -> None:
    """Read and discard the rest of a refused body, up to ``limit`` bytes and ``seconds``, so a browser that
    is still sending reads our answer instead of a reset connection.  A body declared larger than what we
    would drain is not read at all, and a stalled client is not waited for."""
    if upload is not None and upload.complete:
        return
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + (upload.size if upload else 0) + BODY_SLACK:
        return
    seen = 0
    with anyio.move_on_after(seconds):
        while seen <= limit:
            message = await request.receive()
            if message["type"] == "http.disconnect":
                return
            seen += len(message.get("body", b""))
            if not message.get("more_body", False):
                return
