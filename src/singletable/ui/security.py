"""The page's guards: a random token on every request (as Jupyter does), loopback Host names only, a CSRF
token on every write, and headers that keep the token out of Referer and scripts out of the page."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})
HEADERS = {
    # No script runs on these pages (no JavaScript at all); images only inline (the cost plot).
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def new_token() -> str:
    return secrets.token_urlsafe(24)


def same(a: str | None, b: str) -> bool:
    return a is not None and hmac.compare_digest(a.encode(), b.encode())


class Guard:
    """The ASGI-level checks every request passes before a page is built."""

    def __init__(self, token: str, csrf: str, *, allow_any_host: bool = False) -> None:
        self.token = token
        self.csrf = csrf
        self.allow_any_host = allow_any_host

    def refuse(self, request: Request) -> Response | None:
        """A 403 for a request without the token, or from a Host that is not loopback (DNS rebinding)."""
        host = (request.headers.get("host") or "").rsplit(":", 1)[0]
        if not self.allow_any_host and host not in LOOPBACK_HOSTS:
            return _forbidden(f"Host {host!r} is not loopback: open the URL singletable ui printed")
        if not same(request.query_params.get("token"), self.token):
            return _forbidden(
                "this page needs the token in its URL: open the URL singletable ui printed (…?token=…)"
            )
        return None

    def check_write(self, request: Request, form_csrf: str | None) -> Response | None:
        """A 403 for a write without this page's CSRF token, or sent from another origin."""
        origin = request.headers.get("origin")
        if origin and origin != "null":
            parts = urlsplit(origin)
            if parts.netloc != request.headers.get("host"):
                return _forbidden(f"a write from origin {origin} was refused (CSRF)")
        if not same(form_csrf, self.csrf):
            return _forbidden("a write without this page's CSRF token was refused: reload the page and retry")
        return None

    async def middleware(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = self.refuse(request) or await call_next(request)
        response.headers.update(HEADERS)
        return response


def _forbidden(text: str) -> Response:
    return PlainTextResponse(f"403 Forbidden: {text}\n", status_code=403)
