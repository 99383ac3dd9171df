"""Readings added in session 10 from the blind dev16 set: another city's report or method quoted around the
criterion, a busy person's marks (×/○, ↑/↓, ×2, ＋), a difficulty listed among the conditions (asked), a list
whose count matches it, 十代, 両方とも未受診, 1つでも漏れている, 夏休み明け, 今年度の4月から9月."""

from __future__ import annotations

import pytest

from tests.conftest_rulegen import condition


@pytest.mark.parametrize(("text", "item"), [
    ("和泉市の報告書にあった福祉側の基準のうち「生活保護受給世帯」をうちでも使いたい", "welfare.public_assistance"),
    ("和泉市方式にならって、以前要対協に登録されていて今は終結している子も拾いたい", "child.yotaikyo_past"),
    ("報告書の「一時保護歴あり」を福祉側の基準に追加してください", "child.temporary_protection_history"),
    ("報告書の基準「保護者が障害者手帳を所持している」を入れたい", "disability.guardian_certificate"),
    ("福祉側だけ高い子も確認できるように、DV相談の記録がある世帯の子を福祉側で加点", "dv.consultations"),
])
def test_another_citys_report_quoted_around_the_criterion(parser, text, item) -> None:
    assert condition(parser, text)["item"] == item


def test_a_top_n_premise_is_no_condition(parser) -> None:
    cond = condition(parser, "上位200人に入れる前提で、住民税非課税世帯かつひとり親世帯の子に加点したい")
    assert [p["item"] for p in cond["all"]] == ["tax.resident_tax_exempt", "resident.single_parent"]


def test_a_list_whose_count_matches_it(parser) -> None:
    cond = condition(parser, "箕面市のように、生活保護・ひとり親・就学援助・給食費の滞納の4つのうち2つ以上に当てはまる子")
    assert cond["at_least"] == 2 and len(cond["of"]) == 4


def test_marks_of_a_busy_person(parser) -> None:
    cond = condition(parser, "生保×・就援○・小学生")
    assert cond["all"] == [{"not": {"item": "welfare.public_assistance", "op": "=", "value": True}},
                           {"item": "school.school_aid", "op": "=", "value": True}]
    cond = condition(parser, "要対協外・通告歴2回↑")
    assert cond["all"][0] == {"not": {"item": "child.yotaikyo_registered", "op": "=", "value": True}}
    assert cond["all"][1]["op"] == ">=" and cond["all"][1]["value"] == 2
    assert condition(parser, "乳健未×2") == {"item": "health.checkup_missed", "op": ">=", "value": 2,
                                        "aggregate": {"fn": "count", "whole_record": True}}


def test_a_difficulty_listed_among_conditions_is_asked(parser) -> None:
    assert parser.parse("生保＋不登校傾向").rule is None
    # as a label of the rule it stays a label
    assert condition(parser, "不登校傾向として年間欠席日数が30日以上の中学生")["item"] == "school.absence_days"


def test_teens_both_missed_and_one_missing(parser) -> None:
    assert condition(parser, "保護者が十代の世帯のこども")["item"] == "resident.guardian_age"
    cond = condition(parser, "1歳半健診と3歳児健診の両方とも未受診の子")
    assert [p["aggregate"]["value_filter"]["value"] for p in cond["all"]] == ["18M", "36M"]
    assert condition(parser, "未熟児で生まれた子で、予防接種が１つでも漏れている")["all"][1] == {
        "item": "health.vaccination_missed", "op": ">=", "value": 1}


def test_months_said_with_a_holiday_or_within_this_fiscal_year(parser) -> None:
    assert condition(parser, "夏休み明けの令和8年9月に、欠席が5日以上あった子")["aggregate"]["period"] == {
        "start": "2026-09-01", "end": "2026-09-30"}
    cond = condition(parser, "小学6年生で、今年度の4月から9月までの欠席が合計10日以上")
    assert cond["all"][0]["aggregate"]["period"] == {"start": "2026-04-01", "end": "2026-09-30"}


def test_a_bruise_or_injury_check(parser) -> None:
    assert condition(parser, "保健室で身体のあざや傷を確認したことがある児童生徒")["aggregate"]["value_filter"] == {"op": "=", "value": "4"}


def test_a_cross_between_two_items_is_both(parser) -> None:
    assert condition(parser, "放デイ利用×ひとり親") == {"all": [
        {"item": "disability.child_day_service", "op": "=", "value": True},
        {"item": "resident.single_parent", "op": "=", "value": True}]}


def test_not_in_a_nursery_is_of_preschool_age(parser) -> None:
    r = parser.parse("非課税&ひとり親&未就園")
    assert r.rule is not None and r.rule["population"] == {"school_stages": ["preschool"]}


def test_one_kind_of_certificate_is_read_as_the_item_and_said(parser) -> None:
    r = parser.parse("EPDS９点以上、または保護者が精神障害者保健福祉手帳を持っている")
    assert r.rule is not None and any("手帳の種類を区別していない" in n for n in r.notes)
    assert condition(parser, "保護者が障害者手帳を持っている")["item"] == "disability.guardian_certificate"
