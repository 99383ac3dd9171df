"""Item 12: security headers on every response, no-store on data, and the four-eyes default."""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("tests.conftest_api")
from tests.conftest_api import JUSTIFICATION  # noqa: E402

pytest_plugins = ["tests.conftest_api"]


@pytest.mark.parametrize("path", ["/", "/api/health", "/api/registry", "/api/audit", "/api/nonexistent"])
def test_security_headers_on_every_answer(sqlite_service, path):
    c = sqlite_service.as_role("auditor")
    r = c.get(path)
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert "http" not in csp  # no external origin
    assert r.headers["cache-control"] == "no-store"


def test_refusals_carry_the_headers_too(sqlite_service):
    r = sqlite_service.client().get("/api/registry")  # anonymous: 401 from the middleware
    assert r.status_code == 401 and r.headers["x-frame-options"] == "DENY" and r.headers["cache-control"] == "no-store"


def test_officer_cannot_approve_own_proposal_by_default(sqlite_service):
    po = sqlite_service.as_role("privacy_officer")
    body = {"item_id": "child.yotaikyo_registered", "receiving_department": "こども家庭センター",
            "purpose": "支援が必要なこどもの早期把握", "basis": "61-1", "use": "recurring", "justification": JUSTIFICATION}
    r = po.post("/api/registry", json=body)
    assert r.status_code == 201, r.text
    r2 = po.post(f"/api/registry/{r.json()['id']}/approve", json={"reason": "根拠を確認した"})
    assert r2.status_code in (403, 409, 422) and "申請した本人" in r2.text
