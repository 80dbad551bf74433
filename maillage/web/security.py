"""Security plumbing: response headers, CSRF tokens, per-IP token-bucket rate limit, session secret.

* Headers on every response: a strict Content-Security-Policy (no inline script or style, nothing
  from another origin, ``frame-ancestors 'none'``), ``X-Content-Type-Options: nosniff``,
  ``Referrer-Policy: no-referrer``, ``X-Frame-Options: DENY``, ``Cross-Origin-Opener-Policy``.
* CSRF: a random token kept in the (signed) session, required on every state-changing request in
  the ``X-CSRF-Token`` header or the ``csrf_token`` form field; a foreign ``Origin`` is refused too.
* Rate limit: an in-process token bucket per client IP on the public API (429 + ``Retry-After``).
"""

from __future__ import annotations

import hmac
import json
import math
import os
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request

from maillage.i18n import _
from maillage.registry.db import home_dir
from maillage.registry.writelog import writes_from

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "geolocation=(), camera=(), microphone=(), interest-cohort=()",
}
# "Autour de moi" asks the browser for the position on the resident's page only, after a click there.
PUBLIC_PAGE_PERMISSIONS = "geolocation=(self), camera=(), microphone=(), interest-cohort=()"
GEOLOCATION_PATHS = frozenset({"/"})
SECRET_FILE = "web_secret_key"
CSRF_SESSION_KEY = "csrf"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


HSTS = "max-age=31536000; includeSubDomains"  # a year: browsers then never try plain http first


class SecurityHeadersMiddleware:
    """Adds :data:`SECURITY_HEADERS` (and ``Cache-Control: no-store`` under private prefixes);
    ``Strict-Transport-Security`` too when the site is served over https only."""

    def __init__(self, app: ASGIApp, private_prefixes: tuple[str, ...] = ("/planner",), hsts: bool = False) -> None:
        self.app = app
        self.private_prefixes = private_prefixes
        self.headers = {**SECURITY_HEADERS, **({"strict-transport-security": HSTS} if hsts else {})}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = scope["path"].startswith(self.private_prefixes)
        own = {"permissions-policy": PUBLIC_PAGE_PERMISSIONS} if scope["path"] in GEOLOCATION_PATHS else {}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for name, value in (self.headers | own).items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                if private and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class WriteOriginMiddleware:
    """Every write a request makes is logged with the client's address (``write_log.detail.origin``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        with writes_from(f"ip {client[0]}" if client else "ip inconnue"):
            await self.app(scope, receive, send)


MAX_BODY_BYTES = 1_048_576  # the largest legitimate body (a scenario change, the login form) is a few kB


class _BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    """413 for a request body over ``max_bytes``, before it is read: by its Content-Length, or as
    soon as a streamed (chunked) body passes the limit. A 200 MB POST once was read in full first."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        received, started, over = 0, False, False

        async def counting_receive() -> Message:
            nonlocal received, over
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                over = True
                raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if over:  # the app answered its failed body read (FastAPI: a 400): the answer is our 413
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await self._refuse(send)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _BodyTooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = _("Requête trop volumineuse (au plus {n} Kio).").format(n=self.max_bytes // 1024).encode()
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


@dataclass
class TokenBucket:
    """``rate`` tokens per second up to ``burst``; one request costs one token."""

    rate: float
    burst: float
    max_clients: int = 10_000
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def take(self, key: str, now: float | None = None) -> float:
        """0 if allowed, else the seconds to wait before the next token."""
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1:
            self._store(key, tokens - 1, now)
            return 0.0
        self._store(key, tokens, now)
        return (1 - tokens) / self.rate

    def _store(self, key: str, tokens: float, now: float) -> None:
        if key not in self._buckets and len(self._buckets) >= self.max_clients:
            # forget clients whose bucket has refilled (they lose nothing); else the oldest half
            full = [k for k, (t, last) in self._buckets.items() if t + (now - last) * self.rate >= self.burst]
            for k in full or sorted(self._buckets, key=lambda k: self._buckets[k][1])[: self.max_clients // 2]:
                del self._buckets[k]
        self._buckets[key] = (tokens, now)


class RateLimitMiddleware:
    """Token bucket per client IP on paths in ``exact`` or starting with one of ``prefixes``."""

    def __init__(
        self,
        app: ASGIApp,
        bucket: TokenBucket,
        prefixes: tuple[str, ...] = (),
        exact: tuple[str, ...] = (),
        methods: frozenset[str] | None = None,
    ) -> None:
        self.app = app
        self.bucket = bucket
        self.prefixes = prefixes
        self.exact = exact
        self.methods = methods

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self._applies(scope):
            client = scope.get("client") or ("unknown", 0)
            wait = self.bucket.take(str(client[0]))
            if wait > 0:
                detail = {"detail": _("Trop de requêtes : réessayez dans un instant.")}
                body = json.dumps(detail, ensure_ascii=False, separators=(",", ":")).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 429,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"retry-after", str(math.ceil(wait)).encode()),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    def _applies(self, scope: Scope) -> bool:
        path = scope["path"]
        if self.methods is not None and scope.get("method") not in self.methods:
            return False
        return path in self.exact or path.startswith(self.prefixes)


def session_secret() -> str:
    """``$MAILLAGE_SECRET_KEY``, else a random key kept in ``$MAILLAGE_HOME/web_secret_key`` (mode 600)."""
    key = os.environ.get("MAILLAGE_SECRET_KEY")
    if key:
        if len(key) < 32:
            raise ValueError("MAILLAGE_SECRET_KEY must be at least 32 characters")
        return key
    path = home_dir() / SECRET_FILE
    if not path.exists():
        # written whole then linked into place: several uvicorn workers starting together agree on
        # one key, and none reads a half-written file (the first link wins; the others read it)
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{SECRET_FILE}.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return Path(path).read_text().strip()


def csrf_token(request: Request) -> str:
    """The session's CSRF token (created on first use)."""
    token = request.session.get(CSRF_SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_SESSION_KEY] = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    """Raise 403 unless ``submitted`` (header or form field) equals the session token and Origin is ours."""
    origin = request.headers.get("origin")
    if origin and origin != "null":
        expected = f"{request.url.scheme}://{request.headers.get('host', '')}"
        if origin != expected:
            raise HTTPException(status_code=403, detail=_("Origine refusée (CSRF)."))
    stored = request.session.get(CSRF_SESSION_KEY)
    if not stored or not submitted or not hmac.compare_digest(str(stored), str(submitted)):
        raise HTTPException(status_code=403, detail=_("Jeton CSRF manquant ou invalide."))


async def require_csrf(request: Request) -> None:
    """FastAPI dependency for every state-changing JSON route (token in ``X-CSRF-Token``)."""
    if request.method in UNSAFE_METHODS:
        check_csrf(request, request.headers.get(CSRF_HEADER))
