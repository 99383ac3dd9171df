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
