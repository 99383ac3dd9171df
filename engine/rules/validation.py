"""Validation of rules and rulesets beyond the JSON Schema, against the catalog.

Every problem is a :class:`RuleProblem` with a JSON path (``$.condition.all[0].value``),
a stable snake_case code, a Japanese message and a Japanese hint, so that a person
can fix it and the drafting LLM can be given the list back to repair its draft.
Schema (pydantic) errors come out the same way; no raw traceback ever leaves here.

Public API: :func:`validate_rule`, :func:`validate_ruleset`, :class:`ValidationReport`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, TypeGuard, TypeVar

from pydantic import ValidationError

from engine.catalog.model import Catalog, CatalogItem
from engine.rules.model import (
    AtLeast,
    Comparison,
    Condition,
    Population,
    Rule,
    Ruleset,
    iter_comparisons,
)
from engine.rules.semantics import ORDER_OPS, leaf_result_type
from engine.rules.stages import DERIVED_STAGE_AGES
from engine.rules.walk import json_path, leaves_with_trails, walk

Severity = Literal["error", "warning"]
_Doc = TypeVar("_Doc", Rule, Ruleset)


@dataclass(frozen=True)
class RuleProblem:
    path: str
    code: str
    message: str
    hint: str
    severity: Severity = "error"

    def __str__(self) -> str:
        kind = "エラー" if self.severity == "error" else "警告"
        text = f"[{kind}] {self.path}: {self.message}"
        if self.hint:
            text += f"\n    → {self.hint}"
        return text


@dataclass
class ValidationReport:
    ok: bool
    rule: Rule | None = None
    ruleset: Ruleset | None = None
    errors: list[RuleProblem] = field(default_factory=list)
    warnings: list[RuleProblem] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "errors": [asdict(p) for p in self.errors],
            "warnings": [asdict(p) for p in self.warnings],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_text(self) -> str:
        """Japanese, for people (CLI)."""
        lines = []
        if self.ok and not self.warnings:
            lines.append("問題は見つかりませんでした。")
        elif self.ok:
            lines.append(f"エラーはありません (警告 {len(self.warnings)} 件)。")
        else:
            lines.append(f"エラー {len(self.errors)} 件、警告 {len(self.warnings)} 件があります。")
        lines.extend(str(p) for p in self.errors + self.warnings)
        return "\n".join(lines)




# ---------------------------------------------------------------------------
# Pydantic errors -> RuleProblem

_BRANCH_NAMES = {"All": "all", "AnyOf": "any", "AtLeast": "at_least", "Not": "not"}


def _branch_of(segment: str) -> str | None:
    """Which condition branch a pydantic union loc segment names (None when not a union segment)."""
    if segment in _BRANCH_NAMES:
        return _BRANCH_NAMES[segment]
    if segment.endswith("Comparison]") or segment == "Comparison":
        return "comparison"
    return None


def _expected_branch(node: Any) -> str:
    if isinstance(node, dict):
        for key in ("all", "any", "at_least", "not"):
            if key in node:
                return key
        if "of" in node:
            return "at_least"
    return "comparison"


def _clean_loc(doc: Any, loc: tuple[Any, ...]) -> list[str | int] | None:
    """Strip union branch names from a loc; None when the error belongs to a branch the input did not mean."""
    node = doc
    out: list[str | int] = []
    for seg in loc:
        if isinstance(seg, str):
            branch = _branch_of(seg)
            if branch is not None:
                if branch != _expected_branch(node):
                    return None
                continue
        out.append(seg)
        try:
            node = node[seg]
        except (KeyError, IndexError, TypeError):
            node = None
    return out


_VALUE_ERROR_JA: list[tuple[str, str, str, str]] = [
    ("take no value", "value_not_allowed", "is_null / not_null には値 (value) を指定しません", "value を削除してください"),
    ("non-empty list", "value_list_required", "in / not_in には値のリスト (1つ以上) が必要です", '例: "value": ["1", "2"]'),
    ("between needs", "between_needs_pair", "between には [下限, 上限] の2つの値が必要です", '例: "value": [10, 30]'),
    ("single value", "single_value_required", "この演算子には値を1つだけ指定します (リストは不可)", "リストを使うなら in / not_in を使ってください"),
    ("top_n or min_score", "extraction_limit_missing", "抽出には上位件数 (top_n) か最低点 (min_score) が必要です", "例: \"top_n\": 200"),
    ("fixed reference date", "reference_date_missing", "基準日を固定 (fixed) にする場合は日付 (date) が必要です", '例: "date": "2026-04-01"'),
    ("duplicate rule id", "duplicate_rule_id", "ルール id が重複しています", "各ルールに別々の id を付けてください"),
    ("exactly one time scope", "time_scope_invalid", "集計の期間は window_months (過去Nか月)・whole_record (記録全体)・period (固定の期間) のどれか1つだけを指定します", '例: "window_months": 12 / "whole_record": true / "period": {"start": "2025-04-01", "end": "2026-03-31"}'),
    ("period needs start or end", "period_empty", "期間 (period) には開始日 (start) か終了日 (end) の少なくとも一方が必要です", '例: "period": {"start": "2025-04-01"}'),
    ("period start after end", "period_reversed", "期間 (period) の開始日が終了日より後になっています", "start と end を入れ替えてください"),
]


def _pydantic_problem(err: Mapping[str, Any], path: str) -> RuleProblem:
    t = err["type"]
    ctx = err.get("ctx") or {}
    inp = err.get("input")
    last = path.rsplit(".", 1)[-1]
    if t == "missing":
        return RuleProblem(path, "field_required", f"必須の項目「{last}」がありません", f"{last} を指定してください")
    if t == "extra_forbidden":
        return RuleProblem(path, "field_unknown", f"未知の項目「{last}」があります", "綴りを確認するか、この項目を削除してください")
    if t in ("literal_error", "enum"):
        return RuleProblem(path, "value_not_allowed", f"値 {inp!r} は使えません", f"使える値: {ctx.get('expected', '')}")
    if t == "string_pattern_mismatch":
        if last == "item":
            hint = "データ項目 id は「分類.項目」の英小文字 (例: school.absence_days) です"
        else:
            hint = "英小文字・数字・「_ . -」で64文字以内にしてください (例: izumi-absence-01)"
        return RuleProblem(path, "pattern_mismatch", f"値 {inp!r} の形式が正しくありません", hint)
    if t == "string_too_short":
        return RuleProblem(path, "text_empty", "空にできません", "文字を入力してください")
    if t == "string_too_long":
        return RuleProblem(path, "text_too_long", f"長すぎます (上限 {ctx.get('max_length')} 文字)", "短くしてください")
    if t in ("greater_than_equal", "greater_than") and last == "at_least":
        return RuleProblem(path, "at_least_too_small", f"「次のうち○つ以上」の数 (at_least) は1以上です (いま {inp!r})",
                           "いくつの条件に当てはまればよいかを1以上の整数で指定してください (例: \"at_least\": 2)")
    if t in ("greater_than_equal", "greater_than"):
        return RuleProblem(path, "number_too_small", f"値 {inp!r} が小さすぎます (下限 {ctx.get('ge', ctx.get('gt'))})", "範囲内の値にしてください")
    if t in ("less_than_equal", "less_than"):
        return RuleProblem(path, "number_too_large", f"値 {inp!r} が大きすぎます (上限 {ctx.get('le', ctx.get('lt'))})", "範囲内の値にしてください")
    if t in ("int_type", "int_parsing", "int_from_float"):
        return RuleProblem(path, "integer_required", f"値 {inp!r} は整数ではありません", "整数で指定してください")
    if t in ("bool_type", "bool_parsing"):
        return RuleProblem(path, "bool_required", f"値 {inp!r} は true / false ではありません", "true か false で指定してください")
    if t in ("string_type",):
        return RuleProblem(path, "string_required", f"値 {inp!r} は文字列ではありません", "文字列で指定してください")
    if t in ("list_type",):
        return RuleProblem(path, "list_required", f"値 {inp!r} はリストではありません", "[...] の形で指定してください")
    if t in ("too_short",):
        if path.endswith(".of"):
            got = len(inp) if isinstance(inp, list) else 0
            return RuleProblem(path, "at_least_of_too_short", f"「次のうち○つ以上」(at_least) で数える条件 (of) は2つ以上必要です (いま {got} つ)",
                               "条件を2つ以上並べてください。1つだけなら at_least を使わずにその条件だけを書いてください")
        return RuleProblem(path, "list_empty", "少なくとも1つ指定してください", "リストに要素を追加してください")
    if t in ("model_type", "model_attributes_type", "dict_type"):
        return RuleProblem(path, "object_required", "オブジェクト ({...}) で指定してください", "JSON のオブジェクトにしてください")
    if t.startswith("date"):
        return RuleProblem(path, "date_invalid", f"値 {inp!r} は日付として読めません", "YYYY-MM-DD 形式で指定してください")
    if t == "value_error":
        text = str(ctx.get("error", err.get("msg", "")))
        for needle, code, msg, hint in _VALUE_ERROR_JA:
            if needle in text:
                if code == "duplicate_rule_id":
                    msg += f" ({text.rsplit(' ', 1)[-1]})"
                return RuleProblem(path, code, msg, hint)
        return RuleProblem(path, "value_invalid", "値が正しくありません", text)
    return RuleProblem(path, "schema_violation", f"形式が正しくありません ({t})", "スキーマ (rule.schema.json) を確認してください")


def _schema_problems(doc: Any, exc: ValidationError) -> list[RuleProblem]:
    problems: list[RuleProblem] = []
    seen: set[tuple[str, str]] = set()
    for err in exc.errors():
        loc = _clean_loc(doc, tuple(err["loc"]))
        if loc is None:
            continue
        # union members of a scalar value ("value": bool|int|float|str|list) produce one error each: keep one
        loc = [p for p in loc if not (isinstance(p, str) and p in ("bool", "int", "float", "str", "list[union[bool,int,float,str]]"))]
        path = json_path("$", tuple(loc))
        p = _pydantic_problem(err, path)
        key = (p.path, p.code)
        if key in seen:
            continue
        seen.add(key)
        problems.append(p)
    if not problems:  # every error was on a branch we filtered out: report the node itself
        problems.append(RuleProblem("$", "schema_violation", "形式が正しくありません", "スキーマを確認してください"))
    return problems


# ---------------------------------------------------------------------------
# Semantic checks against the catalog


def _type_ja(t: str) -> str:
    return {"bool": "はい/いいえ", "integer": "整数", "decimal": "数値", "category": "区分", "date": "日付"}.get(t, t)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> TypeGuard[int | float]:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _as_date(v: Any) -> dt.date | None:
    if not isinstance(v, str):
        return None
    try:
        return dt.date.fromisoformat(v)
    except ValueError:
        return None


class _Checker:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.problems: list[RuleProblem] = []

    def add(self, path: str, code: str, message: str, hint: str = "", severity: Severity = "error") -> None:
        self.problems.append(RuleProblem(path, code, message, hint, severity))

    # -- values ------------------------------------------------------------
    def check_scalar(self, path: str, v: Any, vtype: str, item: CatalogItem, *, ranged: bool) -> bool:
        """Type (and code/range) of one value. Returns False when the type is wrong."""
        if vtype == "bool":
            if not isinstance(v, bool):
                self.add(path, "value_type_mismatch", f"「{item.name}」ははい/いいえの項目なので、値 {v!r} は使えません", "true か false を指定してください")
                return False
            return True
        if vtype == "integer":
            if not _is_int(v):
                self.add(path, "value_type_mismatch", f"整数の値が必要です (値 {v!r})", "小数点や引用符を付けずに整数で指定してください")
                return False
        elif vtype == "decimal":
            if not _is_number(v):
                self.add(path, "value_type_mismatch", f"数値が必要です (値 {v!r})", "引用符を付けずに数値で指定してください")
                return False
        elif vtype == "category":
            if not isinstance(v, str):
                self.add(path, "value_type_mismatch", f"区分の項目にはコード (文字列) を指定します (値 {v!r})", self._codes_hint(item))
                return False
            if item.codes and v not in item.code_labels:
                self.add(path, "code_unknown", f"コード {v!r} は「{item.name}」にありません", self._codes_hint(item))
                return False
            return True
        elif vtype == "date":
            if _as_date(v) is None:
                self.add(path, "value_type_mismatch", f"日付は YYYY-MM-DD 形式で指定してください (値 {v!r})", "例: \"2026-04-01\"")
                return False
        if ranged and item.range is not None:
            lo, hi = item.range.bounds_as(item.type)
            val: Any = _as_date(v) if vtype == "date" else v
            if (lo is not None and val < lo) or (hi is not None and val > hi):
                self.add(
                    path,
                    "value_out_of_range",
                    f"値 {v!r} は「{item.name}」の範囲 ({lo}〜{hi}{item.unit or ''}) の外です",
                    "範囲内の値にしてください",
                )
        return True

    @staticmethod
    def _codes_hint(item: CatalogItem) -> str:
        if not item.codes:
            return ""
        return "使えるコード: " + "、".join(f"{c.code}={c.label}" for c in item.codes)

    # -- conditions --------------------------------------------------------
    def check_condition(self, cond: Condition, path: str) -> None:
        for step in walk(cond, postorder=True):
            if step.kind == "comparison":
                self.check_comparison(step.node, json_path(path, step.trail))
            elif step.kind == "all":
                self.check_contradictions(step.node.all, json_path(path, (*step.trail, "all")))
            elif step.kind == "at_least":
                self.check_at_least(step.node, json_path(path, step.trail))

    def check_at_least(self, node: AtLeast, path: str) -> None:
        k, n = node.at_least, len(node.of)
        if k > n:
            self.add(
                f"{path}.at_least",
                "at_least_too_many",
                f"「{n}つのうち{k}つ以上」は満たせません: 数える条件 (of) は {n} つなので、at_least は {n} 以下にします",
                f"at_least を 1〜{n} にするか、of に条件を足してください",
            )
        elif k == 1:
            self.add(f"{path}.at_least", "at_least_is_any", f"「{n}つのうち1つ以上」は「いずれか」(any) と同じです", '{"any": [...]} と書くと読みやすくなります', "warning")
        elif k == n:
            self.add(f"{path}.at_least", "at_least_is_all", f"「{n}つのうち{n}つ以上」は「すべて」(all) と同じです", '{"all": [...]} と書くと読みやすくなります', "warning")

    def check_comparison(self, c: Comparison, path: str) -> None:
        item = self.catalog.get(c.item)
        if item is None:
            close = difflib.get_close_matches(c.item, self.catalog.ids(), n=3, cutoff=0.6)
            hint = ("似た項目: " + "、".join(close)) if close else "カタログにある項目 id を使ってください (tsunagu catalog で一覧)"
            self.add(f"{path}.item", "unknown_item", f"データ項目「{c.item}」はカタログにありません", hint)
            return
        if c.guardians is not None and item.entity != "guardian":
            self.add(
                f"{path}.guardians",
                "guardians_on_non_guardian_item",
                f"「{item.name}」は保護者単位の項目ではないので、guardians (保護者のいずれか/全員) は指定できません",
                "guardians を削除してください",
            )
            return
        if item.kind == "event":
            if item.entity == "guardian":
                self.add(f"{path}.item", "guardian_event_unsupported", f"保護者単位の記録「{item.name}」はまだ条件に使えません", "こども単位・世帯単位の項目を使ってください")
                return
            if c.aggregate is None:
                self.add(
                    f"{path}.aggregate",
                    "aggregate_required",
                    f"「{item.name}」は記録 ({item.event_unit or '1件ごと'}) の項目なので、集計方法と期間が必要です",
                    '例: "aggregate": {"fn": "sum", "window_months": 12} (過去12か月の合計)',
                )
                return
            self.check_value_filter(c, item, path)
        elif c.aggregate is not None:
            self.add(
                f"{path}.aggregate",
                "aggregate_on_attribute",
                f"「{item.name}」は記録ではなく属性の項目なので、集計 (aggregate) や期間は使えません",
                "aggregate を削除してください",
            )
            return
        rtype = leaf_result_type(c, item)
        if rtype is None:
            fn = c.aggregate.fn if c.aggregate else ""
            self.add(
                f"{path}.aggregate.fn",
                "aggregate_type_mismatch",
                f"「{item.name}」({_type_ja(item.type)}) には集計 {fn} を使えません",
                "count (件数) か exists (有無) を使ってください" if item.type in ("bool", "category") else "count / sum / min / max / exists から選んでください",
            )
            return
        self.check_op_type(c, item, rtype, path)

    def check_op_type(self, c: Comparison, item: CatalogItem, rtype: str, path: str) -> None:
        op = c.op
        label = item.name if c.aggregate is None else f"{item.name}の{c.aggregate.fn}"
        if op in ("is_null", "not_null"):
            if c.aggregate is not None and c.aggregate.fn in ("count", "sum", "exists"):
                self.add(f"{path}.op", "null_test_never_missing", f"{c.aggregate.fn} の結果は欠損になりません", "min / max にするか、exists を使ってください")
            return
        if op in ORDER_OPS and rtype in ("bool", "category"):
            self.add(
                f"{path}.op",
                "op_not_allowed_for_type",
                f"「{label}」は{_type_ja(rtype)}の値なので、大小比較 ({op}) は使えません",
                "= / != / in / not_in を使ってください" if rtype == "category" else "= か != を使ってください",
            )
            return
        if op in ("in", "not_in") and rtype not in ("category", "integer"):
            self.add(f"{path}.op", "op_not_allowed_for_type", f"{op} は区分か整数の項目にだけ使えます (「{label}」は{_type_ja(rtype)})", "= や between を使ってください")
            return
        ranged = c.aggregate is None or c.aggregate.fn in ("min", "max")
        check_item = item
        if c.aggregate is not None and c.aggregate.fn in ("count", "sum"):
            # count / sum of no rows is 0 and grows with the window: only the sign is bounded
            vals: list[Any] = c.value if isinstance(c.value, list) else [c.value]
            for i, v in enumerate(vals):
                vp = f"{path}.value" + (f"[{i}]" if isinstance(c.value, list) else "")
                ok = self.check_scalar(vp, v, rtype, item, ranged=False)
                if ok and v < 0:
                    self.add(vp, "value_out_of_range", f"{c.aggregate.fn} の値は0以上です (値 {v!r})", "0以上の値にしてください")
            self.check_between_order(c, path)
            return
        vals = c.value if isinstance(c.value, list) else [c.value]
        for i, v in enumerate(vals):
            vp = f"{path}.value" + (f"[{i}]" if isinstance(c.value, list) else "")
            self.check_scalar(vp, v, rtype, check_item, ranged=ranged)
        self.check_between_order(c, path)

    def check_between_order(self, c: Comparison, path: str) -> None:
        if c.op == "between" and isinstance(c.value, list) and len(c.value) == 2:
            bounds: list[Any] = c.value  # two scalars of the item's type; others fail below (TypeError)
            lo, hi = bounds
            try:
                if lo > hi:
                    self.add(f"{path}.value", "between_reversed", f"between の下限 {lo!r} が上限 {hi!r} より大きくなっています", "[下限, 上限] の順にしてください")
            except TypeError:
                pass

    def check_value_filter(self, c: Comparison, item: CatalogItem, path: str) -> None:
        vf = c.aggregate.value_filter if c.aggregate else None
        if vf is None:
            return
        fp = f"{path}.aggregate.value_filter"
        if vf.op in ORDER_OPS + ("between",) and item.type in ("bool", "category"):
            self.add(f"{fp}.op", "op_not_allowed_for_type", f"「{item.name}」は{_type_ja(item.type)}の記録なので、大小比較 ({vf.op}) で絞り込めません", "= / != / in / not_in を使ってください")
            return
        if vf.op in ("in", "not_in"):
            if not isinstance(vf.value, list) or not vf.value:
                self.add(f"{fp}.value", "value_list_required", f"{vf.op} には値のリスト (1つ以上) が必要です", '例: "value": ["1", "2"]')
                return
            if item.type not in ("category", "integer"):
                self.add(f"{fp}.op", "op_not_allowed_for_type", f"{vf.op} は区分か整数の記録にだけ使えます", "= や between を使ってください")
                return
        elif vf.op == "between":
            if not isinstance(vf.value, list) or len(vf.value) != 2:
                self.add(f"{fp}.value", "between_needs_pair", "between には [下限, 上限] の2つの値が必要です", '例: "value": [10, 30]')
                return
        elif isinstance(vf.value, list):
            self.add(f"{fp}.value", "single_value_required", "この演算子には値を1つだけ指定します (リストは不可)", "リストを使うなら in / not_in を使ってください")
            return
        vals = vf.value if isinstance(vf.value, list) else [vf.value]
        for i, v in enumerate(vals):
            vp = f"{fp}.value" + (f"[{i}]" if isinstance(vf.value, list) else "")
            self.check_scalar(vp, v, item.type, item, ranged=True)

    # -- contradictions / always-true --------------------------------------
    def check_contradictions(self, children: list[Condition], path: str) -> None:
        groups: dict[tuple, list[tuple[int, Comparison]]] = {}
        for i, c in enumerate(children):
            if isinstance(c, Comparison) and c.op in ("=", "<", "<=", ">", ">=", "between", "in"):
                key = (c.item, c.aggregate.model_dump_json() if c.aggregate else None)
                groups.setdefault(key, []).append((i, c))
        for (item_id, _), comps in groups.items():
            if len(comps) < 2:
                continue
            try:
                # bounds of any scalar type: comparing a date with a number is a TypeError, caught below
                lo: Any = None
                hi: Any = None
                lo_incl, hi_incl, allowed = True, True, None
                for _, c in comps:
                    v: Any = c.value
                    if c.op in ("=", "in"):
                        vs = set(v) if isinstance(v, list) else {v}
                        allowed = vs if allowed is None else allowed & vs
                    if c.op in (">", ">=") or c.op == "between":
                        nv = v[0] if c.op == "between" else v
                        incl = c.op != ">"
                        if lo is None or nv > lo or (nv == lo and not incl):
                            lo, lo_incl = nv, incl
                    if c.op in ("<", "<=") or c.op == "between":
                        nv = v[1] if c.op == "between" else v
                        incl = c.op != "<"
                        if hi is None or nv < hi or (nv == hi and not incl):
                            hi, hi_incl = nv, incl
                empty = False
                if lo is not None and hi is not None:
                    empty = lo > hi or (lo == hi and not (lo_incl and hi_incl))
                if allowed is not None:
                    ok_vals = [
                        a for a in allowed
                        if (lo is None or a > lo or (a == lo and lo_incl)) and (hi is None or a < hi or (a == hi and hi_incl))
                    ]
                    empty = empty or not ok_vals
            except TypeError:
                continue
            if empty:
                idx = ", ".join(f"[{i}]" for i, _ in comps)
                self.add(
                    path,
                    "contradiction",
                    f"「{item_id}」についての条件 {idx} は同時に満たせません (この all は値がある限り常に偽です)",
                    "条件の向き (>=, <) や値を確認してください",
                    "warning",
                )

    def check_always_true(self, cond: Condition, path: str) -> None:
        for c, trail in leaves_with_trails(cond):
            p = json_path(path, trail)
            item = self.catalog.get(c.item)
            if item is None:
                continue
            fn = c.aggregate.fn if c.aggregate else None
            lo: Any = None  # the catalog's lower bound (a number when compared below)
            if fn in ("count",):
                lo = 0
            elif fn == "sum" and item.range is not None and _is_number(item.range.min) and item.range.min >= 0:
                lo = 0
            elif fn in (None, "min", "max") and item.range is not None and item.type in ("integer", "decimal"):
                lo = item.range.min
            hi: Any = item.range.max if (fn in (None, "min", "max") and item.range is not None and item.type in ("integer", "decimal")) else None
            always = False
            v = c.value
            if _is_number(v):
                if c.op == ">=" and lo is not None and v <= lo:
                    always = True
                if c.op == ">" and lo is not None and v < lo:
                    always = True
                if c.op == "<=" and hi is not None and v >= hi:
                    always = True
                if c.op == "<" and hi is not None and v > hi:
                    always = True
            if c.op == "between" and isinstance(v, list) and len(v) == 2 and all(_is_number(x) for x in v):
                if lo is not None and hi is not None and v[0] <= lo and v[1] >= hi:
                    always = True
            if c.op == "in" and isinstance(v, list) and item.codes and fn is None and set(v) >= set(item.code_labels):
                always = True
            if always:
                self.add(p, "always_true", f"この条件 ({c.item} {c.op} {v!r}) は値がある限り常に真です", "しきい値を見直してください (意味のない条件は削除)", "warning")

    # -- population / rule -------------------------------------------------
    def check_population(self, pop: Population | None, path: str) -> None:
        if pop is None:
            return
        if pop.age_min is not None and pop.age_max is not None and pop.age_min > pop.age_max:
            self.add(f"{path}.age_min", "population_unsatisfiable", f"対象年齢の下限 {pop.age_min} 歳が上限 {pop.age_max} 歳より大きくなっています", "age_min <= age_max にしてください")
            return
        if pop.school_stages:
            amin = pop.age_min if pop.age_min is not None else 0
            amax = pop.age_max if pop.age_max is not None else 19
            ok = [s for s in pop.school_stages if DERIVED_STAGE_AGES[s][0] <= amax and DERIVED_STAGE_AGES[s][1] >= amin]
            if not ok:
                self.add(
                    f"{path}.school_stages",
                    "population_unsatisfiable",
                    f"対象の学校段階 ({'、'.join(pop.school_stages)}) と対象年齢 ({amin}〜{amax} 歳) が重なりません",
                    "年齢か学校段階を見直してください",
                )
            elif len(ok) < len(pop.school_stages):
                bad = [s for s in pop.school_stages if s not in ok]
                self.add(f"{path}.school_stages", "population_stage_unreachable", f"学校段階 {'、'.join(bad)} は対象年齢に当てはまる子がいません", "削除してください", "warning")

    def check_rule(self, rule: Rule, path: str) -> None:
        self.check_population(rule.population, f"{path}.population")
        self.check_condition(rule.condition, f"{path}.condition")
        self.check_always_true(rule.condition, f"{path}.condition")
        used = {c.item for c in iter_comparisons(rule.condition)}
        for name in sorted(set(re.findall(r"\{([^{}]*)\}", rule.explanation))):
            if name not in used:
                self.add(
                    f"{path}.explanation",
                    "placeholder_unknown",
                    f"説明文の {{{name}}} は、このルールの条件で使っていない項目です",
                    "条件で使う項目 id だけを {項目id} で書けます: " + ("、".join(sorted(used)) or "(なし)"),
                )
        if rule.explanation.count("{") != rule.explanation.count("}"):
            self.add(f"{path}.explanation", "placeholder_unbalanced", "説明文の { と } の数が合いません", "{項目id} の形で書いてください")


def _report(problems: list[RuleProblem], **parsed: Any) -> ValidationReport:
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    return ValidationReport(ok=not errors, errors=errors, warnings=warnings, **parsed)


def _not_a_document(doc: Any) -> ValidationReport | None:
    if isinstance(doc, (dict, Rule, Ruleset)):
        return None
    return _report([RuleProblem("$", "object_required", "ルールは JSON のオブジェクト ({...}) で指定してください", "ファイルの中身を確認してください")])


def _parse(doc: Any, model: type[_Doc]) -> _Doc | ValidationReport:
    """The parsed rule or ruleset, or the report of why ``doc`` is not one."""
    bad = _not_a_document(doc)
    if bad:
        return bad
    if isinstance(doc, model):
        return doc
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        return _report(_schema_problems(doc, exc))


def validate_rule(doc: dict | Rule, catalog: Catalog) -> ValidationReport:
    """Validate one rule (a dict from JSON, or a parsed Rule) against the schema and the catalog."""
    rule = _parse(doc, Rule)
    if isinstance(rule, ValidationReport):
        return rule
    checker = _Checker(catalog)
    checker.check_rule(rule, "$")
    return _report(checker.problems, rule=rule)


def validate_ruleset(doc: dict | Ruleset, catalog: Catalog) -> ValidationReport:
    """Validate a ruleset (every rule, exclusions, alert levels, extraction) against the schema and the catalog."""
    rs = _parse(doc, Ruleset)
    if isinstance(rs, ValidationReport):
        return rs
    checker = _Checker(catalog)
    checker.check_population(rs.population, "$.population")
    for i, rule in enumerate(rs.rules):
        checker.check_rule(rule, f"$.rules[{i}]")
    for i, ex in enumerate(rs.exclusions):
        checker.check_condition(ex.condition, f"$.exclusions[{i}].condition")
    seen_levels: dict[int, int] = {}
    for i, lvl in enumerate(rs.alert_levels):
        if lvl.min_score in seen_levels:
            checker.add(f"$.alert_levels[{i}].min_score", "alert_level_duplicate", f"アラートレベル「{lvl.level}」の最低点 {lvl.min_score} が他のレベルと同じです", "レベルごとに異なる最低点にしてください")
        seen_levels[lvl.min_score] = i
    labels = [lvl.level for lvl in rs.alert_levels]
    if len(set(labels)) != len(labels):
        checker.add("$.alert_levels", "alert_level_duplicate", "アラートレベルの名前が重複しています", "別々の名前にしてください")
    sides = [e.side for e in rs.extraction.one_side_extra]
    if len(set(sides)) != len(sides):
        checker.add("$.extraction.one_side_extra", "one_side_extra_duplicate", "片側のみ高い子の追加抽出で同じ側が2回指定されています", "側ごとに1つにしてください", "warning")
    max_total = sum(r.points for r in rs.rules)
    if rs.extraction.min_score is not None and rs.extraction.min_score > max_total:
        checker.add("$.extraction.min_score", "threshold_unreachable", f"抽出の最低点 {rs.extraction.min_score} は全ルールの合計点 {max_total} を超えています", "最低点を下げてください")
    return _report(checker.problems, ruleset=rs)
