"""Authentication (session cookie or bearer token) and role checks, as FastAPI dependencies.

- Browser: ``POST /api/auth/login`` sets an HttpOnly, SameSite=Strict cookie holding an
  opaque session token (stored hashed, server-side, with an expiry) and returns a CSRF
  token. Every state-changing request authenticated by the cookie must send that CSRF
  token in ``X-CSRF-Token``.
- API clients: ``Authorization: Bearer tsu_...`` (tokens created per user, stored hashed);
  no CSRF token needed (browsers never add this header by themselves).
- Every endpoint names its action from the role table (``api/roles.yaml``) through an alias of
  ``api.deps`` (e.g. ``p: deps.RegistryDecider``), built on :func:`require_action`.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from api.audit_store import Actor
from api.context import ServiceContext
from api.db.models import ApiToken, User, WebSession
from api.db.types import utcnow
from api.security import token_hash

SESSION_COOKIE = "tsunagu_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    display_name: str
    role: str
    via: str  # "session" | "token"
    session_id: int | None = None

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.role)


def get_ctx(request: Request) -> ServiceContext:
    return request.app.state.ctx


def get_db(request: Request) -> Iterator[Session]:
    """One session per request; committed when the endpoint returns normally, else rolled back."""
    session = request.app.state.ctx.sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _unauthorized(msg: str = "ログインが必要です") -> HTTPException:
    return HTTPException(status_code=401, detail=msg, headers={"WWW-Authenticate": "Bearer"})


def current_principal(request: Request, db: Session = Depends(get_db)) -> Principal:
    now = utcnow()
    auth = request.headers.get("authorization", "")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized("Authorization ヘッダーの形式が正しくありません（Bearer トークンを指定してください）")
        row = db.execute(sa.select(ApiToken).where(ApiToken.token_hash == token_hash(token.strip()))).scalar_one_or_none()
        if row is None or row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
            raise _unauthorized("APIトークンが無効です（失効・期限切れ又は存在しません）")
        user = db.get(User, row.user_id)
        if user is None or not user.active:
            raise _unauthorized("この利用者は停止されています")
        row.last_used_at = now
        return Principal(user.id, user.username, user.display_name, user.role, "token")
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise _unauthorized()
    sess = db.execute(sa.select(WebSession).where(WebSession.token_hash == token_hash(cookie))).scalar_one_or_none()
    if sess is None or sess.expires_at <= now:
        raise _unauthorized("セッションの有効期限が切れました。もう一度ログインしてください")
    user = db.get(User, sess.user_id)
    if user is None or not user.active:
        raise _unauthorized("この利用者は停止されています")
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or not hmac.compare_digest(sent, sess.csrf_token):
            raise HTTPException(status_code=403, detail=f"CSRF トークンがないか一致しません（{CSRF_HEADER} ヘッダーにログイン時のトークンを指定してください）")
    return Principal(user.id, user.username, user.display_name, user.role, "session", sess.id)


def _role_check(allowed: frozenset[str], names: str, label: str) -> Callable[..., Principal]:
    def dependency(principal: Principal = Depends(current_principal)) -> Principal:
        if principal.role not in allowed:
            raise HTTPException(status_code=403, detail=f"この操作の権限がありません（{label}: 必要な役割 {names}）")
        return principal

    dependency.allowed_roles = allowed  # type: ignore[attr-defined]
    return dependency


def require_action(name: str) -> Callable[..., Principal]:
    """Dependency: the caller is authenticated and has a role the table allows for action ``name``."""
    from api.roles import action

    entry = action(name)  # an action missing from api/roles.yaml fails here, at import of the router
    dependency = _role_check(entry.roles, entry.roles_ja(), entry.label)
    dependency.__name__ = "may_" + name.replace(".", "_")
    dependency.action = name  # type: ignore[attr-defined]
    return dependency


def session_expiry(minutes: int):
    return utcnow() + timedelta(minutes=minutes)
