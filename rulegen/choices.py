"""Clickable answers to the drafter's questions (issue 14, item 8).

Each choice is ``{"question_index": int, "label": str, "reply": str}``: ``reply`` is a whole message
which, sent as the next conversation turn, answers the question without retyping: the staff's text
with the chosen candidate put where the question arose. ``question_index`` -1 marks a choice about
a stated assumption (e.g. the default look-back window) of a draft that is already valid. A choice
may carry ``note``: what the reading says after the click (「「〜」を除いて読みました」, see
``rulegen.conversation``).

A clarification (``{"phrase", "mode", "candidates"}``) says what a question asks about; ``mode``
"replace"/"append" put a short candidate where the phrase is, "prefix" puts it before the whole text,
"text" candidates are whole replies.
Optional ``labels`` and ``notes`` run parallel to ``candidates``; ``question`` names the question
answered when the phrase is not quoted in it.
"""

from __future__ import annotations

import difflib
import re
import threading
from typing import Any

from engine.catalog.model import DIFFICULTIES
from rulegen.offline.tokens import normalize, tokenize


def _applied(text: str, clarification: dict[str, Any], candidate: str) -> str | None:
    phrase, mode = clarification.get("phrase", ""), clarification.get("mode")
    if mode == "text":  # the candidate is the whole reply
        return candidate
    if mode == "prefix":  # 「過去1年間に」 + the whole text
        return candidate + text
    if not phrase or phrase not in text:
        return None
    if mode == "append":
        return text.replace(phrase, f"{phrase}が{candidate}", 1)
    return text.replace(phrase, candidate, 1)


def question_choices(source: str, questions: list[str], clarifications: list[dict[str, Any]]) -> list[dict[str, Any]]:
    text = normalize(source)
    out: list[dict[str, Any]] = []
    for clar in clarifications:
        phrase = clar.get("phrase", "")
        if clar.get("question") in questions:  # the question it answers, when its phrase is not quoted in it
            index = questions.index(clar["question"])
        else:
            index = next((i for i, q in enumerate(questions) if phrase and phrase in normalize(q)), 0)
        labels, notes = clar.get("labels") or [], clar.get("notes") or []
        for k, cand in enumerate(clar.get("candidates") or []):
            reply = _applied(text, clar, cand)
            if reply is not None and reply != text:
                choice = {"question_index": index, "label": labels[k] if k < len(labels) else cand, "reply": reply}
                if k < len(notes) and notes[k]:
                    choice["note"] = notes[k]  # said in the reading after the click (「「〜」を除いて読みました」)
                out.append(choice)
    return out


def scope_alternatives() -> list[tuple[str, str]]:
    """The look-backs offered with one click (lexicon ``scope_alternatives``): (label, words put before the text)."""
    from rulegen.offline.parser import lexicon

    return [(str(label), str(prefix)) for label, prefix in lexicon()["scope_alternatives"]]


def assumption_choices(source: str) -> list[dict[str, Any]]:
    """The alternatives to a draft's default look-back (a stated assumption)."""
    text = normalize(source)
    return [{"question_index": -1, "label": label, "reply": prefix + text} for label, prefix in scope_alternatives()]


def reading_choices(source: str, assumptions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One choice per stated assumption of a valid draft (「転入」 read as all of 転入・転居): the reply is the
    staff's text with the phrase replaced by the alternative reading."""
    text = normalize(source)
    out: list[dict[str, Any]] = []
    for a in assumptions:
        phrase = a.get("phrase", "")
        if phrase and phrase in text:
            out.append({"question_index": -1, "label": a["label"], "reply": text.replace(phrase, a["replacement"], 1)})
    return out


def difficulty_choices(question_index: int, candidates: list[list[str]]) -> list[dict[str, Any]]:
    """One choice per candidate difficulty type (or combination) of an assumed 困難の種類; the reply is a
    follow-up edit (「困難の種類を貧困にして」) of the draft, read by ``rulegen.offline.edits``."""
    from rulegen.offline.parser import lexicon

    lex = lexicon()
    out: list[dict[str, Any]] = []
    for types in candidates:
        joined = "・".join(types)
        label = joined if len(types) == 1 else lex["difficulty_both_label"].format("と".join(types))
        out.append({"question_index": question_index, "label": label, "reply": lex["difficulty_reply"].format(joined)})
    return out


# -- one-click answers for every question of the offline drafter (issue 14, item 8) ---------------------
#
# The parser calls ``clarify`` once a text gave no rule. It turns the problems that a short answer can
# settle (an unread phrase, a number with no item, a text naming only a difficulty type) into questions
# with candidates, fills in candidates where a question had none (a threshold of an item, an item that
# records something not done), and keeps only candidates whose reply, read again, gives a rule or a
# narrower question (never the same question again). Staff-facing wording is in the lexicon
# (section ``click_*``); the candidates come from the catalog (names, synonyms, units, difficulty types).

_CLARIFYING = threading.local()
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
_PARENS = re.compile(r"\([^()]*\)")


def clarify(text: str, result: Any, spans: list[Any], parser: Any) -> None:
    """The parser's hook: ``result`` (a ``ParseResult`` without a rule) gets clickable questions, in place.
    Replies are read once each (never recursively: a nested read adds no candidates)."""
    if result.rule is not None or getattr(_CLARIFYING, "active", False):
        return
    _CLARIFYING.active = True
    try:
        _Clarifier(text, result, spans, parser).run()
    finally:
        _CLARIFYING.active = False


def threshold_candidates(item: Any, lex: dict[str, Any], word: str = "") -> list[str]:
    """Typical thresholds of an item as answers (「10日以上」「30日以上」); below (「20歳未満」) after a word
    that says "low" (低い, 若い, 少ない)."""
    unit = item.unit or ("回" if item.kind == "event" else "")
    steps = lex.get("click_thresholds", {}).get(item.id) or lex.get("vague_suggestions", {}).get(unit) \
        or lex.get("click_thresholds", {}).get(unit) or []
    below = any(w in word for w in lex.get("click_low_words", []))
    return [f"{n}{unit}{'未満' if below else '以上'}" for n in steps]


def _issues(result: Any) -> tuple[str, ...]:
    return (*result.questions, *(p["message"] for p in result.problems))


def _is_kana(ch: str) -> bool:
    return "\u3040" <= ch <= "\u30ff" or ch == "ー"


class _Clarifier:
    def __init__(self, text: str, result: Any, spans: list[Any], parser: Any):
        self.text, self.result, self.spans, self.parser = text, result, spans, parser
        self.catalog, self.lex = parser.catalog, parser.lex
        self.base = _issues(result)
        self._read: dict[str, int | None] = {}
        self.issue_of: dict[str, str] = {}  # a question added here -> the problem it asks about
        self._issue = ""

    # A reply's worth: 0 a rule, 1 a narrower question, None not an answer (no change, or the same question).
    def verdict(self, reply: str, issue: str) -> int | None:
        if reply in self._read:
            return self._read[reply]
        out: int | None = None
        if reply.strip() and reply != self.text:
            r = self.parser.parse(reply)
            issues = _issues(r)
            if r.rule is not None:
                out = 0
            elif issues and issue not in issues and len(issues) <= len(self.base) and issues != self.base:
                out = 1
        self._read[reply] = out
        return out

    def keep(self, phrase: str, issue: str, cands: list[tuple[str, str, str]], limit: int = 6) -> list[tuple[str, str, str]]:
        """(reply, label, note) candidates, each reply a whole text, that answer ``issue``; rules first."""
        scored: list[tuple[int, int, tuple[str, str, str]]] = []
        for k, (reply, label, note) in enumerate(cands):
            v = self.verdict(reply, issue)
            if note and v != 0:
                continue  # leaving words out is offered only where the rest reads as a rule
            if v is not None and all(reply != c[2][0] for c in scored):
                scored.append((v, k, (reply, label, note)))
        return [c for _, _, c in sorted(scored)][:limit]

    def swap(self, phrase: str, rep: str) -> str:
        return self.text.replace(phrase, rep, 1)

    def add(self, question: str, phrase: str, cands: list[tuple[str, str, str]]) -> None:
        clar: dict[str, Any] = {"phrase": phrase, "mode": "text", "candidates": [c[0] for c in cands],
                                "labels": [c[1] for c in cands]}
        if any(c[2] for c in cands):
            clar["notes"] = [c[2] for c in cands]
        self.result.questions.append(question)
        self.result.clarifications.append(clar)
        self.issue_of.setdefault(question, self._issue)

    def run(self) -> None:
        self.refine_existing()
        for p in list(self.result.problems):  # the problem stays (it says what went wrong); the question asks
            self.problem_question(p)
        self.drop_all_unread()
        self.named_item_questions()
        if not any(c.get("candidates") for c in self.result.clarifications) and self.base:
            # nothing else to click (「経済的に苦しい家庭の子」): the items a concept of the lexicon points to
            self.difficulty_question({"message": self.base[0]})
        self.first_answers_together()

    def first_answers_together(self) -> None:
        """Several questions (「修学援助」は「就学援助」のことですか; 「欠課」は…): each question's first answer,
        all at once, as one more choice of the first question, when together they read as a rule. An answer
        is bundled only while its question is still asked (「10日以上」はどの項目の数ですか is settled by
        reading 「欠課」 as 欠席日数), and only when no single answer gives a rule by itself."""
        questions = self.result.questions
        firsts: dict[int, dict[str, Any]] = {}
        for c in question_choices(self.text, questions, self.result.clarifications):
            firsts.setdefault(c["question_index"], c)
        if len(firsts) < 2 or any(self.verdict(c["reply"], "") == 0 for c in firsts.values()):
            return
        text, accepted = self.text, list[tuple[int, int, str, str]]()

        def applied(edits: list[tuple[int, int, str, str]]) -> str:
            out = text
            for start, end, rep, _ in sorted(edits, reverse=True):
                out = out[:start] + rep + out[end:]
            return out

        for k in sorted(firsts):
            c = firsts[k]
            if c.get("note"):
                continue  # leaving words out is never bundled
            reply = c["reply"]
            pre = next((i for i, (x, y) in enumerate(zip(text, reply, strict=False)) if x != y), min(len(text), len(reply)))
            suf = 0
            while suf < min(len(text), len(reply)) - pre and text[-1 - suf] == reply[-1 - suf]:
                suf += 1
            edit = (pre, len(text) - suf, reply[pre : len(reply) - suf], c["label"])
            if any(not (edit[1] <= e[0] or e[1] <= edit[0]) for e in accepted):
                continue
            if accepted and self.issue_of.get(questions[k], questions[k]) not in _issues(self.parser.parse(applied(accepted))):
                continue  # settled by an earlier answer
            accepted.append(edit)
        if len(accepted) < 2:
            return
        reply = applied(accepted)
        if self.verdict(reply, "") != 0:
            return
        label = self.lex["click_together_label"].format(labels="、".join(e[3] for e in accepted))
        self.result.clarifications.append({"phrase": "", "question": questions[min(firsts)], "mode": "text",
                                           "candidates": [reply], "labels": [label]})

    # -- questions the parser already asks ----------------------------------------------------------

    def refine_existing(self) -> None:
        lex = self.lex
        asked = {c.get("phrase") for c in self.result.clarifications}
        for clar in self.result.clarifications:
            phrase = clar.get("phrase", "")
            issue = next((q for q in self.result.questions if phrase and phrase in q), "")
            own = self.item_for(phrase)
            if not clar.get("candidates") or phrase in lex.get("click_low_words", []):
                # 「EPDSの基準値はいくつですか」: typical thresholds of the item; 「年齢が低い」: below them
                item = own or self.item_near(phrase)
                if item is not None:
                    clar["candidates"] = threshold_candidates(item, lex, phrase) or clar.get("candidates") or []
            if own is not None and clar.get("mode") == "replace" and issue.startswith(f"「{phrase}」とは"):
                # 「多子」とは…どのくらいからですか: the item word is replaced, so the answer names the item
                clar["candidates"] = [c if own.name in c else f"{normalize(own.name)}が{c}" for c in clar.get("candidates") or []]
            if clar.get("mode") == "replace" and clar.get("candidates") and set(clar["candidates"]) <= self.item_names():
                self.more_items(clar, issue)
            if clar.get("candidates") and clar.get("mode") != "text":  # only answers that change the question
                clar["candidates"] = [c for c in clar["candidates"]
                                      if self.verdict(_applied(self.text, clar, c) or self.text, issue) is not None]
            if not clar.get("candidates") and phrase and phrase in self.text and issue:
                # nothing to choose from (「短期被保険者証が多い」: a yes/no item has no amount): leaving the word out
                drop = self.keep(phrase, issue, [(self.swap(phrase, ""), lex["click_drop_label"].format(phrase=phrase),
                                                  lex["click_drop_note"].format(phrase=phrase))])
                if drop:
                    clar.update(mode="text", candidates=[c[0] for c in drop], labels=[c[1] for c in drop], notes=[c[2] for c in drop])
        # A question with no clarification about an item phrase (「予防接種」を「予防接種の未接種数」と読みましたが…):
        # the item's own name is the answer.
        for q in list(self.result.questions):
            if any(c.get("phrase") and c["phrase"] in q for c in self.result.clarifications):
                continue
            for sp in self.spans:
                if sp.kind != "item" or sp.data.get("phrase") in asked or f"「{sp.data.get('phrase')}」" not in q:
                    continue
                item = self.catalog[sp.data["item"]]
                cands = self.keep(sp.data["phrase"], q, [(self.swap(sp.data["phrase"], normalize(item.name)), item.name, "")])
                if cands:
                    self.result.clarifications.append({"phrase": sp.data["phrase"], "mode": "text",
                                                       "candidates": [c[0] for c in cands], "labels": [c[1] for c in cands]})
                    break

    def item_names(self) -> set[str]:
        return {it.name for it in self.catalog.items}

    def more_items(self, clar: dict[str, Any], issue: str) -> None:
        """A question among items (「「非行相談」はどの項目のことですか」) also offers an item's code that the
        phrase names (家庭児童相談の非行相談) and the items close by characters (「保険室」-> 保健室来室)."""
        raw = clar["phrase"]
        phrase, extra = normalize(raw), []
        for it in self.catalog.items:
            for code in it.codes or ():
                label = normalize(code.label).split("(")[0]
                if len(phrase) < 2 or not (phrase == label or phrase in label) or it.name == phrase:
                    continue
                at = self.text.find(label)
                # the label written out around the phrase (「心の不調・相談」) is replaced as a whole
                reply = (self.text[:at] + f"{normalize(it.name)}の{label}" + self.text[at + len(label):] if at >= 0
                         else self.swap(raw, f"{normalize(it.name)}の{label}"))
                extra.append((reply, f"{it.name}（{code.label}）"))
        extra += [(self.swap(raw, normalize(it.name)), it.name) for it in self.close_items(phrase) if it.name not in clar["candidates"]]
        extra = [(c, label) for c, label in extra if self.verdict(c, issue) is not None]
        if not extra:
            return
        names = [label for _, label in extra]
        own = [(self.swap(raw, c), c) for c in clar["candidates"]]
        own = [(r, c) for r, c in own if self.verdict(r, issue) is not None]
        clar.update(mode="text", candidates=[r for r, _ in extra + own], labels=names + [c for _, c in own])
        if issue in self.result.questions:
            k = self.result.questions.index(issue)
            self.result.questions[k] = issue + self.lex["click_more_items"].format(names="、".join(f"「{n}」" for n in names))
            clar["question"] = self.result.questions[k]

    def item_for(self, phrase: str) -> Any:
        for sp in self.spans:
            if sp.kind == "item" and sp.data.get("phrase") == phrase:
                return self.catalog[sp.data["item"]]
        return None

    def item_near(self, word: str) -> Any:
        at = self.text.find(word)
        items = [sp for sp in self.spans if sp.kind == "item" and sp.end <= at]
        return self.catalog[max(items, key=lambda s: s.end).data["item"]] if items else None

    # -- problems a short answer settles --------------------------------------------------------------

    def problem_question(self, p: dict[str, Any]) -> bool:
        code, phrase, lex = p.get("code"), p.get("phrase", ""), self.lex
        self._issue = p["message"]
        if code == "unread_phrase" and phrase:
            cands = self.unread_candidates(phrase)
            cands = self.keep(phrase, p["message"], cands)
            if cands:
                self.add(lex["click_unread_question"].format(phrase=phrase), phrase, cands)
                return True
            if all(note for _, _, note in self.unread_candidates(phrase)):  # no item close to it, only leaving it out
                p["message"] += lex["click_no_item_note"]  # nothing to offer: say why (「部活」 is in no catalog item)
        elif code == "amount_without_item" and phrase:
            cands = self.keep(phrase, p["message"], self.amount_candidates(phrase), limit=4)
            if cands:
                self.add(lex["click_amount_question"].format(phrase=phrase), phrase, cands)
                return True
        elif code == "no_item":
            return self.difficulty_question(p)
        elif code in ("two_amounts", "amount_on_flag"):
            if code == "two_amounts":
                return self.one_amount(p["message"], lex["click_amount_kept_question"], keep_one=True)
            return self.one_amount(p["message"], lex["click_flag_question"].format(phrase=phrase), keep_one=False)
        elif code == "past_state" and phrase:
            forms = lex.get("click_present_forms", {})
            cands = [(self.swap(phrase, forms[w] + phrase[len(w):]), lex["click_present_label"].format(word=forms[w]), "")
                     for w in sorted(forms, key=len, reverse=True) if phrase.startswith(w)][:1]
            cands = self.keep(phrase, p["message"], cands)
            if cands:
                self.add(lex["click_present_question"].format(phrase=phrase), phrase, cands)
                return True
        return False

    def drop_all_unread(self) -> None:
        """Several unread phrases (「経済」「苦しい」): leaving them all out, with one click, when the rest reads as a rule."""
        unread = [p["phrase"] for p in self.result.problems if p.get("code") == "unread_phrase" and p.get("phrase") in self.text]
        if len(unread) < 2:
            return
        reply = self.text
        for phrase in unread:
            reply = reply.replace(phrase, "", 1)
        both = "」「".join(unread)
        cand = (reply, self.lex["click_drop_label"].format(phrase=both), self.lex["click_drop_note"].format(phrase=both))
        question = self.lex["click_unread_question"].format(phrase=unread[0])
        clar = next((c for c in self.result.clarifications if c.get("phrase") == unread[0] and c.get("mode") == "text"), None)
        if not self.keep(reply, "", [cand]):
            return
        if clar is None:
            self.add(question, unread[0], [cand])
        else:
            clar["candidates"].append(cand[0])
            clar["labels"].append(cand[1])
            clar["notes"] = [*(clar.get("notes") or [""] * (len(clar["candidates"]) - 1)), cand[2]]

    def named_item_questions(self) -> None:
        """「「保育園を…休ん」は「保育所等の欠席日数」のことですか」 with nothing to click: the item words in the
        phrase replaced by the item the question names."""
        names = {f"「{it.name}」": it for it in self.catalog.items}
        for q in list(self.result.questions):
            if any(c.get("candidates") and (c.get("question") == q or c.get("phrase") and c["phrase"] in q)
                   for c in self.result.clarifications):
                continue
            named = [it for key, it in names.items() if key in q]
            cands = []
            for it in named:
                for sp in self.spans:
                    if sp.kind == "item" and f"「{sp.data.get('phrase')}" in q and sp.data["item"] != it.id:
                        reply = self.text[: sp.start] + normalize(it.name) + self.text[sp.end :]
                        cands.append((reply, self.lex["click_item_label"].format(name=it.name), ""))
            cands = self.keep("", q, cands, limit=3)
            if cands:
                self.result.clarifications.append({"phrase": "", "question": q, "mode": "text", "candidates": [c[0] for c in cands],
                                                   "labels": [c[1] for c in cands]})

    def one_amount(self, issue: str, question: str, keep_one: bool = True) -> bool:
        """Two comparisons where the rule takes one (or a yes/no item with a number): each one kept alone, or none."""
        amounts = sorted((sp for sp in self.spans if sp.kind == "amount"), key=lambda sp: sp.start)
        cands = []
        for keep in ([*amounts] if keep_one else [None]):
            drop = [a for a in amounts if a is not keep]
            reply = self.text
            for a in sorted(drop, key=lambda sp: -sp.start):
                reply = reply[: a.start] + reply[a.end :]
            label = (self.lex["click_amount_keep_label"].format(phrase=self.text[keep.start : keep.end]) if keep is not None
                     else self.lex["click_amount_none_label"])
            note = self.lex["click_amount_drop_note"].format(phrase="」「".join(self.text[a.start : a.end] for a in drop))
            cands.append((reply, label, note))
        if not amounts:
            return False
        cands = self.keep(self.text, issue, cands, limit=4)
        if not cands:
            return False
        if question not in self.result.questions:
            self.result.questions.append(question)
        self.result.clarifications.append({"phrase": "", "question": question, "mode": "text", "candidates": [c[0] for c in cands],
                                           "labels": [c[1] for c in cands], "notes": [c[2] for c in cands]})
        return True

    def unread_candidates(self, phrase: str) -> list[tuple[str, str, str]]:
        lex = self.lex
        # An item for the whole run of kanji/latin the phrase is in (「要対協」 for an unread 「対」).
        at = self.text.find(phrase)
        lo, hi = at, at + len(phrase)
        while lo > 0 and not _is_kana(phrase[0]) and not _is_kana(self.text[lo - 1]) and self.text[lo - 1].isalnum() and not self.text[lo - 1].isdigit():
            lo -= 1
        while hi < len(self.text) and not _is_kana(phrase[-1]) and not _is_kana(self.text[hi]) and self.text[hi].isalnum() and not self.text[hi].isdigit():
            hi += 1
        word = self.text[lo:hi]
        out = [(self.text[:lo] + normalize(it.name) + self.text[hi:], lex["click_item_label"].format(name=it.name), "")
               for it in self.close_items(word)]
        end = at + len(phrase)
        for tok in tokenize(self.text):  # with the endings of a dropped verb or adjective (「高かっ」+「た」)
            if tok.start == end and tok.pos == "助動詞":
                end = tok.end
        dropped = self.text[at:end]
        out.append((self.text[:at] + self.text[end:], lex["click_drop_label"].format(phrase=dropped),
                    lex["click_drop_note"].format(phrase=dropped)))
        for m in _PARENS.finditer(self.text):  # 「（ヤングケアラーの可能性）」: the aside the phrase is in
            if m.start() < at and at + len(phrase) < m.end():
                aside = m.group(0)
                out.append((self.text[: m.start()] + self.text[m.end() :], lex["click_drop_label"].format(phrase=aside),
                            lex["click_drop_note"].format(phrase=aside)))
        return out

    def close_items(self, phrase: str, limit: int = 3) -> list[Any]:
        """Items whose name or a synonym shares most of the phrase's kanji (「欠積」-> 欠席日数, 「差し止め」->
        児童手当の支給差止め); none for a phrase in kana only (「いま」)."""
        word = normalize(phrase)
        chars = {ch for ch in word if not _is_kana(ch) and not ch.isdigit() and ch.isalnum()}
        if not chars:
            return []
        scored = []
        for it in self.catalog.items:
            if it.id in self.lex["population_items"]:
                continue
            best = 0.0
            for name in (it.name, *it.synonyms):
                n = normalize(name)
                share = sum(ch in n for ch in chars) / len(chars)
                ratio = difflib.SequenceMatcher(None, word, n).ratio()
                if share >= 0.5 and (share == 1 or ratio >= 0.4):
                    best = max(best, share + ratio)
            if best:
                scored.append((-best, it.id))
        return [self.catalog[i] for _, i in sorted(scored)[:limit]]

    def amount_candidates(self, phrase: str) -> list[tuple[str, str, str]]:
        """「4人以上」 with no item: the items counted in that unit (人: きょうだい数, 世帯人員数)."""
        m = _DIGITS.search(phrase)
        rest = phrase[m.end():] if m else ""
        out = []
        for it in self.catalog.items:
            if it.id in self.lex["population_items"]:
                continue
            unit = it.unit or ""
            if (unit and rest.startswith(unit)) or (it.kind == "event" and rest[:1] in ("回", "件")):
                out.append((self.swap(phrase, f"{normalize(it.name)}が{phrase}"), it.name, ""))
        return out

    def difficulty_question(self, p: dict[str, Any]) -> bool:
        """A text that names only a difficulty type (「不登校の子」) or a concept the lexicon ties to one
        (「経済的に苦しい」-> 貧困): no item, so no rule; the items that are its signs, with a typical
        threshold, as answers."""
        lex = self.lex
        concepts = lex.get("click_concepts", {})
        found = [(w, concepts[w]) for w in sorted(concepts, key=len, reverse=True) if w in self.text]
        found += [(d, d) for d in DIFFICULTIES if d in self.text]
        if not found:
            return False
        word, difficulty = found[0]
        cands = []
        preferred = [i for i in lex.get("click_difficulty_items", {}).get(difficulty, []) if i in self.catalog]
        signs = [self.catalog[i] for i in preferred] or [
            it for it in self.catalog.items
            if it.id not in lex["population_items"] and it.difficulties and it.difficulties[0] == difficulty]
        for it in signs:
            if it.type in ("integer", "decimal"):
                steps = threshold_candidates(it, lex)
                cond = f"{normalize(it.name)}が{steps[len(steps) // 2]}" if steps else ""
            else:
                cond = normalize(it.name)
            if cond:
                cands.append((self.swap(word, lex["click_difficulty_reply"].format(word=difficulty, condition=cond)), it.name, ""))
        cands = self.keep(word, p["message"], cands, limit=5)
        if not cands:
            return False
        question = (lex["click_difficulty_question"].format(word=word) if word == difficulty
                    else lex["click_concept_question"].format(word=word, difficulty=difficulty))
        self.add(question, word, cands)
        return True
