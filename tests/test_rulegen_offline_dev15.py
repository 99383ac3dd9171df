"""Readings added in session 10 from the blind dev15 set (自立支援相談員, 通知文の別紙, 母子保健, 表計算の式):
one 滞納 said of two things owed with 両方とも / か, kanji numerals after 以上, grades joined by 又は, 22週過ぎ,
column-style ages, the spoken short form 出してない, a purpose in brackets."""

from __future__ import annotations

from tests.conftest_rulegen import condition

LAST_FY = {"start": "2025-04-01", "end": "2026-03-31"}


def test_both_owed_with_ryouhoutomo_and_either_with_ka(parser) -> None:
    assert condition(parser, "市税と国保料、両方とも滞納がある世帯") == {"all": [
        {"item": "tax.arrears", "op": "=", "value": True}, {"item": "insurance.nhi_arrears", "op": "=", "value": True}]}
    cond = condition(parser, "税か国保の滞納があって、しかも短期証が出てる世帯")
    assert cond["all"][0] == {"any": [
        {"item": "tax.arrears", "op": "=", "value": True}, {"item": "insurance.nhi_arrears", "op": "=", "value": True}]}


def test_a_range_in_kanji_numerals_with_a_purpose_in_brackets(parser) -> None:
    assert condition(parser, "令和７年度の欠席日数が十日以上三十日未満の者（不登校傾向の早期把握のため）") == {"all": [
        {"item": "school.absence_days", "op": ">=", "value": 10, "aggregate": {"fn": "sum", "period": LAST_FY}},
        {"item": "school.absence_days", "op": "<", "value": 30, "aggregate": {"fn": "sum", "period": LAST_FY}},
    ]}


def test_grades_of_two_schools_joined_by_or(parser) -> None:
    cond = condition(parser, "小学校第６学年又は中学校第１学年の者で、この半年の欠席が２０日以上の者")
    assert {"item": "school.grade", "op": "between", "value": [6, 7]} in cond["all"]


def test_pregnancy_notification_after_22_weeks(parser) -> None:
    assert condition(parser, "妊娠届が２２週過ぎてから出された子") == {"item": "health.late_pregnancy_notification", "op": "=", "value": True}


def test_column_style_ages(parser) -> None:
    r = parser.parse("年齢 5〜9 かつ 保健室来室(心の不調) 直近6か月 3回以上")
    assert r.rule is not None and r.rule["population"] == {"age_min": 5, "age_max": 9}


def test_the_spoken_short_form_of_a_negation_inside_an_item_word(parser) -> None:
    # 「（現況届出してない）」 restates the suspension: never read as its negation
    assert condition(parser, "児童手当が差し止めになってる世帯（現況届出してない）") == {
        "item": "benefit.child_allowance_suspended", "op": "=", "value": True}
    assert condition(parser, "就学援助を受けてない世帯") == {"not": {"item": "school.school_aid", "op": "=", "value": True}}


def test_a_large_household_with_its_number(parser) -> None:
    cond = condition(parser, "家族が七人以上の大きな世帯で、生保を受けているところ")
    assert {"item": "resident.household_size", "op": ">=", "value": 7} in cond["all"]


def test_a_kind_picked_after_its_heading_with_a_middle_dot(parser) -> None:
    cond = condition(parser, "家児相の相談歴あり（養護相談・虐待に限る）")
    assert cond["aggregate"]["value_filter"] == {"op": "=", "value": "11"}
    both = condition(parser, "養護相談・障害相談の記録がある子")  # two headings: both kinds
    assert both["aggregate"]["value_filter"] == {"op": "in", "value": ["11", "12", "20"]}


def test_the_brothers_and_sisters_of_the_children_are_asked(parser) -> None:
    r = parser.parse("一時保護されたことがある子のきょうだいも見ておきたいので出してほしい")
    assert r.rule is None and any("きょうだいを選び出すことはできません" in q for q in r.questions)
    cond = condition(parser, "虐待通告歴のある子のきょうだいが2人以上")  # the child's own number of siblings
    assert {"item": "resident.siblings", "op": ">=", "value": 2} in cond["all"]
