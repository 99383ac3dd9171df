"""Cron expressions in plain Japanese and their next run times (pure functions)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from api.errors import ServiceError
from api.services.schedule_text import describe_cron, next_runs

JST = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize("expr, text", [
    ("0 6 1 * *", "毎月1日 6時"),
    ("30 9 * * 1", "毎週月曜日 9時30分"),
    ("0 6 1,15 * *", "毎月1日・15日 6時"),
    ("0 6 1 4 *", "毎年4月1日 6時"),
    ("0 6 * * *", "毎日 6時"),
    ("0 7 * * 0", "毎週日曜日 7時"),
    ("0 7 * * 7", "毎週日曜日 7時"),
    ("0 6 1 * 1", "毎月1日のうち月曜日に当たる日 6時"),
])
def test_describe(expr, text):
    assert describe_cron(expr) == text


def test_next_three_runs_strictly_after():
    after = datetime(2027, 1, 1, 6, 0, tzinfo=JST)  # exactly a fire time: not counted
    runs = next_runs("0 6 1 * *", after=after)
    assert runs == [datetime(2027, m, 1, 6, 0, tzinfo=JST) for m in (2, 3, 4)]


def test_next_runs_follow_the_description_of_weekdays():
    runs = next_runs("30 9 * * 1", after=datetime(2026, 12, 1, 0, 0, tzinfo=JST))
    assert [r.weekday() for r in runs] == [0, 0, 0] and runs[0].day == 7


@pytest.mark.parametrize("bad", ["0 6 1 *", "0 25 1 * *", "x 6 1 * *", "0 6 32 * *"])
def test_bad_cron_has_a_japanese_error(bad):
    with pytest.raises(ServiceError) as e:
        describe_cron(bad)
    assert "cron 式" in e.value.detail
