"""Auditors and admins in a real browser: the operation log (filters in the URL, paging, the chain banner,
Excel export opened and checked), the account pages (create, role change and deactivation with a reason,
an API token shown once and revoked, the last admin's refusal in Japanese), a child's page exported and
printed (A4 print stylesheet). axe on every page; screenshots saved; keyboard-only search of the log."""

from __future__ import annotations

import io
import re

from playwright.sync_api import expect

from tests.ui.conftest import axe_check, login, shot, shows
from tests.ui.test_part2_review import _run_demo


def tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab (keyboard only) until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement === document.querySelector(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_auditor_searches_the_log_and_exports_it(ui_server, page):
    from openpyxl import load_workbook

    login(page, ui_server, "auditor")
    assert page.url.startswith(ui_server.url("/ui/audit"))  # the auditor's start page
    banner = page.locator("#chain-status")
    assert "改ざんなし" in banner.inner_text()
    axe_check(page, "audit log")
    shot(page, "part2-audit-log")

    # keyboard only: Tab to the action field, pick 「ログイン」 with the arrow key, Tab to 検索する, Enter
    page.locator("body").focus()
    tab_to(page, "#a-action")
    page.keyboard.press("ArrowDown")  # すべて -> ログイン (the vocabulary's first action)
    tab_to(page, "form[role=search] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "action=login" in page.url
    cells = page.locator("table.audit tbody tr td:nth-child(4)").all_inner_texts()
    assert cells and set(cells) == {"ログイン"}
    bookmark = page.url
    page.goto(ui_server.url("/ui/audit"))
    page.goto(bookmark)  # a bookmarked search opens as it was
    assert page.get_by_label("操作", exact=True).input_value() == "login"
    shot(page, "part2-audit-filtered")

    with page.expect_download() as dl:
        page.get_by_role("button", name="出力する").click()
    wb = load_workbook(io.BytesIO(open(dl.value.path(), "rb").read()))
    rows = list(wb["操作ログ"].iter_rows(values_only=True))
    assert rows[0][0] == "番号(seq)" and rows[1:] and {r[4] for r in rows[1:]} == {"ログイン"}
    meta = dict(wb["出力情報"].iter_rows(min_row=2, values_only=True))
    assert meta["出力者"] and meta["出力日時"] and meta["検索条件"] == "操作: ログイン"

    # the export itself is on the log
    page.goto(ui_server.url("/ui/audit?action=audit_exported"))
    assert page.locator("table.audit tbody tr").count() >= 1
    assert "操作ログの出力" in page.locator("table.audit tbody").inner_text()


def test_admin_manages_users_and_tokens(ui_server, page):
    admin = ui_server.users["admin"]
    login(page, ui_server, "admin")
    assert page.url.startswith(ui_server.url("/ui/admin/users"))
    axe_check(page, "admin users")
    shot(page, "part2-admin-users")

    page.get_by_label("利用者名（ログインに使う英数字）").fill("ui-yamamoto")
    page.get_by_label("表示名（例: 子育て支援課 山本）").fill("子育て支援課 山本")
    page.get_by_label("役割").select_option("reviewer")
    page.get_by_label("初期パスワード（10文字以上）").fill("ui-yamamoto-pass-1")
    page.get_by_role("button", name="登録する").click()
    page.wait_for_url(lambda u: u.endswith("/ui/admin/users/ui-yamamoto?done=created"))
    assert shows(page, "利用者を登録しました")
    axe_check(page, "admin user page")

    page.get_by_label("新しい役割").select_option("supervisor")
    page.get_by_label("変更の理由（必須・操作ログに記録されます）").fill("係長に昇任")
    page.get_by_role("button", name="役割を変更する").click()
    assert shows(page, "役割を変更しました") and shows(page, "管理職（公開・実行）")

    page.get_by_label("用途（例: 集計システムとの連携）").fill("集計システム")
    page.get_by_label("有効日数（空欄なら無期限）").fill("30")
    page.get_by_role("button", name="APIトークンを発行する").click()
    token = page.get_by_label("発行したトークン").input_value()
    assert token.startswith("tsu_") and shows(page, "この表示は一度だけです")
    axe_check(page, "token issued")
    shot(page, "part2-admin-token")
    page.goto(ui_server.url("/ui/admin/users/ui-yamamoto"))
    assert token not in page.content()  # shown once
    page.get_by_role("button", name="「集計システム」を失効させる").click()
    expect(page.locator("body")).to_contain_text("APIトークンを失効させました")  # waits for the redirect

    page.get_by_label("停止の理由（必須・操作ログに記録されます）").fill("異動")
    page.get_by_role("button", name="停止する").click()
    expect(page.locator("body")).to_contain_text("利用者を停止しました")

    # the last active admin cannot deactivate themselves: the service's Japanese reason, next to the form
    page.goto(ui_server.url(f"/ui/admin/users/{admin}"))
    page.get_by_label("停止の理由（必須・操作ログに記録されます）").fill("試し")
    page.get_by_role("button", name="停止する").click()
    alert = page.get_by_role("alert")
    assert "最後の有効なシステム管理者" in alert.inner_text()
    axe_check(page, "last admin refused")
    shot(page, "part2-admin-last-admin")

    # every change is on the operation log (the admin may read it too)
    page.goto(ui_server.url("/ui/audit?target_type=user&target_id=ui-yamamoto"))
    text = page.locator("table.audit tbody").inner_text()
    for label in ("利用者の登録", "利用者の役割の変更", "利用者の停止"):
        assert label in text


def test_child_page_export_and_print(ui_server, page):
    from openpyxl import load_workbook

    run_id = _run_demo(ui_server)
    login(page, ui_server, "reviewer")
    page.goto(ui_server.url(f"/ui/review/runs/{run_id}"))
    page.locator(f"a[href^='/ui/review/runs/{run_id}/children/']").first.click()
    pseudonym = re.search(r"/children/([^/?#]+)", page.url).group(1)
    page.get_by_label("出力の理由（必須・操作ログに記録されます）").fill("ケース会議資料")
    with page.expect_download() as dl:
        page.get_by_role("button", name="このページを出力する").click()
    wb = load_workbook(io.BytesIO(open(dl.value.path(), "rb").read()))
    meta = dict(wb["出力情報"].iter_rows(min_row=2, values_only=True))
    assert meta["仮名ID"] == pseudonym and meta["出力者"] and meta["出力日時"] and meta["基準日"]
    assert "宛名番号" not in meta
    rules = list(wb["該当したルール"].iter_rows(values_only=True))
    assert rules[-1][0] == "点数の合計" and rules[-1][2] == sum(r[2] for r in rules[1:-1])

    # the print stylesheet: no header, menu or forms on the A4 page; the reference date and the printer are on it
    page.emulate_media(media="print")
    assert not page.locator("nav.main-nav").is_visible() and not page.locator("form").first.is_visible()
    assert page.locator(".print-meta").is_visible() and "基準日" in page.locator(".print-meta").inner_text()
    has_steps = page.locator("#outcome table").count() > 0  # without recorded outcomes the section is only a form
    assert page.locator("#outcome").is_visible() == has_steps
    shot(page, "part2-child-print")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    page.emulate_media(media="screen")
