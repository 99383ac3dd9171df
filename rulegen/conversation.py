"""A drafting conversation: turns, and one `DraftVersion` per rule the drafter produced.

A follow-up (「窓を2年にして」「中学生だけに」「点数を5点に」「生活保護の条件を外して」) edits the
current version; a clarifying question leaves the current version as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.rules.model import Rule
from rulegen.drafting import Drafter
from rulegen.outcome import DraftOutcome, DraftVersion


@dataclass
class Turn:
    role: str  # "staff" | "drafter"
    text: str
    version: int | None = None  # the version this drafter turn produced
    questions: list[str] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    blocked_by_guard: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "text": self.text,
            "version": self.version,
            "questions": list(self.questions),
            "problems": list(self.problems),
            "blocked_by_guard": self.blocked_by_guard,
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

    def send(self, text: str) -> DraftOutcome:
        # A text blocked by the PII guard is not kept verbatim in the conversation either.
        outcome = self.drafter.draft(text, current=self.current_rule)
        staff_text = text if not outcome.blocked_by_guard else "(個人情報を含むため記録していません)"
        self.turns.append(Turn("staff", staff_text))
        version_no = None
        if outcome.ok and outcome.rule is not None:
            version_no = len(self.versions) + 1
            self.versions.append(
                DraftVersion(
                    order=version_no,
                    source_text=text,
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
            Turn("drafter", reply, version_no, list(outcome.questions), list(outcome.problems), outcome.blocked_by_guard)
        )
        return outcome

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.FORMAT,
            "turns": [t.to_dict() for t in self.turns],
            "versions": [v.to_dict() for v in self.versions],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], drafter: Drafter) -> "Conversation":
        if data.get("format") != cls.FORMAT:
            raise ValueError(f"会話データの形式 {data.get('format')!r} は読めません (対応: {cls.FORMAT})")
        return cls(
            drafter,
            turns=[Turn(**t) for t in data.get("turns", [])],
            versions=[DraftVersion.from_dict(v) for v in data.get("versions", [])],
        )
