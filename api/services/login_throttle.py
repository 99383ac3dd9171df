"""Throttling of failed logins, per account and per client address (exponential back-off).

Each failed password counts against the account name and against the client's address. Below the free
allowance nothing changes; from then on each further failure locks logins for ``base * 2**(n - free)``
seconds (at most ``max_lock``). Counters start again once no failure came for ``window``; a successful
login clears the account's counter (not the address's). While locked, a login is refused with 429 and a
Japanese message before any password is checked, so a flood of wrong passwords costs no hashing.

Behind a proxy or NAT every client shares one address, so a flood of wrong passwords would lock every
colleague out with the address. An account that logged in successfully from an address within
:data:`KNOWN_PAIR_WINDOW` (a "known pair", kind ``known``) is therefore not refused by that address's lock;
its own account lock still applies, and its failures still count against the address.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from api.db.models_hardening import LoginThrottle
from api.db.types import utcnow

log = logging.getLogger("tsunagu.auth")


@dataclass(frozen=True)
class ThrottleRule:
    free: int  # failures allowed before the first lock
    base_seconds: int
    max_lock_seconds: int
    window: timedelta


RULES: dict[str, ThrottleRule] = {
    "account": ThrottleRule(free=5, base_seconds=30, max_lock_seconds=15 * 60, window=timedelta(minutes=15)),
    "address": ThrottleRule(free=20, base_seconds=30, max_lock_seconds=15 * 60, window=timedelta(minutes=15)),
}
KNOWN_PAIR_WINDOW = timedelta(days=90)
MESSAGES_JA: dict[str, str] = {
    "account": "ログインの失敗が続いたため、この利用者名でのログインを一時的に止めています。{seconds}秒後にもう一度お試しください",
    "address": "この端末からのログインの失敗が続いたため、ログインを一時的に止めています。{seconds}秒後にもう一度お試しください",
}


@dataclass(frozen=True)
class Locked:
    kind: str
    key: str
    until: datetime

    def seconds_left(self, now: datetime | None = None) -> int:
        return max(1, int((self.until - (now or utcnow())).total_seconds() + 0.999))

    def message_ja(self, now: datetime | None = None) -> str:
        return MESSAGES_JA[self.kind].format(seconds=self.seconds_left(now))


def _keys(username: str, address: str) -> list[tuple[str, str]]:
    return [("account", username.strip()[:200]), ("address", (address or "unknown")[:200])]


def _pair(username: str, address: str) -> str:
    return f"{username.strip()[:120]}|{(address or 'unknown')[:79]}"


def _known_pair(db: Session, username: str, address: str, now: datetime) -> bool:
    row = db.execute(sa.select(LoginThrottle).where(LoginThrottle.kind == "known",
                                                    LoginThrottle.key == _pair(username, address))).scalar_one_or_none()
    return row is not None and row.last_failure_at + KNOWN_PAIR_WINDOW > now


def check(db: Session, username: str, address: str) -> Locked | None:
    """The lock that refuses this login now, if any (account first; an address lock spares known pairs)."""
    now = utcnow()
    for kind, key in _keys(username, address):
        row = db.execute(sa.select(LoginThrottle).where(LoginThrottle.kind == kind, LoginThrottle.key == key)).scalar_one_or_none()
        if row is not None and row.locked_until is not None and row.locked_until > now:
            if kind == "address" and _known_pair(db, username, address, now):
                continue
            return Locked(kind, key, row.locked_until)
    return None


def _row(db: Session, kind: str, key: str, now: datetime) -> LoginThrottle:
    dialect = db.get_bind().dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(LoginThrottle)
    db.execute(ins.values(kind=kind, key=key, failures=0, last_failure_at=now).on_conflict_do_nothing())
    q = sa.select(LoginThrottle).where(LoginThrottle.kind == kind, LoginThrottle.key == key)
    if dialect != "sqlite":
        q = q.with_for_update()
    return db.execute(q.execution_options(populate_existing=True)).scalar_one()


def record_failure(db: Session, username: str, address: str) -> list[Locked]:
    """Count one failed login; the locks this failure starts (to be logged by the caller)."""
    now = utcnow()
    started: list[Locked] = []
    for kind, key in _keys(username, address):
        rule = RULES[kind]
        row = _row(db, kind, key, now)
        if row.failures and row.last_failure_at + rule.window < now and (row.locked_until is None or row.locked_until <= now):
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        over = row.failures - rule.free
        if over >= 0:
            seconds = min(rule.max_lock_seconds, rule.base_seconds * 2 ** min(over, 20))
            row.locked_until = now + timedelta(seconds=seconds)
            started.append(Locked(kind, key, row.locked_until))
            log.warning("login throttled: %s %r locked for %d s after %d failures", kind, key, seconds, row.failures)
    db.flush()
    return started


def record_success(db: Session, username: str, address: str | None = None) -> None:
    """Clear the account's counter; remember (account, address) as a known pair (its time in last_failure_at)."""
    db.execute(sa.delete(LoginThrottle).where(LoginThrottle.kind == "account", LoginThrottle.key == username.strip()[:200]))
    if address is None:
        return
    now = utcnow()
    row = _row(db, "known", _pair(username, address), now)
    row.last_failure_at = now
    db.flush()
