from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from api import audit_store
from api.auth import Principal, get_db, require_roles
from api.errors import ServiceError
from api.routes.schemas import MAX_ID

router = APIRouter(prefix="/api/audit", tags=["操作ログ"])
auditors = require_roles("auditor", "admin")


def _aware(d: datetime | None, what: str) -> datetime | None:
    if d is not None and (d.tzinfo is None or d.utcoffset() is None):
        raise ServiceError(f"{what}にはタイムゾーンを付けてください（例: 2026-04-01T00:00:00+09:00）", status_code=422)
    return d


@router.get("", summary="操作ログの検索",
            description="利用者・操作・対象・期間で操作ログを検索します（新しい順、ページ分け）。監査担当・システム管理者のみ。閲覧自体も記録されます。")
def search(actor: str | None = None, action: str | None = None, target_type: str | None = None, target_id: str | None = None,
           since: datetime | None = Query(None, description="この日時以降（タイムゾーン付き）"),
           until: datetime | None = Query(None, description="この日時より前（タイムゾーン付き）"),
           limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=MAX_ID),
           p: Principal = Depends(auditors), db: Session = Depends(get_db)) -> dict:
    q = audit_store.AuditQuery(actor=actor, action=action, target_type=target_type, target_id=target_id,
                               since=_aware(since, "since"), until=_aware(until, "until"), limit=limit, offset=offset)
    total, rows = audit_store.query(db, q)
    items = [{"seq": r.seq, "at": r.at.isoformat(), "actor": r.actor, "role": r.role, "action": r.action,
              "action_ja": audit_store.label(r.action), "target_type": r.target_type, "target_id": r.target_id,
              "details": r.details, "reason": r.reason, "hash": r.hash} for r in rows]
    audit_store.append(db, p.actor, "audit_viewed", "audit_log", "search",
                       details={k: v for k, v in {"actor": actor, "action": action, "target_type": target_type,
                                                  "target_id": target_id, "offset": offset}.items() if v is not None})
    return {"total": total, "offset": offset, "limit": limit, "items": items}


@router.get("/verify", summary="操作ログの改ざん検査", description="ハッシュの連鎖を検査し、書き換え・削除・並べ替えを見つけたら記録ごとに示します。")
def verify(request: Request, p: Principal = Depends(auditors), db: Session = Depends(get_db)) -> dict:
    from privacy.audit import summarize_ja

    ctx = request.app.state.ctx
    problems = audit_store.verify(db, audit_store.read_roots(ctx.settings.home / "audit-roots.txt"))
    audit_store.append(db, p.actor, "audit_verified", "audit_log", "chain", details={"problems": len(problems)})
    return {"ok": not problems, "message": summarize_ja(problems),
            "problems": [{"seq": pr.seq, "kind": pr.kind, "message": pr.message_ja} for pr in problems]}
