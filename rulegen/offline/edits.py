"""Follow-up edits of a current draft, read offline: 「窓を2年にして」「中学生だけに」「点数を5点に」
「生活保護の条件を外して」「欠席を20日以上に」「さらに〜」「または〜」.

`read_edit` returns None when the text is not an edit (then it is a new criterion).
"""

from __future__ import annotations

import re
from typing import Any

from engine.rules.model import Rule
from engine.rules.walk import leaves
from rulegen.offline.parser import OPS, OfflineParser, Reading, _num
from rulegen.offline.tokens import normalize
from rulegen.reading import window_ja


class EditResult(Reading):
    """A follow-up edit read offline: the edited rule document, or why it could not be edited."""


_WINDOW = re.compile(r"(?:窓|期間|見る期間|対象期間|集計期間|遡る期間)(?:を|は)?(?:過去|直近)?(\d+)(年|か月)(?:間)?(?:に|へ)")
_WINDOW2 = re.compile(r"^(?:過去|直近)(\d+)(年|か月)(?:間)?(?:に|へ)(?:して|変更|する|変えて)")
_POINTS = re.compile(r"(?:点数|配点|点)(?:を|は)?(\d+)点(?:に|へ)|^(\d+)点(?:に|へ)(?:して|変更|する|変えて)")
_ONLY = re.compile(r"(?:対象を)?(.+?)(?:だけ|のみ|限定)(?:に|で|にして|にする|とする)?")
_REMOVE = re.compile(r"(.+?)(?:の条件)?(?:を|は)(?:外して|外す|除いて|除く|削除|消して|なしに|なしで|いらない|不要)")
_ADD = re.compile(r"^(?:さらに|加えて|あと|それと|それから|かつ)[、,]?(.+)$")
_OR = re.compile(r"^(?:または|又は|もしくは|あるいは)[、,]?(.+)$")
_VALUE_ONLY = re.compile(r"^(.*?)(?:を|は)(\d+(?:\.\d+)?)(回|件|日|か月|人|点|歳)?(?:に|へ)(?:して|変更|する|変えて)?$")
_DIFFICULTY = re.compile(r"^(?:困難の種類|困難の分類|困難|種類)(?:を|は)(.+?)(?:に|へ|で|と)?(?:して|変更|する|変えて|します|します|してください)?$")
_DIFFICULTY_BARE = re.compile(r"^(.+?)(?:の観点|の枠|の候補)?(?:の両方)?(?:で|に|です|にして|でお願いします)?$")
_THRESHOLD = re.compile(r"^(.*?)(?:を|は)?(\d+(?:\.\d+)?)(回|件|日|か月|人|点|歳)?(以上|以下|未満|を超える|超)(?:に|へ)(?:して|変更|する|変えて)?")


def read_edit(text: str, current: Rule, parser: OfflineParser) -> EditResult | None:
    t = normalize(text).rstrip("。")
    doc = current.model_dump(mode="json", by_alias=True, exclude_none=True)
    doc["description"] = (doc.get("description", "") + f"\n(修正: {text.strip()})")[:4000]
    explicit = _DIFFICULTY.match(t)
    m = explicit or _DIFFICULTY_BARE.match(t)
    types = _difficulty_types(m.group(1)) if m else None
    if explicit and types is None:
        from rulegen.offline.parser import DIFFICULTY_WORDS

        return EditResult(None, problems=[_p("unknown_difficulty", f"「{explicit.group(1)}」は困難の種類にありません。"
                                             f"{'、'.join(DIFFICULTY_WORDS)}から選んでください。", explicit.group(1))])
    if types:
        doc["difficulties"] = types
        return EditResult(doc, [f"困難の種類を「{'・'.join(types)}」にしました。"])
    m = _WINDOW.search(t) or _WINDOW2.search(t)
    if m:
        months = int(m.group(1)) * (12 if m.group(2) == "年" else 1)
        n = _set_window(doc["condition"], months)
        if n == 0:
            return EditResult(None, problems=[_p("no_window", "今のルールには期間を持つ条件がありません。")])
        return EditResult(doc, [f"期間を{window_ja(months)}に変えました。"])
    m = _POINTS.search(t)
    if m:
        points = int(m.group(1) or m.group(2))
        if not 1 <= points <= parser.max_points:
            return EditResult(None, problems=[_p("points_limit", f"点数 {points}点 は 1〜{parser.max_points}点の範囲外です。")])
        doc["points"] = points
        return EditResult(doc, [f"点数を{points}点に変えました。"])
    m = _ADD.match(t) or _OR.match(t)
    if m:
        sub = parser.parse(m.group(1))
        if sub.condition is None:
            return EditResult(None, sub.notes, sub.questions, sub.problems, sub.clarifications)
        key = "all" if _ADD.match(t) else "any"
        cond = doc["condition"]
        doc["condition"] = {key: (cond[key] if key in cond else [cond]) + [sub.condition]}
        if sub.population:
            doc["population"] = {**doc.get("population", {}), **sub.population}
        return EditResult(doc, ["条件を1つ加えました (" + ("かつ" if key == "all" else "または") + ")。"])
    m = _REMOVE.match(t)
    if m:
        target = parser.parse(m.group(1) + "あり")
        items: set[str] = {c["item"] for c in leaves(target.condition)} if target.condition else set()
        stages = (target.population or {}).get("school_stages")
        if stages and doc.get("population", {}).get("school_stages"):
            doc["population"].pop("school_stages")
            if not doc["population"]:
                doc.pop("population")
            return EditResult(doc, ["対象の学校段階の絞り込みを外しました。"])
        if not items:
            return EditResult(None, target.notes, target.questions, target.problems or [_p("unread_phrase", f"「{m.group(1)}」がどの条件か読み取れませんでした。", m.group(1))])
        new_cond, removed = _remove_items(doc["condition"], items)
        if not removed:
            return EditResult(None, problems=[_p("not_in_rule", f"「{m.group(1)}」の条件は今のルールにありません。", m.group(1))])
        if new_cond is None:
            return EditResult(None, problems=[_p("empty_rule", "その条件を外すと条件が何も残りません。新しい基準として書き直してください。")])
        doc["condition"] = new_cond
        return EditResult(doc, [f"「{m.group(1)}」の条件を外しました。"])
    m = _ONLY.fullmatch(t)
    if m:
        sub = parser.parse(m.group(1))
        stages = (sub.population or {}).get("school_stages")
        ages = {k: v for k, v in (sub.population or {}).items() if k in ("age_min", "age_max")}
        if stages or ages:
            pop = dict(doc.get("population", {}))
            if stages:
                pop["school_stages"] = stages
            pop.update(ages)
            doc["population"] = pop
            return EditResult(doc, ["対象を絞り込みました。"])
    m = _THRESHOLD.match(t)
    if m:
        head, value, unit, op_word = m.group(1), m.group(2), m.group(3) or "", m.group(4)
        items = set()
        if head:
            sub = parser.parse(head + "あり")
            items = {c["item"] for c in leaves(sub.condition)} if sub.condition else set()
        changed = _set_threshold(doc["condition"], items, OPS[op_word], _num(value))
        if changed == 1 or (changed > 1 and items):
            return EditResult(doc, [f"基準値を{value}{unit}{op_word}に変えました。"])
        if changed > 1:
            return EditResult(None, questions=["どの項目の基準値を変えますか。項目名と一緒に書いてください (例: 欠席日数を20日以上に)。"])
        return EditResult(None, problems=[_p("no_threshold", "変えられる基準値が今のルールに見つかりませんでした。")])
    m = _VALUE_ONLY.match(t)
    if m and m.group(1):
        # 「欠席を20日に」: a new value, the comparison stays as it was.
        sub = parser.parse(m.group(1) + "あり")
        items = {c["item"] for c in leaves(sub.condition)} if sub.condition else set()
        if items:
            changed = _set_value(doc["condition"], items, _num(m.group(2)))
            if changed:
                return EditResult(doc, [f"「{m.group(1)}」の基準値を{m.group(2)}{m.group(3) or ''}に変えました (比較はそのまま)。"])
    return None


def _difficulty_types(text: str) -> list[str] | None:
    """「不登校と貧困」「貧困・不登校の両方」-> the difficulty types, in order; None unless every part is one."""
    from rulegen.offline.parser import DIFFICULTY_WORDS, lexicon

    seps = sorted(lexicon()["difficulty_separators"], key=len, reverse=True)
    text = re.sub(r"(?:の両方|両方|の全て|のすべて)$", "", text)
    parts = [p for p in re.split("|".join(map(re.escape, seps)), text) if p]
    if not parts or any(p not in DIFFICULTY_WORDS for p in parts):
        return None
    return list(dict.fromkeys(parts))


def _p(code: str, message: str, phrase: str = "") -> dict[str, Any]:
    d = {"code": code, "message": message, "severity": "error"}
    if phrase:
        d["phrase"] = phrase
    return d


def _set_window(node: dict[str, Any], months: int) -> int:
    n = 0
    for leaf in leaves(node):
        if "aggregate" in leaf:
            for scope in ("whole_record", "period"):
                leaf["aggregate"].pop(scope, None)
            leaf["aggregate"]["window_months"] = months
            n += 1
    return n


def _set_threshold(node: dict[str, Any], items: set[str], op: str, value: float | int) -> int:
    n = 0
    for leaf in leaves(node):
        if items and leaf["item"] not in items:
            continue
        if isinstance(leaf.get("value"), (int, float)) and not isinstance(leaf.get("value"), bool):
            leaf["op"], leaf["value"] = op, value
            n += 1
    return n


def _set_value(node: dict[str, Any], items: set[str], value: float | int) -> int:
    n = 0
    for leaf in leaves(node):
        if leaf["item"] in items and isinstance(leaf.get("value"), (int, float)) and not isinstance(leaf.get("value"), bool):
            leaf["value"] = value
            n += 1
    return n


def _remove_items(node: dict[str, Any], items: set[str]) -> tuple[dict[str, Any] | None, bool]:
    if "item" in node:
        return (None, True) if node["item"] in items else (node, False)
    if "not" in node:
        inner, removed = _remove_items(node["not"], items)
        return ({"not": inner} if inner else None), removed
    for key in ("all", "any"):
        if key in node:
            kept, removed = [], False
            for child in node[key]:
                c, r = _remove_items(child, items)
                removed |= r
                if c is not None:
                    kept.append(c)
            if not kept:
                return None, removed
            return (kept[0] if len(kept) == 1 else {key: kept}), removed
    return node, False


__all__ = ["EditResult", "read_edit"]
