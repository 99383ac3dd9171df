"""The run diff (豊中市's 重篤化の早期把握): newly extracted children and scores that rose by the margin."""

from __future__ import annotations

from datetime import date

from api.services.runs import compute_diff, reference_date
from engine.runner import ChildResult


def child(p: str, total: int) -> ChildResult:
    return ChildResult(pseudonym=p, rank=1, scores={"welfare": total, "education": 0, "both": 0}, total=total,
                       alert_level=None, extraction_reason="top_n", fired=[])


def test_diff_against_previous_run():
    before = [child("a", 10), child("b", 20), child("c", 30)]
    now = [child("a", 21), child("b", 29), child("d", 15)]
    d = compute_diff(before, now, 10, previous_run_id=7)
    assert d["previous_run_id"] == 7 and d["newly_extracted"] == ["d"]
    assert d["score_rose"] == [{"pseudonym": "a", "before": 10, "after": 21, "rise": 11}]  # b rose 9 < 10
    assert d["no_longer_extracted"] == 1


def test_first_run_has_everyone_new():
    d = compute_diff(None, [child("a", 5)], 10, previous_run_id=None)
    assert d["newly_extracted"] == ["a"] and d["score_rose"] == [] and "前回" in d["note"]


def test_reference_date_rules():
    today = date(2026, 11, 24)
    assert reference_date("run_date", None, today) == today
    assert reference_date("month_start", None, today) == date(2026, 11, 1)
    assert reference_date("fixed", date(2026, 4, 1), today) == date(2026, 4, 1)
