"""Review outcomes through the HTTP API (SQLite and PostgreSQL): record, PII warning by kind, second
reviewer confirms or changes, history across runs, funnel with suppression, export, operation log."""

from __future__ import annotations

import io

import pytest

pytest.register_assert_rewrite("tests.conftest_api")
from tests.conftest_api import approve_items  # noqa: E402

pytest_plugins = ["tests.conftest_api"]


def _run(service) -> dict:
    from engine.rules.model import Ruleset, items_by_rule

    staff, sup = service.as_role("staff"), service.as_role("supervisor")
    d = staff.post("/api/drafts", json={"text": "年間欠席30日以上の児童は10点"}).json()
    rule = staff.post("/api/rules", json={"draft_version_id": d["versions"][0]["id"]}).json()
    rs = staff.post("/api/rulesets", json={"rule_version_ids": [rule["id"]], "id": "outc", "title": "確認結果"}).json()
    doc = staff.get(f"/api/rulesets/{rs['id']}").json()["document"]
    approve_items(service, set().union(*items_by_rule(Ruleset.model_validate(doc)).values()))
    assert sup.post(f"/api/rulesets/{rs['id']}/publish").status_code == 200
    r = sup.post(f"/api/rulesets/{rs['id']}/run", json={"as_of": "2026-10-01"})
    assert r.status_code == 200 and r.json()["status"] == "succeeded", r.text
    return {"rs": rs, "run": r.json()}


def test_outcome_lifecycle(service):
    setup = _run(service)
    run_id = setup["run"]["id"]
    rev = service.as_role("reviewer")
    children = rev.get(f"/api/runs/{run_id}/results", params={"limit": 500}).json()["children"]
    assert len(children) >= 3
    p0, p1, p2 = (c["pseudonym"] for c in children[:3])
    base = f"/api/runs/{run_id}/children"

    cats = rev.get("/api/outcomes/categories").json()
    assert [c["label"] for c in cats] == ["支援につないだ", "見守り", "既に支援中", "支援不要", "確認できず"]

    # unknown category, a child not on the list
    r = rev.post(f"{base}/{p0}/outcomes", json={"category": "x", "outcome_date": "2026-10-05"})
    assert r.status_code == 422 and "支援につないだ" in r.json()["detail"]
    r = rev.post(f"{base}/NOPE/outcomes", json={"category": "connected", "outcome_date": "2026-10-05"})
    assert r.status_code == 404

    # a note with a phone number and a name: refused with the kinds, the values never echoed
    note = "山田太郎さんの母に 090-1234-5678 で連絡した"
    r = rev.post(f"{base}/{p0}/outcomes", json={"category": "connected", "outcome_date": "2026-10-05", "note": note})
    assert r.status_code == 422, r.text
    assert r.json()["pii_kinds"] and "090-1234-5678" not in r.text and "山田" not in r.text
    # rephrased: saved
    r = rev.post(f"{base}/{p0}/outcomes", json={"category": "connected", "outcome_date": "2026-10-05",
                                                "note": "母に電話で連絡し、こども家庭センターにつないだ"})
    assert r.status_code == 201, r.text
    assert r.json()["kind"] == "recorded" and r.json()["recorded_by"] == "review1" and r.json()["supported"]
    # the same reviewer cannot record twice nor confirm their own outcome
    assert rev.post(f"{base}/{p0}/outcomes", json={"category": "watching", "outcome_date": "2026-10-05"}).status_code == 409
    assert rev.post(f"{base}/{p0}/outcomes/review", json={}).status_code == 409
    # a second reviewer confirms, a third step changes it; the history keeps every step
    service.add_user("review2", "reviewer")
    rev2 = service.as_user("review2")
    r = rev2.post(f"{base}/{p0}/outcomes/review", json={})
    assert r.status_code == 200 and r.json()["kind"] == "confirmed", r.text
    r = rev.post(f"{base}/{p0}/outcomes/review", json={"category": "watching"})
    assert r.status_code == 200 and r.json()["kind"] == "changed" and r.json()["category_label"] == "見守り"
    hist = rev.get(f"/api/children/{p0}/outcomes").json()
    assert [s["kind"] for s in hist["steps"]] == ["recorded", "confirmed", "changed"]
    assert hist["current"]["category"] == "watching"
    # staff may not record
    assert service.as_role("staff").post(f"{base}/{p1}/outcomes", json={"category": "connected",
                                                                         "outcome_date": "2026-10-05"}).status_code == 403
    rev.post(f"{base}/{p1}/outcomes", json={"category": "not_needed", "outcome_date": "2026-10-06"})
    rev.post(f"{base}/{p2}/outcomes", json={"category": "already_supported", "outcome_date": "2026-10-06"})

    # funnel: reviewers see exact counts; the auditor (no child list) sees small cells suppressed
    stats = rev.get(f"/api/runs/{run_id}/outcome-stats").json()
    funnel = {s["step"]: s for s in stats["funnel"]}
    assert funnel["extracted"]["value"] == len(children)
    assert funnel["reviewed"]["value"] == 3 and funnel["supported"]["value"] == 2
    assert stats["supported_share"] == round(2 / 3, 4)
    assert funnel["screened"]["value"] >= funnel["scored"]["value"] >= funnel["extracted"]["value"]
    assert sum(h["count"]["value"] for h in stats["histogram"]) == len(children)
    assert stats["rules"] and stats["rules"][0]["supported"]["value"] == 2
    aud = service.as_role("auditor").get(f"/api/runs/{run_id}/outcome-stats").json()
    afunnel = {s["step"]: s for s in aud["funnel"]}
    assert (afunnel["reviewed"]["value"], afunnel["reviewed"]["suppressed"], afunnel["reviewed"]["display"]) == \
        (None, True, "10未満")
    assert aud["supported_share"] is None and aud["suppressed"] is True

    # a later run shows the outcome by pseudonym
    sup = service.as_role("supervisor")
    r2 = sup.post(f"/api/rulesets/{setup['rs']['id']}/run", json={"as_of": "2026-11-01"}).json()
    assert r2["id"] != run_id
    assert rev.get(f"/api/children/{p0}/outcomes").json()["current"]["run_id"] == run_id

    # export: Excel with 出力者 / 基準日, pseudonyms only; CSV in CP932; both logged with the reason
    from openpyxl import load_workbook

    x = rev.get(f"/api/runs/{run_id}/export", params={"format": "xlsx", "reason": "ケース会議"})
    assert x.status_code == 200, x.text
    wb = load_workbook(io.BytesIO(x.content))
    sheet = wb["確認候補一覧"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "仮名ID" and len(rows) == len(children) + 1
    assert {r[1] for r in rows[1:]} == {c["pseudonym"] for c in children}
    assert "見守り" in [r[10] for r in rows[1:]]
    info = dict(wb["出力情報"].iter_rows(values_only=True))
    assert info["出力者"] == "review1" and info["基準日"] == "2026-10-01"
    c = rev.get(f"/api/runs/{run_id}/export", params={"format": "csv", "encoding": "cp932", "reason": "ケース会議"})
    text = c.content.decode("cp932")
    assert text.startswith("出力者,review1") and "基準日,2026-10-01" in text and p0 in text
    assert rev.get(f"/api/runs/{run_id}/export", params={"format": "csv"}).status_code == 422  # reason required

    items = service.as_role("auditor").get("/api/audit", params={"limit": 500}).json()["items"]
    actions = [i["action"] for i in items]
    for a in ("outcome_recorded", "outcome_confirmed", "outcome_changed", "outcome_note_pii_warned",
              "outcome_stats_viewed"):
        assert a in actions, a
    exports = [i for i in items if i["action"] == "results_exported"]
    assert len(exports) == 2 and all(e["reason"] == "ケース会議" for e in exports)
    warned = next(i for i in items if i["action"] == "outcome_note_pii_warned")
    # hashes and the timestamp may hold "090" by chance; look for the note's own words and number
    shown = str({k: v for k, v in warned.items() if k not in ("hash", "prev_hash", "at")})
    assert "1234-5678" not in shown and "5678" not in shown and "山田" not in shown and "太郎" not in shown
