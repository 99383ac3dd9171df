"""Cron expressions in plain Japanese (「毎月1日 6時」) and their next run times.

``describe_cron("0 6 1 * *") == "毎月1日 6時"``; ``next_runs("0 6 1 * *", after=..., count=3)`` lists the
next fire times in 日本時間 (APScheduler's CronTrigger, the scheduler's own parser ``parse_cron``).
Both are pure: no database, no clock unless ``after`` is omitted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from api.errors import ServiceError
from api.services.schedules import parse_cron

JST = ZoneInfo("Asia/Tokyo")
_DOW_JA = ("日", "月", "火", "水", "木", "金", "土")


def _expand(field: str, lo: int, hi: int, what: str) -> list[int] | None:
    """The values a cron field names (None for '*'); raises a Japanese error for a bad field."""
    if field == "*":
        return None
    values: set[int] = set()
    for part in field.split(","):
        rng, _, step_text = part.partition("/")
        try:
            step = int(step_text) if step_text else 1
            if rng == "*":
                a, b = lo, hi
            elif "-" in rng:
                a, b = (int(x) for x in rng.split("-", 1))
            else:
                a = int(rng)
                b = hi if step_text else a
        except ValueError:
            raise ServiceError(f"cron 式の{what}「{part}」を読めません（数字・範囲 1-5・間隔 */2・列挙 1,15 が使えます）",
                               status_code=422) from None
        if not (lo <= a <= b <= hi) or step < 1:
            raise ServiceError(f"cron 式の{what}「{part}」は {lo}〜{hi} の範囲で指定してください", status_code=422)
        values.update(range(a, b + 1, step))
    return sorted(values)


def _join(values: list[int], unit: str) -> str:
    return "・".join(f"{v}{unit}" for v in values)


def describe_cron(expr: str) -> str:
    """A standard 5-field cron expression (分 時 日 月 曜日, 日本時間) in plain Japanese."""
    parse_cron(expr)  # the scheduler's own check (same error message)
    minute, hour, day, month, dow = expr.split()
    minutes = _expand(minute, 0, 59, "分")
    hours = _expand(hour, 0, 23, "時")
    days = _expand(day, 1, 31, "日")
    months = _expand(month, 1, 12, "月")
    dows = _expand(dow, 0, 7, "曜日")
    if dows is not None:
        dows = sorted({d % 7 for d in dows})

    if months is None:
        prefix = "毎月" if days is not None else ""
    else:
        prefix = "毎年" + _join(months, "月")
    if days is not None and dows is not None:
        # the scheduler (APScheduler) requires both, unlike classic cron's either
        date_part = f"{prefix}{_join(days, '日')}のうち{'・'.join(_DOW_JA[d] for d in dows)}曜日に当たる日"
    elif days is not None:
        date_part = f"{prefix}{_join(days, '日')}"
    elif dows is not None:
        date_part = f"{prefix}{'の' if prefix else ''}毎週{'・'.join(_DOW_JA[d] for d in dows)}曜日"
    else:
        date_part = f"{prefix}{'の' if prefix else ''}毎日"

    if hours is None:
        if minutes is None:
            time_part = "毎分"
        else:
            time_part = "毎時" + _join(minutes, "分")
    else:
        if minutes is None:
            time_part = _join(hours, "時") + "台の毎分"
        elif minutes == [0]:
            time_part = _join(hours, "時")
        elif len(minutes) == 1:
            time_part = "・".join(f"{h}時{minutes[0]}分" for h in hours)
        else:
            time_part = _join(hours, "時") + "の" + _join(minutes, "分")
    return f"{date_part} {time_part}"


def next_runs(expr: str, *, after: datetime | None = None, count: int = 3) -> list[datetime]:
    """The next ``count`` fire times (日本時間) after ``after`` (default: now)."""
    trigger = parse_cron(expr)
    now = (after or datetime.now(JST)).astimezone(JST)
    out: list[datetime] = []
    previous: datetime | None = None
    current = now + timedelta(microseconds=1)
    for _ in range(count):
        nxt = trigger.get_next_fire_time(previous, current)
        if nxt is None:
            break
        out.append(nxt)
        previous = nxt
        current = nxt + timedelta(microseconds=1)
    return out

