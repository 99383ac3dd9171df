"""Issue 14's readings by the offline drafter: time words, fixed periods, verbs, stages inside item names."""

from __future__ import annotations

from typing import Any

import pytest

from rulegen.offline.parser import OfflineParser
from tests.conftest_rulegen import drafted


@pytest.fixture(scope="module")
def parser(catalog):
    return OfflineParser(catalog, ask_unstated_scope=False)


def _agg(parser: OfflineParser, text: str) -> dict[str, Any]:
    r = parser.parse(text)
    assert r.rule is not None, (text, r.questions, r.problems)
    cond = r.rule["condition"]
    return cond["aggregate"]


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        ("過去に虐待通告があったこども", {"whole_record": True}),
        ("DV相談歴がある世帯のこども", {"whole_record": True}),
        ("これまでに1回でも虐待通告があった", {"whole_record": True}),
        ("教育相談を受けたことがある", {"whole_record": True}),
        ("半年で保健室来室が5回以上", {"window_months": 6}),
        ("1年に2回以上転居している", {"window_months": 12}),
        ("令和7年度の欠席が30日以上", {"period": {"start": "2025-04-01", "end": "2026-03-31"}}),
        ("令和7年4月以降に欠席が10日以上", {"period": {"start": "2025-04-01"}}),
        ("令和6年10月〜令和8年9月に遅刻20日以上", {"period": {"start": "2024-10-01", "end": "2026-09-30"}}),
        ("令和6年4月1日から令和7年3月31日までに欠席30日以上", {"period": {"start": "2024-04-01", "end": "2025-03-31"}}),
    ],
)
def test_time_words(parser, text, scope):
    agg = _agg(parser, text)
    assert {k: agg[k] for k in ("window_months", "whole_record", "period") if k in agg} == scope


def test_a_verb_never_selects_an_item(parser):
    r = parser.parse("保育園に行っていない3歳以上の未就学児")
    assert r.rule is not None
    assert r.rule["condition"] == {"not": {"item": "nursery.enrolled", "op": "=", "value": True}}
    assert r.rule["population"] == {"age_min": 3, "school_stages": ["preschool"]}


def test_a_stage_word_inside_an_item_name_is_no_population(parser):
    r = parser.parse("乳幼児健診を2回以上受けていないこども")
    assert r.rule is not None and "population" not in r.rule


def test_ages_stay_ages(parser):
    r = parser.parse("15歳から18歳で年間欠席60日以上")
    assert r.rule is not None and r.rule["population"] == {"age_min": 15, "age_max": 18}


def test_counters(parser):
    agg = _agg(parser, "過去1年間に欠席が5日以上の月が3か月以上")
    assert agg["fn"] == "count" and agg["value_filter"] == {"op": ">=", "value": 5}
    assert parser.parse("保健室来室が十回以上").rule["condition"]["value"] == 10  # type: ignore[index]
    assert parser.parse("欠席日数が２０日以上").rule["condition"]["value"] == 20  # type: ignore[index]


def test_all_guardians(parser):
    r = parser.parse("保護者全員が障害者手帳を持っている")
    assert r.rule is not None
    assert r.rule["condition"] == {"item": "disability.guardian_certificate", "op": "=", "value": True, "guardians": "all"}


def test_typo_asks_with_candidates(parser):
    r = parser.parse("保険室来室が5回以上")
    assert r.rule is None and r.questions


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        ("20歳未満の保護者がいる世帯", {"item": "resident.guardian_age", "op": "<", "value": 20}),
        ("両親とも20歳未満の家庭", {"item": "resident.guardian_age", "op": "<", "value": 20, "guardians": "all"}),
        ("保護者のいずれかが10代", {"item": "resident.guardian_age", "op": "between", "value": [12, 19]}),
        ("保護者が全員障害者手帳を所持している世帯", {"item": "disability.guardian_certificate", "op": "=", "value": True, "guardians": "all"}),
        ("保護者のどちらかが障害者手帳を持っている", {"item": "disability.guardian_certificate", "op": "=", "value": True}),
        ("EPDSが9点以上の保護者がいる世帯のこども", {"item": "health.epds_score", "op": ">=", "value": 9}),
        ("ＥＰＤＳの点数が9点を下回らない保護者", {"item": "health.epds_score", "op": ">=", "value": 9}),
    ],
)
def test_guardian_words(parser, text, condition):
    assert drafted(parser, text)["condition"] == condition


def test_a_guardian_age_is_no_population_and_a_child_age_stays_one(parser):
    rule = drafted(parser, "18歳未満で、両親とも24歳以下")
    assert rule["condition"] == {"item": "resident.guardian_age", "op": "<=", "value": 24, "guardians": "all"}
    assert rule["population"] == {"age_max": 17}
    rule = drafted(parser, "EPDS13点以上の母親がいる0歳児")
    assert rule["population"] == {"age_min": 0, "age_max": 0}


def test_a_guardian_word_with_no_guardian_item_is_asked(parser):
    r = parser.parse("保護者が外国籍の子")
    assert r.rule is None and r.questions


@pytest.mark.parametrize(("text", "points"), [("就学援助受給者は重み5", 5), ("児扶手受給で、直近６か月の欠席１０日以上、加点10", 10),
                                               ("欠席（直近3か月）15日以上 かつ 給食費未納2か月以上 ＝加点12", 12)])
def test_points_words(parser, text, points):
    assert drafted(parser, text)["points"] == points


def test_a_whole_record_word_belongs_to_its_own_item(parser):
    cond = drafted(parser, "過去に一度でも虐待通告を受けた小学生で、直近3か月の欠席が5日以上")["condition"]
    assert cond["all"][0]["aggregate"]["whole_record"] is True
    assert cond["all"][1]["aggregate"]["window_months"] == 3
    cond = drafted(parser, "・いじめ被害（これまで）＋心の天気雨（直近1か月3回以上）")["condition"]
    assert cond["all"][0]["aggregate"]["whole_record"] is True


def test_same_window_and_monthly_rates_with_a_verb(parser):
    cond = drafted(parser, "直近半年にいじめの認知があり、保健室来室も同じ期間に3回以上")["condition"]
    assert [c["aggregate"]["window_months"] for c in cond["all"]] == [6, 6]
    agg = _agg(parser, "直近6か月で、月に5日以上休んだ月が1回でもある")
    assert agg == {"window_months": 6, "fn": "count", "value_filter": {"op": ">=", "value": 5}}


def test_move_in_is_its_code_and_move_alone_the_whole_item(parser):
    assert _agg(parser, "過去2年間に転入が2回以上ある")["value_filter"] == {"op": "=", "value": "11"}
    assert _agg(parser, "直近1年で市内転居が2回以上")["value_filter"] == {"op": "=", "value": "12"}
    assert "value_filter" not in _agg(parser, "1年に2回以上転居している")


def test_a_mi_after_an_item_negates_it_and_arrears_words_restate(parser):
    cond = drafted(parser, "市税も国保料も払えてない世帯")["condition"]
    assert cond == {"all": [{"item": "tax.arrears", "op": "=", "value": True}, {"item": "insurance.nhi_arrears", "op": "=", "value": True}]}


@pytest.mark.parametrize(
    ("text", "agg", "op", "value"),
    [
        ("毎月3日以上休んでいる状態（直近3か月）", {"window_months": 3, "fn": "count", "value_filter": {"op": ">=", "value": 3}}, ">=", 3),
        ("直近3か月で月平均5日以上欠席", {"window_months": 3, "fn": "sum"}, ">=", 15),
        ("保育所の欠席が1か月で最大10日以上（過去1年）", {"window_months": 12, "fn": "count", "value_filter": {"op": ">=", "value": 10}}, ">=", 1),
    ],
)
def test_monthly_rates(parser, text, agg, op, value):
    cond = drafted(parser, text)["condition"]
    assert (cond["aggregate"], cond["op"], cond["value"]) == (agg, op, value)


@pytest.mark.parametrize(
    ("text", "value_filter"),
    [
        ("保健室（体調不良・けが以外の理由）で直近1年に5回以上", {"op": "not_in", "value": ["1", "2"]}),
        ("直近1年の家庭児童相談（その他を除く）が2件以上", {"op": "!=", "value": "90"}),
    ],
)
def test_codes_left_out(parser, text, value_filter):
    assert _agg(parser, text)["value_filter"] == value_filter


@pytest.mark.parametrize("text", ["保育所を直近3か月で20日以上休んでいる", "園を10日以上休んだ月が直近半年に2か月以上ある"])
def test_a_place_gives_the_absence_its_item(parser, text):
    assert drafted(parser, text)["condition"]["item"] == "nursery.absence_days"


def test_a_place_condition_of_its_own_stays(parser):
    cond = drafted(parser, "保育園に在園していて、直近1か月の欠席が10日以上")["condition"]
    assert [c["item"] for c in cond["all"]] == ["nursery.enrolled", "nursery.absence_days"]


def test_historical_attributes_take_a_past_form(parser):
    assert drafted(parser, "妊娠届が遅かった家庭の1歳未満のこども")["condition"]["item"] == "health.late_pregnancy_notification"


def test_once_is_the_whole_record_unless_the_window_is_its_own(parser):
    cond = drafted(parser, "家庭児童相談が直近1年で3回以上あり、かつ保健室であざ・傷の確認をしたことが1回でもある")["condition"]
    assert cond["all"][1]["aggregate"]["whole_record"] is True
    assert _agg(parser, "直近6か月で、月に5日以上休んだ月が1回でもある")["window_months"] == 6


def test_numbered_checkup_labels_name_the_item_and_their_codes(parser):
    agg = _agg(parser, "1歳6か月健診か3歳児健診のどちらかを受けていない記録がある")
    assert agg["value_filter"] == {"op": "in", "value": ["18M", "36M"]} and agg["whole_record"] is True


@pytest.mark.parametrize(("text", "item"), [("こんにちは赤ちゃん訪問で会えなかった0歳児", "health.home_visit_unmet"),
                                             ("半年間でこころの天気が雨の日が10日以上", "school.mood_bad")])
def test_an_items_own_word_next_to_it_belongs_to_it(parser, text, item):
    assert drafted(parser, text)["condition"]["item"] == item


def test_months_worth(parser):
    assert drafted(parser, "給食費が半年分以上未納になっている")["condition"] == {"item": "school.lunch_fee_arrears_months", "op": ">=", "value": 6}


@pytest.mark.parametrize(("text", "code"), [("心の天気が雨の日が今年度10日以上、または教育相談（いじめ）が今年度ある", "2"),
                                             ("4か月健診未受診", "04M")])
def test_a_label_in_brackets_or_without_ji_is_the_code(parser, text, code):
    cond = drafted(parser, text)["condition"]
    leaf = cond["any"][1] if "any" in cond else cond
    assert leaf["aggregate"]["value_filter"] == {"op": "=", "value": code}


def test_a_bare_grade_adds_no_stage(parser):
    rule = drafted(parser, "中3で欠席が直近1年に30日以上")
    assert "population" not in rule and {"item": "school.grade", "op": "=", "value": 9} in rule["condition"]["all"]


def test_mi_after_an_item_negates_it(parser):
    cond = drafted(parser, "SSW未介入で、過去半年の欠席が十五日以上")["condition"]
    assert cond["all"][0] == {"not": {"item": "school.ssw_support", "op": "=", "value": True}}


def test_end_of_month_and_a_mother_of_a_maternal_health_item(parser):
    assert _agg(parser, "令和8年3月末までに3歳児健診の未受診がある")["period"] == {"end": "2026-03-31"}
    assert drafted(parser, "妊娠届が遅かった（22週以降）母の子で1歳未満")["condition"]["item"] == "health.late_pregnancy_notification"
