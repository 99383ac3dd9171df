"""Blind set dev20 (class lists with a bare number column, parents' mail in English, readings in brackets,
institutional dates and names): the classes it showed, pinned one by one."""

from __future__ import annotations

import pytest

from privacy.pii.analyzer import analyze
from privacy.pii.guard import guard_text
from tests.conftest_pii import found


@pytest.mark.parametrize("text", [
    "文書番号：和子育第1234号　令和7年8月1日",  # a document's date after its number
    "小学校の通学区域：1丁目〜3丁目は西川小、4丁目以降は東川小。",  # schools' short names
    "LINE公式アカウント「いずみ子育てナビ」で健診のお知らせを配信。",  # a service's name
    "Please contact the Child and Family Center at 0725-99-8100 if you have questions.",  # an office's number
    "The meeting is on 14 March 2026.",  # a date that is no one's birthday
    "番号\t項目\t件数\n1\t通告\t120",  # a numbered table without names
])
def test_clean(text: str) -> None:
    assert analyze(text) == [], [(f.type, text[f.start:f.end]) for f in analyze(text)]


def test_seat_numbers_in_a_class_list_with_names() -> None:
    text = "番号\t氏名\t欠席\t備考\n3\t青木 葵\t21\t母子家庭\n15\t池田 蒼空\t16\t弟が同校2年"
    assert found(text, "STUDENT_NUMBER") == ["3", "15"]
    assert "21" in guard_text(text).redacted  # the absences stay


def test_a_whole_reading_cell_is_masked() -> None:
    text = "生徒番号\t氏名\tふりがな\t生年月日\n2024-0317\t吉田 美羽\tよしだ みう\t2011/07/19"
    assert "よしだ みう" in found(text, "PERSON")


@pytest.mark.parametrize("text,names", [
    ("Dear teacher, this is Maria Santos, mother of Lucas (grade 2). Lucas will be absent tomorrow.", ["Maria Santos", "Lucas", "Lucas"]),
    ("Hi, this is Priya Sharma (Aarav's mom). Aarav has a dentist appointment on Oct 20.", ["Priya Sharma", "Aarav", "Aarav"]),
    ("My daughter Anh was born on 14 March 2018.", ["Anh"]),
    ("hina oonishi（大西 陽菜）のローマ字表記でパスポート申請済み。", ["hina oonishi", "大西 陽菜"]),
])
def test_names_in_english_mail_and_readings(text: str, names: list[str]) -> None:
    assert sorted(found(text, "PERSON")) == sorted(names)


def test_an_english_birth_date() -> None:
    assert found("My daughter Anh was born on 14 March 2018.", "DATE_OF_BIRTH") == ["14 March 2018"]
    assert found("Date of birth: March 14, 2018", "DATE_OF_BIRTH") == ["March 14, 2018"]


def test_a_doctor_named_after_a_clinic_of_the_same_family_name() -> None:
    text = "鈴木こどもクリニックの鈴木医師から、乳児の体重減少について連絡があった。"
    redacted = guard_text(text).redacted
    assert redacted.startswith("鈴木こどもクリニック") and "鈴木医師" not in redacted
