from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.dates import DateParseError, age_on, era_of, format_seireki, format_wareki, parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和6年4月1日", date(2024, 4, 1)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("昭和64年1月7日", date(1989, 1, 7)),
        ("大正15年12月24日", date(1926, 12, 24)),
        ("明治45年7月29日", date(1912, 7, 29)),
        ("R6.4.1", date(2024, 4, 1)),
        ("r6.4.1", date(2024, 4, 1)),
        ("H27.04.03", date(2015, 4, 3)),
        ("S64/1/7", date(1989, 1, 7)),
        ("T1.7.30", date(1912, 7, 30)),
        ("M45-07-29", date(1912, 7, 29)),
        ("令和６年１２月２５日", date(2024, 12, 25)),  # full-width digits
        ("㋿6年4月1日", date(2024, 4, 1)),  # era ligature
        ("㍻31年4月30日", date(2019, 4, 30)),
        ("2024/04/01", date(2024, 4, 1)),
        ("2024/4/1", date(2024, 4, 1)),
        ("2024-04-01", date(2024, 4, 1)),
        ("2024.4.1", date(2024, 4, 1)),
        ("2024年4月1日", date(2024, 4, 1)),
        ("20240401", date(2024, 4, 1)),
        ("　２０２４／０４／０１ ", date(2024, 4, 1)),
    ],
)
def test_parse_accepts_seireki_and_wareki(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("令和6年4月", date(2024, 4, 1)), ("R6.4", date(2024, 4, 1)), ("2024/04", date(2024, 4, 1)),
     ("2024年4月", date(2024, 4, 1)), ("2024-04", date(2024, 4, 1)), ("平成31年4月", date(2019, 4, 1)),
     ("令和元年5月", date(2019, 5, 1))],
)
def test_year_month_is_first_of_month_when_allowed(text, expected):
    assert parse_date(text, allow_month=True) == expected
    with pytest.raises(DateParseError, match="日がありません"):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("平成31年5月1日", "平成の期間外"),  # 令和 began on 2019-05-01
        ("令和元年4月30日", "令和の期間外"),
        ("昭和64年1月8日", "昭和の期間外"),
        ("令和6年2月30日", "存在しない日付"),
        ("2024/13/01", "存在しない日付"),
        ("令和0年4月1日", "1 (元年) 以上"),
        ("きのう", "日付として読めません"),
        ("", "空です"),
        ("X6.4.1", "日付として読めません"),
    ],
)
def test_parse_errors_are_japanese_and_precise(text, fragment):
    with pytest.raises(DateParseError) as info:
        parse_date(text)
    assert fragment in str(info.value)


def test_format_wareki_styles_and_gannen():
    assert format_wareki(date(2019, 5, 1)) == "令和元年5月1日"
    assert format_wareki(date(2024, 4, 1), "abbr") == "R6.4.1"
    assert format_wareki(date(2015, 4, 3), "abbr_zero") == "H27.04.03"
    assert format_wareki(date(2019, 4, 30), "full") == "平成31年4月30日"
    assert format_wareki(date(2024, 4, 9), "full_month") == "令和6年4月"
    assert era_of(date(1989, 1, 8)).name == "平成"
    assert age_on(date(2010, 4, 2), date(2026, 4, 1)) == 15
    assert age_on(date(2010, 4, 1), date(2026, 4, 1)) == 16


dates_strategy = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))


@settings(max_examples=300, deadline=None)
@given(d=dates_strategy, style=st.sampled_from(["full", "abbr", "abbr_zero"]))
def test_wareki_round_trip(d, style):
    assert parse_date(format_wareki(d, style)) == d


@settings(max_examples=300, deadline=None)
@given(d=dates_strategy, style=st.sampled_from(["slash", "slash_zero", "iso", "kanji", "compact"]))
def test_seireki_round_trip(d, style):
    assert parse_date(format_seireki(d, style)) == d


@settings(max_examples=200, deadline=None)
@given(d=dates_strategy, style=st.sampled_from(["full_month", "abbr_month"]))
def test_wareki_month_round_trip(d, style):
    assert parse_date(format_wareki(d, style), allow_month=True) == d.replace(day=1)
