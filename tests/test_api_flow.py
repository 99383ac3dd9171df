"""The whole flow through the HTTP API, on SQLite and on PostgreSQL:
draft -> rule -> ruleset -> items approved -> publish -> scheduled run -> results -> audit."""

from __future__ import annotations

import re

import pytest

pytest.register_assert_rewrite("tests.conftest_api")
from tests.conftest_api import approve_items  # noqa: E402

pytest_plugins = ["tests.conftest_api"]


def _items_of(svc, ruleset_version_id: int) -> set[str]:
    from engine.rules.model import Ruleset, items_by_rule

    doc = svc.as_role("staff").get(f"/api/rulesets/{ruleset_version_id}").json()["document"]
    return set().union(*items_by_rule(Ruleset.model_validate(doc)).values())


def test_whole_flow(service):
    from api.services.schedules import run_scheduled

    staff = service.as_role("staff")
    # 1. a draft from Japanese words, then one more message in the same conversation
    r = staff.post("/api/drafts", json={"text": "年間欠席30日以上の児童は10点"})
    assert r.status_code == 201, r.text
    draft = r.json()
    assert draft["outcome"]["ok"] and draft["versions"], draft
    v1 = draft["versions"][0]
    assert v1["source_text"] == "年間欠席30日以上の児童は10点"
    assert v1["rule"]["condition"]["item"] == "school.absence_days"
    assert v1["drafter"] in ("offline", "llm")
    r = staff.post(f"/api/drafts/{draft['id']}/messages", json={"text": "生活保護世帯のこどもは5点"})
    assert r.status_code == 200, r.text
    assert len(r.json()["turns"]) == 4  # staff, drafter, staff, drafter

    # 2. saved rules -> a ruleset (not published yet)
    rule_ids = []
    r = staff.post("/api/rules", json={"draft_version_id": v1["id"]})
    assert r.status_code == 201, r.text
    rule_ids.append(r.json()["id"])
    d2 = staff.post("/api/drafts", json={"text": "生活保護世帯のこどもは5点"}).json()
    r = staff.post("/api/rules", json={"draft_version_id": d2["versions"][0]["id"]})
    assert r.status_code == 201, r.text
    rule_ids.append(r.json()["id"])
    r = staff.post("/api/rulesets", json={"rule_version_ids": rule_ids, "id": "flow-test", "title": "テスト用ルールセット"})
    assert r.status_code == 201, r.text
    rs = r.json()
    assert rs["published"] is False and rs["drafters"] == ["staff1"]

    # 3. publishing is refused until... no: publishing is the supervisor's; the run needs approvals.
    assert staff.post(f"/api/rulesets/{rs['id']}/publish").status_code == 403
    sup = service.as_role("supervisor")
    r = sup.post(f"/api/rulesets/{rs['id']}/publish")
    assert r.status_code == 200 and r.json()["published"] is True, r.text
    r = sup.post("/api/schedules", json={"ruleset_version_id": rs["id"], "cron": "0 6 1 * *", "reference_date_policy": "fixed",
                                         "fixed_date": "2026-10-01"})
    assert r.status_code == 201, r.text
    schedule = r.json()
    assert schedule["next_run_at"]

    # 4. without approved legal bases the scheduled run fails before touching the mart
    run0 = run_scheduled(service.ctx, schedule["id"])
    r0 = sup.get(f"/api/runs/{run0}").json()
    assert r0["status"] == "failed" and r0["error_code"] == "policy"
    assert "school.absence_days" in r0["error"] and "法的根拠が登録されていません" in r0["error"]

    # 5. a privacy officer approves each item (a staff member cannot)
    items = _items_of(service, rs["id"])
    assert {"school.absence_days", "welfare.public_assistance", "child.yotaikyo_registered"} <= items
    approve_items(service, items)
    entries = service.as_role("staff").get("/api/registry").json()
    assert {e["item_id"] for e in entries if e["status"] == "approved"} >= items
    one = entries[0]
    assert service.as_role("staff").post(f"/api/registry/{one['id']}/revoke", json={"reason": "x"}).status_code == 403
    detail = service.as_role("staff").get(f"/api/registry/{one['id']}").json()
    assert [t["to"] for t in detail["transitions"]] == ["proposed", "approved"]

    # 6. preview is policy-checked and answers counts
    r = staff.post("/api/preview", json={"rule": v1["rule"], "as_of": "2026-10-01"})
    assert r.status_code == 200, r.text
    assert r.json()["reference_date"]["value"] == "2026-10-01"

    # 7. the scheduled job (called directly) runs, twice: the second run's diff is against the first
    run1 = run_scheduled(service.ctx, schedule["id"])
    run2 = run_scheduled(service.ctx, schedule["id"])
    reviewer = service.as_role("reviewer")
    r1 = reviewer.get(f"/api/runs/{run1}").json()
    assert r1["status"] == "succeeded", r1
    assert r1["reference_date"] == "2026-10-01" and r1["trigger"] == "scheduled"
    assert r1["manifest"]["counts"]["screened"] > 300
    assert r1["manifest"]["ruleset"]["id"] == "flow-test"
    assert r1["diff"]["previous_run_id"] is None and len(r1["diff"]["newly_extracted"]) == r1["children"] > 0
    r2 = reviewer.get(f"/api/runs/{run2}").json()
    assert r2["diff"]["previous_run_id"] == run1 and r2["diff"]["newly_extracted"] == [] and r2["current"]
    assert reviewer.get(f"/api/runs/{run1}").json()["current"] is False

    # 8. results with explanations; one child's explanation; re-identification with a reason
    res = reviewer.get(f"/api/runs/{run2}/results", params={"limit": 5}).json()
    assert res["total"] == r2["children"] and len(res["children"]) == min(5, res["total"])
    first = res["children"][0]
    assert first["rank"] == 1 and "合計点" in first["explanation"] and "候補" in res["notice"]
    pseudo = first["pseudonym"]
    one_child = reviewer.get(f"/api/runs/{run2}/children/{pseudo}")
    assert one_child.status_code == 200 and one_child.json()["fired"]
    assert reviewer.post(f"/api/runs/{run2}/children/{pseudo}/reidentify", json={}).status_code == 422
    r = reviewer.post(f"/api/runs/{run2}/children/{pseudo}/reidentify", json={"reason": "SSW の面談準備のため"})
    assert r.status_code == 200, r.text
    assert re.fullmatch(r"\d{10}", r.json()["atena_number"])

    # 9. the audit log has every step, is queryable by the auditor (cookie session) and intact
    auditor, _csrf = service.login("audit1")
    r = auditor.get("/api/audit", params={"action": "reidentified"})
    assert r.status_code == 200
    hit = r.json()["items"]
    assert len(hit) == 1 and hit[0]["reason"] == "SSW の面談準備のため" and hit[0]["target_id"] == pseudo
    assert hit[0]["actor"] == "review1" and hit[0]["action_ja"].startswith("再識別")
    actions = {i["action"] for i in auditor.get("/api/audit", params={"limit": 500}).json()["items"]}
    assert {"draft_created", "draft_updated", "rule_saved", "ruleset_created", "ruleset_published", "schedule_created",
            "item_proposed", "item_approved", "policy_blocked", "run_started", "run_finished", "run_failed",
            "preview_viewed", "results_viewed", "child_explanation_viewed", "reidentified", "login"} <= actions
    by_user = auditor.get("/api/audit", params={"actor": "privacy1"}).json()
    assert {i["action"] for i in by_user["items"]} == {"item_approved", "api_token_created"}
    assert sum(i["action"] == "item_approved" for i in by_user["items"]) == len(items)
    by_target = auditor.get("/api/audit", params={"target_type": "run", "target_id": str(run1)}).json()
    assert {i["action"] for i in by_target["items"]} == {"run_started", "run_finished", "run_viewed"}  # issue 11 item 3
    page = auditor.get("/api/audit", params={"limit": 3, "offset": 3}).json()
    assert len(page["items"]) == 3 and page["total"] > 6
    v = auditor.get("/api/audit/verify").json()
    assert v["ok"] is True and v["problems"] == []


def test_run_now_same_path_and_overlap_refused(service):
    from api.db.engine import session_scope
    from api.db.models import RunningRun

    staff, sup = service.as_role("staff"), service.as_role("supervisor")
    d = staff.post("/api/drafts", json={"text": "生活保護世帯のこどもは5点"}).json()
    rule = staff.post("/api/rules", json={"draft_version_id": d["versions"][0]["id"]}).json()
    rs = staff.post("/api/rulesets", json={"rule_version_ids": [rule["id"]], "id": "now-test", "title": "即時"}).json()
    approve_items(service, _items_of(service, rs["id"]))
    assert sup.post(f"/api/rulesets/{rs['id']}/run", json={"as_of": "2026-10-01"}).status_code == 409  # not published
    sup.post(f"/api/rulesets/{rs['id']}/publish")
    r = sup.post(f"/api/rulesets/{rs['id']}/run", json={"as_of": "2026-10-01"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "succeeded" and r.json()["trigger"] == "manual"
    # a run of this ruleset "in progress" (its row in running_runs): another one is refused atomically
    with session_scope(service.ctx.sessions) as db:
        db.add(RunningRun(ruleset_key="now-test", run_id=r.json()["id"]))
    r = sup.post(f"/api/rulesets/{rs['id']}/run", json={"as_of": "2026-10-01"})
    assert r.status_code == 409 and "実行中" in r.json()["detail"]
    total = sup.get("/api/runs", params={"ruleset_id": "now-test"}).json()["total"]
    assert total == 1  # the refused run left no run row


def test_registry_exports_and_minimization(service):
    import io

    from openpyxl import load_workbook

    from api.services.schedules import run_scheduled

    staff, sup = service.as_role("staff"), service.as_role("supervisor")
    d = staff.post("/api/drafts", json={"text": "年間欠席30日以上の児童は10点"}).json()
    rule = staff.post("/api/rules", json={"draft_version_id": d["versions"][0]["id"]}).json()
    rs = staff.post("/api/rulesets", json={"rule_version_ids": [rule["id"]], "id": "mini", "title": "最小化"}).json()
    approve_items(service, {"school.absence_days", "child.yotaikyo_registered"})
    sup.post(f"/api/rulesets/{rs['id']}/publish")
    sched = sup.post("/api/schedules", json={"ruleset_version_id": rs["id"], "cron": "0 6 1 * *",
                                             "reference_date_policy": "fixed", "fixed_date": "2026-10-01"}).json()
    assert service.as_role("reviewer").get(f"/api/runs/{run_scheduled(service.ctx, sched['id'])}").json()["status"] == "succeeded"

    po = service.as_role("privacy_officer")
    csv = po.get("/api/registry/export.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert "学齢簿" in text or "欠席" in text
    xlsx = po.get("/api/registry/export.xlsx")
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert "個人情報ファイル簿" in wb.sheetnames
    m = po.get("/api/registry/minimization").json()
    usage = {u["item_id"]: u for u in m["report"]["usage"]}
    assert usage["school.absence_days"]["contributions"] > 0
    assert "welfare.public_assistance" in m["report"]["unused_linked"]
    assert any("有効なルールが使う項目" in line for line in m["summary_ja"])
    # items of a similar nature, measured on the service's mart (engine.analysis.similarity), with the measure
    import duckdb

    from api.services.runs import today_jst
    from engine.analysis.similarity import MEASURE_LABELS_JA, similar_pairs
    from engine.rules.model import DEFAULT_REFERENCE_DATE

    con = duckdb.connect(str(service.ctx.settings.mart_path), read_only=True)
    try:
        direct = similar_pairs(con, service.ctx.catalog, reference_date=DEFAULT_REFERENCE_DATE.resolve(today_jst())).pairs
    finally:
        con.close()
    shown = {(s["item_a"], s["item_b"]): s for s in m["report"]["similar"]}
    assert direct and set(shown) == {(p.item_a, p.item_b) for p in direct}
    for p in direct:
        assert shown[(p.item_a, p.item_b)]["measure_ja"] == MEASURE_LABELS_JA[p.measure]
        assert abs(shown[(p.item_a, p.item_b)]["value"] - p.value) < 1e-9
    actions = {i["action"] for i in service.as_role("auditor").get("/api/audit", params={"limit": 500}).json()["items"]}
    assert {"registry_exported", "minimization_reviewed"} <= actions
