"""Unit cases for Tsunagu's Japanese recognizers (through the full analyzer)."""

from __future__ import annotations

import pytest

from privacy.pii.analyzer import Finding, analyze, get_analyzer, resolve_overlaps
from privacy.pii.check_digits import (
    is_valid_corporate_number,
    is_valid_my_number,
    my_number_check_digit,
)
from privacy.pii.id_formats import ResidentNumberFormat, StudentNumberFormat
from privacy.pii.recognizers import ResidentNumberRecognizer, StudentNumberRecognizer
from privacy.pii.text_utils import kanji_to_int, normalize


@pytest.fixture(scope="session", autouse=True)
def analyzer():
    return get_analyzer()


def spans(text: str) -> list[tuple[str, str]]:
    return [(f.type, text[f.start:f.end]) for f in analyze(text)]


def types(text: str) -> set[str]:
    return {f.type for f in analyze(text)}


def with_check_digit(first11: str) -> str:
    return first11 + str(my_number_check_digit(first11))


# --- check digits -------------------------------------------------------------------------------

def test_my_number_check_digit_known_value():
    # weights 6,5,4,3,2,7,6,5,4,3,2 -> sum 212, 212 % 11 = 3, check = 11 - 3 = 8
    assert my_number_check_digit("12345678901") == 8
    assert is_valid_my_number("123456789018")
    assert not is_valid_my_number("123456789017")


def test_my_number_check_digit_remainder_0_or_1_gives_0():
    assert my_number_check_digit("00000000000") == 0  # remainder 0
    # 1*2 = 2 ... find an input with remainder 1: digit 6 in the 5th weight-2 place -> 6*2=12 % 11=1
    assert my_number_check_digit("00000000006") == 0


def test_corporate_number_check_digit():
    # 国税庁's own 法人番号
    assert is_valid_corporate_number("7000012050002")
    assert not is_valid_corporate_number("8000012050002")


# --- マイナンバー --------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["{a}{b}{c}", "{a} {b} {c}", "{a}-{b}-{c}", "{a}　{b}　{c}"])
def test_my_number_formats(fmt):
    n = with_check_digit("40289177341")
    value = fmt.format(a=n[:4], b=n[4:8], c=n[8:])
    assert ("MY_NUMBER", value) in spans(f"マイナンバーは{value}です")


def test_my_number_full_width_digits():
    n = with_check_digit("90123456781")
    fw = n.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert ("MY_NUMBER", fw) in spans(f"個人番号 {fw}")


def test_my_number_wrong_check_digit_is_not_my_number():
    n = with_check_digit("40289177341")
    wrong = n[:11] + str((int(n[11]) + 1) % 10)
    assert "MY_NUMBER" not in types(f"番号 {wrong} を確認")


def test_mistyped_my_number_counts_only_when_labeled():
    n = with_check_digit("40289177341")
    wrong = n[:11] + str((int(n[11]) + 1) % 10)
    assert [f.type for f in analyze(f"マイナンバー {wrong}")] == ["MY_NUMBER"]
    assert analyze(f"受付 {wrong}") == []


def test_corporate_number_is_not_personal():
    assert analyze("法人番号7000012050002の事業所は対象外") == []
    # 13 digits never match the 12-digit pattern, even without the word 法人番号
    assert "MY_NUMBER" not in types("事業所 7000012050002")


# --- phone numbers -------------------------------------------------------------------------------

@pytest.mark.parametrize("phone", [
    "090-1234-5678", "09012345678", "080 1234 5678", "0725-41-1234", "0725(41)1234",
    "(0725)41-1234", "06-6123-4567", "０９０－１２３４－５６７８", "070ー1234ー5678",
])
def test_phone_numbers(phone):
    assert ("PHONE_NUMBER", phone) in spans(f"母の連絡先は{phone}です")


def test_invalid_phone_is_not_flagged():
    assert "PHONE_NUMBER" not in types("コード 1234-5678-9999 を入力")


# --- postal codes ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text,value", [
    ("〒594-0071 和泉市府中町", "〒594-0071"),
    ("〒5940071", "〒5940071"),
    ("郵便番号 594-0071", "594-0071"),
    ("594-0071 大阪府和泉市府中町1-2-3", "594-0071"),
])
def test_postal_codes(text, value):
    assert ("POSTAL_CODE", value) in spans(text)


def test_bare_seven_digits_without_context_are_not_postal():
    assert "POSTAL_CODE" not in types("受付番号 123-4567 の件")


# --- addresses --------------------------------------------------------------------------------------

@pytest.mark.parametrize("address", [
    "大阪府和泉市府中町一丁目2番3号",
    "和泉市伯太町2丁目5-10",
    "府中町1-2-3",
    "いぶき野三丁目十二番五号",
    "堺市堺区南瓦町3番1号",
    "和泉市池上町123番地の4",
    "東京都世田谷区三軒茶屋２丁目１１番２２号",
])
def test_addresses(address):
    found = [v for t, v in spans(f"住所は{address}です") if t == "ADDRESS"]
    assert found and address.endswith(found[0][-3:]) and found[0][:2] in address


def test_address_includes_building_and_room():
    text = "和泉市府中町1-2-3 コーポ府中201号室に転居"
    assert ("ADDRESS", "和泉市府中町1-2-3 コーポ府中201号室") in spans(text)


@pytest.mark.parametrize("text", [
    "和泉市在住の0歳から18歳の子ども", "児童福祉法第25条の3に基づく", "欠席30日以上かつ10点",
    "1年2組の欠席状況", "府中町在住の世帯は別枠", "個人情報保護法第69条第2項第3号",
])
def test_not_addresses(text):
    assert "ADDRESS" not in types(text)


# --- dates ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,value", [
    ("令和2年5月1日生まれ", "令和2年5月1日"),
    ("H28.7.21生の子", "H28.7.21"),
    ("2017/02/14生", "2017/02/14"),
    ("平成30年4月1日生まれ", "平成30年4月1日"),
    ("平成三十年四月一日生まれ", "平成三十年四月一日"),
    ("令和元年5月1日に一時保護", "令和元年5月1日"),
    ("生年月日 Ｈ２８．７．２１", "Ｈ２８．７．２１"),
    ("R2/5/1生の弟", "R2/5/1"),
    ("2015年 3月 9日生", "2015年 3月 9日"),
    ("平成28年7月生まれ", "平成28年7月"),
    ("7月21日生まれの子", "7月21日"),
    ("母から2024/5/1に電話", "2024/5/1"),
])
def test_personal_dates(text, value):
    assert ("DATE_OF_BIRTH", value) in spans(text)


@pytest.mark.parametrize("text", [
    "4月1日時点で3歳未満の子", "月5日以上の遅刻", "過去1年間に転居3回以上", "3歳未満の子がいる世帯",
    "令和6年4月1日時点で18歳未満", "令和6年4月1日以降に転入した世帯", "令和6年度の健診未受診",
    "抽出基準日: 令和6年10月1日", "2024/4/1から2025/3/31まで", "平成27年法律第65号",
    "毎月1日に更新", "4月から6月の欠席日数", "2017/13/45生", "H28.13生",
])
def test_criteria_dates_are_not_personal(text):
    assert analyze(text) == []


# --- names ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,value", [
    ("山田太郎くんのように", "山田太郎"),
    ("山田 太郎さん", "山田 太郎"),
    ("鈴木花子ちゃん", "鈴木花子"),
    ("佐藤様から電話", "佐藤"),
    ("高橋先生から連絡", "高橋"),
    ("たなかゆうとくんは保健室によく来る", "たなかゆうと"),
    ("ヤマダ ハナコさん", "ヤマダ ハナコ"),
    ("担当は渡辺。", "渡辺"),
    ("SSWが比嘉碧さんと面談", "比嘉碧"),
])
def test_names(text, value):
    assert ("PERSON", value) in spans(text)


@pytest.mark.parametrize("text", [
    "担任の先生とお母さんが面談", "民生委員さんからの情報", "スクールソーシャルワーカーさんに確認",
    "ヘルパーさんやケアマネさんの関与", "田中小学校をモデル校にする", "生活保護と保健室と要対協",
    "校長先生に報告", "お子さんの様子",
])
def test_not_names(text):
    assert "PERSON" not in types(text)


# --- 宛名番号・学籍番号 (configurable) ------------------------------------------------------------

def test_resident_number_with_context():
    assert ("RESIDENT_NUMBER", "0001234567") in spans("宛名番号0001234567の世帯")
    assert ("RESIDENT_NUMBER", "123456789012345") in spans("住民番号: 123456789012345")


def test_bare_resident_number_needs_context():
    assert "RESIDENT_NUMBER" not in types("件数 1234567890 件")  # not a real sentence, no context
    found = analyze("1234567890", context=["宛名番号"])
    assert [f.type for f in found] == ["RESIDENT_NUMBER"]


def test_student_numbers():
    assert ("STUDENT_NUMBER", "S-2023-0012") in spans("学籍番号S-2023-0012の生徒")
    assert ("STUDENT_NUMBER", "S-2023-0012") in spans("S-2023-0012 は欠席が多い")
    assert ("STUDENT_NUMBER", "20230456") in spans("生徒番号 20230456")
    assert "STUDENT_NUMBER" not in types("コード 20230456 を入力")


def test_id_formats_are_configurable():
    resident = ResidentNumberRecognizer(ResidentNumberFormat((8,), ("宛名番号",)))
    found = resident.analyze("宛名番号12345678の世帯", ["RESIDENT_NUMBER"])
    assert [(r.start, r.end) for r in found] == [(4, 12)]
    assert resident.analyze("宛名番号0001234567の世帯", ["RESIDENT_NUMBER"]) == []
    student = StudentNumberRecognizer(StudentNumberFormat((r"G\d{6}",), (), ("学籍番号",)))
    assert len(student.analyze("学籍番号G123456", ["STUDENT_NUMBER"])) == 1
    assert student.analyze("学籍番号S-2023-0012", ["STUDENT_NUMBER"]) == []


# --- e-mail -------------------------------------------------------------------------------------

def test_email():
    assert ("EMAIL_ADDRESS", "taro.yamada@example.jp") in spans("連絡先 taro.yamada@example.jpまで")


# --- items and criteria that are not PII -------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "欠席30日以上かつ就学援助受給の児童", "児童福祉法第25条の3に基づく情報提供", "生活保護受給世帯は10点",
    "保健室利用が月5回以上", "要対協登録中の児童は除外", "EPDS9点以上の母親がいる世帯",
    "仮名ID 9f86d081884c7d659a2feaeb5a4e1a3d6f0c1b2e3a4d5c6b7a8f9e0d1c2b3a4f の重複を確認",
])
def test_criteria_have_no_pii(text):
    assert analyze(text) == []


# --- helpers ------------------------------------------------------------------------------------

def test_kanji_numerals_and_normalize():
    assert kanji_to_int("二十八") == 28
    assert kanji_to_int("十") == 10
    assert kanji_to_int("元") == 1
    assert kanji_to_int("２８") == 28
    assert normalize("０９０ー１２３４") == "090-1234"


def test_resolve_overlaps_keeps_best():
    kept = resolve_overlaps([Finding("A", 0, 5, 0.6), Finding("B", 2, 8, 0.9), Finding("C", 9, 10, 0.5)])
    assert [f.type for f in kept] == ["B", "C"]


# --- names in context, beyond honorifics -------------------------------------------------------

@pytest.mark.parametrize("text,value", [
    ("吉田家の長男が最近登校していない", "吉田"),
    ("林宅を訪問したが不在", "林"),
    ("林の母から学校に電話があった", "林"),
    ("担当:小鳥遊(子育て支援室)", "小鳥遊"),
    ("父 イトウ カナ(1990年3月2日生)は無職", "イトウ カナ"),
    ("和泉市和気町四丁目5-16 ナカムラ　ヒロシ 方", "ナカムラ　ヒロシ"),
    ("平成25年6月30日生 菊地 蒼空", "菊地 蒼空"),
    ("Nguyenさん一家が転入", "Nguyen"),
    ("SSWがいのうえめいくんと面談", "いのうえめい"),
    ("そうたちゃんが泣いて登校をしぶる", "そうた"),
    ("中野SSWへ引継ぎ", "中野"),
    ("弟の翼も不登校", "翼"),
    ("はるとくんとゆうとくん", "ゆうと"),
    ("今日はゆいちゃんが来た", "ゆい"),
    ("双子、湊と陸の健診がまだ", "陸"),
    ("母親は千葉姓に戻った", "千葉"),
])
def test_names_in_context(text, value):
    assert ("PERSON", value) in spans(text)


@pytest.mark.parametrize("text", [
    "保健師さんの訪問記録から抽出", "赤ちゃんがいる家庭", "妊婦さんの面談記録", "おばあちゃんと二人暮らし",
    "林の中で遊ぶ", "SSWさんに相談", "宛名番号が空欄のデータは名寄せできない", "スクール カウンセラー、",
    "佐藤病院の小児科と連携", "お子さんの様子", "実家に帰省", "母子家庭の子", "弟の保育園",
    "兄の体調が悪い", "子どものさまざまな困難", "子どもがちゃんと朝ごはんを食べているか",
    "お世話さまです", "ご主人様", "たくさんの相談",
])
def test_not_names_in_context(text):
    assert "PERSON" not in types(text)


def test_era_with_dots_and_international_phone():
    assert ("DATE_OF_BIRTH", "令和1.2.3") in spans("弟(令和1.2.3)は保育園に通っていない")
    assert ("DATE_OF_BIRTH", "平成２８．５．２７") in spans("平成２８．５．２７生まれ")
    assert ("PHONE_NUMBER", "+81-90-1234-5678") in spans("携帯 +81-90-1234-5678")


@pytest.mark.parametrize("text", [
    "和泉市役所 代表 0725-41-1551 に問い合わせ", "相談窓口フリーダイヤル 0120-123-456",
    "電話 03-1234-5678 (市役所)", "0725-41-1551(子育て支援室)",
])
def test_office_and_free_dial_numbers_are_not_personal(text):
    assert analyze(text) == []


def test_analyzer_is_built_once():
    assert get_analyzer() is get_analyzer()


@pytest.mark.parametrize("text", ["和泉市子ども未来室", "佐藤という名字の子が多い学年", "和泉府中駅周辺の見守り"])
def test_place_and_word_mentions_are_not_names(text):
    assert "PERSON" not in types(text)


def test_analyze_many_matches_analyze():
    from privacy.pii.analyzer import analyze_many

    texts = ["山田太郎くん(H27.4.3生)", "", "欠席30日以上", "宛名番号 0001234567"]
    assert analyze_many(texts) == [analyze(t) for t in texts]
    assert analyze_many(["1234567890"], context=["宛名番号"])[0][0].type == "RESIDENT_NUMBER"


def test_phone_in_parentheses_excludes_the_parenthesis():
    text = "松本 由美さんに電話連絡 (090-1234-5678)。迎えを依頼。"
    assert spans(text) == [("PERSON", "松本 由美"), ("PHONE_NUMBER", "090-1234-5678")]
