"""Catalog-aware validation: every problem has a JSON path, a stable code and Japanese text."""

from __future__ import annotations

import json
import re

import pytest

from engine.rules.model import Rule
from engine.rules.validation import RuleProblem, validate_rule, validate_ruleset

JA = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def rule(condition, **kw):
    doc = {
        "id": "r-1",
        "title": "テスト",
        "difficulties": ["不登校"],
        "side": "education",
        "when_missing": "not_met",
        "points": 5,
        "explanation": "テスト",
        "condition": condition,
    }
    doc.update(kw)
    return doc


def codes(report):
    return [(p.path, p.code) for p in report.errors]


def wcodes(report):
    return [(p.path, p.code) for p in report.warnings]


def assert_japanese(problems: list[RuleProblem]):
    for p in problems:
        assert JA.search(p.message), p
        assert p.hint == "" or JA.search(p.hint) or p.hint.startswith("例"), p


def test_valid_rule(catalog):
    r = validate_rule(rule({"item": "school.absence_days", "op": ">=", "value": 30, "aggregate": {"fn": "sum", "window_months": 12}},
                           explanation="欠席 {school.absence_days} 日"), catalog)
    assert r.ok and isinstance(r.rule, Rule) and not r.warnings
    assert json.loads(r.to_json()) == {"ok": True, "errors": [], "warnings": []}


def test_accepts_a_parsed_rule(catalog):
    parsed = Rule.model_validate(rule({"item": "school.school_aid", "op": "=", "value": True}))
    assert validate_rule(parsed, catalog).ok


@pytest.mark.parametrize(
    "condition, expected",
    [
        ({"item": "school.absense_days", "op": ">=", "value": 3}, ("$.condition.item", "unknown_item")),
        ({"item": "resident.sex", "op": "<", "value": "1"}, ("$.condition.op", "op_not_allowed_for_type")),
        ({"item": "school.school_aid", "op": ">", "value": True}, ("$.condition.op", "op_not_allowed_for_type")),
        ({"item": "school.school_aid", "op": "=", "value": 1}, ("$.condition.value", "value_type_mismatch")),
        ({"item": "resident.sex", "op": "in", "value": ["1", "7"]}, ("$.condition.value[1]", "code_unknown")),
        ({"item": "health.epds_score", "op": ">=", "value": 31}, ("$.condition.value", "value_out_of_range")),
        ({"item": "health.epds_score", "op": "in", "value": [1.5]}, ("$.condition.value[0]", "value_type_mismatch")),
        ({"item": "school.absence_days", "op": ">=", "value": 3}, ("$.condition.aggregate", "aggregate_required")),
        (
            {"item": "school.school_aid", "op": "=", "value": True, "aggregate": {"fn": "count", "window_months": 3}},
            ("$.condition.aggregate", "aggregate_on_attribute"),
        ),
        (
            {"item": "school.nurse_visits", "op": ">=", "value": 1, "aggregate": {"fn": "sum", "window_months": 3}},
            ("$.condition.aggregate.fn", "aggregate_type_mismatch"),
        ),
        (
            {"item": "school.nurse_visits", "op": ">=", "value": 1, "aggregate": {"fn": "count", "window_months": 3, "value_filter": {"op": "=", "value": "5"}}},
            ("$.condition.aggregate.value_filter.value", "code_unknown"),
        ),
        (
            {"item": "school.nurse_visits", "op": ">=", "value": 1, "aggregate": {"fn": "count", "window_months": 3, "value_filter": {"op": ">", "value": "1"}}},
            ("$.condition.aggregate.value_filter.op", "op_not_allowed_for_type"),
        ),
        (
            {"item": "school.absence_days", "op": ">=", "value": 1, "aggregate": {"fn": "count", "window_months": 3, "value_filter": {"op": ">", "value": "3"}}},
            ("$.condition.aggregate.value_filter.value", "value_type_mismatch"),
        ),
        (
            {"item": "school.absence_days", "op": ">=", "value": -1, "aggregate": {"fn": "sum", "window_months": 3}},
            ("$.condition.value", "value_out_of_range"),
        ),
        ({"item": "school.grade", "op": "between", "value": [6, 3]}, ("$.condition.value", "between_reversed")),
        ({"all": [{"item": "school.grade", "op": ">", "value": 3}, {"not": {"item": "resident.sex", "op": ">=", "value": "1"}}]},
         ("$.condition.all[1].not.op", "op_not_allowed_for_type")),
    ],
)
def test_catalog_errors(catalog, condition, expected):
    report = validate_rule(rule(condition), catalog)
    assert not report.ok
    assert expected in codes(report), report.to_text()
    assert report.rule is not None  # the schema part passed
    assert_japanese(report.errors)


def test_unknown_item_suggests_close_ids(catalog):
    report = validate_rule(rule({"item": "school.absense_days", "op": ">=", "value": 3}), catalog)
    assert "school.absence_days" in report.errors[0].hint


def test_schema_errors_become_rule_problems_with_paths(catalog):
    doc = rule({"all": [{"item": "school.grade", "op": "in", "value": 3}, {"not": {"item": "Bad.Item", "op": "zz"}}]}, id="Bad Id")
    doc["points"] = 0
    doc["colour"] = "red"
    report = validate_rule(doc, catalog)
    assert not report.ok and report.rule is None
    got = codes(report)
    assert ("$.id", "pattern_mismatch") in got
    assert ("$.points", "number_too_small") in got
    assert ("$.colour", "field_unknown") in got
    assert ("$.condition.all[0]", "value_list_required") in got
    assert ("$.condition.all[1].not.item", "pattern_mismatch") in got
    assert ("$.condition.all[1].not.op", "value_not_allowed") in got
    # errors of union branches the input did not mean (e.g. "all" is missing) are not reported
    assert not any(p.code == "field_required" and p.path.endswith(".all") for p in report.errors)
    assert_japanese(report.errors)
    assert "Traceback" not in report.to_json()


def test_missing_fields(catalog):
    report = validate_rule({"id": "x", "condition": {"item": "school.grade", "op": ">", "value": 1}}, catalog)
    got = codes(report)
    for f in ("title", "difficulties", "side", "when_missing", "points", "explanation"):
        assert (f"$.{f}", "field_required") in got


def test_not_an_object(catalog):
    assert codes(validate_rule(["x"], catalog)) == [("$", "object_required")]  # type: ignore[arg-type]


def test_explanation_placeholders_must_name_used_items(catalog):
    report = validate_rule(
        rule({"item": "school.grade", "op": ">", "value": 3}, explanation="{school.grade} 年生、{school.absence_days} 日"), catalog
    )
    assert codes(report) == [("$.explanation", "placeholder_unknown")]
    assert "school.grade" in report.errors[0].hint


def test_contradiction_and_always_true_are_warnings(catalog):
    report = validate_rule(
        rule(
            {
                "all": [
                    {"item": "school.absence_days", "op": ">=", "value": 30, "aggregate": {"fn": "sum", "window_months": 12}},
                    {"item": "school.absence_days", "op": "<", "value": 10, "aggregate": {"fn": "sum", "window_months": 12}},
                    {"item": "health.epds_score", "op": ">=", "value": 0},
                    {"item": "school.late_days", "op": ">=", "value": 0, "aggregate": {"fn": "count", "window_months": 3}},
                ]
            }
        ),
        catalog,
    )
    assert report.ok
    assert ("$.condition.all", "contradiction") in wcodes(report)
    assert ("$.condition.all[2]", "always_true") in wcodes(report)
    assert ("$.condition.all[3]", "always_true") in wcodes(report)
    assert_japanese(report.warnings)


def test_same_item_different_windows_is_not_a_contradiction(catalog):
    report = validate_rule(
        rule(
            {
                "all": [
                    {"item": "school.absence_days", "op": ">=", "value": 30, "aggregate": {"fn": "sum", "window_months": 12}},
                    {"item": "school.absence_days", "op": "<", "value": 10, "aggregate": {"fn": "sum", "window_months": 3}},
                ]
            }
        ),
        catalog,
    )
    assert report.ok and not report.warnings


@pytest.mark.parametrize(
    "population, code",
    [
        ({"age_min": 12, "age_max": 6}, "population_unsatisfiable"),
        ({"age_max": 4, "school_stages": ["junior_high"]}, "population_unsatisfiable"),
    ],
)
def test_population_must_be_satisfiable(catalog, population, code):
    report = validate_rule(rule({"item": "school.grade", "op": ">", "value": 3}, population=population), catalog)
    assert code in [p.code for p in report.errors]


def test_ruleset_paths_and_checks(catalog):
    ok_rule = rule({"item": "school.grade", "op": ">", "value": 3})
    bad_rule = rule({"item": "resident.sex", "op": "=", "value": "3"}, id="r-2")
    doc = {
        "id": "rs",
        "title": "テスト",
        "rules": [ok_rule, bad_rule],
        "alert_levels": [{"level": "重点", "min_score": 5}, {"level": "予防", "min_score": 5}],
        "exclusions": [{"id": "ex", "label": "除外", "condition": {"item": "child.no_such", "op": "=", "value": True}}],
        "extraction": {"top_n": 10, "min_score": 99},
    }
    report = validate_ruleset(doc, catalog)
    got = codes(report)
    assert ("$.rules[1].condition.value", "code_unknown") in got
    assert ("$.exclusions[0].condition.item", "unknown_item") in got
    assert ("$.alert_levels[1].min_score", "alert_level_duplicate") in got
    assert ("$.extraction.min_score", "threshold_unreachable") in got
    assert report.ruleset is not None


def test_ruleset_duplicate_rule_ids(catalog):
    r = rule({"item": "school.grade", "op": ">", "value": 3})
    report = validate_ruleset({"id": "rs", "title": "t", "rules": [r, r]}, catalog)
    assert [p.code for p in report.errors] == ["duplicate_rule_id"]
    assert "r-1" in report.errors[0].message
