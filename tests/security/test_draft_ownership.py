"""Item 8: a staff member cannot read, continue or delete another staff member's draft unless it is shared;
supervisors may read (and continue) every draft, privacy officers read every draft."""

from __future__ import annotations

pytest_plugins = ["tests.conftest_api"]


def test_drafts_belong_to_their_author_unless_shared(service):
    service.add_user("staff2", "staff")
    service.add_user("staff3", "staff")
    a, b, c = service.as_role("staff"), service.as_user("staff2"), service.as_user("staff3")
    d = a.post("/api/drafts", json={"text": "年間欠席30日以上の児童は10点"}).json()
    did, vid = d["id"], d["versions"][0]["id"]

    assert b.get(f"/api/drafts/{did}").status_code == 404
    assert b.post(f"/api/drafts/{did}/messages", json={"text": "欠席は20日以上に"}).status_code == 404
    assert b.delete(f"/api/drafts/{did}").status_code == 404
    assert b.post("/api/rules", json={"draft_version_id": vid}).status_code == 404
    assert did not in [x["id"] for x in b.get("/api/drafts").json()]
    assert b.post(f"/api/drafts/{did}/share", json={"usernames": ["staff2"]}).status_code == 404

    assert service.as_role("supervisor").get(f"/api/drafts/{did}").status_code == 200
    assert did in [x["id"] for x in service.as_role("supervisor").get("/api/drafts").json()]
    assert service.as_role("supervisor").delete(f"/api/drafts/{did}").status_code == 403
    assert service.as_role("privacy_officer").get(f"/api/drafts/{did}").status_code == 200

    r = a.post(f"/api/drafts/{did}/share", json={"usernames": ["staff2"]})
    assert r.status_code == 200 and r.json()["shared_with"] == ["staff2"]
    assert b.get(f"/api/drafts/{did}").status_code == 200
    assert b.post(f"/api/drafts/{did}/messages", json={"text": "欠席は20日以上に"}).status_code == 200
    assert did in [x["id"] for x in b.get("/api/drafts").json()]
    r = b.delete(f"/api/drafts/{did}")
    assert r.status_code == 403 and "作成者だけ" in r.json()["detail"]
    assert c.get(f"/api/drafts/{did}").status_code == 404  # shared with staff2 only
    assert a.delete(f"/api/drafts/{did}").status_code == 200
