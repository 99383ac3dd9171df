"""Readings added in session 10 from the blind dev17 set: where a concern came from (民生委員さんから話のあった)
is no condition; 同年度 is the period said before."""

from __future__ import annotations

THIS_FY = {"start": "2026-04-01", "end": "2027-03-31"}


def test_where_a_concern_came_from_is_no_condition(parser) -> None:
    r = parser.parse("民生委員さんから話のあった、転入してきたばかりの家庭（直近６か月以内に転入）")
    assert r.rule is not None and r.rule["condition"]["aggregate"] == {
        "fn": "exists", "window_months": 6, "value_filter": {"op": "=", "value": "11"}}


def test_the_same_fiscal_year(parser) -> None:
    r = parser.parse("令和８年度中に教育相談（家庭環境）が１回以上あり、かつ同年度に保健室来室（心の不調・相談）が３回以上ある生徒")
    assert r.rule is not None
    assert [p["aggregate"]["period"] for p in r.rule["condition"]["all"]] == [THIS_FY, THIS_FY]
