"""Item 6 (reasons): a blank, whitespace-only (U+3000 and other Unicode spaces, zero-width characters) or
too short reason for re-identification, deactivation or a role change is a 422 in Japanese, in the API and
in the web forms (one check: api/services/reasons.py). Nothing is changed, revealed or logged then."""

from __future__ import annotations

import re

import pytest

pytest.register_assert_rewrite("tests.conftest_api")
from tests.conftest_api import PASSWORD  # noqa: E402
from tests.test_outcomes import _run  # noqa: E402

pytest_plugins = ["tests.conftest_api"]

BAD = ["", " ", "\u3000", "\u3000\u3000 \t\n", "\u2003\u2009\u00a0", "\u200b\ufeff", "x", "確", "。。。。", "\u3000確\u3000", "ab", "ｘｙ"]
GOOD = "人事異動のため"


def _japanese_422(r) -> None:
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert ("理由" in detail or "reason:" in detail) and re.search(r"[ぁ-んァ-ン一-龥]", detail)


def test_account_changes_need_a_real_reason(sqlite_service):
    svc = sqlite_service
    admin = svc.as_role("admin")
    assert admin.post("/api/users", json={"username": "mover", "password": PASSWORD, "role": "staff"}).status_code == 201
    for reason in BAD:
        _japanese_422(admin.post("/api/users/mover/role", json={"role": "reviewer", "reason": reason}))
        _japanese_422(admin.post("/api/users/mover/deactivate", json={"reason": reason}))
    users = {u["username"]: u for u in admin.get("/api/users").json()}
    assert users["mover"]["role"] == "staff" and users["mover"]["active"] is True  # nothing changed
    actions = [i["action"] for i in svc.as_role("auditor").get("/api/audit", params={"target_id": "mover"}).json()["items"]]
    assert "user_role_changed" not in actions and "user_deactivated" not in actions


def test_short_japanese_reasons_that_say_something_are_accepted(sqlite_service):
    admin = sqlite_service.as_role("admin")
    assert admin.post("/api/users", json={"username": "mover", "password": PASSWORD, "role": "staff"}).status_code == 201
    r = admin.post("/api/users/mover/role", json={"role": "reviewer", "reason": "\u3000異動\u3000"})
    assert r.status_code == 200 and r.json()["role"] == "reviewer"
    assert admin.post("/api/users/mover/deactivate", json={"reason": "退職"}).status_code == 200
    items = sqlite_service.as_role("auditor").get("/api/audit", params={"target_id": "mover"}).json()["items"]
    assert {i["reason"] for i in items if i["action"] in ("user_role_changed", "user_deactivated")} == {"異動", "退職"}


def test_reidentification_needs_a_real_reason_in_the_api_and_the_web_form(sqlite_service):
    svc = sqlite_service
    run_id = _run(svc)["run"]["id"]
    reviewer = svc.as_role("reviewer")
    pseudonym = reviewer.get(f"/api/runs/{run_id}/results").json()["children"][0]["pseudonym"]
    url = f"/api/runs/{run_id}/children/{pseudonym}/reidentify"
    for reason in BAD:
        r = reviewer.post(url, json={"reason": reason})
        _japanese_422(r)
        assert "atena_number" not in r.text
    web, csrf = svc.login("review1")
    form = f"/ui/review/runs/{run_id}/children/{pseudonym}/reidentify"
    for reason in ("\u3000\u3000", "\u200b", "x", "。。"):
        r = web.post(form, data={"reason": reason, "csrf_token": csrf})
        assert r.status_code == 422 and "宛名番号:" not in r.text
        alert = re.search(r'role="alert"[^>]*>(.*?)</', r.text, re.S)
        assert alert and "理由" in alert.group(1)
    actions = [i["action"] for i in svc.as_role("auditor").get("/api/audit", params={"limit": 500}).json()["items"]]
    assert "reidentified" not in actions
    r = reviewer.post(url, json={"reason": "\u3000家庭訪問の準備のため\u3000"})
    assert r.status_code == 200 and r.json()["atena_number"]
    items = svc.as_role("auditor").get("/api/audit", params={"action": "reidentified"}).json()["items"]
    assert [i["reason"] for i in items] == ["家庭訪問の準備のため"]


def test_web_admin_forms_use_the_same_check(sqlite_service):
    svc = sqlite_service
    admin = svc.as_role("admin")
    assert admin.post("/api/users", json={"username": "mover", "password": PASSWORD, "role": "staff"}).status_code == 201
    web, csrf = svc.login(svc.users["admin"])
    r = web.post("/ui/admin/users/mover/role", data={"role": "reviewer", "reason": "x", "csrf_token": csrf})
    assert r.status_code == 422 and "理由が短すぎます" in r.text
    r = web.post("/ui/admin/users/mover/deactivate", data={"reason": "\u3000\u200b", "csrf_token": csrf})
    assert r.status_code == 422 and "理由" in r.text
    users = {u["username"]: u for u in admin.get("/api/users").json()}
    assert users["mover"]["role"] == "staff" and users["mover"]["active"] is True
