"""Adapter over the engine's rule validator (``engine.rules.validation.validate_rule``).

The drafter sees one shape: ``Report(ok, rule, problems)`` with structured Japanese problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.catalog import Catalog
from engine.rules.model import Rule
from engine.rules.validation import validate_rule


@dataclass(frozen=True)
class Problem:
    path: str
    code: str
    message: str
    hint: str = ""
    severity: str = "error"

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "code": self.code, "message": self.message, "hint": self.hint, "severity": self.severity}


@dataclass(frozen=True)
class Report:
    ok: bool
    rule: Rule | None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    validator: str = "engine"

    def problems_as_dicts(self) -> list[dict[str, str]]:
        return [p.to_dict() for p in self.errors + self.warnings]


def validate(doc: dict[str, Any] | Rule, catalog: Catalog) -> Report:
    """Validate a rule document with the engine's validator."""
    report = validate_rule(doc, catalog)
    return Report(
        ok=bool(report.ok),
        rule=report.rule,
        errors=[_convert(p) for p in report.errors],
        warnings=[_convert(p) for p in report.warnings],
        validator="engine",
    )


def _convert(p: Any) -> Problem:
    return Problem(
        path=str(getattr(p, "path", "")),
        code=str(getattr(p, "code", "")),
        message=str(getattr(p, "message", "")),
        hint=str(getattr(p, "hint", "") or ""),
        severity=str(getattr(p, "severity", "error")),
    )
