"""Japanese dates: parse and format 西暦 and 和暦 (pure functions, no I/O).

Accepted forms (full-width digits and era ligatures such as ㋿ are folded by NFKC first):

- 西暦: ``2024-04-01``, ``2024/4/1``, ``2024.04.01``, ``2024年4月1日``, ``20240401``
- 和暦: ``令和6年4月1日``, ``令和元年5月1日``, ``R6.4.1``, ``H27.04.03``, ``S64/1/7``, ``r6-4-1``
- year and month only (with ``allow_month=True``): ``2024/04``, ``2024年4月``, ``令和6年4月``, ``R6.4``
  -> the first day of that month.

A 和暦 date must lie inside its era (``平成31年5月1日`` does not exist: 令和 began on 2019-05-01).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from engine.errors import TsunaguError


@dataclass(frozen=True)
class Era:
    name: str
    letter: str
    start: date  # first day of the era
    end: date | None  # last day of the era, None for the current one


ERAS: tuple[Era, ...] = (
    Era("明治", "M", date(1868, 1, 25), date(1912, 7, 29)),
    Era("大正", "T", date(1912, 7, 30), date(1926, 12, 24)),
    Era("昭和", "S", date(1926, 12, 25), date(1989, 1, 7)),
    Era("平成", "H", date(1989, 1, 8), date(2019, 4, 30)),
    Era("令和", "R", date(2019, 5, 1), None),
)
_BY_KEY: dict[str, Era] = {**{e.name: e for e in ERAS}, **{e.letter: e for e in ERAS}}


class DateParseError(TsunaguError, ValueError):
    """A value that is not a date in any accepted form; the message is Japanese, for staff."""


_ERA_RE = "(明治|大正|昭和|平成|令和|[MTSHR])"
_SEP = r"\s*[./\-年]\s*"
_WAREKI = re.compile(rf"^{_ERA_RE}\s*(元|\d{{1,2}}){_SEP}(\d{{1,2}})\s*(?:[./\-月]\s*(\d{{1,2}})\s*日?|月)?$", re.I)
_SEIREKI = re.compile(r"^(\d{4})\s*[./\-年]\s*(\d{1,2})\s*(?:[./\-月]\s*(\d{1,2})\s*日?|月)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def _normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def era_of(d: date) -> Era:
    """The era a (Gregorian) date belongs to; dates before 明治 raise."""
    for era in reversed(ERAS):
        if d >= era.start:
            return era
    raise DateParseError(f"{d.isoformat()} は明治より前の日付のため和暦にできません")


def _make(y: int, m: int, d: int, raw: str) -> date:
    try:
        return date(y, m, d)
    except ValueError:
        raise DateParseError(f"「{raw}」は存在しない日付です") from None


def parse_date(text: str, *, allow_month: bool = False) -> date:
    """Parse one 西暦 or 和暦 date; raise DateParseError (Japanese message) if it is not one."""
    raw = text
    s = _normalize(text)
    if not s:
        raise DateParseError("日付が空です")
    m = _WAREKI.match(s)
    if m:
        era = _BY_KEY[m.group(1).upper() if len(m.group(1)) == 1 else m.group(1)]
        n = 1 if m.group(2) == "元" else int(m.group(2))
        if n < 1:
            raise DateParseError(f"「{raw}」: 和暦の年は1 (元年) 以上です")
        month = int(m.group(3))
        day_s = m.group(4)
        if day_s is None and not allow_month:
            raise DateParseError(f"「{raw}」には日がありません (年月日で指定してください)")
        result = _make(era.start.year + n - 1, month, int(day_s) if day_s else 1, raw)
        # a month-only value is valid when any day of that month lies inside the era
        last = result if day_s else _month_end(result)
        if last < era.start or (era.end is not None and result > era.end):
            raise DateParseError(f"「{raw}」は{era.name}の期間外の日付です")
        return result
    m = _SEIREKI.match(s)
    if m:
        if m.group(3) is None and not allow_month:
            raise DateParseError(f"「{raw}」には日がありません (年月日で指定してください)")
        return _make(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1), raw)
    m = _COMPACT.match(s)
    if m:
        return _make(int(m.group(1)), int(m.group(2)), int(m.group(3)), raw)
    raise DateParseError(f"「{raw}」は日付として読めません (例: 2024/04/01, 令和6年4月1日, R6.4.1)")


def to_date(value: object) -> date | None:
    """A date from a ``date`` (a ``datetime`` gives its date), from text in any form :func:`parse_date`
    reads, or None for None or blank text; anything else raises DateParseError (a ValueError)."""
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return value.date()
    if not isinstance(value, str):
        raise DateParseError(f"「{value!r}」は日付として読めません (例: 2024/04/01, 令和6年4月1日, R6.4.1)")
    if not value.strip():
        return None
    return parse_date(value)


def _month_end(d: date) -> date:
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


WarekiStyle = Literal["full", "abbr", "abbr_zero", "full_month", "abbr_month"]
SeirekiStyle = Literal["slash", "slash_zero", "iso", "kanji", "compact", "slash_month", "kanji_month"]


def format_wareki(d: date, style: WarekiStyle = "full") -> str:
    """``full``: 令和6年4月1日 (元年 for year 1); ``abbr``: R6.4.1; ``abbr_zero``: R06.04.01;
    ``full_month``: 令和6年4月; ``abbr_month``: R6.4."""
    era = era_of(d)
    n = d.year - era.start.year + 1
    if style == "full":
        return f"{era.name}{'元' if n == 1 else n}年{d.month}月{d.day}日"
    if style == "full_month":
        return f"{era.name}{'元' if n == 1 else n}年{d.month}月"
    if style == "abbr":
        return f"{era.letter}{n}.{d.month}.{d.day}"
    if style == "abbr_zero":
        return f"{era.letter}{n:02d}.{d.month:02d}.{d.day:02d}"
    if style == "abbr_month":
        return f"{era.letter}{n}.{d.month}"
    raise ValueError(f"unknown wareki style {style!r}")


def format_seireki(d: date, style: SeirekiStyle = "slash_zero") -> str:
    if style == "slash":
        return f"{d.year}/{d.month}/{d.day}"
    if style == "slash_zero":
        return f"{d.year}/{d.month:02d}/{d.day:02d}"
    if style == "iso":
        return d.isoformat()
    if style == "kanji":
        return f"{d.year}年{d.month}月{d.day}日"
    if style == "compact":
        return f"{d.year}{d.month:02d}{d.day:02d}"
    if style == "slash_month":
        return f"{d.year}/{d.month:02d}"
    if style == "kanji_month":
        return f"{d.year}年{d.month}月"
    raise ValueError(f"unknown seireki style {style!r}")


def age_on(birth: date, on: date) -> int:
    """Full years (満年齢) on a date."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
