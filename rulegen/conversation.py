"""A drafting conversation: turns, and one `DraftVersion` per rule the drafter produced.

A follow-up (「窓を2年にして」「中学生だけに」「点数を5点に」「生活保護の条件を外して」) edits the
current version; a clarifying question leaves the current version as it is, and the staff's answer
(「児童扶養手当」「30日以上」) is read back into the text that raised the question.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.catalog import default_catalog
from engine.rules.model import Rule
from rulegen.drafting import Drafter
from rulegen.missing_under_not import LABEL as MISSING_LABEL
from rulegen.missing_under_not import state_missing_under_not
from rulegen.outcome import DraftOutcome, DraftVersion


@dataclass
class Turn:
    role: str  # "staff" | "drafter"
    text: str
    version: int | None = None  # the version this drafter turn produced
    questions: list[str] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    blocked_by_guard: bool = False
    source: str | None = None  # the text actually drafted (staff text, or the question's text with the answer)
    clarifications: list[dict[str, Any]] = field(default_factory=list)
    choices: list[dict[str, Any]] = field(default_factory=list)  # clickable answers (rulegen/choices.py)
    alternatives: list[dict[str, Any]] = field(default_factory=list)  # two readings to pick from (cross_check.py)

    def to_dict(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "text": self.text,
            "version": self.version,
            "questions": list(self.questions),
            "problems": list(self.problems),
            "blocked_by_guard": self.blocked_by_guard,
            "source": self.source,
            "clarifications": list(self.clarifications),
            "choices": list(self.choices),
            "alternatives": list(self.alternatives),
        }


class Conversation:
    FORMAT = 1

    def __init__(self, drafter: Drafter, *, turns: list[Turn] | None = None, versions: list[DraftVersion] | None = None):
        self.drafter = drafter
        self.turns: list[Turn] = turns or []
        self.versions: list[DraftVersion] = versions or []

    @property
    def current(self) -> DraftVersion | None:
        return self.versions[-1] if self.versions else None

    @property
    def current_rule(self) -> Rule | None:
        return self.current.parsed_rule() if self.current else None

    def _pending_question(self) -> tuple[str, dict[str, Any]] | None:
        """The text and first clarification of the last drafter turn, when it asked and made no version."""
        if len(self.turns) < 2:
            return None
        staff, reply = self.turns[-2], self.turns[-1]
        if reply.role != "drafter" or reply.version is not None or not reply.clarifications or staff.source is None:
            return None
        return staff.source, reply.clarifications[0]

    def _picked_alternative(self, text: str) -> tuple[DraftOutcome, str | None] | None:
        """The reading a clicked choice picks among the last turn's alternatives, and the text it read."""
        if len(self.turns) < 2 or not self.turns[-1].alternatives:
            return None
        last = self.turns[-1]
        choice = next((c for c in last.choices if c.get("reply") == text and "alternative" in c), None)
        if choice is None or not 0 <= int(choice["alternative"]) < len(last.alternatives):
            return None
        alt = last.alternatives[int(choice["alternative"])]
        rule = Rule.model_validate(alt["rule"])
        reading = f"{alt['reading_ja']}\n※ 「{alt['label']}」を選びました。"
        outcome = DraftOutcome(True, rule, reading, drafter=alt["drafter"], model=alt.get("model"),
                               prompt_version=alt.get("prompt_version"), attempts=0)
        if alt["label"] != MISSING_LABEL:
            # the picked reading gets the statements every outcome gets (missing records under a negation)
            outcome = state_missing_under_not(outcome, getattr(self.drafter, "catalog", None) or default_catalog())
        return outcome, self.turns[-2].source

    def send(self, text: str) -> DraftOutcome:
        source = text
        outcome = None
        picked = self._picked_alternative(text)
        if picked is not None:
            outcome, picked_source = picked
            source = picked_source or text
        pending = self._pending_question() if outcome is None else None
        clicked = next((c for c in self.turns[-1].choices if c.get("reply") == text), None) if self.turns else None
        if clicked is not None:
            pending = None  # a clicked choice is a whole message: read it as it is
        if pending is not None:
            answered = answer_in_context(*pending, text)
            if answered is not None:
                candidate = self.drafter.draft(answered, current=self.current_rule)
                if candidate.ok:
                    outcome, source = candidate, answered
                    outcome.reading_ja += f"\n※ 質問への答えを元の文に当てはめ、「{answered}」として読みました。"
        if outcome is None:
            outcome = self.drafter.draft(text, current=self.current_rule)
            if clicked is not None and clicked.get("note") and outcome.ok:
                outcome.reading_ja += "\n※ " + clicked["note"]  # what the click left out (rulegen/choices.py)
        # A text blocked by the PII guard is not kept verbatim in the conversation either.
        staff_text = text if not outcome.blocked_by_guard else "(個人情報を含むため記録していません)"
        self.turns.append(Turn("staff", staff_text, source=source if not outcome.blocked_by_guard else None))
        version_no = None
        if outcome.ok and outcome.rule is not None:
            version_no = len(self.versions) + 1
            self.versions.append(
                DraftVersion(
                    order=version_no,
                    source_text=source,
                    rule=outcome.rule_json(),
                    reading_ja=outcome.reading_ja,
                    questions=list(outcome.questions),
                    drafter=outcome.drafter,
                    model=outcome.model,
                    prompt_version=outcome.prompt_version,
                    problems=list(outcome.problems),
                )
            )
        reply = outcome.reading_ja or "\n".join([*outcome.questions, *(p["message"] for p in outcome.problems)])
        self.turns.append(
            Turn(
                "drafter", reply, version_no, list(outcome.questions), list(outcome.problems), outcome.blocked_by_guard,
                clarifications=list(outcome.clarifications), choices=list(outcome.choices),
                alternatives=list(outcome.alternatives),
            )
        )
        return outcome

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.FORMAT,
            "turns": [t.to_dict() for t in self.turns],
            "versions": [v.to_dict() for v in self.versions],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], drafter: Drafter) -> Conversation:
        if data.get("format") != cls.FORMAT:
            raise ValueError(f"会話データの形式 {data.get('format')!r} は読めません (対応: {cls.FORMAT})")
        return cls(
            drafter,
            turns=[Turn(**t) for t in data.get("turns", [])],
            versions=[DraftVersion.from_dict(v) for v in data.get("versions", [])],
        )


_COMPARATOR_ANSWERS = ("以上", "以下", "未満", "を超える", "超", "より多い", "より少ない")


def answer_in_context(source: str, clarification: dict[str, Any], answer: str) -> str | None:
    """Put a short answer back where the question arose: 「手当を受けている」+「児童扶養手当」->
    「児童扶養手当を受けている」; 「欠席が多い」+「30日以上」-> 「欠席が30日以上」; 「欠席が30日」+「以上」
    -> 「欠席が30日以上」. None when the answer does not look like an answer (then it is read on its own)."""
    from rulegen.offline.tokens import normalize

    text, ans, phrase = normalize(source), normalize(answer).rstrip("。です"), clarification.get("phrase", "")
    if not ans or len(ans) > 40 or not phrase or phrase not in text:
        return None
    mode = clarification.get("mode")
    if mode == "amount":
        if ans in _COMPARATOR_ANSWERS:
            return text.replace(phrase, phrase + ans, 1)
        return text.replace(phrase, ans, 1)
    if mode == "append":
        return text.replace(phrase, f"{phrase}が{ans}", 1)
    return text.replace(phrase, ans, 1)
