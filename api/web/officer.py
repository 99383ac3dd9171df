"""Privacy officers: the legal-basis registry (法的根拠の登録簿) — queue, decisions, table, history, reports."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api.auth import get_db
from api.errors import Refused, ServiceError
from api.roles import may
from api.services import registry, ui_registry
from api.services.runs import today_jst
from api.web.deps import WebUser, form_user, page_user
from api.web.render import render

router = APIRouter(prefix="/ui/registry", include_in_schema=False)
OFFICER = ("registry.decide",)  # actions of api/roles.yaml
READERS = ("registry.read",)
ACTIONS = {"approve": "承認", "reject": "却下", "revoke": "取消し"}


def _bases() -> list[tuple[str, str]]:
    from privacy.registry import Basis

    return [(b.value, b.label_ja) for b in Basis]


def _statuses() -> list[tuple[str, str]]:
    from privacy.registry import STATUS_LABELS_JA

    return list(STATUS_LABELS_JA.items())


@router.get("/queue", response_class=HTMLResponse)
def queue(request: Request, done: str = "", user: WebUser = Depends(page_user(*OFFICER)), db: Session = Depends(get_db)) -> Response:
    items = ui_registry.pending_queue(db, request.app.state.ctx.catalog, user.username)
    return render(request, "registry_ui/queue.html", {"page_title": "申請の確認（未処理）", "items": items, "done": done}, user=user)


@router.get("", response_class=HTMLResponse)
def table(request: Request, status: str = "", basis: str = "", department: str = "", expiry: str = "",
          user: WebUser = Depends(page_user(*READERS)), db: Session = Depends(get_db)) -> Response:
    today = today_jst()
    entries = ui_registry.filtered_entries(db, today, status=status, basis=basis, department=department, expiry=expiry)
    all_entries = registry.load_entries(db)
    departments = sorted({e.holding_department for e in all_entries} | {e.receiving_department for e in all_entries})
    return render(request, "registry_ui/table.html", {
        "page_title": "法的根拠の登録簿", "entries": entries, "soon": {e.id for e in entries if ui_registry.expires_soon(e, today)},
        "f": {"status": status, "basis": basis, "department": department, "expiry": expiry},
        "bases": _bases(), "statuses": _statuses(), "departments": departments, "days": ui_registry.EXPIRY_WARNING_DAYS,
    }, user=user)


@router.get("/minimization", response_class=HTMLResponse)
def minimization(request: Request, user: WebUser = Depends(page_user("registry.minimization")),
                 db: Session = Depends(get_db)) -> Response:
    report = ui_registry.minimization(request.app.state.ctx, db, user.actor)
    return render(request, "registry_ui/minimization.html", {"page_title": "データ項目の見直し", "report": report}, user=user)


@router.get("/file-register", response_class=HTMLResponse)
def file_register(request: Request, user: WebUser = Depends(page_user("registry.export")),
                  db: Session = Depends(get_db)) -> Response:
    problems = ui_registry.file_register_cp932_problems(request.app.state.ctx, db)
    return render(request, "registry_ui/file_register.html", {"page_title": "個人情報ファイル簿", "cp932_problems": problems},
                  user=user)


@router.get("/file-register/download")
def file_register_download(request: Request, fmt: str = "xlsx", user: WebUser = Depends(page_user("registry.export")),
                           db: Session = Depends(get_db)) -> Response:
    from privacy.file_register import FileRegisterError

    if fmt not in ("xlsx", "csv", "cp932"):
        raise ServiceError(f"出力形式「{fmt}」はありません（xlsx, csv, cp932 のいずれか）")
    try:
        data, media, name = ui_registry.file_register_export(request.app.state.ctx, db, user.actor, fmt)
    except FileRegisterError as exc:
        raise ServiceError(f"CP932 で出力できません: {exc} UTF-8（BOM付き）の CSV か Excel を使ってください。",
                           status_code=422) from None
    return Response(data, media_type=media, headers={"Content-Disposition": f"attachment; filename={name}"})


@router.get("/{entry_id}", response_class=HTMLResponse)
def entry_page(entry_id: str, request: Request, user: WebUser = Depends(page_user(*READERS)),
               db: Session = Depends(get_db)) -> Response:
    ctx = request.app.state.ctx
    e = registry.get_entry(db, entry_id)
    blocked = None
    if e.status == "proposed" and may(user.role, "registry.decide"):
        blocked = next((q.blocked_reason for q in ui_registry.pending_queue(db, ctx.catalog, user.username) if q.entry.id == e.id), None)
    return render(request, "registry_ui/entry.html", {
        "page_title": f"登録: {e.item_name}", "e": e, "history": registry.history(db, entry_id),
        "readers": ui_registry.readers_of_item(db, e.item_id), "blocked": blocked,
        "soon": ui_registry.expires_soon(e, today_jst()), "done": request.query_params.get("done", ""),
    }, user=user)


@router.post("/{entry_id}/decide", response_class=HTMLResponse)
def decide(entry_id: str, request: Request, action: str = Form(...), reason: str = Form(""), back: str = Form(""),
           user: WebUser = Depends(form_user(*OFFICER)), db: Session = Depends(get_db)) -> Response:
    if action not in ACTIONS:
        raise ServiceError(f"操作「{action}」はありません")
    if not reason.strip():
        raise ServiceError(f"{ACTIONS[action]}の理由を入力してください")
    try:
        registry.transition(db, user.actor, entry_id, action, reason, policy=request.app.state.ctx.policy)
    except Refused as exc:
        problems = [str(p) for p in exc.extra.get("problems", [])]
        raise ServiceError(" ".join([exc.detail, *problems]), status_code=422) from None
    target = "/ui/registry/queue" if back == "queue" else f"/ui/registry/{entry_id}"
    return RedirectResponse(target + "?" + urlencode({"done": f"{ACTIONS[action]}しました（{entry_id}）"}), status_code=303)
