"""Issue 14's readings by the offline drafter: time words, fixed periods, verbs, stages inside item names."""

from __future__ import annotations

from typing import Any

import pytest

from rulegen.offline.parser import OfflineParser


@pytest.fixture(scope="module")
def parser(catalog):
    return OfflineParser(catalog)


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
