"""Adapter over the engine's rule validator.

Uses ``engine.rules.validation.validate_rule`` when it is present. Until then a
fallback of our own checks the rule with pydantic plus the catalog checks the
drafter depends on (known items, operators that fit the item's type, ranges,
codes, aggregates on event items). Either way the drafter sees one shape:
``Report(ok, rule, problems)`` with structured Japanese problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from engine.catalog import Catalog, CatalogItem
from engine.rules.model import Comparison, Rule, iter_comparisons


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
    validator: str = "fallback"

    def problems_as_dicts(self) -> list[dict[str, str]]:
        return [p.to_dict() for p in self.errors + self.warnings]


def validate(doc: dict[str, Any] | Rule, catalog: Catalog) -> Report:
    """Validate a rule document with the engine's validator when available."""
    try:
        from engine.rules.validation import validate_rule  # type: ignore[import-not-found]
    except ImportError:
        return _fallback_validate(doc, catalog)
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


# --- fallback ---------------------------------------------------------------

_PYDANTIC_MESSAGES = {
    "missing": "必須の項目がありません",
    "extra_forbidden": "ルールの形式にない項目です",
    "string_pattern_mismatch": "形式が正しくありません",
    "literal_error": "使えない値です",
    "greater_than_equal": "値が小さすぎます",
    "less_than_equal": "値が大きすぎます",
    "too_short": "空にはできません",
    "string_too_long": "長すぎます",
    "int_type": "整数で指定してください",
    "int_parsing": "整数で指定してください",
}


def _fallback_validate(doc: dict[str, Any] | Rule, catalog: Catalog) -> Report:
    if isinstance(doc, Rule):
        rule = doc
    else:
        if not isinstance(doc, dict):
            return Report(False, None, [Problem("", "not_an_object", "ルールは JSON オブジェクトで書いてください")])
        try:
            rule = Rule.model_validate(doc)
        except ValidationError as exc:
            errors = []
            for err in exc.errors()[:20]:
                path = ".".join(str(p) for p in err["loc"])
                base = _PYDANTIC_MESSAGES.get(err["type"], "ルールの形式に合いません")
                errors.append(Problem(path, "schema." + err["type"], f"{path}: {base}", hint=err.get("msg", "")))
            return Report(False, None, errors)
    errors = _catalog_problems(rule, catalog)
    return Report(not errors, rule if not errors else None, errors)


_NUMERIC_OPS = {"<", "<=", ">", ">=", "between"}


def _catalog_problems(rule: Rule, catalog: Catalog) -> list[Problem]:
    problems: list[Problem] = []
    for idx, comp in enumerate(iter_comparisons(rule.condition)):
        where = f"condition[{idx}]"
        item = catalog.get(comp.item)
        if item is None:
            problems.append(
                Problem(
                    f"{where}.item",
                    "unknown_item",
                    f"データ項目「{comp.item}」はカタログにありません",
                    hint="カタログにある項目 id だけを使ってください",
                )
            )
            continue
        problems.extend(_comparison_problems(comp, item, where))
    return problems


def _comparison_problems(comp: Comparison, item: CatalogItem, where: str) -> list[Problem]:
    out: list[Problem] = []
    agg = comp.aggregate
    if item.kind == "event" and agg is None:
        out.append(Problem(f"{where}.aggregate", "event_needs_aggregate", f"「{item.name}」は記録の項目なので集計 (aggregate) と期間が必要です"))
        return out
    if item.kind == "attribute" and agg is not None:
        out.append(Problem(f"{where}.aggregate", "attribute_no_aggregate", f"「{item.name}」は属性の項目なので集計 (aggregate) は使えません"))
        return out
    # The type the comparison's value must have.
    if agg is not None and agg.fn in ("count", "sum"):
        value_type = "integer" if agg.fn == "count" else item.type
        if agg.fn == "sum" and item.type not in ("integer", "decimal"):
            out.append(Problem(f"{where}.aggregate.fn", "sum_needs_number", f"「{item.name}」は数値ではないので合計 (sum) できません"))
            return out
    elif agg is not None and agg.fn == "exists":
        value_type = "bool"
    else:
        value_type = item.type
    values = comp.value if isinstance(comp.value, list) else ([comp.value] if comp.value is not None else [])
    if comp.op in _NUMERIC_OPS and value_type not in ("integer", "decimal", "date"):
        out.append(Problem(f"{where}.op", "op_type", f"「{item.name}」({value_type}) に比較 {comp.op} は使えません"))
    for v in values:
        out.extend(_value_problems(v, value_type, item, where, counted=bool(agg and agg.fn == "count")))
    if agg is not None and agg.value_filter is not None:
        fv = agg.value_filter.value
        for v in fv if isinstance(fv, list) else [fv]:
            out.extend(_value_problems(v, item.type, item, f"{where}.aggregate.value_filter", counted=False))
    return out


def _value_problems(v: object, value_type: str, item: CatalogItem, where: str, counted: bool) -> list[Problem]:
    if value_type == "bool":
        if not isinstance(v, bool):
            return [Problem(f"{where}.value", "value_type", f"「{item.name}」には true / false を指定してください")]
        return []
    if value_type in ("integer", "decimal"):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return [Problem(f"{where}.value", "value_type", f"「{item.name}」には数値を指定してください (値 {v!r})")]
        if value_type == "integer" and isinstance(v, float) and not v.is_integer():
            return [Problem(f"{where}.value", "value_type", f"「{item.name}」には整数を指定してください (値 {v!r})")]
        if counted:
            if v < 0:
                return [Problem(f"{where}.value", "out_of_range", f"件数 {v} は 0 以上にしてください")]
            return []
        if item.range is not None:
            lo, hi = item.range.min, item.range.max
            if (lo is not None and v < lo) or (hi is not None and item.kind == "attribute" and v > hi):  # type: ignore[operator]
                unit = item.unit or ""
                return [
                    Problem(
                        f"{where}.value",
                        "out_of_range",
                        f"「{item.name}」の値 {v}{unit} は範囲 {lo}〜{hi}{unit} の外です",
                        hint=f"{lo}〜{hi} の範囲で指定してください",
                    )
                ]
        return []
    if value_type == "category":
        codes = item.code_labels
        if not isinstance(v, str) or (codes and v not in codes):
            allowed = ", ".join(f"{c}={label}" for c, label in codes.items())
            return [Problem(f"{where}.value", "unknown_code", f"「{item.name}」にコード {v!r} はありません", hint=f"使えるコード: {allowed}")]
    return []
