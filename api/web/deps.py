"""Page dependencies: who is logged in (``page_user``), CSRF-checked form posts (``form_user``).

An HTML route never answers with JSON: a missing or expired session raises ``LoginRequired``
(GET -> redirect to the login page; POST -> the login page keeping the typed text), a role that
may not open a page raises ``PageForbidden`` (Japanese 403 page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from api.audit_store import Actor
from api.auth import SESSION_COOKIE, get_db
from api.security import ROLE_LABELS_JA, ROLES
from api.services import web_sessions

CSRF_FIELD = "csrf_token"
RETURN_FIELD = "return_to"  # optional hidden field: the page to come back to after a re-login


@dataclass(frozen=True)
class WebUser:
    user_id: int
    username: str
    display_name: str
    role: str
    csrf: str
    session_id: int

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.role)

    @property
    def role_ja(self) -> str:
        return ROLE_LABELS_JA[self.role]


class LoginRequired(Exception):
    def __init__(self, message: str = "ログインしてください", kept: dict[str, str] | None = None, return_to: str = ""):
        super().__init__(message)
        self.message = message
        self.kept = kept or {}
        self.return_to = return_to


class PageForbidden(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CsrfRefused(Exception):
    pass


def _resolve(request: Request, db: Session) -> WebUser | None:
    found = web_sessions.resolve(db, request.cookies.get(SESSION_COOKIE))
    if found is None:
        return None
    user, sess = found
    return WebUser(user.id, user.username, user.display_name, user.role, sess.csrf_token, sess.id)


def _check_role(user: WebUser, allowed: frozenset[str]) -> None:
    if user.role not in allowed:
        names = "、".join(ROLE_LABELS_JA[r] for r in ROLES if r in allowed)
        raise PageForbidden(f"このページは「{user.role_ja}」の役割では開けません（開ける役割: {names}）。")


def _roles(names: tuple[str, ...]) -> frozenset[str]:
    """Roles allowed by ``names``: actions of the role table (api/roles.yaml, preferred) or role names."""
    from api.roles import roles_for, table

    allowed: set[str] = set()
    for name in names:
        if name in ROLES:
            allowed.add(name)
        elif name in table():
            allowed |= roles_for(name)
        else:
            raise ValueError(f"unknown action or role: {name!r} (api/roles.yaml)")
    return frozenset(allowed or ROLES)


def page_user(*roles: str) -> Callable[..., WebUser]:
    """Dependency for a GET page: the logged-in user allowed to do one of the actions of the role table
    (``page_user("results.read")``; role names still work; none given: any role)."""
    allowed = _roles(roles)

    def dependency(request: Request, db: Session = Depends(get_db)) -> WebUser:
        user = _resolve(request, db)
        if user is None:
            raise LoginRequired("ログインしてください" if SESSION_COOKIE not in request.cookies
                                else "セッションの有効期限が切れました。もう一度ログインしてください")
        _check_role(user, allowed)
        return user

    return dependency


def form_user(*roles: str) -> Callable[..., Any]:
    """Dependency for a form POST: as ``page_user`` plus the hidden CSRF field; an expired session keeps the typed text."""
    allowed = _roles(roles)

    async def dependency(request: Request, db: Session = Depends(get_db)) -> WebUser:
        form = await request.form()
        # The session look-up begins the write transaction (SQLite BEGIN IMMEDIATE) and may wait for the lock:
        # never on the event loop, which the lock holder may need to send its answer before it commits.
        return await run_in_threadpool(checked, request, db, form)

    def checked(request: Request, db: Session, form: Any) -> WebUser:
        user = _resolve(request, db)
        if user is None:
            kept = {k: v for k, v in form.items() if isinstance(v, str) and k not in (CSRF_FIELD, "password", RETURN_FIELD) and v}
            back = form.get(RETURN_FIELD)
            raise LoginRequired("セッションの有効期限が切れました。もう一度ログインしてください（入力中の内容は残しています）", kept,
                                back if isinstance(back, str) and back.startswith("/ui") else "")
        found = web_sessions.resolve(db, request.cookies.get(SESSION_COOKIE))
        assert found is not None
        sent = form.get(CSRF_FIELD)
        if not web_sessions.csrf_ok(found[1], sent if isinstance(sent, str) else None):
            raise CsrfRefused()
        _check_role(user, allowed)
        return user

    return dependency
