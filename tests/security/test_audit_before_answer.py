"""Item 3: a response that reveals data is sent only after its audit entry is committed; when the entry
cannot be committed, the data is not sent."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

pytest.register_assert_rewrite("tests.conftest_api")
from tests.conftest_api import approve_items  # noqa: E402

pytest_plugins = ["tests.conftest_api"]


def _run(svc) -> tuple[int, str]:
    staff, sup = svc.as_role("staff"), svc.as_role("supervisor")
    d = staff.post("/api/drafts", json={"text": "年間欠席30日以上の児童は10点"}).json()
    rule = staff.post("/api/rules", json={"draft_version_id": d["versions"][0]["id"]}).json()
    rs = staff.post("/api/rulesets", json={"rule_version_ids": [rule["id"]], "id": "audit-first", "title": "t"}).json()
    assert sup.post(f"/api/rulesets/{rs['id']}/publish").status_code == 200
    approve_items(svc, {"school.absence_days", "child.yotaikyo_registered"})
    r = sup.post(f"/api/rulesets/{rs['id']}/run", json={})
    assert r.status_code in (200, 201, 202), r.text
    run_id = r.json()["id"]
    children = svc.as_role("reviewer").get(f"/api/runs/{run_id}/results").json()["children"]
    assert children
    return run_id, children[0]["pseudonym"]


class _FailingCommits:
    """A database that refuses to commit (disk full, connection lost) from now on."""

    def __enter__(self):
        event.listen(Session, "before_commit", self._fail)
        return self

    def __exit__(self, *exc):
        event.remove(Session, "before_commit", self._fail)

    @staticmethod
    def _fail(session):
        raise RuntimeError("commit refused (test fault)")


@pytest.mark.parametrize("kind", ["run", "results", "child", "reidentify", "export"])
def test_no_data_without_a_committed_audit_entry(sqlite_service, kind):
    from fastapi.testclient import TestClient

    svc = sqlite_service
    run_id, pseudonym = _run(svc)
    role = "privacy_officer" if kind == "export" else "reviewer"
    c = TestClient(svc.app, raise_server_exceptions=False)
    c.headers["Authorization"] = f"Bearer {svc.token(svc.users[role])}"
    with _FailingCommits():
        if kind == "run":
            r = c.get(f"/api/runs/{run_id}")
        elif kind == "results":
            r = c.get(f"/api/runs/{run_id}/results")
        elif kind == "child":
            r = c.get(f"/api/runs/{run_id}/children/{pseudonym}")
        elif kind == "reidentify":
            r = c.post(f"/api/runs/{run_id}/children/{pseudonym}/reidentify", json={"reason": "家庭訪問の準備のため確認する"})
        else:
            r = c.get("/api/registry/export.csv")
    assert r.status_code >= 500
    assert pseudonym not in r.text and "atena" not in r.text and "個人情報ファイルの名称" not in r.text


def test_run_detail_view_is_logged(sqlite_service):
    svc = sqlite_service
    run_id, _ = _run(svc)
    assert svc.as_role("reviewer").get(f"/api/runs/{run_id}").status_code == 200
    items = svc.as_role("auditor").get("/api/audit", params={"action": "run_viewed"}).json()["items"]
    assert [i["target_id"] for i in items] == [str(run_id)]
