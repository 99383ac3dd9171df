"""Blind set dev18 (case-meeting minutes, LINE logs, readings in brackets, foreign names, clinics named
after a family, buildings after an address): the classes it showed, pinned one by one."""

from __future__ import annotations

import pytest

from privacy.pii.analyzer import analyze, get_analyzer


@pytest.fixture(scope="module", autouse=True)
def analyzer():
    return get_analyzer()


def names(text: str) -> set[str]:
    return {text[f.start:f.end] for f in analyze(text) if f.type == "PERSON"}


def addresses(text: str) -> list[str]:
    return [text[f.start:f.end] for f in analyze(text) if f.type == "ADDRESS"]


@pytest.mark.parametrize("text", [
    "鈴木こどもクリニックと山田小児科医院からの受診情報は対象外です",
    "松本整形外科の受診歴は連携対象外です",
    "高橋内科クリニックの紹介状は保健師が管理する",
    "出席者：教育委員会 指導主事、子ども家庭センター 保健師、学校 教頭",
    "10:00 会議開始: 議題は3件",
    "本児（小5）は欠席が続く",
    "母（実母）と同居",
    "本児（長男）の件",
    "Microsoft Teams（マイクロソフト・チームズ）で会議",
    "児童相談所（ジソウ）に連絡",
])
def test_clean(text: str) -> None:
    assert analyze(text) == [], [(f.type, text[f.start:f.end]) for f in analyze(text)]


@pytest.mark.parametrize("text,expected", [
    # a medical office's name is no person, but a doctor named after it is
    ("担当は内科の田中医師", {"田中"}),
    # an attendance list: the name after each role or office
    ("【ケース会議記録】出席：担任 中村、SSW 藤井、子ども家庭センター 西川\n対象児：松本 大和（小5）",
     {"中村", "藤井", "西川", "松本 大和"}),
    # the speakers of a pasted chat log
    ("[LINE]\n19:42 みゆき: 明日も休ませます。すみません\n19:45 担任 森田: 承知しました。お大事に", {"みゆき", "森田"}),
    # a nickname in brackets after 本児, a surname after 新姓の
    ("本児（りく）は登校時に母の同伴が必要", {"りく"}),
    ("母の旧姓は東（あずま）で、住基は新姓の中島になっている", {"東", "あずま", "中島"}),
    # a spaced name with a spaced reading, also for surnames no dictionary lists
    ("野々村 芽衣（ノノムラ メイ）、中3、進路未定", {"野々村 芽衣", "ノノムラ メイ"}),
    ("四月一日 萌（ワタヌキ モエ）さんの件、転入前の自治体に照会中", {"四月一日 萌", "ワタヌキ モエ"}),
    # readings with a middle dot, after kanji and after Latin letters
    ("父 王 偉（ワン・ウェイ）、母 李 静", {"王 偉", "ワン・ウェイ", "李 静"}),
    ("ベトナム語での連絡先：Tran Van Minh（チャン・ヴァン・ミン）", {"Tran Van Minh", "チャン・ヴァン・ミン"}),
    ("NGUYEN THI MAI（グエン・ティ・マイ）", {"NGUYEN THI MAI", "グエン・ティ・マイ"}),
])
def test_names(text: str, expected: set[str]) -> None:
    assert names(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("堺市南区茶山台一丁目二番三号 茶山台団地十四棟四〇五号室", "堺市南区茶山台一丁目二番三号 茶山台団地十四棟四〇五号室"),
    ("〒594-1105\n和泉市のぞみ野2丁目3番15号\nのぞみ野ハイツ201\n長男 荒木 航", "和泉市のぞみ野2丁目3番15号\nのぞみ野ハイツ201"),
])
def test_building_after_an_address_is_one_mask(text: str, expected: str) -> None:
    assert addresses(text) == [expected]
