"""Item 7: the last active admin cannot be demoted or deactivated; a demoted admin loses the rights at once."""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("tests.conftest_api")
from tests.conftest_api import PASSWORD  # noqa: E402

pytest_plugins = ["tests.conftest_api"]

REASON = {"reason": "人事異動による役割の見直し"}


def test_last_admin_cannot_demote_or_deactivate_themselves(service):
    admin = service.as_role("admin")
    r = admin.post("/api/users/admin1/role", json={"role": "staff", **REASON})
    assert r.status_code == 409 and "最後の有効なシステム管理者" in r.json()["detail"]
    r = admin.post("/api/users/admin1/deactivate", json=REASON)
    assert r.status_code == 409 and "最後の有効なシステム管理者" in r.json()["detail"]
    assert admin.get("/api/users").status_code == 200  # still an admin


def test_demoted_admin_loses_rights_at_once_on_sessions_and_tokens(service):
    admin = service.as_role("admin")
    assert admin.post("/api/users", json={"username": "admin2", "password": PASSWORD, "role": "admin"}).status_code == 201
    token_client = service.as_user("admin2")
    cookie_client, _ = service.login("admin2")
    assert token_client.get("/api/users").status_code == 200 and cookie_client.get("/api/users").status_code == 200
    assert admin.post("/api/users/admin2/role", json={"role": "staff", **REASON}).status_code == 200
    assert token_client.get("/api/users").status_code == 403
    assert cookie_client.get("/api/users").status_code == 401
    # with a second admin gone, admin1 is the last one again
    assert admin.post("/api/users/admin1/deactivate", json=REASON).status_code == 409
