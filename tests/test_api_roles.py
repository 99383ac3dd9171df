"""Every API endpoint x every role: refused (403) unless the role is allowed; anonymous requests get 401."""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("tests.conftest_api")
from tests.conftest_api import ROLE_USERS, approve_items, make_service  # noqa: E402

pytest_plugins = ["tests.conftest_api"]

ALL = set(ROLE_USERS)
REASON = {"reason": "テスト"}

# (method, path template, json body, allowed roles)
MATRIX: list[tuple[str, str, dict | None, set[str]]] = [
    ("GET", "/api/auth/me", None, ALL),
    ("POST", "/api/auth/logout", None, ALL),
    ("POST", "/api/auth/tokens", {"name": "t"}, ALL),
    ("GET", "/api/auth/tokens", None, ALL),
    ("DELETE", "/api/auth/tokens/999999", None, ALL),
    ("GET", "/api/users", None, {"admin"}),
    ("POST", "/api/users", {"username": "x-{role}", "password": "long-enough-pw", "role": "staff"}, {"admin"}),
    ("POST", "/api/users/nobody/deactivate", REASON, {"admin"}),
    ("POST", "/api/users/nobody/role", {"role": "staff", "reason": "異動"}, {"admin"}),
    ("POST", "/api/drafts", {"text": "生活保護世帯のこどもは5点"}, {"staff", "supervisor"}),
    ("GET", "/api/drafts", None, {"staff", "supervisor", "privacy_officer"}),
    ("GET", "/api/drafts/{draft}", None, {"staff", "supervisor", "privacy_officer"}),
    ("POST", "/api/drafts/{draft}/messages", {"text": "5点に"}, {"staff", "supervisor"}),
    ("DELETE", "/api/drafts/999999", None, {"staff", "supervisor"}),
    ("POST", "/api/rules", {"draft_version_id": "{draft_version}"}, {"staff", "supervisor"}),
    ("GET", "/api/rules/{rule}", None, {"staff", "supervisor", "privacy_officer"}),
    ("POST", "/api/validate", {"rule": {"id": "x"}}, {"staff", "supervisor", "privacy_officer"}),
    ("POST", "/api/preview", {"rule": "{rule_doc}", "as_of": "2026-10-01"}, {"staff", "supervisor"}),
    ("POST", "/api/rulesets", {"rule_version_ids": ["{rule}"], "id": "m-{role}", "title": "t"}, {"staff", "supervisor"}),
    ("GET", "/api/rulesets", None, {"staff", "supervisor", "privacy_officer"}),
    ("GET", "/api/rulesets/{ruleset}", None, {"staff", "supervisor", "privacy_officer"}),
    ("POST", "/api/rulesets/{ruleset}/publish", None, {"supervisor"}),
    ("POST", "/api/rulesets/{ruleset}/run", {"as_of": "2026-10-01"}, {"supervisor"}),
    ("GET", "/api/registry", None, {"staff", "privacy_officer", "supervisor", "auditor"}),
    ("POST", "/api/registry", {"item_id": "welfare.public_assistance", "receiving_department": "課-{role}", "purpose": "p",
                               "basis": "61-1", "use": "recurring", "justification": "j"}, {"staff", "privacy_officer", "supervisor"}),
    ("GET", "/api/registry/{entry}", None, {"staff", "privacy_officer", "supervisor", "auditor"}),
    ("POST", "/api/registry/{entry}/approve", REASON, {"privacy_officer"}),
    ("POST", "/api/registry/{entry}/reject", REASON, {"privacy_officer"}),
    ("POST", "/api/registry/{entry}/revoke", REASON, {"privacy_officer"}),
    ("GET", "/api/registry/export.csv", None, {"privacy_officer", "auditor"}),
    ("GET", "/api/registry/export.xlsx", None, {"privacy_officer", "auditor"}),
    ("GET", "/api/registry/minimization", None, {"privacy_officer", "supervisor"}),
    ("GET", "/api/runs", None, {"supervisor", "reviewer", "auditor"}),
    ("GET", "/api/runs/{run}", None, {"supervisor", "reviewer", "auditor"}),
    ("GET", "/api/runs/{run}/results", None, {"supervisor", "reviewer"}),
    ("GET", "/api/runs/{run}/children/{child}", None, {"supervisor", "reviewer"}),
    ("POST", "/api/runs/{run}/children/{child}/reidentify", REASON, {"supervisor", "reviewer"}),
    ("GET", "/api/schedules", None, {"supervisor", "auditor"}),
    ("POST", "/api/schedules", {"ruleset_version_id": "{ruleset}", "cron": "0 6 1 * *"}, {"supervisor"}),
    ("POST", "/api/schedules/{schedule}/disable", None, {"supervisor"}),
    ("GET", "/api/audit", None, {"auditor", "admin"}),
    ("GET", "/api/audit/verify", None, {"auditor", "admin"}),
]
OPEN = {("GET", "/api/health"), ("POST", "/api/auth/login")}


@pytest.fixture(scope="module")
def world(tmp_path_factory, service_mart, request):
    """One service with one object of each kind to point the endpoints at."""
    from api.services.schedules import run_scheduled

    svc = make_service("sqlite", tmp_path_factory.mktemp("roles"), service_mart, request)
    staff, sup = svc.as_role("staff"), svc.as_role("supervisor")
    d = staff.post("/api/drafts", json={"text": "年間欠席30日以上の児童は10点"}).json()
    rule = staff.post("/api/rules", json={"draft_version_id": d["versions"][0]["id"]}).json()
    rs = staff.post("/api/rulesets", json={"rule_version_ids": [rule["id"]], "id": "roles", "title": "t"}).json()
    approve_items(svc, {"school.absence_days", "child.yotaikyo_registered"})
    sup.post(f"/api/rulesets/{rs['id']}/publish")
    sched = sup.post("/api/schedules", json={"ruleset_version_id": rs["id"], "cron": "0 6 1 * *",
                                             "reference_date_policy": "fixed", "fixed_date": "2026-10-01"}).json()
    run_id = run_scheduled(svc.ctx, sched["id"])
    child = svc.as_role("reviewer").get(f"/api/runs/{run_id}/results").json()["children"][0]["pseudonym"]
    pending = svc.as_role("staff").post("/api/registry", json={
        "item_id": "welfare.public_assistance", "receiving_department": "こども家庭センター", "purpose": "p", "basis": "61-1",
        "use": "recurring", "justification": "j"}).json()
    ids = {"draft": d["id"], "draft_version": d["versions"][0]["id"], "rule": rule["id"], "rule_doc": rule["document"],
           "ruleset": rs["id"], "entry": pending["id"], "run": run_id, "child": child, "schedule": sched["id"]}
    yield svc, ids
    svc.ctx.close()


def _fill(value, ids: dict, role: str):
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
            return ids[value[1:-1]]
        return value.replace("{role}", role).format(**{k: v for k, v in ids.items() if not isinstance(v, dict)})
    if isinstance(value, dict):
        return {k: _fill(v, ids, role) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids, role) for v in value]
    return value


CASES = [pytest.param(m, p, b, role, role in allowed, id=f"{m} {p} as {role}")
         for m, p, b, allowed in MATRIX for role in sorted(ALL)]


@pytest.mark.parametrize("method,path,body,role,allowed", CASES)
def test_role_matrix(world, method, path, body, role, allowed):
    svc, ids = world
    client = svc.as_role(role)
    before = svc.count("audit_log")
    r = client.request(method, _fill(path, ids, role), json=_fill(body, ids, role) if body is not None else None)
    if allowed:
        assert r.status_code not in (401, 403), (r.status_code, r.text)
    else:
        assert r.status_code == 403, (r.status_code, r.text)
        assert "権限がありません" in r.json()["detail"]
        assert svc.count("audit_log") == before  # a refused request stores nothing


@pytest.mark.parametrize("method,path,body", [pytest.param(m, p, b, id=f"{m} {p}") for m, p, b, _ in MATRIX])
def test_anonymous_refused(world, method, path, body):
    svc, ids = world
    r = svc.client().request(method, _fill(path, ids, "anon"), json=_fill(body, ids, "anon") if body is not None else None)
    assert r.status_code == 401 and r.json()["detail"] == "ログインが必要です"


def test_bad_and_revoked_tokens_refused(world):
    svc, _ = world
    c = svc.client()
    assert c.get("/api/runs", headers={"Authorization": "Bearer tsu_not-a-token"}).status_code == 401
    assert c.get("/api/runs", headers={"Authorization": "Basic abc"}).status_code == 401
    user = svc.as_role("reviewer")
    tok = user.post("/api/auth/tokens", json={"name": "short"}).json()
    other = svc.client()
    other.headers["Authorization"] = f"Bearer {tok['token']}"
    assert other.get("/api/auth/me").json()["username"] == "review1"
    assert user.delete(f"/api/auth/tokens/{tok['id']}").status_code == 200
    assert other.get("/api/auth/me").status_code == 401
    listed = user.get("/api/auth/tokens").json()
    assert all("token" not in t for t in listed) and any(t["revoked"] for t in listed)


def test_matrix_covers_every_endpoint(world):
    svc, _ = world
    declared = {(m, p) for m, p, _, _ in MATRIX} | OPEN
    routes = set()
    for route in svc.app.routes:
        path = getattr(route, "path", "")
        if path.startswith("/api/"):
            for m in route.methods - {"HEAD"}:
                routes.add((m, path))
    normalized = set()
    for m, p in routes:
        for concrete_m, concrete_p in declared:
            if concrete_m == m and _same_shape(p, concrete_p):
                normalized.add((m, p))
                break
    assert routes - normalized == set(), "endpoints without a role test"


def _same_shape(template: str, concrete: str) -> bool:
    a, b = template.strip("/").split("/"), concrete.strip("/").split("/")
    return len(a) == len(b) and all(x == y or x.startswith("{") for x, y in zip(a, b, strict=True))


def test_login_logout_and_cookie_flags(world):
    svc, _ = world
    c = svc.client()
    before = svc.count("audit_log")
    bad = c.post("/api/auth/login", json={"username": "staff1", "password": "wrong-password"})
    assert bad.status_code == 401 and "パスワード" in bad.json()["detail"]
    assert svc.count("audit_log") == before + 1  # the failed login is logged
    r = c.post("/api/auth/login", json={"username": "staff1", "password": "test-password-123"})
    assert r.status_code == 200
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    csrf = r.json()["csrf_token"]
    assert c.get("/api/auth/me").json()["csrf_token"] == csrf
    assert c.post("/api/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert c.get("/api/auth/me").status_code == 401


def test_admin_changes_role_and_deactivates(world):
    svc, _ = world
    admin = svc.as_role("admin")
    svc.add_user("mover", "staff")
    client, _csrf = svc.login("mover")
    r = admin.post("/api/users/mover/role", json={"role": "reviewer", "reason": "異動のため"})
    assert r.status_code == 200 and r.json()["role"] == "reviewer"
    assert client.get("/api/auth/me").status_code == 401  # the old session ended
    assert svc.as_user("mover").get("/api/runs").status_code == 200  # a token now carries the new role
    assert admin.post("/api/users/mover/role", json={"role": "boss", "reason": "x"}).status_code == 422
    assert admin.post("/api/users/mover/deactivate", json={"reason": "退職"}).status_code == 200
    assert svc.as_user("mover").get("/api/runs").status_code == 401
    changed = svc.as_role("auditor").get("/api/audit", params={"action": "user_role_changed"}).json()["items"]
    assert changed[0]["reason"] == "異動のため" and changed[0]["details"] == {"from": "staff", "to": "reviewer"}


def test_expired_session_refused(world):
    import sqlalchemy as sa

    svc, _ = world
    client, _csrf = svc.login("review1")
    assert client.get("/api/auth/me").status_code == 200
    with svc.ctx.engine.begin() as conn:
        conn.execute(sa.text("update sessions set expires_at = :t"), {"t": "2000-01-01 00:00:00"})
    r = client.get("/api/auth/me")
    assert r.status_code == 401 and "有効期限" in r.json()["detail"]


def test_every_endpoint_documented_in_japanese(world):
    import re

    svc, _ = world
    spec = svc.client().get("/openapi.json").json()
    japanese = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert japanese.search(op.get("summary", "")), (method, path)
            assert japanese.search(op.get("description", "")), (method, path)
