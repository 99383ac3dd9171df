"""Clickable answers to the drafter's questions (issue 14, item 8).

Each choice is ``{"question_index": int, "label": str, "reply": str}``: ``reply`` is a whole message
which, sent as the next conversation turn, answers the question without retyping: the staff's text
with the chosen candidate put where the question arose. ``question_index`` -1 marks a choice about
a stated assumption (e.g. the default look-back window) of a draft that is already valid.
"""

from __future__ import annotations

from typing import Any

from rulegen.offline.tokens import normalize


def _applied(text: str, clarification: dict[str, Any], candidate: str) -> str | None:
    phrase = clarification.get("phrase", "")
    if not phrase or phrase not in text:
        return None
    mode = clarification.get("mode")
    if mode == "append":
        return text.replace(phrase, f"{phrase}が{candidate}", 1)
    return text.replace(phrase, candidate, 1)


def question_choices(source: str, questions: list[str], clarifications: list[dict[str, Any]]) -> list[dict[str, Any]]:
    text = normalize(source)
    out: list[dict[str, Any]] = []
    for clar in clarifications:
        phrase = clar.get("phrase", "")
        index = next((i for i, q in enumerate(questions) if phrase and phrase in normalize(q)), 0)
        for cand in clar.get("candidates") or []:
            reply = _applied(text, clar, cand)
            if reply is not None and reply != text:
                out.append({"question_index": index, "label": cand, "reply": reply})
    return out


# The look-back a draft used by default, and the alternatives offered with one click.
SCOPE_ALTERNATIVES: list[tuple[str, str]] = [
    ("過去1年間で数える", "過去1年間に"),
    ("過去6か月間で数える", "過去6か月間に"),
    ("記録全体で数える", "これまでに"),
]


def assumption_choices(source: str) -> list[dict[str, Any]]:
    text = normalize(source)
    return [{"question_index": -1, "label": label, "reply": prefix + text} for label, prefix in SCOPE_ALTERNATIVES]


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
