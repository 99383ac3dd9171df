"""The legal-basis registry, persisted: entries plus their transition history.

The rules live in ``privacy.registry`` (pure functions over frozen entries);
this module loads entries, applies one transition, stores the result and the
new history steps, and writes the audit record in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api import audit_store
from api.audit_store import SYSTEM, Actor
from api.db.models import RegistryEntryRow, RegistryTransitionRow
from api.db.types import utcnow
from api.errors import NotFound, Refused, ServiceError
from api.services import free_text
from privacy.registry import LegalBasisEntry, RegistryError


def _to_entry(row: RegistryEntryRow) -> LegalBasisEntry:
    return LegalBasisEntry.model_validate(row.document)


def load_entries(db: Session, *, item_id: str | None = None, status: str | None = None) -> list[LegalBasisEntry]:
    stmt = sa.select(RegistryEntryRow).order_by(RegistryEntryRow.item_id, RegistryEntryRow.id)
    if item_id:
        stmt = stmt.where(RegistryEntryRow.item_id == item_id)
    if status:
        stmt = stmt.where(RegistryEntryRow.status == status)
    return [_to_entry(r) for r in db.execute(stmt).scalars()]


def get_entry(db: Session, entry_id: str) -> LegalBasisEntry:
    row = db.get(RegistryEntryRow, entry_id)
    if row is None:
        raise NotFound(f"法的根拠の登録 {entry_id} はありません")
    return _to_entry(row)


def save_entry(db: Session, entry: LegalBasisEntry) -> None:
    """Insert or update an entry and append the history steps not stored yet."""
    doc = entry.model_dump(mode="json")
    row = db.get(RegistryEntryRow, entry.id)
    if row is None:
        row = RegistryEntryRow(id=entry.id, item_id=entry.item_id, status=entry.status, document=doc, updated_at=utcnow())
        db.add(row)
        db.flush()
        stored = 0
    else:
        row.status, row.document, row.updated_at = entry.status, doc, utcnow()
        stored = db.execute(
            sa.select(sa.func.count()).select_from(RegistryTransitionRow).where(RegistryTransitionRow.entry_id == entry.id)
        ).scalar_one()
    for step, t in enumerate(entry.history[stored:], start=stored + 1):
        db.add(RegistryTransitionRow(entry_id=entry.id, step=step, from_status=t.from_status, to_status=t.to_status,
                                     actor=t.actor, at=t.at, reason=t.reason))
    db.flush()


# The free texts of a legal-basis request (kept in the file register and shown to the officers).
PROPOSAL_TEXT_FIELDS = (("purpose", "利用目的"), ("justification", "相当の理由"), ("reason", "理由"),
                        ("receiving_department", "利用する課"), ("holding_department", "保有する課"),
                        ("collection_method", "取得の方法"), ("file_name", "個人情報ファイルの名称"))


def _refused(exc: RegistryError) -> Refused:
    return Refused(str(exc).split("\n")[0], extra={"problems": exc.problems})


def propose(db: Session, catalog, actor: Actor, fields: dict[str, Any]) -> LegalBasisEntry:
    from privacy.registry import propose as do_propose

    item_id = fields.pop("item_id")
    item = catalog.get(item_id)
    if item is None:
        raise NotFound(f"データ項目 {item_id} はカタログにありません")
    for key, label in PROPOSAL_TEXT_FIELDS:
        free_text.require_no_pii(fields.get(key), f"申請の{label}")
    try:
        entry = do_propose(item, actor=actor.name, now=utcnow(), **fields)
    except RegistryError as exc:
        raise _refused(exc) from None
    if db.get(RegistryEntryRow, entry.id) is not None:
        raise ServiceError(f"同じ内容の申請 {entry.id} が既にあります", status_code=409)
    save_entry(db, entry)
    audit_store.append(db, actor, "item_proposed", "registry_entry", entry.id,
                       details={"item_id": entry.item_id, "basis": entry.basis.value, "use": entry.use})
    return entry


def drafters_of_rules_using(db: Session, item_id: str) -> set[str]:
    """Who drafted a rule (draft version, saved rule or ruleset) that reads this item.

    Read from the table written with each stored version, so a document that no longer validates still counts.
    """
    from api.db.models_rule_items import drafters_reading

    return drafters_reading(db, item_id)


def transition(db: Session, actor: Actor, entry_id: str, action: str, reason: str, *, policy=None) -> LegalBasisEntry:
    """approve | reject | revoke, with the reason; refused transitions raise Refused with the Japanese reasons."""
    from privacy import registry as reg

    entry = get_entry(db, entry_id)
    free_text.require_no_pii(reason, "判断の理由")  # kept for good in the entry's history and the log
    now = utcnow()
    try:
        if action == "approve":
            new = reg.approve(entry, actor.name, reason, now, drafters_of_rules_using(db, entry.item_id),
                              actor_role=actor.role, policy=policy)
        elif action == "reject":
            new = reg.reject(entry, actor.name, reason, now, actor_role=actor.role, policy=policy)
        elif action == "revoke":
            new = reg.revoke(entry, actor.name, reason, now, actor_role=actor.role, policy=policy)
        else:  # pragma: no cover - routes only pass the three
            raise ValueError(action)
    except RegistryError as exc:
        raise _refused(exc) from None
    save_entry(db, new)
    audit_action = {"approve": "item_approved", "reject": "item_rejected", "revoke": "item_revoked"}[action]
    audit_store.append(db, actor, audit_action, "registry_entry", new.id, reason=reason.strip(),
                       details={"item_id": new.item_id, "basis": new.basis.value})
    return new


def expire_due_entries(db: Session, today: date, now: datetime | None = None) -> list[LegalBasisEntry]:
    """Move approved entries past their end date to 'expired' (and log each); return the expired ones."""
    from privacy.registry import expire_due

    entries = load_entries(db, status="approved")
    changed = [e for before, e in zip(entries, expire_due(entries, today, now=now or utcnow()), strict=True) if e.status != before.status]
    for e in changed:
        save_entry(db, e)
        audit_store.append(db, SYSTEM, "item_expired", "registry_entry", e.id, details={"item_id": e.item_id})
    return changed


def import_entries(db: Session, entries: Iterable[LegalBasisEntry], actor: Actor) -> int:
    """Store entries that are not there yet (demo registry); returns how many were added."""
    n = 0
    for e in entries:
        if db.get(RegistryEntryRow, e.id) is None:
            save_entry(db, e)
            audit_store.append(db, actor, "item_proposed", "registry_entry", e.id,
                               details={"item_id": e.item_id, "basis": e.basis.value, "use": e.use, "imported": True})
            n += 1
    return n


def history(db: Session, entry_id: str) -> list[RegistryTransitionRow]:
    get_entry(db, entry_id)
    return list(db.execute(sa.select(RegistryTransitionRow).where(RegistryTransitionRow.entry_id == entry_id)
                           .order_by(RegistryTransitionRow.step)).scalars())
