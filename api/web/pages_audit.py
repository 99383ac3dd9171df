"""Auditors: the operation log (操作ログ) — search with the filters in the URL, the chain check, exports.

The pages read on a read-only session (no SQLite write lock while the chain is re-hashed) and write their
own entry in a short transaction of its own (api.services.page_audit), committed before the answer."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api.services import audit_search, page_audit
from api.web.deps import WebUser
from api.web.pages_review import get_reader, reader
from api.web.render import render

router = APIRouter(prefix="/ui/audit", include_in_schema=False)
AUDITORS = ("audit.read",)  # an action of api/roles.yaml
JST = ZoneInfo("Asia/Tokyo")


@router.get("", response_class=HTMLResponse)
def log_page(request: Request, user: WebUser = Depends(reader(*AUDITORS)), db: Session = Depends(get_reader)) -> Response:
    f, problems = audit_search.parse_filters(request.query_params)
    status = audit_search.chain_status(db, request.app.state.ctx.settings.home, fresh=request.query_params.get("recheck") == "1")
    result = audit_search.search(db, f, broken=set(status.broken_seqs))
    page = {"page_title": "操作ログ", "f": f, "problems": problems, "status": status, "result": result,
            "conditions": audit_search.describe_ja(f), "actors": audit_search.actor_choices(db),
            "actions": audit_search.action_choices(), "targets": audit_search.target_choices(db)}
    db.close()
    page_audit.log_committed(request.app.state.ctx.sessions, user.actor, "audit_viewed", "audit_log", "search",
                             details={"filters": f.as_details(), "page": result.page, "total": result.total,
                                      "problems": len(status.problems)})
    return render(request, "audit/log.html", page, user=user)


@router.get("/export")
def export(request: Request, format: str = "xlsx", encoding: str = "utf-8-sig",
           user: WebUser = Depends(reader(*AUDITORS)), db: Session = Depends(get_reader)) -> Response:
    f, _problems = audit_search.parse_filters(request.query_params)
    status = audit_search.chain_status(db, request.app.state.ctx.settings.home)
    data, count = audit_search.export(db, f, fmt=format, encoding=encoding, exporter=f"{user.display_name}（{user.username}）",
                                      status=status)
    db.close()
    page_audit.log_committed(request.app.state.ctx.sessions, user.actor, "audit_exported", "audit_log", "export",
                             details={"format": format, "encoding": encoding if format == "csv" else None, "rows": count,
                                      "filters": f.as_details(), "problems": len(status.problems)})  # before the file leaves
    stamp = datetime.now(JST).strftime("%Y%m%d-%H%M")
    media = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if format == "xlsx"
             else "text/csv; charset=" + ("utf-8" if encoding == "utf-8-sig" else "shift_jis"))
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="audit-log-{stamp}.{format}"',
                                                     "Cache-Control": "no-store"})
