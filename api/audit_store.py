"""The persisted, append-only operation log (操作ログ).

Records are sealed with ``privacy.audit.seal`` and stored in ``audit_log``
inside the caller's transaction, so a refused or failed action leaves no
record of a success. Appends are serialized: on PostgreSQL by
``SELECT ... FOR UPDATE`` on the single ``audit_head`` row, on SQLite by the
write lock every transaction takes at ``BEGIN IMMEDIATE`` (see api.db.engine).
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from api.db.models import AuditEntry, AuditHead
from api.db.types import utcnow
from privacy.audit import (
    GENESIS,
    ActionVocabulary,
    AuditRecord,
    ChainProblem,
    ChainRoot,
    chain_root,
    load_actions,
    seal,
    verify_chain,
)
from privacy.audit_anchor import AnchorFile, verify_against_anchor

ANCHOR_FILE_NAME = "audit-anchor.log"
_PENDING = "tsunagu_audit_pending"
_anchors: weakref.WeakKeyDictionary[Engine, AnchorFile] = weakref.WeakKeyDictionary()


def configure_anchor(engine: Engine, path: Path) -> AnchorFile:
    """Anchor every record appended through ``engine`` in ``path`` (written after each commit, fsynced)."""
    anchor = AnchorFile(path)
    _anchors[engine] = anchor
    return anchor


def anchor_for(session: Session) -> AnchorFile | None:
    bind = session.get_bind()
    engine = bind.engine if hasattr(bind, "engine") else bind
    found = _anchors.get(engine)
    if found is None:  # an engine with execution options (e.g. a read-only session's) shares the service engine's pool
        pool = getattr(engine, "pool", None)
        found = next((a for e, a in list(_anchors.items()) if pool is not None and e.pool is pool), None)
    return found


@event.listens_for(Session, "after_commit")
def _anchor_after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        anchor = anchor_for(session)
        if anchor is not None:
            anchor.append(pending, create=pending[0][0] == 1)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


@lru_cache(maxsize=1)
def vocabulary() -> ActionVocabulary:
    """The operation log's vocabulary: one list, privacy/audit_actions.yaml."""
    return load_actions()


@dataclass(frozen=True)
class Actor:
    name: str
    role: str


SYSTEM = Actor("system", "system")


def _to_record(row: AuditEntry) -> AuditRecord:
    # model_construct: a tampered row must still be readable so that verification can name it
    return AuditRecord.model_construct(
        seq=row.seq, at=row.at, actor=row.actor, role=row.role, action=row.action,
        target_type=row.target_type, target_id=row.target_id, details=dict(row.details or {}),
        reason=row.reason, prev_hash=row.prev_hash, hash=row.hash,
    )


def record_of(row: AuditEntry) -> AuditRecord:
    """A stored row as a record, as stored (a tampered row stays readable, so that a check can name it)."""
    return _to_record(row)


def append(
    session: Session,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: str | int,
    *,
    details: Mapping[str, Any] | None = None,
    reason: str | None = None,
    at: datetime | None = None,
) -> AuditRecord:
    """Seal and add one record in the session's transaction (the caller commits)."""
    head_q = sa.select(AuditHead).where(AuditHead.id == 1)
    if session.get_bind().dialect.name != "sqlite":
        head_q = head_q.with_for_update()
    head = session.execute(head_q).scalar_one()
    prev: AuditRecord | None = None
    if head.seq > 0:
        row = session.get(AuditEntry, head.seq)
        if row is None:
            row = session.execute(sa.select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).scalar_one_or_none()
        if row is not None:
            prev = _to_record(row)
    now = at or utcnow()
    if prev is not None and now < prev.at:
        now = prev.at
    rec = seal(
        prev, at=now, actor=actor.name, role=actor.role, action=action, target_type=target_type,
        target_id=str(target_id), details=dict(details or {}), reason=reason, vocabulary=vocabulary(),
    )
    session.add(AuditEntry(
        seq=rec.seq, at=rec.at, actor=rec.actor, role=rec.role, action=rec.action, target_type=rec.target_type,
        target_id=rec.target_id, details=rec.details, reason=rec.reason, prev_hash=rec.prev_hash, hash=rec.hash,
    ))
    head.seq, head.hash = rec.seq, rec.hash
    session.flush()
    session.info.setdefault(_PENDING, []).append((rec.seq, rec.hash))
    return rec


def append_committed(
    session: Session,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: str | int,
    *,
    details: Mapping[str, Any] | None = None,
    reason: str | None = None,
) -> AuditRecord:
    """Append and commit (and anchor) now: for a response that reveals data, which may be built and sent
    only after this returns. If the entry cannot be committed this raises, and the data is not sent."""
    rec = append(session, actor, action, target_type, target_id, details=details, reason=reason)
    session.commit()
    return rec


def all_records(session: Session) -> list[AuditRecord]:
    rows = session.execute(sa.select(AuditEntry).order_by(AuditEntry.seq)).scalars()
    return [_to_record(r) for r in rows]


def read_roots(path: Path) -> list[ChainRoot]:
    if not path.exists():
        return []
    return [ChainRoot.from_text(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def anchor(session: Session, path: Path) -> ChainRoot:
    """Append the current root to a file kept outside the database.

    When the per-append anchor file is missing (an installation from before it existed), it is started
    here at the current newest record, on the operator's explicit request.
    """
    records = all_records(session)
    root = chain_root(records)
    per_append = anchor_for(session)
    if per_append is not None and not per_append.exists() and records:
        per_append.append([(records[-1].seq, records[-1].hash)], create=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        f.write(root.as_text() + "\n")
    return root


def verify(session: Session, roots: list[ChainRoot] | None = None) -> list[ChainProblem]:
    """Every sign of tampering, first broken entry first: the chain itself, the head row, the roots
    and, when the engine has an anchor file (the service always has), the anchor."""
    records = all_records(session)
    problems = verify_chain(records, roots=roots or [])
    anchor = anchor_for(session)
    if anchor is not None:
        seen = {(p.seq, p.kind) for p in problems}
        for p in verify_against_anchor(records, anchor):
            if (p.seq, p.kind) not in seen and not (p.kind == "truncated" and any(q.kind == "deleted" and q.seq <= p.seq for q in problems)):
                problems.append(p)
    head = session.get(AuditHead, 1)
    last = records[-1] if records else None
    if head is not None and last is not None and head.seq > max(r.seq for r in records):
        problems.append(ChainProblem(head.seq, "truncated", f"最新の記録は seq {head.seq} のはずですが、seq {max(r.seq for r in records)} までしかありません（末尾が削除されています）"))
    if head is not None and not records and head.seq > 0:
        problems.append(ChainProblem(head.seq, "truncated", f"seq {head.seq} まで記録があったはずですが、操作ログが空です"))
    order = {id(p): i for i, p in enumerate(problems)}
    return sorted(problems, key=lambda p: (p.seq, order[id(p)]))


@dataclass(frozen=True)
class AuditQuery:
    actor: str | None = None
    action: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 50
    offset: int = 0


def statement(q: AuditQuery) -> sa.Select:
    """The search as a statement (no order, limit or offset): the API and the log page share it."""
    stmt = sa.select(AuditEntry)
    if q.actor:
        stmt = stmt.where(AuditEntry.actor == q.actor)
    if q.action:
        stmt = stmt.where(AuditEntry.action == q.action)
    if q.target_type:
        stmt = stmt.where(AuditEntry.target_type == q.target_type)
    if q.target_id:
        stmt = stmt.where(AuditEntry.target_id == q.target_id)
    if q.since:
        stmt = stmt.where(AuditEntry.at >= q.since)
    if q.until:
        stmt = stmt.where(AuditEntry.at < q.until)
    return stmt


def query(session: Session, q: AuditQuery) -> tuple[int, list[AuditEntry]]:
    stmt = statement(q)
    total = session.execute(sa.select(sa.func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(stmt.order_by(AuditEntry.seq.desc()).limit(q.limit).offset(q.offset)).scalars().all()
    return total, list(rows)


def label(action: str) -> str:
    return vocabulary().label(action)


__all__ = ["Actor", "SYSTEM", "append", "append_committed", "verify", "query", "statement", "AuditQuery", "anchor", "read_roots", "label", "GENESIS"]
