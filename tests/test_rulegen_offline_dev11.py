"""Readings added in session 9 from the blind dev11 set (and dev9/dev10): two conditions on one event item,
list numbers and points after a list, 赤ちゃん and 学校 as plain words, 去年度, 今年の4月以降, 時期を問わない,
「1か月でも…の月」. Words that do change the meaning stay asked."""

from __future__ import annotations

from typing import Any

import pytest

from rulegen.offline.parser import OfflineParser
from tests.conftest_rulegen import drafted

THIS_FY = {"start": "2026-04-01", "end": "2027-03-31"}
LAST_FY = {"start": "2025-04-01", "end": "2026-03-31"}


def _rule(parser: OfflineParser, text: str) -> dict[str, Any]:
    return drafted(parser, text, no_questions=True)


def test_two_periods_on_one_item_are_two_conditions(parser) -> None:
    cond = _rule(parser, "昨年度欠席30日こえてて今年度も10日以上の子")["condition"]
    assert cond == {"all": [
        {"item": "school.absence_days", "op": ">", "value": 30, "aggregate": {"fn": "sum", "period": LAST_FY}},
        {"item": "school.absence_days", "op": ">=", "value": 10, "aggregate": {"fn": "sum", "period": THIS_FY}},
    ]}


def test_two_windows_on_one_item_are_two_conditions(parser) -> None:
    cond = _rule(parser, "欠席日数が直近3か月で10日以上、直近1か月で5日以上")["condition"]
    assert [(c["value"], c["aggregate"]["window_months"]) for c in cond["all"]] == [(10, 3), (5, 1)]


def test_a_kind_counted_among_the_records(parser) -> None:
    cond = _rule(parser, "通告が過去に３回以上あって、そのうち１回以上はネグレクト")["condition"]
    first, second = cond["all"]
    assert first["value"] == 3 and "value_filter" not in first["aggregate"]
    assert second["value"] == 1 and second["aggregate"]["value_filter"] == {"op": "=", "value": "3"}
    assert first["aggregate"]["whole_record"] and second["aggregate"]["whole_record"]


def test_a_lower_and_upper_bound_stay_one_range(parser) -> None:
    cond = _rule(parser, "今年度の欠席が10日以上30日未満")["condition"]
    assert [c["op"] for c in cond["all"]] == [">=", "<"]


def test_two_numbers_without_periods_are_still_asked(parser) -> None:
    r = parser.parse("通告が3回以上で1回以上")
    assert r.rule is None


@pytest.mark.parametrize("text", [
    "次のいずれかに該当する児童　(1)一時保護歴がある　(2)要対協の登録歴がある　6点",
    "次のいずれかに該当する児童　①一時保護歴がある　②要対協の登録歴がある　6点",
    "次のいずれかに該当する児童：一時保護歴がある、要対協の登録歴がある。6点",
])
def test_points_after_a_list_are_the_rules(parser, text) -> None:
    rule = _rule(parser, text)
    assert rule["points"] == 6
    assert [c["item"] for c in rule["condition"]["any"]] == ["child.temporary_protection_history", "child.yotaikyo_past"]


def test_akachan_is_the_child_not_the_home_visit(parser) -> None:
    rule = _rule(parser, "2500g未満で生まれた赤ちゃん（1歳未満）")
    assert rule["condition"]["item"] == "health.low_birth_weight"
    assert _rule(parser, "こんにちは赤ちゃんで会えず、4か月健診も未受診の子")["condition"]["all"][0]["item"] == "health.home_visit_unmet"


def test_gakkou_wo_yasumu_is_absence(parser) -> None:
    cond = _rule(parser, "生保世帯の子で、過去1年間に学校を30日以上休んでいる子")["condition"]
    assert cond["all"][1] == {"item": "school.absence_days", "op": ">=", "value": 30, "aggregate": {"fn": "sum", "window_months": 12}}


def test_past_registration(parser) -> None:
    assert _rule(parser, "要対協が終結している子")["condition"]["item"] == "child.yotaikyo_past"


@pytest.mark.parametrize(("text", "period"), [
    ("去年度、保育園を年間60日以上休んでた子", LAST_FY),
    ("今年の4月以降にネグレクトで通告された子、いますか？", {"start": "2026-04-01"}),
])
def test_relative_years(parser, text, period) -> None:
    assert _rule(parser, text)["condition"]["aggregate"]["period"] == period


def test_any_time_in_brackets_is_the_whole_record(parser) -> None:
    cond = _rule(parser, "一時保護歴があり、かつ世帯にDV相談の記録（時期を問わない）がある児童　8点")["condition"]
    assert cond["all"][1]["aggregate"]["whole_record"] is True


def test_one_month_even_is_a_count_of_months(parser) -> None:
    cond = _rule(parser, "直近6か月のうち、1か月でも欠席が10日以上あった月がある子を出せますか")["condition"]
    assert cond["aggregate"] == {"fn": "count", "window_months": 6, "value_filter": {"op": ">=", "value": 10}}
    assert (cond["op"], cond["value"]) == (">=", 1)


def test_every_month_without_fail(parser) -> None:
    cond = _rule(parser, "過去3か月、毎月欠かさず5日以上遅刻してる子")["condition"]
    assert (cond["op"], cond["value"]) == (">=", 3) and cond["aggregate"]["value_filter"] == {"op": ">=", "value": 5}


@pytest.mark.parametrize("text", [
    "住民基本台帳上、転入又は転居が過去2年間に3回以上ある児童",
    "保護世帯の子なのに就学援助の認定が出ていないケース",
    "3歳児健診を受けてない子、拾えますか？",
])
def test_plain_words_are_no_conditions(parser, text) -> None:
    _rule(parser, text)


def test_regardless_of_stays_asked(parser) -> None:
    # 「欠席の有無にかかわらず」 says something about 欠席: it is never dropped silently
    r = parser.parse("小学生につきましては、欠席の有無にかかわらず、心の天気の「雨」が直近2か月で10回以上ある児童を抽出いただけますと幸いです。")
    assert r.rule is None


@pytest.mark.parametrize(("text", "item"), [
    ("DVのご相談が直近1年以内に1回以上あったご家庭の児童", "dv.consultations"),  # ご相談: DV's, not every consultation
    ("こんにちは赤ちゃんで会えてない家の子", "health.home_visit_unmet"),
    ("2026年1月以降に保健室でけがの手当てを受けた回数が3回以上の児童", "school.nurse_visits"),  # 手当て: no allowance
])
def test_polite_and_colloquial_forms(parser, text, item) -> None:
    assert _rule(parser, text)["condition"]["item"] == item
