"""Words around a criterion that are no part of it: a story first (「冬でも半袖で来る子がいて…。」), a remark in
brackets (「（進路が心配）」), a restatement marker (「…。つまり」), a label defined in brackets right after it
(「長欠（今年度の欠席が30日以上）」).

Tried only when the whole text gives no rule: the criterion without the aside must read as a rule with no
question, and the aside must add nothing that rule leaves out (no item the rule does not use, no population,
points or side; numbers and periods only in a story the text itself restates with つまり). The reading says
which words were left out. Word lists: ``aside_*`` in lexicon.yaml.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from engine.rules.walk import leaf_items
from rulegen.offline.tokens import normalize, tokenize

if TYPE_CHECKING:
    from rulegen.offline.parser import OfflineParser, ParseResult

# Span kinds an aside may never carry: they would be conditions of their own.
_NEVER = frozenset({"stage", "grade", "points", "side", "code_word", "guardians_all", "guardian_any", "k_of_n", "per_month"})
# Allowed only in a story the text restates (「…つまり」).
_RESTATED_ONLY = frozenset({"amount", "window", "bare_amount"})
# The only kinds a remark in brackets may carry (「（欠席が多いので心配）」); anything else may be a condition.
_REMARK_KINDS = frozenset({"vague"})
_BRACKETS = re.compile(r"[（(]([^（()）]*)[）)]")


def _sentence_end(lex: dict[str, Any]) -> re.Pattern[str]:
    return re.compile("(?:" + "|".join(map(re.escape, lex.get("aside_sentence_ends", ["。", "…"]))) + ")+")


def candidates(text: str, lex: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(criterion, aside, kind) readings of ``text`` without one aside, most explicit first; kind is restated
    (a story before つまり), story (first sentences), remark (in brackets) or label (defined by brackets after it)."""
    markers = lex.get("aside_restatement_markers", [])
    if markers:
        # the last marker: what follows it is the criterion
        m = next(reversed(list(re.finditer("|".join(map(re.escape, sorted(markers, key=len, reverse=True))), text))), None)
        if m is not None and text[m.end() :].strip("、,。 　"):
            yield text[m.end() :].lstrip("、,。 　"), text[: m.start()].rstrip("、,。 　…"), "restated"
    ends = list(_sentence_end(lex).finditer(text))
    for e in ends:  # 「…子がいました。今年度、…」: the first sentences are the story
        rest = text[e.end() :]
        if rest.strip("、,。 　"):
            yield rest.lstrip("、,。 　"), text[: e.start()], "story"
    for m in _BRACKETS.finditer(text):  # 「（進路が心配）」: a remark in brackets
        yield text[: m.start()] + text[m.end() :], m.group(1), "remark"
        # 「長欠（今年度の欠席が30日以上）の児童生徒」: the label before brackets that define it with a number
        if re.search(r"[0-9０-９]", m.group(1)):
            head = re.split(r"[、,。]", text[: m.start()])[-1]
            if head.strip():
                yield text[: m.start() - len(head)] + m.group(1) + text[m.end() :], head, "label"


def _aside_ok(parser: OfflineParser, aside: str, kind: str, used: set[str]) -> bool:
    from rulegen.offline.parser import _Text

    t = _Text(normalize(aside))
    if any(w in t.text for w in parser.lex.get("aside_meaningful_words", [])):
        return False  # 「（身体・療育は除く）」: an exclusion or a restriction is a condition
    if kind == "remark" and not any(w in t.text for w in parser.lex.get("aside_remark_words", [])):
        return False  # 「（ぴよぴよ案件）」: a word of the city's own may be a condition; asked, not left out
    if kind == "remark" and any(len(v) >= 2 and v in t.text for i in used for c in parser.catalog[i].codes or () for v in _label_words(c.label)):
        return False  # 「（虐待もその他も）」: codes of an item of the rule
    parser._match_grades(t)
    parser._match_items(t, tokenize(t.text))
    parser._match_regular(t)
    for sp in t.spans:
        if sp.kind in _NEVER or (sp.kind in _RESTATED_ONLY and kind != "restated"):
            return False
        if kind == "remark" and sp.kind not in _REMARK_KINDS and not (sp.kind == "item" and sp.data["item"] in used):
            # 「（保健室登校の疑い）」: a guess about an item the rule already uses adds nothing
            return False
        if sp.kind == "item" and sp.data["item"] not in used:
            return False
        if sp.kind == "ambiguous" and not set(sp.data["items"]) & used:
            return False
    return True


def _label_words(label: str) -> set[str]:
    """A code label and its parts (「心の不調・相談」: 心の不調, 相談)."""
    n = normalize(label)
    return {n, *re.split(r"[・/()、]", n)} - {""}


def without_asides(parser: OfflineParser, text: str, failed: ParseResult) -> ParseResult | None:
    """The reading of ``text`` without an aside, when the whole text gives none (``failed``) and that reading
    is a rule with no question whose meaning the aside does not change; else None."""
    if failed.rule is not None:
        return None
    lex = parser.lex
    for criterion, aside, kind in candidates(text, lex):
        if not aside.strip() or len(criterion) >= len(text):
            continue
        result = parser._parse_text(criterion)
        if result.rule is None or result.questions:
            continue
        if not _aside_ok(parser, aside, kind, set(leaf_items(result.rule["condition"]))):
            continue
        result.rule["description"] = text.strip()[:4000]
        key = "aside_label_note" if kind == "label" else "aside_note"
        note = lex.get(key, "「{aside}」は状況の説明として読み、条件には入れていません。").format(aside=aside.strip("、,。 　…"))
        result.notes.append(note)
        return result
    return None
