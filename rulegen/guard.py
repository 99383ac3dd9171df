"""The text guard the drafter runs before any text leaves for an LLM.

`rulegen` must not import `privacy`; the API layer adapts `privacy.pii.guard.guard_text`
to this protocol and injects it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class GuardOutcome:
    allowed: bool
    message_ja: str = ""
    summary: dict[str, int] = field(default_factory=dict)


@runtime_checkable
class TextGuard(Protocol):
    def check(self, text: str) -> GuardOutcome: ...
