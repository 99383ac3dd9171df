"""Passwords (argon2 via pwdlib), opaque tokens and their hashes."""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
from functools import lru_cache

ROLES: tuple[str, ...] = ("staff", "privacy_officer", "supervisor", "reviewer", "auditor", "admin")
ROLE_LABELS_JA: dict[str, str] = {
    "staff": "職員（ルール作成）",
    "privacy_officer": "個人情報保護担当",
    "supervisor": "管理職（公開・実行）",
    "reviewer": "確認者（結果の閲覧）",
    "auditor": "監査担当（操作ログ）",
    "admin": "システム管理者",
}
TOKEN_PREFIX = "tsu_"
MIN_PASSWORD_LENGTH = 10
# argon2id with OWASP's first recommended configuration (Password Storage Cheat Sheet: m=19 MiB, t=2, p=1).
# pwdlib's default (m=64 MiB, t=3, p=4) cost about 8x the CPU per login (about 250 ms of CPU on this 2-core
# machine): 20 concurrent logins then queued for seconds each (benchmarks/load.py). p=1: the hash slots
# below already run one hash per core. Hashes made with other parameters still verify and are rehashed
# with these at the next successful login.
ARGON2_PARAMS: dict[str, int] = {"memory_cost": 19456, "time_cost": 2, "parallelism": 1}


@lru_cache(maxsize=1)
def _hasher():
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    return PasswordHash((Argon2Hasher(**ARGON2_PARAMS),))


# argon2 is CPU- and memory-bound: at most one hash per core at a time, so that 20 logins at once finish one
# after another instead of all late together (and 20 x 64 MiB are not allocated at once).
_HASH_SLOTS = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))


def hash_password(password: str) -> str:
    with _HASH_SLOTS:
        return _hasher().hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    try:
        with _HASH_SLOTS:
            return _hasher().verify(password, password_hash)
    except Exception:  # noqa: BLE001 - a malformed hash never authenticates
        return False


def needs_rehash(password_hash: str) -> bool:
    """True for a hash made with other parameters than :data:`ARGON2_PARAMS` (rehash after a good login)."""
    try:
        return bool(_hasher().current_hasher.check_needs_rehash(password_hash))
    except Exception:  # noqa: BLE001 - a malformed hash is replaced too
        return True


# A fixed hash to verify against when the user does not exist (same timing as a wrong password).
@lru_cache(maxsize=1)
def dummy_hash() -> str:
    return hash_password("tsunagu-dummy-password-for-timing")


def new_token(prefix: str = TOKEN_PREFIX) -> str:
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"パスワードは{MIN_PASSWORD_LENGTH}文字以上にしてください"
    return None
