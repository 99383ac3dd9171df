"""Blind set dev24 (forms, office contact blocks, criteria dates, era dates): the classes it showed,
pinned one by one."""

from __future__ import annotations

import pytest

from privacy.pii.analyzer import analyze
from tests.conftest_pii import found


@pytest.mark.parametrize("text", [
    # an office's contact block: its name on the line above, or in the cell before
    "和泉市立緑ヶ丘小学校 事務室\n〒594-0013 和泉市鶴山台2丁目1番1号\nTEL 0725-44-0210　FAX 0725-44-0211\nmidorigaoka-es@izumi.ed.jp",
    "豊中市 はぐくみセンター こども安心課\n〒561-0881 豊中市中桜塚3丁目1番1号\n電話 06-6858-2800（代表）",
    "さくら小児科クリニック 受付\nTEL 0725-46-8800（診療時間内）",
    "|提出先|和泉市役所 子育て支援室|〒594-8501 和泉市府中町二丁目7番5号|TEL 0725-41-1551（代表）|",
    "〒594-8599 和泉市役所 子育て支援室 宛てで送付してください",
    # criteria and record dates
    "申請区分 | 新規 | 受付日 | R8.1.9 |",
    "| No. | 受診者 | 受診日 |\n| A | （黒塗り） | R7.11.5 |",
    "【家庭訪問記録】令和8年1月28日、保健師と家庭児童相談員の2名で訪問。",
    "現況届の提出期限はR8/6/30です。",
    "出生年別の内訳：H27生 612人、H28生 598人、H29生 577人。",
    "和暦変換：H31.4.30の翌日がR1.5.1。",
])
def test_clean(text: str) -> None:
    assert analyze(text) == [], [(f.type, text[f.start:f.end]) for f in analyze(text)]


@pytest.mark.parametrize("text", [
    "山田花子様\n〒594-0013 和泉市鶴山台2丁目1番1号\nTEL 0725-44-0210",
    "緊急連絡先（自宅）\n〒594-0013 和泉市鶴山台2丁目1番1号\nTEL 0725-44-0210",
])
def test_a_persons_contact_block_is_still_personal(text: str) -> None:
    kinds = {f.type for f in analyze(text)}
    assert {"POSTAL_CODE", "ADDRESS", "PHONE_NUMBER"} <= kinds


def test_a_birth_date_column_next_to_a_record_date_column() -> None:
    text = "| No. | 氏名 | 生年月日 | 受診日 |\n| 1 | 山田 | H27.4.1 | R7.11.5 |"
    assert found(text, "DATE_OF_BIRTH") == ["H27.4.1"]


def test_a_birth_year_of_one_person_is_still_a_date() -> None:
    assert found("長男はH27生まれ、次男はH30生まれ", "DATE_OF_BIRTH") == ["H27", "H30"]


def test_a_delivery_date_is_a_birth_date() -> None:
    assert found("母 村上 沙織 S63.11.20生　出産日：R7.10.14", "DATE_OF_BIRTH") == ["S63.11.20", "R7.10.14"]


def test_era_dates_with_the_eras_first_kanji_and_spaced_parts() -> None:
    assert found("本児 辻優奈（平27.9.16）、母 辻直子（昭55.1.30）", "DATE_OF_BIRTH") == ["平27.9.16", "昭55.1.30"]
    assert found("生年月日|H27. 4. 1|", "DATE_OF_BIRTH") == ["H27. 4. 1"]


def test_a_staff_members_own_mailbox_in_an_office_block_is_still_personal() -> None:
    text = "和泉市立光明台中学校 事務室\nm.yasuda@komyodai-jh.example.ed.jp"
    assert found(text, "EMAIL_ADDRESS") == ["m.yasuda@komyodai-jh.example.ed.jp"]


@pytest.mark.parametrize("text", [
    # an OCR'd form with a space between every character: a common word or a word and its particle is no name
    "※ 太 枠 内 を 記 入 し て く だ さ い 。",
    "| 不 登 校 | 欠 席 ３ ０ 日 以 上 | ３ |",
    # hiragana town names ending in 野
    "はつが野・あゆみ野・いぶき野の3地区を重点地区とする",
])
def test_spaced_words_and_hiragana_towns_are_no_names(text: str) -> None:
    assert found(text, "PERSON") == []


def test_a_spaced_surname_and_a_hiragana_given_name_stay_names() -> None:
    assert "高 橋" in found("児 童 氏 名 ： 高 橋  蓮", "PERSON")
    assert found("あゆみちゃんが来た", "PERSON") == ["あゆみ"]
