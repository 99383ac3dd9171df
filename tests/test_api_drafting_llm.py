"""Drafting through the API with the LLM drafter (real client, scripted local server): the PII guard
stops a text before it leaves, nothing of it is stored, and the audit log records kinds and counts only."""

from __future__ import annotations

import json

import pytest

pytest.register_assert_rewrite("tests.conftest_api")
from fake_openai_server import FakeOpenAI, reply  # noqa: E402

pytest_plugins = ["tests.conftest_api"]

RULE = {
    "id": "model-id", "title": "欠席30日以上", "difficulties": ["不登校"], "side": "education",
    "condition": {"item": "school.absence_days", "op": ">=", "value": 30, "aggregate": {"fn": "sum", "window_months": 12}},
    "when_missing": "not_met", "points": 10, "explanation": "過去1年間の欠席 {school.absence_days}日",
}


def test_llm_draft_guarded_and_versioned(sqlite_service, monkeypatch):
    svc = sqlite_service
    staff = svc.as_role("staff")
    with FakeOpenAI([reply(json.dumps(RULE, ensure_ascii=False))]) as server:
        monkeypatch.setenv("TSUNAGU_LLM_BASE_URL", server.base_url)
        monkeypatch.setenv("TSUNAGU_LLM_MODEL", "fake-model")
        monkeypatch.setenv("TSUNAGU_LLM_API_KEY", "test-key")
        monkeypatch.setenv("TSUNAGU_LLM_TIMEOUT", "10")
        secret = "マイナンバー 123456789018 の子は10点"
        r = staff.post("/api/drafts", json={"text": secret})
        assert r.status_code == 201, r.text
        blocked = r.json()
        assert blocked["outcome"]["blocked_by_guard"] is True and blocked["versions"] == []
        assert "マイナンバー" in blocked["outcome"]["problems"][0]["message"]
        assert server.requests == []  # nothing left the building
        assert secret not in json.dumps(blocked["turns"], ensure_ascii=False)
        with svc.ctx.engine.connect() as conn:
            import sqlalchemy as sa

            stored = conn.execute(sa.text("select title, conversation from drafts")).one()
        assert "123456789018" not in str(stored)

        r = staff.post(f"/api/drafts/{blocked['id']}/messages", json={"text": "過去1年間に欠席が30日以上ある子に10点"})
        assert r.status_code == 200, r.text
        v = r.json()["versions"]
        assert len(v) == 1 and v[0]["drafter"] == "llm" and v[0]["model"] == "fake-model" and v[0]["prompt_version"]
        assert v[0]["rule"]["condition"]["item"] == "school.absence_days"
        assert len(server.requests) == 1
    audit = svc.as_role("auditor").get("/api/audit", params={"action": "pii_blocked"}).json()["items"]
    assert len(audit) == 1 and audit[0]["details"]["kinds"] == ["MY_NUMBER"]
    assert audit[0]["details"]["counts"] == [1]
    assert "123456789018" not in json.dumps(audit, ensure_ascii=False)
