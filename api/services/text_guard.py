"""The PII guard as the drafter's text guard (``rulegen.guard.TextGuard``), for the service and the CLI."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rulegen.guard import GuardOutcome


class PiiTextGuard:
    """Adapts `privacy.pii.guard.guard_text` to `rulegen.guard.TextGuard`."""

    def check(self, text: str) -> GuardOutcome:
        from privacy.pii.guard import guard_text
        from rulegen.guard import GuardOutcome

        result = guard_text(text)
        return GuardOutcome(allowed=result.allowed, message_ja=result.message(), summary=dict(result.counts()))
