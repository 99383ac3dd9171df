"""The health answer: is the database reachable (and at which schema revision), is there a mart."""

from __future__ import annotations

from typing import Any

from api.context import ServiceContext
from api.db.engine import current_revision


def status(ctx: ServiceContext) -> dict[str, Any]:
    try:
        revision = current_revision(ctx.engine)
        db_ok = True
    except Exception:  # noqa: BLE001 - any failure to reach the database is "unreachable", never a 500
        revision, db_ok = None, False
    return {"status": "ok" if db_ok else "degraded", "database": "ok" if db_ok else "unreachable",
            "schema_revision": revision, "mart": ctx.settings.mart_path.is_file()}
