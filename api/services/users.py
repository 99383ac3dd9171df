"""Accounts, sessions and API tokens."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api import audit_store
from api.audit_store import Actor
from api.db.models import ApiToken, User, WebSession
from api.db.types import utcnow
from api.errors import Conflict, NotFound, ServiceError
from api.security import (
    ROLE_LABELS_JA,
    ROLES,
    dummy_hash,
    hash_password,
    needs_rehash,
    new_token,
    password_problem,
    token_hash,
    verify_password,
)
from api.services import free_text, login_throttle, reasons


def create_user(db: Session, by: Actor, username: str, password: str, role: str, display_name: str | None = None) -> User:
    username = username.strip()
    if not username:
        raise ServiceError("利用者名を指定してください")
    if role not in ROLES:
        raise ServiceError(f"役割「{role}」はありません。使える役割: " + "、".join(f"{r}（{ROLE_LABELS_JA[r]}）" for r in ROLES))
    problem = password_problem(password)
    if problem:
        raise ServiceError(problem)
    if db.execute(sa.select(User.id).where(User.username == username)).first():
        raise Conflict(f"利用者「{username}」は既に登録されています")
    user = User(username=username, display_name=display_name or username, role=role, password_hash=hash_password(password))
    db.add(user)
    db.flush()
    audit_store.append(db, by, "user_created", "user", username, details={"role": role})
    return user


def set_password(db: Session, username: str, password: str) -> User:
    user = get_user(db, username)
    problem = password_problem(password)
    if problem:
        raise ServiceError(problem)
    user.password_hash = hash_password(password)
    return user


def get_user(db: Session, username: str) -> User:
    user = db.execute(sa.select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"利用者「{username}」は登録されていません")
    return user


def _keep_an_admin(db: Session, user: User, what: str) -> None:
    """Refuse to leave the service without an active administrator (nobody could manage accounts)."""
    if user.role != "admin" or not user.active:
        return
    q = sa.select(User.id).where(User.role == "admin", User.active.is_(True), User.id != user.id)
    if db.get_bind().dialect.name != "sqlite":
        q = q.with_for_update()  # two admins demoting each other at once cannot both succeed
    if db.execute(q.limit(1)).first() is None:
        raise Conflict(f"利用者「{user.username}」は最後の有効なシステム管理者のため、{what}できません。"
                       "先に別の利用者をシステム管理者にしてください")


def deactivate_user(db: Session, by: Actor, username: str, reason: str) -> User:
    reason = reasons.require_reason(reason, "利用者の停止")
    user = get_user(db, username)
    _keep_an_admin(db, user, "停止")
    user.active = False
    db.execute(sa.delete(WebSession).where(WebSession.user_id == user.id))
    db.execute(sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow()))
    audit_store.append(db, by, "user_deactivated", "user", username, reason=reason)
    return user


def change_role(db: Session, by: Actor, username: str, role: str, reason: str) -> User:
    reason = reasons.require_reason(reason, "役割の変更")
    if role not in ROLES:
        raise ServiceError(f"役割「{role}」はありません。使える役割: " + "、".join(ROLES))
    user = get_user(db, username)
    before = user.role
    if role != "admin":
        _keep_an_admin(db, user, "システム管理者以外の役割に変更")
    user.role = role
    db.execute(sa.delete(WebSession).where(WebSession.user_id == user.id))  # sessions carry the old role's rights
    audit_store.append(db, by, "user_role_changed", "user", username, reason=reason, details={"from": before, "to": role})
    return user


def authenticate(db: Session, username: str, password: str) -> User | None:
    """The active user with this password, else None (a failed attempt costs the same time).

    The session's transaction is committed before the password is hashed, so no database lock (SQLite's
    write lock, taken at BEGIN) is held during the ~0.1 s of argon2; later writes start a new transaction.
    """
    user = db.execute(sa.select(User).where(User.username == username)).scalar_one_or_none()
    db.commit()
    if user is None or not user.active:
        verify_password(password, dummy_hash())
        return None
    if not verify_password(password, user.password_hash):
        return None
    if needs_rehash(user.password_hash):  # made with older argon2 parameters: stored anew with the caller's writes
        user.password_hash = hash_password(password)
    return user


def login_refusal(db: Session, username: str, address: str) -> login_throttle.Locked | None:
    """The temporary lock refusing a login from ``address`` as ``username`` now, if any (logged, not audited)."""
    locked = login_throttle.check(db, username, address)
    if locked is not None:
        login_throttle.log.info("login refused while locked: %s %r", locked.kind, locked.key)
    return locked


def record_login_failure(db: Session, username: str, address: str, details: Mapping[str, Any]) -> None:
    """Audit a failed login and count it against the account and the address; a lock it starts is audited."""
    name = username[:80]
    audit_store.append(db, Actor(name, "unknown"), "login_failed", "user", name, details=dict(details))
    for lock in login_throttle.record_failure(db, username, address):
        seconds = lock.seconds_left()
        audit_store.append(db, Actor(name, "unknown"), "login_locked", "login_throttle", lock.key[:300],
                           details={"scope": lock.kind, "seconds": seconds})


def record_login_success(db: Session, username: str, address: str | None = None) -> None:
    login_throttle.record_success(db, username, address)


def start_session(db: Session, user: User, minutes: int) -> tuple[str, str, datetime]:
    """(cookie token, csrf token, expiry); only hashes of the cookie token are stored."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(minutes=minutes)
    db.execute(sa.delete(WebSession).where(WebSession.expires_at <= utcnow()))
    db.add(WebSession(token_hash=token_hash(token), csrf_token=csrf, user_id=user.id, expires_at=expires))
    db.flush()
    return token, csrf, expires


def end_session(db: Session, session_id: int) -> None:
    db.execute(sa.delete(WebSession).where(WebSession.id == session_id))


def csrf_for(db: Session, session_id: int) -> str | None:
    s = db.get(WebSession, session_id)
    return s.csrf_token if s else None


def create_token(db: Session, user_id: int, by: Actor, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    free_text.require_no_pii(name, "トークンの用途")  # kept in the operation log
    token = new_token()
    row = ApiToken(user_id=user_id, name=name, token_hash=token_hash(token), prefix=token[:8],
                   expires_at=utcnow() + timedelta(days=days) if days else None)
    db.add(row)
    db.flush()
    audit_store.append(db, by, "api_token_created", "api_token", row.id, details={"token_name": name})
    return row, token


def revoke_token(db: Session, user_id: int, token_id: int, by: Actor) -> ApiToken:
    row = db.get(ApiToken, token_id)
    if row is None or row.user_id != user_id:
        raise NotFound(f"APIトークン {token_id} はありません")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit_store.append(db, by, "api_token_revoked", "api_token", row.id)
    return row


def list_tokens(db: Session, user_id: int) -> list[ApiToken]:
    return list(db.execute(sa.select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)).scalars())
