"""Blind set dev21 (referral letters, case-conference minutes, forms, notices): the classes it showed,
pinned one by one."""

from __future__ import annotations

import pytest

from privacy.pii.analyzer import analyze
from privacy.pii.guard import guard_text
from tests.conftest_pii import found


@pytest.mark.parametrize("text", [
    "提出先：和泉市役所 子育て支援室（〒594-8501 和泉市府中町二丁目7番5号）",  # an office's address
    "第3号棟の耐震改修工事は令和8年度に予定されている",  # a building of no named place
    "令和元年5月1日の改元以降のデータは、和暦表記が混在しているので注意",
    "条例第12条に基づく審査会の答申（令和6年2月26日）を踏まえて運用を見直す",
    "厚生労働省子ども家庭局長通知（平成29年3月31日）を参照のこと",
    "誕生日が4月1日の子は前の学年になる（年齢計算ニ関スル法律）",  # a rule about birthdays
    "【仕様メモ】リスク判定条件は、教育側で点数化する。",
])
def test_clean(text: str) -> None:
    assert analyze(text) == [], [(f.type, text[f.start:f.end]) for f in analyze(text)]


@pytest.mark.parametrize("text,name", [
    ("紹介元：北野こども医院　担当医 吉澤", "吉澤"),
    ("家族構成：父 井上 隆（42）、継母 井上 さやか（29）、異母妹 ひなた（1歳）", "ひなた"),
    ("母子手帳の表紙：子の名前「りお」、保護者 坂口 千尋", "りお"),
    ("1歳6か月児健診：受診児 ゆずき（R6.4.3生）、未受診の兄 そうま（R3.1.25生）", "ゆずき"),
    ("Rina-chan's mother (Tomoko Ishikawa) prefers English.", "Rina"),
    ("【田中】欠席が続く", "田中"),
])
def test_names_after_roles_kinship_and_labels(text: str, name: str) -> None:
    assert name in found(text, "PERSON"), found(text, "PERSON")


def test_an_english_word_before_a_latin_name_in_brackets_is_no_reading() -> None:
    assert found("Rina-chan's mother (Tomoko Ishikawa) prefers English.", "PERSON") == ["Rina", "Tomoko Ishikawa"]


def test_a_town_where_a_grandmother_lives_is_masked() -> None:
    assert "信太山" not in guard_text("本児は信太山の母方祖母宅から通学している").redacted
