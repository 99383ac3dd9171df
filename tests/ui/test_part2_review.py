"""Part 2 in a real browser (lean): the reviewer's path on the demo run — list, filter, child page,
re-identification with a reason, outcome recorded, Excel export opened and checked; axe on every page;
screenshots saved; the operation log holds every action."""

from __future__ import annotations

import io

from tests.ui.conftest import axe_check, login, shot, shows


def _run_demo(server) -> int:
    import sqlalchemy as sa

    from api.audit_store import Actor
    from api.context import ServiceContext
    from api.db.engine import session_scope
    from api.db.models import RulesetVersion
    from api.services.runs import execute_run
    from api.settings import Settings

    ctx = ServiceContext.open(Settings.from_env(server.home, env={}))
    try:
        with session_scope(ctx.sessions) as db:
            rv_id = db.execute(sa.select(RulesetVersion.id).where(RulesetVersion.published.is_(True))
                               .order_by(RulesetVersion.id.desc())).scalars().first()
        return execute_run(ctx, rv_id, actor=Actor(server.users["supervisor"], "supervisor"))
    finally:
        ctx.close()


def test_reviewer_path(ui_server, page):
    from openpyxl import load_workbook

    run_id = _run_demo(ui_server)
    login(page, ui_server, "reviewer")
    page.goto(ui_server.url("/ui/review"))
    assert shows(page, "人が確認するための候補")
    axe_check(page, "review list")
    shot(page, "part2-review-list")
    stages = page.locator("#f-stage option").evaluate_all("os => os.map(o => o.value).filter(v => v)")
    assert stages, "the school stage filter lists the stages on this run"
    page.get_by_label("学校段階").select_option(stages[0])
    page.get_by_label("並べ替え", exact=True).select_option("welfare")
    page.get_by_role("button", name="表示する").click()
    page.wait_for_url(lambda u: f"stage={stages[0]}" in u and "sort=welfare" in u)
    assert page.locator("tbody tr").count() >= 1
    shot(page, "part2-review-list-stage")
    page.get_by_label("学校段階").select_option("")
    page.get_by_label("確認の状況").select_option("open")
    page.get_by_role("button", name="表示する").click()
    page.wait_for_url(lambda u: "status=open" in u)
    first = page.locator(f"a[href^='/ui/review/runs/{run_id}/children/']").first
    pseudonym = first.inner_text()
    first.click()
    assert shows(page, "点数の合計")
    axe_check(page, "child page")
    shot(page, "part2-child")
    page.get_by_label("理由（必須・操作ログに記録されます）", exact=True).fill("ケース会議の準備のため")
    page.get_by_role("button", name="宛名番号を表示する").click()
    assert shows(page, "宛名番号:")
    shot(page, "part2-reidentified")
    page.get_by_label("見守り").check()
    page.get_by_label("メモ（短く。氏名・番号・住所は書かないでください）").fill("学校と連携して様子を見る")
    page.get_by_role("button", name="記録する").click()
    assert shows(page, "保存しました") and shows(page, "見守り")
    axe_check(page, "child page after outcome")
    shot(page, "part2-outcome")
    page.goto(ui_server.url(f"/ui/review/runs/{run_id}/stats"))
    assert page.locator("svg").count() == 2
    axe_check(page, "funnel")
    shot(page, "part2-funnel")
    page.get_by_role("link", name="この版の実行すべての集計").click()
    page.wait_for_url(lambda u: "/ui/review/versions/" in u)
    assert page.locator("svg").count() == 2 and shows(page, "延べ")
    axe_check(page, "funnel per ruleset version")
    shot(page, "part2-funnel-version")
    page.goto(ui_server.url(f"/ui/review/runs/{run_id}"))
    page.get_by_label("出力の理由（操作ログに記録されます）").fill("ケース会議")
    with page.expect_download() as dl:
        page.get_by_role("button", name="出力する").click()
    wb = load_workbook(io.BytesIO(open(dl.value.path(), "rb").read()))
    rows = list(wb["確認候補一覧"].iter_rows(values_only=True))
    assert rows[0][1] == "仮名ID" and any(r[1] == pseudonym and r[10] == "見守り" for r in rows[1:])
    assert dict(wb["出力情報"].iter_rows(values_only=True))["出力者"]


def test_concurrent_reviewers_never_stall(ui_server):
    """Reviewers reading pages while others record outcomes (the real server): every answer comes, none waits
    for a lock for long. Before the fix a form post waited for SQLite's lock on the event loop while the
    lock's holder needed that loop to finish: every client stalled into a 30 s timeout."""
    import re
    import threading

    import httpx

    from benchmarks._server import bounded_load, login

    run_id = _run_demo(ui_server)
    with httpx.Client(base_url=ui_server.base, timeout=30) as c:
        login(c, ui_server.users["reviewer"], ui_server.password)
        kids = list(dict.fromkeys(re.findall(rf'/ui/review/runs/{run_id}/children/([^"]+)"',
                                             c.get(f"/ui/review/runs/{run_id}").text)))
    todo, lock = list(kids), threading.Lock()

    def steps(k: int, r: int, csrf: str):
        out = [("list", f"/ui/review/runs/{run_id}", None), ("child", f"/ui/review/runs/{run_id}/children/{kids[(k + r) % len(kids)]}", None)]
        with lock:
            q = todo.pop() if todo else None
        if q is not None:
            out.append(("outcome", f"/ui/review/runs/{run_id}/children/{q}/outcome",
                        {"csrf_token": csrf, "category": "watching", "outcome_date": "2026-10-05", "note": "", "mode": "record"}))
        return out

    # No wall-clock assertion (CI machines are noisy): a stalled request runs into the client's 20 s
    # timeout and counts as an error; the tree before stalled every client into it.
    result = bounded_load(ui_server.base, ui_server.users["reviewer"], users=6, seconds=6, steps=steps, timeout=20,
                          password=ui_server.password)
    assert not result.errors, result.errors[:5]
    assert result.latencies.get("outcome"), result.report(6)
