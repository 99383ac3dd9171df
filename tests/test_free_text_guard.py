"""Issue 15, item 6: the PII guard on every free text staff type that the service stores or sends.

Reasons kept by the operation log, legal-basis requests and decisions, rule and ruleset texts, draft titles and
token names are refused with a Japanese 422 naming the field and the kinds found, never the values; nothing is
stored. Clean institutional text (the starter ruleset's own rationale) passes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.errors import ServiceError
from api.services import free_text, reasons

pytest_plugins = ["tests.conftest_api"]

NAME = "山田太郎"
PHONE = "090-1234-5678"
SAMPLE = Path(__file__).resolve().parents[1] / "engine" / "rules" / "samples" / "izumi_style.json"


def _assert_refused(r, field_word: str, *secrets: str) -> None:
    assert r.status_code == 422, r.text
    body = r.text
    assert field_word in body and "個人情報と思われる語句" in body
    for s in secrets:
        assert s not in body  # kinds only, never the values


def test_reason_with_a_name_is_refused_before_the_log_keeps_it():
    with pytest.raises(ServiceError) as exc:
        reasons.require_reason(f"{NAME}さんの件で家庭訪問のため", "再識別")
    assert exc.value.status_code == 422
    assert "再識別の理由" in exc.value.detail and "氏名" in exc.value.detail and NAME not in exc.value.detail
    assert exc.value.extra["pii_kinds"] == ["PERSON"]
    assert reasons.require_reason("要対協の個別ケース検討会議のため", "再識別") == "要対協の個別ケース検討会議のため"


def test_starter_ruleset_texts_are_clean():
    """Institutional text (rule titles, rationale, explanation templates) is not mistaken for personal information."""
    free_text.require_ruleset_texts_clean(json.loads(SAMPLE.read_text(encoding="utf-8")))


def test_rule_saved_through_the_api_is_guarded(sqlite_service):
    svc = sqlite_service
    doc = json.loads(SAMPLE.read_text(encoding="utf-8"))["rules"][0]
    before = svc.count("rule_versions")
    r = svc.as_role("staff").post("/api/rules", json={"rule": {**doc, "title": f"{NAME}さんのような欠席"}})
    _assert_refused(r, "名前", NAME)
    r = svc.as_role("staff").post("/api/rules", json={"rule": {**doc, "explanation": f"連絡先 {PHONE} へ"}})
    _assert_refused(r, "説明文のひな形", PHONE, "1234")
    assert svc.count("rule_versions") == before
    assert svc.as_role("staff").post("/api/rules", json={"rule": doc}).status_code == 201


def test_ruleset_texts_are_guarded(sqlite_service):
    svc = sqlite_service
    doc = json.loads(SAMPLE.read_text(encoding="utf-8"))
    before = svc.count("ruleset_versions")
    doc["description"] = f"担当 {NAME}（{PHONE}）が作成"
    r = svc.as_role("supervisor").post("/api/rulesets", json={"ruleset": doc})
    _assert_refused(r, "ルールセットの説明", NAME, PHONE)
    assert svc.count("ruleset_versions") == before


def test_legal_basis_request_and_decision_are_guarded(sqlite_service):
    svc = sqlite_service
    staff = svc.as_role("staff")
    before = svc.count("registry_entries")
    body = {"item_id": "welfare.public_assistance", "receiving_department": "こども家庭センター", "purpose": "早期把握",
            "basis": "61-1", "use": "recurring", "justification": f"{NAME}さん（{PHONE}）の件で必要"}
    _assert_refused(staff.post("/api/registry", json=body), "相当の理由", NAME, PHONE)
    assert svc.count("registry_entries") == before
    body["justification"] = "こども家庭センターによる支援対象の早期把握のため"
    r = staff.post("/api/registry", json=body)
    assert r.status_code == 201, r.text
    entry = r.json()
    po = svc.as_role("privacy_officer")
    r = po.post(f"/api/registry/{entry['id']}/approve", json={"reason": f"{NAME}係長に確認した"})
    _assert_refused(r, "判断の理由", NAME)
    assert po.get(f"/api/registry/{entry['id']}").json()["status"] == "proposed"


def test_role_change_reason_and_token_name_are_guarded(sqlite_service):
    svc = sqlite_service
    admin = svc.as_role("admin")
    r = admin.post(f"/api/users/{svc.users['staff']}/role", json={"role": "reviewer", "reason": f"{NAME}課長の指示 {PHONE}"})
    _assert_refused(r, "役割の変更の理由", NAME, PHONE)
    r = svc.as_role("staff").post("/api/auth/tokens", json={"name": f"{NAME}の集計用"})
    _assert_refused(r, "トークンの用途", NAME)


def test_draft_title_is_guarded(sqlite_service):
    r = sqlite_service.as_role("staff").post("/api/drafts", json={"text": "生活保護世帯の子", "title": f"{NAME}くんの件"})
    _assert_refused(r, "ルール案の名前", NAME)


def test_compose_page_shows_the_kinds_beside_the_field(sqlite_service):
    c, csrf = sqlite_service.login("super1")
    form = {"csrf_token": csrf, "ruleset_id": "ui-pii", "title": "春の抽出", "description": f"{NAME}さん宅の件 {PHONE}",
            "rule": "sample:w-dv", "exclusion": "yotaikyo-registered", "top_n": "50", "action": "save"}
    r = c.post("/ui/rulesets/compose", data=form, follow_redirects=False)
    assert r.status_code == 422 and "個人情報と思われる語句があります（氏名 1件、電話番号 1件）" in r.text
    assert NAME not in r.text.replace(form["description"], "")  # only the typed field keeps it, for rephrasing
    assert sqlite_service.count("ruleset_versions") == 0
