"""Issue 14's rule-language extensions: whole record, fixed calendar periods, any / all guardians.

Each is checked exactly at its boundaries on the engine and the reference evaluator, against the
validator's Japanese errors, and in the Japanese reading; old rules keep their serialized form.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from martbuilder import build_mart

from engine.catalog import Catalog
from engine.reference import evaluate, load_mart
from engine.rules.model import Rule, Ruleset
from engine.rules.validation import validate_rule
from engine.runner import ruleset_hash, run_ruleset
from rulegen.reading import comparison_ja

REF = dt.date(2025, 6, 15)


def _ruleset(condition: dict[str, Any]) -> Ruleset:
    return Ruleset.model_validate(
        {
            "id": "s",
            "title": "期間",
            "rules": [
                {
                    "id": "r",
                    "title": "r",
                    "difficulties": ["不登校"],
                    "side": "education",
                    "when_missing": "not_met",
                    "points": 1,
                    "explanation": "説明",
                    "condition": condition,
                }
            ],
        }
    )


def _fired(path: Path, rs: Ruleset, catalog: Catalog) -> list[str]:
    eng = sorted(c.pseudonym for c in run_ruleset(path, rs, catalog, REF).children)
    ref = sorted(p for p, _, _ in evaluate(load_mart(path), rs, catalog, REF).extracted)
    assert eng == ref
    return eng


def _absence_mart(tmp_path: Path, catalog: Catalog, days: list[dt.date]) -> Path:
    children = [{"child_id": f"c{i}", "household_id": None, "birth_month": dt.date(2015, 1, 1)} for i in range(len(days))]
    events = [("school.absence_days", f"c{i}", d, 1) for i, d in enumerate(days)]
    return build_mart(tmp_path / "m.duckdb", catalog, children=children, events=events)


def test_whole_record_counts_everything_before_the_reference_date(catalog, tmp_path):
    days = [dt.date(2005, 1, 1), REF - dt.timedelta(days=1), REF, dt.date(2015, 3, 3)]
    path = _absence_mart(tmp_path, catalog, days)
    cond = {"item": "school.absence_days", "op": ">=", "value": 1, "aggregate": {"fn": "sum", "whole_record": True}}
    assert _fired(path, _ruleset(cond), catalog) == ["c0", "c1", "c3"]


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ({"start": "2025-04-01", "end": "2025-05-31"}, ["c1", "c2"]),  # both ends inclusive
        ({"start": "2025-04-01"}, ["c1", "c2", "c3"]),  # open end: still before the reference date
        ({"end": "2025-05-31"}, ["c0", "c1", "c2"]),  # open start
        ({"start": "2025-06-01", "end": "2026-03-31"}, ["c3"]),  # ends after the reference date
    ],
)
def test_fixed_period_boundaries(catalog, tmp_path, period, expected):
    days = [dt.date(2025, 3, 31), dt.date(2025, 4, 1), dt.date(2025, 5, 31), REF - dt.timedelta(days=1), REF, dt.date(2025, 7, 1)]
    path = _absence_mart(tmp_path, catalog, days)
    cond = {"item": "school.absence_days", "op": ">=", "value": 1, "aggregate": {"fn": "count", "period": period}}
    assert _fired(path, _ruleset(cond), catalog) == expected


def test_guardians_any_and_all(catalog, tmp_path):
    children = [{"child_id": f"c{i}", "household_id": f"h{i}", "birth_month": dt.date(2015, 1, 1)} for i in range(4)]
    households = [{"household_id": f"h{i}"} for i in range(4)]
    scores = {"h0": [12, 11], "h1": [12, 3], "h2": [2, None], "h3": []}
    guardians = [
        {"guardian_id": f"{h}g{j}", "household_id": h, "health.epds_score": s} for h, vals in scores.items() for j, s in enumerate(vals)
    ]
    path = build_mart(tmp_path / "g.duckdb", catalog, children=children, households=households, guardians=guardians)
    base = {"item": "health.epds_score", "op": ">=", "value": 9}
    assert _fired(path, _ruleset(base), catalog) == ["c0", "c1"]
    assert _fired(path, _ruleset({**base, "guardians": "any"}), catalog) == ["c0", "c1"]
    assert _fired(path, _ruleset({**base, "guardians": "all"}), catalog) == ["c0"]
    # a missing guardian value (and a household without guardians) takes when_missing
    met = {**base, "guardians": "all", "when_missing": "met"}
    assert _fired(path, _ruleset(met), catalog) == ["c0", "c3"]


def _rule_doc(condition: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "r",
        "title": "r",
        "difficulties": ["不登校"],
        "side": "education",
        "when_missing": "not_met",
        "points": 1,
        "explanation": "説明",
        "condition": condition,
    }


@pytest.mark.parametrize(
    ("aggregate", "code"),
    [
        ({"fn": "count"}, "time_scope_invalid"),
        ({"fn": "count", "window_months": 12, "whole_record": True}, "time_scope_invalid"),
        ({"fn": "count", "period": {}}, "period_empty"),
        ({"fn": "count", "period": {"start": "2025-04-01", "end": "2025-03-31"}}, "period_reversed"),
    ],
)
def test_bad_time_scopes_are_explained(catalog, aggregate, code):
    report = validate_rule(_rule_doc({"item": "school.absence_days", "op": ">=", "value": 1, "aggregate": aggregate}), catalog)
    assert not report.ok
    assert code in [p.code for p in report.errors], report.to_text()


def test_guardians_only_on_guardian_items(catalog):
    report = validate_rule(_rule_doc({"item": "school.school_aid", "op": "=", "value": True, "guardians": "all"}), catalog)
    assert [p.code for p in report.errors] == ["guardians_on_non_guardian_item"]
    assert validate_rule(_rule_doc({"item": "health.epds_score", "op": ">=", "value": 9, "guardians": "all"}), catalog).ok


def test_readings_in_japanese(catalog):
    def reading(cond: dict[str, Any]) -> str:
        return comparison_ja(Rule.model_validate(_rule_doc(cond)).condition, catalog)  # type: ignore[arg-type]

    whole = reading({"item": "school.absence_days", "aggregate": {"fn": "exists", "whole_record": True}, "op": "=", "value": True})
    assert whole.startswith("記録全体で")
    fy = reading({"item": "school.absence_days", "op": ">=", "value": 30, "aggregate": {"fn": "sum", "period": {"start": "2025-04-01", "end": "2026-03-31"}}})
    assert fy.startswith("令和7年4月1日〜令和8年3月31日の")
    since = reading({"item": "school.absence_days", "op": ">=", "value": 3, "aggregate": {"fn": "count", "period": {"start": "2025-04-01"}}})
    assert since.startswith("令和7年4月1日以降の")
    assert reading({"item": "health.epds_score", "op": ">=", "value": 9, "guardians": "all"}).startswith("保護者全員の")


def test_old_rules_serialize_as_before(catalog):
    cond = {"item": "school.absence_days", "op": ">=", "value": 1, "aggregate": {"fn": "sum", "window_months": 12}}
    rs = _ruleset(cond)
    dumped = rs.model_dump(mode="json", by_alias=True)["rules"][0]["condition"]
    assert set(dumped) == {"item", "op", "value", "aggregate", "when_missing"}
    assert set(dumped["aggregate"]) == {"fn", "window_months", "value_filter"}
    assert ruleset_hash(rs) != ruleset_hash(_ruleset({**cond, "aggregate": {"fn": "sum", "whole_record": True}}))
