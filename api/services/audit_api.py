"""The operation log as the API serves it: search (a logged view) and the tamper check (logged)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from api import audit_store
from api.audit_store import Actor
from api.context import ServiceContext
from api.errors import ServiceError

ROOTS_FILE = "audit-roots.txt"


def _aware(d: datetime | None, what: str) -> datetime | None:
    if d is not None and (d.tzinfo is None or d.utcoffset() is None):
        raise ServiceError(f"{what}にはタイムゾーンを付けてください（例: 2026-04-01T00:00:00+09:00）", status_code=422)
    return d


def search(db: Session, actor: Actor, *, who: str | None, action: str | None, target_type: str | None,
           target_id: str | None, since: datetime | None, until: datetime | None, limit: int, offset: int) -> dict[str, Any]:
    """Entries newest first, one page; the search itself is logged (its conditions, no values of the entries)."""
    q = audit_store.AuditQuery(actor=who, action=action, target_type=target_type, target_id=target_id,
                               since=_aware(since, "since"), until=_aware(until, "until"), limit=limit, offset=offset)
    total, rows = audit_store.query(db, q)
    items = [{"seq": r.seq, "at": r.at.isoformat(), "actor": r.actor, "role": r.role, "action": r.action,
              "action_ja": audit_store.label(r.action), "target_type": r.target_type, "target_id": r.target_id,
              "details": r.details, "reason": r.reason, "hash": r.hash} for r in rows]
    audit_store.append(db, actor, "audit_viewed", "audit_log", "search",
                       details={k: v for k, v in {"actor": who, "action": action, "target_type": target_type,
                                                  "target_id": target_id, "offset": offset}.items() if v is not None})
    return {"total": total, "offset": offset, "limit": limit, "items": items}


def verify(ctx: ServiceContext, db: Session, actor: Actor) -> dict[str, Any]:
    """The hash chain, checked against the roots kept outside the database; names each broken entry."""
    from privacy.audit import summarize_ja

    problems = audit_store.verify(db, audit_store.read_roots(ctx.settings.home / ROOTS_FILE))
    audit_store.append(db, actor, "audit_verified", "audit_log", "chain", details={"problems": len(problems)})
    return {"ok": not problems, "message": summarize_ja(problems),
            "problems": [{"seq": pr.seq, "kind": pr.kind, "message": pr.message_ja} for pr in problems]}
