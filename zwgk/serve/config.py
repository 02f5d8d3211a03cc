"""Settings of `zwgk serve`: one frozen object, so a test builds an app with exactly the knobs it needs."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from zwgk.compiler.reader.limits import Limits

MB = 1024 * 1024


@dataclass(frozen=True)
class ServeConfig:
    host: str = "127.0.0.1"
    port: int = 8000
    # The upload (file part) size limit, enforced while the body streams in.
    max_upload_bytes: int = 20 * MB
    # Seconds a result (page, JSON report, annotated copy) stays downloadable.
    result_ttl: float = 3600.0
    # Output folder of the last `zwgk compile` (holds catalogue.json); optional.
    build: Path | None = None
    # Where uploads and results live; None → a private temporary folder removed at shutdown.
    data_dir: Path | None = None
    lang: str = "zh"
    # Reader limits for uploaded files; max_file_bytes is replaced by max_upload_bytes.
    limits: Limits = field(default_factory=lambda: Limits(max_seconds=60.0))
    # Wall-clock budget for checking plus annotating one upload; past it the client gets an answer
    # and the worker thread is abandoned (a thread cannot be killed; it finishes in the background).
    check_timeout: float = 90.0
    # Checks run at once; requests beyond `max_running` (abandoned threads included) get 503 at once.
    workers: int = 2
    max_running: int = 6
    # Token buckets per client address: uploads, and every request.
    upload_burst: int = 10
    upload_per_minute: float = 10.0
    request_burst: int = 120
    request_per_minute: float = 600.0
    # How long an oversized or refused body is still read (and discarded) so browsers see the answer page
    # instead of a reset connection; None → max_upload_bytes.
    drain_bytes: int | None = None
    drain_seconds: float = 15.0
    # Findings listed per rule on the result page (counts are never capped; the downloads have all).
    max_entries_per_rule: int = 200
    sweep_interval: float = 60.0
    # CSRF tokens are HMACs of the cookie under this key; None → random per process.
    secret: bytes | None = None
    government_hosts: tuple[str, ...] = ()
    # Injected in tests to make expiry and rate limits deterministic.
    clock: Callable[[], float] = time.time

    @property
    def reader_limits(self) -> Limits:
        return dataclasses.replace(
            self.limits,
            max_file_bytes=self.max_upload_bytes,
            max_seconds=min(self.limits.max_seconds, self.check_timeout),
        )

    @property
    def drain_limit(self) -> int:
        return self.max_upload_bytes if self.drain_bytes is None else self.drain_bytes
