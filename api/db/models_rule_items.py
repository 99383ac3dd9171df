"""Which items each stored draft version, rule version and ruleset version reads, and who drafted it (issue 10).

Rows are written by mapper events in the same transaction (the same connection) as the version itself,
so every path that stores a version records them; migration 0002 back-fills existing rows. The rule
"a privacy officer may not approve an item that a rule they drafted reads" reads this table, so a stored
rule that no longer validates still counts.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from api.db.models import Base, DraftVersion, RulesetVersion, RuleVersion
from engine.rules.items import DocumentKind, items_read

SOURCE_KINDS = ("draft_version", "rule_version", "ruleset_version")


class RuleItemReader(Base):
    """One item read by one stored version, with one of its drafters."""

    __tablename__ = "rule_item_readers"
    __table_args__ = (
        sa.UniqueConstraint("source_kind", "source_id", "item_id", "drafter", name="uq_rule_item_readers_source_kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    source_kind: Mapped[str] = mapped_column(sa.String(20))
    source_id: Mapped[int]
    item_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    drafter: Mapped[str] = mapped_column(sa.String(80))


def reader_rows(source_kind: str, source_id: int, document: Any, kind: DocumentKind,
                drafters: list[str]) -> list[dict[str, Any]]:
    """The rows one stored version contributes (used by the mapper events and by migration 0002)."""
    return [{"source_kind": source_kind, "source_id": source_id, "item_id": item, "drafter": d}
            for item in sorted(items_read(document, kind)) for d in sorted(set(drafters)) if d]


def _versions(target: Any) -> tuple[str, Any, DocumentKind, list[str]]:
    if isinstance(target, DraftVersion):
        return "draft_version", target.rule, "rule", [target.created_by]
    if isinstance(target, RuleVersion):
        return "rule_version", target.document, "rule", [target.created_by]
    return "ruleset_version", target.document, "ruleset", list(target.drafters or [])


def _record(connection: sa.Connection, target: Any, *, replace: bool) -> None:
    source_kind, document, kind, drafters = _versions(target)
    if replace:
        connection.execute(sa.delete(RuleItemReader).where(RuleItemReader.source_kind == source_kind,
                                                           RuleItemReader.source_id == target.id))
    rows = reader_rows(source_kind, target.id, document, kind, drafters)
    if rows:
        connection.execute(sa.insert(RuleItemReader), rows)


for _cls in (DraftVersion, RuleVersion, RulesetVersion):
    @event.listens_for(_cls, "after_insert")
    def _inserted(mapper: Mapper[Any], connection: sa.Connection, target: Any) -> None:
        _record(connection, target, replace=False)

    @event.listens_for(_cls, "after_update")
    def _updated(mapper: Mapper[Any], connection: sa.Connection, target: Any) -> None:
        _record(connection, target, replace=True)


def drafters_reading(db: Any, item_id: str) -> set[str]:
    """Everyone who drafted a stored draft version, rule or ruleset that reads ``item_id``."""
    stmt = sa.select(RuleItemReader.drafter).where(RuleItemReader.item_id == item_id).distinct()
    return set(db.execute(stmt).scalars())
