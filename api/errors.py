"""Errors the service layer raises, and the one place every domain error becomes an HTTP answer.

Every domain error derives from :class:`engine.errors.TsunaguError`; :data:`STATUS` maps its category
to the status code and :func:`error_response` writes the body (``ErrorBody`` in the OpenAPI document):
a Japanese ``detail`` and, when there are several reasons, ``problems``.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine.errors import Category, TsunaguError

STATUS: dict[Category, int] = {
    Category.INVALID: 400,
    Category.FORBIDDEN: 403,
    Category.NOT_FOUND: 404,
    Category.CONFLICT: 409,
    Category.REFUSED: 422,
    Category.UNAVAILABLE: 503,
}
_CATEGORY_OF_STATUS: dict[int, Category] = {v: k for k, v in STATUS.items()}


class ServiceError(TsunaguError):
    status_code = 400

    def __init__(self, detail: str, *, extra: dict[str, Any] | None = None, status_code: int | None = None):
        super().__init__(detail)
        self.detail = detail
        self.extra = extra or {}
        if status_code is not None:
            self.status_code = status_code
        self.category = _CATEGORY_OF_STATUS.get(self.status_code, Category.INVALID)  # type: ignore[misc]


class NotFound(ServiceError):
    status_code = 404


class Conflict(ServiceError):
    status_code = 409


class Refused(ServiceError):
    """Refused by a rule of the domain (policy, registry transition): 422 with the reasons."""

    status_code = 422


class Forbidden(ServiceError):
    status_code = 403


def status_of(exc: TsunaguError) -> int:
    if isinstance(exc, ServiceError):
        return exc.status_code
    return STATUS[exc.category]


def error_response(exc: TsunaguError) -> JSONResponse:
    """The JSON answer for any domain error (the one mapping, used by the app's one handler)."""
    if isinstance(exc, ServiceError):
        body: dict[str, Any] = {"detail": exc.detail, **exc.extra}
    else:
        body = {"detail": exc.message or str(exc)}
        problems = exc.problem_texts()
        if problems and problems != [body["detail"]]:
            body["problems"] = problems
    return JSONResponse(body, status_code=status_of(exc), headers=getattr(exc, "headers", None))


async def domain_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TsunaguError)
    return error_response(exc)


# --- the one error model of the API (every 4xx/5xx body), documented on every route ------------------------


class ErrorItem(BaseModel):
    loc: list[str] = Field(description="誤りのある場所（body・query・path と項目名）")
    message: str = Field(description="誤りの内容（日本語）")


class ErrorBody(BaseModel):
    """Every error answer of the API: a Japanese ``detail``; the other fields only where they apply."""

    detail: str = Field(description="何が問題かの説明（日本語）")
    problems: list[str] | None = Field(default=None, description="理由が複数あるときの一覧（日本語）")
    errors: list[ErrorItem] | None = Field(default=None, description="入力の誤り（422）の場所ごとの内容")
    validation: dict[str, Any] | None = Field(default=None, description="ルールの検証結果（保存できなかったとき）")
    pii_kinds: list[str] | None = Field(default=None, description="メモに見つかった個人情報の種類（値は返しません）")
    pii_labels: list[str] | None = Field(default=None, description="個人情報の種類の日本語名")


ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "リクエストを読めません（JSON の文字コード・NaN・入れ子の深さ、又は内容の矛盾）",
    401: "ログインが必要です（セッション Cookie 又は Bearer トークン）",
    403: "この操作の権限がないか、CSRF トークンがありません",
    404: "指定したものがありません",
    409: "今の状態ではできません（実行中・データマートがない など）",
    413: "リクエストが大きすぎます",
    422: "入力の誤り、又は規則による拒否（理由つき）",
    429: "ログインの失敗が続いたため一時停止中です（Retry-After ヘッダー）",
    503: "回答に必要なファイル又はサービスが使えません",
}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text} for code, text in ERROR_DESCRIPTIONS.items()
}
"""``responses=`` for every API router: the same error model for every documented error status."""

HTTP_DETAILS_JA: dict[int, str] = {
    400: "リクエストを読めません",
    404: "指定したものがありません",
    405: "このアドレスではこの操作（メソッド）は使えません",
    406: "この形式では返せません",
    413: "リクエストが大きすぎます",
    415: "この形式の本文は受け付けません（application/json で送ってください）",
}
_STARLETTE_DEFAULTS = frozenset({"Not Found", "Method Not Allowed", "Bad Request", "There was an error parsing the body",
                                 "Not Acceptable", "Unsupported Media Type", "Request Entity Too Large",
                                 "Content Too Large"})


async def http_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """An ``HTTPException`` as the one error model; Starlette's English default texts become Japanese."""
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail
    if not isinstance(detail, str) or detail in _STARLETTE_DEFAULTS:
        detail = HTTP_DETAILS_JA.get(exc.status_code, "リクエストを処理できませんでした")
    return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))



DATA_ERROR_JA = ("値が範囲外か、保存できない形式です（番号は 1 から 2147483647 まで。"
                 "文字列に制御文字を含めないでください）")


async def data_error_handler(request: Request, exc: Exception):
    """A value the database refuses (an id beyond INTEGER, a NUL in text): a Japanese 400, never a 500.

    The API validates ids (``DbId``) and bodies first; this is the one safety net for every other path
    (web pages with numeric ids, future routes). The request's transaction is rolled back by ``get_db``."""
    from api.web import error_page, is_ui

    if is_ui(request):
        return error_page(request, 400, DATA_ERROR_JA)
    return JSONResponse({"detail": DATA_ERROR_JA}, status_code=400)
