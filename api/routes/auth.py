from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from sqlalchemy.orm import Session

from api import audit_store
from api.audit_store import Actor
from api.auth import SESSION_COOKIE, Principal, any_user, get_db
from api.routes.schemas import DbId, LoginBody, TokenBody
from api.security import ROLE_LABELS_JA
from api.services import users

router = APIRouter(prefix="/api/auth", tags=["認証"])


def _me(p: Principal, csrf: str | None = None) -> dict:
    out = {"username": p.username, "display_name": p.display_name, "role": p.role, "role_ja": ROLE_LABELS_JA[p.role],
           "via": p.via}
    if csrf:
        out["csrf_token"] = csrf
    return out


@router.post("/login", summary="ログイン",
             description="利用者名とパスワードでログインし、セッション Cookie（HttpOnly, SameSite=Strict）を設定します。"
                         "返される csrf_token を、以後の変更操作の X-CSRF-Token ヘッダーに付けてください。失敗も操作ログに記録されます。")
def login(body: LoginBody, request: Request, response: Response, db: Session = Depends(get_db)) -> dict:
    ctx = request.app.state.ctx
    address = request.client.host if request.client else "unknown"
    locked = users.login_refusal(db, body.username, address)
    if locked is not None:
        raise HTTPException(status_code=429, detail=locked.message_ja(), headers={"Retry-After": str(locked.seconds_left())})
    user = users.authenticate(db, body.username, body.password)  # hashes outside any transaction
    if user is None:
        users.record_login_failure(db, body.username, address, {"method": "password"})
        db.commit()
        raise HTTPException(status_code=401, detail="利用者名又はパスワードが違います")
    users.record_login_success(db, user.username)
    token, csrf, expires = users.start_session(db, user, ctx.settings.session_minutes)
    audit_store.append(db, Actor(user.username, user.role), "login", "user", user.username, details={"method": "password"})
    response.set_cookie(SESSION_COOKIE, token, max_age=ctx.settings.session_minutes * 60, httponly=True,
                        samesite="strict", secure=ctx.settings.cookie_secure, path="/")
    p = Principal(user.id, user.username, user.display_name, user.role, "session")
    return {**_me(p, csrf), "expires_at": expires.isoformat()}


@router.post("/logout", summary="ログアウト", description="セッションを終了し Cookie を消します。")
def logout(response: Response, p: Principal = Depends(any_user()), db: Session = Depends(get_db)) -> dict:
    if p.session_id is not None:
        users.end_session(db, p.session_id)
    audit_store.append(db, p.actor, "logout", "user", p.username)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"ok": True}


@router.get("/me", summary="ログイン中の利用者", description="利用者名・役割と（Cookie の場合）CSRF トークンを返します。")
def me(p: Principal = Depends(any_user()), db: Session = Depends(get_db)) -> dict:
    return _me(p, users.csrf_for(db, p.session_id) if p.session_id else None)


@router.post("/tokens", summary="APIトークンの発行", status_code=201,
             description="自分用の APIトークンを発行します。トークンはこの応答で一度だけ表示され、サーバーにはハッシュだけが残ります。")
def create_token(body: TokenBody, p: Principal = Depends(any_user()), db: Session = Depends(get_db)) -> dict:
    row, token = users.create_token(db, p.user_id, p.actor, body.name, body.days)
    return {"id": row.id, "name": row.name, "token": token, "expires_at": row.expires_at.isoformat() if row.expires_at else None}


@router.get("/tokens", summary="自分の APIトークンの一覧", description="発行した APIトークン（値は表示しません）。")
def list_tokens(p: Principal = Depends(any_user()), db: Session = Depends(get_db)) -> list[dict]:
    return [{"id": t.id, "name": t.name, "prefix": t.prefix, "created_at": t.created_at.isoformat(),
             "expires_at": t.expires_at.isoformat() if t.expires_at else None,
             "revoked": t.revoked_at is not None} for t in users.list_tokens(db, p.user_id)]


@router.delete("/tokens/{token_id}", summary="APIトークンの失効", description="自分の APIトークンを失効させます。")
def revoke_token(token_id: DbId, p: Principal = Depends(any_user()), db: Session = Depends(get_db)) -> dict:
    users.revoke_token(db, p.user_id, token_id, p.actor)
    return {"ok": True}
