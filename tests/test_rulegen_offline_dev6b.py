"""Pins from dev set 6, second pass (formal 要綱 style): grades, category codes, monthly tests, fixed periods, typos."""

from __future__ import annotations

import datetime as dt

import pytest

from rulegen.offline.parser import OfflineParser
from tests.conftest_rulegen import asks, drafted, leaf_of, leaves


@pytest.fixture(scope="module")
def parser(catalog):
    return OfflineParser(catalog, today=lambda: dt.date(2026, 11, 1), ask_unstated_scope=False)


# -- school grades in the formal wording -----------------------------------------------------------


@pytest.mark.parametrize(("text", "op", "value"), [
    ("中学校第3学年の生徒のうち、直近6か月の欠席日数の合計が30日以上に該当する者", "=", 9),
    ("小学校第1学年から第3学年までに在籍する者で、直近3か月の遅刻日数が5日以上であること", "between", [1, 3]),
    ("中学校第1学年から第3学年までの生徒で欠席日数が30日以上", "between", [7, 9]),
    ("要介護認定者のいる世帯に属する小学校高学年（5・6年生）の児童", "between", [5, 6]),
])
def test_formal_grades(parser, text, op, value):
    rule = drafted(parser, text)
    grade = leaf_of(parser, text, "school.grade")
    assert (grade["op"], grade["value"]) == (op, value)
    assert "school.enrolled" not in {c["item"] for c in leaves(rule["condition"])}  # 在籍 restates the grade


def test_grades_in_brackets_outside_the_phrase_are_asked(parser):
    asks(parser, "小学校高学年（3・4年生）の児童で欠席日数が30日以上")


# -- a category attribute's code label after its name ------------------------------------------------


@pytest.mark.parametrize(("text", "code"), [
    ("性別が女である中学生で、世帯員に要介護認定者がいる者", "2"),
    ("性別が男の者で、直近３か月に心の天気「雨」が５日以上の者", "1"),
    ("性別は男", "1"),
])
def test_code_label_after_a_category_attribute(parser, text, code):
    assert leaf_of(parser, text, "resident.sex") == {"item": "resident.sex", "op": "=", "value": code}


def test_category_attribute_without_a_label_is_asked(parser):
    asks(parser, "性別が女子の欠席日数30日以上")  # 女子 is a code word, not a label after が: asked, not guessed


# -- tests said of each monthly total ---------------------------------------------------------------


@pytest.mark.parametrize(("text", "months", "value", "count"), [
    ("直近3か月のうち、いずれか1か月でも欠席日数が5日以上の月がある者", 3, 5, 1),
    ("直近6か月のうち、いずれか1か月でも欠席日数が10日以上", 6, 10, 1),
    ("保育所等を利用している3歳未満児で、直近2か月の欠席日数の最大が10日以上の月がある者", 2, 10, 1),
    ("直近３か月の各月とも欠席日数が３日以上であること（毎月継続して欠席がある者）", 3, 3, 3),
])
def test_some_month_and_every_month(parser, text, months, value, count):
    # counted as months passing the test (exact where a month has no row, unlike min over the rows)
    leaf = next(c for c in leaves(drafted(parser, text)["condition"]) if c["item"].endswith("absence_days"))
    assert leaf["op"] == ">=" and leaf["value"] == count
    assert leaf["aggregate"] == {"fn": "count", "window_months": months, "value_filter": {"op": ">=", "value": value}}


def test_place_used_is_a_condition_beside_its_absence(parser):
    cond = drafted(parser, "保育所等を利用している3歳未満児で、直近2か月の欠席日数の最大が10日以上の月がある者")["condition"]
    assert {c["item"] for c in leaves(cond)} == {"nursery.enrolled", "nursery.absence_days"}


@pytest.mark.parametrize("text", ["直近3か月の各月とも保健室来室が3回以上", "毎月欠席がある者", "欠席日数が最大で10日の者"])
def test_monthly_words_that_cannot_be_read_are_asked(parser, text):
    asks(parser, text)


# -- fixed periods ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "period"), [
    ("令和８年度上半期（４月～９月）の欠席日数の合計が１５日以上である者", {"start": "2026-04-01", "end": "2026-09-30"}),
    ("令和8年度下半期（10月〜3月）の欠席日数が10日以上", {"start": "2026-10-01", "end": "2027-03-31"}),
    ("令和８年１０月の１か月間に欠席が５日以上あった者", {"start": "2026-10-01", "end": "2026-10-31"}),
    ("令和8年10月に欠席が5日以上", {"start": "2026-10-01", "end": "2026-10-31"}),
    ("令和７年度以降に、身体的暴力又は精神的暴力に関するDV相談が2回以上あること", {"start": "2025-04-01"}),
])
def test_fixed_periods(parser, text, period):
    leaf = leaves(drafted(parser, text)["condition"])[0]
    assert leaf["aggregate"]["period"] == period


def test_half_year_whose_months_say_the_other_half_is_asked(parser):
    asks(parser, "令和8年度上半期（10月〜3月）の欠席日数が10日以上")


# -- zero, typos --------------------------------------------------------------------------------------


def test_bare_zero_is_exactly_zero(parser):
    leaf = leaf_of(parser, "直近３か月の欠席日数が０日であるが、保健室来室が直近３か月で５回以上ある者（保健室登校の疑い）", "school.absence_days")
    assert (leaf["op"], leaf["value"]) == ("=", 0)
    assert leaves(drafted(parser, "直近3か月の保健室来室が0回")["condition"])[0]["value"] == 0


@pytest.mark.parametrize(("text", "typo"), [("直近1か月の欠席日数が１０日異常の者", "異常"), ("直近2か月間に遅刻が8日以上ある中学性", "中学性")])
def test_ime_typos_are_read_and_said(parser, text, typo):
    r = parser.parse(text)
    assert r.rule is not None and any(typo in n for n in r.notes)
    leaf = leaves(r.rule["condition"])[0]
    assert leaf["op"] == ">="


def test_typo_not_after_a_number_is_not_a_comparison(parser):
    asks(parser, "欠席日数に異常がある者")


# -- item words and codes -----------------------------------------------------------------------------


def test_school_lunch_fee_arrears(parser):
    assert drafted(parser, "学校給食費に未納がある者")["condition"] == {"item": "school.lunch_fee_arrears_months", "op": ">=", "value": 1}


@pytest.mark.parametrize(("text", "item", "codes"), [
    ("不登校又はいじめに関する教育相談が今年度２回以上あること", "school.education_consultations", ["1", "2"]),
    ("不登校・いじめに関する教育相談が2回以上", "school.education_consultations", ["1", "2"]),
    ("体調不良又はその他の理由による保健室来室が、直近３か月で５回以上に該当する者", "school.nurse_visits", ["1", "9"]),
])
def test_codes_of_one_item_joined_before_it(parser, text, item, codes):
    leaf = leaf_of(parser, text, item)
    assert leaf["aggregate"]["value_filter"] == {"op": "in", "value": codes}


@pytest.mark.parametrize(("text", "item", "code"), [
    ("過去に保健室で身体のあざ又は傷の確認を受けた記録がある者", "school.nurse_visits", "4"),
    ("直近1年間にネグレクトを内容とする虐待通告があった者。配点20点。", "child.abuse_reports", "3"),
])
def test_one_code_said_in_other_words(parser, text, item, code):
    assert leaf_of(parser, text, item)["aggregate"]["value_filter"] == {"op": "=", "value": code}


@pytest.mark.parametrize("text", ["直近1か月における保健室来室回数（来室理由を問わない）が5回以上であること",
                                  "直近6か月間に虐待通告（種別を問わない）が2回以上あった者"])
def test_any_kind_of_record_is_no_filter(parser, text):
    assert "value_filter" not in leaves(drafted(parser, text)["condition"])[0]["aggregate"]


def test_whether_another_item_is_disregarded_is_asked(parser):
    asks(parser, "生活保護の有無を問わず、欠席日数が30日以上の者")


def test_any_guardian_before_a_guardian_item(parser):
    assert drafted(parser, "いずれかの保護者の年齢が20歳未満である者")["condition"] == {"item": "resident.guardian_age", "op": "<", "value": 20}
    assert drafted(parser, "すべての保護者の年齢が20歳未満である者")["condition"]["guardians"] == "all"


def test_shared_arrears_word_after_an_or_list(parser):
    cond = drafted(parser, "市税又は国民健康保険料のいずれかに滞納がある世帯")["condition"]
    assert {c["item"] for c in cond["any"]} == {"tax.arrears", "insurance.nhi_arrears"}


@pytest.mark.parametrize("text", ["直近１か月の保育所の欠席が１０日以上の園児", "直近１か月間に心の天気で「雨」を３日以上選択した者"])
def test_child_and_record_words_add_nothing(parser, text):
    assert len(leaves(drafted(parser, text)["condition"])) == 1


def test_fiscal_year_onwards_is_read(parser):
    # 「令和6年度以降」 was asked (test_rulegen_sanity offered 令和6年4月以降); it is now read as that period
    leaf = leaves(drafted(parser, "令和6年度以降に転入")["condition"])[0]
    assert leaf["aggregate"]["period"] == {"start": "2024-04-01"}


def test_not_done_said_once_after_two_codes_joined_by_or(parser):
    leaf = drafted(parser, "1歳6か月児健診又は3歳児健診を受診しなかった記録がある者")["condition"]
    assert leaf["item"] == "health.checkup_missed" and leaf["aggregate"]["value_filter"] == {"op": "in", "value": ["18M", "36M"]}


def test_not_done_item_without_a_negation_is_still_asked(parser):
    asks(parser, "1歳6か月児健診又は3歳児健診の記録がある者")  # records of checkups, not of missed ones: asked


@pytest.mark.parametrize(("text", "item", "code"), [
    ("過去1年間に、相談種別が「家庭環境」である教育相談の記録が1回以上ある者", "school.education_consultations", "3"),
    ("来室理由が「けが」の保健室来室が直近3か月で3回以上", "school.nurse_visits", "2"),
])
def test_column_name_before_a_quoted_code_label(parser, text, item, code):
    assert leaf_of(parser, text, item)["aggregate"]["value_filter"] == {"op": "=", "value": code}


def test_the_items_own_definition_names_it(parser):
    # 学力調査の下位層 is defined as the lowest 25% (catalog): said so, it is the item; another share is asked
    assert drafted(parser, "学力調査で下位25％に入っている小学生を出してください")["condition"]["item"] == "school.academic_low"
    asks(parser, "学力調査で下位30%に入っている小学生")
