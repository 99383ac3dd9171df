"""Item 5: the password is hashed outside the write transaction; failed logins are throttled per account
and per client address with a Japanese message, and the lock is logged."""

from __future__ import annotations

import sqlite3

import pytest

pytest.register_assert_rewrite("tests.conftest_api")
from tests.conftest_api import PASSWORD  # noqa: E402

pytest_plugins = ["tests.conftest_api"]


def test_no_write_lock_is_held_while_hashing(sqlite_service, monkeypatch):
    from api.services import users

    svc = sqlite_service
    db_path = svc.ctx.engine.url.database
    probes: list[str] = []
    real = users.verify_password

    def probing_verify(password: str, password_hash: str) -> bool:
        # another writer during the hash: it gets the write lock at once (old code: "database is locked")
        conn = sqlite3.connect(db_path, timeout=0.2, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            probes.append("ok")
        except sqlite3.OperationalError as exc:
            probes.append(str(exc))
        finally:
            conn.close()
        return real(password, password_hash)

    monkeypatch.setattr(users, "verify_password", probing_verify)
    c = svc.client()
    assert c.post("/api/auth/login", json={"username": "staff1", "password": PASSWORD}).status_code == 200
    assert c.post("/api/auth/login", json={"username": "staff1", "password": "wrong-password"}).status_code == 401
    assert probes == ["ok", "ok"]


def test_account_is_locked_after_repeated_failures(service):
    c = service.client()
    for _ in range(5):
        assert c.post("/api/auth/login", json={"username": "staff1", "password": "wrong-password"}).status_code == 401
    r = c.post("/api/auth/login", json={"username": "staff1", "password": PASSWORD})  # even the right password
    assert r.status_code == 429 and "一時的に止めています" in r.json()["detail"] and "秒後" in r.json()["detail"]
    assert int(r.headers["Retry-After"]) >= 1
    # another account from the same address is not locked
    assert c.post("/api/auth/login", json={"username": "review1", "password": PASSWORD}).status_code == 200
    locks = service.as_role("auditor").get("/api/audit", params={"action": "login_locked"}).json()["items"]
    assert [(i["target_id"], i["details"]["scope"]) for i in locks] == [("staff1", "account")]


def test_address_is_locked_after_a_flood_over_many_accounts(sqlite_service):
    c = sqlite_service.client()
    for i in range(20):
        assert c.post("/api/auth/login", json={"username": f"nobody{i}", "password": "wrong-password"}).status_code == 401
    r = c.post("/api/auth/login", json={"username": "staff1", "password": PASSWORD})
    assert r.status_code == 429 and "この端末から" in r.json()["detail"]


def test_success_clears_the_account_counter(sqlite_service):
    c = sqlite_service.client()
    for _ in range(4):
        assert c.post("/api/auth/login", json={"username": "staff1", "password": "wrong-password"}).status_code == 401
    assert c.post("/api/auth/login", json={"username": "staff1", "password": PASSWORD}).status_code == 200
    for _ in range(4):
        assert c.post("/api/auth/login", json={"username": "staff1", "password": "wrong-password"}).status_code == 401
    assert c.post("/api/auth/login", json={"username": "staff1", "password": PASSWORD}).status_code == 200
