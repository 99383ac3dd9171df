"""The server-rendered web UI (Jinja2 over api.services), mounted on the FastAPI app under /ui.

``mount(app)`` adds the static files, every router of this package (``core``, ``chat``, ``officer``
and any ``pages_*`` module, which part 2 adds) and the HTML error pages for /ui routes.
See api/web/README.md for the conventions.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path
from urllib.parse import quote, urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.errors import ServiceError
from api.web.deps import CsrfRefused, LoginRequired, PageForbidden
from api.web.render import render

PREFIX = "/ui"
STATIC_DIR = Path(__file__).with_name("static")
OWN_MODULES = ("core", "chat", "officer")

_STATUS_TITLES = {400: "入力に誤りがあります", 401: "ログインが必要です", 403: "このページは開けません",
                  404: "ページが見つかりません", 405: "この操作はできません", 409: "操作が競合しました",
                  413: "送信した内容が大きすぎます", 422: "入力に誤りがあります", 500: "サービスで問題が起きました"}


def is_ui(request: Request) -> bool:
    return request.url.path == PREFIX or request.url.path.startswith(PREFIX + "/")


def error_page(request: Request, status: int, message: str) -> Response:
    from api.web.deps import _resolve

    user = None
    try:
        db = request.app.state.ctx.sessions()
        try:
            user = _resolve(request, db)
        finally:
            db.close()
    except Exception:  # noqa: BLE001 - the error page itself must not fail
        user = None
    return render(request, "error.html", {"status": status, "title": _STATUS_TITLES.get(status, "エラー"),
                                          "message": message}, status_code=status, user=user)


def login_redirect(request: Request, exc: LoginRequired) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method == "GET":
        return RedirectResponse(f"{PREFIX}/login?{urlencode({'next': target, 'msg': exc.message})}", status_code=303)
    back = exc.return_to or request.headers.get("referer", "")
    from urllib.parse import urlsplit

    parts = urlsplit(back)
    next_path = parts.path + (f"?{parts.query}" if parts.query else "") if parts.path.startswith(PREFIX) else PREFIX + "/"
    from api.web.core import login_page

    return login_page(request, next_path=next_path, message=exc.message, kept=exc.kept, status_code=401)


def _modules() -> list[str]:
    here = Path(__file__).parent
    names = [n for n in OWN_MODULES if (here / f"{n}.py").is_file()]
    names += sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("pages_"))
    return names


async def _call(handler, request: Request, exc: Exception) -> Response:
    result = handler(request, exc)
    if inspect.isawaitable(result):
        result = await result
    return result


def mount(app: FastAPI) -> None:
    app.mount(f"{PREFIX}/static", StaticFiles(directory=str(STATIC_DIR)), name="ui-static")
    for name in _modules():
        module = importlib.import_module(f"api.web.{name}")
        app.include_router(module.router)

    prev_service = app.exception_handlers.get(ServiceError)
    prev_validation = app.exception_handlers.get(RequestValidationError)
    prev_http = app.exception_handlers.get(StarletteHTTPException)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired):
        return login_redirect(request, exc)

    @app.exception_handler(PageForbidden)
    async def _forbidden(request: Request, exc: PageForbidden):
        return error_page(request, 403, exc.message)

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, exc: CsrfRefused):
        return error_page(request, 403, "フォームの確認用の値（CSRF トークン）がないか一致しないため、送信を受け付けませんでした。"
                                        "ページを開き直してからもう一度送信してください。")

    @app.exception_handler(ServiceError)
    async def _service(request: Request, exc: ServiceError):
        if is_ui(request):
            return error_page(request, exc.status_code, exc.detail)
        assert prev_service is not None
        return await _call(prev_service, request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        if is_ui(request):
            from api.app import _validation_message

            return error_page(request, 400, "入力に誤りがあります: " + " / ".join(_validation_message(e) for e in exc.errors()))
        assert prev_validation is not None
        return await _call(prev_validation, request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if is_ui(request) or (request.url.path == "/" or not request.url.path.startswith(("/api", "/docs", "/openapi", "/redoc"))):
            if exc.status_code == 401:
                return login_redirect(request, LoginRequired(str(exc.detail)))
            message = {404: f"「{request.url.path}」というページはありません。メニューから選び直してください。"}.get(
                exc.status_code, str(exc.detail) if isinstance(exc.detail, str) else "")
            return error_page(request, exc.status_code, message)
        if prev_http is not None:
            return await _call(prev_http, request, exc)
        from fastapi.exception_handlers import http_exception_handler

        return await http_exception_handler(request, exc)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception):
        if is_ui(request):
            return error_page(request, 500, "サービスで予期しない問題が起きました。時間をおいてもう一度お試しください。"
                                            "続くときはシステム管理者に連絡してください。")
        raise exc


__all__ = ["PREFIX", "mount", "quote"]
