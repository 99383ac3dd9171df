"""Policy refusals of scheduled runs (expired item, 69条2項 item), on SQLite and PostgreSQL;
a failed run leaves the previous results current."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

pytest.register_assert_rewrite("tests.conftest_api")
from tests.conftest_api import JUSTIFICATION, approve_items, propose_and_approve  # noqa: E402

pytest_plugins = ["tests.conftest_api"]


def _published(svc, text: str, key: str) -> tuple[int, int]:
    """(ruleset version id, schedule id) of a published one-rule ruleset with a fixed reference date."""
    staff, sup = svc.as_role("staff"), svc.as_role("supervisor")
    d = staff.post("/api/drafts", json={"text": text}).json()
    rule = staff.post("/api/rules", json={"draft_version_id": d["versions"][0]["id"]}).json()
    rs = staff.post("/api/rulesets", json={"rule_version_ids": [rule["id"]], "id": key, "title": key}).json()
    assert sup.post(f"/api/rulesets/{rs['id']}/publish").status_code == 200
    sched = sup.post("/api/schedules", json={"ruleset_version_id": rs["id"], "cron": "0 6 1 * *",
                                             "reference_date_policy": "fixed", "fixed_date": "2026-10-01"}).json()
    return rs["id"], sched["id"]


def test_expired_item_fails_the_run_and_keeps_previous_results(service):
    from api.db.engine import session_scope
    from api.services import registry
    from api.services.schedules import run_scheduled

    rs_id, sched = _published(service, "年間欠席30日以上の児童は10点", "expiry-test")
    approve_items(service, {"child.yotaikyo_registered"})
    entry = propose_and_approve(service, "school.absence_days", basis="69-1", law="児童福祉法第25条の3")
    good = run_scheduled(service.ctx, sched)
    sup = service.as_role("supervisor")
    assert sup.get(f"/api/runs/{good}").json()["status"] == "succeeded"

    # the entry's validity ends yesterday (stored as if approved with that end date)
    with session_scope(service.ctx.sessions) as db:
        e = registry.get_entry(db, entry["id"])
        registry.save_entry(db, e.model_copy(update={"valid_until": date.today() - timedelta(days=1)}))
    bad = run_scheduled(service.ctx, sched)
    run = sup.get(f"/api/runs/{bad}").json()
    assert run["status"] == "failed" and run["error_code"] == "policy"
    assert "欠席日数（school.absence_days）" in run["error"] and "有効期限" in run["error"]
    assert "この項目を読むルール: draft-" in run["error"]
    assert run["manifest"] is None  # the mart was not read
    # the entry is now expired in the registry (and that was logged); the good run stays current
    assert service.as_role("staff").get(f"/api/registry/{entry['id']}").json()["status"] == "expired"
    assert sup.get(f"/api/runs/{good}").json()["current"] is True
    assert service.as_role("reviewer").get(f"/api/runs/{good}/results").status_code == 200
    assert service.as_role("reviewer").get(f"/api/runs/{bad}/results").status_code == 409
    audit = service.as_role("auditor").get("/api/audit", params={"action": "policy_blocked"}).json()["items"]
    assert audit and audit[0]["details"]["items"] == ["school.absence_days"]
    assert audit[0]["details"]["codes"] == {"school.absence_days": "expired"}
    expired = service.as_role("auditor").get("/api/audit", params={"action": "item_expired"}).json()["items"]
    assert [i["target_id"] for i in expired] == [entry["id"]]


def test_article_69_2_item_refused_for_scheduled_run(service):
    from api.services.schedules import run_scheduled

    rs_id, sched = _published(service, "年間欠席30日以上の児童は10点", "one-off-test")
    approve_items(service, {"child.yotaikyo_registered"})
    # a one-off provision (69条2項3号) approved for a pilot: not a basis for a recurring screening
    propose_and_approve(service, "school.absence_days", basis="69-2-3", use="one_off", one_off_id="r8-pilot",
                        valid_until="令和9年3月31日")
    run_id = run_scheduled(service.ctx, sched)
    run = service.as_role("supervisor").get(f"/api/runs/{run_id}").json()
    assert run["status"] == "failed" and run["error_code"] == "policy"
    assert "69条2項3号" in run["error"] and "定期実行には使えません" in run["error"]
    assert run["children"] is None and service.as_role("supervisor").get("/api/runs").json()["items"][0]["id"] == run_id


def test_article_69_2_item_allowed_only_in_its_own_one_off_run(service):
    rs_id, _ = _published(service, "年間欠席30日以上の児童は10点", "one-off-run-test")
    approve_items(service, {"child.yotaikyo_registered"})
    propose_and_approve(service, "school.absence_days", basis="69-2-3", use="one_off", one_off_id="r8-pilot2",
                        valid_until="令和9年3月31日")
    sup = service.as_role("supervisor")
    # another one-off purpose does not carry it
    other = sup.post(f"/api/rulesets/{rs_id}/run", json={"as_of": "2026-10-01", "one_off_id": "r8-other"}).json()
    assert other["status"] == "failed" and other["error_code"] == "policy"
    # the approved one-off purpose does, and the run records that it was that one-off use
    ok = sup.post(f"/api/rulesets/{rs_id}/run", json={"as_of": "2026-10-01", "one_off_id": "r8-pilot2"}).json()
    assert ok["status"] == "succeeded", ok
    assert ok["manifest"]["policy"] == {"purpose": "one_off_run", "one_off_id": "r8-pilot2",
                                        "entries_used": ok["manifest"]["policy"]["entries_used"]}
    started = service.as_role("auditor").get("/api/audit", params={"action": "run_started"}).json()["items"]
    assert started[0]["details"]["one_off_id"] == "r8-pilot2"
    # without the id the same manual run is a recurring use, refused
    plain = sup.post(f"/api/rulesets/{rs_id}/run", json={"as_of": "2026-10-01"}).json()
    assert plain["status"] == "failed" and "定期実行には使えません" in plain["error"]
    # a malformed id is refused before anything is stored
    before = service.count("runs")
    assert sup.post(f"/api/rulesets/{rs_id}/run", json={"one_off_id": "../etc"}).status_code == 422
    assert service.count("runs") == before
    assert service.as_role("staff").post(f"/api/rulesets/{rs_id}/run", json={"one_off_id": "r8-pilot2"}).status_code == 403


def test_revoked_item_blocks_preview_and_run(service):
    from api.services.schedules import run_scheduled

    rs_id, sched = _published(service, "生活保護世帯のこどもは5点", "revoke-test")
    approve_items(service, {"child.yotaikyo_registered"})
    entry = propose_and_approve(service, "welfare.public_assistance")
    po = service.as_role("privacy_officer")
    r = po.post(f"/api/registry/{entry['id']}/revoke", json={"reason": "目的外の利用が判明したため"})
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    # a second revoke is an invalid transition: 422 with the Japanese reason, nothing stored
    before = service.count("registry_transitions")
    r = po.post(f"/api/registry/{entry['id']}/revoke", json={"reason": "もう一度"})
    assert r.status_code == 422 and "取消し" in r.json()["detail"]
    assert service.count("registry_transitions") == before
    run = service.as_role("supervisor").get(f"/api/runs/{run_scheduled(service.ctx, sched)}").json()
    assert run["status"] == "failed" and "取り消されています" in run["error"]
    rule = service.as_role("staff").get(f"/api/rulesets/{rs_id}").json()["document"]["rules"][0]
    r = service.as_role("staff").post("/api/preview", json={"rule": rule, "as_of": "2026-10-01"})
    assert r.status_code == 422 and "プレビュー" in r.json()["detail"]


def test_incoherent_proposal_refused_with_reasons(service):
    staff = service.as_role("staff")
    before = service.count("registry_entries")
    # school data to the mayor's side is a provision: 61条1項 does not fit
    r = staff.post("/api/registry", json={"item_id": "school.absence_days", "receiving_department": "こども家庭センター",
                                          "purpose": "早期把握", "basis": "61-1", "use": "recurring", "justification": JUSTIFICATION})
    assert r.status_code == 422
    assert any("提供" in p for p in r.json()["problems"])
    r = staff.post("/api/registry", json={"item_id": "no.such_item", "receiving_department": "x", "purpose": "p",
                                          "basis": "61-1", "use": "recurring"})
    assert r.status_code == 404 and "カタログにありません" in r.json()["detail"]
    assert service.count("registry_entries") == before


def test_drafter_cannot_approve_items_of_own_rule(sqlite_service):
    svc = sqlite_service
    svc.add_user("po-drafter", "privacy_officer")
    # the privacy officer wrote a rule reading welfare.public_assistance (saved through the service layer)
    from api.audit_store import Actor
    from api.db.engine import session_scope
    from api.services.rules import save_rule

    rule = {"id": "po-rule", "title": "生活保護", "difficulties": ["貧困"], "side": "welfare",
            "condition": {"item": "welfare.public_assistance", "op": "=", "value": True}, "when_missing": "not_met",
            "points": 5, "explanation": "生活保護: {welfare.public_assistance}"}
    with session_scope(svc.ctx.sessions) as db:
        save_rule(db, svc.ctx.catalog, Actor("po-drafter", "privacy_officer"), rule)
    entry = propose_and_approve(svc, "welfare.public_assistance", approve=False)
    r = svc.as_user("po-drafter").post(f"/api/registry/{entry['id']}/approve", json={"reason": "確認"})
    assert r.status_code == 422 and "承認できません" in r.json()["detail"]
    assert svc.as_role("privacy_officer").post(f"/api/registry/{entry['id']}/approve", json={"reason": "確認"}).status_code == 200


def test_failed_run_keeps_previous_results_current(service):
    from dataclasses import replace

    from api.services.schedules import run_scheduled

    rs_id, sched = _published(service, "年間欠席30日以上の児童は10点", "failure-test")
    approve_items(service, {"school.absence_days", "child.yotaikyo_registered"})
    good = run_scheduled(service.ctx, sched)
    settings = service.ctx.settings
    service.ctx.settings = replace(settings, mart_path=settings.home / "gone" / "mart.duckdb")  # the mart disappeared
    try:
        bad = run_scheduled(service.ctx, sched)
    finally:
        service.ctx.settings = settings
    sup = service.as_role("supervisor")
    run = sup.get(f"/api/runs/{bad}").json()
    assert run["status"] == "failed" and run["error_code"] == "error"
    assert run["error"].startswith("実行に失敗しました") and "データマート" in run["error"]
    assert sup.get(f"/api/runs/{good}").json()["current"] is True
    # the running-run row was released: the next run goes ahead
    again = sup.get(f"/api/runs/{run_scheduled(service.ctx, sched)}").json()
    assert again["status"] == "succeeded" and again["diff"]["previous_run_id"] == good


def test_concurrent_starts_of_one_ruleset_only_one_runs(service):
    """Four workers start the same ruleset at once: the running-run row lets exactly one through."""
    import threading

    from api.audit_store import Actor
    from api.services.runs import RunAlreadyRunning, _start

    rs_id, _sched = _published(service, "年間欠席30日以上の児童は10点", "race-test")
    barrier = threading.Barrier(4)
    started: list[int] = []
    refused: list[str] = []
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        barrier.wait()
        try:
            run_id, _key = _start(service.ctx, rs_id, Actor(f"w{n}", "supervisor"), "scheduled", None, date(2026, 10, 1))
            started.append(run_id)
        except RunAlreadyRunning as exc:
            refused.append(exc.detail)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(started) == 1 and len(refused) == 3
    assert all("実行中" in m for m in refused)
    assert service.count("runs") == 1 and service.count("running_runs") == 1
