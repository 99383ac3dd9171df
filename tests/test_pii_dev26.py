"""Blind set dev26 (loose addresses, chat handles, ID codes before names, clean lines with place and company
names): the classes it showed, pinned one by one."""

from __future__ import annotations

import pytest

from privacy.pii.analyzer import analyze
from tests.conftest_pii import found


@pytest.mark.parametrize("text", [
    # a district after 大字 / 字 is a place, not a surname
    "大字内田・大字坪井の地区では、スクールバスの時刻が異なる。",
    "南部（大字坪井・大字内田）と北部（はつが野・いぶき野）に分けて配置する。",
    # surnames quoted as examples of a rule, single characters listed as characters
    "「田中」「山本」「中村」など同姓が多い学校では、生年月日も必ず確認する。",
    "外字（𠮷、髙、﨑など）は代替文字で登録する。",
    # a document's own date
    "起案文書（令和7年9月1日付 決裁）を回覧します。",
    # banks and companies named after families
    "三井住友銀行和泉支店と株式会社木下工務店が協賛しています。",
    # 要対協 (要保護児童対策地域協議会) in a table header
    "順位｜リスクスコア｜教育側スコア｜福祉側スコア｜主な理由（上位3件）｜要対協登録｜担当SSW",
    # @all in a chat is everyone, not a person
    "@all 来週の会議資料を共有フォルダに置きました。",
    # an office's romanized address
    "Izumi City Office, 2-7-5 Fuchu-cho, Izumi, Osaka",
])
def test_clean(text: str) -> None:
    assert analyze(text) == [], [(f.type, text[f.start:f.end]) for f in analyze(text)]


@pytest.mark.parametrize(("text", "address"), [
    # a building and its floor, no street address
    ("現在は駅前のグリーンハイツの3階に祖母と住んでいる。", "グリーンハイツの3階"),
    # a town named as where a home is, with spaces around it
    ("叔母宅は 伯太町 の公園の近く、とのこと。", "伯太町"),
    # a hiragana town in a pasted table cell
    ("氏名\t住所\n山田 花子\tいぶき野2-3-4\t", "いぶき野2-3-4"),
    # a romanized address (visa, residence card)
    ("Address: 1-2-3 Fuchu-cho, Izumi-shi", "1-2-3 Fuchu-cho, Izumi-shi"),
    # half-width kana: ward and town in katakana
    ("ｻﾄｳ ﾊﾅ,H27.5.1,ｲｽﾞﾐｸ ｱｵﾊﾞﾀﾞｲ 3-1-2", "ｲｽﾞﾐｸ ｱｵﾊﾞﾀﾞｲ 3-1-2"),
    # a town, its public housing, the wing and the room
    ("住所は 池上町の市営住宅2号棟の305 と本人談。", "池上町の市営住宅2号棟の305"),
    ("「光明台の府営住宅 5号棟」に住む家庭から相談。", "光明台の府営住宅 5号棟"),
    # a building after the room number
    ("松井 咲良\t2011/03/14\tいぶき野2丁目3番1-705 パークハウスいぶき野\t0725-56-0932",
     "いぶき野2丁目3番1-705 パークハウスいぶき野"),
])
def test_loose_addresses(text: str, address: str) -> None:
    assert found(text, "ADDRESS") == [address]


def test_a_floor_of_a_venue_is_no_home() -> None:
    assert found("府中団地集会所（3棟1階）で子育てサロンを開催します。", "ADDRESS") == []


@pytest.mark.parametrize(("text", "name"), [
    ("[t.yamada] 明日の家庭訪問は10時でいいですか？", "t.yamada"),
    ("yamada.t: 了解です。", "yamada.t"),
    ("@sato 母親への連絡は済みました。", "sato"),
    ("Memo: the mother Yumi will call back tomorrow.", "Yumi"),
])
def test_chat_handles_and_english_kin(text: str, name: str) -> None:
    assert name in found(text, "PERSON")


def test_a_speaker_before_the_time() -> None:
    text = "西田 9:58 今日の件です\n宮本 10:05 14時以降ならOKです"
    assert found(text, "PERSON") == ["西田", "宮本"]


def test_a_spaced_hiragana_name_before_an_honorific() -> None:
    assert "ひなた" in found("ひなた くん（4歳）は祖母宅に預けられている。", "PERSON")


def test_the_reading_cell_after_a_name_cell() -> None:
    assert found("中野 結月\tなかの ゆづき\tＨ２５．１０．８", "PERSON") == ["中野 結月", "なかの ゆづき"]


def test_a_spaced_reading_in_brackets_is_one_name() -> None:
    assert "ふくだ ひかる" in found("申請者：福田 光（ふくだ ひかる）　生年月日：1988年5月19日", "PERSON")


@pytest.mark.parametrize(("text", "number"), [
    ("保健室来室記録 10/2 2限　23-1-07 山本 陸　腹痛", "23-1-07"),
    ("欠席者一覧：240517 堀 蒼空 2-3 病欠", "240517"),
])
def test_a_number_before_a_childs_name_in_a_school_record(text: str, number: str) -> None:
    assert found(text, "STUDENT_NUMBER") == [number]


def test_a_number_before_a_name_outside_school_records_is_not_a_student_number() -> None:
    assert found("受付番号 240517 山田 太郎 様", "STUDENT_NUMBER") == []


def test_a_resident_number_in_an_exported_row() -> None:
    assert found("3048817205,2025-06-30,氏名+住所,子育て支援室", "RESIDENT_NUMBER") == ["3048817205"]


def test_an_apostrophe_year_birth_date() -> None:
    assert found("新田 来未（'14.2.9生）", "DATE_OF_BIRTH") == ["'14.2.9"]
