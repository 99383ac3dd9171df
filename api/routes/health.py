from __future__ import annotations

from fastapi import APIRouter, Request

from api.db.engine import current_revision

router = APIRouter(tags=["状態"])


@router.get("/api/health", summary="稼働確認", description="サービスとデータベースが動いているかを返します（認証不要）。")
def health(request: Request) -> dict:
    ctx = request.app.state.ctx
    try:
        revision = current_revision(ctx.engine)
        db_ok = True
    except Exception:  # noqa: BLE001
        revision, db_ok = None, False
    return {"status": "ok" if db_ok else "degraded", "database": "ok" if db_ok else "unreachable",
            "schema_revision": revision, "mart": ctx.settings.mart_path.is_file()}
