"""Admins: accounts (利用者の管理) — list, create, change role and deactivate (with a reason), API tokens.

Every change goes through api.services.users (which logs it and refuses to leave the service without an
active administrator); a refusal is shown in Japanese next to the form it concerns.
"""

from __future__ import annotations

from urllib.parse import quote

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api.auth import get_db
from api.db.models import ApiToken, User
from api.db.types import utcnow
from api.errors import ServiceError
from api.routes.schemas import DbId
from api.security import ROLE_LABELS_JA, ROLES
from api.services import reasons, users
from api.web.deps import WebUser, form_user, page_user
from api.web.render import render

router = APIRouter(prefix="/ui/admin", include_in_schema=False)
ADMIN = ("users.manage",)  # an action of api/roles.yaml
NOTICES = {"created": "利用者を登録しました", "role": "役割を変更しました（この利用者のログイン中のセッションは終了しました）",
           "deactivated": "利用者を停止しました（セッションと APIトークンは無効になりました）", "revoked": "APIトークンを失効させました"}


def _roles() -> list[tuple[str, str]]:
    return [(r, ROLE_LABELS_JA[r]) for r in ROLES]


def _list_context(db: Session) -> dict:
    rows = db.execute(sa.select(User).order_by(User.active.desc(), User.username)).scalars().all()
    active_tokens = dict(db.execute(
        sa.select(ApiToken.user_id, sa.func.count()).where(ApiToken.revoked_at.is_(None),
                                                             sa.or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > utcnow()))
        .group_by(ApiToken.user_id)).all())
    return {"page_title": "利用者の管理", "users": rows, "tokens": active_tokens, "roles": _roles()}


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, done: str = "", user: WebUser = Depends(page_user(*ADMIN)),
               db: Session = Depends(get_db)) -> Response:
    return render(request, "admin/users.html", {**_list_context(db), "notice": NOTICES.get(done)}, user=user)


@router.post("/users", response_class=HTMLResponse)
def create_user(request: Request, username: str = Form(""), display_name: str = Form(""), role: str = Form(""),
                password: str = Form(""), user: WebUser = Depends(form_user(*ADMIN)), db: Session = Depends(get_db)) -> Response:
    try:
        if len(username.strip()) > 80 or len(display_name) > 200:
            raise ServiceError("利用者名は80文字以内、表示名は200文字以内にしてください")
        created = users.create_user(db, user.actor, username, password, role, display_name.strip() or None)
    except ServiceError as exc:
        db.rollback()
        return render(request, "admin/users.html", {**_list_context(db), "create_error": exc.detail,
                                                   "typed": {"username": username, "display_name": display_name, "role": role}},
                      user=user, status_code=exc.status_code)
    return RedirectResponse(f"/ui/admin/users/{quote(created.username, safe='')}?done=created", status_code=303)


def _detail_context(db: Session, username: str) -> dict:
    target = users.get_user(db, username)
    now = utcnow()
    tokens = [{"t": t, "state": "失効" if t.revoked_at else "期限切れ" if t.expires_at and t.expires_at <= now else "有効"}
              for t in users.list_tokens(db, target.id)]
    return {"page_title": f"利用者「{target.username}」", "target": target, "token_rows": tokens, "roles": _roles()}


def _detail(request: Request, db: Session, user: WebUser, username: str, status_code: int = 200, **extra) -> Response:
    return render(request, "admin/user.html", {**_detail_context(db, username), **extra}, user=user, status_code=status_code)


@router.get("/users/{username}", response_class=HTMLResponse)
def user_page(username: str, request: Request, done: str = "", user: WebUser = Depends(page_user(*ADMIN)),
              db: Session = Depends(get_db)) -> Response:
    return _detail(request, db, user, username, notice=NOTICES.get(done))


@router.post("/users/{username}/role", response_class=HTMLResponse)
def change_role(username: str, request: Request, role: str = Form(""), reason: str = Form(""),
                user: WebUser = Depends(form_user(*ADMIN)), db: Session = Depends(get_db)) -> Response:
    try:
        users.change_role(db, user.actor, username, role, reasons.require_reason(reason, "役割の変更"))
    except ServiceError as exc:
        db.rollback()
        return _detail(request, db, user, username, exc.status_code, role_error=exc.detail,
                       typed={"role": role, "role_reason": reason})
    return RedirectResponse(f"/ui/admin/users/{quote(username, safe='')}?done=role", status_code=303)


@router.post("/users/{username}/deactivate", response_class=HTMLResponse)
def deactivate(username: str, request: Request, reason: str = Form(""), user: WebUser = Depends(form_user(*ADMIN)),
               db: Session = Depends(get_db)) -> Response:
    try:
        users.deactivate_user(db, user.actor, username, reasons.require_reason(reason, "利用者の停止"))
    except ServiceError as exc:
        db.rollback()
        return _detail(request, db, user, username, exc.status_code, deact_error=exc.detail, typed={"deact_reason": reason})
    return RedirectResponse(f"/ui/admin/users/{quote(username, safe='')}?done=deactivated", status_code=303)


@router.post("/users/{username}/tokens", response_class=HTMLResponse)
def issue_token(username: str, request: Request, name: str = Form(""), days: str = Form(""),
                user: WebUser = Depends(form_user(*ADMIN)), db: Session = Depends(get_db)) -> Response:
    try:
        target = users.get_user(db, username)
        name = name.strip()
        if not name or len(name) > 200:
            raise ServiceError("トークンの用途を200文字以内で入力してください", status_code=422)
        if days.strip() and not (days.strip().isdigit() and 1 <= int(days) <= 3650):
            raise ServiceError("有効日数は1〜3650の整数で入力してください（空欄なら無期限）", status_code=422)
        if not target.active:
            raise ServiceError(f"利用者「{username}」は停止されているため、APIトークンを発行できません", status_code=409)
        row, token = users.create_token(db, target.id, user.actor, name, int(days) if days.strip() else None)
    except ServiceError as exc:
        db.rollback()
        return _detail(request, db, user, username, exc.status_code, token_error=exc.detail,
                       typed={"token_name": name, "token_days": days})
    db.commit()  # the token exists (and its issue is logged) before its value is shown
    resp = _detail(request, db, user, username, new_token=token, new_token_name=row.name)
    resp.headers["Cache-Control"] = "no-store"  # shown once: never cached, and no GET page shows it again
    return resp


@router.post("/users/{username}/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(username: str, token_id: DbId, request: Request, user: WebUser = Depends(form_user(*ADMIN)),
                 db: Session = Depends(get_db)) -> Response:
    target = users.get_user(db, username)
    users.revoke_token(db, target.id, token_id, user.actor)
    return RedirectResponse(f"/ui/admin/users/{quote(username, safe='')}?done=revoked#tokens", status_code=303)
