"""Errors the service layer raises, and the one place every domain error becomes an HTTP answer.

Every domain error derives from :class:`engine.errors.TsunaguError`; :data:`STATUS` maps its category
to the status code and :func:`error_response` writes the body (``ErrorBody`` in the OpenAPI document):
a Japanese ``detail`` and, when there are several reasons, ``problems``.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

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
    return JSONResponse(body, status_code=status_of(exc))


async def domain_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TsunaguError)
    return error_response(exc)
