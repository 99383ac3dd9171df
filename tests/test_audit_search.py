"""The auditor's operation-log page and the admin's account pages (server-rendered, no JavaScript):
filters in the URL, paging, the chain banner naming an edited entry and a missing anchor file, exports
(Excel / CSV UTF-8 BOM / CP932) with 出力者 and 出力日時 and logged; users, roles, deactivation, API tokens;
the child page's export."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

pytest.register_assert_rewrite("tests.conftest_api")
from tests.conftest_api import PASSWORD  # noqa: E402
from tests.test_outcomes import _run  # noqa: E402

pytest_plugins = ["tests.conftest_api"]
JST = ZoneInfo("Asia/Tokyo")


def _rows(html: str) -> list[int]:
    return [int(s) for s in re.findall(r'<tr id="seq-(\d+)"', html)]


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


# --- the service ------------------------------------------------------------------------


def test_parse_filters_reports_each_bad_field():
    from api.services.audit_search import AuditFilters, parse_filters

    f, problems = parse_filters({"actor": " review1 ", "action": "reidentified", "since": "2026-04-01", "until": "2026-04-30",
                                 "seq": "12", "page": "3"})
    assert f == AuditFilters("review1", "reidentified", "", "", date(2026, 4, 1), date(2026, 4, 30), 12, 3) and not problems
    assert f.query_params() == {"actor": "review1", "action": "reidentified", "since": "2026-04-01", "until": "2026-04-30",
                                "seq": "12", "page": "3"}
    assert "page" not in f.as_details()
    f, problems = parse_filters({"action": "no_such_action", "since": "2026/13/01", "until": "", "seq": "-1", "page": "x"})
    assert set(problems) == {"action", "since", "seq"} and f.empty and f.page == 1
    assert "2026-04-01 の形" in problems["since"] and "語彙にありません" in problems["action"]
    _, problems = parse_filters({"since": "2026-05-02", "until": "2026-05-01"})
    assert problems == {"until": "期間の終了日が開始日より前です"}


def test_search_filters_period_in_japan_time_and_pages(service):
    from api import audit_store
    from api.audit_store import Actor
    from api.db.engine import session_scope
    from api.services import audit_search

    svc = service
    with session_scope(svc.ctx.sessions) as db:
        start = audit_store.all_records(db)[-1].at
        base = max(start, datetime(2026, 4, 30, 14, 59, tzinfo=JST)) + timedelta(days=1)
        # 23:59 JST on one day and 00:01 JST the next: the period is read in Japan time
        late = datetime.combine(base.astimezone(JST).date(), datetime.min.time(), JST) + timedelta(hours=23, minutes=59)
        for i in range(55):
            audit_store.append(db, Actor("review1", "reviewer"), "child_explanation_viewed", "child", f"P{i:03d}",
                               details={"run_id": 1}, at=late + timedelta(minutes=2 * (i >= 5)))
    day = late.date()
    with session_scope(svc.ctx.sessions) as db:
        f, _ = audit_search.parse_filters({"actor": "review1", "since": day.isoformat(), "until": day.isoformat()})
        r = audit_search.search(db, f)
        assert r.total == 5 and {x.target_id for x in r.rows} == {f"P{i:03d}" for i in range(5)}
        f, _ = audit_search.parse_filters({"action": "child_explanation_viewed", "since": (day + timedelta(days=1)).isoformat()})
        r = audit_search.search(db, f)
        assert r.total == 50 and r.pages == 1 and r.rows[0].target_id == "P054"  # newest first
        f, _ = audit_search.parse_filters({"action": "child_explanation_viewed"})
        r1 = audit_search.search(db, f)
        assert (r1.total, r1.pages, r1.first, r1.last) == (55, 2, 1, 50)
        f2, _ = audit_search.parse_filters({"action": "child_explanation_viewed", "page": "9"})
        r2 = audit_search.search(db, f2)
        assert (r2.page, r2.first, r2.last) == (2, 51, 55) and r2.rows[-1].target_id == "P000"
        assert r2.rows[0].action_ja == "こどもごとの理由の閲覧" and r2.rows[0].target_ja == "こども（仮名ID）"
        f, _ = audit_search.parse_filters({"target_type": "child", "target_id": "P007"})
        assert [x.target_id for x in audit_search.search(db, f).rows] == ["P007"]
        assert audit_search.chain_status(db, svc.ctx.settings.home).ok


# --- the auditor's page -----------------------------------------------------------------


def test_audit_page_filters_banner_and_exports(service):
    from openpyxl import load_workbook

    svc = service
    staff = svc.as_role("staff")
    for text in ("生活保護世帯のこどもは5点", "年間欠席30日以上の児童は10点"):
        assert staff.post("/api/drafts", json={"text": text}).status_code == 201
    c, _ = svc.login("audit1")
    r = c.get("/ui/audit")
    assert r.status_code == 200 and 'id="chain-status"' in r.text and "改ざんなし" in r.text
    assert "ルール案の作成" in r.text and "draft_created" not in r.text.split("<tbody>")[1]  # actions shown in Japanese
    r = c.get("/ui/audit", params={"action": "draft_created", "actor": "staff1"})
    seqs = _rows(r.text)
    assert len(seqs) == 2 and 'option value="draft_created" selected' in r.text  # the filter stays in the form
    assert "条件: 利用者: staff1／操作: ルール案の作成" in r.text
    r = c.get("/ui/audit", params={"since": "2026-99-01", "action": "draft_created"})
    assert r.status_code == 200 and 'aria-invalid="true" aria-describedby="p-since"' in r.text and len(_rows(r.text)) == 2

    # the page view itself is logged, with the filters
    api = svc.as_role("auditor").get("/api/audit", params={"action": "audit_viewed", "limit": 5}).json()["items"]
    assert api[0]["details"]["filters"] == {"action": "draft_created"} and api[0]["details"]["total"] == 2

    # Excel export of a search: 出力者, 出力日時, conditions, the check; logged
    r = c.get("/ui/audit/export", params={"action": "draft_created", "format": "xlsx"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    rows = list(wb["操作ログ"].iter_rows(values_only=True))
    assert rows[0][0] == "番号(seq)" and len(rows) == 3 and {x[4] for x in rows[1:]} == {"ルール案の作成"}
    meta = dict(wb["出力情報"].iter_rows(min_row=2, values_only=True))
    assert meta["出力者"].startswith("audit1") and re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d", meta["出力日時"])
    assert meta["検索条件"] == "操作: ルール案の作成" and meta["件数"] == 2 and meta["改ざん検査"].startswith("改ざんなし")
    # CSV UTF-8 with BOM and CP932
    r = c.get("/ui/audit/export", params={"action": "draft_created", "format": "csv", "encoding": "utf-8-sig"})
    assert r.content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert lines[0][0] == "出力者" and lines[1][0] == "出力日時" and ["番号(seq)"] == lines[lines.index([]) + 1][:1]
    r = c.get("/ui/audit/export", params={"action": "draft_created", "format": "csv", "encoding": "cp932"})
    assert "ルール案の作成" in r.content.decode("cp932")
    assert c.get("/ui/audit/export", params={"format": "pdf"}).status_code == 422
    logged = svc.as_role("auditor").get("/api/audit", params={"action": "audit_exported"}).json()["items"]
    assert len(logged) == 3 and {i["details"]["format"] for i in logged} == {"xlsx", "csv"}
    assert logged[-1]["details"]["filters"] == {"action": "draft_created"} and logged[-1]["details"]["rows"] == 2
    r = c.get("/ui/audit", params={"action": "audit_exported"})
    assert "形式: xlsx／件数: 2" in r.text and "検索条件: ｛操作: draft_created｝" in r.text  # details in Japanese

    # other roles get the Japanese 403 page
    rc, _ = svc.login("review1")
    r = rc.get("/ui/audit")
    assert r.status_code == 403 and "監査担当" in r.text

    # an edited row: the banner names it by sequence number, the row is marked, the export says so
    target = seqs[0]
    with svc.ctx.engine.begin() as conn:
        conn.execute(sa.text("update audit_log set target_id = 'forged' where seq = :s"), {"s": target})
    r = c.get("/ui/audit")
    assert 'role="alert" id="chain-status"' in r.text and f'<a href="/ui/audit?seq={target}">seq {target}</a>' in r.text
    assert "staff1、ルール案の作成）の内容が記録後に書き換えられています" in r.text  # Japanese action name in the message
    r = c.get("/ui/audit", params={"seq": target})
    assert _rows(r.text) == [target] and f'<tr id="seq-{target}" class="broken">' in r.text and ">異常<" in r.text
    wb = load_workbook(io.BytesIO(c.get("/ui/audit/export", params={"seq": target}).content))
    meta = dict(wb["出力情報"].iter_rows(min_row=2, values_only=True))
    assert meta["改ざん検査"].startswith("異常が") and f"seq {target}" in meta["改ざん検査"]


def test_missing_anchor_file_is_named(sqlite_service):
    from api.audit_store import ANCHOR_FILE_NAME

    svc = sqlite_service
    (svc.ctx.settings.home / ANCHOR_FILE_NAME).unlink()
    c, _ = svc.login("audit1")
    r = c.get("/ui/audit")
    assert "改ざんの疑い" in r.text and "外部の検証ファイル" in r.text and "確かめられません" in r.text


# --- the admin's pages ------------------------------------------------------------------


def test_admin_users_roles_deactivation_tokens(service):
    svc = service
    c, csrf = svc.login("admin1")
    r = c.get("/ui/admin/users")
    assert r.status_code == 200 and "review1" in r.text and "確認者（結果の閲覧）" in r.text
    form = {"username": "yamamoto", "display_name": "子育て支援課 山本", "role": "reviewer", "password": "short"}
    r = c.post("/ui/admin/users", data={**form, "csrf_token": csrf})
    assert r.status_code == 400 and "10文字以上" in r.text and 'value="yamamoto"' in r.text and "short" not in r.text
    assert c.post("/ui/admin/users", data={**form, "password": PASSWORD}).status_code == 403  # no CSRF field
    r = c.post("/ui/admin/users", data={**form, "password": PASSWORD, "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/ui/admin/users/yamamoto?done=created"
    assert "利用者を登録しました" in c.get(r.headers["location"]).text
    r = c.post("/ui/admin/users", data={**form, "password": PASSWORD, "csrf_token": csrf})
    assert r.status_code == 409 and "既に登録されています" in r.text
    r = c.post("/ui/admin/users", data={**form, "username": "山本 花子", "password": PASSWORD, "csrf_token": csrf},
               follow_redirects=False)
    assert r.headers["location"] == "/ui/admin/users/%E5%B1%B1%E6%9C%AC%20%E8%8A%B1%E5%AD%90?done=created"
    page = c.get(r.headers["location"])
    assert page.status_code == 200 and 'action="/ui/admin/users/%E5%B1%B1%E6%9C%AC%20%E8%8A%B1%E5%AD%90/role"' in page.text

    # role change needs a reason
    r = c.post("/ui/admin/users/yamamoto/role", data={"role": "supervisor", "reason": " ", "csrf_token": csrf})
    assert r.status_code == 422 and "理由を入力してください" in r.text
    r = c.post("/ui/admin/users/yamamoto/role", data={"role": "supervisor", "reason": "係長に昇任", "csrf_token": csrf},
               follow_redirects=False)
    assert r.status_code == 303
    assert "管理職（公開・実行）" in c.get("/ui/admin/users/yamamoto").text

    # tokens: shown once, not cached, revocable
    r = c.post("/ui/admin/users/yamamoto/tokens", data={"name": "集計システム", "days": "30", "csrf_token": csrf})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    token = re.search(r'id="new-token" class="secret" readonly size="60" value="([^"]+)"', r.text).group(1)
    assert token.startswith("tsu_")
    page = c.get("/ui/admin/users/yamamoto").text
    assert token not in page and token[:8] in page and "集計システム" in page
    from fastapi.testclient import TestClient

    api = TestClient(svc.app)
    assert api.get("/api/auth/tokens", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    token_id = int(re.search(r"/ui/admin/users/yamamoto/tokens/(\d+)/revoke", page).group(1))
    r = c.post(f"/ui/admin/users/yamamoto/tokens/{token_id}/revoke", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert api.get("/api/auth/tokens", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert ">失効<" in c.get("/ui/admin/users/yamamoto").text

    # deactivation with a reason
    r = c.post("/ui/admin/users/yamamoto/deactivate", data={"reason": "異動", "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert "停止" in c.get("/ui/admin/users").text
    assert TestClient(svc.app).post("/api/auth/login", json={"username": "yamamoto", "password": PASSWORD}).status_code == 401

    # the last active admin cannot demote or deactivate themselves: the service's Japanese reason is shown
    r = c.post("/ui/admin/users/admin1/role", data={"role": "auditor", "reason": "試し", "csrf_token": csrf})
    assert r.status_code == 409 and "最後の有効なシステム管理者" in r.text and 'role="alert"' in r.text
    r = c.post("/ui/admin/users/admin1/deactivate", data={"reason": "試し", "csrf_token": csrf})
    assert r.status_code == 409 and "最後の有効なシステム管理者" in r.text
    assert "システム管理者" in c.get("/ui/admin/users/admin1").text

    actions = [i["action"] for i in svc.as_role("auditor").get("/api/audit", params={"limit": 100}).json()["items"]]
    for a in ("user_created", "user_role_changed", "api_token_created", "api_token_revoked", "user_deactivated"):
        assert a in actions
    rc, _ = svc.login("review1")
    assert rc.get("/ui/admin/users").status_code == 403


# --- the child page's export -----------------------------------------------------------


def test_child_export_pseudonym_only_unless_reidentified(sqlite_service):
    from openpyxl import load_workbook

    svc = sqlite_service
    run_id = _run(svc)["run"]["id"]
    c, _ = svc.login("review1")
    page = c.get(f"/ui/review/runs/{run_id}").text
    p = re.findall(rf'/ui/review/runs/{run_id}/children/([^"]+)"', page)[0]
    base = f"/ui/review/runs/{run_id}/children/{p}/export"
    assert c.get(base, params={"format": "xlsx"}).status_code == 422  # a reason is needed
    r = c.get(base, params={"format": "xlsx", "reason": "ケース会議資料"})
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    meta = dict(wb["出力情報"].iter_rows(min_row=2, values_only=True))
    assert meta["出力者"] and meta["出力日時"] and meta["基準日"] and meta["仮名ID"] == p and "宛名番号" not in meta
    fired = list(wb["該当したルール"].iter_rows(values_only=True))
    assert fired[0][:3] == ("ルール", "側", "点数") and len(fired) > 1
    r = c.get(base, params={"format": "csv", "encoding": "cp932", "reason": "ケース会議資料"})
    text = r.content.decode("cp932")
    assert text.startswith("出力者,") and "基準日" in text and p in text
    r = c.get(base, params={"format": "xlsx", "reason": "家庭訪問の準備", "with_atena": "1"})
    meta = dict(load_workbook(io.BytesIO(r.content))["出力情報"].iter_rows(min_row=2, values_only=True))
    assert re.fullmatch(r"\d+", str(meta["宛名番号"]))
    items = svc.as_role("auditor").get("/api/audit", params={"target_id": p, "limit": 20}).json()["items"]
    exported = [i for i in items if i["action"] == "results_exported"]
    assert len(exported) == 3 and exported[0]["details"]["reidentified"] is True and exported[0]["reason"] == "家庭訪問の準備"
    assert any(i["action"] == "reidentified" and i["reason"] == "家庭訪問の準備" for i in items)


def test_large_log_checks_new_entries_each_time_and_all_of_them_on_request(sqlite_service, monkeypatch):
    from api import audit_store
    from api.audit_store import Actor
    from api.db.engine import session_scope
    from api.services import audit_search

    svc = sqlite_service
    home = svc.ctx.settings.home
    monkeypatch.setattr(audit_search, "FULL_CHECK_MAX", 0)  # every log counts as large

    def add(n: int) -> None:
        with session_scope(svc.ctx.sessions) as db:
            for i in range(n):
                audit_store.append(db, Actor("review1", "reviewer"), "results_viewed", "run", "1", details={"count": i})

    def status(fresh: bool = False):
        with session_scope(svc.ctx.sessions) as db:
            return audit_search.chain_status(db, home, fresh=fresh)

    def edit(seq: int) -> None:
        with svc.ctx.engine.begin() as conn:
            conn.execute(sa.text("update audit_log set target_id = 'forged' where seq = :s"), {"s": seq})

    add(3)
    first = status(fresh=True)
    assert first.ok and first.full_check_at is None
    old_seq = first.count - 1
    add(3)
    s = status()
    assert s.ok and s.count == first.count + 3 and s.full_check_at is not None  # only the new ones were re-hashed
    add(2)
    edit(s.count + 1)  # an entry appended since the last check: caught at once by the incremental check
    s2 = status()
    assert [p.seq for p in s2.problems] == [s.count + 1] and s2.problems[0].kind == "edited"
    with svc.ctx.engine.begin() as conn:  # put it back
        conn.execute(sa.text("update audit_log set target_id = '1' where seq = :s"), {"s": s.count + 1})
    assert status(fresh=True).ok
    edit(old_seq)  # an old entry: found by the next full check (every FULL_CHECK_SECONDS, or on request)
    assert status().ok
    s = status(fresh=True)
    assert old_seq in s.broken_seqs and "書き換え" in s.problems[0].message_ja
    assert not status().ok  # and it stays on the banner
    with svc.ctx.engine.begin() as conn:
        conn.execute(sa.text("update audit_log set target_id = '1' where seq = :s"), {"s": old_seq})
    assert status(fresh=True).ok
    with svc.ctx.engine.begin() as conn:  # a deleted old entry changes the count: a full check at once
        conn.execute(sa.text("delete from audit_log where seq = 2"))
    s = status()
    assert not s.ok and 2 in s.broken_seqs and s.full_check_at is None


def test_cp932_export_names_the_character_in_japanese_html(sqlite_service):
    from api import audit_store
    from api.audit_store import Actor
    from api.db.engine import session_scope

    svc = sqlite_service
    with session_scope(svc.ctx.sessions) as db:
        audit_store.append(db, Actor("review1", "reviewer"), "reidentified", "child", "P1", reason="家庭訪問🏠の準備")
    c, _ = svc.login("audit1")
    r = c.get("/ui/audit/export", params={"action": "reidentified", "format": "csv", "encoding": "cp932"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    main = r.text.split("<main", 1)[1]
    assert "「操作ログ」の1件目の「理由」にある文字「🏠」" in main and "CP932" in main  # table, row and column named
    r = c.get("/ui/audit/export", params={"action": "reidentified", "format": "csv", "encoding": "utf-8-sig"})
    assert r.status_code == 200 and "家庭訪問🏠の準備" in r.content.decode("utf-8-sig")


def test_list_export_with_atena_is_a_logged_reidentification_of_each_child(sqlite_service):
    from openpyxl import load_workbook

    svc = sqlite_service
    run_id = _run(svc)["run"]["id"]
    c, _ = svc.login("review1")
    base = f"/ui/review/runs/{run_id}/export"
    plain = load_workbook(io.BytesIO(c.get(base, params={"reason": "ケース会議"}).content))["確認候補一覧"]
    assert "宛名番号" not in next(plain.iter_rows(values_only=True))
    r = c.get(base, params={"reason": "ケース会議で訪問先を決めるため", "with_atena": "1"})
    rows = list(load_workbook(io.BytesIO(r.content))["確認候補一覧"].iter_rows(values_only=True))
    assert rows[0][-1] == "宛名番号" and all(re.fullmatch(r"\d+", str(x[-1])) for x in rows[1:])
    audit = svc.as_role("auditor")
    reid = audit.get("/api/audit", params={"action": "reidentified", "limit": 500}).json()["items"]
    assert {i["target_id"] for i in reid} == {x[1] for x in rows[1:]}
    assert {i["reason"] for i in reid} == {"ケース会議で訪問先を決めるため"}
    exported = audit.get("/api/audit", params={"action": "results_exported"}).json()["items"]
    assert [i["details"]["reidentified"] for i in exported] == [True, False]
