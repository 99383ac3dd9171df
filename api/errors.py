"""Errors the service layer raises; the app turns them into JSON answers with a Japanese ``detail``."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    status_code = 400

    def __init__(self, detail: str, *, extra: dict[str, Any] | None = None, status_code: int | None = None):
        super().__init__(detail)
        self.detail = detail
        self.extra = extra or {}
        if status_code is not None:
            self.status_code = status_code


class NotFound(ServiceError):
    status_code = 404


class Conflict(ServiceError):
    status_code = 409


class Refused(ServiceError):
    """Refused by a rule of the domain (policy, registry transition): 422 with the reasons."""

    status_code = 422


class Forbidden(ServiceError):
    status_code = 403
