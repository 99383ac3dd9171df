"""Blind set dev19 (pasted forms, foreign names with diacritics, institutional dates, common words that are
also given names): the classes it showed, pinned one by one."""

from __future__ import annotations

import pytest

from privacy.pii.analyzer import analyze, get_analyzer
from privacy.pii.folding import fold
from privacy.pii.guard import guard_text


@pytest.fixture(scope="module", autouse=True)
def analyzer():
    return get_analyzer()


def names(text: str) -> set[str]:
    return {text[f.start:f.end] for f in analyze(text) if f.type == "PERSON"}


@pytest.mark.parametrize("text", [
    "あおい空の下、運動会は予定どおり実施されました（学校だより）",  # 青い空: an adjective before a noun
    "文書番号 和子支第1234号 令和8年1月15日付",  # a document's date
    "令和7年度第2回要保護児童対策地域協議会代表者会議（令和7年11月18日）",  # a meeting's date in brackets
    "2026年4月1日から恒常的な利用に移行するため、利用目的を変更する（第61条第3項）。",  # the date a use begins
    "千里ニュータウンの集合住宅では、転出入が多い傾向がある。",  # a place
])
def test_clean(text: str) -> None:
    assert analyze(text) == [], [(f.type, text[f.start:f.end]) for f in analyze(text)]


@pytest.mark.parametrize("text,expected", [
    ("Nguyễn Thị Hoa さん（母）から電話。息子の Trần Minh Khoa くんが熱を出して休むとのこと。",
     {"Nguyễn Thị Hoa", "Trần Minh Khoa"}),
    ("チャン・ティ・マイ（Trương Thị Mai）さんから相談", {"チャン・ティ・マイ", "Trương Thị Mai"}),
    ("あおいが今日も登校しなかった", {"あおい"}),  # the same word as a child's name, by context
])
def test_names_are_found_whole(text: str, expected: set[str]) -> None:
    assert expected <= names(text), names(text)


def test_a_given_name_after_a_surname_in_a_name_field_is_masked_too() -> None:
    text = "連絡票\n学校名：和泉市立幸小学校\n児童名：増田 りく\n学年・組：1年3組\n保護者名：増田 恵美"
    assert {"増田 りく", "増田 恵美"} <= names(text)
    redacted = guard_text(text).redacted
    assert "りく" not in redacted and "恵美" not in redacted and "幸小学校" in redacted


def test_latin_letters_with_diacritics_fold_to_their_base_letter_one_to_one() -> None:
    f = fold("Trương Đức")
    assert f.text == "Truong Duc"
    assert f.span(0, 6) == (0, 6)
    decomposed = "Nguye\u0302\u0303n"  # e with combining marks
    g = fold(decomposed)
    assert g.text == "Nguyen" and g.span(0, len(g.text)) == (0, len(decomposed))
