"""The UI frame in a real browser: login per role, role navigation, Japanese error pages, CSRF, no JS needed."""

from __future__ import annotations

import urllib.error
import urllib.request

from api.web.nav import load_nav
from tests.ui.conftest import axe_check, login, shot


def test_login_page_is_accessible_and_local(page, ui_server):
    page.goto(ui_server.url("/ui/"))
    assert page.url.endswith("/ui/login") or "/ui/login" in page.url
    assert page.get_by_role("heading", name="ログイン").is_visible()
    shot(page, "login")
    axe_check(page, "login")


def test_each_role_starts_on_its_page_and_sees_only_its_menu(new_page, ui_server):
    nav = load_nav()
    for role in ui_server.users:
        page = new_page()
        login(page, ui_server, role)
        assert page.url.startswith(ui_server.url(nav.start_of(role).split("?")[0])), (role, page.url)
        menu = page.get_by_role("navigation", name="メニュー")
        labels = [e.label for e in nav.for_role(role)]
        others = [e.label for e in nav.entries if role not in e.roles and e.label not in labels]
        for label in labels:
            assert menu.get_by_role("link", name=label, exact=True).count() == 1, (role, label)
        for label in others:
            assert menu.get_by_role("link", name=label, exact=True).count() == 0, (role, label)
        shot(page, f"start_{role}")
        axe_check(page, f"start of {role}")


def test_forbidden_and_missing_pages_are_japanese_html(page, ui_server):
    login(page, ui_server, "reviewer")
    forbidden = [e.path for e in load_nav().entries if "reviewer" not in e.roles][0]
    response = page.goto(ui_server.url(forbidden))
    assert response is not None and response.status == 403
    assert "text/html" in response.headers["content-type"]
    assert page.get_by_role("heading", name="このページは開けません").is_visible()
    assert "確認者" in page.locator("main").inner_text()
    shot(page, "error_403")
    axe_check(page, "403")
    response = page.goto(ui_server.url("/ui/no-such-page"))
    assert response is not None and response.status == 404
    assert page.get_by_role("heading", name="ページが見つかりません").is_visible()
    shot(page, "error_404")


def test_anonymous_page_redirects_to_login_with_reason(page, ui_server):
    page.goto(ui_server.url("/ui/home"))
    assert "/ui/login" in page.url
    assert "ログインしてください" in page.locator("main").inner_text()
    login_next = page.locator("input[name=next]").get_attribute("value")
    assert login_next == "/ui/home"


def test_form_without_csrf_token_is_refused(page, ui_server):
    login(page, ui_server, "staff")
    page.evaluate("document.querySelector('form[action=\"/ui/logout\"] input[name=csrf_token]').remove()")
    page.get_by_role("button", name="ログアウト").click()
    assert page.get_by_role("heading", name="このページは開けません").is_visible()
    assert "CSRF" in page.locator("main").inner_text()
    # still logged in: the refused logout did nothing
    page.goto(ui_server.url("/ui/home"))
    assert page.get_by_role("button", name="ログアウト").is_visible()


def test_logout_ends_the_session(page, ui_server):
    login(page, ui_server, "auditor")
    page.get_by_role("button", name="ログアウト").click()
    assert "ログアウトしました" in page.locator("main").inner_text()
    page.goto(ui_server.url("/ui/home"))
    assert "/ui/login" in page.url


def test_html_routes_never_answer_json_and_api_still_does(ui_server):
    try:
        urllib.request.urlopen(ui_server.url("/ui/nothing-here"))
    except urllib.error.HTTPError as exc:
        assert exc.code == 404 and "text/html" in exc.headers["content-type"]
    try:
        urllib.request.urlopen(ui_server.url("/api/registry"))
    except urllib.error.HTTPError as exc:
        assert exc.code == 401 and "application/json" in exc.headers["content-type"]


def test_session_expiry_returns_to_login_and_keeps_typed_text(page, ui_server):
    login(page, ui_server, "staff")
    page.goto(ui_server.url("/ui/drafts/new"))
    text = "中学生で直近1年に遅刻が30日以上の子は5点"
    page.get_by_label("条件（日本語）").fill(text)
    page.context.clear_cookies()  # the session is gone (as after expiry)
    page.get_by_role("button", name="ルール案を作る").click()
    assert page.get_by_role("heading", name="ログイン").is_visible()
    assert "有効期限" in page.locator("main").inner_text()
    assert page.locator("input[name=next]").get_attribute("value") == "/ui/drafts/new"
    shot(page, "login_after_expiry")
    page.get_by_label("利用者名").fill(ui_server.users["staff"])
    page.get_by_label("パスワード").fill(ui_server.password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/ui/drafts/new?keep_message=*")
    page.wait_for_load_state()
    assert page.get_by_label("条件（日本語）").input_value() == text
