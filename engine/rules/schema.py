"""The published JSON Schemas (2020-12) of a rule and a ruleset, generated from the pydantic models.

The checked-in files ``rule.schema.json`` and ``ruleset.schema.json`` are what prompts and tools load;
a test asserts they equal what this module generates. Regenerate with::

    python -m engine.rules.schema
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from engine.rules.model import Rule, Ruleset

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
HERE = Path(__file__).parent
RULE_SCHEMA_PATH = HERE / "rule.schema.json"
RULESET_SCHEMA_PATH = HERE / "ruleset.schema.json"


def _schema(model: type[BaseModel], schema_id: str, title: str, description: str) -> dict[str, Any]:
    body = model.model_json_schema(by_alias=True, mode="validation")
    out: dict[str, Any] = {"$schema": SCHEMA_DIALECT, "$id": schema_id, "title": title, "description": description}
    out.update({k: v for k, v in body.items() if k not in ("title", "description")})
    return out


def rule_schema() -> dict[str, Any]:
    return _schema(
        Rule,
        "https://tsunagu.example/schemas/rule.schema.json",
        "Tsunagu rule",
        "One screening rule over catalog items (semantics: engine/rules/model.py). "
        "Catalog-aware checks (item exists, operator fits type, codes, ranges) are done by engine.rules.validation.",
    )


def ruleset_schema() -> dict[str, Any]:
    return _schema(
        Ruleset,
        "https://tsunagu.example/schemas/ruleset.schema.json",
        "Tsunagu ruleset",
        "Rules, scoring, alert levels, exclusions, extraction and reference-date policy (semantics: engine/rules/model.py).",
    )


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_schemas() -> list[Path]:
    RULE_SCHEMA_PATH.write_text(render(rule_schema()), encoding="utf-8")
    RULESET_SCHEMA_PATH.write_text(render(ruleset_schema()), encoding="utf-8")
    return [RULE_SCHEMA_PATH, RULESET_SCHEMA_PATH]


if __name__ == "__main__":  # pragma: no cover
    for p in write_schemas():
        print(p)
