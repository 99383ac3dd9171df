"""The published JSON Schemas are generated from the models, and example rules validate with them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from engine.rules.schema import RULE_SCHEMA_PATH, RULESET_SCHEMA_PATH, render, rule_schema, ruleset_schema
from engine.rules.validation import validate_ruleset

SAMPLE = Path(__file__).resolve().parents[1] / "engine" / "rules" / "samples" / "izumi_style.json"


def test_checked_in_schemas_equal_generated():
    assert RULE_SCHEMA_PATH.read_text(encoding="utf-8") == render(rule_schema()), "run: python -m engine.rules.schema"
    assert RULESET_SCHEMA_PATH.read_text(encoding="utf-8") == render(ruleset_schema()), "run: python -m engine.rules.schema"


def test_schemas_are_valid_2020_12():
    for path in (RULE_SCHEMA_PATH, RULESET_SCHEMA_PATH):
        schema = json.loads(path.read_text(encoding="utf-8"))
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        jsonschema.Draft202012Validator.check_schema(schema)


def test_sample_ruleset_and_its_rules_validate_with_jsonschema():
    doc = json.loads(SAMPLE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(json.loads(RULESET_SCHEMA_PATH.read_text(encoding="utf-8"))).validate(doc)
    rule_validator = jsonschema.Draft202012Validator(json.loads(RULE_SCHEMA_PATH.read_text(encoding="utf-8")))
    for rule in doc["rules"]:
        rule_validator.validate(rule)


def test_sample_ruleset_is_a_valid_izumi_style_screening(catalog):
    doc = json.loads(SAMPLE.read_text(encoding="utf-8"))
    report = validate_ruleset(doc, catalog)
    assert report.ok and not report.warnings, report.to_text()
    rs = report.ruleset
    assert len(rs.rules) >= 20
    assert {r.side for r in rs.rules} >= {"welfare", "education"}
    assert all(r.rationale for r in rs.rules)
    assert {"不登校", "貧困", "虐待"} <= {d for r in rs.rules for d in r.difficulties}
    assert rs.exclusions[0].condition.item == "child.yotaikyo_registered"
    assert rs.extraction.top_n == 200 and rs.extraction.one_side_extra


@pytest.mark.parametrize(
    "bad",
    [
        {"op": "between", "value": [1]},
        {"op": "=", "value": [1, 2]},
        {"op": "is_null", "value": 3},
    ],
)
def test_schema_rejects_what_the_models_reject(bad):
    """The JSON Schema is looser than the models for value shapes: the models (and so validation) catch these."""
    from engine.catalog import default_catalog
    from engine.rules.validation import validate_rule

    doc = {
        "id": "r",
        "title": "t",
        "difficulties": ["虐待"],
        "side": "welfare",
        "when_missing": "not_met",
        "points": 1,
        "explanation": "e",
        "condition": {"item": "school.grade", **bad},
    }
    report = validate_rule(doc, default_catalog())
    assert not report.ok
    assert report.errors[0].path == "$.condition"
