"""Refuse request input that no endpoint can read, with a Japanese 400, before FastAPI sees it.

A JSON body sent to /api must be UTF-8, hold no ``NaN``/``Infinity`` (not JSON, but Python's parser takes
them), nest at most :data:`MAX_DEPTH` levels, and its strings must be storable text (no NUL, no lone
surrogate: PostgreSQL and the UTF-8 encoder refuse them). The path and the query string must not carry NUL
either. A body that is simply not JSON (a syntax error) is left to FastAPI (422 "JSON の形式が正しくありません").

The error body is the one error model (``api.errors.ErrorBody``): ``{"detail": "..."}``.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64
JSON_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class BodyRefused(ValueError):
    pass


def _is_json(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            return media == b"application/json" or (media.startswith(b"application/") and media.endswith(b"+json"))
    return False


def _refuse_constant(name: str) -> Any:
    raise BodyRefused(f"JSON に {name} は使えません（数値で書いてください）")


def _bad_text(s: str) -> str | None:
    if "\x00" in s:
        return "文字列に NUL（\\u0000）は使えません"
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return "文字列に対になっていないサロゲート（\\ud800 など）は使えません"
    return None


def check_value(value: Any) -> None:
    """Depth and text of a parsed JSON value (iterative: a deep value never exhausts the stack)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            if depth > MAX_DEPTH:
                raise BodyRefused(f"JSON の入れ子が深すぎます（上限 {MAX_DEPTH} 段）")
            for k, v in node.items():
                problem = _bad_text(k)
                if problem:
                    raise BodyRefused("JSON の項目名の" + problem)
                stack.append((v, depth + 1))
        elif isinstance(node, list):
            if depth > MAX_DEPTH:
                raise BodyRefused(f"JSON の入れ子が深すぎます（上限 {MAX_DEPTH} 段）")
            stack.extend((v, depth + 1) for v in node)
        elif isinstance(node, str):
            problem = _bad_text(node)
            if problem:
                raise BodyRefused("JSON の" + problem)


def check_body(body: bytes) -> None:
    """Raise :class:`BodyRefused` (Japanese) for a body no endpoint can read; a syntax error passes."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyRefused(f"リクエストの本文が UTF-8 ではありません（{exc.start + 1} バイト目）。"
                          "JSON は UTF-8 で送ってください") from None
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError:
        return  # not JSON at all: FastAPI answers 422 with the position
    except RecursionError:
        raise BodyRefused(f"JSON の入れ子が深すぎます（上限 {MAX_DEPTH} 段）") from None
    check_value(value)


def check_target(path: str, raw_path: bytes | None, query: bytes) -> None:
    if "\x00" in path or (raw_path is not None and b"%00" in raw_path) or b"%00" in query or b"\x00" in query:
        raise BodyRefused("アドレス（パス又はクエリ）に NUL（%00）は使えません")


async def _send_400(send, detail: str) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": 400,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class JsonBodyGuardMiddleware:
    """Pure ASGI: checks /api requests (target always; a JSON body of POST/PUT/PATCH/DELETE) and replays the body."""

    def __init__(self, app, prefix: str = "/api/"):
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope.get("path", "").startswith(self.prefix):
            return await self.app(scope, receive, send)
        try:
            check_target(scope.get("path", ""), scope.get("raw_path"), scope.get("query_string", b""))
        except BodyRefused as exc:
            return await _send_400(send, str(exc))
        if scope.get("method") not in JSON_METHODS or not _is_json(scope.get("headers", [])):
            return await self.app(scope, receive, send)
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client left (or the body limit refused it)
                return await self.app(scope, _replay([], message, receive), send)
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body:
            try:
                check_body(body)
            except BodyRefused as exc:
                return await _send_400(send, str(exc))
        await self.app(scope, _replay([body], None, receive), send)


def _replay(chunks: list[bytes], final: dict | None, receive):
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            if final is not None:
                return final
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        return await receive()

    return replay
