"""Issue 12, item 14: the 個人情報ファイル簿 as CP932 CSV lists the characters CP932 cannot hold (written as 〓,
listed after the table and on the page) and the download does not fail; UTF-8 keeps them."""

from __future__ import annotations

import csv
import io

import pytest

pytest.register_assert_rewrite("tests.conftest_api")
from tests.conftest_api import JUSTIFICATION  # noqa: E402

pytest_plugins = ["tests.conftest_api"]

# 𠮷 (U+20BB7) and 鷗 (U+9DD7) are not in CP932; 髙 and 﨑 are (IBM extensions) and must stay as they are.
PURPOSE = "𠮷田地区・鷗台地区（髙﨑小学校区）の支援が必要なこどもの早期把握"


def _approved_entry_with(svc, item_id: str, purpose: str) -> None:
    body = {"item_id": item_id, "receiving_department": "こども家庭センター", "purpose": purpose, "basis": "61-1",
            "use": "recurring", "justification": JUSTIFICATION}
    r = svc.as_role("staff").post("/api/registry", json=body)
    assert r.status_code == 201, r.text
    r = svc.as_role("privacy_officer").post(f"/api/registry/{r.json()['id']}/approve", json={"reason": "根拠を確認した"})
    assert r.status_code == 200, r.text


def test_cp932_download_replaces_and_lists_characters_it_cannot_hold(sqlite_service):
    svc = sqlite_service
    _approved_entry_with(svc, "resident.single_parent", PURPOSE)
    c, _ = svc.login(svc.users["privacy_officer"])

    # the page says which characters the CP932 file cannot hold, before anyone downloads it
    page = c.get("/ui/registry/file-register")
    assert page.status_code == 200
    section = page.text[page.text.index('id="cp932"'):]
    assert "2文字" in section and "U+20BB7" in section and "U+9DD7" in section and "𠮷" in section
    assert "利用目的" in section

    r = c.get("/ui/registry/file-register/download", params={"fmt": "cp932"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "file_register_cp932.csv" in r.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(r.content.decode("cp932"))))
    header, table = lines[0], lines[1:lines.index([])]
    notes = lines[lines.index([]) + 1:]
    purpose_col = header.index("利用目的")
    written = next(row for row in table if "田地区" in row[purpose_col])
    line_no = table.index(written) + 2  # CSV line (the header is line 1)
    assert "〓田地区・〓台地区（髙﨑小学校区）" in written[purpose_col]  # only the two are replaced
    assert notes[0][0].startswith("※ CP932（Shift_JIS）で表せない文字が2文字")
    assert notes[1:] == [[f"※ {line_no}行目「利用目的」", "U+20BB7"], [f"※ {line_no}行目「利用目的」", "U+9DD7"]]

    # UTF-8 (BOM) keeps the characters, with no note rows
    r = c.get("/ui/registry/file-register/download", params={"fmt": "csv"})
    text = r.content.decode("utf-8-sig")
    assert "𠮷田地区・鷗台地区（髙﨑小学校区）" in text and "〓" not in text and "※ CP932" not in text

    # the export is logged with how many characters were replaced
    logged = svc.as_role("auditor").get("/api/audit", params={"action": "registry_exported"}).json()["items"]
    cp932 = [i for i in logged if i["details"].get("format") == "cp932"]
    assert len(cp932) == 1 and cp932[0]["details"]["replaced_characters"] == 2


def test_cp932_page_says_none_when_every_character_fits(sqlite_service):
    c, _ = sqlite_service.login(sqlite_service.users["privacy_officer"])
    _approved_entry_with(sqlite_service, "resident.single_parent", "支援が必要なこどもの早期把握（髙﨑小学校区）")
    section = c.get("/ui/registry/file-register").text
    assert "すべての文字を CP932 で出力できます" in section
    text = c.get("/ui/registry/file-register/download", params={"fmt": "cp932"}).content.decode("cp932")
    assert "髙﨑小学校区" in text and "※ CP932" not in text
