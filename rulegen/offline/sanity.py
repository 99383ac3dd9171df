"""Cross-examination of an offline draft against its own text (issue 14: never a silent misreading).

The parser reads a criterion phrase by phrase; this module looks at the finished rule and asks whether
it accounts for everything the text says. Each check is a pure function of the normalized text, the
parser's spans (what each stretch of text was read as) and the rule document:

- numbers: every number the parser read (amount, window, period, per-month filter, points, grade, age)
  is used by the rule; a comparison word no number took (中学2年以上); 以降/まで after a fixed period;
  an amount after two items (欠席か遅刻が10日以上); units that do not fit the item (欠席が3か月以上);
- negations: every negation word and every 未/無/非 prefix is reflected in the rule (a ``not``, a value
  false, an item that itself means "not done"); 「AでもBでもない」 negates both; an excluded code or
  grade (その他を除く, 中3を除く, けが以外); ない that negates nothing (少ない, 間もない); exclusion words left
  unread (対象外); an item word without its 非 (課税されていない);
- time: a monthly rate is no total (月2回以上); a whole-record word (過去に, 〜歴あり) in one part and a
  window in another; a past moment (〜のときに) on a reference-date attribute;
- populations: an age or stage that begins an item's own name (3歳児健診) or belongs to the siblings
  (中学生のきょうだい) is no population of the child; school records for preschool children;
- connectives: または/か/いずれか is an OR in the rule; 「AやB」 is asked; 「A、またはBのうちC」 asks the grouping;
  two equalities on one item joined by AND (中1〜中2) select nobody;
- items: every item and code the parser found is in the rule; an amount right after an item is that
  item's; two item words that name a third item or a code (保育所を…休んで, いじめについて教育相談); a
  difficulty word naming an item's code (教育相談のうち不登校); a guardian or a sibling as the subject of
  another item (両親とも外国籍, きょうだいが要対協に登録); 「全員」 on a guardian item.

A finding turns the draft into a question (with clickable rewrites of the text, each checked to read as
a rule, see ``rulegen.choices``). Staff-facing text is Japanese; the word lists are data
(``sanity.yaml``).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Protocol

import yaml

from engine.catalog import Catalog
from engine.rules.walk import walk


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, Any]:
    """The word lists of the checks (``sanity.yaml`` next to the lexicon: data, not code)."""
    text = resources.files("rulegen.offline").joinpath("sanity.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _words(key: str) -> Any:
    value = vocabulary()[key]
    return value if isinstance(value, str) else tuple(value)


COMPARISON_WORDS = _words("comparison_words")
NEGATING_PREFIXES = _words("negating_prefixes")
FALSE_NEGATIONS = _words("false_negations")
EXCLUSION_WORDS = _words("exclusion_words")
STRONG_AND = _words("strong_and")
ALL_GUARDIAN_HINTS = _words("all_guardian_hints")
NEGATIVE_NAME_MARKS = _words("negative_name_marks")


class SpanLike(Protocol):
    start: int
    end: int
    kind: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Finding:
    """Something the text says that the rule does not account for.

    ``question`` is the Japanese question shown to staff; ``phrase`` is the stretch of the text it is
    about and ``candidates`` the replacements that say each reading (a click sends the text with the
    phrase replaced; see ``rulegen.choices.question_choices``)."""

    code: str
    question: str
    phrase: str
    candidates: tuple[str, ...] = ()


@dataclass
class _Rule:
    """The parts of a rule document the checks look at."""

    leaves: list[tuple[dict[str, Any], bool]] = field(default_factory=list)  # (leaf, under an odd number of nots)
    has_any: bool = False
    any_with_all: bool = False  # an any inside an all (OR bound tighter than AND)
    population: dict[str, Any] = field(default_factory=dict)
    points: int | None = None


def _rule_parts(rule: dict[str, Any]) -> _Rule:
    out = _Rule(population=dict(rule.get("population") or {}), points=rule.get("points"))
    for step in walk(rule["condition"]):
        if step.kind == "any":
            out.has_any = True
            out.any_with_all |= len(step.trail) >= 2 and step.trail[-2] == "all"
        elif step.kind == "comparison":
            out.leaves.append((step.node, step.trail.count("not") % 2 == 1))
    return out


def _numbers(value: Any) -> Iterator[float]:
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield float(value)
    elif isinstance(value, list):
        for v in value:
            yield from _numbers(v)


def _leaf_numbers(parts: _Rule) -> set[float]:
    out: set[float] = set()
    for leaf, _ in parts.leaves:
        out.update(_numbers(leaf.get("value")))
        vf = (leaf.get("aggregate") or {}).get("value_filter") or {}
        out.update(_numbers(vf.get("value")))
    return out


def _is_one_year(period: dict[str, Any]) -> bool:
    """A fixed period of exactly twelve whole months (a fiscal year 4/1-3/31, a calendar year 1/1-12/31)."""
    try:
        start, end = dt.date.fromisoformat(str(period.get("start"))), dt.date.fromisoformat(str(period.get("end")))
    except ValueError:
        return False
    return start.day == 1 and end + dt.timedelta(days=1) == start.replace(year=start.year + 1)


def _windows(parts: _Rule) -> list[Any]:
    out: list[Any] = []
    for leaf, _ in parts.leaves:
        agg = leaf.get("aggregate") or {}
        if "window_months" in agg:
            out.append(agg["window_months"])
        if "period" in agg:
            out.append({"period": agg["period"]})
            if _is_one_year(agg["period"]):
                out.append(12)  # 「令和7年度に年間30日以上」: the year the 年間 speaks of is the fiscal year
        if agg.get("whole_record"):
            out.append({"whole_record": True})
    return out


def _is_negative_leaf(leaf: dict[str, Any], negated: bool, catalog: Catalog) -> bool:
    neg = negated
    if leaf.get("value") is False:
        neg = not neg
    if leaf.get("op") in ("<", "<=") and leaf.get("value") in (0, 1) and not isinstance(leaf.get("value"), bool):
        neg = not neg
    return neg


def _negative_item(item_id: str, catalog: Catalog) -> bool:
    if item_id not in catalog:
        return False
    item = catalog[item_id]
    return any(mark in name for name in (item.name, *item.synonyms) for mark in NEGATIVE_NAME_MARKS)


def _free(text: str, spans: Sequence[SpanLike]) -> list[bool]:
    free = [True] * len(text)
    for s in spans:
        for i in range(s.start, min(s.end, len(text))):
            free[i] = False
    return free


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


# -- the checks --------------------------------------------------------------------------------------


def check_numbers(text: str, spans: Sequence[SpanLike], parts: _Rule, catalog: Catalog) -> list[Finding]:
    """Every number the parser read is used by the rule: amounts, windows, per-month filters, points,
    grades and ages. A number read but not used (a window on an item that has none, an amount that
    attached nowhere) is asked about."""
    values = _leaf_numbers(parts)
    windows = _windows(parts)
    pop = parts.population
    exists_leaf = any((leaf.get("aggregate") or {}).get("fn") == "exists" for leaf, _ in parts.leaves)
    grade_values = [leaf.get("value") for leaf, _ in parts.leaves if leaf.get("item") == "school.grade"]
    out: list[Finding] = []
    for s in spans:
        phrase = text[s.start : s.end]
        used = True
        if s.kind == "amount":
            v = s.data.get("value")
            nums = list(_numbers(v))
            if s.data.get("unit") == "歳" and not all(n in values for n in nums):
                near = {n + d for n in nums for d in (-1.0, 1.0)}  # a guardian range merged (18歳以上20歳未満 -> 18〜19)
                used = _age_used(s.data, pop) or bool(near & values)
            elif not nums:
                used = True
            else:
                used = all(n in values for n in nums)
                if not used and nums == [1.0] and s.data.get("op") == ">=" and exists_leaf:
                    used = True  # 「1回でも」: exists
        elif s.kind == "window":
            used = s.data.get("months") in windows
        elif s.kind == "per_month":
            used = float(s.data.get("value", -1)) in values
        elif s.kind == "points":
            used = parts.points == s.data.get("points")
        elif s.kind == "grade":
            lo, hi = s.data.get("lo"), s.data.get("hi")
            used = (lo if lo == hi else [lo, hi]) in grade_values
        else:
            continue
        if not used:
            out.append(Finding("number_unused", f"「{phrase}」がルールのどの条件にも使われていません。どの条件についての「{phrase}」か、項目名と一緒に書いてください。", phrase))
    return out


def _age_used(data: dict[str, Any], pop: dict[str, Any]) -> bool:
    op, v = data.get("op"), data.get("value")
    lo, hi = pop.get("age_min"), pop.get("age_max")
    if op == "between" and isinstance(v, list):
        return lo == v[0] and hi == v[1]
    if not isinstance(v, int | float):
        return True
    want = {"=": (v, v), ">=": (v, None), ">": (v + 1, None), "<=": (None, v), "<": (None, v - 1)}.get(str(op))
    if want is None:
        return True
    return (want[0] is None or lo == want[0]) and (want[1] is None or hi == want[1])


def check_comparisons(text: str, spans: Sequence[SpanLike], parts: _Rule) -> list[Finding]:
    """A comparison word no number took (「中学2年以上」: the grade was read, 以上 was not)."""
    free = _free(text, spans)
    out: list[Finding] = []
    for word in sorted(COMPARISON_WORDS, key=len, reverse=True):
        for m in re.finditer(re.escape(word), text):
            if not all(free[m.start() : m.end()]):
                continue
            before = [s for s in spans if s.end == m.start()]
            if not before:
                continue  # 「上記以上」 or a word far from any reading: the parser reports what it could not read
            prev = before[0]
            phrase = text[prev.start : m.end()]
            cands: tuple[str, ...] = ()
            if prev.kind == "grade":
                cands = _grade_candidates(text[prev.start : prev.end], word)
            out.append(Finding("comparison_unused", f"「{phrase}」の「{word}」がルールに反映されていません。どの範囲のことですか。", phrase, cands))
            for i in range(m.start(), m.end()):
                free[i] = False
    return out


TIME_DIRECTION = _words("time_direction")


def check_period_direction(text: str, spans: Sequence[SpanLike], parts: _Rule) -> list[Finding]:
    """「令和6年度以降に転入」: the period was read as that fiscal year only; 以降 was not read."""
    from engine.dates import format_wareki

    free = _free(text, spans)
    out: list[Finding] = []
    for s in spans:
        if s.kind != "window" or not isinstance(s.data.get("months"), dict) or "period" not in s.data["months"]:
            continue
        rest = text[s.end :]
        word = next((w for w in TIME_DIRECTION if rest.startswith(w) and all(free[s.end : s.end + len(w)])), None)
        if word is None:
            continue
        period = s.data["months"]["period"]
        cands: list[str] = []
        try:
            if word in ("以降", "以後", "から", "より後") and period.get("start"):
                cands.append(format_wareki(dt.date.fromisoformat(period["start"]), "full_month") + "以降")
            if word in ("以前", "まで", "より前") and period.get("end"):
                cands.append(format_wareki(dt.date.fromisoformat(period["end"]), "full_month") + "まで")
        except ValueError:
            cands = []
        phrase = text[s.start : s.end + len(word)]
        out.append(Finding("period_direction", f"「{phrase}」の「{word}」がルールに反映されていません (いまは「{text[s.start:s.end]}」の期間だけで数えています)。", phrase, tuple(cands)))
    return out


def check_shared_amount(text: str, spans: Sequence[SpanLike], parts: _Rule, catalog: Catalog) -> list[Finding]:
    """「欠席か遅刻が10日以上」: the amount after the second item may be meant for both; the first item
    silently got 「1日以上」."""
    items = sorted((s for s in spans if s.kind == "item" and s.data.get("item") in catalog), key=lambda s: s.start)
    amounts = sorted((s for s in spans if s.kind == "amount"), key=lambda s: s.start)
    leaf_by_item = {leaf["item"]: leaf for leaf, _ in parts.leaves}
    out: list[Finding] = []
    for a, b in zip(items, items[1:], strict=False):
        gap = text[a.end : b.start]
        if not gap or len(gap) > 4 or any(a.end <= x.start < b.start and x.kind not in ("and", "or") for x in spans):
            continue  # 「遅刻はないが欠席が30日以上」: the first item has its own reading
        ia, ib = catalog[a.data["item"]], catalog[b.data["item"]]
        if ia.id == ib.id:
            continue  # 「給食費未納（滞納月数1以上）」: two names of one item
        leaf = leaf_by_item.get(ia.id, {})
        default = (leaf.get("op") == ">=" and leaf.get("value") == 1) or (leaf.get("op") == "=" and leaf.get("value") is True and "aggregate" in leaf)
        total = re.search("合計|合わせ|あわせ|足し", text[b.end :])
        reach = 8 if total and total.start() < 4 else 3
        # a window between (「合わせて直近1か月10日以上」) takes none of the reach
        after = next((x for x in amounts if x.start >= b.end and x.start - b.end - _window_chars(spans, b.end, x.start) <= reach), None)
        if not default or after is None or ia.unit != ib.unit or ia.type not in ("integer", "decimal"):
            continue
        amt = text[after.start : after.end]
        pa, pb = text[a.start : a.end], text[b.start : b.end]
        phrase = text[a.start : after.end]
        joined = "または" if parts.has_any else "かつ"
        out.append(Finding("shared_amount", f"「{phrase}」の「{amt}」は「{pa}」にもかかりますか。いまは「{pa}」は1{ia.unit or ''}以上、「{pb}」だけが{amt}と読んでいます。"
                           "合計のことなら、この書き方はまだルールにできません。",
                           phrase, (f"{pa}が{amt}{joined}{pb}が{amt}",)))
    return out


def _window_chars(spans: Sequence[SpanLike], start: int, end: int) -> int:
    return sum(w.end - w.start for w in spans if w.kind == "window" and start <= w.start and w.end <= end)


def _grade_candidates(grade_text: str, word: str) -> tuple[str, ...]:
    m = re.match(r"(小学|中学|小|中)(?:校)?(\d)", grade_text)
    if not m:
        return ()
    school, n = m.group(1), int(m.group(2))
    top = 6 if school.startswith("小") else 3
    prefix = "小学" if school.startswith("小") else "中学"
    if word == "以上" and n < top:
        return (f"{prefix}{n}〜{top}年生", f"{prefix}{n}年生")
    if word in ("以下", "まで") and n > 1:
        return (f"{prefix}1〜{n}年生", f"{prefix}{n}年生")
    if word == "未満" and n > 1:
        return (f"{prefix}1〜{n - 1}年生", f"{prefix}{n}年生")
    return ()


def check_negations(text: str, spans: Sequence[SpanLike], parts: _Rule, catalog: Catalog) -> list[Finding]:
    """Every negation the text states is in the rule."""
    items = sorted((s for s in spans if s.kind == "item"), key=lambda s: s.start)
    negative_items = {
        leaf["item"] for leaf, neg in parts.leaves if _is_negative_leaf(leaf, neg, catalog) or _negative_item(leaf["item"], catalog)
    }
    out: list[Finding] = []
    free = _free(text, spans)
    for s in spans:
        if s.kind not in ("negation", "negation_prefix"):
            continue
        if s.kind == "negation_prefix":
            # 「未受診の健診」: the item after; 「就学援助未受給」: the item just before, when none follows
            after = next((i for i in items if i.start >= s.end), None)
            glued = next((i for i in items if i.end == s.start), None)
            target = glued if glued is not None and (after is None or after.start > s.end) else after
        else:
            target = next((i for i in reversed(items) if i.end <= s.start), None)
        phrase = text[s.start : s.end]
        if s.kind == "negation" and s.start > 0 and any(text[: s.start + k].endswith(FALSE_NEGATIONS) for k in range(0, min(4, len(phrase)) + 1)):
            # 「少ない」「足りない」: the ない belongs to another word, it negates nothing
            stem = next(w for w in FALSE_NEGATIONS for k in range(0, min(4, len(phrase)) + 1) if text[: s.start + k].endswith(w))
            word = text[text.rfind(stem, 0, s.start + len(stem)) : s.end]
            out.append(Finding("negation_word", f"「{word}」を否定 (…がない) と読みましたが、別の意味の言葉かもしれません。どういう条件ですか (例: 10日未満、1回もない)。", word))
            continue
        before = next((b for b in sorted(spans, key=lambda b: -b.end) if b.end <= s.start and b is not s), None)
        if s.kind == "negation" and before is not None and before.kind in ("grade", "stage") and not text[before.end : s.start].strip("をはが"):
            # 「中学生（中3を除く）」: a grade or stage is excluded, which no item negation says
            word = text[before.start : s.end]
            out.append(Finding("population_excluded", f"「{word}」がルールに反映されていません。対象の学年・学校段階を、残す方で書いてください (例: 中学1〜2年生)。",
                               word, _excluded_grade_candidates(text, spans, before)))
            continue
        if target is None:
            if s.kind == "negation_prefix":
                word = text[s.start : s.start + 3]
                out.append(Finding("negation_unread", f"「{word}」の「未」(…でない) がルールに反映されていません。どの項目がないことですか。", word))
            continue  # a negation word before any item: reported by the parser
        code = next((c for c in spans if c.kind == "code" and c.end <= s.start and not text[c.end : s.start].strip("をはが")), None)
        if code is not None and s.kind == "negation":
            # 「家庭児童相談（その他を除く）」: the code is excluded, not the item
            word = text[code.start : s.end]
            out.append(Finding("code_excluded", f"「{word}」は「{text[code.start:code.end]}」以外の記録のことですか。いまは「{text[code.start:code.end]}」の記録がないことを条件にしています。"
                               "記録の種類を除く条件は、残す種類を並べて書いてください (例: 養護相談または非行相談)。", word))
            continue
        if target.data.get("item") not in negative_items and s.kind == "negation_prefix" and target.end == s.start:
            name = text[target.start : target.end]
            m = re.match(r"[一-龥]{1,3}", text[s.end :])
            rest = m.group(0) if m else ""
            phrase = name + "未" + rest
            cands = (f"{name}を{rest}していない", f"{name}を{rest}している") if rest else ()
            out.append(Finding("negation_unread", f"「{phrase}」の「未」(…でない) がルールに反映されていません。「{name}」がない方ですか、ある方ですか。", phrase, cands))
            continue
        if target.data.get("item") not in negative_items:
            whole = text[target.start : s.end] if target.end <= s.start else text[s.start : target.end]
            out.append(Finding("negation_unused", f"「{whole}」の「{phrase}」(否定) がルールに反映されていません。「{text[target.start:target.end]}」に当てはまらないこどもが対象ですか。", whole))
    # 「就学援助未受給」: a negating prefix the parser did not read
    for i, ch in enumerate(text):
        if ch not in NEGATING_PREFIXES or not free[i] or i + 1 >= len(text):
            continue
        if text[i : i + 2] == "未満":
            continue
        m = re.match(r"[一-龥]{1,3}", text[i + 1 :])
        if not m:
            continue
        prev = next((s for s in items if s.end == i), None)
        word = text[i : i + 1 + m.end()]
        if prev is None:
            out.append(Finding("negation_unread", f"「{word}」の「{ch}」(…でない) がルールに反映されていません。どういう意味ですか。", word))
            continue
        name = text[prev.start : prev.end]
        phrase = name + word
        rest = word[1:]
        cands = (f"{name}を{rest}していない", f"{name}を{rest}している") if rest else ()
        out.append(Finding("negation_unread", f"「{phrase}」の「{ch}」(…でない) がルールに反映されていません。「{name}」がない方ですか、ある方ですか。", phrase, cands))
    # 「…児童は対象外とする」: an exclusion word the parser left unread
    for word in EXCLUSION_WORDS:
        for m in re.finditer(re.escape(word), text):
            if not all(free[m.start() : m.end()]):
                continue
            prev = next((i for i in reversed(items) if i.end <= m.start()), None)
            if prev is None or prev.data.get("item") in negative_items:
                continue
            out.append(Finding("exclusion_unread", f"「{word}」がルールに反映されていません。「{text[prev.start:prev.end]}」に当てはまるこどもを除く、という意味ですか。",
                               word, ("除外",) if word == "対象外" else ()))
            break
    # 「生活保護でも就学援助でもない」: both are negated
    for a, b in zip(items, items[1:], strict=False):
        between = text[a.end : b.start]
        if between in ("でも", "も") and re.match(r"(?:でも|も)(?:な|受けていな|受給していな|利用していな|していな)", text[b.end : b.end + 8]):
            if a.data.get("item") not in negative_items:
                phrase = text[a.start : b.end + 4]
                out.append(Finding("negation_both", f"「{phrase}」は「{text[a.start:a.end]}」も否定していますか。ルールでは「{text[b.start:b.end]}」だけを否定しています。", text[a.start : b.end]))
    return out


RATE = re.compile(r"(?:週|毎週|1週間に|1日に|日に)(?:に|あたり|平均)?(\d+)(回|日)")
MONTH_RATE = re.compile(r"(?<!か)(?:毎月|月|1か月|ひと月)(?:に|あたり|平均)?(\d+)(回|日)(以上|以下|未満|超)?")


def _excluded_grade_candidates(text: str, spans: Sequence[SpanLike], grade: SpanLike) -> tuple[str, ...]:
    """「中学生（中3を除く）」 -> 「中学1〜2年生」: the grades left, when they are one range."""
    if grade.kind != "grade":
        return ()
    stage = next((s for s in spans if s.kind == "stage" and s.end <= grade.start and grade.start - s.end <= 1), None)
    if stage is None or stage.data.get("stages") not in (["elementary"], ["junior_high"]):
        return ()
    first, last, prefix = (1, 6, "小学") if stage.data["stages"] == ["elementary"] else (7, 9, "中学")
    lo, hi = grade.data.get("lo"), grade.data.get("hi")
    if not isinstance(lo, int) or not isinstance(hi, int):
        return ()
    left = [g for g in range(first, last + 1) if not lo <= g <= hi]
    if not left or left != list(range(left[0], left[-1] + 1)):
        return ()
    a, b = left[0] - first + 1, left[-1] - first + 1
    return (f"{prefix}{a}年生" if a == b else f"{prefix}{a}〜{b}年生",)


def check_rates(text: str, spans: Sequence[SpanLike], parts: _Rule, catalog: Catalog) -> list[Finding]:
    """「月2回以上」「週1日」: a rate is not a total over the whole window."""
    free = _free(text, spans)
    per_month = any(s.kind == "per_month" for s in spans)
    one_month = 1 in _windows(parts)
    out: list[Finding] = []
    for m in MONTH_RATE.finditer(text):
        if per_month or one_month or not free[m.start()]:
            continue
        n, unit, op = m.group(1), m.group(2), m.group(3) or "以上"
        phrase = m.group(0)
        cands: list[str] = []
        events = [leaf for leaf, _ in parts.leaves if "aggregate" in leaf and leaf["item"] in catalog]
        if any("1か月" in (catalog[leaf["item"]].event_unit or "") for leaf in events):
            cands.append(f"{n}{unit}{op}の月が1か月以上")  # monthly totals: months passing the test
        months = {(leaf.get("aggregate") or {}).get("window_months") for leaf in events}
        window = next(iter(months)) if len(months) == 1 else None
        if isinstance(window, int):
            cands.append(f"{int(n) * window}{unit}{op}")  # the average over the window, as a total
        out.append(Finding(
            "rate", f"「{phrase}」は、どれかの月に{n}{unit}{op}のことですか、1か月あたり平均{n}{unit}{op}のことですか。",
            phrase, tuple(cands)))
    for m in RATE.finditer(text):
        if all(free[m.start() : m.end()]) or any(s.kind in ("amount", "bare_amount") and s.start <= m.start(1) < s.end for s in spans):
            if not per_month:
                out.append(Finding("rate", f"「{m.group(0)}」(週や日あたりの頻度) はルールにできません。期間全体の{m.group(2)}数 (例: 過去3か月に10{m.group(2)}以上) で書いてください。", m.group(0)))
    return out


def check_population(text: str, spans: Sequence[SpanLike], parts: _Rule, catalog: Catalog) -> list[Finding]:
    """An age or stage word that begins an item's own name (「3歳児健診」「乳幼児健診」) is no population."""
    names: list[tuple[str, str]] = []  # (normalized phrase, item id)
    from rulegen.offline.tokens import normalize

    for it in catalog.items:
        for p in (it.name, *it.synonyms, *(c.label for c in (it.codes or []))):
            names.append((normalize(p), it.id))
    out: list[Finding] = []
    pop = parts.population
    for s in spans:
        is_age = s.kind == "amount" and s.data.get("unit") == "歳"
        if not (is_age or s.kind == "stage"):
            continue
        word = text[s.start : s.end].rstrip("のでが")
        if is_age and not _age_used(s.data, pop):
            continue
        if s.kind == "stage" and not pop.get("school_stages"):
            continue
        ahead = text[s.start : s.start + len(word) + 2]
        for name, item_id in names:
            if len(name) > len(word) + 1 and name.startswith(ahead) and len(ahead) > len(word):
                label = catalog[item_id].name
                out.append(Finding(
                    "population_in_name",
                    f"「{word}」を対象 (年齢・学校段階) の絞り込みとして読みましたが、「{name}」の一部かもしれません。{word}に絞りますか、それとも「{label}」の中の「{name}」のことですか。",
                    word))
                break
    return out


def check_connectives(text: str, spans: Sequence[SpanLike], parts: _Rule, lex: dict[str, Any]) -> list[Finding]:
    """OR in the text is OR in the rule; 「AやB」 and mixed かつ/または are asked."""
    out: list[Finding] = []
    items = sorted((s for s in spans if s.kind in ("item", "code")), key=lambda s: s.start)
    stages = len(parts.population.get("school_stages") or [])
    in_filter = any(((leaf.get("aggregate") or {}).get("value_filter") or {}).get("op") == "in" for leaf, _ in parts.leaves)
    # 「30日以上／年」: a slash before a unit of time is "per", no OR
    or_spans = [s for s in spans if s.kind in ("or", "any_marker")
                and not (text[s.start : s.end] in ("/", "／") and text[s.end : s.end + 1] in ("年", "月", "週", "日"))]
    if or_spans and not (parts.has_any or stages >= 2 or in_filter):
        w = or_spans[0]
        out.append(Finding("or_unused", f"「{text[w.start:w.end]}」(どちらか) がルールに反映されていません (すべての条件を満たすこどもだけが対象になっています)。どの条件とどの条件のどちらかですか。", text[w.start : w.end]))
    free = _free(text, spans)
    for a, b in zip(items, items[1:], strict=False):
        between = text[a.end : b.start]
        same_code = a.kind == b.kind == "code" and (a.data.get("item"), a.data.get("code")) == (b.data.get("item"), b.data.get("code"))
        if between == "や" and all(free[a.end : b.start]) and not same_code:  # 「あざや傷の確認」: parts of one code's label
            phrase = text[a.start : b.end]
        else:
            continue
        x, y = text[a.start : a.end], text[b.start : b.end]
        out.append(Finding("ya", f"「{phrase}」は「{x}」と「{y}」の両方ですか、どちらかですか。", phrase, (f"{x}かつ{y}", f"{x}または{y}")))
    # 「30日以上か遅刻」: か after a reading, before an item, is an OR
    for m in re.finditer("か(?![月所])", text):
        i = m.start()
        if not free[i] or parts.has_any or in_filter or stages >= 2:
            continue
        prev = next((s for s in spans if s.end == i and s.kind in ("amount", "item", "negation", "code")), None)
        nxt = next((s for s in items if s.start > i and all(free[i : s.start]) and s.start - i <= 3), None)
        if prev is None or nxt is None or prev.data.get("item") == nxt.data.get("item"):
            continue  # 「短期証か資格証明書」: two names of one item
        phrase = text[prev.start : i + 1]
        out.append(Finding("ka_or", f"「{text[prev.start:nxt.end]}」の「か」は「または」ですか。ルールではすべての条件を満たす読み方になっています。", phrase,
                           (text[prev.start : i] + "または", text[prev.start : i] + "かつ")))
    # 「AかつB、またはC」: which grouping
    if parts.any_with_all:
        for w in or_spans:
            head = text[: w.start]
            tail = text[w.end :]
            if head.endswith(("、", ",", "，")) and (any(a in head for a in STRONG_AND) or any(a in tail for a in (*STRONG_AND, "のうち", "の中で"))):
                left = next((i for i in reversed(items) if i.end <= w.start), None)
                right = next((i for i in items if i.start >= w.end), None)
                x = text[left.start : left.end] if left is not None else text[: w.start - 1]
                y = text[right.start : right.end] if right is not None else text[w.end :]
                out.append(Finding(
                    "grouping",
                    f"「{text}」は2通りに読めます。いまは「{x}」か「{y}」のどちらかに当てはまり、かつほかの条件も満たす、と読んでいます。"
                    f"「{text[w.start - 1 : w.end]}」の前と後ろの、どちらかに当てはまるという意味なら、2つのルールに分けてください。",
                    text[w.start - 1 : w.end], (text[w.start : w.end],)))
                break
        else:
            out.extend(_unbracketed_grouping(text, or_spans))
    return out


def _unbracketed_grouping(text: str, or_spans: Sequence[SpanLike]) -> list[Finding]:
    """「ひとり親かつ生活保護または就学援助」: かつ and または in one clause with no comma or bracket between them
    read both ways; the choices put the brackets in (the bracketed text reads as written)."""
    for w in or_spans:
        lo = max(text.rfind(c, 0, w.start) for c in "、,，。(（[［") + 1
        hi = min((i for i in (text.find(c, w.end) for c in "、,，。)）]］") if i >= 0), default=len(text))
        ands = [m for m in re.finditer("|".join(map(re.escape, STRONG_AND)), text[lo:hi]) if (lo + m.end() <= w.start or lo + m.start() >= w.end) and m.start() > 0]  # 「、かつ」 is after a comma
        if not ands:
            continue
        a = ands[0]
        a_lo, a_hi = lo + a.start(), lo + a.end()
        seg = text[lo:hi]
        if a_hi <= w.start:  # 「AかつBまたはC」
            first, second = f"({text[lo:w.start]}){text[w.start:hi]}", f"{text[lo:a_hi]}({text[a_hi:hi]})"
        else:  # 「AまたはBかつC」
            first, second = f"({text[lo:a_lo]}){text[a_lo:hi]}", f"{text[lo:w.end]}({text[w.end:hi]})"
        return [Finding("grouping", f"「{seg}」は「{first}」とも「{second}」とも読めます。どちらですか。", seg, (first, second))]
    return []


def check_contradictions(text: str, spans: Sequence[SpanLike], rule: dict[str, Any], catalog: Catalog) -> list[Finding]:
    """「中1〜中2」 read as 学年=7 かつ 学年=8: two equalities on one item that must both hold select nobody."""
    out: list[Finding] = []
    for step in walk(rule["condition"]):
        if step.kind != "all":
            continue
        cond = step.node
        eq: dict[str, set[Any]] = {}
        for c in cond["all"]:
            if "item" in c and c.get("op") == "=" and "aggregate" not in c and not isinstance(c.get("value"), bool):
                eq.setdefault(c["item"], set()).add(c.get("value"))
        bounds: dict[str, list[tuple[str, Any]]] = {}
        for c in cond["all"]:
            if "item" in c and c.get("op") in (">=", ">", "<=", "<") and isinstance(c.get("value"), int | float):
                key = c["item"] + repr(sorted((c.get("aggregate") or {}).items(), key=str))
                bounds.setdefault(key, []).append((c["op"], c["value"]))
        for key, bs in bounds.items():
            lows = [v + (1 if op == ">" else 0) for op, v in bs if op[0] == ">"]
            highs = [v - (1 if op == "<" else 0) for op, v in bs if op[0] == "<"]
            if lows and highs and max(lows) > min(highs):
                item_id = key.split("[", 1)[0]
                name = catalog[item_id].name if item_id in catalog else item_id
                out.append(Finding("contradiction", f"「{name}」の条件 ({max(lows)}以上 かつ {min(highs)}以下) を同時に満たすこどもはいません。どちらの条件ですか。", text))
        for item_id, vals in eq.items():
            if len(vals) > 1:
                name = catalog[item_id].name if item_id in catalog else item_id
                shown = "、".join(sorted(map(str, vals)))
                phrase, cands = text, tuple[str, ...]()
                if item_id == "school.grade":
                    phrase, cands = _grade_range(text, spans, vals)
                where = f"「{phrase}」で、" if phrase != text else ""
                out.append(Finding("contradiction", f"{where}「{name}」に同時には成り立たない条件 ({shown}) が「かつ」でつながっています。範囲のことですか。", phrase, cands))
    return out


def _grade_range(text: str, spans: Sequence[SpanLike], vals: set[Any]) -> tuple[str, tuple[str, ...]]:
    """「中1〜中2」 -> 「中学1〜2年生」 when the grades are one range within one school."""
    grades = sorted((s for s in spans if s.kind == "grade" and s.data.get("lo") in vals), key=lambda s: s.start)
    ints = sorted(v for v in vals if isinstance(v, int))
    if len(grades) < 2 or len(ints) != len(vals) or ints != list(range(ints[0], ints[-1] + 1)):
        return text, ()
    if ints[-1] <= 6:
        prefix, base = "小学", 0
    elif ints[0] >= 7:
        prefix, base = "中学", 6
    else:
        return text, ()
    phrase = text[grades[0].start : grades[-1].end]
    return phrase, (f"{prefix}{ints[0] - base}〜{ints[-1] - base}年生",)


def check_items(text: str, spans: Sequence[SpanLike], parts: _Rule) -> list[Finding]:
    """Every item and code label the parser read is in the rule."""
    in_rule = {leaf["item"] for leaf, _ in parts.leaves}
    codes: dict[str, set[Any]] = {}
    excluded: dict[str, set[Any]] = {}
    for leaf, _ in parts.leaves:
        vf = (leaf.get("aggregate") or {}).get("value_filter") or {}
        v = vf.get("value")
        codes.setdefault(leaf["item"], set()).update(v if isinstance(v, list) else [v])
        if "aggregate" not in leaf and leaf.get("op") in ("=", "in"):  # 「性別が女」: a category attribute's code
            codes[leaf["item"]].update(leaf["value"] if isinstance(leaf.get("value"), list) else [leaf.get("value")])
        if vf.get("op") in ("!=", "not_in"):
            excluded.setdefault(leaf["item"], set()).update(v if isinstance(v, list) else [v])
    out: list[Finding] = []
    for s in spans:
        phrase = text[s.start : s.end]
        if s.kind == "item" and s.data.get("item") not in in_rule:
            out.append(Finding("item_unused", f"「{phrase}」がルールの条件に入っていません。どの条件として使いますか。", phrase))
        elif s.kind == "code" and s.data.get("item") in in_rule and s.data.get("code") not in codes.get(s.data["item"], set()):
            out.append(Finding("code_unused", f"「{phrase}」(記録の種類) がルールの条件に入っていません。", phrase))
        elif s.kind == "code" and s.data.get("exclude") and s.data.get("code") not in excluded.get(s.data.get("item", ""), set()):
            # 「けが以外で」: read as the excluded kind only
            out.append(Finding("code_exclusion_unused", f"「{phrase}以外」を、いまは「{phrase}」の記録だけと読んでいます。「{phrase}」以外の記録のことですか。", phrase))
    return out


def check_difficulty_codes(text: str, spans: Sequence[SpanLike], parts: _Rule, catalog: Catalog) -> list[Finding]:
    """「教育相談のうち不登校が2回以上」: a difficulty word next to an item with a code of that name (教育相談 of
    the kind 不登校) was read as the difficulty type, and the count covers every kind."""
    from rulegen.offline.parser import _label_variants
    from rulegen.offline.tokens import normalize

    filtered = {leaf["item"] for leaf, _ in parts.leaves if (leaf.get("aggregate") or {}).get("value_filter")}
    items = [s for s in spans if s.kind == "item" and s.data.get("item") in catalog]
    out: list[Finding] = []
    for d in spans:
        if d.kind != "difficulty":
            continue
        word = normalize(d.data.get("difficulty", ""))
        for i in items:
            item = catalog[i.data["item"]]
            lo, hi = (i.end, d.start) if i.end <= d.start else (d.end, i.start)
            if item.id in filtered or not item.codes or hi - lo > 3 or any(lo <= x.start and x.end <= hi for x in spans
                                                                             if x is not i and x is not d and text[x.start : x.end] not in ("のうち", "の中で", "の中の")):
                continue
            if any(word in _label_variants(c.label) for c in item.codes):
                lo, hi = min(i.start, d.start), max(i.end, d.end)
                phrase = text[lo:hi]
                out.append(Finding("difficulty_code", f"「{phrase}」の「{word}」は「{item.name}」の種類 ({word}) のことですか。いまは{word}を困難の種類として読み、すべての{item.name}を数えています。",
                                   phrase, (f"{word}に関する{text[i.start:i.end]}",)))
                return out
    return out


def check_units(text: str, spans: Sequence[SpanLike], parts: _Rule, catalog: Catalog) -> list[Finding]:
    """The unit of a number fits what the item records:
    - 「欠席が3か月以上」 on monthly totals counted as rows: every month has a row, so every child passes;
    - 「虐待通告が10日以上」「保健室来室が3か月以上」: days or months of an item that records single events."""
    items = sorted((s for s in spans if s.kind == "item" and s.data.get("item") in catalog), key=lambda s: s.start)
    leaf_by_item = {leaf["item"]: leaf for leaf, _ in parts.leaves}
    out: list[Finding] = []
    for a in spans:
        if a.kind != "amount" or a.data.get("unit") not in ("日", "か月", "月"):
            continue
        prev = next((i for i in reversed(items) if i.end <= a.start and a.start - i.end <= 4), None)
        if prev is None:
            continue
        item = catalog[prev.data["item"]]
        leaf = leaf_by_item.get(item.id, {})
        agg = leaf.get("aggregate") or {}
        if item.kind != "event" or leaf.get("value") != a.data.get("value"):
            continue
        unit_text = text[a.start : a.end]
        monthly = "1か月" in (item.event_unit or "")
        if monthly and a.data["unit"] in ("か月", "月") and agg.get("fn") == "count" and not agg.get("value_filter"):
            per = "1日以上" if item.unit == "日" else "1回以上"
            out.append(Finding("unit_months", f"「{text[prev.start:a.end]}」は、{text[prev.start:prev.end]}のあった月が{unit_text}のことですか。いまは記録のある月 (0日の月も) を数えています。",
                               unit_text, (f"{per}の月が{unit_text}",)))
        elif not monthly and item.unit is None and a.data["unit"] in ("か月", "月") or (not monthly and item.unit is None and a.data["unit"] == "日"
                                                                                    and "1日" not in (item.event_unit or "")):
            out.append(Finding("unit_mismatch", f"「{text[prev.start:a.end]}」: 「{item.name}」は{item.event_unit or '1回'}ごとの記録なので、「{unit_text}」は回数として数えています。回数のことですか。",
                               unit_text, (f"{_num(float(a.data['value']))}回{unit_text[len(_num(float(a.data['value']))) + len(a.data['unit']):]}",)))
    return out


def check_time_words(text: str, spans: Sequence[SpanLike], parts: _Rule, lex: dict[str, Any]) -> list[Finding]:
    """「過去に一度でも虐待通告を受けた小学生で、直近3か月の欠席が5日以上」: a whole-record word (過去に, 〜歴あり,
    これまで, 1回でも) in one part of the text and a window in another; the window must not silently
    become the whole-record part's period too."""
    windows = [s for s in spans if s.kind == "window"]
    if not windows or any(w == {"whole_record": True} for w in _windows(parts)):
        return []
    cuts = sorted({0, len(text), *(b.start for b in spans if b.kind in ("and", "or")), *(b.end for b in spans if b.kind in ("and", "or"))})
    segments = list(zip(cuts, cuts[1:], strict=False))
    words = sorted(lex.get("whole_record_words", []), key=len, reverse=True)
    out: list[Finding] = []
    for lo, hi in segments:
        part = text[lo:hi]
        word = next((w for w in words if w in part), None)
        if word is None or any(lo <= w.start < hi for w in windows):
            continue
        windowed = {leaf["item"] for leaf, _ in parts.leaves if "window_months" in (leaf.get("aggregate") or {})}
        if not any(s.kind in ("item", "code") and lo <= s.start < hi and s.data.get("item") in windowed for s in spans):
            continue  # 「要対協の登録歴あり」: no counted record in this part
        if not any(s.kind in ("item", "code") and cut_lo <= s.start < cut_hi for s in spans for cut_lo, cut_hi in segments
                   for w in windows if cut_lo <= w.start < cut_hi):
            continue  # 「直近半年で、…記録がある」: the window stands alone and is meant for the whole text
        win = text[windows[0].start : windows[0].end]
        out.append(Finding("time_word", f"「{part}」の「{word}」は記録全体 (これまでのすべて) のことですか。いまは「{win}」の間だけで数えています。"
                           "期間の違う条件は、別々のルールに分けて書いてください。", word))
    return out


def check_never_on_negative_item(text: str, parts: _Rule, catalog: Catalog) -> list[Finding]:
    """「一度も健診に来ていない」: on a 'not done' item (未受診) 「一度も…ない」 may mean every checkup missed,
    not one missed checkup; the rule counts one, so the reading is asked."""
    word = next((w for w in ("一度も", "1度も", "1回も") if w in text), None)
    if word is None or not re.search(r"(ない|ず|なかった)", text[text.index(word) :]):
        return []
    if not any(_negative_item(leaf.get("item", ""), catalog) for leaf, _ in parts.leaves):
        return []
    return [Finding("never_negative", f"「{word}…ない」は、未受診などの記録が1回でもあることですか。"
                    "すべて受けていないことは、いまのルールでは書けません。", word, ("1回でも",))]


def check_attachment(text: str, spans: Sequence[SpanLike], parts: _Rule) -> list[Finding]:
    """「心の天気が雨の日が10回以上で保健室にも5回以上」: an amount right after an item's words (Xが N回以上)
    belongs to that item; when the rule gives it to another item, the pairing is asked about."""
    boundaries = [s for s in spans if s.kind in ("and", "or")]
    items = sorted((s for s in spans if s.kind == "item"), key=lambda s: s.start)
    amounts = sorted((s for s in spans if s.kind == "amount" and s.data.get("unit") != "歳"), key=lambda s: s.start)
    out: list[Finding] = []
    for a in amounts:
        nums = set(_numbers(a.data.get("value")))
        if not nums:
            continue
        prev = next((i for i in reversed(items) if i.end <= a.start), None)
        if prev is None or a.start - prev.end > 4 or any(prev.end <= b.start and b.end <= a.start for b in boundaries):
            continue
        if any(prev.end <= o.start and o.end <= a.start for o in amounts):
            continue
        holders = {leaf["item"] for leaf, _ in parts.leaves
                   if nums & (set(_numbers(leaf.get("value"))) | set(_numbers(((leaf.get("aggregate") or {}).get("value_filter") or {}).get("value"))))}
        if holders and prev.data.get("item") not in holders:
            phrase = text[prev.start : a.end]
            out.append(Finding("attachment", f"「{text[a.start:a.end]}」を「{text[prev.start:prev.end]}」ではなく別の項目の条件と読みました。「{phrase}」は「{text[prev.start:prev.end]}」の条件ですか。項目ごとに「〇〇が△回以上」の形で書いてください。", phrase))
    return out


def check_item_numbers(text: str, spans: Sequence[SpanLike], parts: _Rule, catalog: Catalog) -> list[Finding]:
    """「4か月健診未受診」: a number inside an item's words that names one of its codes (4か月児健診) is
    not silently read as every code."""
    from rulegen.offline.tokens import normalize

    filtered = {leaf["item"] for leaf, _ in parts.leaves if ((leaf.get("aggregate") or {}).get("value_filter"))}
    out: list[Finding] = []
    for s in spans:
        if s.kind != "item" or s.data.get("item") not in catalog or s.data["item"] in filtered:
            continue
        item = catalog[s.data["item"]]
        phrase = text[s.start : s.end]
        digits = re.findall(r"\d+", phrase)
        if not digits or not item.codes or any(d in normalize(item.name) for d in digits):
            continue
        labels = [c.label for c in item.codes if all(d in normalize(c.label) for d in digits)]
        if labels:
            out.append(Finding("code_in_name", f"「{phrase}」は「{item.name}」のうち「{'」「'.join(labels)}」の記録だけのことですか。いまはすべての記録 ({'、'.join(c.label for c in item.codes)}) で数えています。",
                               phrase, (item.name,)))
    return out


def check_item_pairs(text: str, spans: Sequence[SpanLike], parts: _Rule, catalog: Catalog) -> list[Finding]:
    """Two neighbouring item words that together name something else:
    - 「いじめについて教育相談」: the first is a code label of the second (教育相談 of the kind いじめ);
    - 「保育園を…休んでいる」: a third item names both words (保育園の欠席 -> 保育所等の欠席日数);
    - 「きょうだいが要対協に登録」: a count of people (きょうだい) as the subject of another item's words."""
    from rulegen.offline.parser import _label_variants
    from rulegen.offline.tokens import normalize

    items = sorted((s for s in spans if s.kind == "item" and s.data.get("item") in catalog), key=lambda s: s.start)
    boundaries = [s for s in spans if s.kind in ("and", "or")]
    amounts = [s for s in spans if s.kind in ("amount", "per_month")]
    leaf_by_item = {leaf["item"]: leaf for leaf, _ in parts.leaves}
    out: list[Finding] = []
    for a, b in zip(items, items[1:], strict=False):
        if a.data["item"] == b.data["item"] or any(a.end <= x.start and x.end <= b.start for x in boundaries):
            continue
        ia, ib = catalog[a.data["item"]], catalog[b.data["item"]]
        pa, pb = text[a.start : a.end], text[b.start : b.end]
        gap = text[a.end : b.start]
        labels = {v for c in (ib.codes or []) for v in _label_variants(c.label)}
        if normalize(pa) in labels and len(gap) <= 6:
            phrase = text[a.start : b.end]
            out.append(Finding("code_pair", f"「{phrase}」は「{ib.name}」のうち「{pa}」の記録のことですか。いまは「{ia.name}」と「{ib.name}」の両方を条件にしています。",
                               phrase, (f"{pa}についての{pb}",)))
            continue
        leaf_a = leaf_by_item.get(ia.id, {})
        amount_between = any(a.end <= x.start and x.end <= b.start for x in amounts)
        if ia.kind != "attribute" or leaf_a.get("op") not in ("=", ">="):
            continue
        if ia.type == "integer" and ia.unit == "人" and gap in _words("subject_gaps") and leaf_a.get("value") == 1 and not amount_between:
            phrase = text[a.start : b.end]
            out.append(Finding("subject_item", f"「{phrase}」は{pa}のことですか、こども本人のことですか。いまは「{ia.name}が1人以上」かつ「{ib.name}」と読んでいます。", phrase))
            continue
        if ia.type != "bool" or leaf_a.get("value") is not True:
            continue
        if not gap.startswith(("を", "の")):
            continue
        words_b = [w for w in (normalize(n) for n in (ib.name, *ib.synonyms)) if len(w) >= 2 and normalize(pa) not in w]
        for other in catalog.items:
            if other.id in (ia.id, ib.id):
                continue
            names = [normalize(n) for n in (other.name, *other.synonyms)]
            if any(normalize(pa) in n for n in names) and any(w in n for w in words_b for n in names):
                phrase = text[a.start : b.end]
                out.append(Finding("item_pair", f"「{phrase}」は「{other.name}」のことですか。いまは「{ia.name}」と「{ib.name}」の両方を条件にしています。", phrase))
                break
    return out


def check_population_items(text: str, spans: Sequence[SpanLike], parts: _Rule, catalog: Catalog) -> list[Finding]:
    """「未就学児で、…欠席が10日以上」: school records for children below school age select nobody; the item
    may be another one that names the same word (保育所等の欠席日数)."""
    from rulegen.offline.tokens import normalize

    pop = parts.population
    preschool = pop.get("school_stages") == ["preschool"] or (isinstance(pop.get("age_max"), int) and pop["age_max"] < 6)
    if not preschool:
        return []
    out: list[Finding] = []
    for s in spans:
        if s.kind != "item" or s.data.get("item") not in catalog or not s.data["item"].startswith("school."):
            continue
        word = normalize(text[s.start : s.end])
        others = [it for it in catalog.items if not it.id.startswith("school.") and it.id not in ("resident.age", "resident.school_stage")
                  and any(word in normalize(n) for n in (it.name, *it.synonyms))]
        out.append(Finding("population_item", f"未就学のこどもには「{catalog[s.data['item']].name}」(学校の記録) がありません。「{text[s.start:s.end]}」はどの項目のことですか。",
                           text[s.start : s.end], tuple(o.name for o in others[:3])))
    return out


VAGUE_LEFTOVERS = _words("vague_leftovers")


def check_partial_items(text: str, spans: Sequence[SpanLike], parts: _Rule, catalog: Catalog) -> list[Finding]:
    """Items matched through a part of their name:
    - 「課税されていない」: the word is the item's name without its negating prefix (非課税): the opposite;
    - 「国保の短期証」: a partly matched item word before の and another item names what the other is of;
    - 「雨ばかり」: a word of degree left unread after an item (asked like 「多い」)."""
    from rulegen.offline.tokens import normalize

    items = sorted((s for s in spans if s.kind == "item" and s.data.get("item") in catalog), key=lambda s: s.start)
    free = _free(text, spans)
    out: list[Finding] = []
    for s in items:
        if not s.data.get("partial"):
            continue
        item = catalog[s.data["item"]]
        word = normalize(text[s.start : s.end])
        names = [normalize(n) for n in (item.name, *item.synonyms)]
        if word and any(n.find(word) > 0 and n[n.find(word) - 1] in NEGATING_PREFIXES + "不" for n in names) and not any(n.startswith(word) for n in names):
            word_ja = text[s.start : s.end]
            neg = next((n for n in spans if n.kind == "negation" and 0 <= n.start - s.end <= 1), None)
            phrase = text[s.start : neg.end] if neg is not None else word_ja
            out.append(Finding("negated_name", f"「{phrase}」の「{word_ja}」を「{item.name}」と読みましたが、「{item.name}」は「{word_ja}」の反対 (…でない) の記録です。どちらの意味ですか。",
                               phrase, (item.name, f"{item.name}ではない")))
    for a, b in zip(items, items[1:], strict=False):
        if a.data.get("partial") and text[a.end : b.start] == "の" and a.data["item"] != b.data["item"]:
            phrase = text[a.start : b.end]
            out.append(Finding("modifier_item", f"「{phrase}」は「{catalog[b.data['item']].name}」だけのことですか。いまは「{catalog[a.data['item']].name}」も条件にしています。",
                               phrase, (text[b.start : b.end],)))
    for word in VAGUE_LEFTOVERS:
        for m in re.finditer(re.escape(word), text):
            if all(free[m.start() : m.end()]) and any(i.end <= m.start() and m.start() - i.end <= 2 for i in items):
                out.append(Finding("vague_leftover", f"「{word}」とは、どのくらいからですか (例: 過去3か月に5回以上)。", word))
    return out


GUARDIAN_WORDS = _words("guardian_words")


def check_guardian_subject(text: str, spans: Sequence[SpanLike], catalog: Catalog) -> list[Finding]:
    """「母親が外国籍」「両親とも外国籍」: a guardian as the subject of an item recorded for the child itself."""
    out: list[Finding] = []
    items = sorted((s for s in spans if s.kind == "item" and s.data.get("item") in catalog), key=lambda s: s.start)
    for word in GUARDIAN_WORDS:
        for m in re.finditer(re.escape(word), text):
            inside = [s for s in items if s.start <= m.start() < s.end]
            if inside:
                continue  # 「親の障害者手帳」「ひとり親」: part of an item's words
            nxt = next((s for s in items if s.start >= m.end()), None)
            if nxt is None or nxt.start - m.end() > 4:
                continue
            link = text[m.end() : nxt.start]
            if not re.fullmatch(r"(?:が|は|の|とも|ともに|とも[にが]?|の(?:どちらか|いずれか|一方)が?|[がは](?:どちらも|いずれも|ともに))?", link):
                continue
            item = catalog[nxt.data["item"]]
            if item.entity != "child":
                continue
            phrase = text[m.start() : nxt.end]
            out.append(Finding("guardian_subject", f"「{phrase}」は{word}のことですか。「{item.name}」はこども本人の記録で、{word}についての記録はありません。", phrase))
            return out
    return out


POINT_IN_TIME = _words("point_in_time")


def check_people_words(text: str, spans: Sequence[SpanLike], parts: _Rule, catalog: Catalog) -> list[Finding]:
    """Words about other people or other moments than the child at the reference date:
    - 「中学生のきょうだいがいる小学生」: a stage or age of the siblings read as the child's own population;
    - 「兄弟も不登校」: a count of siblings (1人以上) standing for something said about them;
    - 「母親が20歳未満のときに生まれた子」: an attribute known at the reference date only, asked about a past moment."""
    items = sorted((s for s in spans if s.kind == "item" and s.data.get("item") in catalog), key=lambda s: s.start)
    leaf_by_item = {leaf["item"]: leaf for leaf, _ in parts.leaves}
    out: list[Finding] = []
    for s in spans:
        if s.kind not in ("stage", "amount", "grade") or (s.kind == "amount" and s.data.get("unit") != "歳"):
            continue
        word = text[s.start : s.end]
        nxt = next((i for i in items if 0 <= i.start - s.end <= 1), None)
        if nxt is not None and (word.endswith("の") or text[s.end : nxt.start] == "の") and catalog[nxt.data["item"]].unit == "人":
            phrase = text[s.start : nxt.end]
            out.append(Finding("population_of_others", f"「{phrase}」は{text[nxt.start:nxt.end]}が{word.rstrip('の')}という意味ですか。ルールではこども本人を{word.rstrip('の')}に絞っています。", phrase))
    for i in items:
        item = catalog[i.data["item"]]
        leaf = leaf_by_item.get(item.id, {})
        if item.unit != "人" or leaf.get("op") != ">=" or leaf.get("value") != 1:
            continue
        after = text[i.end : i.end + 6]
        if re.match(r"(?:が|は|の)?(?:い[るてな]|あり|がある|のいる|を持)", after):
            continue  # 「きょうだいがいる」
        said = next((x for x in spans if x.kind in ("difficulty", "code", "stage", "vague") and 0 < x.start - i.end <= 3), None)
        if said is not None:
            phrase = text[i.start : said.end]
            out.append(Finding("others_said", f"「{phrase}」は{text[i.start:i.end]}についてのことですか。{text[i.start:i.end]}の記録はないため、いまは「{item.name}が1人以上」とだけ読んでいます。", phrase))
    free_chars = _free(text, spans)
    for i in items:
        item = catalog[i.data["item"]]
        if i.end < len(text) and text[i.end] == "中" and free_chars[i.end] and any("歴" in n for n in (item.name, *item.synonyms)):
            # 「一時保護中」: now, while 「一時保護歴」 is any time before
            phrase = text[i.start : i.end + 1]
            out.append(Finding("current_vs_history", f"「{phrase}」は今そうである (現在) という意味ですか。「{item.name}」は過去のことも含む記録で、今かどうかは分かりません。「{item.name}」でよいですか。",
                               phrase, (item.name,)))
    attrs = [i for i in items if catalog[i.data["item"]].kind == "attribute"]
    free = _free(text, spans)
    for word in POINT_IN_TIME:
        at = text.find(word)
        if at >= 0 and attrs and any(free[at : at + len(word)]):
            name = catalog[attrs[0].data["item"]].name
            out.append(Finding("point_in_time", f"「{word}」と、過去のある時点のことが書かれていますが、「{name}」は基準日時点の記録しかありません。基準日時点の「{name}」でよいですか。", word))
            break
    return out


def check_guardians(text: str, spans: Sequence[SpanLike], parts: _Rule, catalog: Catalog) -> list[Finding]:
    """「保護者の年齢が全員20歳未満」: all guardians, not any."""
    guardian_leaves = [leaf for leaf, _ in parts.leaves if leaf["item"] in catalog and catalog[leaf["item"]].entity == "guardian"]
    if not guardian_leaves or all(leaf.get("guardians") == "all" for leaf in guardian_leaves):
        return []
    free = _free(text, spans)
    for word in ALL_GUARDIAN_HINTS:
        for m in re.finditer(re.escape(word), text):
            if all(free[m.start() : m.end()]):
                return [Finding("guardians_all", f"「{word}」は保護者の全員が当てはまるという意味ですか。ルールでは保護者のうち1人が当てはまればよい読み方になっています。", word)]
    return []


def cross_examine(text: str, spans: Sequence[SpanLike], rule: dict[str, Any], catalog: Catalog, lex: dict[str, Any]) -> list[Finding]:
    """All findings for one draft: what the text says that the rule does not account for."""
    parts = _rule_parts(rule)
    findings = [
        *check_numbers(text, spans, parts, catalog),
        *check_comparisons(text, spans, parts),
        *check_period_direction(text, spans, parts),
        *check_shared_amount(text, spans, parts, catalog),
        *check_negations(text, spans, parts, catalog),
        *check_rates(text, spans, parts, catalog),
        *check_population(text, spans, parts, catalog),
        *check_connectives(text, spans, parts, lex),
        *check_items(text, spans, parts),
        *check_contradictions(text, spans, rule, catalog),
        *check_attachment(text, spans, parts),
        *check_time_words(text, spans, parts, lex),
        *check_never_on_negative_item(text, parts, catalog),
        *check_units(text, spans, parts, catalog),
        *check_difficulty_codes(text, spans, parts, catalog),
        *check_item_numbers(text, spans, parts, catalog),
        *check_item_pairs(text, spans, parts, catalog),
        *check_population_items(text, spans, parts, catalog),
        *check_guardians(text, spans, parts, catalog),
        *check_guardian_subject(text, spans, catalog),
        *check_people_words(text, spans, parts, catalog),
        *check_partial_items(text, spans, parts, catalog),
    ]
    seen: set[tuple[str, str]] = set()
    out = []
    for f in findings:
        if (f.code, f.phrase) not in seen:
            seen.add((f.code, f.phrase))
            out.append(f)
    return out


_REVIEWING = threading.local()


def _reads(text: str, catalog: Catalog) -> bool:
    """Whether a reply text reads as a valid draft (with its own cross-examination passing), the look-back
    aside: a rewrite that only lacks a time word is still offered (its answer then asks for the look-back)."""
    from rulegen.offline.parser import OfflineParser

    return OfflineParser(catalog, ask_unstated_scope=False).parse(text).rule is not None


def review(text: str, spans: Sequence[SpanLike], result: Any, catalog: Catalog, lex: dict[str, Any]) -> list[Finding]:
    """The parser's hook: a draft with findings becomes questions (with clickable rewrites), not a rule.

    ``result`` is the parser's ``ParseResult`` (rule, questions, clarifications, ...), changed in place.
    A candidate rewrite is offered only when its text reads as a rule (checked once, not recursively)."""
    if result.rule is None:
        return []
    findings = cross_examine(text, spans, result.rule, catalog, lex)
    if not findings:
        return []
    result.rule = None
    result.condition = None
    result.population = None
    result.assumptions = []
    result.default_window = False
    result.difficulty_question = None
    nested = getattr(_REVIEWING, "active", False)
    _REVIEWING.active = True
    try:
        for f in findings:
            cands = list(f.candidates)
            if not nested and f.phrase in text:
                cands = [c for c in cands if _reads(text.replace(f.phrase, c, 1), catalog)]
            question = f.question if f.phrase in f.question else f"{f.question} (「{f.phrase}」)"
            result.questions.append(question)
            result.clarifications.append({"phrase": f.phrase, "mode": "replace", "candidates": cands})
    finally:
        _REVIEWING.active = nested
    return findings
