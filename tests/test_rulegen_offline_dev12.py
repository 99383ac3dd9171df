"""Readings added in session 10 from the blind dev12 and dev13 sets: remarks after the criterion (a reason,
a ※ note, a later sentence), a word defined in brackets by items joined with "or", exclusions of a list,
grade ranges across schools, 高学年 as 5・6年生 with the two-band reading one click away, the age of the
person whose child is meant, two kinds of one item each with its own number. Words that change the meaning
stay asked."""

from __future__ import annotations

from typing import Any

import pytest

from rulegen.offline.parser import OfflineParser
from tests.conftest_rulegen import condition, top_items

THIS_FY = {"start": "2026-04-01", "end": "2027-03-31"}


def _parse(parser: OfflineParser, text: str) -> Any:
    r = parser.parse(text)
    assert r.rule is not None, (r.questions, r.problems)
    return r


@pytest.mark.parametrize("text", [
    "保健室にあざや傷の確認で来たことがある子は要注意なので抽出してください",  # a reason in passing
    "保健室にあざや傷の確認で来たことがある子。家の事情がありそうなので見たい",  # a remark in a later sentence
])
def test_a_remark_around_the_criterion_is_left_out_and_said(parser, text) -> None:
    r = _parse(parser, text)
    assert r.rule["condition"] == {"item": "school.nurse_visits", "op": "=", "value": True,
                                   "aggregate": {"fn": "exists", "whole_record": True, "value_filter": {"op": "=", "value": "4"}}}
    if "要注意" in text:
        assert any("「要注意」は状況の説明として読み" in n for n in r.notes)


def test_a_note_after_a_mark_is_left_out(parser) -> None:
    cond = condition(parser, "要介護認定者同居 & 欠席（直近１２か月）２０日以上　※YC疑い")
    assert cond == {"all": [
        {"item": "care.household_ltc_certified", "op": "=", "value": True},
        {"item": "school.absence_days", "op": ">=", "value": 20, "aggregate": {"fn": "sum", "window_months": 12}},
    ]}


def test_a_guess_in_brackets_with_a_negation_is_left_out(parser) -> None:
    cond = condition(parser, "就学援助なしで給食費滞納あり（援助につながっていない可能性）")
    assert top_items(cond) == [("school.school_aid", True), ("school.lunch_fee_arrears_months", False)]


def test_a_remark_with_a_word_of_another_item_is_asked_not_dropped(parser) -> None:
    assert parser.parse("直近半年の欠席が20日以上の中学生。保険室が心配で").rule is None
    # 「欠席」 names an item the rule does not use: never left out as a remark
    r = parser.parse("生活保護世帯の中学生。欠席が多いのが気になるので見たい")
    assert r.rule is None or "school.absence_days" in str(r.rule["condition"])


def test_a_vague_word_defined_in_brackets_keeps_its_period(parser) -> None:
    cond = condition(parser, "保育園に入っているのに、ここ3か月ずっと休みがち（毎月10日以上休み）の子")
    assert cond["all"][1] == {"item": "nursery.absence_days", "op": ">=", "value": 3,
                              "aggregate": {"fn": "count", "window_months": 3, "value_filter": {"op": ">=", "value": 10}}}


def test_a_word_defined_by_items_joined_with_or_in_brackets(parser) -> None:
    r = _parse(parser, "ひとり親（児扶手受給 or ひとり親医療）")
    assert r.rule["condition"] == {"any": [
        {"item": "benefit.child_rearing_allowance", "op": "=", "value": True},
        {"item": "benefit.single_parent_medical", "op": "=", "value": True},
    ]}
    assert any("括弧の中の条件だけ" in n for n in r.notes)
    # 「…も受けている」 in brackets adds a condition: the word stays a condition of its own
    cond = condition(parser, "生活保護世帯（就学援助または児童扶養手当も受けている）")
    assert cond["all"][0] == {"item": "welfare.public_assistance", "op": "=", "value": True}


@pytest.mark.parametrize("text", [
    "ひとり親世帯で児童扶養手当を受給している者。ただし、要対協に登録中の児童及び一時保護歴のある児童は除く。",
    "ひとり親世帯で児童扶養手当を受給している者。ただし要対協登録中及び一時保護歴ありの児童を除く",
])
def test_an_exclusion_after_a_list_excludes_each(parser, text) -> None:
    assert top_items(condition(parser, text)) == [
        ("resident.single_parent", False), ("benefit.child_rearing_allowance", False),
        ("child.yotaikyo_registered", True), ("child.temporary_protection_history", True)]


def test_a_grade_range_across_schools_in_full_words(parser) -> None:
    cond = condition(parser, "小学校4年生から中学校3年生までの児童生徒で、教育相談（家庭環境）の記録があるもの。ただしSSWが支援中の者を除く。")
    assert {"item": "school.grade", "op": "between", "value": [4, 9]} in cond["all"]


def test_upper_grades_are_5_and_6_with_the_other_band_one_click_away(parser) -> None:
    r = _parse(parser, "小学校高学年で遅刻が多い子（直近3か月で合計10日以上）")
    assert {"item": "school.grade", "op": "between", "value": [5, 6]} in r.rule["condition"]["all"]
    assert [(a["phrase"], a["replacement"]) for a in r.assumptions] == [("小学校高学年", "小学校4〜6年生")]
    # the city's own band in brackets is read as written, within either convention
    assert {"item": "school.grade", "op": "between", "value": [4, 6]} in condition(parser, "小学校高学年（4〜6年）で生活保護")["all"]
    assert parser.parse("小学校高学年（3・4年生）の児童で欠席日数が30日以上").rule is None


def test_the_age_of_the_person_whose_child_is_meant(parser) -> None:
    cond = condition(parser, "妊娠届が遅かったお母さんで、年齢が20歳未満の方のお子さん")
    assert {"item": "resident.guardian_age", "op": "<", "value": 20} in cond["all"]
    assert "population" not in parser.parse("妊娠届が遅かったお母さんで、年齢が20歳未満の方のお子さん").rule


def test_two_kinds_of_one_item_each_with_its_number_joined_by_or(parser) -> None:
    cond = condition(parser, "保健室で心の不調の相談が過去半年で合わせて5回以上、もしくは、けがで3回以上来ている子")
    assert cond == {"any": [
        {"item": "school.nurse_visits", "op": ">=", "value": 5,
         "aggregate": {"fn": "count", "window_months": 6, "value_filter": {"op": "=", "value": "3"}}},
        {"item": "school.nurse_visits", "op": ">=", "value": 3,
         "aggregate": {"fn": "count", "window_months": 6, "value_filter": {"op": "=", "value": "2"}}},
    ]}


@pytest.mark.parametrize(("text", "item"), [
    ("DV相談歴有", "dv.consultations"),
    ("こんにちわ赤ちゃん訪問で会えなかった家庭の子を出してほしいです", "health.home_visit_unmet"),
    ("給食費が3か月以上滞ってる子", "school.lunch_fee_arrears_months"),
])
def test_spellings_staff_use(parser, text, item) -> None:
    assert condition(parser, text)["item"] == item


def test_plain_words_and_typos(parser) -> None:
    assert top_items(condition(parser, "世帯人員が6人以上で、就学援助を受けている世対の児童")) == [
        ("resident.household_size", False), ("school.school_aid", False)]
    assert top_items(condition(parser, "以前よう対協に登録されていて今は終結している子で、ひとり親の世帯")) == [
        ("child.yotaikyo_past", False), ("resident.single_parent", False)]
    assert top_items(condition(parser, "児扶手もらってて国保も滞納してるあたりの家庭を見たいんですが")) == [
        ("benefit.child_rearing_allowance", False), ("insurance.nhi_arrears", False)]
    r = _parse(parser, "外国籍 & 市立小中に在籍なし（学齢期）")
    assert r.rule["population"] == {"school_stages": ["elementary", "junior_high"]}


def test_last_month_restated_in_brackets(parser) -> None:
    cond = condition(parser, "保育園の欠席が先月（10月）15日以上")
    assert cond["aggregate"]["period"] == {"start": "2026-10-01", "end": "2026-10-31"}


def test_the_status_report_not_handed_in_is_the_suspension(parser) -> None:
    cond = condition(parser, "児童手当の現況届が出ていない世帯で、予防接種も１つ以上受けていない子")
    assert cond == {"all": [
        {"item": "benefit.child_allowance_suspended", "op": "=", "value": True},
        {"item": "health.vaccination_missed", "op": ">=", "value": 1},
    ]}


def test_same_period_before_and_after_a_late_arrival_remark(parser) -> None:
    cond = condition(parser, "今年度、欠席は10日未満なのに遅刻は20日以上ある子。朝起きられない・家の事情がありそうなので見たい")
    assert cond == {"all": [
        {"item": "school.absence_days", "op": "<", "value": 10, "aggregate": {"fn": "sum", "period": THIS_FY}},
        {"item": "school.late_days", "op": ">=", "value": 20, "aggregate": {"fn": "sum", "period": THIS_FY}},
    ]}
