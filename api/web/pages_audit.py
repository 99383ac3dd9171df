"""Auditors: the operation log (操作ログ) — search with the filters in the URL, the chain check, exports."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api import audit_store
from api.auth import get_db
from api.services import audit_search
from api.web.deps import WebUser, page_user
from api.web.render import render

router = APIRouter(prefix="/ui/audit", include_in_schema=False)
AUDITORS = ("auditor", "admin")
JST = ZoneInfo("Asia/Tokyo")


@router.get("", response_class=HTMLResponse)
def log_page(request: Request, user: WebUser = Depends(page_user(*AUDITORS)), db: Session = Depends(get_db)) -> Response:
    f, problems = audit_search.parse_filters(request.query_params)
    status = audit_search.chain_status(db, request.app.state.ctx.settings.home, fresh=request.query_params.get("recheck") == "1")
    result = audit_search.search(db, f, broken=set(status.broken_seqs))
    page = {"page_title": "操作ログ", "f": f, "problems": problems, "status": status, "result": result,
            "conditions": audit_search.describe_ja(f), "actors": audit_search.actor_choices(db),
            "actions": audit_search.action_choices(), "targets": audit_search.target_choices(db)}
    audit_store.append(db, user.actor, "audit_viewed", "audit_log", "search",
                       details={"filters": f.as_details(), "page": result.page, "total": result.total,
                                "problems": len(status.problems)})
    return render(request, "audit/log.html", page, user=user)


@router.get("/export")
def export(request: Request, format: str = "xlsx", encoding: str = "utf-8-sig",
           user: WebUser = Depends(page_user(*AUDITORS)), db: Session = Depends(get_db)) -> Response:
    f, _problems = audit_search.parse_filters(request.query_params)
    status = audit_search.chain_status(db, request.app.state.ctx.settings.home)
    data, count = audit_search.export(db, f, fmt=format, encoding=encoding, exporter=f"{user.display_name}（{user.username}）",
                                      status=status)
    audit_store.append(db, user.actor, "audit_exported", "audit_log", "export",
                       details={"format": format, "encoding": encoding if format == "csv" else None, "rows": count,
                                "filters": f.as_details(), "problems": len(status.problems)})
    db.commit()  # the export is on the log before the file leaves
    stamp = datetime.now(JST).strftime("%Y%m%d-%H%M")
    media = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if format == "xlsx"
             else "text/csv; charset=" + ("utf-8" if encoding == "utf-8-sig" else "shift_jis"))
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="audit-log-{stamp}.{format}"',
                                                     "Cache-Control": "no-store"})
