"""Formal-style readings by the offline drafter (issue 14, dev set 4): fiscal years, 要綱 wording."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from rulegen.offline.parser import OfflineParser


@pytest.fixture(scope="module")
def parser(catalog):
    return OfflineParser(catalog, today=lambda: dt.date(2026, 11, 15))


def _rule(parser: OfflineParser, text: str) -> dict[str, Any]:
    r = parser.parse(text)
    assert r.rule is not None, (text, r.questions, r.problems)
    return r.rule


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
    cond = _rule(parser, "昨年度の欠席が30日以上で、今年度も欠席が10日以上")["condition"]
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
    cond = _rule(parser, text)["condition"]
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
    parts = _rule(parser, text)["condition"]["all"]
    negated = sorted(p["not"]["item"] for p in parts if "not" in p)
    assert negated == ["school.school_aid", "welfare.public_assistance"]
    assert {"item": "tax.resident_tax_exempt", "op": "=", "value": True} in parts


def test_both_markers_join_the_list_with_and(parser):
    cond = _rule(parser, "直近1年に虐待通告とDV相談がどちらもある世帯の子")["condition"]
    assert [p["item"] for p in cond["all"]] == ["child.abuse_reports", "dv.consultations"]
