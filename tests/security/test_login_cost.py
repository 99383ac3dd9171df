"""Item 5 (cost of a login): passwords are hashed with argon2id at OWASP's recommended m=19 MiB, t=2, p=1
(pwdlib's default m=64 MiB, t=3, p=4 cost about 8x the CPU and made 20 concurrent logins queue for
seconds); a hash made with the older parameters still logs in and is replaced at that login."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

pytest.register_assert_rewrite("tests.conftest_api")
from tests.conftest_api import PASSWORD  # noqa: E402

pytest_plugins = ["tests.conftest_api"]


def test_new_hashes_use_the_owasp_parameters():
    from api.security import ARGON2_PARAMS, hash_password, needs_rehash, verify_password

    assert ARGON2_PARAMS == {"memory_cost": 19456, "time_cost": 2, "parallelism": 1}
    h = hash_password(PASSWORD)
    assert h.startswith("$argon2id$v=19$m=19456,t=2,p=1$") and not needs_rehash(h)
    assert verify_password(PASSWORD, h) and not verify_password("wrong-password", h)


def test_cheaper_than_the_old_default_in_cpu_time():
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    from api.security import hash_password, verify_password

    old = PasswordHash((Argon2Hasher(),))
    old_hash = old.hash(PASSWORD)
    new_hash = hash_password(PASSWORD)

    def cpu(fn, n: int = 3) -> float:
        t0 = time.process_time()
        for _ in range(n):
            fn()
        return time.process_time() - t0

    old_cpu = cpu(lambda: old.verify(PASSWORD, old_hash))
    new_cpu = cpu(lambda: verify_password(PASSWORD, new_hash))
    assert new_cpu * 3 < old_cpu, (new_cpu, old_cpu)  # measured about 8x less on the 2-core machine


def test_an_old_hash_logs_in_and_is_replaced(sqlite_service):
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    from api.db.engine import session_scope
    from api.db.models import User

    svc = sqlite_service
    old_hash = PasswordHash((Argon2Hasher(),)).hash(PASSWORD)  # pwdlib's default: m=65536, t=3, p=4
    with session_scope(svc.ctx.sessions) as db:
        db.execute(sa.update(User).where(User.username == "staff1").values(password_hash=old_hash))
    c = svc.client()
    assert c.post("/api/auth/login", json={"username": "staff1", "password": "wrong-password"}).status_code == 401
    with session_scope(svc.ctx.sessions) as db:
        assert db.execute(sa.select(User.password_hash).where(User.username == "staff1")).scalar_one() == old_hash
    assert c.post("/api/auth/login", json={"username": "staff1", "password": PASSWORD}).status_code == 200
    with session_scope(svc.ctx.sessions) as db:
        stored = db.execute(sa.select(User.password_hash).where(User.username == "staff1")).scalar_one()
    assert stored != old_hash and stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert svc.client().post("/api/auth/login", json={"username": "staff1", "password": PASSWORD}).status_code == 200
