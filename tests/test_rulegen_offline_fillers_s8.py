"""Connective and descriptive words that say no condition (session 8, from dev9): うえに, 含めて, 種別, 定義.
The words that do say something (による before a record, 数えない) are still asked or read as before."""

from __future__ import annotations

import pytest


def test_ueni_joins_two_conditions(parser) -> None:
    r = parser.parse("妊娠届が遅かったうえに、こんにちは赤ちゃん訪問でも会えなかった子")
    assert r.rule is not None, r.questions
    items = {leaf["item"] for leaf in r.rule["condition"]["all"]}
    assert items == {"health.late_pregnancy_notification", "health.home_visit_unmet"}


def test_fukumete_keeps_every_code(parser) -> None:
    r = parser.parse("養護相談で受け付けたことがある子（虐待もその他も含めて）")
    assert r.rule is not None, r.questions
    cond = r.rule["condition"]
    assert cond["item"] == "child.consultations"
    assert cond["aggregate"]["whole_record"] is True
    assert sorted(cond["aggregate"]["value_filter"]["value"]) == ["11", "12"]


def test_shubetsu_is_the_code_label(parser) -> None:
    r = parser.parse("種別が不明・その他の通告歴がある子")
    assert r.rule is not None, r.questions
    cond = r.rule["condition"]
    assert cond["item"] == "child.abuse_reports"


def test_a_reason_before_a_record_is_still_asked(parser) -> None:
    assert parser.parse("虐待による一時保護歴がある").rule is None


# -- the count of the listed conditions before すべて, and the list in brackets after 「次の…に該当」 ----------


def _items(rule) -> list[str]:
    cond = rule["condition"]
    return [leaf["item"] for leaf in cond.get("all", cond.get("any", []))]


@pytest.mark.parametrize("text,join,items,points", [
    ("就学援助、生活保護、ひとり親の3つすべてに該当", "all",
     ["school.school_aid", "welfare.public_assistance", "resident.single_parent"], None),
    ("次の3項目すべてに該当（就学援助受給、給食費滞納3か月以上、学力調査下位層）で20点", "all",
     ["school.school_aid", "school.lunch_fee_arrears_months", "school.academic_low"], 20),
    ("次のいずれかに該当（就学援助、生活保護）で5点", "any", ["school.school_aid", "welfare.public_assistance"], 5),
    ("次の2つのいずれにも該当する児童：就学援助、ひとり親", "all", ["school.school_aid", "resident.single_parent"], None),
])
def test_listed_conditions_with_their_count(parser, text, join, items, points) -> None:
    r = parser.parse(text)
    assert r.rule is not None, r.questions
    assert join in r.rule["condition"]
    assert _items(r.rule) == items
    if points is not None:
        assert r.rule["points"] == points


# -- 年間 beside a fiscal year: the year it speaks of ----------------------------------------------------


@pytest.mark.parametrize("text,start", [
    ("令和7年度に年間30日以上欠席していた小学4〜6年", "2025-04-01"),
    ("今年度、年間で30日以上欠席", "2026-04-01"),
])
def test_nenkan_beside_a_fiscal_year_is_that_year(parser, text, start) -> None:
    r = parser.parse(text)
    assert r.rule is not None, r.questions
    cond = r.rule["condition"]
    leaf = cond["all"][0] if "all" in cond else cond
    assert leaf["aggregate"]["period"]["start"] == start


def test_a_window_beside_a_fiscal_year_is_still_asked(parser) -> None:
    assert parser.parse("令和7年度に過去6か月で30日以上欠席").rule is None


# -- 「直近6か月のうち、」 and 「ゼロではない」 -------------------------------------------------------------


def test_window_nouchi_is_the_window(parser) -> None:
    r = parser.parse("直近6か月のうち、欠席が5日以上あった月が3か月以上")
    assert r.rule is not None, r.questions
    assert r.rule["condition"]["aggregate"] == {"fn": "count", "window_months": 6, "value_filter": {"op": ">=", "value": 5}}
    assert r.rule["condition"]["value"] == 3


def test_zero_dewanai_is_at_least_one(parser) -> None:
    r = parser.parse("虐待通告がこの2年でゼロではない小中学生")
    assert r.rule is not None, r.questions
    cond = r.rule["condition"]
    assert (cond["item"], cond["op"], cond["value"], cond["aggregate"]["window_months"]) == ("child.abuse_reports", ">=", 1, 24)
