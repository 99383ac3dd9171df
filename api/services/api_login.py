"""Password login for the API: throttle, check the hash outside any transaction, start a session, log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from api import audit_store
from api.audit_store import Actor
from api.db.models import User
from api.errors import ServiceError
from api.services import users


class LoginLocked(ServiceError):
    """Too many failed logins for the account or the address: 429 with ``Retry-After``."""

    status_code = 429

    def __init__(self, detail: str, seconds: int):
        super().__init__(detail)
        self.headers = {"Retry-After": str(seconds)}


class LoginFailed(ServiceError):
    status_code = 401

    def __init__(self) -> None:
        super().__init__("利用者名又はパスワードが違います")


@dataclass(frozen=True)
class LoginResult:
    user: User
    token: str
    csrf: str
    expires: datetime


def login(db: Session, username: str, password: str, address: str, session_minutes: int) -> LoginResult:
    locked = users.login_refusal(db, username, address)
    if locked is not None:
        raise LoginLocked(locked.message_ja(), locked.seconds_left())
    user = users.authenticate(db, username, password)  # hashes outside any transaction
    if user is None:
        users.record_login_failure(db, username, address, {"method": "password"})
        db.commit()
        raise LoginFailed()
    users.record_login_success(db, user.username, address)
    token, csrf, expires = users.start_session(db, user, session_minutes)
    audit_store.append(db, Actor(user.username, user.role), "login", "user", user.username, details={"method": "password"})
    return LoginResult(user, token, csrf, expires)
