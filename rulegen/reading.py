"""Say in Japanese how a rule reads: items, thresholds, windows, population, points."""

from __future__ import annotations

from engine.catalog import Catalog
from engine.dates import format_wareki
from engine.rules.model import (
    SIDE_LABELS_JA,
    Aggregate,
    All,
    AnyOf,
    AtLeast,
    Comparison,
    Condition,
    Not,
    Population,
    Rule,
)
from engine.rules.stages import STAGE_LABELS_JA

OP_JA = {
    "=": "が {v}",
    "!=": "が {v} 以外",
    "<": "が {v} 未満",
    "<=": "が {v} 以下",
    ">": "が {v} を超える",
    ">=": "が {v} 以上",
    "in": "が {v} のいずれか",
    "not_in": "が {v} のいずれでもない",
    "between": "が {v}",
    "is_null": "の記録がない",
    "not_null": "の記録がある",
}


def window_ja(months: int) -> str:
    if months % 12 == 0:
        return f"過去{months // 12}年間"
    return f"過去{months}か月間"


def scope_ja(agg: Aggregate) -> tuple[str, str]:
    """(adverbial, attributive) Japanese of an aggregate's time scope: ("過去1年間に", "過去1年間の")."""
    if agg.window_months is not None:
        win = window_ja(agg.window_months)
        return f"{win}に", f"{win}の"
    if agg.period is not None:
        start, end = agg.period.start, agg.period.end
        if start is not None and end is not None:
            text = f"{format_wareki(start)}〜{format_wareki(end)}"
        elif start is not None:
            text = f"{format_wareki(start)}以降"
        else:
            assert end is not None
            text = f"{format_wareki(end)}まで"
        return f"{text}に", f"{text}の"
    return "記録全体で", "記録全体での"


def _fmt_value(comp: Comparison, catalog: Catalog, unit: str) -> str:
    item = catalog.get(comp.item)

    def one(v: object) -> str:
        if isinstance(v, bool):
            return "該当" if v else "非該当"
        if item is not None and item.codes and isinstance(v, str) and comp.aggregate is None:
            return item.label_for(v)
        return f"{v}{unit}"

    if comp.op == "between" and isinstance(comp.value, list):
        return f"{one(comp.value[0])}以上{one(comp.value[1])}以下"
    if isinstance(comp.value, list):
        return "・".join(one(v) for v in comp.value)
    return one(comp.value)


def comparison_ja(comp: Comparison, catalog: Catalog) -> str:
    item = catalog.get(comp.item)
    name = f"「{item.name}」" if item else f"「{comp.item}」"
    agg = comp.aggregate
    if agg is None:
        who = {"all": "保護者全員", "any": "保護者のいずれか"}.get(comp.guardians or "", "")
        if item is not None and item.type == "bool" and comp.op == "=" and isinstance(comp.value, bool):
            text = f"{name}に該当する" if comp.value else f"{name}に該当しない (記録上 いいえ)"
            return f"{who}が{text}" if who else text
        unit = (item.unit or "") if item else ""
        return (f"{who}の" if who else "") + name + OP_JA[comp.op].format(v=_fmt_value(comp, catalog, unit))
    win_adv, win = scope_ja(agg)
    filt = said = ""
    if agg.value_filter is not None and item is not None:
        vf = agg.value_filter
        vals = vf.value if isinstance(vf.value, list) else [vf.value]
        labels = "・".join(item.label_for(str(v)) if item.codes else f"{v}{item.unit or ''}" for v in vals)
        op_word = {"in": "", "=": "", ">=": "以上", ">": "超", "<=": "以下", "<": "未満", "!=": "以外", "not_in": "以外"}.get(vf.op, vf.op)
        said = f"{labels}{op_word}"
        filt = f"(うち {said} のもの)"
    if agg.fn == "exists":
        return f"{win_adv}{name}{filt}の記録がある" if comp.value is not False else f"{win_adv}{name}{filt}の記録がない"
    if agg.fn == "count" and agg.value_filter is not None and item is not None and item.event_unit and "1か月" in item.event_unit:
        # monthly totals: 「直近3か月のうち5日以上の月が1か月以上」
        return f"{win}{name}が{said}の月の数" + OP_JA[comp.op].format(v=_fmt_value(comp, catalog, "か月"))
    if agg.fn == "count":
        unit = "回"
        return f"{win}{name}{filt}の件数" + OP_JA[comp.op].format(v=_fmt_value(comp, catalog, unit))
    label = {"sum": "合計", "min": "最小値", "max": "最大値"}[agg.fn]
    unit = (item.unit or "") if item else ""
    return f"{win}{name}{filt}の{label}" + OP_JA[comp.op].format(v=_fmt_value(comp, catalog, unit))


def list_mark(i: int) -> str:
    """①, ②, … for the i-th (0-based) listed part; (21), (22), … past ⑳."""
    return chr(0x2460 + i) if i < 20 else f"({i + 1})"


def condition_ja(cond: Condition, catalog: Catalog, depth: int = 0) -> str:
    if isinstance(cond, Comparison):
        return comparison_ja(cond, catalog)
    if isinstance(cond, All):
        parts = [condition_ja(c, catalog, depth + 1) for c in cond.all]
        text = "、かつ ".join(parts)
        return f"({text})" if depth and len(parts) > 1 else text
    if isinstance(cond, AnyOf):
        parts = [condition_ja(c, catalog, depth + 1) for c in cond.any]
        text = "、または ".join(parts)
        return f"({text})" if depth and len(parts) > 1 else text
    if isinstance(cond, AtLeast):
        parts = [condition_ja(c, catalog, depth + 1) for c in cond.of]
        listed = "、".join(f"{list_mark(i)}{p}" for i, p in enumerate(parts))
        return f"次の{len(parts)}つのうち{cond.at_least}つ以上に当てはまる（{listed}）"
    if isinstance(cond, Not):
        return f"「{condition_ja(cond.not_, catalog, depth + 1)}」ではない"
    raise TypeError(type(cond))


def population_ja(pop: Population | None) -> str:
    if pop is None:
        return "対象: すべてのこども"
    parts = []
    if pop.school_stages:
        parts.append("・".join(STAGE_LABELS_JA[s] for s in pop.school_stages))
    if pop.age_min is not None and pop.age_max is not None:
        parts.append(f"{pop.age_min}歳以上{pop.age_max}歳以下")
    elif pop.age_min is not None:
        parts.append(f"{pop.age_min}歳以上")
    elif pop.age_max is not None:
        parts.append(f"{pop.age_max}歳以下")
    return "対象: " + ("、".join(parts) if parts else "すべてのこども")


def rule_reading_ja(rule: Rule, catalog: Catalog) -> str:
    lines = [
        f"条件: {condition_ja(rule.condition, catalog)}",
        population_ja(rule.population),
        f"点数: {rule.points}点 ({SIDE_LABELS_JA[rule.side]}側)、困難の種類: {'・'.join(rule.difficulties)}",
        "記録がない場合: " + ("該当するとみなす" if rule.when_missing == "met" else "該当しないとみなす") + _negated_missing_ja(rule, catalog),
    ]
    return "\n".join(lines)


def _negated_missing_ja(rule: Rule, catalog: Catalog) -> str:
    """Under 「〜ではない」 a comparison not met for want of a record makes the negation hold: said plainly."""
    from rulegen.missing_under_not import known_only

    if rule.when_missing != "not_met":
        return ""
    doc = rule.model_dump(mode="json", by_alias=True, exclude_none=True)["condition"]
    _, items = known_only(doc, catalog)
    if not items:
        return ""
    return "（ただし「〜ではない」の条件は、記録がないこどもにも当てはまります）"
