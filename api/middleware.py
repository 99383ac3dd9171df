"""Pure ASGI middleware: body size limit (413) and refusal of anonymous API requests (401).

Both act before the request reaches FastAPI, so a refused request never
touches the database.
"""

from __future__ import annotations

import json

OPEN_PATHS = frozenset({"/api/health", "/api/auth/login"})


async def _send_json(send, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())] + (headers or [])})
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit_text = f"リクエストが大きすぎます（上限 {self.max_bytes // 1024} KiB）"
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    if int(value) > self.max_bytes:
                        return await _send_json(send, 413, limit_text)
                except ValueError:
                    return await _send_json(send, 400, "Content-Length が正しくありません")
        seen = 0
        started = False
        refused = False

        async def limited_receive():
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    refused = True
                    if not started:
                        await _send_json(send, 413, limit_text)
                    # the app sees a disconnected client and stores nothing
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            nonlocal started
            if refused:
                return  # the 413 answer has been sent already
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not refused:
                raise


class RequireCredentialsMiddleware:
    """Anonymous requests to /api/* (but login and health) get 401 before any work is done."""

    def __init__(self, app, cookie_name: str):
        self.app = app
        self.cookie = cookie_name.encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        if path.startswith("/api/") and path not in OPEN_PATHS:
            has = False
            for name, value in scope.get("headers", []):
                if name == b"authorization" or (name == b"cookie" and self.cookie + b"=" in value):
                    has = True
                    break
            if not has:
                return await _send_json(send, 401, "ログインが必要です", [(b"www-authenticate", b"Bearer")])
        return await self.app(scope, receive, send)


# Every response: no sniffing, no framing, no referrer, a strict CSP (scripts and everything else only from
# this origin, no inline script, no external origin; inline style attributes are allowed for the templates).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode("ascii")),
)
# Static assets carry no personal data and may be cached; every other answer may (results, pseudonyms,
# 宛名番号, exports, pages showing them) and is never stored by a browser or proxy.
CACHEABLE_PREFIXES: tuple[str, ...] = ("/ui/static/", "/static/")


class SecurityHeadersMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        cacheable = scope.get("path", "").startswith(CACHEABLE_PREFIXES)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = [(n, v) for n, v in SECURITY_HEADERS if n not in present]
                if not cacheable:
                    headers = [(n, v) for n, v in headers if n.lower() not in (b"cache-control", b"pragma")]
                    extra += [(b"cache-control", b"no-store"), (b"pragma", b"no-cache")]
                message = {**message, "headers": headers + extra}
            await send(message)

        await self.app(scope, receive, with_headers)
