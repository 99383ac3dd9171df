"""Formal-style readings by the offline drafter (issue 14, dev set 4): fiscal years, 要綱 wording."""

from __future__ import annotations

import datetime as dt

import pytest

from rulegen.offline.parser import OfflineParser
from tests.conftest_rulegen import drafted


@pytest.fixture(scope="module")
def parser(catalog):
    return OfflineParser(catalog, today=lambda: dt.date(2026, 11, 15))


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("今年度の欠席日数が30日以上", {"start": "2026-04-01", "end": "2027-03-31"}),
        ("昨年度の欠席日数が30日以上", {"start": "2025-04-01", "end": "2026-03-31"}),
        ("教育相談が3回以上（年度内）", {"start": "2026-04-01", "end": "2027-03-31"}),
        # an era year written beside the word decides
        ("昨年度（令和6年度）の欠席日数が30日以上", {"start": "2024-04-01", "end": "2025-03-31"}),
    ],
)
def test_relative_fiscal_years_are_fixed_periods_stated_in_the_reading(parser, text, period):
    r = parser.parse(text)
    assert r.rule is not None, (r.questions, r.problems)
    assert r.rule["condition"]["aggregate"]["period"] == period
    if "令和" not in text:
        assert any("固定の期間" in n for n in r.notes)


def test_fiscal_year_follows_the_drafting_day(catalog):
    early = OfflineParser(catalog, today=lambda: dt.date(2027, 2, 10))  # still 令和8年度
    assert early.parse("今年度の欠席日数が30日以上").rule["condition"]["aggregate"]["period"]["start"] == "2026-04-01"
    april = OfflineParser(catalog, today=lambda: dt.date(2027, 4, 2))
    assert april.parse("今年度の欠席日数が30日以上").rule["condition"]["aggregate"]["period"]["start"] == "2027-04-01"


def test_two_fiscal_years_in_one_text(parser):
    cond = drafted(parser, "昨年度の欠席が30日以上で、今年度も欠席が10日以上")["condition"]
    periods = [leaf["aggregate"]["period"]["start"] for leaf in cond["all"]]
    assert periods == ["2025-04-01", "2026-04-01"]


@pytest.mark.parametrize(
    ("text", "item", "codes"),
    [
        ("非行相談の記録がこれまでにある中学生", "child.consultations", "30"),
        ("過去1年に養護相談（虐待）の受付が1件以上", "child.consultations", "11"),
        ("養護相談が直近1年に2件以上", "child.consultations", ["11", "12"]),
        ("1歳6か月児健診の未受診歴がある", "health.checkup_missed", "18M"),
        ("4か月児健診の未受診が過去にある", "health.checkup_missed", "04M"),
        ("1歳半健診を受けていない子（過去に）", "health.checkup_missed", "18M"),
    ],
)
def test_code_labels_that_name_their_item(parser, text, item, codes):
    cond = drafted(parser, text)["condition"]
    assert cond["item"] == item
    vf = cond["aggregate"]["value_filter"]
    assert vf["value"] == codes


def test_a_code_label_with_another_head_noun_names_no_item(parser):
    # 「身体的暴力」 is a code of DV相談, but it does not name the item (its head noun is not 相談)
    assert parser.parse("身体的暴力がある世帯").rule is None


@pytest.mark.parametrize(
    "text",
    ["就学援助・生活保護のいずれにも該当しない住民税非課税世帯の児童", "住民税非課税世帯で、就学援助と生活保護のどちらも受けていない"],
)
def test_negation_after_an_all_marker_negates_every_item_of_the_list(parser, text):
    parts = drafted(parser, text)["condition"]["all"]
    negated = sorted(p["not"]["item"] for p in parts if "not" in p)
    assert negated == ["school.school_aid", "welfare.public_assistance"]
    assert {"item": "tax.resident_tax_exempt", "op": "=", "value": True} in parts


def test_both_markers_join_the_list_with_and(parser):
    cond = drafted(parser, "直近1年に虐待通告とDV相談がどちらもある世帯の子")["condition"]
    assert [p["item"] for p in cond["all"]] == ["child.abuse_reports", "dv.consultations"]


@pytest.mark.parametrize(
    ("text", "grade", "stages"),
    [
        ("5年生以上の小学生で、直近3か月の遅刻が5日以上", {"op": ">=", "value": 5}, ["elementary"]),
        ("2年生の中学生で就学援助を受けている", {"op": "=", "value": 8}, ["junior_high"]),
        ("中学2・3年生で学力調査下位", {"op": "between", "value": [8, 9]}, None),
        ("中学2年生以上で欠席30日以上（直近1年）", {"op": "between", "value": [8, 9]}, None),
    ],
)
def test_grades_with_comparisons_and_lists(parser, text, grade, stages):
    rule = drafted(parser, text)
    leaves = rule["condition"]["all"]
    assert {"item": "school.grade", **grade} in leaves
    assert (rule.get("population") or {}).get("school_stages") == stages


def test_a_grade_number_with_both_schools_named_is_not_guessed(parser):
    assert parser.parse("小中学生で3年生以上、就学援助").rule is None


def test_period_with_the_second_month_in_the_same_year(parser):
    agg = drafted(parser, "2026年9月〜10月の欠席が10日以上")["condition"]["aggregate"]
    assert agg["period"] == {"start": "2026-09-01", "end": "2026-10-31"}
    agg = drafted(parser, "令和7年10月〜3月に遅刻10日以上")["condition"]["aggregate"]
    assert agg["period"] == {"start": "2025-10-01", "end": "2026-03-31"}


def test_a_number_of_persons_after_its_item_is_exact(parser):
    cond = drafted(parser, "世帯人数が2人で、ひとり親の未就学児")["condition"]
    assert {"item": "resident.household_size", "op": "=", "value": 2} in cond["all"]
    assert drafted(parser, "きょうだいが3人以上")["condition"] == {"item": "resident.siblings", "op": ">=", "value": 3}
    cond = drafted(parser, "一人っ子で要介護の家族がいる子")["condition"]
    assert {"item": "resident.siblings", "op": "=", "value": 0} in cond["all"]


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("児童手当が差し止められている世帯の未就学児", "benefit.child_allowance_suspended"),
        ("市税の滞納がある世帯で、児童手当が差し止めになっている子", "benefit.child_allowance_suspended"),
        ("訪問を拒否された1歳未満の子", "health.home_visit_unmet"),
        ("学校に来てない日が直近1か月で5日を超えている子", "school.absence_days"),
    ],
)
def test_formal_and_plain_item_words(parser, text, item):
    cond = drafted(parser, text)["condition"]
    assert item in {leaf.get("item") for leaf in cond.get("all", [cond])}


def test_a_record_within_the_one_window_given(parser):
    agg = drafted(parser, "直近半年で、身体のあざ・傷の確認のため保健室に来室した記録がある")["condition"]["aggregate"]
    assert agg["window_months"] == 6 and "whole_record" not in agg


def test_a_whole_code_label_wins_over_a_shared_word_in_it(parser):
    # 「相談」 alone is a word of several items; inside 「心の不調・相談」 it is the label of 保健室来室's code
    agg = drafted(parser, "今年度、保健室に「心の不調・相談」で3回以上来室した小中学生")["condition"]["aggregate"]
    assert agg["value_filter"] == {"op": "=", "value": "3"}


def test_nursery_absence_by_its_formal_name(parser):
    cond = drafted(parser, "保育所等の欠席が直近3か月で15日以上")["condition"]
    assert cond["item"] == "nursery.absence_days"


@pytest.mark.parametrize(
    ("text", "cond"),
    [
        ("過去1年間において欠席日数が30日以上である児童生徒",
         {"item": "school.absence_days", "op": ">=", "value": 30, "aggregate": {"fn": "sum", "window_months": 12}}),
        ("直近3か月間における遅刻日数が10日を超える者",
         {"item": "school.late_days", "op": ">", "value": 10, "aggregate": {"fn": "sum", "window_months": 3}}),
        ("基準日前1年間に虐待通告が1件以上", {"item": "child.abuse_reports", "op": ">=", "value": 1, "aggregate": {"fn": "count", "window_months": 12}}),
        ("基準日から遡って6か月以内に欠席10日以上",
         {"item": "school.absence_days", "op": ">=", "value": 10, "aggregate": {"fn": "sum", "window_months": 6}}),
        ("虐待通告の受理件数が過去3年間で2件以上", {"item": "child.abuse_reports", "op": ">=", "value": 2, "aggregate": {"fn": "count", "window_months": 36}}),
        ("外国籍を有する児童", {"item": "resident.foreign_nationality", "op": "=", "value": True}),
        ("生活保護法による保護を受けている世帯に属する児童", {"item": "welfare.public_assistance", "op": "=", "value": True}),
        ("就学援助の認定を受けていない者に限る", {"not": {"item": "school.school_aid", "op": "=", "value": True}}),
        ("保護者の双方が障害者手帳を所持", {"item": "disability.guardian_certificate", "op": "=", "value": True, "guardians": "all"}),
    ],
)
def test_formal_wording(parser, text, cond):
    assert drafted(parser, text)["condition"] == cond


def test_a_generic_word_of_one_item_is_asked_not_chosen(parser):
    # 「受給資格」: 資格 is in 資格証明書 (短期被保険者証) only, yet it does not name that item
    assert parser.parse("児童扶養手当の受給資格を有する者").rule is None


def test_a_school_word_inside_a_longer_school_word_of_an_item_name_stays_a_stage(parser):
    rule = drafted(parser, "中学校に在籍する生徒のうち、直近6か月の欠席日数の合計が20日以上である者")
    assert rule["population"] == {"school_stages": ["junior_high"]}
    assert "school_stages" not in drafted(parser, "市立小中学校に在籍していない7〜14歳の子")["population"]


def test_man_before_an_age(parser):
    assert drafted(parser, "満3歳以上の未就学児で保育所等を利用していない者")["population"]["age_min"] == 3


def test_a_code_named_as_the_item_before_an_exclusion_word_is_left_out(parser):
    # 「転入」 is a name of 転入・転居 and one of its codes: 「（転入を除く）」 leaves that code out, it negates nothing
    agg = drafted(parser, "直近1年間に2回以上転居した世帯（市外からの転入を除く）")["condition"]
    assert agg == {"item": "resident.moves", "op": ">=", "value": 2,
                   "aggregate": {"fn": "count", "window_months": 12, "value_filter": {"op": "!=", "value": "11"}}}


@pytest.mark.parametrize("text", ["保護者のうち少なくとも1人が精神障害者保健福祉手帳を所持", "父母のどちらか一方が障害者手帳を持っている"])
def test_at_least_one_guardian(parser, text):
    cond = drafted(parser, text)["condition"]
    assert cond["item"] == "disability.guardian_certificate" and cond.get("guardians", "any") == "any"


@pytest.mark.parametrize(
    "text", ["要保護児童対策地域協議会の登録が過去にあった児童（現在は登録なし）", "これまでに就学援助を受けたことがある子"]
)
def test_a_past_time_word_on_a_state_at_the_reference_date_is_asked(parser, text):
    r = parser.parse(text)
    assert r.rule is None and any(p["code"] == "past_state" for p in r.problems)


def test_a_record_item_with_a_past_time_word_is_read(parser):
    assert drafted(parser, "過去に要対協の登録歴がある")["condition"] == {"item": "child.yotaikyo_past", "op": "=", "value": True}


@pytest.mark.parametrize(
    ("text", "stages"),
    [("中学生のうち、直近3か月の欠席が15日以上の者", ["junior_high"]), ("中学3年生のうち、学力調査の結果が下位の者", None)],
)
def test_uchi_after_a_population_word(parser, text, stages):
    assert (drafted(parser, text).get("population") or {}).get("school_stages") == stages


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("R7.4〜R8.3の欠席日数が30日以上", {"start": "2025-04-01", "end": "2026-03-31"}),
        ("2025/4/1〜2026/3/31の欠席が30日以上", {"start": "2025-04-01", "end": "2026-03-31"}),
        ("R7.10以降に転居が1回以上", {"start": "2025-10-01"}),
    ],
)
def test_dotted_and_slashed_dates(parser, text, period):
    assert drafted(parser, text)["condition"]["aggregate"]["period"] == period


@pytest.mark.parametrize(
    ("text", "join"),
    [
        ("次のいずれかに該当する児童：生活保護受給世帯、就学援助受給世帯", "any"),
        ("次のいずれかに該当する者。(1)直近1年の欠席日数が30日以上 (2)いじめの認知が直近1年に1件以上", "any"),
        ("下記の条件をすべて満たす児童：①ひとり親世帯 ②児童扶養手当受給", "all"),
    ],
)
def test_memo_style_lists(parser, text, join):
    cond = drafted(parser, text)["condition"]
    assert set(cond) == {join} and len(cond[join]) == 2


def test_a_memo_list_of_compound_conditions_is_not_regrouped(parser):
    assert parser.parse("次のいずれかに該当する者:(1)生活保護世帯かつ欠席30日以上(2)就学援助").rule is None


def test_an_amount_after_two_items_joined_by_or_is_asked(parser):
    r = parser.parse("欠席又は遅刻が直近3か月で10日以上")
    assert r.rule is None and any("にもかかりますか" in q for q in r.questions)
    # the one-click answer keeps the window for both items
    assert r.clarifications[0]["candidates"] == ["欠席が直近3か月で10日以上または遅刻が直近3か月で10日以上"]


def test_never_is_the_whole_record(parser):
    # 「一度も受けていない」 on a not-done item may mean every checkup missed, which no rule can say: asked,
    # and the one-click 「1回でも」 counts over the whole record
    r = parser.parse("乳幼児健診を一度も受けていない未就学児")
    assert r.rule is None and r.clarifications and r.clarifications[0]["candidates"] == ["1回でも"]
    agg = drafted(parser, "乳幼児健診を1回でも受けていない未就学児")["condition"]["aggregate"]
    assert agg.get("whole_record") is True


@pytest.mark.parametrize("text", ["年度当初から欠席が30日以上", "今年度当初から遅刻10日以上"])
def test_since_the_start_of_the_fiscal_year(parser, text):
    assert drafted(parser, text)["condition"]["aggregate"]["period"] == {"start": "2026-04-01", "end": "2027-03-31"}


@pytest.mark.parametrize("text", ["過去1年間で欠席日数が30日以上である児童生徒", "直近1年間に欠席日数30日以上"])
def test_a_window_word_after_its_number_is_no_part_of_an_item_name(parser, text):
    # 年間欠席日数 is a name of 欠席日数; 「1年間で欠席日数」 is a window and the item
    assert drafted(parser, text)["condition"]["aggregate"] == {"fn": "sum", "window_months": 12}


def test_formal_particles(parser):
    assert drafted(parser, "乳児家庭全戸訪問において未面会となった世帯")["condition"]["item"] == "health.home_visit_unmet"
