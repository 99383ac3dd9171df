"""Pins from dev sets 18 and 19 (blind: 指導主事 letters to the vendor, 計画書 sentences, やさしい日本語 and
hiragana notes, voice memos, bullet lists with one condition a line)."""

from __future__ import annotations

import pytest

from tests.conftest_rulegen import condition, drafted, leaves


def test_a_kind_left_out_in_a_later_note_is_left_out_of_the_count(parser) -> None:
    cond = condition(parser, "転居回数（過去2年）：3回以上　※転入は除く")
    assert cond["aggregate"]["value_filter"] == {"op": "=", "value": "12"}
    assert "not" not in cond


def test_each_bullet_line_keeps_its_own_number_and_period(parser) -> None:
    # a label and its value on each bullet line: the first line's period is not the second's, which is asked
    r = parser.parse("・いじめ認知：過去1年に1件以上\n・教育相談（いじめ）：あり")
    assert r.rule is None and any("教育相談" in q and "期間" in q for q in r.questions), r.questions
    cond = condition(parser, "・いじめ認知：過去1年に1件以上\n・教育相談（いじめ）：過去に1回以上")
    by_item = {leaf["item"]: leaf for leaf in leaves(cond)}
    assert (by_item["school.bullying_reports"]["op"], by_item["school.bullying_reports"]["value"]) == (">=", 1)
    assert by_item["school.bullying_reports"]["aggregate"]["window_months"] == 12
    assert by_item["school.education_consultations"]["aggregate"].get("whole_record") is True
    cond = condition(parser, "欠席日数（昨年度）30日超\n遅刻日数（昨年度）10日以上\nいずれか該当")
    by_item = {leaf["item"]: (leaf["op"], leaf["value"]) for leaf in leaves(cond)}
    assert by_item == {"school.absence_days": (">", 30), "school.late_days": (">=", 10)}


def test_an_amount_stays_in_its_own_sentence(parser) -> None:
    cond = condition(parser, "欠席日数（昨年度）30日超。遅刻日数（昨年度）10日以上。いずれか該当")
    assert {leaf["item"]: leaf["value"] for leaf in leaves(cond)} == {"school.absence_days": 30, "school.late_days": 10}
    # 同じ3か月 still carries the window across the sentence
    cond = condition(parser, "直近３か月で遅刻１５日以上。ただし同じ３か月の欠席は５日未満の子に限る")
    assert [leaf["aggregate"]["window_months"] for leaf in leaves(cond)] == [3, 3]


def test_every_kind_included_is_no_kind_picked(parser) -> None:
    cond = condition(parser, "種別は不明・その他も含めて、過去6か月以内に虐待通告が1件以上ある子")
    assert cond["item"] == "child.abuse_reports" and "value_filter" not in cond["aggregate"]


def test_records_named_first_then_their_kind_are_one_condition(parser) -> None:
    cond = condition(parser, "こども家庭センターで受けた家庭児童相談のうち、過去2年以内に養護相談（虐待）の受付が1回以上ある児童")
    assert cond["item"] == "child.consultations" and cond["aggregate"]["value_filter"] == {"op": "=", "value": "11"}
    # a kind left out after のうち keeps the records it is taken from
    cond = condition(parser, "保健室来室のうち、体調不良とけが以外の理由のものが直近3か月に3回以上")
    assert cond["item"] == "school.nurse_visits" and cond["aggregate"]["value_filter"]["op"] == "not_in"


def test_the_full_name_of_yotaikyo_with_reki_is_the_past_registration(parser) -> None:
    cond = condition(parser, "要保護児童対策地域協議会への登録歴を有し、かつ、直近一年以内に虐待通告を受けた児童を対象と考えております。")
    assert [leaf["item"] for leaf in leaves(cond)] == ["child.yotaikyo_past", "child.abuse_reports"]
    assert condition(parser, "確認用に、要対協に現在登録中の子だけを出す条件")["item"] == "child.yotaikyo_registered"


@pytest.mark.parametrize(("text", "item", "value"), [
    ("令和七年度における欠席日数が九十日以上であった中学生を対象とする。", "school.absence_days", 90),
    ("直近3か月の遅刻日数二十日以上の小学生", "school.late_days", 20),
    ("本市においては、生活保護受給世帯の児童生徒のうち、過去一年間の欠席日数が三十日以上の者を重点的な見守りの対象とする。",
     "school.absence_days", 30),
    ("御社システムにおいて、直近6か月の欠席日数の合計が20日以上である小中学生を抽出できるよう設定をお願いいたします。",
     "school.absence_days", 20),
])
def test_kanji_numerals_and_formal_phrasing(parser, text, item, value) -> None:
    leaf = next(leaf for leaf in leaves(condition(parser, text)) if leaf["item"] == item)
    assert leaf["value"] == value


@pytest.mark.parametrize(("text", "items"), [
    ("がいこくせきの こどもで、がっこうを やすんだ 日が 3か月で 15日 いじょう ある 子", {"resident.foreign_nationality", "school.absence_days"}),
    ("せいほ じゅきゅうせたいで、ねんかん30にち いじょう けっせきしている こ", {"welfare.public_assistance", "school.absence_days"}),
    ("いじめにんち 2けん いじょう（かこ1ねん）", {"school.bullying_reports"}),
])
def test_words_in_hiragana(parser, text, items) -> None:
    assert {leaf["item"] for leaf in leaves(condition(parser, text))} == items


def test_a_verb_ending_in_hiragana_inside_a_word_is_no_kana_word() -> None:
    from rulegen.offline.tokens import normalize

    assert normalize("様子を見せたい") == "様子を見せたい"
    assert normalize("ひとりおやの かていで") == "ひとり親の家庭で"


@pytest.mark.parametrize(("text", "stages"), [
    ("きょうだいが３人以上いる　ひとり親　小学生以下", ["preschool", "elementary"]),
    ("短期証 or 国保滞納の世帯で、中学生以下", ["preschool", "elementary", "junior_high"]),
    ("家族5人以上　非課税　小中", ["elementary", "junior_high"]),
    ("児童手当が差し止めになっているおうちの、まだ学校に上がっていないお子さん", ["preschool"]),
    ("えーと　生保世帯　で　小学生　欠席　直近３ヶ月　１０日以上、", ["elementary"]),
])
def test_stages_said_in_passing(parser, text, stages) -> None:
    assert drafted(parser, text)["population"]["school_stages"] == stages
