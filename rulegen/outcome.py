"""What a drafter returns, and one stored version of a draft."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, TypedDict

from engine.rules.model import Rule

DrafterKind = Literal["offline", "llm"]


class Provenance(TypedDict):
    """Which drafter made an outcome: the DraftOutcome fields a drafter passes to each of its outcomes."""

    drafter: DrafterKind
    model: str | None
    prompt_version: str | None


class OfflineProvenance(Provenance):
    attempts: int  # the offline drafter reads once


@dataclass
class DraftOutcome:
    ok: bool
    rule: Rule | None
    reading_ja: str
    questions: list[str] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    blocked_by_guard: bool = False
    guard_summary: dict[str, int] = field(default_factory=dict)
    drafter: DrafterKind = "offline"
    model: str | None = None
    prompt_version: str | None = None
    attempts: int = 0
    # What the questions ask about ({"phrase", "mode", "candidates"}), so an answer can be read in context.
    clarifications: list[dict[str, Any]] = field(default_factory=list)
    # Clickable answers: {"question_index", "label" (Japanese), "reply" (the message a click sends)};
    # question_index -1: a choice about a stated assumption of a valid draft (see rulegen/choices.py).
    choices: list[dict[str, Any]] = field(default_factory=list)
    # Two readings that disagree (rulegen/cross_check.py): {"label", "rule", "reading_ja", "drafter", "model",
    # "prompt_version"}; a choice with "alternative": i picks alternatives[i]; differences name what differs.
    alternatives: list[dict[str, Any]] = field(default_factory=list)
    differences: list[dict[str, str]] = field(default_factory=list)

    def rule_json(self) -> dict[str, Any] | None:
        return self.rule.model_dump(mode="json", by_alias=True, exclude_none=True) if self.rule else None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["rule"] = self.rule_json()
        return d


@dataclass
class DraftVersion:
    """One version of a draft, as the service stores it next to its source text."""

    order: int
    source_text: str
    rule: dict[str, Any] | None
    reading_ja: str
    questions: list[str]
    drafter: DrafterKind
    model: str | None
    prompt_version: str | None
    problems: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DraftVersion:
        return cls(**d)

    def parsed_rule(self) -> Rule | None:
        return Rule.model_validate(self.rule) if self.rule is not None else None


def problem(code: str, message: str, *, phrase: str = "", hint: str = "", path: str = "") -> dict[str, Any]:
    """A structured, Japanese problem for the user."""
    d: dict[str, Any] = {"code": code, "message": message, "severity": "error"}
    if phrase:
        d["phrase"] = phrase
    if hint:
        d["hint"] = hint
    if path:
        d["path"] = path
    return d
