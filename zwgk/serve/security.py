"""Web safety helpers: CSRF tokens, per-client token buckets, security headers, download names."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from urllib.parse import quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_COOKIE = "zwgk_csrf"
CSRF_FIELD = "csrf"


# -- CSRF: a random cookie plus a form token that is the cookie's HMAC under a server key ------------------
# A cross-site page can make the browser send the cookie (SameSite aside) but can neither read it nor
# compute its HMAC, so it cannot fill in the form field.


def new_cookie_value() -> str:
    return secrets.token_urlsafe(32)


def csrf_token(secret: bytes, cookie_value: str) -> str:
    return hmac.new(secret, cookie_value.encode("utf-8"), hashlib.sha256).hexdigest()


def csrf_valid(secret: bytes, cookie_value: str | None, submitted: str | None) -> bool:
    if not cookie_value or not submitted or len(cookie_value) > 128:
        return False
    return hmac.compare_digest(csrf_token(secret, cookie_value), submitted)


# -- rate limit --------------------------------------------------------------------------------------------


class TokenBucket:
    """One bucket per client key: ``capacity`` tokens, refilled at ``per_second``; bounded memory."""

    def __init__(self, capacity: float, per_second: float, clock: Callable[[], float], max_clients: int = 10_000):
        self.capacity = float(capacity)
        self.per_second = float(per_second)
        self.clock = clock
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, cost: float = 1.0) -> float:
        """Spend ``cost`` tokens: 0.0 when allowed, else the seconds until it would be."""
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.pop(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + max(0.0, now - last) * self.per_second)
            if tokens >= cost:
                tokens -= cost
                wait = 0.0
            else:
                wait = (cost - tokens) / self.per_second if self.per_second > 0 else float("inf")
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)  # least recently seen client
            return wait


# -- headers -----------------------------------------------------------------------------------------------

BASE_CSP = "default-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"


def page_csp(nonce: str) -> str:
    """The CSP of an HTML page: only its own nonce'd inline script and style run."""
    return f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; img-src 'self' data:; " \
           "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"


SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # Result links carry their token: never leak it to another site in a Referer.
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response; a default CSP where the handler set none."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for key, value in SECURITY_HEADERS:
                    if key not in present:
                        headers.append((key, value))
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", BASE_CSP.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def content_disposition(filename: str, fallback: str) -> str:
    """``attachment`` with an ASCII ``filename`` for old clients and the real name as RFC 5987 ``filename*``."""
    ascii_name = "".join(ch for ch in fallback if 32 <= ord(ch) < 127 and ch not in '"\\;') or "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
