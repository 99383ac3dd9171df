"""Item 5 (web form): the login form of the UI uses the API login's throttle (per account and per address,
429 with a Japanese message and Retry-After, before any password is hashed; failures and locks logged).
Without it, a flood of wrong passwords through /ui/login would go on unthrottled and cost a hash each."""

from __future__ import annotations

import re

import pytest

pytest.register_assert_rewrite("tests.conftest_api")
from tests.conftest_api import PASSWORD  # noqa: E402

pytest_plugins = ["tests.conftest_api"]


def _form_client(svc):
    c = svc.client()
    page = c.get("/ui/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return c, token


def _post(c, token: str, username: str, password: str):
    return c.post("/ui/login", data={"username": username, "password": password, "csrf_token": token},
                  follow_redirects=False)


def test_web_form_locks_the_account_like_the_api(sqlite_service, monkeypatch):
    from api.services import users

    svc = sqlite_service
    c, token = _form_client(svc)
    for _ in range(5):
        assert _post(c, token, "staff1", "wrong-password").status_code == 401
    hashed: list[str] = []
    real = users.verify_password
    monkeypatch.setattr(users, "verify_password", lambda pw, h: hashed.append(pw) or real(pw, h))
    r = _post(c, token, "staff1", PASSWORD)  # even the right password
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    alert = re.search(r'role="alert"[^>]*>(.*?)</p>', r.text, re.S).group(1)
    assert "一時的に止めています" in alert and "秒後" in alert
    assert hashed == []  # refused before any hashing
    assert "tsunagu_session" not in r.headers.get("set-cookie", "")
    # the same lock holds for the API login: one throttle
    r = svc.client().post("/api/auth/login", json={"username": "staff1", "password": PASSWORD})
    assert r.status_code == 429
    # another account from the same address still logs in through the form
    assert _post(c, token, "review1", PASSWORD).status_code == 303
    audit = svc.as_role("auditor")
    failed = audit.get("/api/audit", params={"action": "login_failed", "target_id": "staff1"}).json()["items"]
    assert len(failed) == 5 and all(i["details"].get("via") == "web" for i in failed)
    locks = audit.get("/api/audit", params={"action": "login_locked"}).json()["items"]
    assert [(i["target_id"], i["details"]["scope"]) for i in locks] == [("staff1", "account")]


def test_failures_through_the_api_and_the_form_add_up(sqlite_service):
    svc = sqlite_service
    c, token = _form_client(svc)
    api = svc.client()
    for i in range(4):
        if i % 2:
            assert _post(c, token, "staff1", "wrong-password").status_code == 401
        else:
            assert api.post("/api/auth/login", json={"username": "staff1", "password": "wrong"}).status_code == 401
    assert _post(c, token, "staff1", "wrong-password").status_code == 401  # the fifth failure starts the lock
    assert _post(c, token, "staff1", PASSWORD).status_code == 429


def test_web_form_locks_the_address_after_a_flood(sqlite_service):
    c, token = _form_client(sqlite_service)
    for i in range(20):
        assert _post(c, token, f"nobody{i}", "wrong-password").status_code == 401
    r = _post(c, token, "staff1", PASSWORD)
    assert r.status_code == 429 and "この端末から" in r.text


def test_a_successful_form_login_clears_the_account_counter(sqlite_service):
    c, token = _form_client(sqlite_service)
    for _ in range(4):
        assert _post(c, token, "staff1", "wrong-password").status_code == 401
    assert _post(c, token, "staff1", PASSWORD).status_code == 303
    c2, token2 = _form_client(sqlite_service)
    for _ in range(4):
        assert _post(c2, token2, "staff1", "wrong-password").status_code == 401
    assert _post(c2, token2, "staff1", PASSWORD).status_code == 303


def test_an_address_lock_spares_accounts_known_from_that_address(service):
    """Behind a proxy everybody shares one address: a flood of wrong passwords must not lock out colleagues
    who logged in from there before (their own account lock still applies). SQLite and PostgreSQL."""
    svc = service
    c, token = _form_client(svc)
    assert _post(c, token, "review1", PASSWORD).status_code == 303  # review1 is known from this address
    assert svc.client().post("/api/auth/login", json={"username": "audit1", "password": PASSWORD}).status_code == 200
    attacker, t2 = _form_client(svc)
    for i in range(20):
        assert _post(attacker, t2, f"nobody{i}", "wrong-password").status_code == 401
    assert _post(attacker, t2, "staff1", PASSWORD).status_code == 429  # never logged in from here: locked
    c3, t3 = _form_client(svc)
    assert _post(c3, t3, "review1", PASSWORD).status_code == 303  # known pair: the address lock does not refuse it
    assert svc.client().post("/api/auth/login", json={"username": "audit1", "password": PASSWORD}).status_code == 200
    c4, t4 = _form_client(svc)
    for _ in range(5):  # but a known account's own failures still lock it
        assert _post(c4, t4, "review1", "wrong-password").status_code == 401
    assert _post(c4, t4, "review1", PASSWORD).status_code == 429
