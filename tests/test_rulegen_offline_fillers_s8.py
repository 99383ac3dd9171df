"""Connective and descriptive words that say no condition (session 8, from dev9): うえに, 含めて, 種別, 定義.
The words that do say something (による before a record, 数えない) are still asked or read as before."""

from __future__ import annotations

import datetime as dt

import pytest

from rulegen.offline.parser import OfflineParser


@pytest.fixture(scope="module")
def parser(catalog):
    return OfflineParser(catalog, today=lambda: dt.date(2026, 11, 1))


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
