"""個人情報ファイル簿 export: rows per file, CSV (UTF-8 BOM / CP932) and Excel read back."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import openpyxl
import pytest

from privacy.file_register import (
    ENTRY_HEADERS_JA,
    HEADERS_JA,
    FileRegisterError,
    build_file_register,
    organ_name,
    to_csv_bytes,
    to_xlsx_bytes,
    write_csv,
    write_xlsx,
)
from privacy.registry import revoke
from privacy.registry_file import load_demo_registry


@pytest.fixture(scope="module")
def entries(catalog):
    return load_demo_registry(catalog)


@pytest.fixture(scope="module")
def rows(entries, catalog):
    return build_file_register(entries, catalog, city_name="和泉市")


def _by_name(rows):
    return {r.file_name: r for r in rows}


def test_one_row_per_file_with_the_75_jo_columns(rows, entries):
    assert len(rows) == len({(e.holding_organ, e.holding_department, e.file_name) for e in entries})
    files = _by_name(rows)
    resident = files["住民基本台帳ファイル"]
    assert resident.organ == "和泉市長" and resident.department == "市民課"
    assert "年齢" in resident.items and "ひとり親世帯" in resident.items and "保護者の年齢" in resident.items
    assert resident.subjects == "こども・保護者・世帯員"
    assert resident.sensitive == "含まない"
    assert resident.legal_basis == "61条1項"
    assert resident.regular_recipients == "なし" and resident.internal_users == "こども家庭センター"
    assert "住民基本台帳法" in resident.collection
    school = files["学齢簿・出欠管理ファイル"]
    assert school.organ == "和泉市教育委員会"
    assert school.sensitive == "含む"  # 保健室来室
    assert school.regular_recipients == "和泉市長 こども家庭センター"
    assert "69条1項（" in school.legal_basis and "69条2項3号［臨時的: r8-school-wellbeing-pilot］" in school.legal_basis
    consult = files["教育相談記録ファイル"]
    assert consult.regular_recipients == "なし"  # one-off provisions are not regular recipients
    assert files["母子保健ファイル"].subjects == "こども・保護者"


def test_only_approved_entries_by_default(entries, catalog):
    revoked = [revoke(e, "officer.a", "見直し", datetime(2026, 5, 1, tzinfo=UTC), actor_role="privacy_officer")
               if e.file_name == "女性相談記録ファイル" else e for e in entries]
    names = {r.file_name for r in build_file_register(revoked, catalog)}
    assert "女性相談記録ファイル" not in names
    with_revoked = build_file_register(revoked, catalog, statuses=("approved", "revoked"))
    assert "女性相談記録ファイル" in {r.file_name for r in with_revoked}


def test_organ_names():
    assert organ_name("mayor") == "市長" and organ_name("board_of_education") == "教育委員会"
    assert organ_name("mayor", "和泉市") == "和泉市長" and organ_name("board_of_education", "箕面市") == "箕面市教育委員会"


def test_csv_utf8_with_bom_reads_back(rows, tmp_path):
    data = to_csv_bytes(rows)
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    back = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert tuple(back[0]) == HEADERS_JA
    assert len(back) == len(rows) + 1
    assert back[1] == rows[0].cells()  # multi-line cells survive quoting
    p = write_csv(rows, tmp_path / "register.csv")
    assert p.read_bytes() == data


def test_csv_cp932_decodes_and_maps_wave_dash(rows):
    data = to_csv_bytes(rows, "cp932")
    text = data.decode("cp932")
    back = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(back[0]) == HEADERS_JA
    assert back[1][0] == rows[0].file_name
    # the validity range uses 〜 (U+301C), which CP932 writes as ～ (U+FF5E)
    assert "〜" in rows[0].validity and "～" in back[1][11]


def test_cp932_refuses_characters_it_cannot_hold(rows):
    bad = rows[0].__class__(**{**rows[0].__dict__, "department": "𠮷野家課"})
    with pytest.raises(FileRegisterError) as exc:
        to_csv_bytes([rows[1], bad], "cp932")
    assert "3行目「保有課」" in str(exc.value) and "𠮷" in str(exc.value)
    assert to_csv_bytes([bad]).decode("utf-8-sig").count("𠮷") == 1
    with pytest.raises(FileRegisterError, match="文字コード"):
        to_csv_bytes(rows, "latin-1")  # type: ignore[arg-type]


def test_excel_reads_back(rows, entries, tmp_path):
    path = write_xlsx(rows, tmp_path / "register.xlsx", entries, city_name="和泉市", as_of=date(2026, 4, 1))
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["個人情報ファイル簿", "法的根拠の登録簿"]
    ws = wb["個人情報ファイル簿"]
    assert tuple(c.value for c in ws[1]) == HEADERS_JA
    assert ws.max_row == len(rows) + 1
    assert [c.value for c in ws[2]] == rows[0].cells()
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold
    detail = wb["法的根拠の登録簿"]
    assert tuple(c.value for c in detail[1]) == ENTRY_HEADERS_JA
    assert detail.max_row == len(entries) + 1
    ids = {detail.cell(row=r, column=1).value for r in range(2, detail.max_row + 1)}
    assert ids == {e.item_id for e in entries}
    first = next(e for e in entries if e.item_id == detail.cell(row=2, column=1).value)
    assert detail.cell(row=2, column=15).value.date() == first.valid_until
    assert detail.cell(row=2, column=16).value == "承認済み"
    assert "個人情報保護法第" in detail.cell(row=2, column=8).value
    assert to_xlsx_bytes(rows)[:2] == b"PK"
