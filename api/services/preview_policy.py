"""The policy check before any preview reads the mart (purpose ``preview``): one check for the chat, the API
preview and the supervisor's compose and diff pages.

Every rule and ruleset the preview will run counts, and the items of parts that share an id (a draft that edits
a published rule) are added up, never replaced. A refusal is written to the operation log (``policy_blocked``);
committing it is the caller's business (an API error rolls back, a page answers normally).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from api import audit_store
from api.audit_store import Actor


@dataclass(frozen=True)
class PreviewRefusal:
    message_ja: str
    problems: list[str]  # one Japanese sentence per problem (may be empty: then message_ja says it)

    def reasons(self) -> list[str]:
        return self.problems or [self.message_ja]


def preview_refusal(ctx: Any, db: Session, actor: Actor, parts: list[Any], target: str, as_of: date) -> PreviewRefusal | None:
    """None when the preview of ``parts`` (rules and rulesets) may read the mart on ``as_of``; else the logged refusal."""
    from api.services.registry import load_entries
    from engine.rules.model import items_by_rule
    from privacy.policy import check_use

    by_rule: dict[str, set[str]] = {}
    for part in parts:
        for key, items in items_by_rule(part).items():
            by_rule.setdefault(key, set()).update(items)
    decision = check_use(by_rule, load_entries(db), purpose="preview", on=as_of, policy=ctx.policy, catalog=ctx.catalog)
    if decision.allowed:
        return None
    audit_store.append(db, actor, "policy_blocked", "preview", target, details=decision.audit_details())
    return PreviewRefusal(decision.message_ja, [p.message_ja for p in decision.problems])
