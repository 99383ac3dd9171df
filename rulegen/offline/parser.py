"""Read one Japanese criterion into a rule document, deterministically.

Pipeline (every step only looks at characters no earlier step has claimed):
1. catalog items by SudachiPy token sequences of their names and synonyms;
2. regular phrases: difficulty types, points, windows, per-month filters, amounts
   (number + unit + comparison), population (stages, grades, ages), code labels,
   negations, conjunctions, list markers, vague amounts;
3. single item words left over (「休んだ」-> 欠席日数; 「手当」-> several items: ask);
4. whatever content is still unread is reported by phrase: the drafter never guesses silently.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import hashlib
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from typing import Any

import yaml

from engine.catalog import Catalog, CatalogItem
from engine.catalog.model import DIFFICULTIES
from engine.dates import DateParseError, format_wareki, parse_date
from engine.rules.model import DEFAULT_REFERENCE_DATE
from engine.rules.walk import leaves
from rulegen.offline.columns import rewrite_lines as rewrite_columns
from rulegen.offline.columns import strip_header
from rulegen.offline.tokens import PhraseIndex, Tok, build_index, normalize, run_keys, tokenize
from rulegen.outcome import problem
from rulegen.reading import window_ja

DIFFICULTY_WORDS: tuple[str, ...] = DIFFICULTIES  # engine.catalog.model: the one list
# Difficulty words that alone do not name the type (they are also read as items or other phrases: 虐待通告, いじめ認知, 発達相談).
NOT_BARE_DIFFICULTIES = frozenset({"虐待", "いじめ", "発達"})
DEFAULT_WINDOW = 12
# Items whose name means that something was not done (未受診, 未接種, 会えなかった).
NEGATION_MARKS = ("未", "ない", "なかった", "なし", "拒否", "会えず", "できず", "断ら", "断っ")


# 「要対協に登録中の児童及び一時保護歴のある児童は除く」: how excluded items are listed, and what may follow the last one.
_EXCLUDED_JOIN = re.compile(r"(?:(?:あり|有り|がある|のある|のいる)?の?(?:児童|生徒|者|子|こども|子ども|世帯|家庭))?(?:及び|および|並びに|ならびに|と|や|、|・|又は|または)")
_EXCLUDED_TAIL = re.compile(r"(?:あり|有り|がある|のある|のいる)?の?(?:児童|生徒|者|子|こども|子ども|世帯|家庭)?(?:は|を)?")


def _negative_item(item: CatalogItem) -> bool:
    return any(mark in item.name for mark in ("未受診", "未接種", "未面会", "未実施", "未提出"))

# Affixes that change a criterion's meaning (「月ごとの」「1日おき」): reported when unread, never skipped.
MEANINGFUL_AFFIXES = frozenset({"ごと", "毎", "おき", "置き", "以外", "連続", "がち", "気味"})

OPS = {
    "以上": ">=", "以下": "<=", "未満": "<", "を超える": ">", "を超え": ">", "超え": ">", "をこえ": ">", "こえ": ">", "超": ">",
    "より多い": ">", "より多く": ">", "を上回る": ">", "より少ない": "<", "に満たない": "<",
    "を下回る": "<", "以内": "<=", "まで": "<=",
    "を下回らない": ">=", "を上回らない": "<=", "を超えない": "<=", "を超えず": "<=", "に達しない": "<", "に達する": ">=",
}
UNIT_GROUPS = {"回": "count", "件": "count", "度": "count", "つ": "count", "個": "count", "日": "day", "か月": "month", "月": "month",
               "人": "person", "点": "point", "歳": "age", "年": "year", "学年": "grade"}
ITEM_UNIT_GROUP = {"件": "count", "回": "count", "日": "day", "か月": "month", "人": "person", "点": "point",
                   "歳": "age", "学年": "grade"}

NUM = r"(\d+(?:\.\d+)?)"
# 「次のうち3つ以上に該当」「3項目以上に当てはまる」: a count of conditions met, not of an item's records.
_K_OF_N = re.compile(r"(?:のうち|の中で|の中から)[^。]{0,12}?\d+(?:つ|個|項目)(?:以上|以下|未満)?"
                     r"|\d+(?:つ|個|項目)(?:以上|以下|未満)?(?:の(?:項目|条件))?(?:に|を)?(?:該当|当てはま|あてはま|満た)")
UNIT = r"(回|件|度|つ|個|日|か月|月|人|点|歳|学年)?"
OP_RE = "|".join(sorted(map(re.escape, OPS), key=len, reverse=True))


@lru_cache(maxsize=1)
def lexicon() -> dict[str, Any]:
    text = resources.files("rulegen.offline").joinpath("lexicon.yaml").read_text(encoding="utf-8")
    lex = yaml.safe_load(text)
    lex["filler_tokens"] = [*lex["filler_tokens"], *lex.get("courtesy_tokens", []), *lex.get("casual_tokens", [])]  # kept apart in the file, read as fillers
    return lex


@dataclass
class Span:
    start: int
    end: int
    kind: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def center(self) -> float:
        return (self.start + self.end) / 2


@dataclass
class Reading:
    """What the offline drafter made of a text: a rule document (or None), with notes, questions and problems."""

    rule: dict[str, Any] | None
    notes: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    clarifications: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ParseResult(Reading):
    # The pieces, for edits in a conversation.
    condition: dict[str, Any] | None = None
    population: dict[str, Any] | None = None
    points: int | None = None
    window_given: bool = False
    default_window: bool = False  # an event item was counted over the stated default window (an assumption)
    # The difficulty type was assumed (the items point to different ones): {"question", "candidates"}.
    difficulty_question: dict[str, Any] | None = None
    # Other stated assumptions, each with a one-click alternative: {"note", "label", "phrase", "replacement"}.
    assumptions: list[dict[str, Any]] = field(default_factory=list)


class _Text:
    """The normalized text with the characters claimed so far."""

    def __init__(self, text: str):
        self.text = text
        self.free = [True] * len(text)
        self.spans: list[Span] = []
        # What each question asks about, so that an answer can be put back into the text.
        self.clarifications: list[dict[str, Any]] = []
        # Readings kept as stated assumptions of a valid draft: {"note", "label", "phrase", "replacement"}.
        self.assumptions: list[dict[str, Any]] = []

    def masked(self) -> str:
        return "".join(c if f else "\x00" for c, f in zip(self.text, self.free, strict=True))

    def claim(self, start: int, end: int, kind: str, **data: Any) -> Span:
        for i in range(start, end):
            self.free[i] = False
        span = Span(start, end, kind, data)
        self.spans.append(span)
        return span

    def unclaim(self, span: Span) -> None:
        for i in range(span.start, span.end):
            self.free[i] = True
        self.spans.remove(span)

    def is_free(self, start: int, end: int) -> bool:
        return all(self.free[start:end])

    def find(self, pattern: str, kind: str, handler: Callable[..., dict[str, Any] | None] | None = None) -> list[Span]:
        out = []
        for m in re.finditer(pattern, self.masked()):
            if m.end() == m.start():
                continue
            data = handler(m) if handler else {"text": m.group(0)}
            if data is None:
                continue
            out.append(self.claim(m.start(), m.end(), kind, **data))
        return out


def _index(catalog: Catalog) -> PhraseIndex:
    return _index_cached(catalog)


@lru_cache(maxsize=4)
def _index_cached(catalog: Catalog) -> PhraseIndex:
    lex = lexicon()
    return build_index(catalog, frozenset(lex["population_items"]), frozenset(lex["filler_tokens"]))


class OfflineParser:
    def __init__(self, catalog: Catalog, *, default_points: int = 10, max_points: int = 30, id_prefix: str = "draft-",
                 today: Callable[[], dt.date] | None = None, ask_unstated_scope: bool = True):
        self.catalog = catalog
        # A counted record with no time word: asked (True), or counted over the past 12 months as a stated assumption.
        self.ask_unstated_scope = ask_unstated_scope
        # The drafting day (JST): 「今年度」 is the fiscal year of its reference date.
        self._today = today or (lambda: dt.datetime.now(dt.timezone(dt.timedelta(hours=9))).date())
        self.default_points = default_points
        self.max_points = max_points
        self.id_prefix = id_prefix
        self.lex = lexicon()
        self.index = _index(catalog)
        self._child_nouns = frozenset(self.lex.get("child_nouns", []))
        self._filler = frozenset(self.lex["filler_tokens"])

    # -- public -------------------------------------------------------------

    def parse(self, source_text: str) -> ParseResult:
        result = self._parse_text(source_text)
        if result.rule is None:  # 「冬でも半袖で来る子がいて…。就学援助を…」: a story or a remark around the criterion
            from rulegen.offline.asides import without_asides

            return without_asides(self, source_text, result) or result
        from rulegen.offline.asides import defined_in_brackets

        return defined_in_brackets(self, source_text, result) or result

    def _parse_text(self, source_text: str) -> ParseResult:
        # 「欠席日数(年度累計)>=30 AND 生活保護=有」: column-style operators said in the phrasing read below (offline/columns.py)
        written, column_problem, column_notes = rewrite_columns(strip_header(source_text, self.lex), self.catalog, self.index, self.lex)
        if column_problem is not None:
            return ParseResult(None, problems=[problem(column_problem["code"], column_problem["message"], hint=column_problem["hint"])])
        text = _list_intro(_count_before_all(normalize(re.sub(r"[①-⑳]", "、", _k_of_n_bullets(written)))))  # ①② are list markers, never numbers
        text = _shared_arrears(text, self.lex)  # 「市税も国保も両方滞納」: each in arrears
        if not text:
            return ParseResult(None, problems=[problem("empty", "基準の文章が空です")])
        text, at_least = _k_of_n_list(text)  # 「次のうち2つ以上に該当」: read as at_least over the listed set
        k_of_n = None if at_least else _K_OF_N.search(text)
        if k_of_n:  # 「3つ以下に該当」: only 「N つ以上」 is in the rule language
            return ParseResult(None, problems=[problem(
                "k_of_n", f"「{k_of_n.group(0)}」は、いくつの条件に当てはまるかを数える書き方と読めます。「N つ以上」のほかの数え方はまだルールにできません。",
                phrase=k_of_n.group(0),
                hint="「次のうち2つ以上に該当」のように「N つ以上」で書くか、条件ごとに1つのルールにして点数を分けてください。")])
        text, typo_notes = _fix_typos(text, self.lex)  # 「10日異常」「中学性」: IME slips, read as meant and said in the reading
        t = _Text(text)
        if at_least:
            t.claim(at_least.start(), at_least.end(), "k_of_n", text=text[at_least.start("k") : at_least.end()].rstrip(":、"),
                    frame=at_least.group(0).rstrip(":、"), k=int(at_least["k"]),
                    n=int(at_least["n"] or at_least["total"] or at_least["last"]) if at_least["n"] or at_least["total"] or at_least["last"] else None)
        tokens = tokenize(text)
        self._match_grades(t)
        self._match_items(t, tokens)
        self._match_item_strings(t, tokens)
        self._match_full_labels(t)
        self._match_numbered_codes(t)
        self._match_context(t)
        self._match_regular(t)
        self._match_codes(t)
        questions: list[str] = []
        self._match_guardians(t)
        self._match_partial_items(t, tokens, questions)
        self._label_picks_item(t)
        self._match_codes(t)
        self._codes_within_head(t)
        self._narrow_head_labels(t)
        self._code_among_records(t)
        self._code_exclusions(t)
        self._counted_exclusions(t)
        self._item_contexts(t)
        self._context_items(t)
        self._absorb_item_words(t, tokens)
        self._count_nouns(t)
        self._exact_counts(t)
        self._shared_head(t)
        self._ambiguity_questions(t, questions)
        problems = self._unread(t, tokens)
        result = self._build(source_text, t, questions, problems)
        result.clarifications = list(t.clarifications) if result.questions else []
        if result.rule is not None:
            result.assumptions = list(t.assumptions)
            result.notes += [a["note"] for a in t.assumptions] + typo_notes + list(column_notes)
        from rulegen.offline.sanity import review  # the post-parse cross-examination (issue 14)

        review(t.text, t.spans, result, self.catalog, self.lex)
        from rulegen.choices import clarify  # one-click answers to every question (issue 14, item 8)

        clarify(t.text, result, t.spans, self)
        return result

    # -- step 1: items by token sequences ------------------------------------

    def _match_items(self, t: _Text, tokens: list[Tok]) -> None:
        content = [tok for tok in tokens if tok.is_content]
        i = 0
        while i < len(content):
            found = None
            if content[i].start and t.text[content[i].start - 1].isdigit() and content[i].base in ("年間", "年", "か月", "月", "日", "回", "件"):
                i += 1  # 「過去1年間で欠席日数」: 年間 belongs to the number (a window), not to 年間欠席日数
                continue
            for n in range(min(self.index.max_len, len(content) - i), 0, -1):
                base_key, surface_key = run_keys(content[i : i + n])
                items = self.index.keys.get(base_key) or self.index.keys.get(surface_key)
                if items and all(tok.base in self._child_nouns for tok in content[i : i + n]):
                    items = None  # 「児童生徒」: words for the children themselves name no item
                if items and t.is_free(content[i].start, content[i + n - 1].end):
                    found = (n, items)
                    break
            if found is None:
                i += 1
                continue
            n, items = found
            start, end = content[i].start, content[i + n - 1].end
            phrase = t.text[start:end]
            generic = self._generic_candidates(content[i : i + n], phrase) if len(items) == 1 else set()
            if len(generic) > 1:
                # 「相談歴」: a synonym made only of generic words (相談 + 歴) names no one item on its own.
                t.claim(start, end, "ambiguous", items=sorted(generic), phrase=phrase, generic=True)
            elif len(items) == 1:
                t.claim(start, end, "item", item=next(iter(items)), phrase=phrase)
            else:
                t.claim(start, end, "ambiguous", items=sorted(items), phrase=phrase)
            i += n
        present = {sp.data["item"] for sp in t.spans if sp.kind == "item"}
        for sp in t.spans:
            if sp.kind == "ambiguous" and sp.data.get("generic") and len(present & set(sp.data["items"])) == 1:
                # 「家児相の相談歴」: the generic word repeats an item already named.
                sp.kind, sp.data = "item", {"item": next(iter(present & set(sp.data["items"]))), "phrase": sp.data["phrase"], "generic": True}

    @lru_cache(maxsize=1)  # noqa: B019 - one parser per catalog, long-lived
    def _item_strings(self) -> tuple[tuple[str, frozenset[str]], ...]:
        """Names and synonyms (4+ characters, no generic-only words) as strings, with the items they name."""
        by: dict[str, set[str]] = {}
        weak = set(self.lex["weak_tokens"]) | self._filler | set(self.lex.get("record_suffixes", []))
        for it in self.catalog.items:
            if it.id in self.lex["population_items"]:
                continue
            for phrase in (it.name, *it.synonyms):
                said = normalize(phrase)
                toks = [tok for tok in tokenize(said) if tok.is_content]
                if len(said) >= 4 and sum(tok.base not in weak for tok in toks) >= 2:
                    by.setdefault(said, set()).add(it.id)
        return tuple(sorted(((k, frozenset(v)) for k, v in by.items()), key=lambda kv: -len(kv[0])))

    def _match_item_strings(self, t: _Text, tokens: list[Tok]) -> None:
        """「…よると、低出生体重で」: SudachiPy splits a name differently in some contexts (低出 + 生 + 体重); a
        name or synonym written out in full, on token boundaries, is that item all the same."""
        starts, ends = {tok.start for tok in tokens}, {tok.end for tok in tokens}
        for said, items in self._item_strings():
            for m in re.finditer(re.escape(said), t.text):
                if (m.start() in starts and m.end() in ends and t.is_free(m.start(), m.end())
                        and not (m.start() and t.text[m.start() - 1].isdigit())):
                    if len(items) == 1:
                        t.claim(m.start(), m.end(), "item", item=next(iter(items)), phrase=said)
                    else:
                        t.claim(m.start(), m.end(), "ambiguous", items=sorted(items), phrase=said)

    def _generic_candidates(self, part: list[Tok], phrase: str) -> set[str]:
        """The items containing the generic word of a phrase made only of generic words and fillers."""
        filler, weak = set(self.lex["filler_tokens"]), set(self.lex["weak_tokens"])
        meaningful = [tok for tok in part if tok.base not in filler]
        record = set(self.lex.get("record_suffixes", []))
        if (len(meaningful) != 1 or meaningful[0].base not in weak or normalize(phrase) in self._own_names()
                or not all(tok.base in record for tok in part if tok is not meaningful[0])):
            return set()
        base_key, surface_key = run_keys(meaningful)
        return set(self.index.token_items.get(base_key) or self.index.token_items.get(surface_key) or ())

    # -- step 2: regular phrases --------------------------------------------

    def _match_regular(self, t: _Text) -> None:
        lex = self.lex
        diff_re = "(" + "|".join(DIFFICULTY_WORDS) + ")(" + "|".join(map(re.escape, sorted(lex["difficulty_suffixes"], key=len, reverse=True))) + ")"
        # 「生保＋不登校傾向」: a difficulty listed among the conditions is said of the child: no data item, asked
        listed = r"(?:[+&・/]|かつ|且つ)$"
        t.find(diff_re, "difficulty", lambda m: {"difficulty": m.group(1), **(
            {"as_condition": True} if re.search(listed, t.text[: m.start()]) and re.match(r"(?:の子|の児童|の生徒|の世帯)?(?:[+&・/、。]|$)", t.text[m.end() :]) else {})})
        # A bare difficulty word that is no item (「中学生の不登校（30日以上欠席）」) names the difficulty type.
        bare = "|".join(d for d in DIFFICULTY_WORDS if d not in NOT_BARE_DIFFICULTIES)
        # Joined to another condition (「不登校で就援の子」「貧困かつ欠席が…」) it is said of the child: no data item, asked.
        joined = _alt(lex.get("difficulty_condition_joins", []))
        t.find(rf"({bare})(?:の子|の児童|の生徒|傾向)?", "difficulty", lambda m: {
            "difficulty": m.group(1),
            **({"as_condition": True} if joined and m.group(0) == m.group(1) and re.match(rf"(?:{joined})[^\s。]", t.text[m.end() :]) else {})})
        t.find(r"(?:配点|点数|得点)(?:は|を)?(\d+)点(?:を)?(?:加点|加算|付与|とする|にする|で|。)?", "points", lambda m: {"points": int(m.group(1))})
        # 「加点15」「重み8」「=加点12」「(重み:8)」
        t.find(rf"=?(?:{_alt(lex['points_words'])})(?:は|を|が)?[:=]?(\d+)(?:点)?(?:を)?(?:加点|加算|付与|とする|にする|で)?(?!\d|{OP_RE}|日|回|件|か月|歳)",
               "points", lambda m: {"points": int(m.group(1))})
        t.find(rf"(\d+)点(?!\d|{OP_RE}|台|満点|の)(?:を)?(?:加点|加算|付与|つける|とする|にする|で|。)?", "points", lambda m: self._points(t, m))
        t.find("|".join(map(re.escape, sorted(lex["all_guardian_words"], key=len, reverse=True))) + "(?:が|の|とも)?", "guardians_all")
        t.find(rf"(?:{_alt(list(lex['side_words']))})(?:の)?", "side", lambda m: {"side": lex["side_words"][m.group(0).removesuffix("の")]})
        # 「保護者が全員」「父母どちらも」「両親ともに」: a guardian word with an all-word
        t.find(rf"(?:{_alt(lex['guardian_words'])})(?:が|の|は)?(?:{_alt(lex['guardian_all_suffixes'])})(?:が|の|は|で)?", "guardians_all")
        # 「保護者のうち少なくとも1人が」「父母のどちらか一方が」: any guardian (read before the number 1人 is an amount)
        for m in re.finditer(rf"(?:{_alt(lex['guardian_words'])})((?:のうち|の)?(?:{_alt(lex.get('guardian_any_suffixes', []))})(?:が|は)?)", t.text):
            if lex.get("guardian_any_suffixes") and t.is_free(m.start(1), m.end(1)):
                t.claim(m.start(1), m.end(1), "guardian_any", text=m.group(1))
        # 「10代の母親」: an age decade
        t.find(r"([1-9]0)代(?:前半|後半)?(?:以下|まで|以上)?", "amount", self._decade)
        # 和暦 fixed calendar periods: 令和7年度, 令和7年4月以降, 令和6年10月〜令和8年9月
        era = r"(令和|平成|R|H|(?=(?:19|20)\d{2}年))(元|\d{1,2}|(?:19|20)\d{2})年"  # 和暦 or 西暦
        day = r"(?:(\d{1,2})日)?"
        t.find(rf"{era}(\d{{1,2}})月{day}(?:〜|から){era}(\d{{1,2}})月{day}(?:まで)?(?:に|で|の|において)?", "window", self._period_range)
        # 「R7.4〜R8.3」「2025/4/1〜2026/3/31」「R7.4以降」: dotted and slashed dates
        dot = r"(令和|平成|R|H|(?=(?:19|20)\d{2}[./]))(元|\d{1,2}|(?:19|20)\d{2})[./](\d{1,2})(?:[./](\d{1,2}))?(?![\d.])"
        t.find(rf"{dot}(?:〜|から){dot}(?:まで)?(?:に|で|の|において)?", "window", self._period_range)
        t.find(rf"{dot}(?:以降|から)(?:に|で|の|において)?", "window", self._period_since)
        # 「2026年9月〜10月」「令和7年10月〜3月」: the second month in the same year (or the next, when it comes earlier)
        t.find(rf"{era}(\d{{1,2}})月{day}(?:〜|から)(\d{{1,2}})月{day}(?:まで)?(?:に|で|の|において)?", "window", self._period_same_year)
        # 「令和8年度上半期（4月〜9月）」「令和7年度下半期」: half of a fiscal year; 「令和7年度以降」: from its first day
        t.find(rf"{era}度(上半期|前半期|前期|下半期|後半期|後期)(?:\((\d{{1,2}})月〜(\d{{1,2}})月\))?(?:中)?(?:に|で|の|において)?", "window", self._fiscal_half)
        t.find(rf"{era}度(?:以降|から)(?:に|で|の|において)?", "window",
               lambda m: None if (a := self._month_start(m.group(1), m.group(2), "4")) is None else {"months": {"period": {"start": a.isoformat()}}, "text": m.group(0)})
        t.find(rf"{era}度(?:中)?(?:に|で|の|において)?", "window", self._fiscal_year)
        t.find(rf"{era}(\d{{1,2}})月{day}(?:以降|から)(?:に|で|の|において)?", "window", self._period_since)
        t.find(rf"{era}(\d{{1,2}})月(?:末)?{day}(?:まで|以前)(?:に|で|の|において)?", "window", self._period_until)  # 令和8年3月末までに
        # 「令和8年10月の1か月間に」「令和8年10月中に」: one calendar month
        t.find(rf"{era}(\d{{1,2}})月(?!\d)(?:の(?:1|一)か月(?:間)?|中|の間)?(?:に|で|の|において)?", "window", self._one_month)
        # 「今年度(R8年度)」「令和7年度(昨年度)」: the era year is written next to the relative word, which adds nothing
        rel = _alt(lex["relative_year_words"])
        t.find(rf"(?:{rel})(?=\((?:令和|平成|R|H|(?:19|20)\d{{2}}))|(?<=年度)\((?:{rel})\)", "time_alias")
        for m in re.finditer(rf"(?:{rel})(?=\((?:令和|平成|R|H|(?:19|20)\d{{2}}))|(?<=年度\()(?:{rel})(?=\))", t.text):
            if t.is_free(m.start(), m.end()):  # the era year beside it is claimed already (masked): look at the text
                t.claim(m.start(), m.end(), "time_alias", text=m.group(0))
        # 「今年度」「昨年度」「年度内」 alone: the fiscal year (4月始まり) of the drafting day, as a fixed period
        t.find(r"((?:今|本)?年度(?:当初|初め|始め)から|今年度|本年度|当年度|昨年度|前年度|年度内)(?:中|内)?(?:に|で|の|において|は|も)?", "window", self._relative_fiscal_year)
        # 「9月以降」「8月から10月」「今年に入ってから」「先月」: months without a year, the latest such months up to the
        # drafting day's reference date, as a fixed period (stated in the reading)
        t.find(r"(?<![\d年.])(\d{1,2})月(?:〜|から)(\d{1,2})月(?:まで)?(?:の間)?(?:に|で|の|において)?", "window", self._month_period)
        t.find(r"(?<![\d年.])(\d{1,2})月(?:以降|から|以後)(?:に|で|の|において)?", "window", self._month_period)
        t.find(r"(今年に入ってから|今年に入って|今年から|今年以降|先月)(?:に|で|の|は|も)?", "window", self._month_period)
        t.find(r"(今年度|昨年度|前年度|年度内|今学期|前学期|今年|昨年)", "bad_window", lambda m: {"text": m.group(0)})
        # Monthly rates, before windows (「1か月で最大10日」 has no window): 毎月 = every month of the window,
        # 月平均 = the window's total over its months, 1か月で最大 = some month.
        t.find(rf"毎月(\d+)(日|回)({OP_RE})(?![^、。,]{{0,8}}月)", "per_month",
               lambda m: {"op": OPS[m.group(3)], "value": int(m.group(1)), "unit": m.group(2), "every": True})
        t.find(rf"(?:{_alt(lex['monthly_average_words'])})(?:で|に)?(\d+)(日|回)({OP_RE})", "amount",
               lambda m: {"op": OPS[m.group(3)], "value": int(m.group(1)), "unit": m.group(2), "monthly_average": True, "text": m.group(0)})
        t.find(rf"(?:1か月(?:で|に|の|あたり)?|月(?:に|の)?)(?:最大|最多)(?:で)?(\d+)(日|回)({OP_RE})", "per_month",
               lambda m: {"op": OPS[m.group(3)], "value": int(m.group(1)), "unit": m.group(2)})
        t.find(r"(?:半年間?|この半年)(?:に|で|の|間|において)?", "window", lambda m: {"months": 6, "text": m.group(0)})
        t.find(r"(?:過去|直近|最近|ここ|この|基準日(?:の)?(?:前|以前|から(?:遡って|さかのぼって)|より前の))(\d+)(年|か月)(?:間)?(?:以内)?(?:に|で|の|間|において|における)?", "window", self._window)
        # 「いずれか1か月でも」「の最大が」 (some month) and 「各月とも」「毎月」 (every month): a test said of each monthly
        # total of the window; read on items of monthly totals only (_leaf), as a count of the months that pass it
        t.find(r"(?:うち[、,]?)?(?:(?:いずれか|どれか)(?:の)?(?:(?:1|一)か月|月)(?:でも|だけでも|に|で)?|(?<![\d.])(?:1|一)か月(?:でも|だけでも))[、,]?", "month_quant",
               lambda m: {"every": False, "text": m.group(0)})
        t.find(r"(?:の)?(?:最大|最多)(?:値)?(?:が|は)", "month_quant", lambda m: {"every": False, "text": m.group(0)})
        t.find(r"(?:の)?(?:各月|毎月)(?:とも(?:に)?|それぞれ|で|に|の)?(?:継続して|連続して|続けて)?[、,]?", "month_quant",
               lambda m: {"every": True, "text": m.group(0)})
        # 「直近1か月に…、同じ1か月に」「同じ半年で」: the window already given, repeated (one window for the rule)
        t.find(r"同じ(\d+)(年|か月)(?:間)?(?:に|で|の|内に|内で|の間に|の間で|において)?", "same_window",
               lambda m: {"text": m.group(0)} if any(sp.kind == "window" and sp.end <= m.start() for sp in t.spans) else None)
        t.find(rf"(\d+)(年|か月)(?:間|以内)(?:に|で|の|において)?(?!{OP_RE})", "window", self._window)
        t.find(rf"(\d+)(年|か月)(?:で|に|の間に)(?!{OP_RE}|\d+(?:か月|年))", "window", self._window)
        t.find(r"(?<!\d)年間(?:に|で|の)?", "window", lambda m: {"months": 12, "text": m.group(0)})
        t.find(r"(?<![\d年度])(?:1)?年に(?=\d)", "window", lambda m: {"months": 12, "text": m.group(0)})  # 年に2回以上: a year, counted back
        if any(sp.kind == "window" for sp in t.spans):  # 「同じ期間に」: the window already given
            t.find(rf"(?:{_alt(lex['same_window_words'])})(?:に|で|の|内に|内で|内の)?", "same_window")
        t.find(rf"(?:毎月|月に|月|1か月に|1か月あたり|ひと月あたり)(\d+)(日|回)({OP_RE})(?:の)?\x00*(?:した|の|が|がある|ある|あった|([ぁ-ん一-龥]{1,3}?(?:した|んだ|った|いた|た)))?(?:月)", "per_month",
               lambda m: {"op": OPS[m.group(3)], "value": int(m.group(1)), "unit": m.group(2), "verb": m.span(4)})
        # 「欠席が3日以上ある月が2か月以上」: months whose monthly value passes the test
        t.find(rf"(\d+)(日|回)({OP_RE})(?:ある|あった|の|となる|になる|([ぁ-ん一-龥]{{1,3}}?(?:した|んだ|った|いた|た)))月(?:が|は|の数が)?", "per_month",
               lambda m: {"op": OPS[m.group(3)], "value": int(m.group(1)), "unit": m.group(2), "verb": m.span(4)})
        for sp in t.spans:  # 「15日以上休んだ月」: the verb names the item (read in step 3)
            a, b = sp.data.get("verb", (-1, -1)) if sp.kind == "per_month" else (-1, -1)
            for i in range(max(a, 0), max(b, 0)):
                t.free[i] = True
        t.find(rf"{NUM}{UNIT}(?:以上)?(?:〜|から){NUM}{UNIT}(?:以下|まで)?", "amount", self._range)
        t.find(rf"{NUM}{UNIT}({OP_RE})", "amount", self._amount)
        # 「少なくとも3か月」「最低でも10回」: the word before the number says 以上
        t.find(rf"(?:{_alt(lex.get('at_least_prefixes', ['少なくとも']))}){NUM}{UNIT}(?!{OP_RE})", "amount",
               lambda m: {"op": ">=", "value": _num(m.group(1)), "unit": m.group(2) or "", "text": m.group(0)})
        # 「1度も」「1回も」 (never): the whole-record word, no amount
        t.find(r"(?:1|一)(?:回|度)も(?=[^\d]|$)", "time_word")
        t.find(r"(?:1|一)(?:回|度|件)(?:でも|以上)?", "amount", lambda m: {"op": ">=", "value": 1, "unit": "回", "record": m.group(0).endswith("でも")})
        # 「複数回」「繰り返し」: two or more, unless a number was just said (「3回以上繰り返し」)
        t.find(r"(?:複数回|複数|何度も|繰り返し|たびたび|度々)", "amount",
               lambda m: None if re.search(r"\d+(?:回|件)(?:以上|超)?を?$", t.text[: m.start()]) else {"op": ">=", "value": 2, "unit": "回"})
        t.find(r"繰り返し|繰り返す", "context", lambda m: {"text": m.group(0)})  # after the number: it says nothing more
        t.find(r"(\d+)歳児", "amount", lambda m: {"op": "=", "value": int(m.group(1)), "unit": "歳"})
        # 「0歳で」「5歳の子」: an age with no comparison word is that age (not 「3歳の健診」, a checkup's name)
        t.find(r"(?<![\d.〜])(\d+)歳(?=で|の|、|,|\x00|$)", "amount",
               lambda m: None if re.match(r"の?(?:健診|検診|健康診査|時|とき|頃|ころ)", t.text[m.end() :]) else
               {"op": "=", "value": int(m.group(1)), "unit": "歳", "text": m.group(0), "bare": True})
        for phrase, stages in sorted(lex["stages"].items(), key=lambda kv: -len(kv[0])):
            t.find(re.escape(phrase) + r"(?:の(?!うち)|で|が)?", "stage", lambda m, s=stages: self._stage(t, m, s))
        for phrase, (lo, hi) in lex["age_words"].items():
            # 「乳児」, unless it begins an item's name written on (「乳児家庭全戸訪問」)
            t.find(re.escape(phrase), "amount", lambda m, a=lo, b=hi: None if self._starts_item_name(t, m) else
                   {"op": "between", "value": [a, b], "unit": "歳"})
        # 「欠席日数が0日」: zero with no comparison word is exactly zero (0日以上 says nothing, 0日未満 is never)
        t.find(rf"(?<![\d.])0(日|回|件|か月|人)(?![\d.]|{OP_RE})", "amount", lambda m: {"op": "=", "value": 0, "unit": m.group(1), "text": m.group(0)})
        t.find(rf"{NUM}{UNIT}", "bare_amount", lambda m: {"value": _num(m.group(1)), "unit": m.group(2) or ""})
        t.find("|".join(map(re.escape, sorted(lex["any_markers"], key=len, reverse=True))), "any_marker")
        t.find("|".join(map(re.escape, sorted(lex["all_markers"], key=len, reverse=True))), "all_marker")
        t.find("|".join(map(re.escape, sorted(lex["or_words"], key=len, reverse=True))), "or")
        t.find("|".join(map(re.escape, sorted(lex["and_words"], key=len, reverse=True))), "and")
        t.find("|".join(map(re.escape, sorted(lex["past_words"], key=len, reverse=True))), "past")
        t.find(_alt(lex["arrears_words"]), "restate")  # 「払えてない」 restates 滞納; checked in _build
        t.find("|".join(map(re.escape, sorted(lex["negation_words"], key=len, reverse=True))), "negation")
        t.find(rf"未(?={_alt(lex['negated_by_mi'])})", "negation_prefix")
        t.find("|".join(map(re.escape, sorted(lex["vague_words"], key=len, reverse=True))), "vague")
        # whole-record time words (read in _whole_record); claimed last so that they never hide another reading
        t.find("|".join(map(re.escape, sorted(lex["whole_record_words"], key=len, reverse=True))), "time_word")

    def _match_context(self, t: _Text) -> None:
        """「和泉市では」「他市の事例にならって」「うちでも同じ条件で」「…が心配です」: words around the criterion that carry
        no condition (lexicon context_patterns); claimed on free text only, so never across an item word."""
        for pattern in self.lex.get("context_patterns", []):
            t.find(pattern, "context")

    def _stage(self, t: _Text, m: re.Match[str], stages: list[str]) -> dict[str, Any] | None:
        """A stage word, unless it is part of an item's name (「乳幼児健診」 is no population filter)."""
        word, rest = m.group(0), t.text[m.end() :]
        for sp in t.spans:
            if sp.kind in ("item", "ambiguous") and sp.start >= m.start() and sp.start - m.end() <= 1:
                rest = t.text[m.start() : sp.end]
                break
        before = t.text[m.start() - 1] if m.start() else ""
        for name in self._item_names():
            if word in name and name != word and rest and (rest[:2] in name or word + rest[:2] in name):
                k = name.find(word)
                if k > 0 and re.match(r"[一-龥]", name[k - 1]) and name[k - 1] != before:
                    continue  # 「中学校に在籍する生徒」: the name's 中学校 is part of its 小中学校, another word
                return None
        return {"stages": list(stages)}

    def _starts_item_name(self, t: _Text, m: re.Match[str]) -> bool:
        """The word and the two characters after it begin an item's name or synonym (「乳児家庭全戸訪問」)."""
        said = t.text[m.start() : m.end() + 2]
        return len(said) > len(m.group(0)) and any(name.startswith(said) for name in self._item_names())

    @lru_cache(maxsize=1)  # noqa: B019 - one parser per catalog, long-lived
    def _item_names(self) -> tuple[str, ...]:
        return tuple(normalize(p) for it in self.catalog.items for p in (it.name, *it.synonyms))

    @lru_cache(maxsize=1)  # noqa: B019 - one parser per catalog, long-lived
    def _own_names(self) -> frozenset[str]:
        return frozenset(normalize(it.name) for it in self.catalog.items)

    @functools.cached_property
    def _names_by_text(self) -> dict[str, str]:
        """Each normalized item name and synonym -> its item (population items aside), built once."""
        by_name: dict[str, str] = {}
        for it in self.catalog.items:
            if it.id in self.lex["population_items"]:
                continue
            for phrase in (it.name, *it.synonyms):
                by_name.setdefault(normalize(phrase), it.id)
        return by_name

    def _close_items(self, word: str) -> list[str]:
        """Items whose name or a synonym is within a typo-level distance of ``word`` (best first, at most 3)."""
        by_name = self._names_by_text
        out: list[str] = []
        for name in difflib.get_close_matches(word, list(by_name), n=6, cutoff=0.6):
            if by_name[name] not in out:
                out.append(by_name[name])
        if len(word) >= 3:
            # 「保険室」: one character off the start of a name (保健室来室)
            for name, item_id in by_name.items():
                head = name[: len(word)]
                if len(head) == len(word) and sum(a != b for a, b in zip(head, word, strict=True)) == 1 and item_id not in out:
                    out.append(item_id)
        return out[:3]

    def _points(self, t: _Text, m: re.Match[str]) -> dict[str, Any] | None:
        # 「EPDSが9点」: a score of an item measured in points is a threshold, not the rule's points.
        for sp in t.spans:
            if sp.kind == "item" and sp.end <= m.start() and m.start() - sp.end <= 2 and self.catalog[sp.data["item"]].unit == "点":
                return None
        return {"points": int(m.group(1))}

    def _match_grades(self, t: _Text) -> None:
        # 「小5から中3」「中2中3」「中2・中3」: a range of grades across or within schools (consecutive when listed)
        def cross(m: re.Match[str]) -> dict[str, Any] | None:
            lo, hi = (int(m.group(2)) + (6 if m.group(1) == "中" else 0), int(m.group(5)) + (6 if m.group(4) == "中" else 0))
            in_school = all(int(n) <= (6 if school == "小" else 3) for school, n in ((m.group(1), m.group(2)), (m.group(4), m.group(5))))
            if not in_school or lo >= hi:
                return None
            if m.group(3) not in ("〜", "から", "-") and hi != lo + 1:
                return None  # 「中1・中3」: not one range
            return {"stage": None, "lo": lo, "hi": hi}
        t.find(r"(小|中)(?:学校?)?第?(\d)(?:学?年生?)?(〜|から|-|・|、|と|又は|または|もしくは|か|)(小|中)(?:学校?)?第?(\d)(?:学?年生?)?(?:まで)?(?:の(?:者|児童|生徒)?(?!うち)|で)?", "grade", cross)
        # 「小学1〜3年生」「中学3年生」: a school and a grade (range); the grade number is counted within the school.
        for prefix, (stage, offset) in self.lex.get("grade_schools", {}).items():
            def grades(m: re.Match[str], s: str = stage, o: int = offset) -> dict[str, Any] | None:  # noqa: E306
                lo = int(m.group(1))
                hi = int(m.group(3)) if m.group(3) else lo
                top = 6 if s == "elementary" else 3
                if m.group(2) == "・" and hi != lo + 1:
                    return None  # 「1・3年生」: not one range
                if m.group(4) and m.group(3) and m.group(4) != "まで":
                    return None  # 「1〜3年生以上」 (「第1学年から第3学年まで」 is the range)
                lo, hi = _grade_bounds(lo, hi, None if m.group(3) else m.group(4), top)
                if not 1 <= lo <= hi <= top:
                    return None
                return {"stage": None, "lo": lo + o, "hi": hi + o}  # the grade condition says it; no stage filter added
            # 「中学校第3学年」「小学校第1学年から第3学年までに在籍する」 (the formal wording; 在籍 there restates the grade)
            t.find(re.escape(prefix) + r"(?:校)?第?(\d)(?:学?年生?)?(?:(〜|から|-|・)第?(\d)学?年生?)?(以上|以下|未満|まで)?"
                   r"(?:(?:に|で)?在籍(?:する|している|中の)?|の(?!うち)|で)?", "grade", grades)
        # 「小学校高学年（5・6年生）」: the grades in brackets after a grade phrase, within it, are the grades meant
        alternatives = self.lex.get("grade_band_alternatives", {})
        for phrase, (g_stage, g_lo, g_hi) in sorted(self.lex["grade_phrases"].items(), key=lambda kv: -len(kv[0])):
            off = 6 if g_stage == "junior_high" else 0
            alt = [int(n) + off for b, a in alternatives.items() if b in phrase for n in re.findall(r"\d", a)]
            band = (min([g_lo, *alt]), max([g_hi, *alt]))  # 高学年: 5・6年, or 4〜6年 where a city says two bands
            t.find(re.escape(phrase) + r"(?:生)?\((\d)(?:年生?)?(?:・|、|〜|から|-)(\d)年生?\)(?:の(?!うち))?", "grade",
                   lambda m, a=band[0], b=band[1], o=off: {"stage": None, "lo": int(m.group(1)) + o, "hi": int(m.group(2)) + o}
                   if a <= int(m.group(1)) + o < int(m.group(2)) + o <= b else None)  # the city's own band: 高学年（4〜6年）
        # 「5年生以上の小学生」「2年生の中学生」: a grade with the school named once elsewhere in the text
        schools = [(stage, offset) for prefix, (stage, offset) in self.lex.get("grade_schools", {}).items() if prefix in t.text]
        if len(schools) == 1 and "小中" not in t.text:
            stage, offset = schools[0]
            top = 6 if stage == "elementary" else 3

            def school_grade(m: re.Match[str]) -> dict[str, Any] | None:
                lo, hi = _grade_bounds(int(m.group(1)), int(m.group(1)), m.group(2), top)
                if not 1 <= lo <= hi <= top:
                    return None
                # 「5年生以上の小学生」: grade 5 or more within the stage filter
                if m.group(2) == "以上" and lo < hi:
                    return {"stage": stage, "lo": lo + offset, "hi": lo + offset, "open": True}
                return {"stage": stage, "lo": lo + offset, "hi": hi + offset}
            t.find(r"(?<![\d学])(\d)年生(以上|以下|未満|まで)?(?:の(?!うち)|で)?", "grade", school_grade)
        for word, (item_id, code) in self.lex.get("code_words", {}).items():
            t.find(re.escape(word) + r"(?:の|で)?", "code_word", lambda m, i=item_id, c=code: {"item": i, "code": c})
        for phrase, (_stage, lo, hi) in sorted(self.lex["grade_phrases"].items(), key=lambda kv: -len(kv[0])):
            t.find(re.escape(phrase) + r"(?:生|の(?!うち))?", "grade", lambda m, s=stage, a=lo, b=hi: {"stage": s if re.search("小学|中学", m.group(0)) else None, "lo": a, "hi": b})
            # 「中3」「高学年」: the grade says the stage; 「小学校高学年」 also names the school (a stage filter too)
        self._grade_band_assumptions(t)

    def _grade_band_assumptions(self, t: _Text) -> None:
        """「高学年」 alone is 5・6年生 (the reading says so; 4〜6年生 is one click away)."""
        bands = self.lex.get("grade_band_alternatives", {})
        for sp in [s for s in t.spans if s.kind == "grade" and "(" not in t.text[s.start : s.end]]:
            word = t.text[sp.start : sp.end]
            band = next((b for b in bands if b in word), None)
            if band is None:
                continue
            phrase = re.sub(r"(?:生|の)$", "", word)
            fmt = {"phrase": phrase, "lo": sp.data["lo"], "hi": sp.data["hi"], "alt": bands[band]}
            t.assumptions.append({"note": self.lex["grade_band_note"].format(**fmt), "label": self.lex["grade_band_label"].format(**fmt),
                                  "phrase": phrase, "replacement": "小学校" + bands[band]})

    def _window(self, m: re.Match[str]) -> dict[str, Any] | None:
        n = int(m.group(1))
        if n == 1 and m.group(0).startswith("1か月に") and m.string[m.end() : m.end() + 1].isdigit():
            return None  # 「1か月に15日以上休んだ月」: a monthly rate, no window
        months = n * 12 if m.group(2) == "年" else n
        return {"months": months, "text": m.group(0)}

    @staticmethod
    def _month_start(era: str, year: str, month: str) -> dt.date | None:
        try:
            return parse_date(f"{era}{year}年{int(month)}月", allow_month=True)
        except (DateParseError, ValueError):
            return None

    def _fiscal_half(self, m: re.Match[str]) -> dict[str, Any] | None:
        a = self._month_start(m.group(1), m.group(2), "4")
        first = m.group(3) in ("上半期", "前半期", "前期")
        if a is None or (m.group(4) and (int(m.group(4)), int(m.group(5))) != ((4, 9) if first else (10, 3))):
            return None  # the months in brackets say another half: left unread
        start, end = (a, dt.date(a.year, 9, 30)) if first else (dt.date(a.year, 10, 1), dt.date(a.year + 1, 3, 31))
        return {"months": {"period": {"start": start.isoformat(), "end": end.isoformat()}}, "text": m.group(0)}

    def _one_month(self, m: re.Match[str]) -> dict[str, Any] | None:
        a = self._month_start(*m.group(1, 2, 3))
        if a is None:
            return None
        end = dt.date(a.year + a.month // 12, a.month % 12 + 1, 1) - dt.timedelta(days=1)
        return {"months": {"period": {"start": a.isoformat(), "end": end.isoformat()}}, "text": m.group(0)}

    def _period_range(self, m: re.Match[str]) -> dict[str, Any] | None:
        a, b = self._month_start(*m.group(1, 2, 3)), self._month_start(*m.group(5, 6, 7))
        if a is None or b is None:
            return None
        try:
            a = a.replace(day=int(m.group(4))) if m.group(4) else a
            end = b.replace(day=int(m.group(8))) if m.group(8) else dt.date(b.year + b.month // 12, b.month % 12 + 1, 1) - dt.timedelta(days=1)
        except ValueError:
            return None
        if a > end:
            return None
        return {"months": {"period": {"start": a.isoformat(), "end": end.isoformat()}}, "text": m.group(0)}

    def _period_same_year(self, m: re.Match[str]) -> dict[str, Any] | None:
        a = self._month_start(*m.group(1, 2, 3))
        if a is None or not 1 <= int(m.group(5)) <= 12:
            return None
        b = dt.date(a.year + (1 if int(m.group(5)) < a.month else 0), int(m.group(5)), 1)
        try:
            a = a.replace(day=int(m.group(4))) if m.group(4) else a
            end = b.replace(day=int(m.group(6))) if m.group(6) else dt.date(b.year + b.month // 12, b.month % 12 + 1, 1) - dt.timedelta(days=1)
        except ValueError:
            return None
        return {"months": {"period": {"start": a.isoformat(), "end": end.isoformat()}}, "text": m.group(0)}

    def _relative_fiscal_year(self, m: re.Match[str]) -> dict[str, Any] | None:
        """「今年度」「昨年度」: the fiscal year of the drafting day's reference date (a fixed period, stated in the reading)."""
        ref = self.reference_date()
        year = (ref.year if ref.month >= 4 else ref.year - 1) - (1 if m.group(1) in ("昨年度", "前年度") else 0)
        start, end = dt.date(year, 4, 1), dt.date(year + 1, 3, 31)
        note = self.lex["fiscal_year_note"].format(word=m.group(1), ref=format_wareki(ref), year=format_wareki(start).split("年")[0] + "年度",
                                                   start=format_wareki(start), end=format_wareki(end))
        return {"months": {"period": {"start": start.isoformat(), "end": end.isoformat()}}, "text": m.group(0), "note": note}

    def _month_period(self, m: re.Match[str]) -> dict[str, Any] | None:
        """Months written without a year: the latest such month on or before the reference date's month."""
        ref = self.reference_date()
        word = m.group(1)
        end: dt.date | None = None
        if word.startswith("今年"):
            start = dt.date(ref.year, 1, 1)
        elif word == "先月":
            end = ref.replace(day=1) - dt.timedelta(days=1)
            start = end.replace(day=1)
        else:
            first = int(word)
            if not 1 <= first <= 12:
                return None
            start = dt.date(ref.year if first <= ref.month else ref.year - 1, first, 1)
            last = int(m.group(2)) if m.lastindex and m.lastindex >= 2 and m.group(2) else None
            if last is not None:
                if not 1 <= last <= 12:
                    return None
                year = start.year if last >= first else start.year + 1
                end = (dt.date(year + (last == 12), last % 12 + 1, 1)) - dt.timedelta(days=1)
        period = {"start": start.isoformat(), **({"end": end.isoformat()} if end else {})}
        span = f"{format_wareki(start)}〜{format_wareki(end)}" if end else f"{format_wareki(start)}以降"
        note = self.lex["month_period_note"].format(word=m.group(0).rstrip("にでのはも"), ref=format_wareki(ref), period=span)
        return {"months": {"period": period}, "text": m.group(0), "note": note}

    def reference_date(self) -> dt.date:
        """The drafting date's reference date (基準日), as previews and drafts use it (engine.rules.model)."""
        return DEFAULT_REFERENCE_DATE.resolve(self._today())

    def _fiscal_year(self, m: re.Match[str]) -> dict[str, Any] | None:
        a = self._month_start(m.group(1), m.group(2), "4")
        if a is None:
            return None
        return {"months": {"period": {"start": a.isoformat(), "end": dt.date(a.year + 1, 3, 31).isoformat()}}, "text": m.group(0)}

    def _period_until(self, m: re.Match[str]) -> dict[str, Any] | None:
        b = self._month_start(*m.group(1, 2, 3))
        if b is None:
            return None
        try:
            end = b.replace(day=int(m.group(4))) if m.group(4) else dt.date(b.year + b.month // 12, b.month % 12 + 1, 1) - dt.timedelta(days=1)
        except ValueError:
            return None
        return {"months": {"period": {"end": end.isoformat()}}, "text": m.group(0)}

    def _period_since(self, m: re.Match[str]) -> dict[str, Any] | None:
        a = self._month_start(*m.group(1, 2, 3))
        try:
            a = a.replace(day=int(m.group(4))) if a is not None and m.group(4) else a
        except ValueError:
            return None
        return None if a is None else {"months": {"period": {"start": a.isoformat()}}, "text": m.group(0)}

    def _whole_record(self, t: _Text) -> bool:
        return any(w in t.text for w in self.lex.get("whole_record_words", []))

    def _range(self, m: re.Match[str]) -> dict[str, Any]:
        unit = m.group(2) or m.group(4) or ""
        return {"op": "between", "value": [_num(m.group(1)), _num(m.group(3))], "unit": unit, "text": m.group(0)}

    def _amount(self, m: re.Match[str]) -> dict[str, Any]:
        return {"op": OPS[m.group(3)], "value": _num(m.group(1)), "unit": m.group(2) or "", "text": m.group(0)}

    @lru_cache(maxsize=1)  # noqa: B019 - one parser per catalog, long-lived
    def _full_labels(self) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
        """Code labels that name their item too: a label whose head noun is the head noun of the item's name
        (「非行相談」「養護相談（虐待）」 of 家庭児童相談), used by one item only and no other item's name.
        The label before a parenthesis covers every code it heads (「養護相談」: 虐待 and その他)."""
        def head(phrase: str) -> str | None:
            nouns = [tok.base for tok in tokenize(normalize(phrase).split("(")[0]) if tok.pos == "名詞"]
            return nouns[-1] if nouns else None

        found: dict[str, dict[str, set[str]]] = {}
        for item in self.catalog.items:
            if item.kind != "event" or not item.codes:
                continue
            own = {h for h in (head(item.name),) if h and len(h) >= 2 and h not in self._filler}
            for c in item.codes:
                label = normalize(c.label)
                for form in {label, label.split("(")[0]}:
                    if len(form) >= 3 and head(form) in own and form not in self._item_names():
                        found.setdefault(form, {}).setdefault(item.id, set()).add(c.code)
        return tuple(sorted(((form, next(iter(by)), tuple(sorted(next(iter(by.values())))))
                             for form, by in found.items() if len(by) == 1), key=lambda x: -len(x[0])))

    def _match_full_labels(self, t: _Text) -> None:
        for form, item_id, codes in self._full_labels():
            t.find(re.escape(form), "item", lambda m, i=item_id, c=codes: {"item": i, "phrase": m.group(0), "codes": list(c)})

    def _match_numbered_codes(self, t: _Text) -> None:
        """「1歳6か月児健診の未受診」「4か月健診」: a code label with a number in it, of an item the text names, is
        that code; read before amounts, so that its numbers are no comparisons or ages."""
        present = {sp.data["item"] for sp in t.spans if sp.kind == "item"}
        # 「1歳6か月健診か3歳児健診のどちらかを受けていない」: a label holding a noun of its item's name (健診)
        # names the item too, where no other words of the text do (yet).
        named = {it.id for it in self.catalog.items if it.kind == "event" and it.codes and any(
            re.search(r"\d", normalize(c.label)) and any(tok.pos == "名詞" and len(tok.surface) >= 2 and tok.surface in normalize(it.name)
                                                        and tok.surface in t.text for tok in tokenize(normalize(c.label)))
            for c in it.codes)}
        labels: list[tuple[str, str, str]] = []
        for item_id in present | named:
            for c in self.catalog[item_id].codes or ():
                if not re.search(r"\d", normalize(c.label)):
                    continue
                for v in _label_variants(c.label):
                    forms = {v, v.replace("児", "")}  # 「4か月健診」
                    forms |= {w.replace("1歳6か月", "1歳半") for w in forms}  # 「1歳半健診」
                    labels.extend((w, item_id, c.code) for w in forms if re.search(r"\d", w))
        for label, item_id, code in sorted(labels, key=lambda x: -len(x[0])):
            for m in re.finditer(re.escape(label) + r"(?:の|で)?", t.text):
                end = next((i for i in range(m.start(), m.end()) if not t.free[i]), m.end())
                # the label may run into its own item's words (「3歳児健診を受けていない」: 健診を受けていない)
                own = all(sp.kind == "item" and sp.data["item"] == item_id for sp in t.spans if sp.start < m.end() and end < sp.end)
                if end > m.start() and t.is_free(m.start(), end) and own and re.search(r"\d", t.text[m.start() : end]):
                    if item_id in present:
                        t.claim(m.start(), end, "code", item=item_id, code=code)
                    else:  # the label alone names the item and its code
                        t.claim(m.start(), end, "item", item=item_id, phrase=t.text[m.start() : end], codes=[code])

    def _match_codes(self, t: _Text) -> None:
        present = {s.data["item"] for s in t.spans if s.kind == "item"}
        labels: list[tuple[str, str, str]] = []
        for item_id in present:
            item = self.catalog[item_id]
            if item.kind != "event" or not item.codes:
                continue
            exact = {normalize(c.label) for c in item.codes}
            for c in item.codes:
                for v in _label_variants(c.label):
                    if v != normalize(c.label) and v in exact:
                        continue  # 「その他」 is code 90, not a part of 「養護相談（その他）」
                    labels.append((v, item_id, c.code))
        # 「不登校に関する教育相談」「いじめについての教育相談」: a code label joined to its item's name
        # by a connector is the code, even where the label alone was read as another item or a difficulty.
        connectors = "|".join(map(re.escape, sorted(self.lex.get("code_connectors", []), key=len, reverse=True)))
        item_starts = {(sp.start, sp.data["item"]) for sp in t.spans if sp.kind == "item"}
        for label, item_id, code in sorted(labels, key=lambda x: -len(x[0])):
            if not connectors:
                break
            for m in re.finditer(re.escape(label) + f"(?:{connectors})", t.text):
                if (m.end(), item_id) not in item_starts:
                    continue
                inside = [sp for sp in t.spans if sp.start < m.end() and m.start() < sp.end]
                if any(sp.kind not in ("item", "difficulty", "ambiguous") or sp.start < m.start() or sp.end > m.end() for sp in inside):
                    continue
                for sp in inside:
                    t.unclaim(sp)
                t.claim(m.start(), m.end(), "code", item=item_id, code=code)
                self._joined_codes(t, m.start(), item_id, labels)
        for label, item_id, code in sorted(labels, key=lambda x: -len(x[0])):
            # 「保健室に「心の不調・相談」で」: a whole label of an item the text names is that code, even where a
            # word of it (相談) was read as a word of several items.
            for m in re.finditer(re.escape(label), t.text):
                inside = [sp for sp in t.spans if sp.start < m.end() and m.start() < sp.end]
                # (a generic word read as an item named elsewhere, 「DV相談…保健室に心の不調・相談で」, counts as such a word)
                def word_of_label(sp: Span) -> bool:
                    return sp.kind == "ambiguous" or sp.kind == "item" and bool(sp.data.get("generic") or sp.data.get("partial"))
                if (any(word_of_label(sp) for sp in inside)
                        and all(sp.start >= m.start() and sp.end <= m.end() and (word_of_label(sp) or sp.kind == "code" and sp.data["item"] == item_id)
                                for sp in inside)):
                    for sp in inside:
                        t.unclaim(sp)
                    t.claim(m.start(), m.end(), "code", item=item_id, code=code)
        item_ends = {(sp.end, sp.data["item"]) for sp in t.spans if sp.kind == "item"}
        after_words = _alt(self.lex.get("code_after_item", []))
        for label, item_id, code in sorted(labels, key=lambda x: -len(x[0])) if after_words else ():
            # 「教育相談 いじめの件で」「家児相で非行の相談」: a label right after its item, with a word saying "about",
            # is the code, even where the label alone was read as another item (いじめの認知) or a difficulty.
            for m in re.finditer(r"(?:で|の|は|、)?(" + re.escape(label) + rf")(?:{after_words})", t.text):
                if (m.start(), item_id) not in item_ends:
                    continue
                inside = [sp for sp in t.spans if sp.start < m.end(1) and m.start(1) < sp.end]
                if any(sp.kind not in ("item", "difficulty", "ambiguous") or sp.start < m.start(1) or sp.end > m.end(1) for sp in inside):
                    continue
                for sp in inside:
                    t.unclaim(sp)
                t.claim(m.start(1), m.end(1), "code", item=item_id, code=code)
        for label, item_id, code in sorted(labels, key=lambda x: -len(x[0])):
            # 「教育相談（いじめ）」「保健室来室（心の不調・相談）」: a label in brackets right after its item is the code,
            # even where the label alone was read as another item (いじめの認知) or a difficulty.
            for m in re.finditer(r"\((" + re.escape(label) + r")\)", t.text):
                if (m.start(), item_id) not in item_ends:
                    continue
                inside = [sp for sp in t.spans if sp.start < m.end(1) and m.start(1) < sp.end]
                if any(sp.kind not in ("item", "difficulty", "ambiguous", "code") or sp.start < m.start(1) or sp.end > m.end(1) for sp in inside):
                    continue
                for sp in inside:
                    t.unclaim(sp)
                t.claim(m.start(1), m.end(1), "code", item=item_id, code=code)
        for label, item_id, code in sorted(labels, key=lambda x: -len(x[0])):
            # 「性的虐待の通告」: the label runs into its own item's words (虐待の通告); the part before them is the code.
            for m in re.finditer(re.escape(label), t.text):
                own = [sp for sp in t.spans if sp.kind == "item" and sp.data["item"] == item_id and m.start() < sp.start < m.end()]
                if own and t.is_free(m.start(), own[0].start):
                    t.claim(m.start(), own[0].start, "code", item=item_id, code=code)
            t.find(re.escape(label) + r"(?:の|による|で)?", "code", lambda m, i=item_id, c=code: {"item": i, "code": c})
        # Single meaningful words of a label (「あざ」-> 身体のあざ・傷の確認), when they point to one code.
        generic = set(self.lex["filler_tokens"]) | {"相談", "その他", "確認", "不明"}
        word_codes: dict[str, set[tuple[str, str]]] = {}
        for label, item_id, code in labels:
            for tok in tokenize(label):
                if tok.pos == "名詞" and tok.base not in generic and len(tok.surface) >= 2:
                    word_codes.setdefault(tok.base, set()).add((item_id, code))
        for tok in tokenize(t.text):
            hits = word_codes.get(tok.base)
            if hits and len(hits) == 1 and t.is_free(tok.start, tok.end):
                item_id, code = next(iter(hits))
                t.claim(tok.start, tok.end, "code", item=item_id, code=code)
        # 「身体のあざ又は傷の確認」: parts of one code's label joined by 又は are that one code, no OR
        for sp in [s for s in t.spans if s.kind == "or"]:
            a = next((c for c in t.spans if c.kind == "code" and c.end == sp.start), None)
            b = next((c for c in t.spans if c.kind == "code" and c.start == sp.end), None)
            if a and b and (a.data["item"], a.data["code"]) == (b.data["item"], b.data["code"]):
                sp.kind = "same_item_or"
        # 「性別が女」「性別が男の者」: a code label right after a category attribute it names (with が/は/=) is its value
        for sp in [s for s in t.spans if s.kind == "item"]:
            attr = self.catalog[sp.data["item"]]
            if attr.kind != "attribute" or attr.type != "category" or not attr.codes:
                continue
            for c in sorted(attr.codes, key=lambda c: -len(c.label)):
                lm = re.compile(rf"(?:が|は|=)({re.escape(normalize(c.label))})(?=である|であり|で|の|と|、|,|。|\)|$)").match(t.text, sp.end)
                if lm and t.is_free(lm.start(1), lm.end(1)):
                    t.claim(lm.start(1), lm.end(1), "code", item=attr.id, code=c.code)
                    break

    def _joined_codes(self, t: _Text, pos: int, item_id: str, labels: list[tuple[str, str, str]]) -> None:
        """「不登校又はいじめに関する教育相談」: labels of the same item joined by 又は/・/や before a code joined to its
        item are codes of that item too (one value filter), not an OR with another item or a difficulty."""
        own = sorted(((lab, c) for lab, i, c in labels if i == item_id), key=lambda x: -len(x[0]))
        joins = _alt(self.lex.get("joined_code_words", ["又は", "または", "もしくは", "若しくは", "・", "や", "及び", "および"]))
        while own:
            j = re.search(rf"({_alt([lab for lab, _ in own])})(?:{joins})$", t.text[:pos])
            if j is None:
                return
            inside = [sp for sp in t.spans if sp.start < pos and j.start() < sp.end]
            if any(sp.kind not in ("item", "difficulty", "ambiguous", "or", "and") or sp.start < j.start() for sp in inside):
                return
            for sp in inside:
                t.unclaim(sp)
            code = next(c for lab, c in own if lab == j.group(1))
            t.claim(j.start(), pos, "code", item=item_id, code=code)
            pos = j.start()

    def _narrow_head_labels(self, t: _Text) -> None:
        """「養護相談：虐待又はその他」「養護相談のうち虐待」: a label heading several codes (養護相談: 虐待, その他),
        followed by the parts of its codes' labels, is those codes only; 「その他」 there is 養護相談（その他）,
        not the item's code その他."""
        seps = _alt(self.lex.get("code_part_separators", [":", "のうち", "の中の", "の中で", "の"]))
        joins = _alt(self.lex.get("code_part_joins", ["・", "、", "又は", "または", "や", "と", "及び", "および"]))
        for head in [sp for sp in t.spans if sp.kind == "item" and len(sp.data.get("codes", ())) > 1]:
            m = re.match(rf"(?:{seps})", t.text[head.end :])
            if not m:
                continue
            item = self.catalog[head.data["item"]]
            labels = {c.code: _label_variants(c.label) for c in item.codes or () if c.code in head.data["codes"]}
            pos = head.end + m.end()
            parts: list[tuple[Span, str]] = []
            while True:
                part = next((sp for sp in t.spans if sp.kind == "code" and sp.start == pos and sp.data["item"] == item.id), None)
                if part is None:
                    break
                word = t.text[part.start : part.end]
                word = re.sub(r"(?:の|による|で)$", "", word)
                codes = [code for code, vs in labels.items() if word in vs]
                if len(codes) != 1:
                    parts = []
                    break
                parts.append((part, codes[0]))
                j = re.match(rf"(?:{joins})", t.text[part.end :])
                joined = next((sp for sp in t.spans if sp.start == part.end and sp.kind in ("or", "and")), None)
                if j is None:
                    break
                pos = part.end + j.end()
                if joined is not None and joined.end != pos:
                    break
            if parts:
                head.data["codes"] = sorted({code for _, code in parts})
                for part, code in parts:
                    part.data["code"] = code

    @staticmethod
    def _code_among_records(t: _Text) -> None:
        """「保健室来室のうち「身体のあざ・傷の確認」が」: のうち between an item and one of its own codes picks that kind
        of record; it joins no two conditions."""
        for sp in [s for s in t.spans if s.kind == "and" and t.text[s.start : s.end] in ("のうち", "の中で", "の中の")]:
            left = next((i for i in t.spans if i.kind == "item" and i.end == sp.start), None)
            right = next((c for c in t.spans if c.kind == "code" and c.start in (sp.end, sp.end + 1)), None)
            if left and right and right.data["item"] == left.data["item"] and t.text[sp.end : right.start] in ("", "「"):
                sp.kind, sp.data = "context", {"text": t.text[sp.start : sp.end]}
                continue
            # 「家庭児童相談のうち、過去2年以内に養護相談（虐待）の受付が1回以上」: the records named first, then the
            # kind of them counted later in the same sentence: one condition on that kind
            nxt = min((o for o in t.spans if o.kind in ("item", "code") and o.start >= sp.end), key=lambda o: o.start, default=None)
            if left is None or nxt is None or nxt.data["item"] != left.data["item"] or "。" in t.text[sp.end : nxt.start]:
                continue
            kind_named = nxt.kind == "item" and bool(nxt.data.get("codes"))  # a bare kind (「体調不良とけが以外」) keeps the records
            if kind_named:
                sp.kind, sp.data = "context", {"text": t.text[sp.start : sp.end]}
                t.unclaim(left)
                t.claim(left.start, left.end, "context", text=t.text[left.start : left.end])

    def _code_exclusions(self, t: _Text) -> None:
        """「保健室（体調不良・けが以外の理由）」「家庭児童相談（その他を除く）」: code labels of one item followed by
        an exclusion word are the codes left out, not a negation of the item."""
        words = _alt(self.lex["code_exclusion_words"])
        # 「2回以上転居した世帯（市外からの転入を除く）」: a second name of an item already named that is one of its
        # code labels (転入), right before an exclusion word, is that code left out, not the item negated.
        for sp in sorted((s for s in t.spans if s.kind == "item"), key=lambda s: s.start):
            item = self.catalog[sp.data["item"]]
            named_before = any(o.kind == "item" and o.data["item"] == item.id and o.end <= sp.start for o in t.spans)
            label = next((c.code for c in item.codes or () if normalize(sp.data["phrase"]) in _label_variants(c.label)), None)
            m = re.match(rf"(?:{words})", t.text[sp.end :]) if named_before and label is not None else None
            if m is None or label is None:
                continue
            earlier = [o for o in t.spans if o.kind == "item" and o.data["item"] == item.id and o.end <= sp.start]
            # 「転居回数（過去2年）：3回以上　※転入は除く」: the exclusion in a later clause or note is that code left
            # out of the one count named before, not a condition of its own.
            if len(earlier) == 1 and not earlier[0].data.get("codes") and re.search(r"[、。※\n;；]", t.text[earlier[0].end : sp.start]):
                earlier[0].data["exclude_codes"] = sorted(set(earlier[0].data.get("exclude_codes", ())) | {label})
                end = sp.end + m.end()
                for o in [o for o in t.spans if o is not sp and o.start < end and sp.start < o.end]:
                    t.unclaim(o)
                t.unclaim(sp)
                t.claim(sp.start, end, "code_exclusion", text=t.text[sp.start : end])
                continue
            sp.kind, sp.data = "code", {"item": item.id, "code": label}
        codes = sorted((sp for sp in t.spans if sp.kind == "code"), key=lambda sp: sp.start)
        for m in re.finditer(rf"(?:{words})(?:の理由|の記録|の種類|の)?", t.text):
            before = [sp for sp in codes if sp.end <= m.start()]
            run: list[Span] = []
            pos = m.start()
            for sp in reversed(before):
                if re.fullmatch(r"[・、,や及びと]*", t.text[sp.end : pos]) is None:
                    break
                run.insert(0, sp)
                pos = sp.start
            if not run or len({sp.data["item"] for sp in run}) != 1:
                continue
            inside = [sp for sp in t.spans if sp.start < m.end() and m.start() < sp.end]
            if any(sp.kind not in ("negation",) for sp in inside):
                continue
            for sp in inside:
                t.unclaim(sp)
            for sp in run:
                sp.data["exclude"] = True
            t.claim(m.start(), m.end(), "code_exclusion", text=m.group(0))

    def _counted_exclusions(self, t: _Text) -> None:
        """「けがによる来室を除き、…保健室来室が8回以上」「家庭児童相談が1回以上。ただし、育成相談のみの者は除く」:
        records of one kind of an item that the text counts elsewhere, excluded, are left out of that count
        (a value filter), not a condition that the child has no such record."""
        lex = self.lex
        only = _alt(lex.get("exclusion_only_words", ["のみ", "だけ"]))
        nouns = _alt(lex.get("exclusion_only_nouns", ["者"]))
        gap_re = rf"(?:(?:{only})(?:の(?:{nouns}))?)?(?:は|を)?"
        items = sorted((s for s in t.spans if s.kind == "item"), key=lambda s: s.start)
        for neg in sorted((s for s in t.spans if s.kind == "negation" and "除" in s.data.get("text", "")), key=lambda s: s.start):
            sp = next((i for i in reversed(items) if i.end <= neg.start), None)
            if sp is None or not re.fullmatch(gap_re, t.text[sp.end : neg.start]):
                continue
            item_id = sp.data["item"]
            glued = [c for c in t.spans if c.kind == "code" and c.data["item"] == item_id and c.end == sp.start]
            codes = set(sp.data.get("codes", ())) | {c.data["code"] for c in glued}
            counted = [i for i in items if i is not sp and i.data["item"] == item_id and not i.data.get("codes")]
            if not codes or len(counted) != 1:
                continue
            counted[0].data["exclude_codes"] = sorted(set(counted[0].data.get("exclude_codes", ())) | codes)
            start = min([sp.start] + [c.start for c in glued])
            for s in [sp, neg, *glued]:
                t.unclaim(s)
            items.remove(sp)
            t.claim(start, neg.end, "code_exclusion", text=t.text[start : neg.end])

    # -- step 2b: guardians ----------------------------------------------------

    def _decade(self, m: re.Match[str]) -> dict[str, Any]:
        lo = int(m.group(1))
        word = m.group(0)
        bare = re.sub(r"(?:以下|まで|以上)$", "", word)
        lo, hi = (lo, lo + 4) if bare.endswith("前半") else (lo + 5, lo + 9) if bare.endswith("後半") else (lo, lo + 9)
        if word.endswith(("以下", "まで")):  # 「20代以下」: up to the decade's last age
            return {"op": "<=", "value": hi, "unit": "歳", "text": word}
        if word.endswith("以上"):  # 「30代以上」: from the decade's first age
            return {"op": ">=", "value": lo, "unit": "歳", "text": word}
        return {"op": "between", "value": [lo, hi], "unit": "歳", "text": word}

    def _gap_ok(self, t: _Text, a: Span, b: Span) -> bool:
        """Only particles and guardian/any/all markers between two spans (「保護者のいずれかが」「20歳未満の」)."""
        lo, hi = (a.end, b.start) if a.end <= b.start else (b.end, a.start)
        if hi - lo > 12:  # 「保護者のうち少なくとも1人が」
            return False
        allowed = ("any_marker", "all_marker", "guardians_all", "guardian", "guardian_any")
        rest = "".join(c for i, c in enumerate(t.text[lo:hi], lo)
                       if not any(sp.start <= i < sp.end and sp.kind in allowed for sp in t.spans))
        return re.fullmatch(r"(?:が|の|は|も|で|とも|ともに)*", rest) is not None

    def _match_guardians(self, t: _Text) -> None:
        """「保護者」「母親」「両親とも」: words for the guardians. A guardian word next to an age is the
        guardians' age (「20歳未満の保護者」 is no population filter); next to an item word that several
        items share, it picks the guardian-level one (「保護者が障害者手帳を」); otherwise it only says
        whose condition a guardian item is (「EPDS9点以上の母親」)."""
        lex = self.lex
        t.find(rf"(?<![一-龥ァ-ヴ])(?:{_alt(lex['guardian_words'])})(?![一-龥])", "guardian")
        guardian_spans = [sp for sp in t.spans if sp.kind in ("guardian", "guardians_all")]
        for sp in t.spans:  # 「いずれかの保護者の年齢が」: a marker before a guardian item's name is about the guardians
            if sp.kind in ("any_marker", "all_marker") and any(
                    i.kind == "item" and i.start == sp.end + (t.text[sp.end : sp.end + 1] == "の") and self.catalog[i.data["item"]].entity == "guardian"
                    and re.match(rf"(?:{_alt(lex['guardian_words'])})", t.text[i.start :]) for i in t.spans):
                sp.kind = "guardian_any" if sp.kind == "any_marker" else "guardians_all"
        if not guardian_spans:
            return
        for g in guardian_spans:
            # 「保護者のいずれかが」: the any-marker is about the guardians, not a list of conditions
            for sp in t.spans:
                if sp.kind == "any_marker" and 0 <= sp.start - g.end <= 1:
                    sp.kind = "guardian_any"
                elif sp.kind == "all_marker" and 0 <= sp.start - g.end <= 1:
                    sp.kind = "guardians_all"
                elif sp.kind in ("any_marker", "all_marker") and t.text[sp.end : g.start] in ("の", ""):
                    # 「全ての保護者が」「いずれかの保護者が」: the marker before the guardian word is about the guardians
                    sp.kind = "guardian_any" if sp.kind == "any_marker" else "guardians_all"
        ages = [sp for sp in t.spans if sp.kind == "amount" and sp.data.get("unit") == "歳" and (sp.data.get("op") != "=" or sp.data.get("bare"))
                and t.text[sp.start].isdigit()]
        if any(sp.kind == "item" and sp.data["item"] == "resident.guardian_age" for sp in t.spans):
            return
        for g in guardian_spans:
            # 「…お母さんで、年齢が20歳未満の方のお子さん」: the age of the person whose child is meant
            linked = [a for a in ages if self._gap_ok(t, g, a)
                      or (g.end <= a.start and re.match(r"(?:の|である)方の(?:お)?子", t.text[a.end :]) is not None)]
            if not linked:
                continue
            for a in linked:
                a.data["guardian"] = True
            item = Span(g.start, g.end, "item", {"item": "resident.guardian_age", "phrase": t.text[g.start : g.end], "guardian_word": True})
            if g.kind == "guardian":
                g.kind, g.data = item.kind, item.data
            else:
                t.spans.append(item)
            break

    # -- step 3: single item words ------------------------------------------

    def _match_partial_items(self, t: _Text, tokens: list[Tok], questions: list[str]) -> None:
        filler = set(self.lex["filler_tokens"])
        weak = set(self.lex["weak_tokens"])
        declared = set(self.lex.get("declared_verbs", []))
        content = [tok for tok in tokens if tok.is_content]
        i = 0
        while i < len(content):
            found = None
            for n in range(min(self.index.max_len, len(content) - i), 0, -1):
                part = content[i : i + n]
                if n >= 2 and self._generic_compound(t, part):
                    break
                if not t.is_free(part[0].start, part[-1].end):
                    continue
                if n == 1 and (part[0].base in filler or part[0].pos not in ("名詞", "動詞", "形容詞")):
                    continue
                if not any((tok.pos == "名詞" and tok.base not in filler) or tok.base in declared for tok in part):
                    continue  # verbs, particles and generic words never select an item (「行っていない」 is no 保健室来室)
                base_key, surface_key = run_keys(part)
                items = self.index.token_items.get(base_key) or self.index.token_items.get(surface_key)
                meaningful = [tok.base for tok in part if tok.base not in filler]
                if (items and len(items) == 1 and len(meaningful) == 1 and meaningful[0] in weak
                        and (n == 1 or any(a.end != b.start for a, b in pairwise(part)))):
                    # 「申請」 alone is not 「児童手当未申請」, nor 「手当を受給」 (a generic word and a verb) 「児童扶養手当受給」:
                    # left unread, hence reported (a compound such as 「児童手当」 still names its item)
                    continue
                if items:
                    found = (n, items)
                    break
            if found is None:
                i += 1
                continue
            n, items = found
            start, end = content[i].start, content[i + n - 1].end
            phrase = t.text[start:end] if not (n == 1 and content[i].pos == "動詞") else content[i].base
            # A part of a longer noun compound in the text (「保険室来室」, 「修学援助」: a typo-level
            # distance from an item name) is asked about, never chosen.
            lo, hi = i, i + n - 1
            while lo > 0 and content[lo - 1].end == content[lo].start and content[lo - 1].pos in ("名詞", "接頭辞", "接尾辞") and t.is_free(content[lo - 1].start, content[lo - 1].end) and content[lo - 1].base not in filler:
                lo -= 1
            while hi + 1 < len(content) and content[hi + 1].start == content[hi].end and content[hi + 1].pos in ("名詞", "接尾辞") and t.is_free(content[hi + 1].start, content[hi + 1].end) and content[hi + 1].base not in filler:
                hi += 1
            if (lo, hi) != (i, i + n - 1):
                whole = t.text[content[lo].start : content[hi].end]
                close = self._close_items(whole) or sorted(items)
                t.claim(content[lo].start, content[hi].end, "ambiguous", items=close, phrase=whole)
                i = hi + 1
                continue
            present = {sp.data["item"] for sp in t.spans if sp.kind == "item"} & set(items)
            own = _alt(self.lex.get("child_self_words", []))
            if len(items) > 1 and own and re.search(rf"(?:{own})(?:が|も|は|の)?$", t.text[max(0, start - 8) : start]):
                # 「親が障害者手帳…本人も手帳」: the child's own word picks the child's item, not the one already named
                mine = frozenset(i for i in items if self.catalog[i].entity == "child")
                if mine:
                    items, present = mine, set()
            if len(present) == 1 and len(items) > 1:
                # 「家庭児童相談で…の相談が」: the word repeats an item already named.
                items = frozenset(present)
            if len(items) == 1 and self._names_only_subject(t, phrase, next(iter(items))):
                # 「児童手当を受給」 names the subject of 「児童手当の支給差止め」, not its state: asked, never chosen
                t.claim(start, end, "ambiguous", items=sorted(items), phrase=phrase)
            elif len(items) == 1:
                t.claim(start, end, "item", item=next(iter(items)), phrase=phrase, partial=True)
            else:
                t.claim(start, end, "ambiguous", items=sorted(items), phrase=phrase)
            i += n

    def _names_only_subject(self, t: _Text, phrase: str, item_id: str) -> bool:
        """The phrase is the part before 「の」 of the item's name and nothing of the rest is in the text."""
        name = normalize(next((it.name for it in self.catalog.items if it.id == item_id), ""))
        if not name.startswith(normalize(phrase) + "の"):
            return False
        rest = name[len(normalize(phrase)) + 1 :]
        if rest.startswith("未"):
            return False  # 「乳幼児健診を受けていない」: a negation in the text says the 未 of the name
        return not any(rest[k : k + 2] in t.text for k in range(max(len(rest) - 1, 1)))

    def _generic_compound(self, t: _Text, part: list[Tok]) -> bool:
        """「過去に登録歴がある」: a compound of generic nouns ending in a record word (登録 + 歴) that is a part of an item name is
        asked about (「「登録歴」は「要対協の登録歴」のことですか」), never dropped as filler. Its 歴 may
        already be read as a time word (歴がある); the whole-record reading does not depend on that claim."""
        filler = self._filler
        if not all(tok.pos in ("名詞", "接尾辞") and tok.base in filler for tok in part) or part[0].pos != "名詞":
            return False
        if any(a.end != b.start for a, b in pairwise(part)) or part[-1].base not in self.lex.get("record_suffixes", []):
            return False
        start, end = part[0].start, part[-1].end
        blocking = [sp for sp in t.spans if sp.start < end and start < sp.end]
        if any(sp.kind != "time_word" for sp in blocking) or not t.is_free(start, part[0].end):
            return False
        phrase = t.text[start:end]
        items = {it.id for it in self.catalog.items if it.id not in self.lex["population_items"]
                 and any(phrase in normalize(name) for name in (it.name, *it.synonyms))}
        if not items or len(items) > 3:
            return False
        for sp in blocking:
            t.unclaim(sp)
        t.claim(start, end, "ambiguous", items=sorted(items), phrase=t.text[start:end])
        return True

    @lru_cache(maxsize=1)  # noqa: B019 - one parser per catalog, long-lived
    def _item_words(self) -> dict[str, frozenset[str]]:
        """Each item's own words (tokens of its name and synonyms that are no filler)."""
        out: dict[str, frozenset[str]] = {}
        for it in self.catalog.items:
            words = {tok.surface for p in (it.name, *it.synonyms) for tok in tokenize(normalize(p))
                     if tok.is_content and tok.base not in self._filler and not tok.surface.isdigit()}
            out[it.id] = frozenset(words)
        return out

    def _absorb_item_words(self, t: _Text, tokens: list[Tok]) -> None:
        """「こんにちは赤ちゃん訪問で会えなかった」「こころの天気が雨の日」: a word left over right next to an item
        (only particles between) that is one of that item's own words belongs to it."""
        own = self._item_words()
        items = [sp for sp in t.spans if sp.kind == "item"]
        for tok in tokens:
            if not tok.is_content or not t.is_free(tok.start, tok.end):
                continue
            for sp in items:
                lo, hi = (tok.end, sp.start) if tok.end <= sp.start else (sp.end, tok.start)
                if lo <= hi and re.fullmatch(r"(?:が|の|で|を|は)?", t.text[lo:hi]) and tok.surface in own[sp.data["item"]]:
                    t.claim(tok.start, tok.end, "item_word", item=sp.data["item"])
                    break

    def _item_contexts(self, t: _Text) -> None:
        """「保育所を直近3か月で20日以上休んでいる」「保育園に在園していて、…欠席が10日以上」: where the text speaks
        of a place (保育所) and of no school, the absence words mean the place's item (lexicon item_contexts).
        A place word that is only the object of the absence (保育所を…休んで, 保育園の欠席) adds no condition."""
        for ctx in self.lex.get("item_contexts", []):
            spans = [sp for sp in t.spans if sp.kind == "item" and sp.data["item"] == ctx["from"]]
            if not spans or any(w in t.text for w in ctx["not_with"]) or any(
                    sp.kind in ("stage", "grade") for sp in t.spans):
                continue
            words = _alt(ctx["words"])
            places = [m for m in re.finditer(rf"(?:{words})", t.text)
                      if all(sp.kind == "item" and sp.data.get("item") in ctx.get("place_items", [])
                             for sp in t.spans if sp.start < m.end() and m.start() < sp.end)]
            if not places:
                continue
            for sp in spans:
                sp.data = {**sp.data, "item": ctx["to"]}
            for m in places:
                after = t.text[m.end() : m.end() + 1]
                # 「保育園 先月10日以上休んでる」: a window right after the place word, then the absence
                windowed = any(sp.kind == "window" and sp.start == m.end() for sp in t.spans)
                if after not in ("を", "の", "で") and not windowed or re.match(r"を(?:利用|在園|通園|通所|通っ|通う|通わ)", t.text[m.end() :]):
                    continue  # 「保育園に在園していて」「保育所等を利用している」: a condition of its own
                for sp in [sp for sp in t.spans if sp.start < m.end() and m.start() < sp.end]:
                    t.unclaim(sp)
                t.claim(m.start(), m.end() + (0 if windowed else 1), "context", text=m.group(0))

    def _context_items(self, t: _Text) -> None:
        """「保育園に在園していて、…欠席が」: a bare item word (欠席) that another item names with a word the
        text also uses (保育園の欠席) may mean either: asked, with both as candidates."""
        for s in list(t.spans):
            if s.kind != "item":
                continue
            word = normalize(s.data["phrase"])
            if word in self.lex["weak_tokens"] or s.data.get("partial"):
                continue  # 「…についての相談」 repeats a named item (read in _match_partial_items)
            others: list[str] = []
            for it in self.catalog.items:
                if it.id == s.data["item"]:
                    continue
                for name in (it.name, *it.synonyms):
                    n = normalize(name)
                    prefix = n[: -len(word)].removesuffix("の") if n.endswith(word) else ""
                    if len(prefix) >= 2 and prefix in t.text[: s.start] + t.text[s.end :]:
                        others.append(it.id)
                        break
            if others:
                s.kind, s.data = "ambiguous", {"items": [s.data["item"], *others], "phrase": s.data["phrase"]}

    def _codes_within_head(self, t: _Text) -> None:
        """「養護相談の記録がある子（虐待もその他も）」: where a head word names some codes of an item (養護相談 ->
        養護相談（虐待）・養護相談（その他）), a later label equal to the bracketed part of one of them is that code,
        not the item's other code of the same label (その他, code 90)."""
        for head in [sp for sp in t.spans if sp.kind == "item" and len(sp.data.get("codes", ())) > 1]:
            item = self.catalog[head.data["item"]]
            parts: dict[str, str] = {}
            for c in item.codes or ():
                m = re.fullmatch(r".+\((.+)\)", normalize(c.label))
                if c.code in head.data["codes"] and m:
                    parts[m.group(1)] = c.code
            for sp in t.spans:
                if (sp.kind == "code" and sp.start >= head.end and sp.data.get("item") == item.id
                        and sp.data.get("code") not in head.data["codes"] and t.text[sp.start : sp.end] in parts):
                    sp.data = {**sp.data, "code": parts[t.text[sp.start : sp.end]]}

    def _label_picks_item(self, t: _Text) -> None:
        """「非行相談の相談歴」: a generic record word (相談歴) right after a code label of exactly one of its
        candidate items is that item (the label is then read as its code)."""
        for s in [sp for sp in t.spans if sp.kind == "ambiguous" and sp.data.get("generic")]:
            before = t.text[: s.start]
            before = before[:-1] if before.endswith(("の", "で")) else before
            owners = {i for i in s.data["items"] if any(
                before.endswith(v) and t.is_free(len(before) - len(v), len(before))
                for c in self.catalog[i].codes or () for v in _label_variants(c.label) if len(v) >= 2)}
            if not owners:  # 「非行相談の相談歴」 with the label read as its item already (a full label names it)
                owners = {sp.data["item"] for sp in t.spans if sp.kind == "item" and sp.end <= s.start
                          and re.fullmatch(r"(?:の|で)?", t.text[sp.end : s.start])} & set(s.data["items"])
            if len(owners) == 1:
                s.kind, s.data = "item", {"item": next(iter(owners)), "phrase": s.data["phrase"]}

    def _shared_head(self, t: _Text) -> None:
        """「市税か国保どっちか滞納ある」: a word several items share (滞納) right after a list of items (joined by
        か/または/どっちか) that are all among its candidates is said of each of them, not an item of its own."""
        spans = sorted(t.spans, key=lambda x: x.start)
        for k, s in enumerate(spans):
            if s.kind != "ambiguous" or s.data.get("generic"):
                continue
            listed: list[Span] = []
            j, ored = k - 1, False
            while j >= 0 and spans[j].kind in ("item", "or", "any_marker"):
                gap = t.text[spans[j].end : (spans[j + 1].start if j + 1 < k else s.start)]
                if not re.fullmatch(r"(?:の|が|は|か)?" if j + 1 < k else r"(?:の|が|は|か|に|で)?", gap):  # 「…のいずれかに滞納」
                    break
                ored |= spans[j].kind in ("or", "any_marker") or gap == "か"
                if spans[j].kind == "item":
                    listed.append(spans[j])
                j -= 1
            if len(listed) >= 2 and ored and all(x.data["item"] in s.data["items"] for x in listed):
                s.kind, s.data = "item_word", {"item": listed[0].data["item"], "shared": True}

    def _count_nouns(self, t: _Text) -> None:
        """「世帯7人以上」: a noun the lexicon ties to a count item (世帯 -> 世帯人員数), right before a number of that
        item's unit, names that item (alone 「世帯」 names none)."""
        for word, item_id in self.lex.get("count_nouns", {}).items():
            if item_id not in self.catalog:
                continue
            unit = self.catalog[item_id].unit or ""
            for m in re.finditer(rf"{re.escape(word)}(?:が|は|の|で)?(?=\d)", t.text):
                if not t.is_free(m.start(), m.start() + len(word)):
                    continue
                if any(sp.kind in ("amount", "bare_amount") and sp.start == m.end() and sp.data.get("unit") == unit for sp in t.spans):
                    t.claim(m.start(), m.start() + len(word), "item", item=item_id, phrase=word)

    def _exact_counts(self, t: _Text) -> None:
        """「世帯人数が2人で」: a number of persons right after an item counted in persons, with no comparison
        word, is that number exactly."""
        for sp in t.spans:
            if sp.kind != "bare_amount" or sp.data.get("unit") != "人":
                continue
            item = next((i for i in t.spans if i.kind == "item" and i.end <= sp.start and t.text[i.end : sp.start] in ("が", "は", "の")), None)
            if item is None:
                continue
            ci = self.catalog[item.data["item"]]
            if ci.kind == "attribute" and ci.type == "integer" and ci.unit == "人":
                sp.kind, sp.data = "amount", {"op": "=", "value": sp.data["value"], "unit": "人", "text": t.text[sp.start : sp.end]}

    def _ambiguity_questions(self, t: _Text, questions: list[str]) -> None:
        all_guardians = any(sp.kind == "guardians_all" for sp in t.spans)
        guardian_words = [sp for sp in t.spans if sp.kind in ("guardian", "guardians_all")]
        for sp in t.spans:  # 「きょうだいに通告歴がある子」: another member's record (lexicon member_items)
            nxt = next((o for o in t.spans if o.kind in ("item", "ambiguous") and o.start > sp.start and o.start - sp.end <= 1), None) \
                if sp.kind == "item" and sp.data["item"] in self.lex.get("member_items", []) else None
            if nxt is not None and t.text[sp.end : nxt.start] in self.lex["member_particles"] and nxt.data.get("item") != sp.data["item"]:
                phrase, other = t.text[sp.start : nxt.end], t.text[nxt.start : nxt.end]
                questions.append(self.lex["member_question"].format(phrase=phrase, member=t.text[sp.start : sp.end], item=other))
                t.clarifications.append({"phrase": phrase, "mode": "replace", "candidates": [other]})
        for s in t.spans:
            if s.kind == "ambiguous" and (all_guardians or any(self._gap_ok(t, g, s) for g in guardian_words)):
                # 「保護者全員が障害者手帳を」: the guardian-level candidate, when it is the only one
                g = [i for i in s.data["items"] if self.catalog[i].entity == "guardian"]
                if len(g) == 1:
                    s.kind, s.data = "item", {"item": g[0], "phrase": s.data["phrase"]}
        for sp in t.spans:  # 「一時保護されたことがある子のきょうだいも見たい」: other children than the ones the rule selects
            if sp.kind == "item" and sp.data["item"] in self.lex.get("member_items", []) and \
                    re.search(rf"(?:{_alt(self.lex['child_nouns'])})の$", t.text[: sp.start]) and \
                    not re.match(r"(?:が|は|の数|数)?(?:\d|いる|いない|多|少|なし|あり)", t.text[sp.end :]):
                questions.append(self.lex["sibling_of_question"].format(phrase=t.text[max(0, sp.start - 2) : sp.end], item=self.catalog[sp.data["item"]].name))
        for s in t.spans:  # 「妊娠届が22週過ぎて」: a part of a name right next to the full item word of one of its candidates
            near = next((o for o in t.spans if s.kind == "ambiguous" and o.kind == "item" and o.data["item"] in s.data["items"]
                         and (0 <= o.start - s.end <= 1 or 0 <= s.start - o.end <= 1)
                         and any(normalize(s.data["phrase"]) in normalize(w)  # a part of its name, never a typo (保険室)
                                 for w in (self.catalog[o.data["item"]].name, *self.catalog[o.data["item"]].synonyms))), None)
            if near is not None:
                s.kind, s.data = "item", {"item": near.data["item"], "phrase": s.data["phrase"]}
        for s in t.spans:
            if s.kind == "guardian" and not any(
                    sp.kind in ("item", "ambiguous") and any(self.catalog[i].entity in ("guardian", "household")
                                                             or i in self.lex.get("guardian_related_items", [])
                                                             for i in sp.data.get("items", [sp.data.get("item")]))
                    for sp in t.spans):
                # 「保護者が外国籍」: a guardian word with no guardian or household item read: whose condition is it?
                cands = [it for it in self.catalog.items if it.entity == "guardian"]
                questions.append(self.lex["guardian_question"].format(word=s.data["text"], items="、".join(f"「{i.name}」" for i in cands)))
                t.clarifications.append({"phrase": s.data["text"], "mode": "replace", "candidates": [i.name for i in cands]})
            if s.kind == "ambiguous":
                names = "、".join(f"「{self.catalog[i].name}」" for i in s.data["items"])
                if len(s.data["items"]) == 1:
                    questions.append(f"「{s.data['phrase']}」は{names}のことですか。")
                else:
                    questions.append(f"「{s.data['phrase']}」はどの項目のことですか。候補: {names}")
                t.clarifications.append({"phrase": s.data["phrase"], "mode": "replace", "candidates": [self.catalog[i].name for i in s.data["items"]]})

    # -- step 4: unread content ----------------------------------------------

    def _unread(self, t: _Text, tokens: list[Tok]) -> list[dict[str, Any]]:
        filler = set(self.lex["filler_tokens"])
        unread: list[tuple[int, int]] = []
        for tok in tokens:
            if not tok.is_content or (tok.pos in ("助動詞", "接尾辞", "接頭辞") and tok.surface not in MEANINGFUL_AFFIXES):
                continue
            if not t.is_free(tok.start, tok.end) or tok.base in filler or tok.surface in filler:
                continue
            if unread and tok.start - unread[-1][1] <= 1:
                unread[-1] = (unread[-1][0], tok.end)
            else:
                unread.append((tok.start, tok.end))
        unread = [u for u in unread if not self._context_sentence(t, tokens, u)]
        return [
            problem(
                "unread_phrase",
                f"「{t.text[a:b]}」を読み取れませんでした。",
                phrase=t.text[a:b],
                hint="データ項目の名前 (例: 欠席日数、生活保護、就学援助)、比較 (30日以上、3回以上)、期間 (過去1年間)、対象 (小学生、3歳未満)、点数 (5点) のいずれかとして書いてください。",
            )
            for a, b in unread
        ]

    def _context_sentence(self, t: _Text, tokens: list[Tok], span: tuple[int, int]) -> bool:
        """「…の子。進路が心配で」: an unread phrase in a sentence of its own that reads nothing and holds no word of
        an item (not even a part or a typo of one) is context, where another sentence holds the criterion."""
        starts = [0] + [m.end() for m in re.finditer("。", t.text)]
        lo = max(s for s in starts if s <= span[0])
        hi = next((m.start() for m in re.finditer("。", t.text) if m.start() >= span[1]), len(t.text))
        if lo == 0 and hi == len(t.text):
            return False  # the only sentence
        if any(sp.start < hi and lo < sp.end for sp in t.spans if sp.kind not in ("context", "and", "or")):
            return False
        if not any(sp.kind == "item" for sp in t.spans):
            return False
        for tok in tokens:
            if lo <= tok.start < hi and tok.is_content and t.is_free(tok.start, tok.end) and tok.base not in self._filler:
                if (self.index.token_items.get((tok.base,)) or self.index.token_items.get((tok.surface.lower(),))
                        or re.search(r"\d", tok.surface) or (len(tok.surface) >= 2 and self._close_items(tok.surface))):
                    return False
        return True

    # -- build ---------------------------------------------------------------

    def _build(self, source: str, t: _Text, questions: list[str], problems: list[dict[str, Any]]) -> ParseResult:
        spans = sorted(t.spans, key=lambda s: s.start)
        notes: list[str] = []
        for s in spans:
            if s.kind == "window" and s.data.get("note") and s.data["note"] not in notes:
                notes.append(s.data["note"])  # 「今年度」: the fixed period it was read as
            if s.kind == "item":
                self._example_or_narrow(t, s, questions, notes)
            if s.kind == "difficulty" and s.data.get("as_condition"):
                word = s.data["difficulty"]
                problems.append(problem("no_item", f"「{word}」は困難の種類で、データ項目ではないため、条件としては読めません。", phrase=word))
            if s.kind == "bad_window":
                problems.append(problem("unsupported_window", f"「{s.data['text']}」は期間として読めません。", phrase=s.data["text"],
                                        hint="基準日から遡る期間で書いてください (例: 過去1年間、直近6か月)。"))
            if s.kind == "restate" and not any(
                    sp.kind == "item" and any(w in self.catalog[sp.data["item"]].name for w in ("滞納", "未納")) for sp in spans):
                problems.append(problem("unread_phrase", f"「{s.data['text']}」を読み取れませんでした。", phrase=s.data["text"]))
            if s.kind == "bare_amount":
                unit = s.data["unit"]
                v = s.data["value"]
                questions.append(f"「{v}{unit}」は「{v}{unit}以上」「{v}{unit}以下」「{v}{unit}未満」のどれですか。")
                t.clarifications.append({"phrase": t.text[s.start : s.end], "mode": "amount", "candidates": [f"{v}{unit}{w}" for w in ("以上", "以下", "未満")]})

        # Merge neighbouring spans of the same item (「乳幼児」+「健診を受けていない」).
        items: list[Span] = []
        for s in spans:
            if s.kind != "item":
                continue
            both_codes = bool(items) and bool(items[-1].data.get("codes")) and bool(s.data.get("codes")) and set(items[-1].data["codes"]) != set(s.data["codes"])
            each = both_codes and any(b.kind == "all_marker" and 0 <= b.start - s.end <= 1 for b in spans)  # 「4か月児健診と1歳6か月児健診のどちらも」
            if items and items[-1].data["item"] == s.data["item"] and not each and not any(
                b.kind in ("and", "or") and items[-1].end <= b.start and b.end <= s.start for b in spans
            ):
                codes = sorted(set(items[-1].data.get("codes", ())) | set(s.data.get("codes", ())))
                items[-1] = Span(items[-1].start, s.end, "item", {**items[-1].data, "phrase": t.text[items[-1].start : s.end],
                                                                  **({"codes": codes} if codes else {})})
            else:
                items.append(s)

        # Population.
        population: dict[str, Any] = {}
        pop_conditions: list[dict[str, Any]] = []
        stages: list[str] = []
        for s in spans:
            if s.kind == "stage":
                stages.extend(x for x in s.data["stages"] if x not in stages)
            elif s.kind == "grade":
                if s.data["stage"] is not None and s.data["stage"] not in stages:
                    stages.append(s.data["stage"])
                lo, hi = s.data["lo"], s.data["hi"]
                pop_conditions.append({"item": "school.grade", "op": ">=", "value": lo} if s.data.get("open")
                                      else {"item": "school.grade", "op": "between", "value": [lo, hi]} if lo != hi else {"item": "school.grade", "op": "=", "value": lo})
        if stages:
            population["school_stages"] = stages
        for s in spans:
            if s.kind == "code_word" and s.data["item"] in self.catalog:  # 「男子」: 性別 = 男
                pop_conditions.append({"item": s.data["item"], "op": "=", "value": s.data["code"]})

        windows = [s for s in spans if s.kind == "window"]
        points_spans = [s for s in spans if s.kind == "points"]
        explicit_diff = [s.data["difficulty"] for s in spans if s.kind == "difficulty"]

        # Attach modifiers to items.
        attach: dict[int, dict[str, list[Span]]] = {id(i): {"amount": [], "negation": [], "code": [], "window": [], "per_month": [], "vague": [], "negation_prefix": [], "past": [], "time_word": [], "month_quant": []} for i in items}
        boundaries = [s for s in spans if s.kind in ("and", "or")]
        for s in spans:
            if s.kind not in ("amount", "negation", "code", "window", "per_month", "vague", "negation_prefix", "past", "time_word", "month_quant"):
                continue
            if s.kind == "amount" and s.data.get("guardian"):
                g_items = [i for i in items if i.data.get("guardian_word")]
                if g_items:  # 「20歳未満の保護者」: the guardians' age
                    attach[id(g_items[0])]["amount"].append(s)
                    continue
            if s.kind == "amount" and s.data.get("unit") == "歳" and not self._age_item_near(s, [i for i in items if not i.data.get("guardian_word")]):
                self._apply_age(population, s, problems)
                continue
            if s.kind == "window" and len(windows) == 1:
                continue
            if s.kind == "time_word" and len(windows) == 1 and sum(self.catalog[i.data["item"]].kind == "event" for i in items) == 1:
                continue  # 「直近半年で、…来室した記録がある」: a record within the one window the text gives
            if (s.kind == "time_word" and s.start == 0 and not windows and any(self.catalog[i.data["item"]].kind == "event" for i in items)
                    and (nxt := next((i for i in items if i.start >= s.end), None)) is not None and self.catalog[nxt.data["item"]].kind != "event"):
                continue  # 「これまでに予防接種の未接種が1件以上、かつ健診の未受診が1回以上」: the records' scope, read on the event items
            group = self._negated_list(t, s, items, spans) if s.kind == "negation" else []
            if group:  # 「AとBのどちらも受けていない」: neither A nor B
                for it in group:
                    attach[id(it)]["negation"].append(s)
                continue
            target = self._target(s, items, boundaries, attach, t.text)
            if target is None:
                if s.kind in ("amount", "per_month"):
                    problems.append(problem("amount_without_item", f"「{t.text[s.start:s.end]}」がどの項目の条件か読み取れませんでした。", phrase=t.text[s.start:s.end],
                                            hint="項目名と一緒に書いてください (例: 欠席日数が30日以上)。"))
                elif s.kind == "negation" and s.start == 0:
                    problems.append(problem("negation_without_item", f"「{t.text[s.start:s.end]}」が何を否定しているか読み取れませんでした。", phrase=t.text[s.start:s.end]))
                continue
            attach[id(target)][s.kind].append(s)

        if not items:
            if not problems and not questions:
                problems.append(problem("no_item", "データ項目を読み取れませんでした。", hint="カタログの項目名で書いてください (例: 欠席日数、生活保護、乳幼児健診の未受診)。"))
            return ParseResult(None, notes, questions, problems, population=population or None)

        # 「休みがちで、直近1年の欠席日数が30日以上」: a vague word on an item that the text also gives a
        # number for is said by that number; the vague occurrence adds no condition of its own.
        counted = {it.data["item"] for it in items if attach[id(it)]["amount"] or attach[id(it)]["per_month"]}
        items = [it for it in items if not (attach[id(it)]["vague"] and not attach[id(it)]["amount"] and it.data["item"] in counted)] or items
        notes.insert(0, "語の対応: " + "、".join(f"「{it.data['phrase']}」→「{self.catalog[it.data['item']].name}」" for it in items))
        global_window = windows[0].data["months"] if len(windows) == 1 else None
        for a, b in pairwise(items):  # 「1歳6か月児健診又は3歳児健診を受診しなかった」: the "not done" said once, of both
            if (a.data["item"] == b.data["item"] and _negative_item(self.catalog[a.data["item"]])
                    and any(s.kind == "or" and a.end <= s.start and s.end <= b.start for s in spans)
                    and any(m in b.data["phrase"] for m in NEGATION_MARKS) and not any(m in a.data["phrase"] for m in NEGATION_MARKS)):
                a.data["negated_after_or"] = True
        leaves: list[dict[str, Any]] = []
        used_default_window = False
        default_scopes: set[str] = set()
        defaulted: list[Span] = []  # the items read with their default look-back
        for it in items:
            if len(windows) == 1:  # 「直近1年に相談が3回以上あり、かつ…1回でもある」: the window is another clause's
                w = windows[0]
                lo, hi = (it.end, w.start) if it.end <= w.start else (w.end, it.start)
                it.data["window_elsewhere"] = any(lo <= b.start and b.end <= hi and t.text[b.start : b.end] not in ("、", "，", ",")
                                                  for b in boundaries)
                it.data["other_sentence"] = "。" in t.text[lo:hi] and not any(s.kind == "same_window" and lo <= s.start < hi for s in spans)  # 「・いじめ認知：過去1年に…\n・教育相談：あり」: another line's window
                # 「この1年以内に転入してきた乳児で、健診を受けていない子」: another item's clause holds the window; an item
                # whose records are read whole by default (default_scope) keeps its default
                it.data["clause_elsewhere"] = any(o is not it and lo <= o.start and o.end <= hi for o in items) and any(
                    lo <= b.start and b.end <= hi for b in boundaries)
                it.data["default_scope_kept"] = it.data["clause_elsewhere"] and self.catalog[it.data["item"]].default_scope == "whole_record"
            leaf, used_default = self._leaf(it, attach[id(it)], global_window, questions, problems, t, default_scopes)
            used_default_window |= used_default
            if used_default:
                defaulted.append(it)
            leaves.append(leaf)

        # Separators between consecutive items.
        seps: list[str] = []
        for a, b in pairwise(items):
            between = [s for s in spans if a.end <= s.start and s.end <= b.start]
            kinds = {s.kind for s in between}
            free_between = "".join(c for i, c in enumerate(t.text[a.end : b.start]) if t.free[a.end + i])
            if "or" in kinds or free_between in ("か", "かまたは"):
                seps.append("or")
            elif any(s.kind == "and" and s.data.get("text", "") not in ("、", "，", ",") for s in between):
                seps.append("and")
            else:
                seps.append("list")
        # 「A、B又はC」: a bare comma list that ends in 又は is one disjunction (as in statutes).
        for k, sep in enumerate(seps):
            if sep != "or":
                continue
            j = k - 1
            while j >= 0 and seps[j] == "list" and t.text[items[j].end : items[j + 1].start] in ("、", "，", ","):
                seps[j] = "or"
                j -= 1
        markers = [s for s in spans if s.kind == "any_marker"]
        if markers:
            for m in markers:
                # Turn list separators before the marker (back to the last strong AND) into OR.
                k = max((j for j, it in enumerate(items) if it.end <= m.start), default=-1)
                # 「外国籍の家庭で、AかBのどちらか」: a clause ending in 「で、」 is a strong AND (the marker's list starts after it)
                while k >= 1 and seps[k - 1] == "list" and not re.search(r"で[、，,]+$", t.text[items[k - 1].end : items[k].start]):
                    seps[k - 1] = "or"
                    k -= 1
        # 「A、B又はCのうち2つ以上」「AかBかCのうち2つ以上」: a list joined only by 又は/か (read as one OR above)
        # right before a k-of-n frame is the counted set; its joiners separate the parts (see _k_of_n_joined).
        seps = _k_of_n_joined(t, spans, items, seps, notes)
        k = 0
        while k < len(seps):
            # 「スクールカウンセラー又は教育センターへの相談が3回以上」: two names of one item's records, joined by 又は
            # with nothing said of the first, are one condition (the records are the same, counted once).
            a, b = items[k], items[k + 1]
            if (seps[k] == "or" and a.data["item"] == b.data["item"] and not any(attach[id(a)].values())
                    and not any(x.data.get(key) for x in (a, b) for key in ("codes", "exclude_codes"))
                    and not any(attach[id(x)]["code"] for x in (a, b))):
                for sp in spans:
                    if sp.kind == "or" and a.end <= sp.start and sp.end <= b.start:
                        sp.kind = "same_item_or"  # no OR left to check (sanity)
                del items[k], leaves[k], seps[k]
                continue
            k += 1
        for k, sep in enumerate(seps):
            a, b = items[k], items[k + 1]
            if sep != "or" or attach[id(a)]["amount"] or attach[id(a)]["vague"] or attach[id(a)]["per_month"] or not attach[id(b)]["amount"]:
                continue
            unit = attach[id(b)]["amount"][0].data.get("unit")
            ca = self.catalog[a.data["item"]]
            if ca.type in ("integer", "decimal") and unit and UNIT_GROUPS.get(unit) == ITEM_UNIT_GROUP.get(ca.unit or ""):
                # 「欠席又は遅刻が直近3か月で10日以上」: the number may be said of both, or of their total
                amount_span = attach[id(b)]["amount"][0]
                amt = t.text[amount_span.start : amount_span.end]
                # a question with one-click answers: each item with the number (the total cannot be a rule yet)
                questions.append(f"「{amt}」は「{ca.name}」にもかかりますか。それぞれが{amt}なら下の選択肢を選んでください"
                                 "（合計が{amt}という条件は、まだルールにできません）。".replace("{amt}", amt))
                t.clarifications.append({"phrase": t.text[a.start : amount_span.end], "mode": "replace",
                                         "candidates": [_each_with(t.text, a, b, amount_span)]})
        condition = _combine(leaves, ["and" if s == "list" else s for s in seps])
        # 「A、又はBを受けていてC」: an 又は after a comma, with only comma-less ANDs after it, is the main break
        # (A or (B and C)); OR binds tighter than AND elsewhere (「AまたはBで、C」).
        gaps = [t.text[a.end : b.start] for a, b in pairwise(items)]
        main = [k for k, s in enumerate(seps) if s == "or" and any(
            sp.kind == "or" and items[k].end <= sp.start and sp.end <= items[k + 1].start and t.text[sp.start - 1] in "、，," for sp in spans)]
        if (len(main) == 1 and any(s != "or" for s in seps[main[0] + 1 :]) and not any(sp.kind == "k_of_n" for sp in spans)
                and not any(s != "or" and re.search(r"[、，,]", g) for s, g in zip(seps[main[0] + 1 :], gaps[main[0] + 1 :], strict=True))):
            k = main[0]
            parts = [_combine(leaves[: k + 1], ["and" if s == "list" else s for s in seps[:k]]),
                     _combine(leaves[k + 1 :], ["and" if s == "list" else s for s in seps[k + 1 :]])]
            condition = {"any": [x for p in parts for x in (p["any"] if "any" in p else [p])]}
        k_of_n = next((s for s in spans if s.kind == "k_of_n"), None)
        if k_of_n is not None and not (questions or problems):
            condition = _at_least(k_of_n, condition, seps, notes, problems)

        if "window" in default_scopes and self.ask_unstated_scope:
            # A counted record with no time word and no declared default: asked, the look-backs one click away.
            unstated = dict.fromkeys(self.catalog[it.data["item"]].name for it in (defaulted or items)
                                     if self.catalog[it.data["item"]].kind == "event" and self.catalog[it.data["item"]].default_scope is None)
            question = self.lex["scope_question"].format(items="」「".join(unstated))
            questions.append(question)
            t.clarifications.append({"phrase": "", "mode": "prefix", "question": question,
                                     "candidates": [p for _, p in self.lex["scope_alternatives"]],
                                     "labels": [label for label, _ in self.lex["scope_alternatives"]]})
        if questions or problems:
            return ParseResult(None, notes, questions, problems)

        for c in pop_conditions:
            condition = {"all": [condition, c]} if "all" not in condition else {"all": condition["all"] + [c]}

        # Points.
        if points_spans and re.match(rf"[、，,]?(?:{_alt(self.lex['second_rule_words'])})", t.text[points_spans[0].end :]):
            return ParseResult(None, notes, questions, [problem(
                "second_rule", "点数のあとに「さらに」などで別の条件が続いています。1つのルールには1つの点数しか付けられません。",
                hint="条件と点数の組ごとに1つずつルールを書いてください (例: 「直近3か月の欠席が10日以上で10点」と「…かつ遅刻が10日以上で5点」)。")])
        if len(points_spans) > 1:
            return ParseResult(None, notes, questions, [problem("points_twice", "点数が2回以上書かれています。1つにしてください。")])
        if points_spans:
            points = points_spans[0].data["points"]
            if not 1 <= points <= self.max_points:
                return ParseResult(None, notes, questions, [problem("points_limit", f"点数 {points}点 は設定の上限 ({self.max_points}点) を超えているか 1点未満です。",
                                                                    hint=f"1〜{self.max_points}点で指定してください。")])
        else:
            points = self.default_points
            notes.append(f"点数の指定がないため、既定の{points}点としました。")
        if used_default_window:
            scopes = "、".join(({"window": window_ja(DEFAULT_WINDOW)}.get(k) or "記録全体") for k in sorted(default_scopes, reverse=True))
            notes.append(f"期間の指定がないため、{scopes}で数えます (仮定です。選択肢から確認・変更できます)。")

        item_ids = [it.data["item"] for it in items]
        side_words = [sp.data["side"] for sp in spans if sp.kind == "side"]
        side = side_words[0] if len(set(side_words)) == 1 else _side([self.catalog[i] for i in item_ids])
        difficulties = explicit_diff or _difficulties([self.catalog[i] for i in item_ids])
        difficulty_question = None if explicit_diff else self._difficulty_question(
            [self.catalog[i] for i in dict.fromkeys(item_ids)], difficulties)
        rule = {
            "id": self.id_prefix + hashlib.sha256(normalize(source).encode()).hexdigest()[:10],
            "title": _title(source),
            "description": source.strip()[:4000],
            "difficulties": difficulties,
            "side": side,
            "condition": condition,
            "when_missing": "not_met",
            "points": points,
            "explanation": _explanation([self.catalog[i] for i in dict.fromkeys(item_ids)]),
        }
        if population:
            rule["population"] = population
        return ParseResult(rule, notes, questions, problems, condition=condition, population=population or None, points=points,
                           window_given=bool(windows), default_window=used_default_window,
                           difficulty_question=difficulty_question)

    # -- helpers -------------------------------------------------------------

    def _example_or_narrow(self, t: _Text, s: Span, questions: list[str], notes: list[str]) -> None:
        """「税金とか滞納」: an example word (とか, など) inside an item's phrase, with the part before it no name of
        the item, leaves open which records are meant: asked, the items sharing the word after it as answers.
        「父子家庭の子だけ」: a name narrower than its item (ひとり親世帯 does not tell 父子 from 母子), restricted
        with だけ/のみ: asked, the whole item as the answer."""
        lex, phrase = self.lex, s.data["phrase"]
        item = self.catalog[s.data["item"]]
        names = {normalize(n) for n in (item.name, *item.synonyms)}
        m = re.fullmatch(rf"(.+?)(?:{_alt(lex.get('example_words', []))})(.+)", phrase)
        if m and m.group(1) not in names:
            tail = tuple(tok.base for tok in tokenize(m.group(2)) if tok.is_content)
            others = sorted(self.index.token_items.get(tail, frozenset()) | self.index.keys.get(tail, frozenset()) | {item.id},
                            key=lambda i: (i != item.id, i))
            cands = [self.catalog[i].name for i in others[:3]]
            if len(cands) > 1:
                cands.append("または".join(cands))
            questions.append(lex["example_question"].format(phrase=phrase, item=item.name))
            t.clarifications.append({"phrase": phrase, "mode": "replace", "candidates": cands})
            return
        # 「精神障害者保健福祉手帳を持っている」: one kind of what the item counts together; the reading says so
        for word, ids in lex.get("narrower_words", {}).items():
            at = t.text.find(word, max(0, s.start - len(word)))
            if item.id in ids and at != -1 and at <= s.end and s.start <= at + len(word):
                notes.append(lex["narrower_note"].format(phrase=word, item=item.name))
        narrow = lex.get("narrow_names", {}).get(normalize(phrase))
        only = _alt(lex.get("only_words", []))
        if narrow == item.id and only and re.match(rf"(?:の(?:子|こども|子ども|児童|生徒|世帯|家庭))?(?:{only})", t.text[s.end :]):
            questions.append(lex["narrow_question"].format(phrase=phrase, item=item.name))
            t.clarifications.append({"phrase": phrase, "mode": "replace", "candidates": [item.name]})

    def _difficulty_question(self, items: list[CatalogItem], assumed: list[str]) -> dict[str, Any] | None:
        """A question when the items point to different difficulty types (none shared by all of them):
        「欠席日数」(不登校など) with 「就学援助」(貧困) may be meant for either, and the type decides
        which candidates a rule feeds. None when the type follows from the items."""
        typed = [i for i in items if i.difficulties]
        if len(typed) < 2 or set(typed[0].difficulties).intersection(*(i.difficulties for i in typed[1:])):
            return None
        primary = list(dict.fromkeys(i.difficulties[0] for i in typed))
        if len(primary) < 2:
            return None
        lex = self.lex
        hints = "、".join(lex["difficulty_item_hint"].format(name=i.name, difficulty=i.difficulties[0],
                                                             more="など" if len(i.difficulties) > 1 else "") for i in typed)
        question = lex["difficulty_question"].format(items=hints + "になる項目です", assumed="・".join(assumed))
        candidates = [[d] for d in primary] + ([primary] if len(primary) <= 3 else [])
        return {"question": question, "candidates": candidates}

    @staticmethod
    def _negated_list(t: _Text, neg: Span, items: list[Span], spans: list[Span]) -> list[Span]:
        """The items a negation after an all-marker negates each: 「A・Bのいずれにも該当しない」「AとBのどちらも
        受けていない」 (a list joined by ・/と/、/や right before the marker), and the items an exclusion after a
        list of them leaves out each: 「ただし、要対協に登録中の児童及び一時保護歴のある児童は除く」. Empty when
        there is no such list."""
        if "除" in neg.data.get("text", ""):
            start = max(t.text.rfind("。", 0, neg.start), t.text.rfind("ただし", 0, neg.start), t.text.rfind("但し", 0, neg.start))
            listed = [i for i in items if start >= 0 and start < i.start and i.end <= neg.start]
            joins = all(_EXCLUDED_JOIN.fullmatch(t.text[a.end : b.start]) for a, b in zip(listed, listed[1:], strict=False))
            if len(listed) >= 2 and joins and _EXCLUDED_TAIL.fullmatch(t.text[listed[-1].end : neg.start]):
                return listed
        marker = next((m for m in reversed(spans) if m.kind == "all_marker" and m.end <= neg.start and neg.start - m.end <= 8
                       and not any(sp.kind in ("item", "ambiguous", "amount") and m.end <= sp.start < neg.start for sp in spans)), None)
        if marker is None:
            return []
        before = [i for i in items if i.end <= marker.start]
        if not before or t.text[before[-1].end : marker.start] not in ("", "が", "は"):
            return []
        group = [before[-1]]
        for prev in reversed(before[:-1]):
            if t.text[prev.end : group[0].start] not in ("・", "と", "、", "や", ",", "及び", "および"):
                break
            group.insert(0, prev)
        return group if len(group) >= 2 else []

    def _age_item_near(self, s: Span, items: list[Span]) -> bool:
        return any(self.catalog[i.data["item"]].unit == "歳" and abs(i.center - s.center) < 12 for i in items)

    def _apply_age(self, population: dict[str, Any], s: Span, problems: list[dict[str, Any]]) -> None:
        op, v = s.data["op"], s.data["value"]
        if op == "between":
            lo, hi = v
        elif op == "=":
            lo = hi = v
        else:
            v = int(v)
            lo, hi = {">=": (v, None), ">": (v + 1, None), "<=": (None, v), "<": (None, v - 1)}[op]
        for key, val in (("age_min", lo), ("age_max", hi)):
            if val is None:
                continue
            if not 0 <= val <= 19:
                problems.append(problem("age_range", f"年齢 {val}歳 は対象にできる範囲 (0〜19歳) の外です。", phrase=f"{v}歳"))
                return
            population[key] = int(val)

    def _target(self, s: Span, items: list[Span], boundaries: list[Span], attach: dict[int, dict[str, list[Span]]],
                text: str = "") -> Span | None:
        if not items:
            return None
        if s.kind in ("negation", "negation_prefix", "past"):
            if s.kind == "negation_prefix":
                # 「未受診」: the item that follows; 「SSW未介入」: the word after 未 is no item, so the item before
                after = [i for i in items if i.start == s.end]
                before = [i for i in items if i.end == s.start]
                if not after and before:
                    return before[-1]
                after = [i for i in items if i.start >= s.end]
                return after[0] if after else None
            before = [i for i in items if i.end <= s.start]
            return before[-1] if before else None
        # Candidates: items not separated from the span by a conjunction.
        def separated(i: Span) -> bool:
            lo, hi = (i.end, s.start) if i.end <= s.start else (s.end, i.start)
            # 「欠席日数（昨年度）30日超。遅刻日数…」: an amount stays in its own sentence
            return any(lo <= b.start and b.end <= hi for b in boundaries) or "。" in text[lo:hi]

        cands = [i for i in items if not separated(i)] or items

        def dist(i: Span) -> tuple[float, int, int]:
            d = s.start - i.end if i.end <= s.start else i.start - s.end
            busy = 1 if attach[id(i)][s.kind] else 0
            prefer = 0 if (s.kind == "window") == (i.start >= s.end) else 1
            return (busy, d, prefer)

        return min(cands, key=dist)

    def _leaf(self, it: Span, mods: dict[str, list[Span]], global_window: int | None, questions: list[str],
              problems: list[dict[str, Any]], t: _Text, default_scopes: set[str]) -> tuple[dict[str, Any], bool]:
        """One comparison leaf; ``default_scopes`` collects the default look-backs used (``window``,
        ``whole_record``), which the reading states as assumptions."""
        item = self.catalog[it.data["item"]]
        phrase = it.data["phrase"]
        amounts = mods["amount"]
        negated = bool(mods["negation"])
        if mods["negation_prefix"] and not _negative_item(item):
            negated = True  # 「SSW未介入」「就学援助未受給」: 未 on an item that does not itself mean "not done"
        used_default = False
        if _negative_item(item) and not any(m in phrase for m in NEGATION_MARKS) and not it.data.get("negated_after_or"):
            # 「予防接種を2件以上受けていない」: the item already means "not done"; its 「受けていない」 is not a negation.
            if negated:
                negated = False
            elif not mods["negation_prefix"]:
                questions.append(
                    f"「{phrase}」を「{item.name}」と読みましたが、この項目は「していないこと」の記録です。"
                    f"していないことを条件にするなら「{item.name}」や「受けていない」と書いてください。"
                )
                return {}, False
        if len(amounts) == 2 and {a.data["op"] for a in amounts} <= {">=", ">", "<=", "<"} and len({a.data["op"][0] for a in amounts}) == 2:
            # 「10日以上30日未満」: a lower and an upper bound on the same item. On a guardian item the same
            # guardian must be within both bounds (「保護者の年齢が18歳以上19歳以下」): one range.
            lo_a, hi_a = sorted(amounts, key=lambda a: 0 if a.data["op"][0] == ">" else 1)
            lo_v, hi_v = lo_a.data["value"], hi_a.data["value"]
            if item.entity == "guardian" and isinstance(lo_v, int) and isinstance(hi_v, int):
                lo_v += 1 if lo_a.data["op"] == ">" else 0
                hi_v -= 1 if hi_a.data["op"] == "<" else 0
                if lo_v <= hi_v:
                    rng = Span(lo_a.start, hi_a.end, "amount", {**lo_a.data, "op": "between", "value": [lo_v, hi_v]})
                    return self._leaf(it, {**mods, "amount": [rng]}, global_window, questions, problems, t, default_scopes)
            bounds = [{**mods, "amount": [a]} for a in sorted(amounts, key=lambda x: x.start)]
            return self._leaves(it, bounds, "all", global_window, questions, problems, t, default_scopes, keep_empty=True)
        split = self._split_two_amounts(it, mods, t) if len(amounts) == 2 and item.kind == "event" else None
        if split is not None:
            # 「昨年度欠席30日こえてて今年度も10日以上」: each number with its own period;
            # 「通告が過去に3回以上、そのうち1回以上はネグレクト」: the second counts the named kind among them;
            # 「心の不調で5回以上、もしくは、けがで3回以上」: each kind with its own number, either
            joiner, split_mods = split
            return self._leaves(it, split_mods, joiner, global_window, questions, problems, t, default_scopes)
        if len(amounts) > 1:
            problems.append(problem("two_amounts", f"「{phrase}」に数値の条件が2つあります。", phrase=phrase, hint="1つの項目には1つの比較を書いてください (範囲なら 3〜5日)。"))
            return {}, False
        amount = amounts[0].data if amounts else None
        if amount and amount["unit"] and item.unit and amount["unit"] not in ("回", "件", "度", "つ", "個"):
            if UNIT_GROUPS.get(amount["unit"]) != ITEM_UNIT_GROUP.get(item.unit, item.unit) and not (item.kind == "event" and UNIT_GROUPS.get(amount["unit"]) == "month"):
                problems.append(problem("unit_mismatch", f"「{phrase}」の単位は{item.unit}ですが、「{amount['value']}{amount['unit']}」と書かれています。", phrase=phrase))
                return {}, False
        if mods["past"] and item.kind == "attribute" and item.id not in self.lex.get("historical_items", []):
            word = t.text[mods["past"][0].start : mods["past"][0].end]
            problems.append(problem(
                "past_state",
                f"「{phrase}…{word}」は過去の状態として書かれていますが、「{item.name}」は基準日時点の状態しか分かりません。",
                phrase=word,
                hint=f"基準日時点の「{item.name}」を条件にするなら「{phrase}を受けている」のように今の形で書いてください。",
            ))
            return {}, False
        past_time = [w for w in mods["time_word"] if t.text[w.start : w.end] in self.lex.get("past_time_words", [])]
        if (past_time and item.kind == "attribute" and item.id not in self.lex.get("historical_items", [])
                and not any(r in item.name for r in self.lex.get("record_suffixes", []))):
            # 「協議会の登録が過去にあった（現在は登録なし）」: a state at the reference date said of the past
            word = t.text[past_time[0].start : past_time[0].end]
            problems.append(problem(
                "past_state",
                f"「{phrase}」と「{word}」: 「{item.name}」は基準日時点の状態しか分かりません。過去のことなら、その記録の項目で書いてください。",
                phrase=word,
                hint=f"基準日時点の「{item.name}」を条件にするなら「{word}」を除いて書いてください。",
            ))
            return {}, False
        vague_in_name = [w for w in self.lex.get("vague_item_words", []) if w in phrase]
        if (mods["vague"] or vague_in_name) and amount is None:
            word = t.text[mods["vague"][0].start : mods["vague"][0].end] if mods["vague"] else vague_in_name[0]
            unit = item.unit or ("回" if item.kind == "event" else "")
            example = f"{'30' if unit == '日' else '3'}{unit}以上"
            questions.append(f"「{word}」とは、「{item.name}」がどのくらいからですか (例: {example})。" if word == phrase
                             else f"「{phrase}」が「{word}」とは、どのくらいからですか (例: {example})。")
            steps = self.lex.get("vague_suggestions", {}).get(unit, [])
            t.clarifications.append({"phrase": word, "mode": "replace", "candidates": [f"{n}{unit}以上" for n in steps]})
            return {}, False
        leaf: dict[str, Any] = {"item": item.id}
        if item.kind == "attribute":
            if amount is None:
                if item.type == "bool":
                    leaf.update(op="=", value=True)
                elif item.type in ("integer", "decimal") and ITEM_UNIT_GROUP.get(item.unit or "") in ("count", "day", "month", "person"):
                    leaf.update(op=">=", value=1)  # 「給食費の未納がある」: at least one
                elif item.type == "category" and item.codes and any(c.data["item"] == item.id for c in mods["code"]):
                    codes = sorted({c.data["code"] for c in mods["code"] if c.data["item"] == item.id})  # 「性別が女」
                    leaf.update(op="=", value=codes[0]) if len(codes) == 1 else leaf.update(op="in", value=codes)
                elif item.type == "category" and item.codes:
                    questions.append(f"「{phrase}」はどの区分ですか。候補: " + "、".join(c.label for c in item.codes))
                    t.clarifications.append({"phrase": phrase, "mode": "append", "candidates": [c.label for c in item.codes]})
                    return {}, False
                else:
                    questions.append(f"「{phrase}」の基準値はいくつですか (例: {item.name}が9{item.unit or ''}以上)。")
                    t.clarifications.append({"phrase": phrase, "mode": "append", "candidates": []})
                    return {}, False
            else:
                if item.type not in ("integer", "decimal"):
                    problems.append(problem("amount_on_flag", f"「{item.name}」は はい/いいえ の項目なので数値では比べられません。", phrase=phrase))
                    return {}, False
                value = amount["value"]
                if amount["op"] == "between" and item.range is not None and isinstance(value, list):
                    # 「10代の保護者」: bounds outside the item's range say nothing more (保護者の年齢 starts at 12)
                    lo_r, hi_r = item.range.min, item.range.max
                    value = [max(value[0], int(lo_r)) if lo_r is not None and value[1] >= lo_r else value[0],
                             min(value[1], int(hi_r)) if hi_r is not None and value[0] <= hi_r else value[1]]
                    amounts[0].data["value"] = value  # the span says what the rule uses (checked in sanity.py)
                leaf.update(op=amount["op"], value=value)
            if item.entity == "guardian" and any(sp.kind == "guardians_all" for sp in t.spans):
                leaf["guardians"] = "all"  # 「保護者全員が」
        else:
            own_record = (bool(mods["time_word"]) or bool(re.search(r"歴$", normalize(phrase)))
                          or ((any(a.data.get("record") for a in amounts)  # 「1回でも」: any time in the record
                               or t.text[it.end : it.end + 1] == "歴")  # 「虐待通告歴がない者のうち、直近1年間に…」
                              and (global_window is None or it.data.get("window_elsewhere", False)))
                          # 「直近6か月の欠席日数が20日以上で、教育相談の記録なし」: the records of another clause than the window's
                          or (bool(re.match(r"の?(?:記録|履歴)", t.text[it.end :])) and it.data.get("clause_elsewhere", False)))
            months = mods["window"][0].data["months"] if mods["window"] else ({"whole_record": True} if own_record else
                                                                              None if it.data.get("default_scope_kept") or it.data.get("other_sentence") else global_window)
            agg: dict[str, Any]
            if months is None and self._whole_record(t):
                months = {"whole_record": True}  # 過去に / 〜歴がある / 記録がある / 1回でも / これまでに
            if months is None and normalize(phrase).startswith("年間"):
                months = 12  # 「年間欠席日数」: the item's own word carries the year
            if months is None:  # no time word: the item's declared default (catalog ``default_scope``), stated
                used_default = True
                months = {"whole_record": True} if item.default_scope == "whole_record" else DEFAULT_WINDOW
                default_scopes.add(item.default_scope or "window")
            agg = dict(months) if isinstance(months, dict) else {"window_months": months}
            codes = sorted({c.data["code"] for c in mods["code"] if c.data["item"] == item.id and not c.data.get("exclude")}
                           | set(it.data.get("codes", ())))
            excluded = sorted(({c.data["code"] for c in mods["code"] if c.data["item"] == item.id and c.data.get("exclude")}
                               | set(it.data.get("exclude_codes", ()))) - set(codes))
            rest = normalize(phrase).replace(normalize(item.name), "")
            if not codes and rest and item.codes:
                # 「3歳児健診の未受診」「転入・転居の転入」: the item words name one of the item's codes.
                named = {c.code: c.label for c in item.codes if any(v in rest for v in _label_variants(c.label))}
                if 0 < len(named) < len(item.codes):
                    if any(rest in _label_variants(label) for label in named.values()):
                        # 「転入」 alone: a declared name of the whole item that is also one code's label. The
                        # word means that code (転入 is no 転居); the whole item is a one-click alternative.
                        label = next(iter(named.values()))
                        lex = self.lex
                        fmt = {"phrase": phrase, "item": item.name, "codes": "と".join(c.label for c in item.codes), "label": label}
                        # 「転居」 alone is also said of any move (引っ越し): the whole item, with a one-click narrowing.
                        kind = "code_whole" if rest in lex.get("whole_item_code_words", []) else "code_assumption"
                        t.assumptions.append({
                            "note": lex[f"{kind}_note"].format(**fmt),
                            "label": lex[f"{kind}_label"].format(**fmt),
                            "phrase": phrase,
                            "replacement": lex[f"{kind}_reply"].format(**fmt),
                        })
                        if kind == "code_whole":
                            named = {}
                    codes = sorted(named)
            if codes:
                agg["value_filter"] = {"op": "in", "value": codes} if len(codes) > 1 else {"op": "=", "value": codes[0]}
            elif excluded:  # 「体調不良・けが以外」「(その他を除く)」: every other code
                agg["value_filter"] = {"op": "not_in", "value": excluded} if len(excluded) > 1 else {"op": "!=", "value": excluded[0]}
            per_month = mods["per_month"]
            numeric = item.type in ("integer", "decimal")
            if mods.get("month_quant"):  # 「いずれか1か月でも…5日以上の月」「各月とも3日以上」「の最大が10日以上」
                quant = mods["month_quant"]
                word = t.text[quant[0].start : quant[0].end]
                every = {q.data["every"] for q in quant}
                if (len(every) > 1 or not (item.event_unit and "1か月" in item.event_unit)
                        or not (per_month or (amount and amount["op"] in (">=", ">", "<=", "<", "=")))):
                    problems.append(problem("month_quant", f"「{word}」がどの月の何の条件か読み取れませんでした。", phrase=word,
                                            hint="月ごとの条件は、例えば「直近3か月のうち5日以上の月が1か月以上」のように書いてください。"))
                    return {}, False
                if not per_month and amount:  # the number is each month's total: months passing it are counted
                    amounts[0].kind, amounts[0].data = "per_month", {"op": amount["op"], "value": amount["value"], "unit": amount["unit"]}
                    per_month, amount = [amounts[0]], None
                if every == {True}:
                    per_month[0].data["every"] = True
            if per_month and per_month[0].data.get("every") and not isinstance(agg.get("window_months"), int):
                problems.append(problem("every_month", f"「{t.text[per_month[0].start:per_month[0].end]}」の「毎月」は、何か月間のことですか。",
                                        phrase=t.text[per_month[0].start:per_month[0].end], hint="期間と一緒に書いてください (例: 直近3か月、毎月3日以上)。"))
                return {}, False
            if amount and amount.get("monthly_average") and not isinstance(agg.get("window_months"), int):
                problems.append(problem("monthly_average", f"「{amount['text']}」の平均は、何か月間の平均ですか。", phrase=amount["text"],
                                        hint="期間と一緒に書いてください (例: 直近3か月で月平均5日以上)。"))
                return {}, False
            if per_month:
                pm = per_month[0].data
                agg["value_filter"] = {"op": pm["op"], "value": pm["value"]}
                agg["fn"] = "count"
                op, value = (amount["op"], amount["value"]) if amount else (">=", 1)
                if pm.get("every"):  # 「毎月3日以上（直近3か月）」: every month of the window
                    op, value = ">=", agg["window_months"]
            elif amount and amount.get("monthly_average"):  # 「直近3か月で月平均5日以上」: the total over the window
                agg["fn"] = "sum"
                op, value = amount["op"], amount["value"] * agg["window_months"]
                amounts[0].data.update(value=value, monthly_value=amount["value"])  # the span says what the rule uses
            elif amount is None:
                if numeric:
                    agg["fn"] = "sum"
                    op, value = ">=", 1
                else:
                    agg["fn"] = "exists"
                    op, value = "=", True
            else:
                group = UNIT_GROUPS.get(amount["unit"], "")
                if numeric and group in ("day", "") or (numeric and group == "count" and item.unit == "日" and item.event_unit and "集計" in item.event_unit):
                    agg["fn"] = "sum"
                else:
                    agg["fn"] = "count"
                op, value = amount["op"], amount["value"]
            leaf.update(op=op, value=value, aggregate=agg)
        if negated:
            if leaf.get("aggregate", {}).get("fn") == "exists":
                leaf["value"] = False
            else:
                return {"not": leaf}, used_default
        return leaf, used_default

    def _leaves(self, it: Span, split: list[dict[str, list[Span]]], joiner: str, global_window: Any, questions: list[str],
                problems: list[dict[str, Any]], t: _Text, default_scopes: set[str],
                keep_empty: bool = False) -> tuple[dict[str, Any], bool]:
        """One item read as several leaves (one per set of modifiers), joined by ``joiner`` (all/any)."""
        parts = []
        used = False
        for part_mods in split:
            part, u = self._leaf(it, part_mods, global_window, questions, problems, t, default_scopes)
            if not part and not keep_empty:
                return {}, False
            parts.append(part)
            used |= u
        return {joiner: parts}, used

    @staticmethod
    def _split_two_amounts(it: Span, mods: dict[str, list[Span]], t: _Text) -> tuple[str, list[dict[str, list[Span]]]] | None:
        """Two numbers on one event item that are two conditions (with how they join), or None: each number after
        its own period (「昨年度…30日こえてて今年度も10日以上」), a count of a named kind among the records counted
        first (「3回以上あって、そのうち1回以上はネグレクト」), or each kind with its own number joined by "or"
        (「心の不調で5回以上、もしくは、けがで3回以上」)."""
        a1, a2 = sorted(mods["amount"], key=lambda a: a.start)
        if a1.start < it.end:
            return None
        windows = sorted(mods["window"], key=lambda w: w.start)
        if len(windows) == 2 and windows[0].end <= a1.start and a1.end <= windows[1].start and windows[1].end <= a2.start:
            return "all", [{**mods, "amount": [a1], "window": [windows[0]]}, {**mods, "amount": [a2], "window": [windows[1]]}]
        later_codes = [c for c in mods["code"] if c.start >= a1.end]
        first = [c for c in mods["code"] if c.end <= a1.start]
        if (len(windows) <= 1 and (not windows or windows[0].end <= a1.start) and later_codes
                and re.search(r"(?:その|この|これらの)?うち", t.text[a1.end : a2.start])
                and all(c.end <= a2.start or c.start >= a2.end for c in later_codes)):
            return "all", [{**mods, "amount": [a1], "code": first}, {**mods, "amount": [a2]}]
        second = [c for c in later_codes if c.end <= a2.start]
        if (len(windows) <= 1 and (not windows or windows[0].end <= a1.start) and first and second
                and len(second) == len(later_codes) and not {c.data["code"] for c in first} & {c.data["code"] for c in second}
                and re.match(r"[、,]?(?:もしくは|または|又は|若しくは|あるいは|か)[、,]?", t.text[a1.end : second[0].start].lstrip("、,"))
                and re.sub(r"^[、,]?(?:もしくは|または|又は|若しくは|あるいは|か)[、,]?", "", t.text[a1.end : second[0].start].lstrip("、,")) == ""):
            return "any", [{**mods, "amount": [a1], "code": first}, {**mods, "amount": [a2], "code": second}]
        return None

    def _window_for(self, mods: dict[str, list[Span]], global_window: Any) -> Any:
        if mods["window"]:
            return mods["window"][0].data["months"]
        return global_window


def _fix_typos(text: str, lex: dict[str, Any]) -> tuple[str, list[str]]:
    """IME slips of a comparison word right after a number (「10日異常」) and of stage words (「中学性」): the word meant,
    with a note for the reading (lexicon typo_after_number / typo_words)."""
    notes: list[str] = []

    def fix(m: re.Match[str], table: dict[str, str]) -> str:
        word = m.group("w")
        note = lex["typo_note"].format(typo=word, word=table[word])
        if note not in notes:
            notes.append(note)
        return m.group(0)[: m.start("w") - m.start()] + table[word]
    after = lex.get("typo_after_number", {})
    if after:
        text = re.sub(rf"\d(?:{UNIT[1:-2]})?(?P<w>{_alt(list(after))})", lambda m: fix(m, after), text)
    words = lex.get("typo_words", {})
    if words:
        text = re.sub(rf"(?P<w>{_alt(list(words))})", lambda m: fix(m, words), text)
    return text, notes


def _alt(words: list[str]) -> str:
    """A regex alternation of literal words, longest first."""
    return "|".join(map(re.escape, sorted(words, key=len, reverse=True)))


def _grade_bounds(lo: int, hi: int, op: str | None, top: int) -> tuple[int, int]:
    """A grade (range) with a comparison: 「5年生以上」 of 6 grades -> 5..6, 「2年生以下」 -> 1..2, 「3年生未満」 -> 1..2."""
    if op == "以上":
        return lo, top
    if op in ("以下", "まで"):
        return 1, lo
    if op == "未満":
        return 1, lo - 1
    return lo, hi


_LIST_INTRO_HEAD = r"^(?:次|以下|下記)の(?:各号|条件|項目|要件)?(?:の|を|が)?(?:うち)?(?:の)?(いずれか1つ|いずれか|どれか|すべて|全て|全部|いずれも|いずれにも)"
_LIST_SUBJECTS = r"(?:(?:世帯|家庭)の(?:児童生徒|児童|生徒|こども|子ども|子)|(?P<who>未就学児|乳幼児|小学生|中学生|小中学生)|児童生徒|児童|生徒|者|こども|子ども|子|世帯)?(?:とする)?"
_LIST_INTRO = re.compile(_LIST_INTRO_HEAD + r"(?:に該当する|を満たす|満たす|に当てはまる|にあてはまる|該当する)" + _LIST_SUBJECTS
                         + r"(?:を対象とする)?(?:をお願いします|をお願いしたい|を抽出したい|を出してほしい|を出してください)?[:。、]")
# 「次のすべてに該当(A、B、C)で20点」: the list in brackets right after the intro
_LIST_INTRO_BRACKETS = re.compile(_LIST_INTRO_HEAD + r"(?:に該当する|を満たす|満たす|に当てはまる|にあてはまる|該当する|に該当|該当)"
                                  + _LIST_SUBJECTS + r"\((?P<list>[^()]+)\)")


_PAREN_MARKERS = re.compile(r"(?:^|(?<=[、,。]))\(\d{1,2}\)|\(\d{1,2}\)(?=[^\d回件日か月歳点人年])")  # (1) (2) list markers


@lru_cache(maxsize=1)
def _count_before_all_re() -> re.Pattern[str]:
    lex = lexicon()
    return re.compile(
        rf"の?(?<!\d)\d+(?:{_alt(lex['k_of_n']['count_units'])})の?(?=(?:{_alt([w.removeprefix('の') for w in lex['all_markers']])}))")


def _count_before_all(text: str) -> str:
    """「…の3つすべてに該当」「次の3項目すべてに該当」: the count of the listed conditions before すべて/いずれも says
    nothing more than すべて (no comparison to ask about): read as 「…のすべてに該当」."""
    def listed_count(m: re.Match[str]) -> str:
        # 「生活保護・ひとり親・就学援助・給食費の滞納の4つのうち2つ以上」: a count that matches the list says no more
        listed = re.split(r"[・]", re.split(r"[、,。:：]", text[: m.start()])[-1])
        return "のうち" if len(listed) == int(m.group(1)) else m.group(0)
    text = re.sub(r"の(\d+)(?:つ|項目|個|条件)の?うち(?=\d)", listed_count, text)
    return _count_before_all_re().sub("の", text)


def _shared_arrears(text: str, lex: dict[str, Any]) -> str:
    """「市税も国保も両方滞納してる」「給食費と国保のどちらかを滞納」: one 滞納 said of two things owed is each one's
    arrears, joined as the words say (lexicon ``arrears_subjects``)."""
    subjects = lex.get("arrears_subjects", [])
    if not subjects:
        return text
    owed = _alt(list(subjects))
    pattern = (rf"(?<![一-龥])({owed})(?:も|と|や|・|、|か)({owed})(?:も|の)?、?(?P<how>両方とも|両方|どちらも|いずれも|とも|ともに|どちらか|いずれか|どっちか)?"
               rf"(?:が|を|に|で)?(?P<word>滞納|未納)")

    def each(m: re.Match[str]) -> str:
        join = "または" if m.group("how") in ("どちらか", "いずれか", "どっちか") or m.group(0)[len(m.group(1))] == "か" else "かつ"
        a, b = subjects[m.group(1)], subjects[m.group(2)]
        return f"{a}{m.group('word')}{join}{b}{m.group('word')}"
    return re.sub(pattern, each, text)


def _list_intro(text: str) -> str:
    """「次のいずれかに該当する児童:A、B」 -> 「A、Bのいずれか」; 「次のすべてを満たす者:A、B」 -> 「A、B」;
    「(1)」「(2)」 list markers become separators."""
    m = _LIST_INTRO.match(text)
    after = ""
    if m is None:
        m = _LIST_INTRO_BRACKETS.match(text)  # 「次のすべてに該当(A、B、C)で20点」: the list in brackets
        if m is None or "(" in m.group("list"):
            return text
        after = text[m.end() :]
        rest = m.group("list").strip("、。")
    else:
        rest = _PAREN_MARKERS.sub("、", text[m.end() :]).strip("、。")
        points = re.search(r"[、。]?((?:配点|加点)?(?:は|を)?\d+点(?:を)?(?:加点|加算|付与|とする)?)$", rest)
        if points:  # 「…(2)要対協の登録歴がある 6点」: the points are the rule's, no item of the list
            rest, after = rest[: points.start()].strip("、。"), "、" + points.group(1)
    anyof = m.group(1).startswith(("いずれか", "どれか"))
    if anyof and any(w in rest for w in ("かつ", "且つ", "及び", "および", "並びに", "であって", "または", "又は", "もしくは")):
        return text  # a list of compound conditions: the grouping is not read (the intro stays unread: a question)
    who = m.groupdict().get("who")  # 「次のいずれかに該当する未就学児」: the children the list is about
    return rest + ("のいずれか" if anyof else "") + (f"の{who}" if who else "") + after


@lru_cache(maxsize=1)
def _k_of_n_re() -> re.Pattern[str]:
    """「次のうち2つ以上に該当する児童:」「以下の4項目のうち3項目以上」「のいずれか2つ以上」「のうち2つ以上該当」
    (words: lexicon ``k_of_n``); the caller also wants a のうち/いずれか/該当 word (a bare 「2つ以上」 is no frame)."""
    k = lexicon()["k_of_n"]
    units = _alt(k["count_units"])
    mark = r"(?:、|\(\d{1,2}\))"  # ① (already 、) or (1)
    span = rf"{mark}(?:{_alt(k['range_words'])})(?:、|\((?P<last>\d{{1,2}})\))(?:{_alt(k['range_end_words'])})?の?"
    return re.compile(
        rf"(?:(?:{_alt(k['intro_words'])})の(?:(?P<n>\d+)(?:{units})の?|{span})?"
        rf"|(?<![\d])(?P<total>\d+)(?:{units})の?(?=(?:{_alt(k['of_words'])})))?"  # 「A、B、Cの3項目のうち2項目以上」
        rf"(?P<of>{_alt(k['of_words'])})?(?P<pick>{_alt(k['pick_words'])})?"
        rf"(?<!\d)(?P<k>\d+)(?:{units})以上(?:の(?:{_alt(k['list_nouns'])}))?"
        rf"(?P<met>(?:{_alt(k['met_words'])})(?:{_alt(k['verb_tails'])})*)?"
        rf"(?:{_alt(k['subject_words'])})?(?:を対象とする)?(?::、?)?")


def _k_of_n_frame(text: str) -> re.Match[str] | None:
    return next((m for m in _k_of_n_re().finditer(text) if m["of"] or m["pick"] or m["met"]), None)


def _k_of_n_bullets(source: str) -> str:
    """Line-leading bullets (「・A」「- A」) of a k-of-n text, or of a list after an intro (「次のいずれかに当てはまる子」),
    are list separators (before spaces are dropped)."""
    if _k_of_n_frame(normalize(source)) is None and not _LIST_INTRO.match(normalize(source.split("\n")[0]) + ":"):
        return source
    bullets = _alt(lexicon()["k_of_n"]["bullets"])
    # 「…で25点　・欠席 …　・遅刻 …」: a bullet after a space within the line is one too
    return re.sub(rf"(?m)(?:^|(?<=[ \t\u3000]))[ \t\u3000]*(?:{bullets})[ \t\u3000]*", "、", source)


def _k_of_n_list(text: str) -> tuple[str, re.Match[str] | None]:
    """The text with the listed set's markers ((1) (2), inline ・ bullets) as 、, and the k-of-n frame's match."""
    m = _k_of_n_frame(text)
    if m is None:
        return text, None

    def listed(part: str) -> str:
        part = _PAREN_MARKERS.sub("、", part)
        return part.replace("・", "、") if part.lstrip("、").startswith("・") else part

    before, after = listed(text[: m.start()]), listed(text[m.end() :])
    text = before + m.group(0) + after
    return text, _k_of_n_frame(text)


def _k_of_n_joined(t: _Text, spans: list[Span], items: list[Span], seps: list[str], notes: list[str]) -> list[str]:
    """「A、B又はCのうち2つ以上」「AかBかCのいずれか2つ以上」「A又はB又はCのうち2つ以上該当」: when every item
    of the text comes before the k-of-n frame and the list is joined by OR, or by commas and then OR (「A、B又はC」,
    read as one OR above, as in statutes), the joiners are the separators of the counted parts: list separators, their OR
    spans part boundaries (kind ``and``, ``k_of_n_part``; no OR left for sanity to find unused), a free 「か」
    claimed as one. Lists after the frame (「次のうち2つ以上:①A又はB ②C」) keep their ORs inside a part."""
    kn = next((s for s in spans if s.kind == "k_of_n"), None)
    if kn is None or len(items) < 2 or items[-1].end > kn.start or not re.fullmatch(r"l*o+", "".join(x[0] for x in seps)):
        return seps  # 「A又はB、C、Dのうち2つ以上」: an OR before a comma list stays one part (OR binds tighter)
    words = []
    for a, b in pairwise(items):
        joiners = [s for s in spans if s.kind == "or" and a.end <= s.start and s.end <= b.start]
        for s in joiners:
            s.kind, s.data = "and", {**s.data, "text": t.text[s.start : s.end], "k_of_n_part": True}
            words.append(t.text[s.start : s.end])
        free = [a.end + i for i, c in enumerate(t.text[a.end : b.start]) if t.free[a.end + i] and c == "か"]
        for i in free:
            t.claim(i, i + 1, "and", text="か", k_of_n_part=True)
            words.append("か")
    said = "」「".join(dict.fromkeys(w for w in words if w not in ("、", "，", ",")))
    if said:
        notes.append(f"「{said}」は、数える条件の区切りと読みました (どれか1つという意味ではありません)。")
    return ["list"] * len(seps)


def _at_least(kn: Span, condition: dict[str, Any], seps: list[str], notes: list[str], problems: list[dict[str, Any]]) -> dict[str, Any]:
    """The listed conditions (the parts of the top ``all``) counted: ``{"at_least": k, "of": parts}``
    (k = 1: ``any``, k = n: ``all``); a problem when the listed set is not read part by part."""
    phrase, k, stated = kn.data["text"], kn.data["k"], kn.data["n"]
    parts = condition["all"] if "all" in condition else [condition]
    hint = "数える条件を①②③や「、」で1つずつ並べてください (例: 次のうち2つ以上に該当：①欠席日数30日以上 ②就学援助)。"
    if "and" in seps:
        problems.append(problem("k_of_n_grouping", f"「{phrase}」で数える条件の区切りが読み取れませんでした (「かつ」などでつながった条件があります)。",
                                phrase=phrase, hint=hint))
    elif len(parts) < 2:
        problems.append(problem("k_of_n_too_few", f"「{phrase}」で数える条件が{len(parts)}つしか読み取れませんでした。", phrase=phrase, hint=hint))
    elif stated is not None and stated != len(parts):
        frame = kn.data.get("frame", phrase)
        problems.append(problem("k_of_n_count", f"「{frame}」とありますが、読み取れた条件は{len(parts)}つです。", phrase=frame,
                                hint="条件の数を確かめてください。" + hint))
    elif k > len(parts):
        problems.append(problem("k_of_n_too_many", f"「{phrase}」とありますが、数える条件は{len(parts)}つしかありません。", phrase=phrase,
                                hint=f"1〜{len(parts)}つ以上で書いてください。"))
    else:
        notes.append(f"「{phrase}」を、並べた{len(parts)}つの条件のうち{k}つ以上に当てはまること、と読みました。")
        return {"any": parts} if k == 1 else {"all": parts} if k == len(parts) else {"at_least": k, "of": parts}
    return condition


def _label_variants(label: str) -> set[str]:
    """A code label and its parts: 「発達・学習」-> 発達・学習, 発達, 学習; 「その他(不明)」-> 不明."""
    variants = {normalize(label)}
    inner = re.findall(r"\((.+?)\)", normalize(label))
    variants.update(v for v in inner if len(v) >= 2)
    variants.update(p for p in normalize(label).split("・") if len(p) >= 2)
    variants.update(v.replace("児健診", "健診") for v in list(variants))  # 「4か月健診」 of 「4か月児健診」
    return variants


def _each_with(text: str, a: Span, b: Span, amount: Span) -> str:
    """「欠席又は遅刻が直近3か月で10日以上」 -> 「欠席が直近3か月で10日以上または遅刻が直近3か月で10日以上」."""
    said = text[b.end : amount.end]  # what follows the second item, the window included
    return f"{text[a.start : a.end]}{said}または{text[b.start : b.end]}{said}"


def _num(s: str) -> int | float:
    f = float(s)
    return int(f) if f.is_integer() else f


def _combine(leaves: list[dict[str, Any]], seps: list[str]) -> dict[str, Any]:
    groups: list[list[dict[str, Any]]] = [[leaves[0]]]
    for sep, leaf in zip(seps, leaves[1:], strict=True):
        if sep == "or":
            groups[-1].append(leaf)
        else:
            groups.append([leaf])
    parts = [g[0] if len(g) == 1 else {"any": g} for g in groups]
    return parts[0] if len(parts) == 1 else {"all": parts}


def inferred_side(condition: dict[str, Any], catalog: Catalog) -> str:
    """Side from the organs of the items a condition reads (population filters on school.grade aside)."""
    ids = [leaf["item"] for leaf in leaves(condition) if leaf["item"] != "school.grade" and leaf["item"] in catalog]
    return _side([catalog[i] for i in ids]) if ids else "both"


def explanation_for(condition: dict[str, Any], catalog: Catalog) -> str:
    ids = dict.fromkeys(leaf["item"] for leaf in leaves(condition) if leaf["item"] in catalog)
    return _explanation([catalog[i] for i in ids])


def _side(items: list[CatalogItem]) -> str:
    organs = {i.organ for i in items}
    if organs == {"board_of_education"}:
        return "education"
    if organs == {"mayor"}:
        return "welfare"
    return "both"


def _difficulties(items: list[CatalogItem]) -> list[str]:
    counts: Counter[str] = Counter()
    order: list[str] = []
    for item in items:
        for d in item.difficulties:
            counts[d] += 1
            if d not in order:
                order.append(d)
    if not counts:
        return ["虐待"]
    best = max(counts.values())
    return [next(d for d in order if counts[d] == best)]


def _title(source: str) -> str:
    s = re.sub(r"\s+", " ", source.strip())
    return s[:60] + ("…" if len(s) > 60 else "")


def _explanation(items: list[CatalogItem]) -> str:
    parts = [f"{i.name}: {{{i.id}}}{i.unit or ''}" for i in items]
    return "該当した条件 — " + "、".join(parts)
