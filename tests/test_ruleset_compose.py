"""The supervisor's ruleset services and pages (api.services.ruleset_compose, run_history; /ui/rulesets, /ui/schedules,
/ui/runs): compose (add/remove/reorder, settings), Japanese problems per field, preview against the published version,
version diff (rules condition by condition; extracted list counts), policy-checked publication and one-off runs,
schedules in plain Japanese, run history with the diff against the previous run."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

pytest.register_assert_rewrite("tests.conftest_api")
pytest_plugins = ["tests.conftest_api"]

BLOCKED_RULE = "w-young-carer-ltc"  # reads care.household_ltc_certified: its demo approval has expired
ONE_OFF = "r8-school-wellbeing-pilot"


@pytest.fixture
def svc(sqlite_service):
    from api import demo

    demo.ensure_registry(sqlite_service.ctx)
    users = {role: (name, None) for role, name in sqlite_service.users.items()}
    demo.ensure_published_sample(sqlite_service.ctx, users)
    return sqlite_service


def _db(svc):
    from api.db.engine import session_scope

    return session_scope(svc.ctx.sessions)


def _actor(svc, role="supervisor"):
    from api.audit_store import Actor

    return Actor(svc.users[role], role)


def _sample_tokens(ids):
    return [f"sample:{i}" for i in ids]


def _comp(**kw):
    from api.services import ruleset_compose as rc

    comp = rc.from_sample()
    comp.ruleset_id, comp.title = kw.pop("ruleset_id", "test-set"), kw.pop("title", "テスト用ルールセット")
    for k, v in kw.items():
        setattr(comp, k, v)
    return comp


def _one_off_rules(svc) -> list[str]:
    """Sample rules reading an item approved only for the one-off pilot."""
    import json

    from api.services.registry import load_entries
    from api.services.ruleset_compose import SAMPLE_RULESET
    from engine.rules.model import Rule, items_used

    with _db(svc) as db:
        entries = load_entries(db)
    only_one_off = {e.item_id for e in entries if e.use == "one_off"} - {e.item_id for e in entries if e.use == "recurring"}
    out = []
    for r in json.loads(SAMPLE_RULESET.read_text(encoding="utf-8"))["rules"]:
        if items_used(Rule.model_validate(r)) & only_one_off:
            out.append(r["id"])
    return out


def test_actions_add_remove_reorder_and_form_round_trip(svc):
    from api.services import ruleset_compose as rc

    comp = _comp()
    with _db(svc) as db:
        assert "追加" in rc.apply_action(db, comp, "add", "sample:w-abuse-report")
        rc.apply_action(db, comp, "add", "sample:e-absence-long")
        rc.apply_action(db, comp, "add", "sample:w-dv")
        assert comp.rules == _sample_tokens(["w-abuse-report", "e-absence-long", "w-dv"])
        assert "3番目" in rc.apply_action(db, comp, "down:1")
        assert comp.rules == _sample_tokens(["w-abuse-report", "w-dv", "e-absence-long"])
        rc.apply_action(db, comp, "up:1")
        assert comp.rules == _sample_tokens(["w-dv", "w-abuse-report", "e-absence-long"])
        assert "これ以上上" in rc.apply_action(db, comp, "up:0")
        assert "外しました" in rc.apply_action(db, comp, "remove:2")
        assert comp.rules == _sample_tokens(["w-dv", "w-abuse-report"])
        # adding a rule whose id is already there replaces it (a ruleset cannot hold an id twice)
        assert "置き換えました" in rc.apply_action(db, comp, "add", "sample:w-dv")
        assert len(comp.rules) == 2
        assert rc.apply_action(db, comp, "add", "") == "追加するルールを選んでください"
    # the form as posted gives the same composition back
    form = MultiDict([("ruleset_id", "test-set"), ("title", "テスト"), ("rule", comp.rules[0]), ("rule", comp.rules[1]),
                      ("exclusion", "yotaikyo-registered"), ("top_n", "50"), ("cap_welfare", "30"),
                      ("extra_welfare_top_n", "5"), ("extra_welfare_min", "10"), ("alert_level_0", "重点"),
                      ("alert_min_0", "20"), ("ref_policy", "month_start")])
    back = rc.from_form(form)
    assert back.rules == comp.rules and back.exclusions == ["yotaikyo-registered"]
    with _db(svc) as db:
        checked = rc.check(db, svc.ctx.catalog, back)
    assert checked.ok, checked.problems
    doc = checked.document
    assert doc["extraction"] == {"top_n": 50, "min_score": None, "one_side_extra": [{"side": "welfare", "top_n": 5, "min_side_score": 10}]}
    assert doc["scoring"]["welfare"]["cap"] == 30 and doc["alert_levels"] == [{"level": "重点", "min_score": 20}]


def test_problems_in_japanese_next_to_their_field(svc):
    from api.services import ruleset_compose as rc

    comp = _comp(ruleset_id="Bad ID!", title="", rules=[], top_n="abc", min_score="", alerts=[("重点", "")],
                 caps={"welfare": "0", "education": "", "both": "", "total": ""})
    with _db(svc) as db:
        checked = rc.check(db, svc.ctx.catalog, comp)
    assert not checked.ok
    p = checked.problems
    assert any("ルールを1つ以上" in x for x in p["rules"])
    assert any("整数ではありません" in x for x in p["top_n"])
    assert any("最低点の両方" in x for x in p["alert-0"])
    assert p["ruleset_id"] and p["title"] and p["cap_welfare"]
    assert all(re.search(r"[ぁ-んァ-ヶ一-龠]", x) for v in p.values() for x in v)  # Japanese, every one
    # top N and minimum score both blank: the extraction needs one of them
    comp = _comp(rules=["sample:w-dv"], top_n="", min_score="")
    with _db(svc) as db:
        checked = rc.check(db, svc.ctx.catalog, comp)
    assert not checked.ok and checked.problems.get("top_n")


def test_preview_against_the_published_version(svc):
    from api.services import ruleset_compose as rc

    comp = _comp(ruleset_id="izumi-style-sample", rules=_sample_tokens(["w-abuse-report", "w-public-assistance", "e-absence-long"]),
                 top_n="50")
    with _db(svc) as db:
        checked = rc.check(db, svc.ctx.catalog, comp)
        assert checked.ok, checked.problems
        out = rc.preview_composition(svc.ctx, db, _actor(svc), checked.ruleset)
    assert out["ok"], out["problems"]
    rep = out["report"]
    assert out["baseline"].ruleset_key == "izumi-style-sample"
    assert [r["rule_id"] for r in rep["rules"]] == ["w-abuse-report", "w-public-assistance", "e-absence-long"]
    assert {s["side"] for s in rep["sides"]} == {"welfare", "education"}
    change = rep["top_n_change"]
    assert change["top_n"] == 50 and {"entering", "leaving", "staying"} <= set(change)
    for r in rep["rules"]:  # small cells are suppressed, never shown as a number under 10
        for v in [r["total"], *r["by_age_band"].values()]:
            assert v == "<10" or v >= 10


def test_publish_refused_item_by_item_then_published(svc):
    from api.db.models import AuditEntry
    from api.services import ruleset_compose as rc

    comp = _comp(rules=_sample_tokens(["w-abuse-report", BLOCKED_RULE]))
    with _db(svc) as db:
        _, row = rc.save(db, svc.ctx.catalog, _actor(svc), comp)
        rv_id = row.id
    with _db(svc) as db, pytest.raises(rc.PublishRefused) as info:
        rc.publish_checked(svc.ctx, db, _actor(svc), rv_id)
    problems = info.value.problems
    assert [p["item_id"] for p in problems] == ["care.household_ltc_certified"]
    assert problems[0]["rules"] == [{"id": BLOCKED_RULE, "title": "世帯に要介護者がいる (10歳以上)"}]
    assert "有効期限" in problems[0]["message"] and "定期実行" in info.value.detail
    with _db(svc) as db:
        assert db.get(type(row), rv_id).published is False
        assert db.execute(sa.select(AuditEntry).where(AuditEntry.action == "policy_blocked",
                                                      AuditEntry.target_id == "test-set@1")).first()
    # the version without the blocked rule publishes
    comp.rules = _sample_tokens(["w-abuse-report"])
    with _db(svc) as db:
        _, row2 = rc.save(db, svc.ctx.catalog, _actor(svc), comp)
        assert row2.version == 2
        assert rc.publish_checked(svc.ctx, db, _actor(svc), row2.id).published


def test_one_off_run_names_its_approved_purpose(svc):
    from api.db.models import AuditEntry, Run
    from api.services import ruleset_compose as rc

    rules = _one_off_rules(svc)
    assert rules, "the demo registry has items approved only for the one-off pilot"
    comp = _comp(ruleset_id="pilot-set", rules=_sample_tokens(["w-abuse-report", rules[0]]))
    with _db(svc) as db:
        _, row = rc.save(db, svc.ctx.catalog, _actor(svc), comp)
        rv_id = row.id
        with pytest.raises(rc.PublishRefused) as info:
            rc.publish_checked(svc.ctx, db, _actor(svc), rv_id)
        assert "定期実行には" in info.value.problems[0]["message"]
        purposes = rc.one_off_purposes(svc.ctx, db, rv_id)
    assert [p["id"] for p in purposes] == [ONE_OFF] and purposes[0]["allowed"]
    c, csrf = svc.login("super1")
    page = c.get(f"/ui/rulesets/versions/{rv_id}")
    assert page.status_code == 200, page.text
    assert "承認された臨時的利用の目的" in page.text and ONE_OFF in page.text
    with pytest.raises(rc.PublishRefused):
        rc.run_one_off(svc.ctx, _actor(svc), rv_id, "another-purpose")
    run_id = rc.run_one_off(svc.ctx, _actor(svc), rv_id, ONE_OFF)
    with _db(svc) as db:
        run = db.get(Run, run_id)
        assert run.status == "succeeded", run.error
        assert run.manifest["policy"] == {**run.manifest["policy"], "purpose": "one_off_run", "one_off_id": ONE_OFF}
        pub = db.execute(sa.select(AuditEntry).where(AuditEntry.action == "ruleset_published",
                                                     AuditEntry.target_id == "pilot-set@1")).scalar_one()
        assert pub.details["one_off_id"] == ONE_OFF
        # a schedule is refused for it: the items lack a recurring basis
        from api.services import run_history

        with pytest.raises(rc.PublishRefused):
            run_history.create_checked(svc.ctx, db, _actor(svc), rv_id, "0 6 1 * *", "month_start")


def test_version_diff_rules_settings_and_mart(svc):
    from api.services import ruleset_compose as rc

    with _db(svc) as db:
        _, a = rc.save(db, svc.ctx.catalog, _actor(svc), _comp(rules=_sample_tokens(["w-abuse-report", "w-dv", "e-late"])))
        changed = rc.resolve_rule(db, "sample:w-dv")
        changed["points"] = 12
        changed["condition"] = {**changed["condition"], "aggregate": {**changed["condition"]["aggregate"], "window_months": 24}} \
            if "aggregate" in changed["condition"] else changed["condition"]
        from api.services.rules import save_rule

        saved = save_rule(db, svc.ctx.catalog, _actor(svc, "staff"), changed)
        comp_b = _comp(rules=[f"saved:{saved.id}", "sample:w-abuse-report", "sample:e-absence-long"], top_n="100")
        _, b = rc.save(db, svc.ctx.catalog, _actor(svc), comp_b)
        d = rc.version_diff(svc.ctx, db, _actor(svc), a.id, b.id)
    assert [r["id"] for r in d["added"]] == ["e-absence-long"]
    assert [r["id"] for r in d["removed"]] == ["e-late"]
    assert [c["rule"]["id"] for c in d["changed"]] == ["w-dv"]
    parts = {x["part"]: x for x in d["changed"][0]["rows"]}
    assert parts["点数"]["before"] == "10" and parts["点数"]["after"] == "12"
    assert d["reordered"]
    assert {"part": "上位何人", "change": "変更", "before": "200", "after": "100"} in d["settings"]
    m = d["mart"]
    assert m is not None, d["mart_problems"]
    values = [m["entering"], m["leaving"], m["staying"]]
    assert all(v == "<10" for v in values) or all(isinstance(v, int) and v >= 10 for v in values)


def test_schedule_text_choices_and_run_history(svc):
    from api.db.models import Run
    from api.errors import ServiceError
    from api.services import run_history
    from api.services.runs import execute_run
    from api.services.schedule_text import describe_cron

    assert run_history.cron_from_choices("monthly", "1", "", "6") == "0 6 1 * *"
    assert describe_cron(run_history.cron_from_choices("monthly", "1", "", "6")) == "毎月1日 6時"
    assert describe_cron(run_history.cron_from_choices("weekly", "", "1", "8", "30")) == "毎週月曜日 8時30分"
    with pytest.raises(ServiceError, match="日付"):
        run_history.cron_from_choices("monthly", "31", "", "6")
    with _db(svc) as db:
        from api.services.ruleset_compose import published_version

        rv_id = published_version(db, "izumi-style-sample").id
        s = run_history.create_checked(svc.ctx, db, _actor(svc), rv_id, "0 6 1 * *", "month_start")
        rows = run_history.schedule_rows(db)
        row = next(r for r in rows if r["s"].id == s.id)
        assert row["text"] == "毎月1日 6時" and len(row["next"]) == 3
        assert all(t.day == 1 and t.hour == 6 for t in row["next"])
    first = execute_run(svc.ctx, rv_id, actor=_actor(svc))
    second = execute_run(svc.ctx, rv_id, actor=_actor(svc))
    with _db(svc) as db:
        hist = run_history.history(db, "izumi-style-sample")
        assert [h["run"].id for h in hist[:2]] == [second, first]
        h2, h1 = hist[0], hist[1]
        assert h1["newly"] == db.get(Run, first).children_count and h1["compared_with"] is None
        assert h2["compared_with"] == first and h2["newly"] == 0 and h2["rose"] == 0
        assert h2["duration"] is not None and h2["counts"]["extracted"] == db.get(Run, second).children_count
        assert h2["status_ja"] == "成功"


def test_pages_render_and_forms_need_csrf(svc):
    c, csrf = svc.login("super1")
    for path in ("/ui/rulesets", "/ui/rulesets/compose", "/ui/schedules", "/ui/runs"):
        r = c.get(path)
        assert r.status_code == 200, (path, r.text[:500])
        assert "確率" not in r.text and "判定" not in r.text.replace("判定ではありません", "")
    r = c.post("/ui/rulesets/compose", data={"action": "add", "add_token": "sample:w-dv"})
    assert r.status_code == 403
    form = {"csrf_token": csrf, "ruleset_id": "ui-set", "title": "<script>alert(1)</script>", "rule": "sample:w-dv",
            "exclusion": "yotaikyo-registered", "top_n": "abc", "action": "check"}
    r = c.post("/ui/rulesets/compose", data=form)
    assert r.status_code == 422 and "整数ではありません" in r.text and 'aria-invalid="true"' in r.text
    assert '<a href="#top-n">上位何人</a>' in r.text  # the summary links to the field
    assert "<script>alert(1)</script>" not in r.text and "&lt;script&gt;" in r.text
    r = c.post("/ui/rulesets/compose", data={**form, "top_n": "50", "action": "save"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = c.get(r.headers["location"])
    assert "この版を公開する" in page.text
    rv_id = int(re.search(r"/versions/(\d+)", r.headers["location"]).group(1))
    r = c.post(f"/ui/rulesets/versions/{rv_id}/publish", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    r = c.post(f"/ui/rulesets/versions/{rv_id}/run", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and "/ui/runs/" in r.headers["location"]
    run_page = c.get(r.headers["location"])
    assert "成功" in run_page.text and "前回の実行との違い" in run_page.text
    # reviewer may not open the supervisor's pages (Japanese 403 page)
    c2, _ = svc.login("review1")
    r = c2.get("/ui/rulesets")
    assert r.status_code == 403 and "開けません" in r.text


def test_failed_run_reason_cron_form_and_auditor_counts(svc):
    from api.services import ruleset_compose as rc
    from api.services.rules import publish
    from api.services.runs import execute_run

    # a version published before its item's approval lapsed (the API's publish does not check): its run fails
    with _db(svc) as db:
        _, row = rc.save(db, svc.ctx.catalog, _actor(svc), _comp(ruleset_id="lapsed-set", rules=_sample_tokens([BLOCKED_RULE])))
        publish(db, svc.ctx.catalog, _actor(svc), row.id)
        rv_id = row.id
    run_id = execute_run(svc.ctx, rv_id, actor=_actor(svc))
    c, csrf = svc.login("super1")
    page = c.get(f"/ui/runs/{run_id}")
    assert "失敗" in page.text and "失敗の理由" in page.text and "care.household_ltc_certified" in page.text
    hist = c.get("/ui/runs", params={"ruleset": "lapsed-set"})
    assert "有効期限" in hist.text
    # the version page warns that it may not be scheduled, and the schedule form refuses it with the reasons
    version = c.get(f"/ui/rulesets/versions/{rv_id}")
    assert "定期実行に使えません" in version.text
    r = c.post("/ui/schedules", data={"csrf_token": csrf, "ruleset_version_id": rv_id, "mode": "simple", "frequency": "monthly",
                                      "day": "1", "hour": "6", "minute": "0", "reference_date_policy": "month_start"})
    assert r.status_code == 422 and "定期実行を登録できません" in r.text and "世帯に要介護者がいる" in r.text
    # cron mode: a bad expression is a Japanese error on the form, a good one is shown in plain Japanese
    with _db(svc) as db:
        good = rc.published_version(db, "izumi-style-sample").id
    r = c.post("/ui/schedules", data={"csrf_token": csrf, "ruleset_version_id": good, "mode": "cron", "cron": "0 25 * * *",
                                      "reference_date_policy": "month_start"})
    assert r.status_code == 422 and "読めません" in r.text and 'value="0 25 * * *"' in r.text
    r = c.post("/ui/schedules", data={"csrf_token": csrf, "ruleset_version_id": good, "mode": "cron", "cron": "30 7 * * 1",
                                      "reference_date_policy": "run_date"}, follow_redirects=True)
    assert r.status_code == 200 and "毎週月曜日 7時30分" in r.text and "定期実行を登録しました" in r.text
    sid = int(re.findall(r"/ui/schedules/(\d+)/disable", r.text)[-1])
    assert c.post(f"/ui/schedules/{sid}/disable", data={}).status_code == 403  # no CSRF token
    r = c.post(f"/ui/schedules/{sid}/disable", data={"csrf_token": csrf}, follow_redirects=True)
    assert "定期実行を停止しました" in r.text
    # auditors see the run history with small counts suppressed
    ok_run = execute_run(svc.ctx, good, actor=_actor(svc))
    a, _ = svc.login("audit1")
    r = a.get(f"/ui/runs/{ok_run}")
    assert r.status_code == 200 and "確認候補一覧を開く" not in r.text
    shown = re.search(r"<dt>件数</dt><dd>(.*?)</dd>", r.text).group(1)
    values = re.findall(r"(?:対象|除外|点数あり|抽出) (10未満|[\d,]+人)", shown)
    assert len(values) == 4 and all(v == "10未満" or int(v[:-1].replace(",", "")) >= 10 for v in values), shown
    sup = c.get(f"/ui/runs/{ok_run}")
    assert "確認候補一覧を開く" in sup.text  # supervisors see the list (and the exact counts)
    assert a.get("/ui/rulesets").status_code == 403


def test_an_existing_id_is_a_warning_not_a_silent_new_version(svc):
    from api.services import ruleset_compose as rc

    comp = _comp(ruleset_id="izumi-style-sample", rules=_sample_tokens(["w-dv"]))
    with _db(svc) as db:
        checked = rc.check(db, svc.ctx.catalog, comp)
        assert checked.ok and "第2版になります" in checked.warnings["ruleset_id"][0]
        base = rc.published_version(db, "izumi-style-sample").id
        edited = rc.from_version(db, base)
        assert "ruleset_id" not in rc.check(db, svc.ctx.catalog, edited).warnings  # editing its own ruleset


def test_session_expiry_keeps_the_composition(svc):
    c, csrf = svc.login("super1")
    form = {"csrf_token": csrf, "ruleset_id": "kept-set", "title": "途中のルールセット", "rule": ["sample:w-dv", "sample:e-late"],
            "rule_order": "sample:w-dv sample:e-late", "exclusion_list": "yotaikyo-registered", "top_n": "40",
            "return_to": "/ui/rulesets/compose", "action": "check"}
    c.cookies.clear()  # the session is gone
    r = c.post("/ui/rulesets/compose", data=form)
    assert "セッションの有効期限が切れました" in r.text and 'name="keep_rule_order"' in r.text
    kept = dict(re.findall(r'name="keep_([a-z_]+)" value="([^"]*)"', r.text))
    r = c.post("/ui/login", data={"username": "super1", "password": "test-password-123", "next": "/ui/rulesets/compose",
                                  "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', r.text).group(1),
                                  **{f"keep_{k}": v for k, v in kept.items()}}, follow_redirects=True)
    assert r.status_code == 200 and "入力中の内容を戻しました" in r.text
    assert 'value="kept-set"' in r.text and 'value="40"' in r.text
    assert r.text.index("w-dv") < r.text.index("e-late") and 'value="yotaikyo-registered" checked' in r.text
