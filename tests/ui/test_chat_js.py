"""Issue 12, item 2: JavaScript only improves the chat. With JS a turn (a clicked answer or a typed follow-up)
is posted with fetch and swapped in without loading the page again; focus moves to the new answer and the
status line says so. Without JS the same forms work by post/redirect/get."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.ui.conftest import axe_check, login, shot

ACCEPTANCE = "小学生で直近半年に欠席が20日を超え、就学援助を受けている家庭の子は8点"


def _new_draft(page, ui_server) -> None:
    login(page, ui_server, "staff")
    page.goto(ui_server.url("/ui/drafts/new"))
    page.get_by_label("条件（日本語）").fill(ACCEPTANCE)
    page.get_by_role("button", name="ルール案を作る").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="確認したいこと").is_visible()


def _documents(page) -> list[str]:
    loads: list[str] = []
    page.on("request", lambda r: loads.append(r.url) if r.resource_type == "document" else None)
    return loads


def test_chat_turn_without_page_reload(page, ui_server):
    _new_draft(page, ui_server)
    card = page.locator("section[aria-labelledby=card-h]")
    assert "第1版" in card.inner_text() and "不登校" in card.inner_text()
    page.evaluate("window.__sameDocument = 'yes'")
    loads = _documents(page)

    # 1. a clicked answer to the question: version 2 with the chosen type, no document load
    page.locator(".choices").get_by_role("button", name="貧困", exact=True).click()
    page.locator("[data-chat-body][data-version='2']").wait_for()
    assert page.evaluate("window.__sameDocument") == "yes" and loads == []
    assert "困難の種類" in card.inner_text() and "貧困" in card.locator("dd").nth(4).inner_text()
    expect(page.locator("#answer")).to_be_focused()
    assert "第2版" in page.locator("#chat-status").inner_text()
    assert page.locator("#chat-status").get_attribute("aria-live") == "polite"
    assert page.url.endswith("#answer") and "/ui/drafts/" in page.url

    # 2. the live preview, once shown, stays on across turns (the form carries it)
    page.get_by_role("button", name="データマートで件数を試算する").click()
    expect(page.locator("#preview")).to_contain_text("該当人数")
    expect(page.locator("#pv-h")).to_be_focused()  # with JS the counts come in place, focused
    assert page.evaluate("window.__sameDocument") == "yes" and loads == []
    assert "試算の結果" in page.locator("#chat-status").inner_text() and "preview=1" in page.url
    page.get_by_label("続けて指示する", exact=False).fill("窓を1年にして")
    page.get_by_role("button", name="送る").click()
    page.locator("[data-chat-body][data-version='3']").wait_for()
    assert page.evaluate("window.__sameDocument") == "yes" and loads == []
    assert "過去1年間" in card.inner_text() and "該当人数" in page.locator("#preview").inner_text()
    assert page.evaluate("document.activeElement.id") == "answer"
    assert page.get_by_label("続けて指示する", exact=False).input_value() == ""
    diff = page.locator("table#diff")
    assert "第2版 → 第3版" in diff.inner_text() and "変更" in diff.inner_text()
    # another pair of versions, in place too (the preview stays)
    page.get_by_label("比べる版（前）").select_option("1")
    page.get_by_role("button", name="変更点を表示").click()
    expect(diff).to_contain_text("第1版 → 第3版")
    expect(page.locator("#diff")).to_be_focused()
    assert "該当人数" in page.locator("#preview").inner_text() and loads == []
    shot(page, "chat_js_turn")
    axe_check(page, "chat js turn")

    # 3. a blocked message (PII) shows the alert in place, focused, nothing echoed
    page.get_by_label("続けて指示する", exact=False).fill("山田太郎さん（電話090-1234-5678）も加えて")
    page.get_by_role("button", name="送る").click()
    page.wait_for_selector("#blocked")
    assert page.evaluate("window.__sameDocument") == "yes" and loads == []
    expect(page.locator("#blocked")).to_be_focused()
    assert "電話番号" in page.locator("#blocked").inner_text() and "090-1234-5678" not in page.locator("main").inner_text()


def test_chat_turn_without_javascript(new_page, ui_server):
    page = new_page(java_script_enabled=False)
    _new_draft(page, ui_server)
    loads = _documents(page)
    page.locator(".choices").get_by_role("button", name="不登校と貧困の両方").click()
    page.wait_for_load_state()
    assert any("/ui/drafts/" in u for u in loads)  # a plain post/redirect/get
    assert page.locator("[data-chat-body]").get_attribute("data-version") == "2"
    assert "不登校、貧困" in page.locator("section[aria-labelledby=card-h]").inner_text()
    page.get_by_label("続けて指示する", exact=False).fill("窓を1年にして")
    page.get_by_role("button", name="送る").click()
    page.wait_for_load_state()
    assert page.locator("[data-chat-body]").get_attribute("data-version") == "3"
    assert "過去1年間" in page.locator("section[aria-labelledby=card-h]").inner_text()
    shot(page, "chat_nojs_turn")


def test_assumption_of_a_valid_draft_is_offered_as_choices(page, ui_server):
    login(page, ui_server, "staff")
    page.goto(ui_server.url("/ui/drafts/new"))
    page.get_by_label("条件（日本語）").fill("乳幼児健診を受けていない子は5点")  # no window given: 記録全体 assumed (default_scope)
    page.get_by_role("button", name="ルール案を作る").click()
    page.wait_for_load_state()
    box = page.locator("[aria-labelledby=q-h]")
    assert "仮定したこと" in box.inner_text() and "記録全体" in page.locator("#answer").inner_text()
    box.get_by_role("button", name="過去6か月間で数える").click()
    page.locator("[data-chat-body][data-version='2']").wait_for()
    assert "過去6か月間" in page.locator("section[aria-labelledby=card-h]").inner_text()
    expect(page.locator("#answer")).to_be_focused()


def test_keyboard_only_turns(page, ui_server):
    """Answer the question and send a follow-up with the keyboard only (JS on: no page load)."""
    _new_draft(page, ui_server)
    expect(page.locator("#answer")).to_be_focused()

    def tab_to(predicate: str, limit: int = 40) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(predicate):
                return
        raise AssertionError(f"focus never reached: {predicate}")

    tab_to("document.activeElement.tagName === 'BUTTON' && document.activeElement.textContent === '貧困'")
    page.keyboard.press("Enter")
    page.locator("[data-chat-body][data-version='2']").wait_for()
    expect(page.locator("#answer")).to_be_focused()
    tab_to("document.activeElement.id === 'message'")
    page.keyboard.type("中学生だけに")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "送る"
    page.keyboard.press("Enter")
    page.locator("[data-chat-body][data-version='3']").wait_for()
    expect(page.locator("#answer")).to_be_focused()
    assert "中学生" in page.locator("section[aria-labelledby=card-h]").inner_text()


def test_expired_session_during_a_js_turn_keeps_the_text(page, ui_server):
    """The fetch gets the login page instead of the draft: the plain post follows, the login page keeps the
    text, and after logging in again the message box has it (nothing was sent to the drafter)."""
    _new_draft(page, ui_server)
    draft_path = urlsplit(page.url).path
    page.context.clear_cookies()
    page.get_by_label("続けて指示する", exact=False).fill("窓を2年にして")
    page.get_by_role("button", name="送る").click()
    page.get_by_label("利用者名").wait_for()
    page.get_by_label("利用者名").fill(ui_server.users["staff"])
    page.get_by_label("パスワード").fill(ui_server.password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path == draft_path
    assert page.get_by_label("続けて指示する", exact=False).input_value() == "窓を2年にして"
    assert page.locator("[data-chat-body]").get_attribute("data-version") == "1"
