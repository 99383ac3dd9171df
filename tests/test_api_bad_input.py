"""Bad input answered with clear 4xx errors (Japanese) and nothing stored: malformed JSON, unknown ids,
oversized bodies, missing or forged CSRF tokens, invalid rules."""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("tests.conftest_api")
from tests.conftest_api import Service  # noqa: E402

pytest_plugins = ["tests.conftest_api"]

TABLES = ("drafts", "draft_versions", "rule_versions", "ruleset_versions", "registry_entries", "runs", "schedules", "audit_log")


def _counts(svc: Service) -> dict[str, int]:
    return {t: svc.count(t) for t in TABLES}


def test_malformed_json_is_422_in_japanese(service):
    c = service.as_role("staff")
    before = _counts(service)
    r = c.post("/api/drafts", content='{"text": "欠席30日以上'.encode(), headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    assert "JSON の形式が正しくありません" in r.json()["detail"]
    r = c.post("/api/drafts", json={"txt": "typo"})
    assert r.status_code == 422 and "text: 必須の項目がありません" in r.json()["detail"]
    r = c.post("/api/drafts", json=["not", "an", "object"])
    assert r.status_code == 422 and "オブジェクト" in r.json()["detail"]
    assert _counts(service) == before


def test_unknown_ids_are_404(service):
    staff, sup, rev = service.as_role("staff"), service.as_role("supervisor"), service.as_role("reviewer")
    before = _counts(service)
    for client, method, path, body in [
        (staff, "GET", "/api/drafts/424242", None),
        (staff, "POST", "/api/drafts/424242/messages", {"text": "20日以上に"}),
        (staff, "GET", "/api/rulesets/424242", None),
        (staff, "GET", "/api/rules/424242", None),
        (staff, "GET", "/api/registry/no-such-entry", None),
        (sup, "POST", "/api/rulesets/424242/publish", None),
        (sup, "POST", "/api/rulesets/424242/run", None),
        (sup, "POST", "/api/schedules", {"ruleset_version_id": 424242, "cron": "0 6 1 * *"}),
        (sup, "POST", "/api/schedules/424242/disable", None),
        (rev, "GET", "/api/runs/424242", None),
        (rev, "GET", "/api/runs/424242/results", None),
        (rev, "POST", "/api/runs/424242/children/abc/reidentify", {"reason": "確認"}),
    ]:
        r = client.request(method, path, json=body)
        assert r.status_code == 404, (path, r.status_code, r.text)
        assert "ありません" in r.json()["detail"], path
    assert service.as_role("privacy_officer").post("/api/registry/nope/approve", json={"reason": "r"}).status_code == 404
    assert _counts(service) == before
    assert sup.get("/api/nowhere").status_code == 404


def test_oversized_body_is_413(service):
    c = service.as_role("staff")
    before = _counts(service)
    big = b'{"text": "' + b"a" * (1024 * 1024 + 10) + b'"}'
    r = c.post("/api/drafts", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "大きすぎます" in r.json()["detail"]

    # without a Content-Length (chunked): counted while reading
    def chunks():
        for _ in range(20):
            yield b"x" * (64 * 1024)

    r = c.post("/api/drafts", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert _counts(service) == before


def test_csrf_required_for_cookie_sessions(service):
    client, csrf = service.login("staff1")
    other_client, other_csrf = service.login("super1")
    before = _counts(service)
    r = client.post("/api/drafts", json={"text": "生活保護世帯のこどもは5点"})
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    r = client.post("/api/drafts", json={"text": "生活保護世帯のこどもは5点"}, headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403
    r = client.post("/api/drafts", json={"text": "生活保護世帯のこどもは5点"}, headers={"X-CSRF-Token": other_csrf})
    assert r.status_code == 403  # another session's token does not fit
    assert _counts(service) == before
    assert client.get("/api/drafts").status_code == 200  # reads need no CSRF token
    r = client.post("/api/drafts", json={"text": "生活保護世帯のこどもは5点"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201


def test_invalid_rule_and_ruleset_refused_with_problems(service):
    staff = service.as_role("staff")
    before = _counts(service)
    bad_rule = {"id": "bad", "title": "t", "difficulties": ["貧困"], "side": "welfare",
                "condition": {"item": "welfare.no_such_item", "op": "=", "value": True}, "when_missing": "not_met",
                "points": 5, "explanation": "x"}
    r = staff.post("/api/rules", json={"rule": bad_rule})
    assert r.status_code == 422
    errors = r.json()["validation"]["errors"]
    assert errors and errors[0]["path"].startswith("$.condition") and errors[0]["message"]
    r = staff.post("/api/rulesets", json={"ruleset": {"id": "bad", "title": "t", "rules": [bad_rule]}})
    assert r.status_code == 422
    r = staff.post("/api/rules", json={})
    assert r.status_code == 400 and "どちらか一方" in r.json()["detail"]
    v = staff.post("/api/validate", json={"rule": bad_rule}).json()
    assert v["ok"] is False and v["errors"]
    assert _counts(service) == before


def test_bad_schedule_and_query_values(service):
    sup = service.as_role("supervisor")
    before = _counts(service)
    r = sup.post("/api/schedules", json={"ruleset_version_id": 1, "cron": "every monday"})
    assert r.status_code in (404, 400)
    r = service.as_role("auditor").get("/api/audit", params={"since": "2026-01-01T00:00:00"})
    assert r.status_code == 422 and "タイムゾーン" in r.json()["detail"]
    r = service.as_role("auditor").get("/api/audit", params={"limit": "many"})
    assert r.status_code == 422 and "整数" in r.json()["detail"]
    after = _counts(service)
    assert after["audit_log"] == before["audit_log"] and after["schedules"] == before["schedules"]


def test_health_and_landing_are_open(service):
    c = service.client()
    h = c.get("/api/health").json()
    from alembic.script import ScriptDirectory

    from api.db.engine import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert h["status"] == "ok" and h["schema_revision"] == head and h["mart"] is True
    page = c.get("/")
    assert page.status_code == 200 and "判定ではありません" in page.text and "/docs" in page.text
    spec = c.get("/openapi.json").json()
    assert spec["paths"]["/api/drafts"]["post"]["summary"] == "ルール案の作成（対話の開始）"


def test_dates_in_seireki_and_wareki(service):
    sup = service.as_role("supervisor")
    staff = service.as_role("staff")
    rule = {"id": "w1", "title": "生活保護", "difficulties": ["貧困"], "side": "welfare",
            "condition": {"item": "welfare.public_assistance", "op": "=", "value": True}, "when_missing": "not_met",
            "points": 5, "explanation": "生活保護: {welfare.public_assistance}"}
    rs = staff.post("/api/rulesets", json={"ruleset": {"id": "dates", "title": "t", "rules": [rule]}}).json()
    sup.post(f"/api/rulesets/{rs['id']}/publish")
    for text in ("令和8年10月1日", "R8.10.1", "2026/10/1"):
        r = sup.post("/api/schedules", json={"ruleset_version_id": rs["id"], "cron": "0 6 1 * *",
                                             "reference_date_policy": "fixed", "fixed_date": text})
        assert r.status_code == 201 and r.json()["fixed_date"] == "2026-10-01", r.text
    before = service.count("schedules")
    r = sup.post("/api/schedules", json={"ruleset_version_id": rs["id"], "cron": "0 6 1 * *",
                                         "reference_date_policy": "fixed", "fixed_date": "令和8年2月30日"})
    assert r.status_code == 422 and "fixed_date" in r.json()["detail"]
    assert service.count("schedules") == before
