"""Browser sessions for the server-rendered UI (api/web): resolve the cookie, log in and out with audit."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api import audit_store
from api.audit_store import Actor
from api.db.models import User, WebSession
from api.db.types import utcnow
from api.errors import ServiceError
from api.security import token_hash
from api.services import users


class WebLoginLocked(ServiceError):
    """Too many failed logins for the account or the address (the API login's throttle): 429."""

    status_code = 429

    def __init__(self, detail: str, seconds: int):
        super().__init__(detail)
        self.seconds = seconds
        self.headers = {"Retry-After": str(seconds)}


@dataclass(frozen=True)
class WebLogin:
    token: str
    csrf: str
    user: User


def resolve(db: Session, cookie: str | None) -> tuple[User, WebSession] | None:
    """The active user and live session behind a session cookie, else None (missing, expired or deactivated)."""
    if not cookie:
        return None
    sess = db.execute(sa.select(WebSession).where(WebSession.token_hash == token_hash(cookie))).scalar_one_or_none()
    if sess is None or sess.expires_at <= utcnow():
        return None
    user = db.get(User, sess.user_id)
    if user is None or not user.active:
        return None
    return user, sess


def csrf_ok(sess: WebSession, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(str(sent), sess.csrf_token)


def login(db: Session, username: str, password: str, minutes: int, address: str) -> WebLogin | None:
    """Start a session for valid credentials; every attempt is logged (failures without the password).

    The same throttle as the API login (api/services/login_throttle.py, per account and per address):
    while locked, :class:`WebLoginLocked` is raised before any password is hashed; a failure counts
    against both and may start a lock (logged and audited); a success clears the account's counter.
    """
    locked = users.login_refusal(db, username, address)
    if locked is not None:
        raise WebLoginLocked(locked.message_ja(), locked.seconds_left())
    user = users.authenticate(db, username, password)  # hashes outside any transaction
    if user is None:
        users.record_login_failure(db, username, address, {"method": "password", "via": "web"})
        return None
    users.record_login_success(db, user.username, address)
    token, csrf, _ = users.start_session(db, user, minutes)
    audit_store.append(db, Actor(user.username, user.role), "login", "user", user.username,
                       details={"method": "password", "via": "web"})
    return WebLogin(token, csrf, user)


def logout(db: Session, user: User, sess: WebSession) -> None:
    users.end_session(db, sess.id)
    audit_store.append(db, Actor(user.username, user.role), "logout", "user", user.username, details={"via": "web"})
