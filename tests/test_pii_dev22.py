"""Blind set dev22 (hurried chat lines, phone notes, siblings in brackets, offices and facilities): the classes
it showed, pinned one by one."""

from __future__ import annotations

import pytest

from privacy.pii.analyzer import analyze
from privacy.pii.guard import guard_text
from tests.conftest_pii import found


@pytest.mark.parametrize("text", [
    "郵便番号 594-8501（和泉市役所）宛に送付",  # an office's postal code and name
    "一丁目四番 と 1-4 の表記ゆれを正規化する処理が必要",  # a block number of no place
    "府中小学校の住所は和泉市府中町1-2-3です",  # a school's address
    "こども食堂「ひかりの家」の開設支援",  # a facility's name
])
def test_clean(text: str) -> None:
    assert analyze(text) == [], [(f.type, text[f.start:f.end]) for f in analyze(text)]


def test_a_home_block_number_with_context_is_still_an_address() -> None:
    assert "一丁目四番" not in guard_text("住所は和泉市池上町一丁目四番です").redacted


def test_names_after_a_grade_in_brackets_of_siblings() -> None:
    assert found("上の子（中1・拓海）と下の子（小3・葵）、どちらも就学援助", "PERSON") == ["拓海", "葵"]


def test_a_name_after_no_namae_wa_and_no_particle_taken_for_a_name() -> None:
    text = "R3年6月生の妹がいて、母は育児疲れを訴えている 妹の名前は紬"
    assert found(text, "PERSON") == ["紬"]
