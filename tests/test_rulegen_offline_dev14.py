"""Readings added in session 10 from the blind dev13 and dev14 sets: 要綱-style lists (ア イ ウ, 一 二, 次の各号,
the children a list is about), one 滞納 said of two things owed, two codes of one item that must each hold,
のうち before a code, polite meeting-style requests, kana and kanji numerals, 繰り返し after a number."""

from __future__ import annotations

import pytest

from tests.conftest_rulegen import drafted, top_items


def test_a_list_with_katakana_markers_about_preschool_children(parser) -> None:
    rule = drafted(parser, "次のいずれかに該当する未就学児 ア 乳幼児健診の未受診歴がある イ 予防接種の未接種が2件以上 ウ 乳児家庭全戸訪問で面会できなかった")
    assert [p["item"] for p in rule["condition"]["any"]] == ["health.checkup_missed", "health.vaccination_missed", "health.home_visit_unmet"]
    assert rule["population"] == {"school_stages": ["preschool"]}


def test_a_list_with_kanji_item_numbers(parser) -> None:
    rule = drafted(parser, "次の各号のいずれにも該当する児童とする。一 ひとり親世帯であること 二 住民税非課税世帯であること")
    assert top_items(rule["condition"]) == [("resident.single_parent", False), ("tax.resident_tax_exempt", False)]


def test_a_list_about_the_children_of_households(parser) -> None:
    rule = drafted(parser, "次のいずれかに該当する世帯の児童 (1)生活保護受給世帯 (2)児童扶養手当受給世帯 (3)住民税非課税世帯")
    assert "any" in rule["condition"] and len(rule["condition"]["any"]) == 3


@pytest.mark.parametrize(("text", "join"), [
    ("市税も国保も両方滞納してる世帯の子ども", "all"),
    ("給食費と国保のどちらかを滞納している世帯", "any"),
])
def test_one_arrears_word_said_of_two_things_owed(parser, text, join) -> None:
    cond = drafted(parser, text)["condition"]
    assert list(cond) == [join] and len(cond[join]) == 2


def test_two_codes_that_must_each_hold(parser) -> None:
    cond = drafted(parser, "4か月児健診と1歳6か月児健診のどちらも受けていない")["condition"]
    assert [p["aggregate"]["value_filter"] for p in cond["all"]] == [{"op": "=", "value": "04M"}, {"op": "=", "value": "18M"}]
    either = drafted(parser, "4か月児健診と1歳6か月児健診のどちらかを受けていない")["condition"]
    assert either["aggregate"]["value_filter"] == {"op": "in", "value": ["04M", "18M"]}


def test_a_code_after_noutchi_with_a_window(parser) -> None:
    cond = drafted(parser, "保健室来室のうち「身体のあざ・傷の確認」が直近半年で１回でもあった")["condition"]
    assert cond == {"item": "school.nurse_visits", "op": ">=", "value": 1,
                    "aggregate": {"fn": "count", "window_months": 6, "value_filter": {"op": "=", "value": "4"}}}


def test_a_kind_said_with_nokotode(parser) -> None:
    cond = drafted(parser, "過去に不登校のことで教育相談を受けたことがある子")["condition"]
    assert cond["aggregate"]["value_filter"] == {"op": "=", "value": "1"}


@pytest.mark.parametrize("text", [
    "・生活保護受給世帯、または児童扶養手当受給世帯のお子さんを優先して確認したいと考えております。",
    "お疲れ様です。次回会議資料の件ですが、ひとり親世帯で、かつ市税または国保料の滞納がある世帯については加点としたいです。",
    "要介護認定を受けている方と同居している中学生については、ヤングケアラーの観点から５点加点としたいと思います。",
    "児童手当の現況届が出ていないご家庭の未就学のお子さんについては、所在確認の観点から抽出をお願いします。",
])
def test_polite_requests_of_a_meeting(parser, text) -> None:
    assert drafted(parser, text)


def test_numbers_and_comparisons_in_kana_and_kanji(parser) -> None:
    assert drafted(parser, "直近３ヶ月で遅刻が１０日いじょうの中学生")["condition"]["op"] == ">="
    cond = drafted(parser, "こども園に在籍していて、昨年度の園の欠席日数が合計で百日以上")["condition"]
    assert cond["all"][1]["value"] == 100
    assert {"item": "school.grade", "op": "=", "value": 9} in drafted(parser, "中学三年生で、R7年度の欠席が30日以上")["condition"]["all"]


def test_repeated_after_a_number_adds_nothing(parser) -> None:
    cond = drafted(parser, "この１年間に市内転居を３回以上くりかえしている")["condition"]
    assert cond["value"] == 3 and cond["aggregate"]["window_months"] == 12
    assert drafted(parser, "直近1年で転居を繰り返している")["condition"]["value"] == 2


def test_not_in_a_nursery_with_consecutive_ages(parser) -> None:
    rule = drafted(parser, "４歳・５歳で保育所等に在籍していない（未就園児）")
    assert rule["condition"] == {"not": {"item": "nursery.enrolled", "op": "=", "value": True}}
    assert rule["population"] == {"age_min": 4, "age_max": 5}


def test_yotaikyo_words(parser) -> None:
    assert top_items(drafted(parser, "DV相談の記録がある世帯の子どもで、要対協には未登録のもの")["condition"])[1] == ("child.yotaikyo_registered", True)
    assert drafted(parser, "要対協の進行管理中のケースを確認用にリストアップ")["condition"]["item"] == "child.yotaikyo_registered"
    assert top_items(drafted(parser, "過去に一時保護されたことがある子で、現在は要対協に登録されていないケース")["condition"])[1] == (
        "child.yotaikyo_registered", True)


def test_psychological_abuse_including_domestic_violence_witnessed(parser) -> None:
    cond = drafted(parser, "今年度、心理的虐待（面前DV含む）で通告があった子")["condition"]
    assert cond["item"] == "child.abuse_reports" and cond["aggregate"]["value_filter"] == {"op": "=", "value": "2"}


def test_moved_in_less_than_a_year_ago(parser) -> None:
    cond = drafted(parser, "転入してきて1年たっていない世帯で、乳幼児健診の未受診がある子")["condition"]
    assert cond["all"][0]["aggregate"] == {"fn": "exists", "window_months": 12, "value_filter": {"op": "=", "value": "11"}}


def test_children_other_than_preschool(parser) -> None:
    rule = drafted(parser, "虐待通告歴のある子で、未就学児以外")
    assert rule["population"] == {"school_stages": ["elementary", "junior_high", "high_school", "other"]}


def test_an_exclusion_said_first(parser) -> None:
    cond = drafted(parser, "要対協登録ケースは除いたうえで、SSWが支援している児童のうち、今年度に家庭環境に関する教育相談があったものを優先して確認したいです。")["condition"]
    assert top_items(cond)[0] == ("child.yotaikyo_registered", True)


def test_children_of_a_household_counting_the_child(parser) -> None:
    assert drafted(parser, "・子どもが３人以上いる世帯（本人を含めて）は２点加点")["condition"] == {
        "item": "resident.siblings", "op": ">=", "value": 2}
