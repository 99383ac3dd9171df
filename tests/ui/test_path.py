"""Acceptance (issue 12, item 15): the staff -> privacy officer path checked on the page, keyboard-only chat, XSS, PII."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.ui.conftest import ITEM_WITHOUT_BASIS, axe_check, login, readme_shot, shot

# The sentence, exactly (item 15).
FIRST = "小学生で直近半年に欠席が20日を超え、就学援助を受けている家庭の子は8点"


def _turn(page, act) -> None:
    """One chat turn that makes a new version (with JS it is swapped in without a page load)."""
    version = int(page.locator("[data-chat-body]").get_attribute("data-version") or 0)
    act()
    page.locator(f"[data-chat-body][data-version='{version + 1}']").wait_for()
    expect(page.locator("#answer")).to_be_focused()


def _send(page, text: str) -> None:
    def act() -> None:
        page.get_by_label("続けて指示する", exact=False).fill(text)
        page.get_by_role("button", name="送る").click()

    _turn(page, act)


def test_staff_to_officer_path(new_page, ui_server):
    staff = new_page()
    login(staff, ui_server, "staff")
    assert staff.get_by_role("heading", name="ルール案の作成").is_visible()
    shot(staff, "chat_new")
    axe_check(staff, "chat new")
    staff.get_by_label("条件（日本語）").fill(FIRST)
    staff.get_by_role("button", name="ルール案を作る").click()
    # a first version, read in Japanese with item names, and the drafter's question: the items point to
    # different difficulty types (欠席 -> 不登校など, 就学援助 -> 貧困), so it asks which one is meant
    card = staff.locator("section[aria-labelledby=card-h]")
    assert "第1版" in card.inner_text() and "欠席日数" in card.inner_text() and "20日" in card.inner_text()
    assert "小学生" in card.inner_text() and "8点" in card.inner_text() and "就学援助" in card.inner_text()
    assert staff.get_by_role("heading", name="確認したいこと").is_visible()
    question = staff.locator("[aria-labelledby=q-h]").inner_text()
    assert "困難の種類" in question and "就学援助" in question
    assert "school.absence_days" not in staff.locator("#answer").inner_text()  # item names, not catalog ids
    draft_url = staff.url.split("#")[0]
    shot(staff, "chat_question")
    # answer it by clicking a choice: version 2 with the chosen type
    _turn(staff, lambda: staff.locator(".choices").get_by_role("button", name="貧困", exact=True).click())
    assert "第2版" in card.inner_text() and "貧困" in card.locator("dd").nth(4).inner_text()
    assert not staff.get_by_role("heading", name="確認したいこと").is_visible()
    assert not card.locator("pre.json").is_visible()  # JSON only one click away
    card.get_by_text("JSON で見る").click()
    assert card.locator("pre.json").is_visible()
    # one follow-up edit: a new version, diff condition by condition
    _send(staff, "かつひとり親世帯")
    assert "第3版" in card.inner_text() and "ひとり親世帯" in card.inner_text()
    diff = staff.locator("table#diff")
    assert "追加" in diff.inner_text() and "ひとり親世帯" in diff.inner_text()
    # item statuses: the new item has no basis; the others are approved for scheduled use
    row = staff.locator(f"tr[data-item='{ITEM_WITHOUT_BASIS}']")
    assert "法的根拠の登録なし" in row.inner_text()
    assert "定期実行に使える" in staff.locator("tr[data-item='school.absence_days']").inner_text()
    # the preview is refused with the policy's reason while an item lacks a basis
    staff.get_by_role("button", name="データマートで件数を試算する").click()
    expect(staff.locator("#preview")).to_contain_text("試算できません")
    shot(staff, "chat_draft")
    axe_check(staff, "draft")
    # request a basis for the item
    form = staff.locator("#items form")
    form.get_by_label("利用の種類").select_option("recurring")
    form.get_by_label("相当の理由").fill("ひとり親世帯は貧困の早期把握に必要なため")
    form.get_by_role("button", name="申請する").click()
    assert "申請しました" in staff.locator("#items").inner_text()
    assert "申請中" in staff.locator(f"tr[data-item='{ITEM_WITHOUT_BASIS}']").inner_text()
    # save the rule
    staff.get_by_role("button", name="第3版をルールとして保存する").click()
    assert "保存しました" in staff.locator("#saved").inner_text()
    staff.goto(ui_server.url("/ui/drafts?q=欠席"))
    assert "欠席" in staff.locator("table").inner_text() and "第1版" in staff.locator("table").inner_text()
    shot(staff, "drafts_list")
    axe_check(staff, "drafts list")

    officer = new_page()
    login(officer, ui_server, "privacy_officer")
    assert officer.get_by_role("heading", name="申請の確認（未処理）").is_visible()
    section = officer.locator("section", has_text="ひとり親世帯").first
    text = section.inner_text()
    assert "ルール: " in text and "demo-staff" in text and "恒常的" in text
    shot(officer, "registry_queue")
    readme_shot(officer, "readme_registry_queue")
    axe_check(officer, "queue")
    section.get_by_label("理由").fill("児童扶養の観点から利用目的の範囲内と判断")
    section.get_by_role("button", name="承認する").click()
    assert "承認しました" in officer.locator("main").inner_text()
    officer.goto(ui_server.url("/ui/registry?status=approved"))
    officer.get_by_role("link", name="ひとり親世帯").first.click()
    assert "承認済み" in officer.locator("main").inner_text() and "児童扶養の観点から" in officer.locator("main").inner_text()
    shot(officer, "registry_entry")
    axe_check(officer, "entry")
    for path, name in (("/ui/registry", "registry_table"), ("/ui/registry?expiry=soon", "registry_soon"),
                       ("/ui/registry/minimization", "minimization"), ("/ui/registry/file-register", "file_register")):
        officer.goto(ui_server.url(path))
        shot(officer, name)
        axe_check(officer, name)
    with officer.expect_download() as dl:
        officer.get_by_role("link", name="Excel（.xlsx）で出力").click()
    assert dl.value.suggested_filename == "file_register.xlsx"

    # staff sees the item turn approved, and the preview now shows counts without child rows
    staff.goto(draft_url + "?preview=1#preview")
    assert "定期実行に使える" in staff.locator(f"tr[data-item='{ITEM_WITHOUT_BASIS}']").inner_text()
    preview = staff.locator("#preview").inner_text()
    assert "該当人数" in preview and "試算できません" not in preview
    assert "仮名" not in preview and "<10" not in preview
    shot(staff, "chat_preview")
    readme_shot(staff, "readme_chat")
    axe_check(staff, "preview")


def test_keyboard_only_chat(page, ui_server):
    login(page, ui_server, "staff")
    page.locator("body").focus()
    # skip link, then Tab until the message box has focus; type and submit with the keyboard only
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == "message":
            break
    assert page.evaluate("document.activeElement.id") == "message"
    page.keyboard.type("小学生で直近半年に欠席が20日を超える子は8点")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "ルール案を作る"
    with page.expect_navigation(url="**/ui/drafts/*"):
        page.keyboard.press("Enter")
    # focus moved to the new answer (a live region)
    expect(page.locator("#answer")).to_be_focused(timeout=5000)
    assert page.locator("#answer").get_attribute("aria-live") == "polite"
    assert "欠席日数" in page.locator("#answer").inner_text()


def test_rule_title_with_script_renders_as_text(page, ui_server):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    login(page, ui_server, "staff")
    page.get_by_label("条件（日本語）").fill("<script>alert(1)</script>小学生で欠席が20日を超える子は8点")
    page.get_by_role("button", name="ルール案を作る").click()
    assert "<script>alert(1)</script>" in page.get_by_role("heading", level=1).inner_text()
    assert page.locator("main script").count() == 0
    assert not dialogs
    shot(page, "xss_title")


def test_pii_is_blocked_and_shown_by_kind(page, ui_server):
    login(page, ui_server, "staff")
    page.get_by_label("条件（日本語）").fill("山田太郎さん（電話090-1234-5678）の子は欠席が多いので8点")
    page.get_by_role("button", name="ルール案を作る").click()
    alert = page.locator("#blocked")
    assert alert.is_visible() and "送信していません" in alert.inner_text()
    assert "電話番号" in alert.inner_text() and "090-1234-5678" not in alert.inner_text()
    shot(page, "chat_pii_blocked")
    axe_check(page, "pii blocked")
