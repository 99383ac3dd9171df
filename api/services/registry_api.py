"""Registry answers of the API that carry more than a lookup: the file register export, the minimization
report, an entry with its history."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy.orm import Session

from api.audit_store import Actor
from api.context import ServiceContext
from api.services import registry, ui_registry
from api.services.run_results import FileAnswer


def export_file_register(ctx: ServiceContext, db: Session, actor: Actor, fmt: str) -> FileAnswer:
    """The 個人情報ファイル簿 (xlsx | csv); the export is logged and committed before the file is returned."""
    data, media, name = ui_registry.file_register_export(ctx, db, actor, fmt)
    db.commit()  # audit before answer: no committed entry, no file
    return FileAnswer(data, media, name)


def minimization(ctx: ServiceContext, db: Session, actor: Actor) -> dict[str, Any]:
    report = ui_registry.minimization(ctx, db, actor)
    return {"summary_ja": report.lines_ja(), "report": asdict(report)}


def entry_with_history(db: Session, entry_id: str) -> tuple[Any, list[dict[str, Any]]]:
    e = registry.get_entry(db, entry_id)
    return e, [{"step": t.step, "from": t.from_status, "to": t.to_status, "actor": t.actor, "at": t.at.isoformat(),
                "reason": t.reason} for t in registry.history(db, entry_id)]
