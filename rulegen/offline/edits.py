"""Follow-up edits of a current draft, read offline: 「窓を2年にして」「中学生だけに」「点数を5点に」
「生活保護の条件を外して」「欠席を20日以上に」「さらに〜」「または〜」; inside a k-of-n node
(``{"at_least": k, "of": [...]}``, 「次のうち2つ以上」): 「〜を外して」 removes a counted part, 「〜も加えて」
adds one, 「2つ以上を3つ以上に」 changes k. A counted set is always written in its simplest equivalent form
(1 of n: ``any``, n of n: ``all``, 1 of 1: the part itself), stated in a note, as the drafter does.

`read_edit` returns None when the text is not an edit (then it is a new criterion).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from engine.rules.model import Rule
from engine.rules.walk import Trail, leaves, replaced_at, walk
from rulegen.offline.parser import OPS, OfflineParser, Reading, _num, lexicon
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
# 「就学援助も加えて」「ひとり親を数える条件に追加して」: one more counted part of a k-of-n node
_ADD_PART = re.compile(r"^(.+?)(?:の条件)?(?:も|を)(?:数える条件に|条件に|候補に|一覧に|リストに)?"
                       r"(?:加えて|加える|追加して|追加する|追加|足して|入れて|含めて)(?:ください|ほしい)?$")
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
    m = _k_change_re().match(t)
    if m:
        return _change_k(doc, int(m["new"]), int(m["old"]) if m["old"] else None)
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
    m = _ADD_PART.match(t)
    if m and not _ADD.match(t) and not _OR.match(t):
        return _add_part(doc, m.group(1), parser)
    m = _ADD.match(t) or _OR.match(t)
    if m:
        sub = parser.parse(_ADD_PART.sub(r"\1", m.group(1)))
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
        notes: list[str] = []
        try:
            new_cond, removed = _remove_items(doc["condition"], items, notes, m.group(1))
        except _Ask as ask:
            return EditResult(None, questions=[ask.question])
        if not removed:
            return EditResult(None, problems=[_p("not_in_rule", f"「{m.group(1)}」の条件は今のルールにありません。", m.group(1))])
        if new_cond is None:
            return EditResult(None, problems=[_p("empty_rule", "その条件を外すと条件が何も残りません。新しい基準として書き直してください。")])
        doc["condition"] = new_cond
        return EditResult(doc, [f"「{m.group(1)}」の条件を外しました。", *notes])
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


def _remove_items(node: dict[str, Any], items: set[str], notes: list[str], phrase: str) -> tuple[dict[str, Any] | None, bool]:
    if "item" in node:
        return (None, True) if node["item"] in items else (node, False)
    if "not" in node:
        inner, removed = _remove_items(node["not"], items, notes, phrase)
        return ({"not": inner} if inner else None), removed
    for key in ("all", "any", "of"):
        if key in node:
            kept, removed = [], False
            for child in node[key]:
                c, r = _remove_items(child, items, notes, phrase)
                removed |= r
                if c is not None:
                    kept.append(c)
            if not kept:
                return None, removed
            if key == "of":
                return (_removed_from_counted(node, kept, notes, phrase) if removed else node), removed
            return (kept[0] if len(kept) == 1 else {key: kept}), removed
    return node, False


class _Ask(Exception):
    """An edit that has two readings: the question to the staff (the draft stays as it is)."""

    def __init__(self, question: str):
        super().__init__(question)
        self.question = question


def _removed_from_counted(node: dict[str, Any], kept: list[dict[str, Any]], notes: list[str], phrase: str) -> dict[str, Any]:
    """A k-of-n node after some of its parts were removed; a question when k parts no longer remain."""
    k, n, m = node["at_least"], len(node["of"]), len(kept)
    if m == n:  # a part changed inside, none removed from the count
        return {"at_least": k, "of": kept}
    if k > m:
        raise _Ask(f"「{phrase}」を外すと、数える条件は{m}つになり「{k}つ以上」に当てはまることがなくなります。"
                   f"先に数を変えてから外してください (例: 「{k}つ以上を{max(m, 1)}つ以上に」)。")
    new = _counted(k, kept)
    notes.append(f"数える条件は{n}つから{m}つになりました。{_counted_ja(k, m, new)}")
    return new


def _counted(k: int, parts: list[dict[str, Any]]) -> dict[str, Any]:
    """k of ``parts`` in its simplest equivalent form (the drafter's): 1 of n ``any``, n of n ``all``."""
    if len(parts) == 1:
        return parts[0]
    return {"any": parts} if k == 1 else {"all": parts} if k == len(parts) else {"at_least": k, "of": parts}


def _counted_ja(k: int, n: int, new: dict[str, Any]) -> str:
    if n == 1:
        return "残る条件は1つだけのため、その条件だけのルールにしました。"
    if "any" in new:
        return f"「{n}つのうち1つ以上」は「いずれか (または)」と同じため、そのように書きました。"
    if "all" in new:
        return f"「{n}つのうち{n}つ以上」は「すべてに当てはまる (かつ)」と同じため、そのように書きました。"
    return f"「次の{n}つのうち{k}つ以上」に当てはまるかを数えます。"


@lru_cache(maxsize=1)
def _k_change_re() -> re.Pattern[str]:
    """「2つ以上を3つ以上に」「3項目以上にして」「数える条件を1つ以上に」 (units: lexicon ``k_of_n``)."""
    units = "|".join(map(re.escape, sorted(lexicon()["k_of_n"]["count_units"], key=len, reverse=True)))
    return re.compile(rf"^(?:(?:数える条件|条件の数|該当数|基準)(?:を|は))?(?:(?P<old>\d+)(?:{units})以上(?:を|から|は))?"
                      rf"(?:(?:すべて|全て|いずれか)(?:を|から))?(?P<new>\d+)(?:{units})以上(?:に該当|を満たす|に当てはまる)?"
                      r"(?:に|へ|で)(?:して|変更|変更して|する|変えて|します|してください)?$")


def _counted_nodes(cond: dict[str, Any]) -> list[tuple[Trail, int, list[dict[str, Any]]]]:
    """The counted sets of a condition (trail, k, parts): every ``at_least`` node; without one, the top
    ``any`` (1 of n) or ``all`` (n of n) of two or more parts (the drafter writes 1 of n and n of n so)."""
    found = [(s.trail, s.node["at_least"], s.node["of"]) for s in walk(cond) if s.kind == "at_least"]
    if not found and len(cond.get("any", [])) >= 2:
        found = [((), 1, cond["any"])]
    if not found and len(cond.get("all", [])) >= 2:
        found = [((), len(cond["all"]), cond["all"])]
    return found


def _change_k(doc: dict[str, Any], k: int, old: int | None) -> EditResult:
    """「2つ以上を3つ以上に」: the k of a counted set (``at_least``; a top ``any`` / ``all`` counts as 1 / n of n)."""
    found = _counted_nodes(doc["condition"])
    if old is not None:
        found = [f for f in found if f[1] == old]
    if not found:
        said = f"「{old}つ以上」で数える条件" if old is not None else "いくつ以上に当てはまるかを数える条件"
        return EditResult(None, problems=[_p("no_k_of_n", f"今のルールには{said}がありません。")])
    if len(found) > 1:
        listed = "、".join(f"「{len(parts)}つのうち{n}つ以上」" for _, n, parts in found)
        return EditResult(None, questions=[(f"数える条件が複数あります ({listed})。どれを変えるか、"
                                           f"「2つ以上を3つ以上に」のように今の数と一緒に書いてください。")])
    trail, was, parts = found[0]
    if not 1 <= k <= len(parts):
        return EditResult(None, problems=[_p("k_of_n_too_many" if k else "k_of_n",
                                             f"数える条件は{len(parts)}つです。1〜{len(parts)}つ以上で書いてください。", f"{k}つ以上")])
    if k == was:
        return EditResult(None, problems=[_p("no_change", f"今のルールはすでに「{len(parts)}つのうち{k}つ以上」です。")])
    new = _counted(k, parts)
    doc["condition"] = replaced_at(doc["condition"], trail, new)
    return EditResult(doc, [f"「{was}つ以上」を「{k}つ以上」に変えました。{_counted_ja(k, len(parts), new)}"])


def _add_part(doc: dict[str, Any], phrase: str, parser: OfflineParser) -> EditResult:
    """「就学援助も加えて」: one more counted part of the rule's k-of-n node (k stays); without one, the
    same as 「さらに〜」 (かつ)."""
    sub = parser.parse(phrase)
    if sub.condition is None:
        return EditResult(None, sub.notes, sub.questions, sub.problems, sub.clarifications)
    if sub.population:
        doc["population"] = {**doc.get("population", {}), **sub.population}
    found = [(s.trail, s.node) for s in walk(doc["condition"]) if s.kind == "at_least"]
    if not found:
        cond = doc["condition"]
        doc["condition"] = {"all": (cond["all"] if "all" in cond else [cond]) + [sub.condition]}
        return EditResult(doc, ["条件を1つ加えました (かつ)。"])
    if len(found) > 1:
        return EditResult(None, questions=[("数える条件が複数あります。どれに加えるかを書いてください。"
                                           "必ず当てはまる条件として加えるなら「さらに〜」と書いてください。")])
    trail, node = found[0]
    if sub.condition in node["of"]:
        return EditResult(None, problems=[_p("already_in_rule", f"「{phrase}」の条件はすでに数える条件に入っています。", phrase)])
    parts = [*node["of"], sub.condition]
    doc["condition"] = replaced_at(doc["condition"], trail, {"at_least": node["at_least"], "of": parts})
    return EditResult(doc, [(f"「{phrase}」を数える条件に加えました (次の{len(parts)}つのうち{node['at_least']}つ以上)。"
                            "必ず当てはまる条件として加えるなら「さらに〜」と書いてください。")])


__all__ = ["EditResult", "read_edit"]
