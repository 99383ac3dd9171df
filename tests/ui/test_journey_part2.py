"""Acceptance (issue 13, item 11): part 2's journey in a real browser, continuing part 1's path on its own service.

1. Part 1 (tests/ui/test_path.py, run here as it is): staff drafts and saves a rule, the privacy officer
   approves the basis of the item it needed.
2. The supervisor composes a ruleset from that saved rule and sample rules, previews it against the published
   version, saves two versions and sees their diff, publishes, schedules 毎月1日 6時 and runs it now.
3. The reviewer — keyboard only — opens the list, filters it, opens a child, re-identifies with a reason,
   records an outcome, exports the list to Excel (the file is opened and checked).
4. The auditor finds every one of these actions in the operation log, and the chain banner is green; then the
   test edits one audit row in the database and the banner names it by its sequence number (and turns green
   again once the row is put back).
Every page is checked with axe and screenshot (tests/ui/artifacts/journey2-*.png).
"""

from __future__ import annotations

import io
import re
import sqlite3

import pytest

from tests.ui import test_path as part1
from tests.ui.conftest import UiServer, axe_check, login, serve_fresh, shot, shows
from tests.ui.test_audit_admin import tab_to
from tests.ui.test_supervisor import add_rule, publish, schedule_monthly

RULESET_ID = "journey-set"
RULESET_TITLE = "つなぐ旅程テスト用ルールセット"
SAMPLE_TITLES = ("過去3年以内の虐待通告", "年間30日以上の欠席")
EXTRA_TITLE = "就学援助の認定"
REID_REASON = "ケース会議で家庭訪問の準備をするため"
EXPORT_REASON = "12月のケース会議資料"
NOTE = "学校と連携して様子を見る"


@pytest.fixture(scope="module")
def journey_server(tmp_path_factory) -> UiServer:
    """A service of its own: this journey changes the registry and the published ruleset."""
    yield from serve_fresh(tmp_path_factory, "journey-home")


def _check(page, name: str) -> None:
    axe_check(page, name)
    shot(page, f"journey2-{name}")
    assert "確率" not in page.content()


def _saved_rule_option(page, staff: str) -> str:
    """The text of the saved rule (part 1's) in the composer's list."""
    texts = page.get_by_label("追加するルール（保存済みルール・サンプル）").locator("option").all_inner_texts()
    found = [t for t in texts if "保存済みルール" in t and staff in t]
    assert found, texts
    return found[0].split("（")[0]


def _supervisor(page, server: UiServer) -> int:
    login(page, server, "supervisor")
    assert page.url.endswith("/ui/rulesets")
    _check(page, "01-rulesets")
    page.get_by_role("link", name="新しいルールセットを作る").click()
    page.get_by_label("ルールセットのID（半角英小文字・数字・ハイフン）").fill(RULESET_ID)
    page.get_by_label("名前", exact=True).fill(RULESET_TITLE)
    saved = _saved_rule_option(page, server.users["staff"])
    for t in (saved, *SAMPLE_TITLES):
        add_rule(page, t)
    page.get_by_label("上位何人を確認に回すか").fill("50")
    page.get_by_role("button", name="プレビュー").click()
    pv = page.locator("section[aria-labelledby='pv-h']")
    assert "上位50名の入れ替わり" in pv.inner_text() and "公開中の版: " in pv.inner_text()
    _check(page, "02-compose-preview")
    page.get_by_role("button", name="新しい版として保存").click()
    assert shows(page, "新しい版を保存しました")
    # a second version with one more sample rule; the diff between the two
    page.get_by_role("link", name="この版をもとに編集").click()
    add_rule(page, EXTRA_TITLE)
    page.get_by_role("button", name="新しい版として保存").click()
    assert shows(page, "第2版")
    page.get_by_role("link", name="前の版（第1版）と比べる").click()
    assert shows(page, "追加されたルール（1件）") and shows(page, EXTRA_TITLE)
    assert re.search(r"新たに抽出される (10未満|[\d,]+人)・抽出されなくなる (10未満|[\d,]+人)",
                     page.locator("p.mart-change").inner_text())
    _check(page, "03-diff")
    page.get_by_role("link", name="第2版の画面へ").click()
    assert publish(page), page.locator("main").inner_text()[:2000]
    _check(page, "04-published")
    schedule_monthly(page)
    row = page.locator("tr", has_text=RULESET_TITLE)
    assert "毎月1日 6時" in row.inner_text() and row.locator("ol.next-runs li").count() == 3
    _check(page, "05-schedule")
    row.get_by_role("button", name=re.compile("今すぐ実行")).click()
    page.wait_for_load_state()
    assert page.locator("#run-status").inner_text() == "成功"
    _check(page, "06-run")
    return int(re.search(r"/ui/runs/(\d+)", page.url).group(1))


def _keyboard_login(page, server: UiServer, role: str) -> None:
    page.goto(server.url("/ui/login"))
    page.locator("body").focus()
    tab_to(page, "input[name=username]")
    page.keyboard.type(server.users[role])
    page.keyboard.press("Tab")
    page.keyboard.type(server.password)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _wait_focus_on_status(page, seconds: float = 5.0) -> None:
    """The page's JS moves the focus to the new status message (a live region); polled, as the CSP forbids eval."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if page.evaluate("() => !!document.activeElement && document.activeElement.getAttribute('role') === 'status'"):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the focus did not move to the status message")


def _reviewer_keyboard_only(page, server: UiServer, run_id: int) -> tuple[str, str]:
    """The reviewer's path with the keyboard alone; returns (pseudonym, category label recorded)."""
    from openpyxl import load_workbook

    _keyboard_login(page, server, "reviewer")
    tab_to(page, "nav.main-nav a[href='/ui/review']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.url.endswith(f"/ui/review/runs/{run_id}")  # the latest run: the one just run
    assert shows(page, "人が確認するための候補")
    _check(page, "07-review-list")

    # filter: 確認の状況 = 未確認, with the arrow key, then 表示する
    tab_to(page, "select[name=status]")
    while page.evaluate("document.activeElement.value") != "open":
        page.keyboard.press("ArrowDown")
    tab_to(page, "form[role=search] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "status=open" in page.url
    _check(page, "08-review-filtered")

    # open the first child
    link = page.locator(f"a[href^='/ui/review/runs/{run_id}/children/']").first
    pseudonym = link.inner_text()
    tab_to(page, f"a[href='/ui/review/runs/{run_id}/children/{pseudonym}']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert shows(page, "点数の合計")
    _check(page, "09-child")

    # re-identify with a reason: the 宛名番号 is shown once, focus moves to it
    tab_to(page, "#reid-reason")
    page.keyboard.type(REID_REASON)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert re.search(r"宛名番号: \d+", page.locator("main").inner_text())
    _wait_focus_on_status(page)
    _check(page, "10-reidentified")

    # record the outcome 見守り: radio group by arrow keys, the note, 記録する
    tab_to(page, "input[name=category]")
    while page.evaluate("document.activeElement.value") != "watching":
        page.keyboard.press("ArrowRight")
    assert page.evaluate("document.querySelector('input[name=category]:checked').value") == "watching"
    tab_to(page, "#o-note")
    page.keyboard.type(NOTE)
    tab_to(page, "form[action$='/outcome'] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert shows(page, "保存しました") and shows(page, "見守り")
    _wait_focus_on_status(page)
    _check(page, "11-outcome")

    # back to the list, export it to Excel with a reason
    tab_to(page, f"main a[href='/ui/review/runs/{run_id}']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, "#exp-reason")
    page.keyboard.type(EXPORT_REASON)
    with page.expect_download() as dl:
        page.keyboard.press("Enter")
    wb = load_workbook(io.BytesIO(open(dl.value.path(), "rb").read()))
    rows = list(wb["確認候補一覧"].iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:2] == ["順位", "仮名ID"] and "宛名番号" not in header  # pseudonyms only
    mine = [r for r in rows[1:] if r[1] == pseudonym]
    assert mine and mine[0][header.index("確認結果")] == "見守り"
    meta = dict(wb["出力情報"].iter_rows(min_row=2, values_only=True))
    assert meta["出力者"] and re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d", meta["出力日時"]) and meta["基準日"]
    assert meta["実行"] == run_id
    _check(page, "12-review-list-after")
    return pseudonym, "見守り"


def _rows(page) -> list[str]:
    return page.locator("table.audit tbody tr").all_inner_texts()


def _auditor(page, server: UiServer, run_id: int, pseudonym: str) -> None:
    login(page, server, "auditor")
    assert page.url.endswith("/ui/audit")
    banner = page.locator("#chain-status")
    assert banner.get_attribute("role") == "status" and "改ざんなし" in banner.inner_text()
    _check(page, "13-audit")
    sup, rev = server.users["supervisor"], server.users["reviewer"]
    expected = [  # (actor, action label, target text that must be on the row)
        (sup, "ルールセットの作成", RULESET_ID), (sup, "プレビューの閲覧", ""), (sup, "ルールセットの公開", RULESET_ID),
        (sup, "定期実行の登録", ""), (sup, "抽出の開始", str(run_id)), (sup, "抽出の終了", str(run_id)),
        (rev, "抽出結果の閲覧", str(run_id)), (rev, "こどもごとの理由の閲覧", pseudonym),
        (rev, "再識別 (仮名から本人の特定)", pseudonym), (rev, "確認結果の記録", pseudonym),
        (rev, "抽出結果の出力", str(run_id)),
    ]
    # the first one through the form (a GET form: the filters land in the URL), the rest through bookmarks
    page.get_by_label("利用者", exact=True).select_option(sup)
    page.get_by_label("操作", exact=True).select_option(label="ルールセットの作成")
    page.get_by_role("button", name="検索する").click()
    page.wait_for_url(lambda u: f"actor={sup}" in u and "action=ruleset_created" in u)
    actions = {v: k for k, v in _action_values(page).items()}
    for actor, label, target in expected:
        page.goto(server.url(f"/ui/audit?actor={actor}&action={actions[label]}"))
        rows = _rows(page)
        assert rows and all(label in r for r in rows), (actor, label, rows)
        assert not target or any(target in r for r in rows), (actor, label, target, rows)
    page.goto(server.url(f"/ui/audit?action=reidentified&target_id={pseudonym}"))
    assert REID_REASON in page.locator("table.audit").inner_text()
    page.goto(server.url(f"/ui/audit?action=results_exported&target_id={run_id}"))
    assert EXPORT_REASON in page.locator("table.audit").inner_text()
    _check(page, "14-audit-search")

    # edit one audit row in the database: the banner names it
    seq = int(page.locator("table.audit tbody tr").first.get_attribute("id").removeprefix("seq-"))
    db = sqlite3.connect(server.home / "tsunagu.db")
    try:
        original = db.execute("select reason from audit_log where seq = ?", (seq,)).fetchone()[0]
        with db:
            db.execute("update audit_log set reason = ? where seq = ?", ("書き換えた理由", seq))
        page.goto(server.url("/ui/audit"))
        banner = page.locator("#chain-status")
        assert banner.get_attribute("role") == "alert" and "改ざんの疑い" in banner.inner_text()
        assert f"seq {seq}" in banner.inner_text() and "書き換えられています" in banner.inner_text()
        banner.get_by_role("link", name=f"seq {seq}").first.click()
        row = page.locator(f"tr#seq-{seq}")
        assert "異常" in row.inner_text() and "書き換えた理由" in row.inner_text()
        _check(page, "15-audit-tampered")
        with db:
            db.execute("update audit_log set reason = ? where seq = ?", (original, seq))
    finally:
        db.close()
    page.goto(server.url("/ui/audit"))
    assert "改ざんなし" in page.locator("#chain-status").inner_text()  # the row put back verifies again


def _action_values(page) -> dict[str, str]:
    """The action select's options: value -> Japanese label."""
    return dict(page.evaluate("Array.from(document.querySelectorAll('#a-action option')).map(o => [o.value, o.textContent])"))


def test_part2_journey(journey_server, new_page):
    server = journey_server
    part1.test_staff_to_officer_path(new_page, server)  # part 1, as it is
    run_id = _supervisor(new_page(), server)
    pseudonym, _ = _reviewer_keyboard_only(new_page(), server, run_id)
    _auditor(new_page(), server, run_id, pseudonym)
