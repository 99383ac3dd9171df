"""Blind set dev25 (hotlines, event and record dates, IDs in absence lists, kanji phone numbers): the
classes it showed, pinned one by one."""

from __future__ import annotations

import pytest

from privacy.pii.analyzer import analyze
from tests.conftest_pii import found


@pytest.mark.parametrize("text", [
    # an event's date and a cohort boundary
    "東小学校と西小学校の合同研修は、令和7年11月7日に東小学校の図書室で実施します。",
    "2017/4/1生まれまでが3年生、4/2からは2年生です。",
    # a record's own dates
    "最終来室：2025/11/20、次回予定：2025/12/04",
    # hotline names that end in 110番
    "子どもの人権110番と子ども家庭110番の案内を掲示してください。",
    # public hotlines and an office's direct line
    "よりそいホットライン 0120-279-338、いのちの電話（大阪）06-6309-1121。",
    "和泉市 子育て支援室 家庭児童相談係　TEL：0725-99-8134（直通）",
    # historical figures and facility names in a row of quotes
    "総合学習で「織田信長と安土」「紫式部と源氏物語」「野口英世の生涯」を扱います。",
    "「ひまわり学童クラブ」「こども食堂 そら」「のぞみ児童館」の利用者数。",
    # a half-width katakana notice
    "ｼｽﾃﾑ ﾃﾝｹﾝ ﾉ ﾀﾒ 18:00ｶﾗ ﾃｲｼ ｼﾏｽ",
])
def test_clean(text: str) -> None:
    assert analyze(text) == [], [(f.type, text[f.start:f.end]) for f in analyze(text)]


def test_an_eight_digit_birth_date() -> None:
    assert found("生年月日：20170315（システム出力）", "DATE_OF_BIRTH") == ["20170315"]


def test_an_eight_digit_number_without_birth_words_is_no_date() -> None:
    assert found("受付番号：20170315", "DATE_OF_BIRTH") == []


def test_a_phone_number_in_kanji_digits_with_brackets() -> None:
    assert found("電話：〇七二五（四一）二二三三", "PHONE_NUMBER") == ["〇七二五（四一）二二三三"]


def test_a_spaced_my_number_labeled_bangou() -> None:
    assert found("申請書の番号1234 5678 9012って読めますか", "MY_NUMBER") == ["1234 5678 9012"]


def test_a_resident_number_after_atena_in_kana() -> None:
    assert found("あてな 0001234567 の子の件", "RESIDENT_NUMBER") == ["0001234567"]


def test_a_seat_number_after_a_dashed_class() -> None:
    assert found("3-2の14番の子、今日も欠席です", "STUDENT_NUMBER") == ["3-2の14番"]


@pytest.mark.parametrize(("text", "address"), [
    ("兄は信太山の母方祖母宅にいるらしい", "信太山"),
    ("まるやまCW: 幸2-10-1-305の件、訪問済み", "幸2-10-1-305"),
    ("前住所 兵庫県尼崎市塚口町3丁目18-2 塚口第3コーポ201、新住所は未定", "兵庫県尼崎市塚口町3丁目18-2 塚口第3コーポ201"),
    ("祖父宅（東京都練馬区光が丘2丁目）から通う", "東京都練馬区光が丘2丁目"),
])
def test_addresses(text: str, address: str) -> None:
    assert found(text, "ADDRESS") == [address]


def test_a_surname_that_is_also_a_town_stays_a_name() -> None:
    assert found("中野の祖母宅に預けている", "PERSON") == ["中野"]
