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
_REMARK_KINDS = frozenset({"vague", "negation", "difficulty"})  # 「（援助につながっていない可能性）」「（不登校傾向の早期把握のため）」
# A purpose or a reason is a clause or two of its own: its commas and restatements are no conditions.
_REASON_KINDS = frozenset({"and", "restate"})
_BRACKETS = re.compile(r"[（(]([^（()）]*)[）)]")
_VAGUE_BEFORE = re.compile(r"(?:ずっと)?[一-龥]{1,4}[ぁ-ん]{0,2}(?:がち|気味|が多い|が多め)$")
# A short reason before ので/なので/ため (「は要注意なので」): tried as a remark; the remark words decide.
# What staff want to do with the list, said first (「子ども食堂におつなぎしたいので、」「案内を送るため、」).
_PURPOSE = re.compile(r"^([^、。,]{2,30}?(?:たい|る|ます)(?:ので|ため(?:に)?|から))[、,]")
# 「…2回以上あった子は、一度で終わらなかったという意味で重く見たいので、20点をつけたいです」: after the children
# the criterion names, a reason why they are wanted (lexicon ``aside_reason_subjects``, ``aside_reason_words``)
_POINTS_SAID = re.compile(r"(\d+)点")
_REASON = re.compile(r"(?<=[子児者帯庭])(?:は|が|も)?([^、。,（()）]{1,16}?)(?:なので|ので|だから|ですので|のため)(?=[、,]?[^、。]{0,20}$)")


def _sentence_end(lex: dict[str, Any]) -> re.Pattern[str]:
    return re.compile("(?:" + "|".join(map(re.escape, lex.get("aside_sentence_ends", ["。", "…"]))) + ")+")


def candidates(text: str, lex: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(criterion, aside, kind) readings of ``text`` without one aside, most explicit first; kind is restated
    (a story before つまり), story (first sentences), remark (in brackets), purpose (what the list is for, said
    first), reason (why the children named are wanted, after them) or label (defined by brackets after it)."""
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
    for e in reversed(ends):  # 「…遅刻は20日以上ある子。家の事情がありそうなので見たい」: a remark after the criterion
        if text[: e.start()].strip("、,。 　") and text[e.end() :].strip("、,。 　"):
            yield text[: e.end()], text[e.end() :], "remark"
    note = text.find("※")  # 「…20日以上　※YC疑い」: a note after the criterion
    if note > 0:
        yield text[:note], text[note + 1 :], "remark"
    subjects = "|".join(map(re.escape, sorted(lex.get("aside_reason_subjects", []), key=len, reverse=True)))
    for m in re.finditer(rf"(?:{subjects})(?:は|については|には|なら)、", text) if subjects else ():
        criterion, aside = text[: m.end() - 2].rstrip("はについ"), text[m.end() :]
        if not any(w in aside for w in lex.get("aside_reason_words", [])):
            continue
        points = _POINTS_SAID.search(aside)  # 「…ので、20点をつけたいです」: the points stay with the criterion
        if points:
            criterion, aside = f"{criterion}、{points.group(0)}", aside[: points.start()] + aside[points.end() :]
        yield criterion, aside, "reason"
    purpose = _PURPOSE.match(text)
    if purpose and text[purpose.end() :].strip("、,。 　"):
        yield text[purpose.end() :], purpose.group(1), "purpose"
    for m in _REASON.finditer(text):  # 「…来たことがある子は要注意なので抽出してください」: a reason in passing
        yield text[: m.start()] + text[m.end() :], m.group(1), "remark"
    for m in _BRACKETS.finditer(text):  # 「（進路が心配）」: a remark in brackets
        yield text[: m.start()] + text[m.end() :], m.group(1), "remark"
        # 「長欠（今年度の欠席が30日以上）の児童生徒」: the label before brackets that define it with a number
        if re.search(r"[0-9０-９]", m.group(1)):
            head = re.split(r"[、,。]", text[: m.start()])[-1]
            if head.strip():
                yield text[: m.start() - len(head)] + m.group(1) + text[m.end() :], head, "label"
            # 「ここ3か月ずっと休みがち（毎月10日以上休み）」: only the vague word is defined; the period stays
            vague = _VAGUE_BEFORE.search(text[: m.start()])
            if vague and vague.group(0) != head:
                yield text[: vague.start()] + m.group(1) + text[m.end() :], vague.group(0), "label"


def _aside_ok(parser: OfflineParser, aside: str, kind: str, used: set[str]) -> bool:
    from rulegen.offline.parser import _Text

    t = _Text(normalize(aside))
    if any(w in t.text for w in parser.lex.get("aside_meaningful_words", [])):
        return False  # 「（身体・療育は除く）」: an exclusion or a restriction is a condition
    if kind == "remark" and not any(w in t.text for w in parser.lex.get("aside_remark_words", [])):
        return False  # 「（ぴよぴよ案件）」: a word of the city's own may be a condition; asked, not left out
    remark = kind in ("remark", "purpose", "reason")  # a purpose or a reason is a remark that needs no remark word
    if remark and any(len(v) >= 2 and v in t.text for i in used for c in parser.catalog[i].codes or () for v in _label_words(c.label)):
        return False  # 「（虐待もその他も）」: codes of an item of the rule
    tokens = tokenize(t.text)
    weak = set(parser.lex.get("weak_tokens", []))
    for tok in tokens if remark else ():  # 「保険室が心配で」: a word of another item, or a typo of one, may be a condition
        if not tok.is_content or tok.base in parser._filler or tok.base in weak or len(tok.surface) < 2:
            continue
        named = parser.index.token_items.get((tok.base,), frozenset()) | parser.index.token_items.get((tok.surface.lower(),), frozenset())
        if named and not named & used:
            return False
    for run in re.findall(r"[一-龥]{2,}", t.text) if remark else ():  # 「保険室」: a typo of an item's name
        close = set(parser._close_items(run))
        if close and not close & used:
            return False
    parser._match_grades(t)
    parser._match_items(t, tokens)
    parser._match_regular(t)
    for sp in t.spans:
        if sp.kind in _NEVER or (sp.kind in _RESTATED_ONLY and kind != "restated"):
            return False
        if remark and sp.kind not in _REMARK_KINDS and not (kind != "remark" and sp.kind in _REASON_KINDS) and not (sp.kind == "item" and sp.data["item"] in used):
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


def defined_in_brackets(parser: OfflineParser, text: str, whole: ParseResult) -> ParseResult | None:
    """「ひとり親（児扶手受給 or ひとり親医療）」: an item word followed by brackets that list other items joined by
    "or" says what the word means here; the reading of the brackets replaces the word (the whole text read both
    as a condition ANDed with its own definition). None when the text has no such brackets."""
    if whole.rule is None:
        return None
    ors = [w.strip() for w in parser.lex.get("or_words", []) if w.strip()]
    for m in _BRACKETS.finditer(text):
        inner = m.group(1)
        if not any(w in inner for w in ors) or any(w in inner for w in parser.lex.get("aside_meaningful_words", [])):
            continue
        if re.search(r"も(?![のう])", inner):  # 「（就学援助または児童扶養手当も受けている）」: a further condition
            continue
        head = re.split(r"[、,。&＆]", text[: m.start()])[-1]
        if not head.strip() or head.rstrip().endswith(tuple(w for w in (*parser.lex.get("and_words", []), *ors) if w.strip())):
            continue  # 「ひとり親かつ（生活保護または就学援助）」: brackets that group, after an and/or word
        alone = parser._parse_text(head)
        inside = parser._parse_text(inner)
        if alone.rule is None or inside.rule is None or inside.questions:
            continue
        head_items = set(leaf_items(alone.rule["condition"]))
        inner_items = set(leaf_items(inside.rule["condition"]))
        if len(head_items) != 1 or head_items & inner_items or len(inner_items) < 2:
            continue
        result = parser._parse_text(text[: m.start() - len(head)] + inner + text[m.end() :])
        if result.rule is None or result.questions:
            continue
        result.rule["description"] = text.strip()[:4000]
        note = parser.lex.get("aside_definition_note", "「{head}」は括弧の中の条件 ({inner}) のことと読みました。").format(head=head.strip(), inner=inner.strip())
        result.notes.append(note)
        return result
    return None
