"""Japanese explanation of why a child is on a run's list (for the people who review it).

Fired rules are listed by points (most important first, as 戸田市 shows reasons), each with its
explanation template filled with the values that made it fire. The text always ends with the
reminder that the list holds candidates for human review, never decisions.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from engine.catalog.model import Catalog
from engine.reference import at_least_parts_met
from engine.rules.model import SIDE_LABELS_JA, Rule, Ruleset

if TYPE_CHECKING:
    from engine.runner import ChildResult

REMINDER_JA = (
    "※ この結果は、人による確認 (アセスメント) の対象とする「候補」を示すものです。"
    "支援の要否や虐待・困難の有無を判定するものではありません。"
    "点数が低いことや一覧に載らないことは、支援が不要であることを意味しません。"
)

REASON_LABELS_JA = {
    "top_n": "総合点の上位",
    "min_score": "総合点が基準点以上",
    "top_n_and_min_score": "総合点の上位 (基準点以上)",
    "one_side_extra:welfare": "福祉側の点数だけが高い子 (確認用の追加抽出)",
    "one_side_extra:education": "教育側の点数だけが高い子 (確認用の追加抽出)",
}

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def format_value(value: Any, item_id: str, catalog: Catalog) -> str:
    """A value as staff read it: はい/いいえ, code labels, lists joined with 、, missing as 不明."""
    base_id = item_id.split("#", 1)[0]
    item = catalog.get(base_id)
    if value is None:
        return "不明 (記録なし)"
    if isinstance(value, list):  # a guardian item: the guardians' distinct values, None for one without a record
        if not any(v is not None for v in value):
            return "不明 (記録なし)"
        return "、".join("記録なし" if v is None else format_value(v, base_id, catalog) for v in value)
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if item is not None and item.codes and isinstance(value, str):
        return item.label_for(value)
    return str(value)


def fill_template(template: str, values: dict[str, Any], catalog: Catalog) -> str:
    """Replace each ``{item.id}`` with the formatted value (no format-string evaluation)."""

    def repl(m: re.Match[str]) -> str:
        key = m.group(1)
        if key in values:
            return format_value(values[key], key, catalog)
        return m.group(0)

    return _PLACEHOLDER.sub(repl, template)


def reason_label(reason: str) -> str:
    return REASON_LABELS_JA.get(reason, reason)


def explain_child(child: ChildResult, ruleset: Ruleset, catalog: Catalog) -> str:
    """Why this child is where it is, in Japanese."""
    rules = {r.id: r for r in ruleset.rules}
    s = child.scores
    lines = [
        f"こども (仮名ID) {child.pseudonym}",
        f"順位: {child.rank} 位 ({reason_label(child.extraction_reason)})",
        f"合計点: {child.total} 点 (福祉 {s.get('welfare', 0)} 点 / 教育 {s.get('education', 0)} 点 / 福祉・教育共通 {s.get('both', 0)} 点)",
        f"アラートレベル: {child.alert_level or 'なし'}",
        "",
        f"該当したルール ({len(child.fired)} 件、点数の高い順):",
    ]
    for k, f in enumerate(sorted(child.fired, key=lambda f: -f.points), start=1):
        rule = rules.get(f.rule_id)
        if rule is None:
            lines.append(f"{k}. [{f.points} 点] ルール {f.rule_id} (このルールセットにありません)")
            continue
        side = SIDE_LABELS_JA.get(rule.side, rule.side)
        lines.append(f"{k}. [{f.points} 点・{side}] {rule.title} ({rule.id} 第{rule.version}版)")
        lines.append(f"   {fill_template(rule.explanation, f.values, catalog)}")
        lines.extend(f"   {text}" for text in at_least_lines(rule, f.values, catalog))
        shown = [f"{_item_name(key, catalog)}: {format_value(v, key, catalog)}" for key, v in f.values.items()]
        if shown:
            lines.append(f"   (根拠の値: {' / '.join(shown)})")
    lines += ["", REMINDER_JA]
    return "\n".join(lines)


def at_least_lines(rule: Rule, values: dict[str, Any], catalog: Catalog) -> list[str]:
    """Per 「次のうちk つ以上」 part of a fired rule, which of its n conditions the child met (read from the
    run's reported values): 「次の3つのうち2つ以上（該当: …、…）」."""
    from rulegen.reading import condition_ja  # the one Japanese reading of a condition

    out = []
    for node, met in at_least_parts_met(rule.condition, values, catalog, rule.when_missing):
        names = [condition_ja(sub, catalog, 1) for sub, ok in zip(node.of, met, strict=True) if ok]
        out.append(f"次の{len(node.of)}つのうち{node.at_least}つ以上（該当: {'、'.join(names) if names else 'なし'}）")
    return out


def _item_name(key: str, catalog: Catalog) -> str:
    item = catalog.get(key.split("#", 1)[0])
    return item.name if item is not None else key
