from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query

from api import deps
from api.routes.responses import AuditPageOut, AuditVerifyOut
from api.routes.schemas import MAX_ID
from api.services import audit_api

router = APIRouter(prefix="/api/audit", tags=["操作ログ"])


@router.get("", summary="操作ログの検索", response_model=AuditPageOut,
            description="利用者・操作・対象・期間で操作ログを検索します（新しい順、ページ分け）。監査担当・システム管理者のみ。閲覧自体も記録されます。")
def search(p: deps.AuditReader, db: deps.Db, actor: str | None = None, action: str | None = None,
           target_type: str | None = None, target_id: str | None = None,
           since: datetime | None = Query(None, description="この日時以降（タイムゾーン付き）"),
           until: datetime | None = Query(None, description="この日時より前（タイムゾーン付き）"),
           limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=MAX_ID)) -> dict:
    return audit_api.search(db, p.actor, who=actor, action=action, target_type=target_type, target_id=target_id,
                            since=since, until=until, limit=limit, offset=offset)


@router.get("/verify", summary="操作ログの改ざん検査", response_model=AuditVerifyOut,
            description="ハッシュの連鎖を検査し、書き換え・削除・並べ替えを見つけたら記録ごとに示します。")
def verify(p: deps.AuditReader, ctx: deps.Ctx, db: deps.Db) -> dict:
    return audit_api.verify(ctx, db, p.actor)
