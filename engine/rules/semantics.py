"""Small pieces of rule semantics shared by the validator, the compiler and the reference evaluator.

Derived items (month-based approximation, because the mart keeps only the birth month):

- ``resident.age``: full years at the reference date, counting a birthday as reached on the
  first day of the birth month: ``(ref.year*12 + ref.month - (b.year*12 + b.month)) // 12``.
  Within the birth month a child may be counted one year older than on the exact day.
- ``resident.school_stage``: Japanese school years start on 1 April. A child born April..March
  belongs to the cohort of the April's year (children born on 1 April, who legally join the
  earlier cohort, are counted in the later one). Cohort ``c = b.year - (1 if b.month < 4 else 0)``;
  in the fiscal year ``fy`` of the reference date (April..March) the grade index is
  ``g = fy - c - 7`` (0 = first year of elementary school); the stage of each grade range is
  in ``engine.rules.stages`` (``g < 0`` preschool, ``0..5`` elementary, ``6..8`` junior_high,
  ``9..11`` high_school, otherwise other).
- Children born after the reference date (birth month later than the reference month) are not
  screened at all; neither are children without a birth month.

k of n (``{"at_least": k, "of": [...]}``): the number of parts that hold, each with the two-valued
result it has inside ``any`` (a missing value gives the comparison's ``when_missing``), is at least ``k``.

Look-back windows: an event counts when ``window_start <= event_date < reference_date`` with
``window_start = add_months(reference_date, -window_months)`` (day clamped to the month's end,
e.g. 31 May minus 3 months is 28/29 February). ``whole_record``: every event before the
reference date; ``period``: ``start <= event_date <= end`` and still ``event_date < reference_date``
(see ``event_bounds``).
"""

from __future__ import annotations

import calendar
import datetime as dt

from engine.catalog.model import CatalogItem
from engine.rules.model import Aggregate, Comparison
from engine.rules.stages import stage_from_grade_index

ORDER_OPS: tuple[str, ...] = ("<", "<=", ">", ">=")


def add_months(d: dt.date, months: int) -> dt.date:
    """``d`` shifted by ``months`` (negative: back), the day clamped to the target month's length."""
    idx = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(idx, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(d.day, last))


def window_start(reference_date: dt.date, window_months: int) -> dt.date:
    return add_months(reference_date, -window_months)


def event_bounds(agg: Aggregate, reference_date: dt.date) -> tuple[dt.date | None, dt.date]:
    """``(start, end)``: an event counts when ``start <= event_date < end`` (``start`` None: no lower bound).

    ``end`` is never after the reference date: events on or after it never count.
    """
    if agg.window_months is not None:
        return add_months(reference_date, -agg.window_months), reference_date
    if agg.period is not None:
        end = reference_date
        if agg.period.end is not None:
            end = min(end, agg.period.end + dt.timedelta(days=1))
        return agg.period.start, end
    return None, reference_date


def month_index(d: dt.date) -> int:
    return d.year * 12 + d.month


def fiscal_year(d: dt.date) -> int:
    return d.year if d.month >= 4 else d.year - 1


def age_at(birth_month: dt.date, reference_date: dt.date) -> int:
    return (month_index(reference_date) - month_index(birth_month)) // 12


def school_stage_at(birth_month: dt.date, reference_date: dt.date) -> str:
    cohort = birth_month.year - (1 if birth_month.month < 4 else 0)
    return stage_from_grade_index(fiscal_year(reference_date) - cohort - 7)


def is_screened(birth_month: dt.date | None, reference_date: dt.date) -> bool:
    return birth_month is not None and month_index(birth_month) <= month_index(reference_date)


def leaf_result_type(c: Comparison, item: CatalogItem) -> str | None:
    """Value type a comparison compares: the item's type, or its aggregate's result type (None: invalid)."""
    if c.aggregate is None:
        return item.type
    fn = c.aggregate.fn
    if fn == "count":
        return "integer"
    if fn == "exists":
        return "bool"
    if fn == "sum":
        return item.type if item.type in ("integer", "decimal") else None
    # min / max
    return item.type if item.type in ("integer", "decimal", "date") else None
