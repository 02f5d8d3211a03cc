"""`zwgk serve`: the check of `zwgk check`, in a browser.

    create_app(ServeConfig(...)) -> Starlette      # what tests and uvicorn run
    run(config)                                    # bind, print the address, serve until Ctrl+C

Flow of an upload: rate limit → streaming parse (CSRF verified before the file part, size counted per
chunk, bytes written under a random token) → `check_file` and `annotate` in a worker thread with a
deadline → JSON report, page data and annotated copy stored under the token → 303 to the result page.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import math
import secrets
import shutil
import socket
import sys
import tempfile
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

import zwgk.validators.rules  # noqa: F401  (fill the rule registry now, not lazily in two racing worker threads)
from zwgk import __version__
from zwgk.compiler.check import check_file, rule_context
from zwgk.compiler.emit.annotate import annotate
from zwgk.compiler.emit.check_report import to_json
from zwgk.compiler.emit.safe import safe_filename
from zwgk.compiler.templating import render_template
from zwgk.serve import security
from zwgk.serve.config import MB, ServeConfig
from zwgk.serve.messages import message
from zwgk.serve.store import ALLOWED_SUFFIXES, TOKEN_RE, Entry, Store
from zwgk.serve.upload import Upload, UploadError, drain, receive_upload
from zwgk.serve.view import coverage_view, result_view
from zwgk.validators.catalogue import Catalogue
from zwgk.validators.models import FileResult
from zwgk.validators.normalise import name_key
from zwgk.validators.reference import Reference
from zwgk.validators.sheet import RuleContext

log = logging.getLogger("zwgk.serve")
T = TypeVar("T")

UNIT_KINDS = (("委办局", "Bureaus"), ("街道", "Subdistricts"), ("镇", "Towns"), ("园区", "Parks"))


class CheckTimeout(Exception):
    pass


class _Job:
    """One check handed to a worker thread; the lock settles the race between start and abandonment."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.started = False
        self.abandoned = False


class BuildCatalogue:
    """BUILD/catalogue.json, re-read only when the file changes (a new `zwgk compile`)."""

    def __init__(self, build: Path | None) -> None:
        self.path = build / "catalogue.json" if build is not None else None
        self._lock = threading.Lock()
        self._key: tuple[int, int] | None = None
        self._value: Catalogue | None = None

    def get(self) -> tuple[Catalogue | None, str]:
        """The catalogue, or None and why not (empty when no --build was given)."""
        if self.path is None:
            return None, ""
        try:
            st = self.path.stat()
        except OSError:
            return None, f"{self.path} 不存在（请先运行 zwgk compile）"
        key = (st.st_mtime_ns, st.st_size)
        with self._lock:
            if key != self._key:
                try:
                    self._value = Catalogue.model_validate_json(self.path.read_bytes())
                except (OSError, ValueError) as exc:
                    self._key, self._value = None, None
                    return None, f"{self.path} 无法读取（{type(exc).__name__}）"
                self._key = key
            return self._value, ""


@dataclass
class State:
    config: ServeConfig
    store: Store
    owns_data_dir: bool
    secret: bytes
    ctx: RuleContext
    upload_bucket: security.TokenBucket
    request_bucket: security.TokenBucket
    limiter: anyio.CapacityLimiter
    build: BuildCatalogue
    running: int = 0

    def __post_init__(self) -> None:
        self.count_lock = threading.Lock()

    @property
    def reference(self) -> Reference:
        return self.ctx.reference

    @property
    def lang(self) -> str:
        return "en" if self.config.lang == "en" else "zh"


def unit_from_name(file_name: str, reference: Reference) -> str | None:
    """A roster unit named in the upload's file name (the reader's last resort, which sees only our
    random storage name): an exact name, else the longest roster name or alias it contains."""
    stem = PurePosixPath(file_name).stem
    found = reference.unit(stem)
    if found is not None:
        return found.name
    key = name_key(stem)
    best: tuple[int, str] | None = None
    for u in reference.units:
        for n in (u.name, *u.aliases, *u.former_names):
            k = name_key(n)
            if len(k) >= 3 and k in key and (best is None or len(k) > best[0]):
                best = (len(k), u.name)
    return best[1] if best else None


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class RequestRateLimit:
    """Every request spends a token of the client's general bucket; an empty bucket answers 429."""

    def __init__(self, app: ASGIApp, state: State) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            wait = self.state.request_bucket.take(_client(scope))
            if wait > 0:
                response = _message_page(self.state, "rate", 429, retry_after=wait, seconds=math.ceil(wait))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


# -- pages ---------------------------------------------------------------------------------------------------


def _page(state: State, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    html = render_template(f"serve/{template}", nonce=nonce, lang=state.lang, version=__version__, **ctx)
    return HTMLResponse(html, status_code=status, headers={
        "content-security-policy": security.page_csp(nonce),
        "cache-control": "no-store",
    })


def _message_page(state: State, key: str, status: int, *, retry_after: float | None = None,
                  **params: object) -> Response:
    title, text = message(key, state.lang, **params)
    response = _page(state, "message.html", status, title=title, text=text, code=status)
    if retry_after is not None:
        response.headers["retry-after"] = str(max(1, math.ceil(retry_after)))
    return response


def _csrf_cookie(request: Request) -> tuple[str, bool]:
    """The client's CSRF cookie value, and whether it is new (to be set on the response)."""
    value = request.cookies.get(security.CSRF_COOKIE, "")
    if TOKEN_RE.match(value):
        return value, False
    return security.new_cookie_value(), True


def _with_cookie(response: Response, value: str, new: bool) -> Response:
    if new:
        response.set_cookie(security.CSRF_COOKIE, value, httponly=True, samesite="strict", path="/")
    return response


def _state(request: Request) -> State:
    state: State = request.app.state.zwgk
    return state


def _units(reference: Reference, lang: str) -> list[tuple[str, list[str]]]:
    groups = []
    for kind, en in UNIT_KINDS:
        names = [u.name for u in reference.units if u.kind == kind]
        if names:
            groups.append((en if lang == "en" else kind, names))
    return groups


async def upload_page(request: Request) -> Response:
    state = _state(request)
    cookie, new = _csrf_cookie(request)
    response = _page(
        state, "upload.html",
        csrf=security.csrf_token(state.secret, cookie),
        units=_units(state.reference, state.lang),
        max_mb=f"{state.config.max_upload_bytes / MB:g}",
        max_bytes=state.config.max_upload_bytes,
        exts=",".join(sorted(ALLOWED_SUFFIXES)),
        ttl_minutes=_minutes(state.config.result_ttl),
    )
    return _with_cookie(response, cookie, new)


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:g}"


async def check_upload(request: Request) -> Response:
    state = _state(request)
    config = state.config
    upload = Upload()
    wait = state.upload_bucket.take(_client(request.scope))
    if wait > 0:
        await drain(request, upload, config.drain_limit, config.drain_seconds)
        return _message_page(state, "rate", 429, retry_after=wait, seconds=math.ceil(wait))
    if state.running >= config.max_running:
        await drain(request, upload, config.drain_limit, config.drain_seconds)
        return _message_page(state, "busy", 503, retry_after=30)
    cookie = request.cookies.get(security.CSRF_COOKIE)
    created: list[Entry] = []

    def target(name: str, fields: dict[str, str]) -> Path:
        # Runs when the file part begins: nothing of the file is stored before these checks pass.
        if not security.csrf_valid(state.secret, cookie, fields.get(security.CSRF_FIELD)):
            raise UploadError(403, "csrf")
        suffix = ALLOWED_SUFFIXES.get(PurePosixPath(name).suffix.lower())
        if suffix is None:
            raise UploadError(400, "bad-type", name=name)
        entry = state.store.new(name, suffix, state.lang)
        created.append(entry)
        return state.store.upload_path(entry)

    try:
        await receive_upload(request, upload, max_bytes=config.max_upload_bytes, target=target)
    except UploadError as exc:
        for e in created:
            state.store.delete(e.token)
        await drain(request, upload, config.drain_limit, config.drain_seconds)
        params: dict[str, Any] = {k: str(v) for k, v in exc.params.items()}
        if exc.key == "too-large":
            params["limit"] = f"{config.max_upload_bytes / MB:g}"
        return _message_page(state, exc.key, exc.status, **params)
    except OSError as exc:  # the data folder cannot be written (disk full, permissions)
        log.error("storing an upload failed: %s", exc)
        for e in created:
            state.store.delete(e.token)
        return _message_page(state, "internal", 500, detail=exc.strerror or type(exc).__name__)
    if not created:
        if not security.csrf_valid(state.secret, cookie, upload.fields.get(security.CSRF_FIELD)):
            return _message_page(state, "csrf", 403)
        return _message_page(state, "no-file", 400)
    entry = created[0]
    unit = upload.fields.get("unit", "").strip() or None
    if unit is not None:
        found = state.reference.unit(unit)
        if found is None:
            state.store.delete(entry.token)
            return _message_page(state, "bad-unit", 400, unit=unit[:100])
        unit = found.name
    entry = entry.model_copy(update={"unit_choice": unit})
    state.store.save(entry)
    try:
        await _run_check(state, entry)
    except CheckTimeout:
        state.store.delete(entry.token)
        return _message_page(state, "timeout", 503, seconds=f"{config.check_timeout:g}")
    except Exception as exc:  # a bug in a rule must not take the page down; the log has the traceback
        log.exception("check of upload %s failed", entry.token)
        state.store.delete(entry.token)
        return _message_page(state, "internal", 500, detail=type(exc).__name__)
    return RedirectResponse(f"/r/{entry.token}", status_code=303)


async def _in_thread(state: State, fn: Callable[[_Job], T]) -> T:
    """Run ``fn`` in a worker thread within ``check_timeout``; past it raise CheckTimeout and abandon the
    thread (it cannot be killed: it sees ``job.abandoned`` and stores nothing, and counts as running
    until it ends, so a stream of hostile files meets 503 instead of piling up threads)."""
    job = _Job()
    with state.count_lock:
        state.running += 1

    def work() -> T | None:
        with job.lock:
            if job.abandoned:
                return None
            job.started = True
        try:
            return fn(job)
        finally:
            with state.count_lock:
                state.running -= 1

    result: T | None = None
    with anyio.move_on_after(state.config.check_timeout) as scope:
        result = await anyio.to_thread.run_sync(work, abandon_on_cancel=True, limiter=state.limiter)
    if scope.cancelled_caught or result is None:
        with job.lock:
            job.abandoned = True
            never_ran = not job.started
        if never_ran:
            with state.count_lock:
                state.running -= 1
        raise CheckTimeout
    return result


async def _run_check(state: State, entry: Entry) -> Entry:
    """Check (must finish in time), then annotate (the findings stand if it does not), then store."""
    store, config, lang = state.store, state.config, entry.lang
    src = store.upload_path(entry)
    res = await _in_thread(state, lambda job: _check(state, entry))
    view = result_view(res, lang, config.max_entries_per_rule)
    annotated = False
    if res.readable:
        try:
            annotated = await _in_thread(state, lambda job: _annotate(state, entry, res, job))
        except CheckTimeout:
            view["annotate_failed"] = "timeout"
        except Exception as exc:  # the findings stand without the copy; say so on the page
            log.warning("annotating upload %s failed: %r", entry.token, exc)
            view["annotate_failed"] = type(exc).__name__
    catalogue, problem = await anyio.to_thread.run_sync(state.build.get)
    if catalogue is not None and res.unit:
        view["coverage"] = coverage_view(catalogue, res.unit, view["domain_items"])
    view["coverage_problem"] = problem
    store.write_json(entry, "report.json", to_json([res], lang))
    store.write_json(entry, "view.json", view)
    src.unlink(missing_ok=True)  # the upload's job is done; keep nothing longer than needed
    done = entry.model_copy(update={"status": "done", "readable": res.readable, "annotated": annotated,
                                    "errors": res.errors, "warnings": res.warnings})
    store.save(done)
    return done


def _check(state: State, entry: Entry) -> FileResult:
    """Worker thread: the library check.  Nothing from the upload is evaluated or run."""
    src, limits = state.store.upload_path(entry), state.config.reader_limits
    try:
        res = check_file(src, unit=entry.unit_choice, limits=limits, ctx=state.ctx, display_path=entry.original_name)
        if res.readable and res.unit is None and entry.unit_choice is None:
            guess = unit_from_name(entry.original_name, state.reference)
            if guess is not None:
                res = check_file(src, unit=guess, limits=limits, ctx=state.ctx, display_path=entry.original_name)
    finally:
        # The reader freezes the heap when it resumes the garbage collector (a one-shot command's speed-up);
        # a server that runs for weeks hands everything back, so that request objects frozen mid-flight can
        # still be collected when they end up in a cycle.
        gc.unfreeze()
    return res


def _annotate(state: State, entry: Entry, res: FileResult, job: _Job) -> bool:
    """Worker thread: the annotated copy (openpyxl copies cells; a formula stays a formula, never calculated)."""
    target = state.store.file(entry, "annotated.xlsx")
    if not target.parent.is_dir():
        return False
    annotate(state.store.upload_path(entry), res, target, entry.lang, state.config.reader_limits)
    if job.abandoned:  # too late: the page already says there is no copy
        target.unlink(missing_ok=True)
        return False
    return True


def _entry(request: Request) -> tuple[State, Entry | None]:
    state = _state(request)
    entry = state.store.load(request.path_params["token"])
    if entry is not None and entry.status != "done":
        entry = None
    return state, entry


def _not_found(state: State) -> Response:
    return _message_page(state, "not-found", 404, minutes=_minutes(state.config.result_ttl))


async def result_page(request: Request) -> Response:
    state, entry = _entry(request)
    if entry is None:
        return _not_found(state)
    view = state.store.read_view(entry)
    if view is None:
        return _not_found(state)
    cookie, new = _csrf_cookie(request)
    remaining = max(0.0, entry.expires - state.config.clock())
    response = _page(
        state, "result.html", entry=entry, v=view, file_name=entry.original_name,
        remaining_minutes=math.ceil(remaining / 60), csrf=security.csrf_token(state.secret, cookie),
        link=str(request.url_for("result", token=entry.token)),
    )
    return _with_cookie(response, cookie, new)


def _download_name(entry: Entry, suffix: str) -> str:
    stem = PurePosixPath(entry.original_name).stem
    return safe_filename(f"{stem}{suffix}", fallback="workbook", max_len=120)


async def download_report(request: Request) -> Response:
    state, entry = _entry(request)
    if entry is None:
        return _not_found(state)
    path = state.store.file(entry, "report.json")
    if not path.is_file():
        return _not_found(state)
    name = _download_name(entry, ".检查结果.json" if entry.lang != "en" else ".check.json")
    return FileResponse(path, media_type="application/json; charset=utf-8", headers={
        "content-disposition": security.content_disposition(name, "zwgk-report.json"),
        "cache-control": "no-store",
    })


async def download_annotated(request: Request) -> Response:
    state, entry = _entry(request)
    if entry is None or not entry.annotated:
        return _not_found(state)
    path = state.store.file(entry, "annotated.xlsx")
    if not path.is_file():
        return _not_found(state)
    name = _download_name(entry, ".检查结果.xlsx" if entry.lang != "en" else ".checked.xlsx")
    return FileResponse(
        path, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"content-disposition": security.content_disposition(name, "zwgk-annotated.xlsx"),
                 "cache-control": "no-store"})


async def delete_result(request: Request) -> Response:
    state = _state(request)
    form = await request.form(max_files=0, max_fields=4, max_part_size=4096)
    token = str(form.get(security.CSRF_FIELD) or "")
    if not security.csrf_valid(state.secret, request.cookies.get(security.CSRF_COOKIE), token):
        return _message_page(state, "csrf", 403)
    state.store.delete(request.path_params["token"])
    return RedirectResponse("/", status_code=303)


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok\n")


async def favicon(request: Request) -> Response:
    return Response(status_code=204)


async def _http_error(request: Request, exc: Exception) -> Response:
    state = _state(request)
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 404:
        return _message_page(state, "page-not-found", 404)
    title = str(status)
    detail = exc.detail if isinstance(exc, HTTPException) else ""
    return _page(state, "message.html", status, title=title, text=detail, code=status)


# -- the app -------------------------------------------------------------------------------------------------


async def _sweeper(state: State) -> None:
    while True:
        await anyio.sleep(state.config.sweep_interval)
        try:
            await anyio.to_thread.run_sync(state.store.sweep)
        except Exception:  # pragma: no cover - keep sweeping whatever one pass met
            log.exception("sweep failed")


def create_app(config: ServeConfig) -> Starlette:
    owns = config.data_dir is None
    root = Path(tempfile.mkdtemp(prefix="zwgk-serve-")) if config.data_dir is None else config.data_dir
    ctx = rule_context(government_hosts=config.government_hosts)
    ctx.reference.unit("区财政局")  # build the lookup index now, not racing in two worker threads
    per_min = 1 / 60
    state = State(
        config=config,
        store=Store(root, config.result_ttl, config.clock),
        owns_data_dir=owns,
        secret=config.secret or secrets.token_bytes(32),
        ctx=ctx,
        upload_bucket=security.TokenBucket(config.upload_burst, config.upload_per_minute * per_min, config.clock),
        request_bucket=security.TokenBucket(config.request_burst, config.request_per_minute * per_min, config.clock),
        limiter=anyio.CapacityLimiter(max(1, config.workers)),
        build=BuildCatalogue(config.build),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state.store.sweep()
        async with anyio.create_task_group() as tg:
            tg.start_soon(_sweeper, state)
            try:
                yield
            finally:
                tg.cancel_scope.cancel()
        if state.owns_data_dir:
            shutil.rmtree(state.store.root, ignore_errors=True)

    routes = [
        Route("/", upload_page, methods=["GET"], name="upload"),
        Route("/check", check_upload, methods=["POST"], name="check"),
        Route("/r/{token}", result_page, methods=["GET"], name="result"),
        Route("/r/{token}/report.json", download_report, methods=["GET"], name="report"),
        Route("/r/{token}/annotated.xlsx", download_annotated, methods=["GET"], name="annotated"),
        Route("/r/{token}/delete", delete_result, methods=["POST"], name="delete"),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/favicon.ico", favicon, methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(security.SecurityHeadersMiddleware), Middleware(RequestRateLimit, state=state)],
        exception_handlers={HTTPException: _http_error},
        lifespan=lifespan,
    )
    app.state.zwgk = state
    return app


# -- running ---------------------------------------------------------------------------------------------------


def bind(host: str, port: int) -> socket.socket:
    """A listening socket (port 0 → a free one); OSError says why it cannot be had."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, _, _, _, addr = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
        sock.listen(128)
        sock.set_inheritable(True)
    except OSError:
        sock.close()
        raise
    return sock


def make_server(app: ASGIApp, log_level: str = "warning") -> Any:
    import uvicorn

    # limit_concurrency: past this many open connections uvicorn answers 503, so slow clients holding
    # connections cannot exhaust the server.
    return uvicorn.Server(uvicorn.Config(app, log_level=log_level, proxy_headers=False, server_header=False,
                                         timeout_graceful_shutdown=5, limit_concurrency=200))


def address(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def run(config: ServeConfig, *, sock: socket.socket | None = None, out: Any = None) -> None:
    """Serve until interrupted (on ``sock`` when given).  Raises OSError when the address cannot be bound."""
    out = out or sys.stderr
    sock = sock or bind(config.host, config.port)
    app = create_app(config)
    en = config.lang == "en"
    print((f"zwgk serve: open {address(sock)} in a browser (Ctrl+C stops)." if en else
           f"zwgk serve：请在浏览器中打开 {address(sock)} （按 Ctrl+C 停止）"), file=out, flush=True)
    if config.host not in ("127.0.0.1", "::1", "localhost"):
        print(("Note: other computers on the network can reach this address; use it only on a trusted network."
               if en else "注意：本机网络中的其他计算机可以访问此地址；请只在受信任的内部网络中使用。"), file=out, flush=True)
    try:
        make_server(app, log_level="info").run(sockets=[sock])
    finally:
        sock.close()
